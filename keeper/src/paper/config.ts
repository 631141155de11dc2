import { z } from "zod";

/**
 * `paper` section of the keeper configuration, used by `keeper run --paper` (or `mode: "paper"`): the simulated
 * account's starting balances, the same on every configured venue (asset symbol -> decimal amount).
 */
export const paperConfigSchema = z
  .strictObject({
    balances: z
      .record(
        z.string().regex(/^[A-Z0-9]{1,16}$/, { error: "asset symbols are upper-case, like USDT" }),
        z.string().regex(/^\d+(\.\d{1,18})?$/, { error: "must be a decimal amount like 2 or 10000.5" }),
      )
      .default({}),
  })
  .strict();

export type PaperConfig = z.output<typeof paperConfigSchema>;

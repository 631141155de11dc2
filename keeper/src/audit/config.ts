import { parseUnits } from "ethers";
import { z } from "zod";

/** Deposit-asset amounts in the configuration: decimal strings in whole units (6 decimals), e.g. "250" or "0.5". */
const amount = z
  .string()
  .regex(/^\d+(\.\d{1,6})?$/, { error: "must be a decimal amount like 250 or 0.5 (6 decimals)" });

/**
 * `audit` section of the keeper configuration: the auditor (whistleblower) service run inside `keeper run` or by
 * `keeper audit`. Rules: docs/SPECIFICATION.md "Keeper node / Auditor".
 */
export const auditConfigSchema = z
  .strictObject({
    /** Run the auditor inside `keeper run`. */
    enabled: z.boolean().default(false),
    /** Most challenge bond (deposit-asset units) locked in open challenges at once; "0" audits without challenging. */
    maxBond: amount.default("0"),
    /** Poll period for new receipts and open disputes. */
    pollMs: z.number().int().min(50).max(600_000).default(2_000),
    /** Block to start following `ReceiptPosted` from (default: the deployment block). */
    fromBlock: z.number().int().min(0).optional(),
    /** Largest block range of one event query. */
    blockRange: z.number().int().min(1).max(1_000_000).default(5_000),
  })
  .strict();

export type AuditConfig = z.output<typeof auditConfigSchema>;

/** `maxBond` in the deposit asset's base units. */
export function maxBondUnits(c: Pick<AuditConfig, "maxBond">, decimals = 6): bigint {
  return parseUnits(c.maxBond, decimals);
}

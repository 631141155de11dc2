import { z } from "zod";
import { ReceiptError } from "./errors.js";

/**
 * Units of a trace's on-chain commitments. Leaves and receipts carry integers whose scale is fixed here and in
 * docs/SPECIFICATION.md ("Receipts"): prices 8 decimals, sizes 18 decimals (base-asset amount x 1e18, whatever
 * the base token's own decimals), fees and every deposit-asset amount in the deposit asset's smallest unit.
 */

/** Decimals of every price in a leaf or a receipt (as Chainlink's USD feeds and `CampaignRegistry` windows). */
export const PRICE_DECIMALS = 8;
/** Decimals of a leaf's `size` (base-asset amount x 1e18). */
export const SIZE_DECIMALS = 18;

export const ReceiptUnitsSchema = z
  .object({
    /** Symbol of the vault's deposit asset; every traded pair must be quoted in it ("ETH/USDC" for "USDC"). */
    depositAsset: z.string().regex(/^[A-Z0-9]{1,20}$/),
    /** Decimals of the deposit asset's on-chain unit (USDC, tUSD: 6). */
    depositDecimals: z.number().int().min(0).max(36).default(6),
    /** Prices (deposit asset per unit, decimal strings) of fee assets that are neither the base nor the quote. */
    feeAssetPrices: z.record(z.string(), z.string()).default({}),
    /** Mark prices per pair for open inventory (default: the pair's last fill price in the trace). */
    markPrices: z.record(z.string(), z.string()).default({}),
  })
  .strict();
/** What callers pass (defaults omitted). */
export type ReceiptUnits = z.input<typeof ReceiptUnitsSchema>;
/** Validated units, defaults applied. */
export type ResolvedUnits = z.output<typeof ReceiptUnitsSchema>;

/** Validates units; throws `ReceiptError` listing every problem. */
export function parseUnits(input: ReceiptUnits): ResolvedUnits {
  const r = ReceiptUnitsSchema.safeParse(input);
  if (!r.success) {
    const details = r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new ReceiptError("invalid receipt units", { details, cause: r.error });
  }
  return r.data;
}

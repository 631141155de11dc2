import type { TraceEntryInput } from "./trace.js";
import type { ReceiptUnits } from "./units.js";

/** Campaign ids and entries shared by the recording tests (test helper, not used by production code). */
export const CAMPAIGN_A = `0x${"a1".repeat(32)}`;
export const CAMPAIGN_B = `0x${"b2".repeat(32)}`;

/** A deterministic, valid fill number `i` of `campaignId`: alternating buys and sells around 2000 USDC. */
export function sampleEntry(i: number, campaignId = CAMPAIGN_A): TraceEntryInput {
  const buy = i % 2 === 0;
  return {
    timestamp: 1_760_000_000_000 + i * 250,
    campaignId,
    orderId: `ord-${Math.floor(i / 2)}`,
    fillId: `${i}`,
    clientOrderId: `c-${campaignId.slice(2, 10)}-${Math.floor(i / 2)}`,
    venue: buy ? "binance" : "uniswap-v2",
    pair: "ETH/USDC",
    side: buy ? "buy" : "sell",
    price: buy ? `2000.${(i % 97).toString().padStart(2, "0")}` : `2001.5${i % 10}`,
    size: `0.${(i % 9) + 1}5`,
    fee: buy ? "0.0003" : "0.25",
    feeAsset: buy ? "ETH" : "USDC",
    source: buy ? "cex" : "dex",
    minPrice: "1990",
    maxPrice: "2010.5",
  };
}

/** Units of the sample entries: pairs quoted in USDC, 6 decimals. */
export const UNITS: ReceiptUnits = { depositAsset: "USDC", depositDecimals: 6 };

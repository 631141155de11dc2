/**
 * Risk limits of a live keeper: pure checks (no I/O) of a planned campaign and of each order against the limits
 * in the keeper's configuration (`risk` block, docs/SPECIFICATION.md "Keeper node / Risk controls").
 *
 * Amounts in the configuration are decimal strings in the market's units: notionals, profits and losses in the
 * quote asset (the venues' quote stablecoin, counted 1:1 as the vault's deposit asset), inventories in the base
 * asset. Every refusal is one line naming the limit, the value and the bound.
 *
 * - `maxOrderNotional`: amount x limit price of one opening or closing order (hedge and unwind orders close risk
 *   and are never refused by a limit);
 * - `maxCampaignNotional`: amount x limit price of a campaign's buy leg;
 * - `maxInventoryNotional` / `maxInventory[asset]`: what the keeper may hold of an asset on one venue after a buy
 *   (valued at the buy's limit price / in base units);
 * - `minProfitBps` / `minProfit`: a campaign's expected profit, relative to its buy notional and absolute;
 * - `maxDailyLoss`: once the realised PnL of the current UTC day is a loss this large, no new campaign.
 */
import { z } from "zod";
import { BPS, WAD, fromWad, toWad } from "./fixed.js";
import type { LegPurpose } from "./executor.js";
import type { Opportunity } from "./arbitrage.js";
import type { OrderRequest } from "./venue.js";

const decimal = z.string().regex(/^\d+(\.\d{1,18})?$/, { error: "must be a non-negative decimal string" });

export const riskLimitsSchema = z
  .object({
    maxOrderNotional: decimal.default("50000"),
    maxCampaignNotional: decimal.default("100000"),
    maxInventoryNotional: decimal.default("500000"),
    /** Per base asset, in base units (e.g. `{ "BTC": "5" }`); overrides nothing else, both apply. */
    maxInventory: z.record(z.string().regex(/^[A-Z0-9]+$/), decimal).default({}),
    minProfitBps: z.number().int().min(0).max(10_000).default(5),
    minProfit: decimal.default("1"),
    maxDailyLoss: decimal.default("5000"),
    /** Seconds before the claim expires at which execution stops (hedged or unwound). */
    executionMarginSeconds: z.number().int().min(1).max(3_600).default(30),
  })
  .strict();
export type RiskLimitsConfig = z.infer<typeof riskLimitsSchema>;

/** The limits as wads. */
export interface RiskLimits {
  maxOrderNotional: bigint;
  maxCampaignNotional: bigint;
  maxInventoryNotional: bigint;
  maxInventory: Readonly<Record<string, bigint>>;
  minProfitBps: bigint;
  minProfit: bigint;
  maxDailyLoss: bigint;
  executionMarginSeconds: number;
}

export const DEFAULT_RISK_LIMITS_CONFIG: RiskLimitsConfig = riskLimitsSchema.parse({});

export function riskLimits(config: RiskLimitsConfig = DEFAULT_RISK_LIMITS_CONFIG): RiskLimits {
  return {
    maxOrderNotional: toWad(config.maxOrderNotional),
    maxCampaignNotional: toWad(config.maxCampaignNotional),
    maxInventoryNotional: toWad(config.maxInventoryNotional),
    maxInventory: Object.fromEntries(Object.entries(config.maxInventory).map(([k, v]) => [k, toWad(v)])),
    minProfitBps: BigInt(config.minProfitBps),
    minProfit: toWad(config.minProfit),
    maxDailyLoss: toWad(config.maxDailyLoss),
    executionMarginSeconds: config.executionMarginSeconds,
  };
}

const notional = (amount: bigint, price: bigint) => (amount * price + WAD - 1n) / WAD;
const closing = (purpose: LegPurpose) => purpose === "hedge" || purpose === "unwind";

/** Why an order breaks a limit, or undefined. Hedge and unwind orders always pass (they close risk). */
export function orderRefusal(
  order: Pick<OrderRequest, "amount" | "limitPrice" | "pair"> & { venueId: string; purpose: LegPurpose },
  limits: RiskLimits,
): string | undefined {
  if (closing(order.purpose) || order.purpose === "bridge") return undefined;
  const value = notional(order.amount, order.limitPrice);
  if (value > limits.maxOrderNotional) {
    return `order notional ${fromWad(value)} on ${order.venueId} ${order.pair} exceeds maxOrderNotional ${fromWad(limits.maxOrderNotional)}`;
  }
  return undefined;
}

export interface PlanContext {
  /** Realised PnL of the current UTC day (quote wad; negative: a loss). */
  dailyPnl: bigint;
  /** Free balance of `asset` on `venueId` as last read, or undefined when unknown. */
  held(venueId: string, asset: string): bigint | undefined;
}

/** Why a planned campaign breaks a limit, or undefined. */
export function planRefusal(plan: Opportunity, limits: RiskLimits, ctx: PlanContext): string | undefined {
  if (ctx.dailyPnl < 0n && -ctx.dailyPnl >= limits.maxDailyLoss) {
    return `daily loss ${fromWad(-ctx.dailyPnl)} reached maxDailyLoss ${fromWad(limits.maxDailyLoss)}`;
  }
  const buyNotional = notional(plan.buy.amount, plan.buy.limitPrice);
  if (buyNotional > limits.maxCampaignNotional) {
    return `campaign notional ${fromWad(buyNotional)} exceeds maxCampaignNotional ${fromWad(limits.maxCampaignNotional)}`;
  }
  for (const leg of [plan.buy, plan.sell]) {
    const legNotional = notional(leg.amount, leg.limitPrice);
    if (legNotional > limits.maxOrderNotional) {
      return `${leg.side} leg notional ${fromWad(legNotional)} on ${leg.venueId} exceeds maxOrderNotional ${fromWad(limits.maxOrderNotional)}`;
    }
  }
  if (plan.expectedProfit < limits.minProfit) {
    return `expected profit ${fromWad(plan.expectedProfit)} below minProfit ${fromWad(limits.minProfit)}`;
  }
  const bps = plan.buy.expectedQuote > 0n ? (plan.expectedProfit * BPS) / plan.buy.expectedQuote : 0n;
  if (bps < limits.minProfitBps) {
    return `expected profit ${bps} bps below minProfitBps ${limits.minProfitBps}`;
  }
  const base = plan.buy.pair.split("/")[0]!;
  const held = ctx.held(plan.buy.venueId, base);
  if (held !== undefined) {
    const after = held + plan.buy.amount;
    const cap = limits.maxInventory[base];
    if (cap !== undefined && after > cap) {
      return `${base} inventory on ${plan.buy.venueId} would reach ${fromWad(after)}, above maxInventory ${fromWad(cap)}`;
    }
    const value = notional(after, plan.buy.limitPrice);
    if (value > limits.maxInventoryNotional) {
      return `${base} inventory on ${plan.buy.venueId} would be worth ${fromWad(value)}, above maxInventoryNotional ${fromWad(limits.maxInventoryNotional)}`;
    }
  }
  return undefined;
}

/**
 * The largest base amount a campaign may buy at `price` under the notional limits (campaign, order) and the
 * inventory limits given what the buy venue holds; used to size plans inside the limits before checking them.
 * `sellPrice` is the sell leg's limit price: the same amount is sold there, and that order's notional is bounded by
 * `maxOrderNotional` too (above the buy price in an arbitrage, so it is the tighter of the two order caps).
 */
export function maxPlanAmount(
  limits: RiskLimits,
  price: bigint,
  base: string,
  held: bigint | undefined,
  sellPrice: bigint = price,
): bigint {
  if (price <= 0n || sellPrice <= 0n) return 0n;
  const byNotional = (n: bigint, at: bigint) => (n * WAD) / at;
  const orderPrice = sellPrice > price ? sellPrice : price;
  let cap = byNotional(limits.maxCampaignNotional, price);
  const orderCap = byNotional(limits.maxOrderNotional, orderPrice);
  if (orderCap < cap) cap = orderCap;
  if (held !== undefined) {
    const room = byNotional(limits.maxInventoryNotional, price) - held;
    if (room < cap) cap = room;
    const max = limits.maxInventory[base];
    if (max !== undefined && max - held < cap) cap = max - held;
  }
  return cap > 0n ? cap : 0n;
}

/** The UTC day (`YYYY-MM-DD`) of a wall-clock time in ms: the daily-loss window. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

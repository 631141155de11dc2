/**
 * The execution strategies as the node's plugins: a `StrategyPlugin` is `{ id, type, create(ctx) }`,
 * where `create` validates its own configuration (zod; `ConfigError` naming the field) and builds a
 * `Strategy` on the venues the node connected. Amounts in configurations are decimal strings.
 */
import { z } from "zod";
import type { ExecutionContext, Strategy } from "../../engine/strategy.js";
import type { StrategyType } from "../../engine/types.js";
import { ConfigError } from "../../errors.js";
import type { Clock, Sleep } from "../budget.js";
import type { Opportunity, VenueSnapshot } from "../arbitrage.js";
import type { ExecutionReport, OrderGuard } from "../executor.js";
import { toWad } from "../fixed.js";
import type { Venue } from "../venue.js";
import { ArbitrageStrategy } from "./arbitrage.js";
import type { ExecutionMarket } from "./market.js";
import { MarketMakingStrategy, type MarketMakingRunStats } from "./marketMaking.js";
import { RebalanceStrategy } from "./rebalance.js";

export interface PluginContext {
  /** Connected venues by id. */
  venues: Record<string, Venue>;
  /** The guard for a run of `strategyId` (engine rules + execution rules). */
  guard?: (strategyId: string, ctx: ExecutionContext) => OrderGuard | undefined;
  clock?: Clock;
  sleep?: Sleep;
  /** Every finished arbitrage execution and its plan (feeds `SafetyRules`/`RiskControls.recordExecution`, reports). */
  onReport?: (strategyId: string, pair: string, report: ExecutionReport, plan: Opportunity) => void | Promise<void>;
  /** Largest base amount an arbitrage plan may trade (the risk limits; see `ArbitrageStrategyOptions.maxAmount`). */
  maxArbitrageAmount?: (plan: Opportunity, snapshots: readonly VenueSnapshot[]) => bigint | undefined;
  /** Waits between market-making refreshes (replay: one simulator step). */
  waitForRefresh?: (signal: AbortSignal) => Promise<void>;
  /** Every finished market-making run (reports, metrics). */
  onMarketMakingRun?: (strategyId: string, stats: MarketMakingRunStats) => void;
  /** The plugin's own configuration (validated by `create`). */
  config: unknown;
}

export interface StrategyPlugin {
  readonly id: string;
  readonly type: StrategyType;
  create(ctx: PluginContext): Strategy<ExecutionMarket>;
}

const decimal = z.string().regex(/^\d+(\.\d+)?$/, "a decimal string");
const wad = decimal.transform((s) => toWad(s));
const bps = z
  .number()
  .int()
  .min(0)
  .max(10_000)
  .transform((n) => BigInt(n));

function parse<T extends z.ZodType>(schema: T, input: unknown, plugin: string): z.output<T> {
  const r = schema.safeParse(input);
  if (!r.success)
    throw new ConfigError(`invalid ${plugin} strategy configuration`, { details: z.prettifyError(r.error) });
  return r.data;
}

function venueOf(ctx: PluginContext, id: string): Venue {
  const v = ctx.venues[id];
  if (!v) throw new ConfigError(`strategy names venue ${id}, which is not connected`);
  return v;
}

export const ArbitrageConfigSchema = z.object({
  id: z.string().min(1),
  pair: z.string(),
  legs: z
    .array(
      z.object({
        venueId: z.string(),
        pair: z.string(),
        takerFeeBps: z.number().int().min(0).optional(),
        /** Base held on this venue stays inside [min, max]: a run never drains or overfills it. */
        inventory: z
          .object({ min: wad, max: wad })
          .refine((b) => b.max >= b.min, "inventory.max must be >= inventory.min")
          .optional(),
      }),
    )
    .min(2),
  minProfit: wad.default(0n),
  maxAmount: wad.default(0n),
  retryBudget: z.number().int().min(0).default(2),
  gasBudget: wad.default(0n),
});

export const arbitragePlugin: StrategyPlugin = {
  id: "arbitrage",
  type: "arbitrage",
  create(ctx) {
    const c = parse(ArbitrageConfigSchema, ctx.config, "arbitrage");
    for (const l of c.legs) venueOf(ctx, l.venueId);
    return new ArbitrageStrategy({
      id: c.id,
      pair: c.pair,
      venues: ctx.venues,
      legs: c.legs.map((l) => ({
        venueId: l.venueId,
        inventory: l.inventory,
        snapshot: {
          pair: l.pair,
          market: c.pair,
          takerFeeBps: l.takerFeeBps === undefined ? undefined : BigInt(l.takerFeeBps),
        },
      })),
      config: { minProfit: c.minProfit, maxAmount: c.maxAmount },
      execution: { retryBudget: c.retryBudget, gasBudget: c.gasBudget },
      guard: ctx.guard ? (run) => ctx.guard!(c.id, run) : undefined,
      clock: ctx.clock,
      sleep: ctx.sleep,
      onReport: ctx.onReport ? (report, _run, plan) => ctx.onReport!(c.id, c.pair, report, plan) : undefined,
      maxAmount: ctx.maxArbitrageAmount,
    });
  },
};

export const MarketMakingConfigSchema = z.object({
  id: z.string().min(1),
  pair: z.string(),
  venueId: z.string(),
  minHalfSpreadBps: bps,
  /**
   * Half-spread per unit of the volatility over one refresh interval (10_000 = one sigma, the default: the spread
   * covers the mid's expected move before the next refresh, so a fill is not adverse selection paid out of the edge).
   */
  volSpreadFactorBps: bps.default(10_000n),
  /** Fixed adverse-selection buffer added to the maker fee in the half-spread. */
  adverseSelectionBps: bps.default(0n),
  skewBps: bps.default(0n),
  orderSize: wad,
  targetInventory: wad,
  maxInventory: wad,
  tick: wad,
  lot: wad,
  priceToleranceBps: bps.default(5n),
  maxAgeMs: z.number().int().positive().default(60_000),
  makerFeeBps: bps.default(10n),
  expectedRoundTrips: z.number().min(0).default(1),
  maxRefreshes: z.number().int().min(0).default(0),
  refreshMs: z.number().int().positive().default(1_000),
});

export const marketMakingPlugin: StrategyPlugin = {
  id: "marketMaking",
  type: "marketMaking",
  create(ctx) {
    const c = parse(MarketMakingConfigSchema, ctx.config, "marketMaking");
    return new MarketMakingStrategy({
      id: c.id,
      pair: c.pair,
      venue: venueOf(ctx, c.venueId),
      params: {
        minHalfSpreadBps: c.minHalfSpreadBps,
        volSpreadFactorBps: c.volSpreadFactorBps,
        skewBps: c.skewBps,
        orderSize: c.orderSize,
        targetInventory: c.targetInventory,
        maxInventory: c.maxInventory,
        tick: c.tick,
        lot: c.lot,
        priceToleranceBps: c.priceToleranceBps,
        maxAgeMs: c.maxAgeMs,
        adverseSelectionBps: c.adverseSelectionBps,
      },
      makerFeeBps: c.makerFeeBps,
      expectedRoundTrips: c.expectedRoundTrips,
      maxRefreshes: c.maxRefreshes,
      refreshMs: c.refreshMs,
      waitForRefresh: ctx.waitForRefresh,
      guard: ctx.guard ? (run) => ctx.guard!(c.id, run) : undefined,
      clock: ctx.clock,
      onRunEnd: ctx.onMarketMakingRun ? (stats) => ctx.onMarketMakingRun!(c.id, stats) : undefined,
    });
  },
};

export const RebalanceConfigSchema = z.object({
  id: z.string().min(1),
  pair: z.string(),
  venueId: z.string(),
  targetBase: wad,
  band: wad,
  riskBps: bps,
  takerFeeBps: bps,
  maxSlippageBps: bps.default(50n),
  lot: wad,
});

export const rebalancePlugin: StrategyPlugin = {
  id: "rebalance",
  type: "rebalance",
  create(ctx) {
    const c = parse(RebalanceConfigSchema, ctx.config, "rebalance");
    return new RebalanceStrategy({
      id: c.id,
      pair: c.pair,
      venue: venueOf(ctx, c.venueId),
      targetBase: c.targetBase,
      band: c.band,
      riskBps: c.riskBps,
      takerFeeBps: c.takerFeeBps,
      maxSlippageBps: c.maxSlippageBps,
      lot: c.lot,
      guard: ctx.guard ? (run) => ctx.guard!(c.id, run) : undefined,
    });
  },
};

/** Every built-in execution strategy plugin, by id. */
export const STRATEGY_PLUGINS: ReadonlyMap<string, StrategyPlugin> = new Map(
  [arbitragePlugin, marketMakingPlugin, rebalancePlugin].map((p) => [p.id, p]),
);

/**
 * Arbitrage as an engine `Strategy`: the opportunity comes from the tick's snapshots (pure), the run
 * re-reads the venues, re-plans within the granted capital and executes the best route with fallback
 * (`executeWithFallback`), every order through the run's guard (engine rules + `SafetyRules`).
 *
 * Result: `completed`, `hedged` or `unwound` executions succeed; `exposed` and `abandoned` (nothing
 * crossed at the limits, or a venue refused) fail, so the engine's failure cool-down and success weight
 * see them. PnL is the execution report's; slippage is the worst all-in price of a fill against the
 * plan's expected all-in price of its leg.
 */
import type { ExecutionContext, RunView, Strategy } from "../../engine/strategy.js";
import type { ExecutionResult, RoiEstimate } from "../../engine/types.js";
import { UtilisationTracker } from "../../engine/estimators.js";
import {
  DEFAULT_ARBITRAGE_CONFIG,
  findOpportunities,
  type ArbitrageConfig,
  type Opportunity,
  type VenueSnapshot,
} from "../arbitrage.js";
import type { Clock, Sleep } from "../budget.js";
import { ExecutionError } from "../errors.js";
import { executeWithFallback, type ExecutionOptions, type ExecutionReport, type OrderGuard } from "../executor.js";
import { BPS, WAD, minBig } from "../fixed.js";
import { snapshotVenue, type SnapshotOptions } from "../snapshot.js";
import type { Venue } from "../venue.js";
import { snapshotKey, type ExecutionMarket } from "./market.js";

export interface ArbitrageStrategyOptions {
  id: string;
  /** Engine pair (safety rules are keyed by it), e.g. the canonical market "BTC/USDT". */
  pair: string;
  venues: Record<string, Venue>;
  /**
   * The venue pairs that price the same market (snapshot options, one per venue). `inventory`: the band
   * the base held on that venue must stay inside; a run never sells it below `min` nor buys it above
   * `max`, so one gap cannot drain a venue (the rebalance strategy brings it back toward its target).
   */
  legs: { venueId: string; snapshot: SnapshotOptions; inventory?: { min: bigint; max: bigint } }[];
  config?: Partial<ArbitrageConfig>;
  execution: Pick<
    ExecutionOptions,
    "retryBudget" | "gasBudget" | "unwindSlippageBps" | "unwindAttempts" | "retryDelayMs"
  >;
  /** The guard of a run (built per run so it can name the run's strategy). */
  guard?: (ctx: ExecutionContext) => OrderGuard | undefined;
  clock?: Clock;
  sleep?: Sleep;
  /** Called with every finished execution and the plan it executed (risk controls, reports, replay). */
  onReport?: (report: ExecutionReport, ctx: ExecutionContext, plan: Opportunity) => void | Promise<void>;
  /**
   * Largest base amount a plan may trade (the keeper's risk limits: order and campaign notional, inventory), given
   * the plan and the venue snapshots it came from; undefined: no cap beyond the config's `maxAmount`. Plans are
   * sized inside it before they are estimated or executed, so no order of a run is refused by the limits' guard.
   */
  maxAmount?: (plan: Opportunity, snapshots: readonly VenueSnapshot[]) => bigint | undefined;
  /** Whether a profitable arbitrage may pre-empt a running market maker (default true). */
  preemptMarketMaking?: boolean;
}

/** Worst all-in price of a fill against its leg's expected all-in price, in bps (>= 0). */
export function executionSlippageBps(plan: Opportunity, report: ExecutionReport): number {
  let worst = 0n;
  for (const o of report.orders) {
    if ((o.purpose !== "open" && o.purpose !== "close") || o.filled === 0n) continue;
    const leg = o.side === "buy" ? plan.buy : plan.sell;
    if (leg.amount === 0n) continue;
    const expected = (leg.expectedQuote * WAD) / leg.amount;
    const realised = ((o.side === "buy" ? o.cost + o.fee : o.cost - o.fee) * WAD) / o.filled;
    const worse = o.side === "buy" ? realised - expected : expected - realised;
    const bps = expected > 0n ? (worse * BPS) / expected : 0n;
    if (bps > worst) worst = bps;
  }
  return Number(worst);
}

/**
 * A leg's snapshot with its balances cut to what its inventory band allows: base to sell down to `min`,
 * quote to buy up to `max` at the best ask (walking the book only buys less per quote).
 */
export function withinInventoryBand(s: VenueSnapshot, band: { min: bigint; max: bigint } | undefined): VenueSnapshot {
  if (band === undefined) return s;
  const held = s.baseAvailable;
  const sellable = held > band.min ? held - band.min : 0n;
  const room = band.max > held ? band.max - held : 0n;
  const ask = s.liquidity.kind === "book" ? s.liquidity.asks[0]?.price : undefined;
  const buyable = ask === undefined ? s.quoteAvailable : (room * ask) / WAD;
  return { ...s, baseAvailable: minBig(s.baseAvailable, sellable), quoteAvailable: minBig(s.quoteAvailable, buyable) };
}

export class ArbitrageStrategy implements Strategy<ExecutionMarket> {
  readonly type = "arbitrage" as const;
  readonly id: string;
  readonly pair: string;
  private readonly config: ArbitrageConfig;
  /** Share of the granted capital the buy leg actually spent, per run (EWMA). */
  readonly utilisation = new UtilisationTracker();

  constructor(private readonly opts: ArbitrageStrategyOptions) {
    this.id = opts.id;
    this.pair = opts.pair;
    this.config = { ...DEFAULT_ARBITRAGE_CONFIG, ...opts.config };
  }

  /** The last market `best` planned over and its plan (a tick's market is read-only). */
  private lastBest: { market: ExecutionMarket; plan: Opportunity | undefined } | undefined;

  /**
   * The best opportunity in the tick's snapshots, or undefined. Planned once per market: a live keeper's tick asks
   * twice (the run's campaign id, then the estimate), and planning over two books is most of the tick's time.
   */
  best(market: ExecutionMarket): Opportunity | undefined {
    if (this.lastBest?.market === market) return this.lastBest.plan;
    const snaps: VenueSnapshot[] = [];
    for (const l of this.opts.legs) {
      const s = market.snapshots.get(snapshotKey(l.venueId, l.snapshot.pair));
      if (s !== undefined) snaps.push(withinInventoryBand(s, l.inventory));
    }
    const plan = this.ranked(snaps)[0];
    this.lastBest = { market, plan };
    return plan;
  }

  /** Opportunities in `snaps`, best first, the best sized inside `maxAmount` (re-planned at the cap). */
  private ranked(snaps: VenueSnapshot[]): Opportunity[] {
    const ranked = findOpportunities(snaps, this.config);
    const first = ranked[0];
    const cap = first === undefined ? undefined : this.opts.maxAmount?.(first, snaps);
    if (first === undefined || cap === undefined || first.amount <= cap) return ranked;
    if (cap <= 0n) return [];
    const maxAmount = this.config.maxAmount > 0n && this.config.maxAmount < cap ? this.config.maxAmount : cap;
    return findOpportunities(snaps, { ...this.config, maxAmount });
  }

  estimatedROI(market: ExecutionMarket): RoiEstimate | null {
    const opp = this.best(market);
    if (!opp || opp.expectedProfit <= 0n) return null;
    const c = opp.costs;
    const cost = c.tradingFees + c.gas + c.bridgeFee + c.delayRisk;
    const utilisation = this.utilisation.value;
    return {
      expectedProfit: opp.expectedProfit + cost,
      estimatedCost: cost,
      capitalLocked: opp.buy.expectedQuote,
      ...(utilisation === undefined ? {} : { utilisation }),
    };
  }

  canInterruptCurrent(current: RunView): boolean {
    return (this.opts.preemptMarketMaking ?? true) && current.type === "marketMaking";
  }

  async exec(ctx: ExecutionContext): Promise<ExecutionResult> {
    if (ctx.signal.aborted) return { status: "aborted", pnl: 0n, slippageBps: 0 };
    // Re-read the venues: the tick's snapshot may be stale by now. The buy side may spend only the capital.
    const snaps = await Promise.all(
      this.opts.legs.map(async (l) => {
        const venue = this.opts.venues[l.venueId];
        if (!venue) throw new ExecutionError(`arbitrage ${this.id}: venue ${l.venueId} is not connected`);
        const s = withinInventoryBand(await snapshotVenue(venue, l.snapshot), l.inventory);
        return { ...s, quoteAvailable: minBig(s.quoteAvailable, ctx.capital) };
      }),
    );
    const ranked = this.ranked(snaps);
    if (ranked.length === 0) {
      return {
        status: "failed",
        pnl: 0n,
        slippageBps: 0,
        error: new ExecutionError(`arbitrage ${this.id}: the opportunity was gone when the run started`),
      };
    }
    const { report } = await executeWithFallback(this.opts.venues, ranked, `${this.id}:${ctx.runId}:${ctx.startedAt}`, {
      ...this.opts.execution,
      guard: this.opts.guard?.(ctx),
      clock: this.opts.clock,
      sleep: this.opts.sleep,
      ...(ctx.deadline === undefined ? {} : { deadline: ctx.deadline }),
    });
    if (!report) {
      return { status: "failed", pnl: 0n, slippageBps: 0, error: new ExecutionError(`arbitrage ${this.id}: no route`) };
    }
    const plan = ranked.find((o) => report.campaignId.endsWith(`${o.buy.venueId}>${o.sell.venueId}`)) ?? ranked[0]!;
    await this.opts.onReport?.(report, ctx, plan);
    let spent = 0n;
    for (const o of report.orders) if (o.purpose === "open" && o.side === "buy") spent += o.cost;
    this.utilisation.record(spent, ctx.capital);
    const slippageBps = executionSlippageBps(plan, report);
    const ok = report.status === "completed" || report.status === "hedged" || report.status === "unwound";
    if (ok) return { status: "succeeded", pnl: report.pnl, slippageBps };
    return {
      status: "failed",
      pnl: report.pnl,
      slippageBps,
      error: new ExecutionError(`arbitrage ${this.id} ended ${report.status}`, {
        details: report.events.map((e) => e.message).join("\n"),
      }),
    };
  }
}

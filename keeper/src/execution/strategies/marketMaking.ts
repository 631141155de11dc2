/**
 * Market making as an engine `Strategy`, over `MarketMaker` (quotes, refresh, cancel-all).
 *
 * Opportunity: `expectedRoundTrips` bid/ask round trips per run, each earning the quoted spread
 * (`2 x halfSpread x orderSize x mid`) and paying the maker fee on both fills; the capital locked is one
 * order on each side. The run refreshes its quotes once per `waitForRefresh` (a timer live, a simulator
 * step in replay) until it has refreshed `maxRefreshes` times (then it cancels and succeeds) or its
 * signal aborts. On abort it cancels every resting quote before it resolves `aborted` with a
 * `resumeState`: the value and inventory it started from and its refresh count, so a resumed run
 * carries on with the same PnL baseline.
 *
 * PnL = (quote + base x mid) now - the same at the start (mark to market at the venue's mid).
 */
import { z } from "zod";
import type { ExecutionContext, RunView, Strategy } from "../../engine/strategy.js";
import type { ExecutionResult, RoiEstimate } from "../../engine/types.js";
import type { Clock } from "../budget.js";
import { systemClock } from "../budget.js";
import { ExecutionError } from "../errors.js";
import type { OrderGuard } from "../executor.js";
import { BPS, WAD } from "../fixed.js";
import { MarketMaker, computeQuotes, type MakerAction, type MarketMakingParams } from "../marketMaking.js";
import { splitPair, type Venue } from "../venue.js";
import { abortableDelay, midOf, snapshotKey, type ExecutionMarket } from "./market.js";

export interface MarketMakingStrategyOptions {
  id: string;
  pair: string;
  venue: Venue;
  params: MarketMakingParams;
  /** Maker fee in bps, for the estimate. */
  makerFeeBps: bigint;
  /** Expected round trips (a bid and an ask both filled) per run, for the estimate. */
  expectedRoundTrips: number;
  /** Refreshes per run before it ends by itself (0 = until aborted). */
  maxRefreshes: number;
  /** Waits between refreshes (default: `refreshMs` of wall time, cut short by the signal). */
  waitForRefresh?: (signal: AbortSignal) => Promise<void>;
  refreshMs?: number;
  /** Volatility the run quotes with, bps (default: the pair's volatility seen at the last estimate, else 0). */
  volatilityBps?: bigint;
  guard?: (ctx: ExecutionContext) => OrderGuard | undefined;
  clock?: Clock;
  /** Called after every refresh with the actions taken (replay, metrics). */
  onRefresh?: (actions: MakerAction[], ctx: ExecutionContext) => void;
}

const ResumeState = z.object({
  startValue: z.bigint(),
  refreshes: z.number().int().nonnegative(),
});
export type MarketMakingResumeState = z.infer<typeof ResumeState>;

export class MarketMakingStrategy implements Strategy<ExecutionMarket> {
  readonly type = "marketMaking" as const;
  readonly id: string;
  readonly pair: string;
  private readonly clock: Clock;
  private readonly base: string;
  private readonly quote: string;
  private lastVolatilityBps = 0n;

  constructor(private readonly opts: MarketMakingStrategyOptions) {
    this.id = opts.id;
    this.pair = opts.pair;
    this.clock = opts.clock ?? systemClock;
    ({ base: this.base, quote: this.quote } = splitPair(opts.pair));
  }

  estimatedROI(market: ExecutionMarket): RoiEstimate | null {
    const snap = market.snapshots.get(snapshotKey(this.opts.venue.id, this.pair));
    const mid = midOf(snap);
    if (!snap || mid === undefined) return null;
    const vol = BigInt(Math.round(market.volatilityBps.get(this.pair) ?? 0));
    this.lastVolatilityBps = vol;
    const q = computeQuotes(
      {
        mid,
        volatilityBps: vol,
        inventory: snap.baseAvailable,
        baseAvailable: snap.baseAvailable,
        quoteAvailable: snap.quoteAvailable,
      },
      this.opts.params,
    );
    const notional = (this.opts.params.orderSize * mid) / WAD;
    if (notional === 0n) return null;
    const trips = BigInt(Math.round(this.opts.expectedRoundTrips * 1000));
    const expectedProfit = (2n * notional * q.halfSpreadBps * trips) / BPS / 1000n;
    const estimatedCost = (2n * notional * this.opts.makerFeeBps * trips) / BPS / 1000n;
    return { expectedProfit, estimatedCost, capitalLocked: 2n * notional };
  }

  canInterruptCurrent(_current: RunView): boolean {
    return false;
  }

  /** Quote + base x mid on the venue, and the mid. */
  private async value(): Promise<{ value: bigint; inventory: bigint; mid: bigint; base: bigint; quote: bigint }> {
    const [book, balances] = await Promise.all([
      this.opts.venue.fetchOrderBook(this.pair, 5),
      this.opts.venue.balances(),
    ]);
    const bid = book.bids[0]?.price;
    const ask = book.asks[0]?.price;
    if (bid === undefined || ask === undefined)
      throw new ExecutionError(`${this.id}: one side of ${this.pair} is empty`);
    const mid = (bid + ask) / 2n;
    const base = balances[this.base]?.total ?? 0n;
    const quote = balances[this.quote]?.total ?? 0n;
    return {
      value: quote + (base * mid) / WAD,
      inventory: base,
      mid,
      base: balances[this.base]?.free ?? 0n,
      quote: balances[this.quote]?.free ?? 0n,
    };
  }

  async exec(ctx: ExecutionContext): Promise<ExecutionResult> {
    const parsed = ctx.resumeState === undefined ? undefined : ResumeState.safeParse(ctx.resumeState);
    if (parsed && !parsed.success) {
      return {
        status: "failed",
        pnl: 0n,
        slippageBps: 0,
        error: new ExecutionError(`${this.id}: invalid resume state`),
      };
    }
    const start = await this.value();
    const startValue = parsed?.data.startValue ?? start.value;
    let refreshes = parsed?.data.refreshes ?? 0;
    const maker = new MarketMaker(
      this.opts.venue,
      this.pair,
      `${this.id}:${ctx.runId}:${ctx.startedAt}`,
      this.opts.params,
      this.opts.guard?.(ctx),
    );
    const wait =
      this.opts.waitForRefresh ?? ((signal: AbortSignal) => abortableDelay(this.opts.refreshMs ?? 1_000, signal));
    const finish = async (status: "succeeded" | "aborted"): Promise<ExecutionResult> => {
      await maker.stop(status === "aborted" ? "aborted by the engine" : "run complete");
      const end = await this.value();
      const pnl = end.value - startValue;
      const resumeState: MarketMakingResumeState = { startValue, refreshes };
      return status === "aborted" ? { status, pnl, slippageBps: 0, resumeState } : { status, pnl, slippageBps: 0 };
    };
    try {
      while (!ctx.signal.aborted) {
        if (this.opts.maxRefreshes > 0 && refreshes >= this.opts.maxRefreshes) return await finish("succeeded");
        const now = await this.value();
        const vol = this.opts.volatilityBps ?? this.lastVolatilityBps;
        const actions = await maker.tick(
          {
            mid: now.mid,
            volatilityBps: vol,
            inventory: now.inventory,
            baseAvailable: now.base,
            quoteAvailable: now.quote,
          },
          this.clock.now(),
        );
        refreshes++;
        this.opts.onRefresh?.(actions, ctx);
        await wait(ctx.signal);
      }
      return await finish("aborted");
    } catch (err) {
      // Whatever went wrong, no quote of ours may stay on the book.
      await maker.stop("run failed");
      throw err;
    }
  }
}

/**
 * Market making as an engine `Strategy`, over `MarketMaker` (quotes, refresh, cancel-all).
 *
 * Opportunity: `expectedRoundTrips` bid/ask round trips per run, each earning the quoted spread
 * (`2 x halfSpread x orderSize x mid`) and paying, on both fills, the maker fee and the adverse selection
 * of one refresh interval (the volatility the quotes are exposed to before they move); the capital locked
 * is one order on each side; the utilisation is the measured share of the granted capital that rested
 * in quotes over recent refreshes (EWMA, `UtilisationTracker`), unknown before the first run.
 * Volatility: the engine's market view gives it per pair over one hour (bps); the quotes use it scaled to
 * one refresh interval, sigma_refresh = sigma_hour x sqrt(refreshMs / 3_600_000).
 *
 * The run refreshes its quotes once per `waitForRefresh` (live: `refreshMs`, cut short when an engine
 * tick's market view shows the mid more than `priceToleranceBps` from the mid the quotes rest around, the
 * book-move threshold; in replay: a simulator step)
 * until it has refreshed `maxRefreshes` times (then it cancels and succeeds) or its signal aborts. Each
 * side's quote is capped at half the capital granted. On abort it cancels every resting quote before it
 * resolves `aborted` with a `resumeState` (its refresh count and the PnL of the runs before it), so the
 * resumed run is a new campaign with a new PnL baseline: the account's value when it starts.
 *
 * PnL (net of fees, which the venue takes out of the balances) = `markedPnl`: the quote gained plus the
 * base gained marked at the venue's mid at the end (the starting holding's price drift is not the run's).
 */
import { z } from "zod";
import { UtilisationTracker, scaleVolatility } from "../../engine/estimators.js";
import type { ExecutionContext, RunView, Strategy } from "../../engine/strategy.js";
import type { ExecutionResult, RoiEstimate } from "../../engine/types.js";
import type { Clock } from "../budget.js";
import { systemClock } from "../budget.js";
import { ExecutionError } from "../errors.js";
import type { OrderGuard } from "../executor.js";
import { BPS, WAD } from "../fixed.js";
import {
  MarketMaker,
  computeQuotes,
  insideBand,
  markedPnl,
  type MakerAction,
  type MarketMakingParams,
} from "../marketMaking.js";
import { splitPair, type Venue } from "../venue.js";
import { abortableDelay, midOf, snapshotKey, type ExecutionMarket } from "./market.js";

export interface MarketMakingStrategyOptions {
  id: string;
  pair: string;
  venue: Venue;
  params: MarketMakingParams;
  /** Maker fee in bps (quotes and estimate; overrides `params.makerFeeBps`). */
  makerFeeBps: bigint;
  /** Expected round trips (a bid and an ask both filled) per run, for the estimate. */
  expectedRoundTrips: number;
  /** Refreshes per run before it ends by itself (0 = until aborted). */
  maxRefreshes: number;
  /** Waits between refreshes (default: `refreshMs` of wall time, cut short by the signal). */
  waitForRefresh?: (signal: AbortSignal) => Promise<void>;
  /** Interval between refreshes (ms): the wait live, and the interval the volatility is scaled to. */
  refreshMs?: number;
  /** Fixed volatility over one refresh interval, bps (default: the market view's, scaled). */
  volatilityBps?: bigint;
  guard?: (ctx: ExecutionContext) => OrderGuard | undefined;
  clock?: Clock;
  /** Called after every refresh with the actions taken (replay, metrics). */
  onRefresh?: (actions: MakerAction[], ctx: ExecutionContext) => void;
  /** Called when a run ends (any status) with what it did (replay report, metrics). */
  onRunEnd?: (stats: MarketMakingRunStats, ctx: ExecutionContext) => void;
}

/** What one market-making run did (amounts wads; value = quote + base x reference on its venue). */
export interface MarketMakingRunStats {
  runId: number;
  status: "succeeded" | "aborted" | "failed";
  /** The run's PnL baseline: the account's value on the venue when the run started. */
  baselineValue: bigint;
  endValue: bigint;
  /** `markedPnl` from the baseline: net of fees, the inventory change at the reference price. */
  pnl: bigint;
  /** PnL of the earlier runs this one resumes (0 for a first run). */
  previousPnl: bigint;
  startInventory: bigint;
  endInventory: bigint;
  /** The inventory band: target +/- maxInventory. */
  band: { min: bigint; max: bigint };
  /** End inventory inside the band. */
  insideBand: boolean;
  refreshes: number;
  resumedFrom?: number;
}

const ResumeState = z.object({
  refreshes: z.number().int().nonnegative(),
  /** PnL of the runs before (each run settles its own; this is only carried for reporting). */
  previousPnl: z.bigint(),
});
export type MarketMakingResumeState = z.infer<typeof ResumeState>;

export class MarketMakingStrategy implements Strategy<ExecutionMarket> {
  readonly type = "marketMaking" as const;
  readonly id: string;
  readonly pair: string;
  private readonly clock: Clock;
  private readonly base: string;
  private readonly quote: string;
  private readonly params: MarketMakingParams;
  private readonly refreshMs: number;
  /** Volatility over one refresh interval seen at the last estimate (bps). */
  private lastVolatilityBps = 0n;
  /** Mid the resting quotes were computed from (undefined while no run quotes). */
  private quotedMid: bigint | undefined;
  /** Cuts the current wait short (the book moved past the tolerance). */
  private wake: (() => void) | undefined;
  /** Share of the granted capital resting in quotes, measured at every refresh. */
  readonly utilisation = new UtilisationTracker();

  constructor(private readonly opts: MarketMakingStrategyOptions) {
    this.id = opts.id;
    this.pair = opts.pair;
    this.clock = opts.clock ?? systemClock;
    this.refreshMs = opts.refreshMs ?? 1_000;
    this.params = { ...opts.params, makerFeeBps: opts.makerFeeBps };
    ({ base: this.base, quote: this.quote } = splitPair(opts.pair));
  }

  /**
   * Volatility over one refresh interval (bps) from the market view's hourly figure: of the quoted venue's own mids
   * when the view measures it (a gap opening on another venue is not adverse selection here), else the pair's.
   */
  private refreshVolatility(market: ExecutionMarket): bigint {
    if (this.opts.volatilityBps !== undefined) return this.opts.volatilityBps;
    const hourly =
      market.volatilityBps.get(snapshotKey(this.opts.venue.id, this.pair)) ?? market.volatilityBps.get(this.pair);
    return hourly === undefined ? 0n : BigInt(Math.round(scaleVolatility(hourly, this.refreshMs)));
  }

  estimatedROI(market: ExecutionMarket): RoiEstimate | null {
    const snap = market.snapshots.get(snapshotKey(this.opts.venue.id, this.pair));
    const mid = midOf(snap);
    if (!snap || mid === undefined) return null;
    const vol = this.refreshVolatility(market);
    this.lastVolatilityBps = vol;
    // Refresh on book moves: a mid more than `priceToleranceBps` from the one the quotes rest around ends
    // the running run's wait at once (the live wait; a replay steps its refreshes itself).
    const quoted = this.quotedMid;
    if (quoted !== undefined && quoted > 0n && this.wake !== undefined) {
      const move = ((mid > quoted ? mid - quoted : quoted - mid) * BPS) / quoted;
      if (move > this.params.priceToleranceBps) this.wake();
    }
    const q = computeQuotes(
      {
        mid,
        volatilityBps: vol,
        inventory: snap.baseAvailable,
        baseAvailable: snap.baseAvailable,
        quoteAvailable: snap.quoteAvailable,
      },
      this.params,
    );
    const notional = (this.params.orderSize * mid) / WAD;
    if (notional === 0n) return null;
    const trips = BigInt(Math.round(this.opts.expectedRoundTrips * 1000));
    const expectedProfit = (2n * notional * q.halfSpreadBps * trips) / BPS / 1000n;
    const estimatedCost = (2n * notional * (this.opts.makerFeeBps + vol) * trips) / BPS / 1000n;
    const utilisation = this.utilisation.value;
    return {
      expectedProfit,
      estimatedCost,
      capitalLocked: 2n * notional,
      ...(utilisation === undefined ? {} : { utilisation }),
    };
  }

  canInterruptCurrent(_current: RunView): boolean {
    return false;
  }

  /** The account on the venue: quote, base, the mid (reference price) and the free balances. */
  private async read(): Promise<{ quote: bigint; inventory: bigint; mid: bigint; base: bigint; quoteFree: bigint }> {
    const [book, balances] = await Promise.all([
      this.opts.venue.fetchOrderBook(this.pair, 5),
      this.opts.venue.balances(),
    ]);
    const bid = book.bids[0]?.price;
    const ask = book.asks[0]?.price;
    if (bid === undefined || ask === undefined)
      throw new ExecutionError(`${this.id}: one side of ${this.pair} is empty`);
    return {
      quote: balances[this.quote]?.total ?? 0n,
      inventory: balances[this.base]?.total ?? 0n,
      mid: (bid + ask) / 2n,
      base: balances[this.base]?.free ?? 0n,
      quoteFree: balances[this.quote]?.free ?? 0n,
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
    // A new PnL baseline for every run (a resumed one too): each run is its own campaign.
    const start = await this.read();
    const baseline = { base: start.inventory, quote: start.quote, reference: start.mid };
    const previousPnl = parsed?.data.previousPnl ?? 0n;
    let refreshes = parsed?.data.refreshes ?? 0;
    // Each side may quote at most half the capital granted (the estimate locks one order per side).
    const params: MarketMakingParams = { ...this.params, maxQuoteNotional: ctx.capital / 2n };
    const maker = new MarketMaker(
      this.opts.venue,
      this.pair,
      `${this.id}:${ctx.runId}:${ctx.startedAt}`,
      params,
      this.opts.guard?.(ctx),
    );
    const wait =
      this.opts.waitForRefresh ??
      ((signal: AbortSignal) => {
        // `refreshMs` of wall time, cut short by the signal or by a book move seen at an engine tick.
        const woken = new AbortController();
        this.wake = () => woken.abort();
        const both = AbortSignal.any([signal, woken.signal]);
        return abortableDelay(this.refreshMs, both).finally(() => {
          this.wake = undefined;
        });
      });
    const finish = async (status: "succeeded" | "aborted" | "failed"): Promise<ExecutionResult> => {
      const end = await this.read();
      const pnl = markedPnl(baseline, { base: end.inventory, quote: end.quote, reference: end.mid });
      this.opts.onRunEnd?.(
        {
          runId: ctx.runId,
          status,
          baselineValue: baseline.quote + (baseline.base * baseline.reference) / WAD,
          endValue: end.quote + (end.inventory * end.mid) / WAD,
          pnl,
          previousPnl,
          startInventory: baseline.base,
          endInventory: end.inventory,
          band: {
            min: this.params.targetInventory - this.params.maxInventory,
            max: this.params.targetInventory + this.params.maxInventory,
          },
          insideBand: insideBand(end.inventory, this.params),
          refreshes,
        },
        ctx,
      );
      const resumeState: MarketMakingResumeState = { refreshes, previousPnl: previousPnl + pnl };
      return status === "aborted"
        ? { status, pnl, slippageBps: 0, resumeState }
        : { status: status === "failed" ? "failed" : "succeeded", pnl, slippageBps: 0 };
    };
    try {
      while (!ctx.signal.aborted) {
        if (this.opts.maxRefreshes > 0 && refreshes >= this.opts.maxRefreshes) {
          await maker.stop("run complete");
          return await finish("succeeded");
        }
        const now = await this.read();
        const actions = await maker.tick(
          {
            mid: now.mid,
            volatilityBps: this.lastVolatilityBps,
            inventory: now.inventory,
            baseAvailable: now.base,
            quoteAvailable: now.quoteFree,
          },
          this.clock.now(),
        );
        refreshes++;
        this.quotedMid = now.mid;
        let resting = 0n;
        for (const o of maker.openOrders()) resting += ((o.amount - o.filled) * o.limitPrice) / WAD;
        this.utilisation.record(resting, ctx.capital);
        this.opts.onRefresh?.(actions, ctx);
        await wait(ctx.signal);
      }
      await maker.stop("aborted by the engine");
      return await finish("aborted");
    } catch (err) {
      // Whatever went wrong, no quote of ours may stay on the book.
      await maker.stop("run failed");
      throw err;
    } finally {
      this.quotedMid = undefined;
    }
  }
}

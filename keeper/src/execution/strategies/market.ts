/**
 * What the execution strategies see of the market each engine tick: a snapshot of every venue and pair
 * they trade (books or curves, fees, lots, the keeper's balances there), read once per tick so that
 * `estimatedROI` stays pure and fast. Amounts handed to the engine (profit, cost, capital, PnL) are
 * quote-asset wads: the deposit asset is the quote asset of the traded pairs.
 */
import type { VolatilityEstimator } from "../../engine/estimators.js";
import type { MarketView } from "../../engine/strategy.js";
import { wadToNumber } from "../fixed.js";
import type { VenueSnapshot } from "../arbitrage.js";
import { snapshotVenue, type SnapshotOptions } from "../snapshot.js";
import type { Venue } from "../venue.js";

export interface ExecutionMarket extends MarketView {
  /** Snapshot per `venueId|pair`. */
  readonly snapshots: ReadonlyMap<string, VenueSnapshot>;
  /** Engine time of the reading (ms). */
  readonly now: number;
}

export const snapshotKey = (venueId: string, pair: string): string => `${venueId}|${pair}`;

export interface MarketSource {
  venue: Venue;
  options: SnapshotOptions;
}

/** Reads every source once (in parallel) into an `ExecutionMarket`. */
export async function readMarket(
  sources: readonly MarketSource[],
  now: number,
  volatilityBps: ReadonlyMap<string, number> = new Map(),
): Promise<ExecutionMarket> {
  const snaps = await Promise.all(sources.map((s) => snapshotVenue(s.venue, s.options)));
  return {
    now,
    volatilityBps,
    snapshots: new Map(snaps.map((s) => [snapshotKey(s.venueId, s.pair), s])),
  };
}

/** Mid of a book snapshot (best bid + best ask) / 2, or undefined when a side is empty. */
export function midOf(s: VenueSnapshot | undefined): bigint | undefined {
  if (!s || s.liquidity.kind !== "book") return undefined;
  const bid = s.liquidity.bids[0]?.price;
  const ask = s.liquidity.asks[0]?.price;
  return bid !== undefined && ask !== undefined ? (bid + ask) / 2n : undefined;
}

/** Resolves after `ms`, or at once (rejecting nothing) when `signal` aborts. */
export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * Feeds the mids of `market` to the volatility estimator (per pair, the mean of its venues' mids at the
 * reading's time; and per venue, under `snapshotKey(venueId, pair)`, that venue's own mid) and returns the
 * market with the estimator's volatilities: the pair's is the live input of the engine's volatility weight,
 * the quoted venue's that of the market maker's spread and adverse selection.
 */
export function withMeasuredVolatility(market: ExecutionMarket, estimator: VolatilityEstimator): ExecutionMarket {
  const sums = new Map<string, { sum: number; n: number }>();
  for (const s of market.snapshots.values()) {
    const mid = midOf(s);
    if (mid === undefined) continue;
    estimator.observe(snapshotKey(s.venueId, s.pair), wadToNumber(mid), market.now);
    const acc = sums.get(s.market) ?? { sum: 0, n: 0 };
    acc.sum += wadToNumber(mid);
    acc.n++;
    sums.set(s.market, acc);
  }
  for (const [pair, { sum, n }] of sums) estimator.observe(pair, sum / n, market.now);
  return { ...market, volatilityBps: estimator.snapshot() };
}

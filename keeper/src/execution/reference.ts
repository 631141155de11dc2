/**
 * The reference price the per-order safety rules measure a limit against (`SafetyRules`' slippage band): the mid of
 * the newest order book the keeper has read of a pair on a venue, whoever read it — the engine's tick or a strategy's
 * own read (a market maker re-reads its venue's book before every refresh). Measuring a quote against the tick's older
 * snapshot refused a market maker's quotes after a fast move (its quotes followed the book it had just read, more than
 * `maxSlippageBps` from the tick's mid), failed its run and put it in its failure cool-down.
 *
 * Reads are ordered by when they started (a slow read that started earlier never replaces a newer one).
 */
import type { BookLevel, OrderBook, Venue } from "./venue.js";

export class ReferenceMids {
  private readonly mids = new Map<string, { mid: bigint; at: number }>();

  /** Records the mid of a book read that started at `at` (ms), unless a read that started later is already kept. */
  observe(venueId: string, pair: string, bids: readonly BookLevel[], asks: readonly BookLevel[], at: number): void {
    const bid = bids[0]?.price;
    const ask = asks[0]?.price;
    if (bid === undefined || ask === undefined) return;
    const key = `${venueId}|${pair}`;
    const kept = this.mids.get(key);
    if (kept && kept.at > at) return;
    this.mids.set(key, { mid: (bid + ask) / 2n, at });
  }

  /** The newest mid of `pair` on `venueId`, or undefined when no two-sided book was read. */
  mid(venueId: string, pair: string): bigint | undefined {
    return this.mids.get(`${venueId}|${pair}`)?.mid;
  }
}

/** `venue`, whose order book reads also feed `mids` (every other call passes through unchanged). */
export function observingVenue(venue: Venue, mids: ReferenceMids, now: () => number): Venue {
  return new Proxy(venue, {
    get(target, prop) {
      if (prop === "fetchOrderBook") {
        return async (pair: string, depth?: number): Promise<OrderBook> => {
          const at = now();
          const book = await target.fetchOrderBook(pair, depth);
          mids.observe(target.id, pair, book.bids, book.asks, at);
          return book;
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * Reads a venue into the in-memory `VenueSnapshot` the pure arbitrage functions work on: its book (or
 * its pool's curve), fee, lot, gas per order and the keeper's balances there.
 */
import type { VenueSnapshot } from "./arbitrage.js";
import { CcxtVenue } from "./ccxtVenue.js";
import { toWad } from "./fixed.js";
import { UniswapV2Venue } from "./uniswapV2Venue.js";
import { splitPair, type Venue } from "./venue.js";

export interface SnapshotOptions {
  pair: string;
  /** Canonical market shared by all venues that price the same thing (default: `pair`). */
  market?: string;
  /** Chain of an on-chain venue. */
  chain?: string;
  /** Taker fee (bps) for venues that do not expose one (CcxtVenue reads its market's). */
  takerFeeBps?: bigint;
  lot?: bigint;
  /** Base amount whose quote gives the gas per order on a DEX (default 1). */
  gasProbeAmount?: bigint;
  /** Book depth to read (default 50). */
  depth?: number;
}

/** A venue that knows its markets' fees and steps (`CcxtVenue`, `PaperVenue`). */
interface MarketInfo {
  takerFeeBps(pair: string): bigint;
  steps(pair: string): { lot: bigint };
}

function hasMarketInfo(venue: Venue): venue is Venue & MarketInfo {
  if (venue instanceof CcxtVenue) return true;
  const v = venue as Partial<Record<keyof MarketInfo, unknown>>;
  return typeof v.takerFeeBps === "function" && typeof v.steps === "function";
}

/**
 * The venue's balances and its book (or pool) are read concurrently: one round trip instead of two, on every engine
 * tick's market read and on every arbitrage run's re-read before its first order.
 */
export async function snapshotVenue(venue: Venue, opts: SnapshotOptions): Promise<VenueSnapshot> {
  const { base, quote } = splitPair(opts.pair);
  const common = (balances: Awaited<ReturnType<Venue["balances"]>>) => ({
    venueId: venue.id,
    kind: venue.kind,
    market: opts.market ?? opts.pair,
    pair: opts.pair,
    baseAvailable: balances[base]?.free ?? 0n,
    quoteAvailable: balances[quote]?.free ?? 0n,
    chain: opts.chain,
  });
  if (venue instanceof UniswapV2Venue) {
    const [balances, liquidity, probe] = await Promise.all([
      venue.balances(),
      venue.liquidity(opts.pair),
      venue.quote(opts.pair, "buy", opts.gasProbeAmount ?? toWad("1")),
    ]);
    return { ...common(balances), liquidity, gasCostPerOrder: probe.gasCost, lot: opts.lot ?? 0n };
  }
  const [balances, book] = await Promise.all([venue.balances(), venue.fetchOrderBook(opts.pair, opts.depth ?? 50)]);
  // After the reads: a ccxt venue knows its markets (fee, steps) once it has loaded them; a paper venue gives its
  // real venue's.
  let takerFeeBps = opts.takerFeeBps;
  let lot = opts.lot ?? 0n;
  if (hasMarketInfo(venue)) {
    takerFeeBps ??= venue.takerFeeBps(opts.pair);
    lot = opts.lot ?? venue.steps(opts.pair).lot;
  }
  if (takerFeeBps === undefined)
    throw new RangeError(`snapshot of ${venue.id}: takerFeeBps is required for this venue`);
  return {
    ...common(balances),
    liquidity: { kind: "book", bids: book.bids, asks: book.asks, takerFeeBps },
    gasCostPerOrder: 0n,
    lot,
  };
}

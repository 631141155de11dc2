/**
 * Arbitrage detection and sizing: pure functions over in-memory snapshots of venues (no I/O).
 *
 * For every ordered pair of venues quoting the same market, the size that maximises
 *   profit(q) = proceeds of selling q' on the sell venue - cost of buying q on the buy venue
 *               - delay risk on the bought notional - fixed costs (gas, bridge fixed fee)
 * (q' = q, or what arrives after a bridge's fee) is found by walking the books / the AMM curve. Taker
 * fees are inside the proceeds and costs, so profit is concave in q: book against book one walk over
 * both books finds its peak (`bookProfitPeak`), otherwise a ternary search finds its maximum; the size
 * is on both venues' lot grid and capped by the balances available.
 */
import { BPS, divWad, mulBps } from "./fixed.js";
import { buyCost, maxBuyable, maxSellable, sellProceeds, type BookLiquidity, type Liquidity } from "./liquidity.js";
import type { Side, VenueKind } from "./venue.js";

export interface VenueSnapshot {
  venueId: string;
  kind: VenueKind;
  /** Canonical market this snapshot prices (e.g. "ETH/USD"), the same on every venue. */
  market: string;
  /** The venue's own symbol for it (e.g. "ETH/USDT" or "WETH/USD"). */
  pair: string;
  liquidity: Liquidity;
  /** Network cost of one order on this venue, in quote units (0 on a CEX). */
  gasCostPerOrder: bigint;
  /** Order size step (0 for none). */
  lot: bigint;
  /** Base the keeper holds there (caps a sell). */
  baseAvailable: bigint;
  /** Quote the keeper holds there (caps a buy). */
  quoteAvailable: bigint;
  /** Chain the assets sit on, for on-chain venues; venues on different chains need a bridge. */
  chain?: string;
}

export interface BridgeSnapshot {
  venueId: string;
  /** The bridge venue's pair, e.g. "ETH@a/ETH@b". */
  pair: string;
  from: string;
  to: string;
  /** Fee taken from the transferred amount, in basis points. */
  feeBps: bigint;
  /** Fixed fee taken from the transferred amount, in base units. */
  fixedFee: bigint;
  /** Time from lock to release, in milliseconds. */
  delayMs: number;
  /** Network cost of the lock transaction, in quote units. */
  gasCost: bigint;
  /** Most the bridge can release on the destination chain right now (base units). */
  capacity: bigint;
}

export const DEFAULT_ARBITRAGE_CONFIG = {
  /** Opportunities below this profit (quote units) are dropped. */
  minProfit: 0n,
  /** Largest base amount per opportunity (0 = no cap). */
  maxAmount: 0n,
  /** Price risk charged on the bridged notional per started minute of bridge delay, in bps. */
  delayRiskBpsPerMinute: 5n,
  /** Extra room in each leg's limit price beyond the walked price, in bps (0 = exactly the walked price). */
  limitBufferBps: 0n,
};
export type ArbitrageConfig = typeof DEFAULT_ARBITRAGE_CONFIG;

export type ArbitrageKind = "cex-cex" | "dex-cex" | "dex-dex" | "cross-chain";

export interface PlannedLeg {
  venueId: string;
  pair: string;
  side: Side;
  amount: bigint;
  /** Worst price the IOC order accepts: the marginal book level (CEX), or the all-in average (DEX). */
  limitPrice: bigint;
  /** Expected quote paid (buy, fees in) or received (sell, fees out). */
  expectedQuote: bigint;
  kind: VenueKind;
  lot: bigint;
  gasCost: bigint;
}

export interface Opportunity {
  kind: ArbitrageKind;
  market: string;
  buy: PlannedLeg;
  sell: PlannedLeg;
  bridge?: BridgeSnapshot & { amount: bigint; arriving: bigint };
  /** Base bought. */
  amount: bigint;
  /** Expected profit in quote units after fees, gas, bridge costs and delay risk. */
  expectedProfit: bigint;
  costs: { tradingFees: bigint; gas: bigint; bridgeFee: bigint; delayRisk: bigint };
  /** Best bid on the sell venue over best ask on the buy venue, minus one, in bps (the visible gap). */
  grossSpreadBps: bigint;
}

/** What arrives after a bridge takes its fees. */
export function bridgedAmount(bridge: Pick<BridgeSnapshot, "feeBps" | "fixedFee">, amount: bigint): bigint {
  const out = amount - mulBps(amount, bridge.feeBps, "up") - bridge.fixedFee;
  return out > 0n ? out : 0n;
}

/** Largest q with buyCost(q) <= budget (binary search; buy cost grows with q). */
export function maxAffordable(liq: Liquidity, quoteBudget: bigint, upper: bigint): bigint {
  let lo = 0n;
  let hi = upper;
  while (lo < hi) {
    const mid = (lo + hi + 1n) / 2n;
    const cost = buyCost(liq, mid);
    if (cost && cost.quote <= quoteBudget) lo = mid;
    else hi = mid - 1n;
  }
  return lo;
}

/** Ternary search for the maximum of a concave function on [lo, hi] (integers), to within `step`. */
export function argmaxConcave(f: (x: bigint) => bigint, lo: bigint, hi: bigint, step = 1n): bigint {
  const resolution = step > 2n ? step : 2n;
  while (hi - lo > resolution) {
    const third = (hi - lo) / 3n;
    const m1 = lo + third;
    const m2 = hi - third;
    if (f(m1) < f(m2)) lo = m1;
    else hi = m2;
  }
  // At most a handful of candidates are left to compare (the interval is no wider than `step`).
  const span = hi - lo;
  const candidates =
    span <= 8n ? Array.from({ length: Number(span) + 1 }, (_, i) => lo + BigInt(i)) : [lo, lo + span / 2n, hi];
  let best = candidates[0];
  let bestValue = f(best);
  for (const x of candidates.slice(1)) {
    const v = f(x);
    if (v > bestValue) {
      best = x;
      bestValue = v;
    }
  }
  return best;
}

/**
 * Book against book (no bridge): the amount up to which each further unit bought from `buy`'s asks and sold into
 * `sell`'s bids still earns more than the two taker fees. Profit is piecewise linear in the amount, with its kinks
 * where a level of either book runs out, and concave: it peaks here. One walk over both books.
 */
export function bookProfitPeak(buy: BookLiquidity, sell: BookLiquidity): bigint {
  const { asks } = buy;
  const { bids } = sell;
  let i = 0;
  let j = 0;
  let askLeft = asks[0]?.amount ?? 0n;
  let bidLeft = bids[0]?.amount ?? 0n;
  let amount = 0n;
  while (i < asks.length && j < bids.length) {
    if (askLeft <= 0n) {
      askLeft = asks[++i]?.amount ?? 0n;
      continue;
    }
    if (bidLeft <= 0n) {
      bidLeft = bids[++j]?.amount ?? 0n;
      continue;
    }
    // The next unit's proceeds net of the sell fee against its cost with the buy fee (both scaled by BPS).
    if (bids[j]!.price * (BPS - sell.takerFeeBps) <= asks[i]!.price * (BPS + buy.takerFeeBps)) break;
    const step = askLeft < bidLeft ? askLeft : bidLeft;
    amount += step;
    askLeft -= step;
    bidLeft -= step;
  }
  return amount;
}

/**
 * The grid point (a multiple of the unit, at most `maxUnits`) of highest `f` next to the peak of a concave `f` at
 * `peakUnits` (fractional units floored): the floor, its neighbours, whichever is highest (the lower one on a tie).
 */
function bestNearPeak(f: (n: bigint) => bigint, peakUnits: bigint, maxUnits: bigint): bigint {
  const centre = peakUnits < maxUnits ? peakUnits : maxUnits;
  let best = centre;
  let bestValue = f(centre);
  for (const n of [centre - 1n, centre + 1n]) {
    if (n < 0n || n > maxUnits) continue;
    const v = f(n);
    if (v > bestValue || (v === bestValue && n < best)) {
      best = n;
      bestValue = v;
    }
  }
  return best;
}

/** Price of the last book level touched by taking `amount` (the marginal price), or undefined. */
function marginalLevelPrice(levels: { price: bigint; amount: bigint }[], amount: bigint): bigint | undefined {
  let left = amount;
  for (const level of levels) {
    left -= level.amount;
    if (left <= 0n) return level.price;
  }
  return undefined;
}

function classify(buy: VenueSnapshot, sell: VenueSnapshot, bridged: boolean): ArbitrageKind {
  if (bridged) return "cross-chain";
  if (buy.kind === "cex" && sell.kind === "cex") return "cex-cex";
  if (buy.kind === "dex" && sell.kind === "dex") return "dex-dex";
  return "dex-cex";
}

/**
 * Sizes and prices the arbitrage "buy on `buy`, sell on `sell`" (with a bridge in between when the two
 * sit on different chains). Returns undefined when no size is profitable.
 */
export function evaluateRoute(
  buy: VenueSnapshot,
  sell: VenueSnapshot,
  config: ArbitrageConfig = DEFAULT_ARBITRAGE_CONFIG,
  bridge?: BridgeSnapshot,
): Opportunity | undefined {
  const crossChain = buy.chain !== undefined && sell.chain !== undefined && buy.chain !== sell.chain;
  if (crossChain && (!bridge || bridge.from !== buy.chain || bridge.to !== sell.chain)) return undefined;
  const usedBridge = crossChain ? bridge : undefined;
  const arriving = (q: bigint) => (usedBridge ? bridgedAmount(usedBridge, q) : q);
  const delayRiskBps = usedBridge ? config.delayRiskBpsPerMinute * BigInt(Math.ceil(usedBridge.delayMs / 60_000)) : 0n;

  // Profit is concave in q: if the very first unit loses (best bid net of fees below best ask plus
  // fees), no size wins. This cheap test rejects most routes before any search.
  const probe = buy.lot > sell.lot ? buy.lot : sell.lot;
  const firstUnit = probe > 0n ? probe : 10n ** 12n;
  const firstCost = buyCost(buy.liquidity, firstUnit);
  // (fixed bridge fees only lower the profit further, so the probe leaves them out)
  const firstArrival = usedBridge ? firstUnit - mulBps(firstUnit, usedBridge.feeBps, "up") : firstUnit;
  const firstProceeds = sellProceeds(sell.liquidity, firstArrival);
  if (!firstCost || !firstProceeds || firstProceeds.quote <= firstCost.quote) return undefined;

  // Upper bound: depth, balances (the buy spends quote there; without a bridge the sell spends base
  // already held on the sell venue), the bridge's capacity and the configured cap.
  let upper = maxBuyable(buy.liquidity);
  const sellDepth = maxSellable(sell.liquidity);
  if (sellDepth !== undefined && sellDepth < upper) upper = sellDepth;
  if (!usedBridge && sell.baseAvailable < upper) upper = sell.baseAvailable;
  if (usedBridge && usedBridge.capacity < upper) upper = usedBridge.capacity;
  if (config.maxAmount > 0n && config.maxAmount < upper) upper = config.maxAmount;
  const fullCost = buyCost(buy.liquidity, upper);
  if (!fullCost || fullCost.quote > buy.quoteAvailable) upper = maxAffordable(buy.liquidity, buy.quoteAvailable, upper);
  if (upper <= 0n) return undefined;

  const variable = (q: bigint): bigint => {
    const cost = buyCost(buy.liquidity, q);
    const proceeds = sellProceeds(sell.liquidity, arriving(q));
    if (!cost || !proceeds) return -(1n << 255n);
    return proceeds.quote - cost.quote - mulBps(cost.quote, delayRiskBps, "up");
  };
  const lot = buy.lot > sell.lot ? buy.lot : sell.lot;
  // Search on the lot grid (whole lots), so the optimum is never lost to rounding afterwards.
  // Without a lot (a pool), search on a grid of 1e-12 base, far below any size that matters.
  const unit = lot > 0n ? lot : 10n ** 6n;
  const onGrid = (n: bigint) => variable(n * unit);
  // Book against book: the peak is found by one walk over both books, then three grid points are compared; anything
  // else (a pool's curve, a bridge's fees and delay) by a ternary search over the whole grid.
  const amount =
    (!usedBridge && buy.liquidity.kind === "book" && sell.liquidity.kind === "book"
      ? bestNearPeak(onGrid, bookProfitPeak(buy.liquidity, sell.liquidity) / unit, upper / unit)
      : argmaxConcave(onGrid, 0n, upper / unit)) * unit;
  if (amount <= 0n) return undefined;

  const cost = buyCost(buy.liquidity, amount);
  const sellAmount = arriving(amount);
  const proceeds = sellProceeds(sell.liquidity, sellAmount);
  if (!cost || !proceeds || sellAmount <= 0n) return undefined;
  const delayRisk = mulBps(cost.quote, delayRiskBps, "up");
  const gas = buy.gasCostPerOrder + sell.gasCostPerOrder + (usedBridge?.gasCost ?? 0n);
  const bridgeFeeBase = amount - sellAmount;
  // The base the bridge kept, valued at the sell leg's average price.
  const bridgeFee = bridgeFeeBase > 0n ? (bridgeFeeBase * proceeds.quote) / sellAmount : 0n;
  const expectedProfit = proceeds.quote - cost.quote - delayRisk - gas;
  if (expectedProfit <= config.minProfit) return undefined;

  const limit = (snap: VenueSnapshot, side: Side, fill: { quote: bigint }, qty: bigint): bigint => {
    const buffer = side === "buy" ? BPS + config.limitBufferBps : BPS - config.limitBufferBps;
    let price: bigint | undefined;
    if (snap.liquidity.kind === "book") {
      price = marginalLevelPrice(side === "buy" ? snap.liquidity.asks : snap.liquidity.bids, qty);
    } else {
      price = divWad(fill.quote, qty, side === "buy" ? "up" : "down");
    }
    return ((price ?? 0n) * buffer) / BPS;
  };
  const bestAsk =
    buy.liquidity.kind === "book"
      ? buy.liquidity.asks[0]?.price
      : divWad(buy.liquidity.reserveQuote, buy.liquidity.reserveBase);
  const bestBid =
    sell.liquidity.kind === "book"
      ? sell.liquidity.bids[0]?.price
      : divWad(sell.liquidity.reserveQuote, sell.liquidity.reserveBase);
  return {
    kind: classify(buy, sell, usedBridge !== undefined),
    market: buy.market,
    amount,
    buy: {
      venueId: buy.venueId,
      pair: buy.pair,
      side: "buy",
      amount,
      limitPrice: limit(buy, "buy", cost, amount),
      expectedQuote: cost.quote,
      kind: buy.kind,
      lot: buy.lot,
      gasCost: buy.gasCostPerOrder,
    },
    sell: {
      venueId: sell.venueId,
      pair: sell.pair,
      side: "sell",
      amount: sellAmount,
      limitPrice: limit(sell, "sell", proceeds, sellAmount),
      expectedQuote: proceeds.quote,
      kind: sell.kind,
      lot: sell.lot,
      gasCost: sell.gasCostPerOrder,
    },
    bridge: usedBridge ? { ...usedBridge, amount, arriving: sellAmount } : undefined,
    expectedProfit,
    costs: { tradingFees: cost.fee + proceeds.fee, gas, bridgeFee, delayRisk },
    grossSpreadBps: bestAsk && bestBid ? ((bestBid - bestAsk) * BPS) / bestAsk : 0n,
  };
}

/**
 * Every profitable route between the snapshots of the same market (CEX-CEX, DEX-CEX, DEX-DEX on one
 * chain, cross-chain through a matching bridge), best expected profit first.
 */
export function findOpportunities(
  snapshots: VenueSnapshot[],
  config: ArbitrageConfig = DEFAULT_ARBITRAGE_CONFIG,
  bridges: BridgeSnapshot[] = [],
): Opportunity[] {
  const out: Opportunity[] = [];
  for (const buy of snapshots) {
    for (const sell of snapshots) {
      if (buy === sell || buy.venueId === sell.venueId || buy.market !== sell.market) continue;
      const crossChain = buy.chain !== undefined && sell.chain !== undefined && buy.chain !== sell.chain;
      const candidates = crossChain ? bridges.filter((b) => b.from === buy.chain && b.to === sell.chain) : [undefined];
      for (const bridge of candidates) {
        const opp = evaluateRoute(buy, sell, config, bridge);
        if (opp) out.push(opp);
      }
    }
  }
  return out.sort((a, b) => (a.expectedProfit === b.expectedProfit ? 0 : a.expectedProfit > b.expectedProfit ? -1 : 1));
}

/**
 * Fallback routes: the ranked opportunities that avoid every venue that already failed, best first.
 * The executor tries them in this order when the best route cannot start.
 */
export function fallbackRoutes(ranked: Opportunity[], failedVenues: ReadonlySet<string>): Opportunity[] {
  return ranked.filter(
    (o) =>
      !failedVenues.has(o.buy.venueId) &&
      !failedVenues.has(o.sell.venueId) &&
      !(o.bridge && failedVenues.has(o.bridge.venueId)),
  );
}

/**
 * What a taker trade costs on a venue, as pure functions over an in-memory view of its liquidity:
 * an order book (walk the levels) or a constant-product pool (the Uniswap v2 curve with its fee).
 * All values are wads (see `fixed.ts`); amounts are base units, costs and proceeds quote units.
 */
import { BPS, divRound, mulBps, mulWad } from "./fixed.js";
import type { BookLevel } from "./venue.js";

export interface BookLiquidity {
  kind: "book";
  /** Best (highest) first. */
  bids: BookLevel[];
  /** Best (lowest) first. */
  asks: BookLevel[];
  /** Taker fee on the quote notional, in basis points. */
  takerFeeBps: bigint;
}

export interface CurveLiquidity {
  kind: "curve";
  reserveBase: bigint;
  reserveQuote: bigint;
  /** Pool fee on the input amount, in basis points (Uniswap v2: 30). */
  feeBps: bigint;
}

export type Liquidity = BookLiquidity | CurveLiquidity;

export interface Fill {
  /** Base amount traded. */
  amount: bigint;
  /** Quote paid (buy, fee included) or received (sell, fee deducted). */
  quote: bigint;
  /** Fee in quote units (inside `quote`). */
  fee: bigint;
  /** Quote that would change hands with no fee. */
  gross: bigint;
}

/** Quote notional of taking `amount` base from `levels` (best first); undefined when the book is too thin. */
export function walkLevels(levels: BookLevel[], amount: bigint, rounding: "up" | "down"): bigint | undefined {
  let remaining = amount;
  let notional = 0n;
  for (const level of levels) {
    if (remaining <= 0n) break;
    const take = level.amount < remaining ? level.amount : remaining;
    notional += mulWad(take, level.price, rounding);
    remaining -= take;
  }
  return remaining > 0n ? undefined : notional;
}

/** Total base available on one side of a book. */
export function depthOf(levels: BookLevel[]): bigint {
  return levels.reduce((sum, l) => sum + l.amount, 0n);
}

/** Most base a taker can buy (from asks / out of the pool). */
export function maxBuyable(liq: Liquidity): bigint {
  if (liq.kind === "book") return depthOf(liq.asks);
  return liq.reserveBase > 1n ? liq.reserveBase - 1n : 0n;
}

/** Most base a taker can sell (into bids); a pool takes any amount. */
export function maxSellable(liq: Liquidity): bigint | undefined {
  return liq.kind === "book" ? depthOf(liq.bids) : undefined;
}

/**
 * Quote a taker pays, fee included, to buy exactly `amount` base; undefined when there is not enough.
 * On a curve this is Uniswap's `getAmountIn` (rounded up by one unit like the router).
 */
export function buyCost(liq: Liquidity, amount: bigint): Fill | undefined {
  if (amount <= 0n) return { amount: 0n, quote: 0n, fee: 0n, gross: 0n };
  if (liq.kind === "book") {
    const gross = walkLevels(liq.asks, amount, "up");
    if (gross === undefined) return undefined;
    const fee = mulBps(gross, liq.takerFeeBps, "up");
    return { amount, quote: gross + fee, fee, gross };
  }
  if (amount >= liq.reserveBase) return undefined;
  const numerator = liq.reserveQuote * amount * BPS;
  const denominator = (liq.reserveBase - amount) * (BPS - liq.feeBps);
  const quote = numerator / denominator + 1n;
  const gross = divRound(liq.reserveQuote * amount, liq.reserveBase - amount, "up");
  return { amount, quote, fee: quote - gross, gross };
}

/**
 * Quote a taker receives, fee deducted, for selling exactly `amount` base; undefined when the book is
 * too thin. On a curve this is Uniswap's `getAmountOut`.
 */
export function sellProceeds(liq: Liquidity, amount: bigint): Fill | undefined {
  if (amount <= 0n) return { amount: 0n, quote: 0n, fee: 0n, gross: 0n };
  if (liq.kind === "book") {
    const gross = walkLevels(liq.bids, amount, "down");
    if (gross === undefined) return undefined;
    const fee = mulBps(gross, liq.takerFeeBps, "up");
    return { amount, quote: gross - fee, fee, gross };
  }
  const amountInWithFee = amount * (BPS - liq.feeBps);
  const quote = (amountInWithFee * liq.reserveQuote) / (liq.reserveBase * BPS + amountInWithFee);
  const gross = (amount * liq.reserveQuote) / (liq.reserveBase + amount);
  return { amount, quote, fee: gross - quote, gross };
}

/** Best price on a side before fees: top of book, or the pool's spot price. */
export function topPrice(liq: Liquidity, side: "buy" | "sell"): bigint | undefined {
  if (liq.kind === "book") return (side === "buy" ? liq.asks[0] : liq.bids[0])?.price;
  if (liq.reserveBase === 0n) return undefined;
  return divRound(liq.reserveQuote * 10n ** 18n, liq.reserveBase, "down");
}

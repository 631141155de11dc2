/**
 * The one interface behind which every place the keeper trades sits: a centralised exchange (through
 * ccxt), an on-chain AMM pool, or a bridge between two chains.
 *
 * Units: every amount and price is a wad (`bigint`, 18 implied decimals, see `fixed.ts`). A `pair` is a
 * unified symbol `"BASE/QUOTE"`; `amount` is always in base units; prices are quote units per base
 * unit; fees and gas costs are in quote units. A bridge is a pair whose base is the asset on the source
 * chain and whose quote is the same asset on the destination chain (`"tUSD@a/tUSD@b"`): selling base
 * moves it across, at a price of one minus the bridge's fee.
 */

export type Side = "buy" | "sell";
export type VenueKind = "cex" | "dex" | "bridge";
export type TimeInForce = "IOC" | "GTC";
export type OrderStatus = "open" | "closed" | "canceled" | "rejected";

export interface BookLevel {
  /** Quote units per base unit (wad). */
  price: bigint;
  /** Base units available at that price (wad). */
  amount: bigint;
}

export interface OrderBook {
  venueId: string;
  pair: string;
  /** Best (highest) first. */
  bids: BookLevel[];
  /** Best (lowest) first. */
  asks: BookLevel[];
  /** Milliseconds since the epoch when the venue produced (or the keeper read) the book. */
  timestamp: number;
}

export interface Quote {
  pair: string;
  side: Side;
  /** Base amount asked for (wad). */
  amount: bigint;
  /** Average execution price including the trading fee, quote per base (wad). */
  price: bigint;
  /** What the taker pays: quote units for a buy, base units for a sell (wad). */
  amountIn: bigint;
  /** What the taker receives: base units for a buy, quote units for a sell (wad). */
  amountOut: bigint;
  /** Trading fee in quote units (wad), already inside `price`. */
  fee: bigint;
  /** Network cost of executing it, converted to quote units (wad); zero on a CEX. */
  gasCost: bigint;
  /** Price impact against the mid (or best) price before fees, in basis points (>= 0). */
  slippageBps: number;
}

export interface OrderRequest {
  pair: string;
  side: Side;
  /** Base amount (wad). */
  amount: bigint;
  /** Worst acceptable price (wad): the most paid on a buy, the least received on a sell. Always required. */
  limitPrice: bigint;
  timeInForce: TimeInForce;
  /** Idempotency key: placing the same id twice never creates a second order. */
  clientOrderId: string;
  /**
   * Clock ms (the caller's deadline, e.g. an execution's): a venue that retries a failed placement starts no retry
   * that would go on at or after it. Undefined: the venue's own retry policy alone.
   */
  retryUntil?: number;
}

export interface Order {
  venueId: string;
  /** The venue's own order id (exchange id, transaction hash, bridge transfer id). */
  id: string;
  clientOrderId: string;
  pair: string;
  side: Side;
  status: OrderStatus;
  amount: bigint;
  /** Base filled so far (wad). */
  filled: bigint;
  /**
   * Gross quote notional of `filled` (wad), before the trading fee. The quote balance moves by exactly
   * `-(cost + fee)` on a buy and `+(cost - fee)` on a sell (on a DEX, where the pool fee is inside the
   * swap amounts, `cost` is grossed up so that this identity holds to the unit).
   */
  cost: bigint;
  /** Average fill price (wad), zero when nothing filled. */
  average: bigint;
  /** Trading fee in quote units (wad): exchange taker/maker fee, pool fee, bridge fee. */
  fee: bigint;
  /**
   * The part of the fee the venue took in the base asset (base units, wad), when it said so: Binance and OKX spot
   * take a buyer's fee from the base bought, so a buy then delivers `filled - feeBase` (its quote value is inside
   * `fee`, and the quote balance moves by `-cost` only). Undefined when the venue did not report the fee's asset.
   */
  feeBase?: bigint;
  /** Network cost in quote units (wad); zero on a CEX. Paid in the native coin (`nativeFee`), not in quote. */
  gasCost: bigint;
  limitPrice: bigint;
  timestamp: number;
  /** Gas paid in the native coin (wei), on-chain venues only; its quote value is inside `fee`. */
  nativeFee?: bigint;
  /** Why nothing (or not everything) filled, when the venue said. */
  reason?: string;
}

export interface Balance {
  free: bigint;
  used: bigint;
  total: bigint;
}

export interface Venue {
  readonly id: string;
  readonly kind: VenueKind;
  /** Pairs this venue trades. */
  pairs(): string[];
  /** Order book (a DEX synthesises one from its curve; a bridge shows one level at 1 - fee). */
  fetchOrderBook(pair: string, depth?: number): Promise<OrderBook>;
  /** Cost of a taker trade of `amount` base right now, fees, gas and slippage included. */
  quote(pair: string, side: Side, amount: bigint): Promise<Quote>;
  placeOrder(req: OrderRequest): Promise<Order>;
  cancelOrder(pair: string, id: string): Promise<Order>;
  fetchOrder(pair: string, id: string): Promise<Order>;
  /** Looks an order up by the client order id the keeper gave it; undefined when the venue never saw it. */
  fetchOrderByClientId(pair: string, clientOrderId: string): Promise<Order | undefined>;
  balances(): Promise<Record<string, Balance>>;
}

/** Splits `"BASE/QUOTE"` into its two assets. */
export function splitPair(pair: string): { base: string; quote: string } {
  const parts = pair.split("/");
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw new RangeError(`not a BASE/QUOTE pair: ${pair}`);
  return { base: parts[0], quote: parts[1] };
}

/** True when no more fills can come (closed, canceled or rejected). */
export function isFinal(order: Order): boolean {
  return order.status !== "open";
}

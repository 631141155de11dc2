/**
 * A paper venue: live market data from a real venue (its order book, its taker fee and lot), fills simulated
 * locally. `placeOrder` never reaches the exchange: it walks the book read at that moment, level by level, up to
 * the order's limit and amount (depth-aware: a large order fills at worse levels or partially), charges the
 * venue's taker fee on the notional, and moves a local wallet. IOC remainders are cancelled; a GTC remainder rests
 * locally and fills on a later look-up if the book has crossed its limit by then: as a maker, at its own limit price
 * and the maker fee (a taker crossed it), for at most the depth that crosses.
 *
 * What it cannot model: the market's reaction to the order (the real book is not depleted by paper fills, so two
 * paper orders in a row can take the same level), queue position of resting orders, latency. Rules:
 * docs/SPECIFICATION.md "Keeper node / Paper mode".
 */
import { InsufficientFundsError, InvalidOrderError, OrderNotFoundError } from "../execution/errors.js";
import { divWad, mulBps, mulWad, roundToStep } from "../execution/fixed.js";
import {
  splitPair,
  type Balance,
  type BookLevel,
  type Order,
  type OrderBook,
  type OrderRequest,
  type Quote,
  type Side,
  type Venue,
} from "../execution/venue.js";

/** What the paper venue needs from the real one: its data, never its order entry. */
export type MarketDataVenue = Pick<Venue, "id" | "kind" | "pairs" | "fetchOrderBook" | "quote">;

export interface PaperVenueOptions {
  /** Starting wallet (wad per asset). */
  balances: Record<string, bigint>;
  /** Taker fee of a pair in bps (the real venue's, e.g. `CcxtVenue.takerFeeBps`). */
  takerFeeBps: (pair: string) => bigint;
  /** Maker fee of a pair in bps, charged on resting fills (default: the taker fee). */
  makerFeeBps?: (pair: string) => bigint;
  /** Lot of a pair (wad; 0 = none), e.g. `CcxtVenue.steps(pair).lot`. */
  lot?: (pair: string) => bigint;
  /** Book depth read per order (default 100 levels). */
  depth?: number;
  now?: () => number;
}

export class PaperVenue implements Venue {
  readonly id: string;
  readonly kind: Venue["kind"];
  readonly wallet: Record<string, bigint>;
  /** Every paper order, in placement order (the report's fills). */
  readonly orders: Order[] = [];
  private seq = 0;

  constructor(
    readonly market: MarketDataVenue,
    private readonly opts: PaperVenueOptions,
  ) {
    this.id = market.id;
    this.kind = market.kind;
    this.wallet = { ...opts.balances };
  }

  pairs(): string[] {
    return this.market.pairs();
  }

  /** The real venue's taker fee of `pair` (bps): what the keeper's snapshots and estimates use. */
  takerFeeBps(pair: string): bigint {
    return this.opts.takerFeeBps(pair);
  }

  /** The real venue's lot of `pair` (no tick or minimum beyond it on paper). */
  steps(pair: string): { lot: bigint; tick: bigint; minAmount: bigint } {
    return { lot: this.opts.lot?.(pair) ?? 0n, tick: 0n, minAmount: 0n };
  }

  fetchOrderBook(pair: string, depth?: number): Promise<OrderBook> {
    return this.market.fetchOrderBook(pair, depth);
  }

  quote(pair: string, side: Side, amount: bigint): Promise<Quote> {
    return this.market.quote(pair, side, amount);
  }

  async placeOrder(req: OrderRequest): Promise<Order> {
    const existing = this.orders.find((o) => o.clientOrderId === req.clientOrderId);
    if (existing) return existing; // idempotent on the client order id, as a real venue
    const amount = roundToStep(req.amount, this.opts.lot?.(req.pair) ?? 0n, "down");
    if (amount <= 0n) throw new InvalidOrderError(this.id, `amount below the lot of ${req.pair} (paper)`);
    if (req.limitPrice <= 0n) throw new InvalidOrderError(this.id, "limit price must be positive (paper)");
    const order: Order = {
      venueId: this.id,
      id: `paper-${this.id}-${++this.seq}`,
      clientOrderId: req.clientOrderId,
      pair: req.pair,
      side: req.side,
      status: "open",
      amount,
      filled: 0n,
      cost: 0n,
      average: 0n,
      fee: 0n,
      gasCost: 0n,
      limitPrice: req.limitPrice,
      timestamp: this.now(),
    };
    await this.match(order, false);
    if (order.status === "open" && req.timeInForce === "IOC") order.status = "canceled";
    this.orders.push(order);
    return order;
  }

  /**
   * Fills what the live book crosses of the order's remainder (fee on the notional, wallet checked and moved): at
   * placement as a taker, level by level; resting (`maker`), at the order's own limit price with the maker fee.
   */
  private async match(order: Order, maker: boolean): Promise<void> {
    const book = await this.market.fetchOrderBook(order.pair, this.opts.depth ?? 100);
    const levels: BookLevel[] = order.side === "buy" ? book.asks : book.bids;
    let want = order.amount - order.filled;
    let filled = 0n;
    let cost = 0n;
    for (const level of levels) {
      const crosses = order.side === "buy" ? level.price <= order.limitPrice : level.price >= order.limitPrice;
      if (!crosses || want <= 0n) break;
      const take = level.amount < want ? level.amount : want;
      filled += take;
      cost += mulWad(take, maker ? order.limitPrice : level.price, order.side === "buy" ? "up" : "down");
      want -= take;
    }
    const lot = this.opts.lot?.(order.pair) ?? 0n;
    if (lot > 0n && filled % lot !== 0n) {
      // Keep fills on the lot: drop the odd remainder at the last level's price.
      const keep = roundToStep(filled, lot, "down");
      cost = filled === 0n ? 0n : (cost * keep) / filled;
      filled = keep;
    }
    if (filled === 0n) return;
    const feeBps = maker
      ? (this.opts.makerFeeBps ?? this.opts.takerFeeBps)(order.pair)
      : this.opts.takerFeeBps(order.pair);
    const fee = mulBps(cost, feeBps, "up");
    const { base, quote } = splitPair(order.pair);
    const short = order.side === "buy" ? (this.wallet[quote] ?? 0n) < cost + fee : (this.wallet[base] ?? 0n) < filled;
    if (short && maker) {
      // A real venue holds a resting order's funds from its placement; the paper wallet does not, so a resting
      // order the wallet can no longer pay is cancelled (what the venue would have refused at placement).
      order.status = "canceled";
      return;
    }
    if (order.side === "buy" && (this.wallet[quote] ?? 0n) < cost + fee) {
      throw new InsufficientFundsError(this.id, `paper ${quote} balance below ${cost + fee}`);
    }
    if (order.side === "sell" && (this.wallet[base] ?? 0n) < filled) {
      throw new InsufficientFundsError(this.id, `paper ${base} balance below ${filled}`);
    }
    if (order.side === "buy") {
      this.wallet[quote] = (this.wallet[quote] ?? 0n) - cost - fee;
      this.wallet[base] = (this.wallet[base] ?? 0n) + filled;
    } else {
      this.wallet[base] = (this.wallet[base] ?? 0n) - filled;
      this.wallet[quote] = (this.wallet[quote] ?? 0n) + cost - fee;
    }
    order.filled += filled;
    order.cost += cost;
    order.fee += fee;
    order.average = divWad(order.cost, order.filled);
    order.timestamp = this.now();
    if (order.filled === order.amount) order.status = "closed";
  }

  /** Cancels what is left: a book that crossed the order before the cancel fills it first, as on a real venue. */
  async cancelOrder(_pair: string, id: string): Promise<Order> {
    const o = this.find(id);
    if (o.status === "open") await this.match(o, true);
    if (o.status === "open") o.status = "canceled";
    return o;
  }

  async fetchOrder(_pair: string, id: string): Promise<Order> {
    const o = this.find(id);
    if (o.status === "open") await this.match(o, true);
    return o;
  }

  async fetchOrderByClientId(_pair: string, clientOrderId: string): Promise<Order | undefined> {
    const o = this.orders.find((x) => x.clientOrderId === clientOrderId);
    if (o?.status === "open") await this.match(o, true);
    return o;
  }

  async balances(): Promise<Record<string, Balance>> {
    return Object.fromEntries(Object.entries(this.wallet).map(([k, v]) => [k, { free: v, used: 0n, total: v }]));
  }

  private find(id: string): Order {
    const o = this.orders.find((x) => x.id === id);
    if (!o) throw new OrderNotFoundError(this.id, `no paper order ${id}`);
    return o;
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }
}

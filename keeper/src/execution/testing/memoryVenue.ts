/**
 * Test double for the executor's unit tests: an in-memory venue with one order book per pair that
 * matches limit orders against it (IOC fills what crosses, GTC rests), keeps balances, honours client
 * order ids, and plays a script of failures (throw an error, fill only part, go down) call by call.
 */
import { InsufficientFundsError, InvalidOrderError, OrderNotFoundError } from "../errors.js";
import { divWad, mulBps, mulWad, roundToStep } from "../fixed.js";
import { buyCost, sellProceeds } from "../liquidity.js";
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
  type VenueKind,
} from "../venue.js";

export type ScriptStep =
  | { kind: "throw"; error: Error }
  /** Fill at most this fraction (bps) of what would cross. */
  | { kind: "partial"; fillBps: bigint }
  /** Accept the order and fill nothing. */
  | { kind: "nofill" };

export class MemoryVenue implements Venue {
  readonly kind: VenueKind;
  readonly books: Record<string, { bids: BookLevel[]; asks: BookLevel[] }>;
  readonly wallet: Record<string, bigint>;
  readonly orders: Order[] = [];
  /** Steps consumed one per placeOrder call; an empty script means normal matching. */
  readonly script: ScriptStep[] = [];
  /** Placement calls received (including refused ones). */
  placeCalls = 0;
  takerFeeBps: bigint;
  gasPerOrder: bigint;

  constructor(
    readonly id: string,
    books: Record<string, { bids: BookLevel[]; asks: BookLevel[] }>,
    wallet: Record<string, bigint>,
    opts: { kind?: VenueKind; takerFeeBps?: bigint; gasPerOrder?: bigint; lot?: bigint; buyFeeInBase?: boolean } = {},
  ) {
    this.books = books;
    this.wallet = wallet;
    this.kind = opts.kind ?? "cex";
    this.takerFeeBps = opts.takerFeeBps ?? 10n;
    this.gasPerOrder = opts.gasPerOrder ?? 0n;
    this.lot = opts.lot ?? 0n;
    this.buyFeeInBase = opts.buyFeeInBase ?? false;
  }

  /** Takes a buyer's fee from the base bought (Binance and OKX spot) instead of from the quote paid. */
  readonly buyFeeInBase: boolean;

  readonly lot: bigint;

  pairs(): string[] {
    return Object.keys(this.books);
  }

  async fetchOrderBook(pair: string): Promise<OrderBook> {
    const b = this.books[pair];
    return {
      venueId: this.id,
      pair,
      bids: b.bids.map((l) => ({ ...l })),
      asks: b.asks.map((l) => ({ ...l })),
      timestamp: 0,
    };
  }

  async quote(pair: string, side: Side, amount: bigint): Promise<Quote> {
    const b = this.books[pair];
    const liq = { kind: "book" as const, bids: b.bids, asks: b.asks, takerFeeBps: this.takerFeeBps };
    const fill = side === "buy" ? buyCost(liq, amount) : sellProceeds(liq, amount);
    if (!fill) throw new InvalidOrderError(this.id, "book too thin");
    return {
      pair,
      side,
      amount,
      price: divWad(fill.quote, amount),
      amountIn: side === "buy" ? fill.quote : amount,
      amountOut: side === "buy" ? amount : fill.quote,
      fee: fill.fee,
      gasCost: this.gasPerOrder,
      slippageBps: 0,
    };
  }

  async placeOrder(req: OrderRequest): Promise<Order> {
    this.placeCalls++;
    const existing = this.orders.find((o) => o.clientOrderId === req.clientOrderId);
    if (existing) return existing;
    const step = this.script.shift();
    if (step?.kind === "throw") throw step.error;
    const amount = roundToStep(req.amount, this.lot, "down");
    if (amount <= 0n) throw new InvalidOrderError(this.id, "below lot");
    const { base, quote } = splitPair(req.pair);
    const book = this.books[req.pair];
    const levels = req.side === "buy" ? book.asks : book.bids;
    let cap = amount;
    if (step?.kind === "partial") cap = roundToStep(mulBps(amount, step.fillBps), this.lot, "down");
    if (step?.kind === "nofill") cap = 0n;
    let filled = 0n;
    let cost = 0n;
    for (const level of levels) {
      const crosses = req.side === "buy" ? level.price <= req.limitPrice : level.price >= req.limitPrice;
      if (!crosses || filled >= cap) break;
      const take = level.amount < cap - filled ? level.amount : cap - filled;
      filled += take;
      cost += mulWad(take, level.price);
    }
    const fee = mulBps(cost, this.takerFeeBps, "up");
    const inBase = req.side === "buy" && this.buyFeeInBase;
    const feeBase = inBase ? mulBps(filled, this.takerFeeBps, "up") : 0n;
    if (req.side === "buy" && (this.wallet[quote] ?? 0n) < cost + (inBase ? 0n : fee))
      throw new InsufficientFundsError(this.id, "quote");
    if (req.side === "sell" && (this.wallet[base] ?? 0n) < filled) throw new InsufficientFundsError(this.id, "base");
    let left = filled;
    for (const level of levels) {
      const take = level.amount < left ? level.amount : left;
      level.amount -= take;
      left -= take;
    }
    levels.splice(0, levels.length, ...levels.filter((l) => l.amount > 0n));
    if (req.side === "buy") {
      this.wallet[quote] = (this.wallet[quote] ?? 0n) - cost - (inBase ? 0n : fee);
      this.wallet[base] = (this.wallet[base] ?? 0n) + filled - feeBase;
    } else {
      this.wallet[base] = (this.wallet[base] ?? 0n) - filled;
      this.wallet[quote] = (this.wallet[quote] ?? 0n) + cost - fee;
    }
    const gasCost = this.gasPerOrder;
    const order: Order = {
      venueId: this.id,
      id: `${this.id}-${this.orders.length + 1}`,
      clientOrderId: req.clientOrderId,
      pair: req.pair,
      side: req.side,
      status: filled === amount ? "closed" : req.timeInForce === "IOC" ? "canceled" : "open",
      amount,
      filled,
      cost,
      average: filled > 0n ? divWad(cost, filled) : 0n,
      fee,
      feeBase,
      gasCost,
      limitPrice: req.limitPrice,
      timestamp: 0,
    };
    this.orders.push(order);
    return order;
  }

  async cancelOrder(_pair: string, id: string): Promise<Order> {
    const o = this.orders.find((x) => x.id === id);
    if (!o) throw new OrderNotFoundError(this.id, id);
    if (o.status === "open") o.status = "canceled";
    return o;
  }

  async fetchOrder(_pair: string, id: string): Promise<Order> {
    const o = this.orders.find((x) => x.id === id);
    if (!o) throw new OrderNotFoundError(this.id, id);
    return o;
  }

  async fetchOrderByClientId(_pair: string, clientOrderId: string): Promise<Order | undefined> {
    return this.orders.find((x) => x.clientOrderId === clientOrderId);
  }

  async balances(): Promise<Record<string, Balance>> {
    return Object.fromEntries(Object.entries(this.wallet).map(([k, v]) => [k, { free: v, used: 0n, total: v }]));
  }
}

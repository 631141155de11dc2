/**
 * The simulator's matching engine: one `Exchange` per venue, shared by every HTTP dialect.
 *
 * Price-time priority on a central limit order book per market; limit, market and limit-maker orders;
 * GTC / IOC / FOK time in force; partial fills; maker and taker fees; tick and lot sizes; per-account
 * balances with holds for open orders. Every amount is a bigint of minor units, so balances reconcile
 * exactly: the sum of all accounts' free + locked balances plus collected fees always equals deposits.
 */
import { ConfigError } from "../errors.js";
import { SimRejectError } from "./errors.js";
import { ceilDiv, decimalsOf, formatTrim, parseUnits, pow10 } from "./money.js";

export type Side = "BUY" | "SELL";
export type OrderType = "LIMIT" | "MARKET" | "LIMIT_MAKER";
export type TimeInForce = "GTC" | "IOC" | "FOK";
export type OrderStatus = "NEW" | "PARTIALLY_FILLED" | "FILLED" | "CANCELED" | "EXPIRED";

export interface AssetSpec {
  code: string;
  /** Decimals of the asset's minor unit (balances are integers of this unit). */
  decimals: number;
}

export interface MarketSpec {
  base: string;
  quote: string;
  /** Price increment, e.g. "0.01". */
  tickSize: string;
  /** Quantity increment (base asset), e.g. "0.00001". */
  stepSize: string;
  /** Smallest order quantity; defaults to one step. */
  minQty?: string;
  /** Smallest limit-order notional in quote units; defaults to 0. */
  minNotional?: string;
}

export interface ExchangeOptions {
  name: string;
  assets: AssetSpec[];
  markets: MarketSpec[];
  /** Fees in parts per million of the amount received (1000 = 0.1 %). */
  makerFeePpm: number;
  takerFeePpm: number;
  /** Clock for order and trade timestamps (ms). */
  now?: () => number;
  /**
   * Client order ids must be unique among the account's open orders (`"open"`, as Binance and OKX do)
   * or among all its orders ever placed (`"all"`).
   */
  clientOrderIdScope?: "open" | "all";
  /** Closed orders kept queryable (oldest forgotten first), bounding memory on long runs. */
  closedOrderRetention?: number;
}

/** The account that collects every fee; part of the conservation identity. */
export const FEE_ACCOUNT = "__fees__";

export interface Market {
  symbol: string;
  base: AssetSpec;
  quote: AssetSpec;
  tickSize: string;
  stepSize: string;
  priceDecimals: number;
  qtyDecimals: number;
  /** Tick and step in price / quantity units. */
  tick: bigint;
  step: bigint;
  minQty: bigint;
  /** Minimum notional in quote minor units. */
  minNotional: bigint;
  /** Base minor units per quantity unit. */
  baseUnit: bigint;
  /** Quote minor units per (price unit x quantity unit). */
  notionalUnit: bigint;
}

export interface Fill {
  tradeId: number;
  price: bigint;
  qty: bigint;
  quoteQty: bigint;
  commission: bigint;
  commissionAsset: string;
  isMaker: boolean;
  time: number;
}

export interface Order {
  id: number;
  clientOrderId: string;
  account: string;
  symbol: string;
  side: Side;
  type: OrderType;
  timeInForce: TimeInForce;
  /** Limit price in price units (`null` for market orders). */
  price: bigint | null;
  /** Ordered quantity in quantity units (`null` for a market buy sized in quote). */
  quantity: bigint | null;
  /** Quote budget of a market buy, in quote minor units. */
  quoteQuantity: bigint | null;
  executedQty: bigint;
  /** Quote exchanged so far, in quote minor units. */
  cumQuote: bigint;
  status: OrderStatus;
  createdAt: number;
  updatedAt: number;
  fills: Fill[];
  /** Remaining hold (base minor units for sells, quote minor units for buys). */
  hold: bigint;
}

export interface Trade extends Fill {
  orderId: number;
  clientOrderId: string;
  account: string;
  symbol: string;
  side: Side;
}

export interface PlaceOrderRequest {
  account: string;
  symbol: string;
  side: Side;
  type: OrderType;
  timeInForce?: TimeInForce;
  price?: string;
  quantity?: string;
  /** Market buys only: spend this much quote instead of buying a quantity. */
  quoteQuantity?: string;
  clientOrderId?: string;
  /** Fault injection: at most this fraction of the order fills; the venue expires the rest. */
  maxFillRatio?: number;
}

export interface OrderRef {
  orderId?: number;
  clientOrderId?: string;
}

export interface Balance {
  asset: string;
  free: bigint;
  locked: bigint;
}

export interface BookLevel {
  price: bigint;
  qty: bigint;
  count: number;
}

export interface MarketStats {
  open: bigint | null;
  high: bigint | null;
  low: bigint | null;
  last: bigint | null;
  lastQty: bigint | null;
  volume: bigint;
  quoteVolume: bigint;
  count: number;
  firstTradeId: number | null;
  lastTradeId: number | null;
  openTime: number;
  closeTime: number;
}

interface Level {
  price: bigint;
  orders: Order[];
}

interface Book {
  market: Market;
  /** Best first: bids descending, asks ascending. */
  bids: Level[];
  asks: Level[];
  tape: { time: number; price: bigint; qty: bigint; quote: bigint; id: number }[];
}

const DAY_MS = 86_400_000;
const PPM = 1_000_000n;

export class Exchange {
  readonly name: string;
  readonly makerFeePpm: bigint;
  readonly takerFeePpm: bigint;
  private readonly assets = new Map<string, AssetSpec>();
  private readonly books = new Map<string, Book>();
  private readonly balancesByAccount = new Map<string, Map<string, { free: bigint; locked: bigint }>>();
  private readonly orders = new Map<number, Order>();
  private readonly openByClientId = new Map<string, Order>();
  private readonly latestByClientId = new Map<string, Order>();
  private readonly tradesByAccount = new Map<string, Trade[]>();
  private readonly deposits = new Map<string, bigint>();
  private readonly now: () => number;
  private readonly clientOrderIdScope: "open" | "all";
  private readonly closedOrderRetention: number;
  private readonly closed: number[] = [];
  private closedHead = 0;
  private nextOrderId = 1_000_001;
  /** Incremented on every change of any book (Binance `lastUpdateId`). */
  updateId = 1;
  private nextTradeId = 500_001;

  constructor(opts: ExchangeOptions) {
    this.name = opts.name;
    this.makerFeePpm = BigInt(opts.makerFeePpm);
    this.takerFeePpm = BigInt(opts.takerFeePpm);
    this.now = opts.now ?? Date.now;
    this.clientOrderIdScope = opts.clientOrderIdScope ?? "open";
    this.closedOrderRetention = opts.closedOrderRetention ?? 200_000;
    for (const a of opts.assets) this.assets.set(a.code, a);
    for (const spec of opts.markets) {
      const market = this.buildMarket(spec);
      this.books.set(market.symbol, { market, bids: [], asks: [], tape: [] });
    }
  }

  private buildMarket(spec: MarketSpec): Market {
    const base = this.assets.get(spec.base);
    const quote = this.assets.get(spec.quote);
    const symbol = `${spec.base}/${spec.quote}`;
    if (!base || !quote) throw new ConfigError(`market ${symbol}: unknown asset`);
    const priceDecimals = decimalsOf(spec.tickSize);
    const qtyDecimals = decimalsOf(spec.stepSize);
    if (qtyDecimals > base.decimals)
      throw new ConfigError(`market ${symbol}: stepSize ${spec.stepSize} is finer than ${base.code}'s decimals`);
    if (priceDecimals + qtyDecimals > quote.decimals)
      throw new ConfigError(
        `market ${symbol}: tickSize x stepSize needs ${priceDecimals + qtyDecimals} decimals, ${quote.code} has ${quote.decimals}`,
        { details: "notional = price x quantity must be exact in quote minor units" },
      );
    const tick = parseUnits(spec.tickSize, priceDecimals)!;
    const step = parseUnits(spec.stepSize, qtyDecimals)!;
    if (tick <= 0n || step <= 0n) throw new ConfigError(`market ${symbol}: tickSize and stepSize must be positive`);
    const minQty = spec.minQty === undefined ? step : parseUnits(spec.minQty, qtyDecimals);
    const minNotional = spec.minNotional === undefined ? 0n : parseUnits(spec.minNotional, quote.decimals);
    if (minQty === undefined || minNotional === undefined)
      throw new ConfigError(`market ${symbol}: minQty/minNotional finer than the market precision`);
    return {
      symbol,
      base,
      quote,
      tickSize: spec.tickSize,
      stepSize: spec.stepSize,
      priceDecimals,
      qtyDecimals,
      tick,
      step,
      minQty,
      minNotional,
      baseUnit: pow10(base.decimals - qtyDecimals),
      notionalUnit: pow10(quote.decimals - priceDecimals - qtyDecimals),
    };
  }

  // ---------------------------------------------------------------- reference data

  markets(): Market[] {
    return [...this.books.values()].map((b) => b.market);
  }

  market(symbol: string): Market {
    const book = this.books.get(symbol);
    if (!book) throw new SimRejectError("UNKNOWN_SYMBOL", `unknown symbol ${symbol}`);
    return book.market;
  }

  assetList(): AssetSpec[] {
    return [...this.assets.values()];
  }

  asset(code: string): AssetSpec {
    const a = this.assets.get(code);
    if (!a) throw new SimRejectError("BAD_PARAMETER", `unknown asset ${code}`);
    return a;
  }

  // ---------------------------------------------------------------- balances

  /** Credits `amount` (decimal string or minor units) of `asset` to `account`. */
  deposit(account: string, asset: string, amount: string | bigint): void {
    const spec = this.asset(asset);
    const units = typeof amount === "bigint" ? amount : parseUnits(amount, spec.decimals);
    if (units === undefined || units < 0n)
      throw new ConfigError(`deposit of ${String(amount)} ${asset}: more decimals than ${spec.decimals} or negative`);
    this.slot(account, asset).free += units;
    this.deposits.set(asset, (this.deposits.get(asset) ?? 0n) + units);
  }

  balances(account: string): Balance[] {
    const m = this.balancesByAccount.get(account);
    const out: Balance[] = [];
    for (const a of this.assets.values()) {
      const s = m?.get(a.code);
      out.push({ asset: a.code, free: s?.free ?? 0n, locked: s?.locked ?? 0n });
    }
    return out;
  }

  /** Every account that ever held a balance (fee and background accounts included). */
  accounts(): string[] {
    return [...this.balancesByAccount.keys()];
  }

  balance(account: string, asset: string): Balance {
    const s = this.balancesByAccount.get(account)?.get(asset);
    return { asset, free: s?.free ?? 0n, locked: s?.locked ?? 0n };
  }

  /** Conservation check: deposits of `asset` and the sum of all free + locked balances (fees included). */
  supply(asset: string): { deposited: bigint; held: bigint } {
    let held = 0n;
    for (const m of this.balancesByAccount.values()) {
      const s = m.get(asset);
      if (s) held += s.free + s.locked;
    }
    return { deposited: this.deposits.get(asset) ?? 0n, held };
  }

  private slot(account: string, asset: string): { free: bigint; locked: bigint } {
    let m = this.balancesByAccount.get(account);
    if (!m) this.balancesByAccount.set(account, (m = new Map()));
    let s = m.get(asset);
    if (!s) m.set(asset, (s = { free: 0n, locked: 0n }));
    return s;
  }

  // ---------------------------------------------------------------- market data

  depth(symbol: string, limit = 100): { bids: BookLevel[]; asks: BookLevel[] } {
    const book = this.book(symbol);
    const agg = (levels: Level[]): BookLevel[] =>
      levels.slice(0, limit).map((l) => ({
        price: l.price,
        qty: l.orders.reduce((s, o) => s + remainingQty(o), 0n),
        count: l.orders.length,
      }));
    return { bids: agg(book.bids), asks: agg(book.asks) };
  }

  bestBid(symbol: string): BookLevel | undefined {
    return this.depth(symbol, 1).bids[0];
  }

  bestAsk(symbol: string): BookLevel | undefined {
    return this.depth(symbol, 1).asks[0];
  }

  /** Rolling 24-hour statistics of the market's trades. */
  stats(symbol: string): MarketStats {
    const book = this.book(symbol);
    const now = this.now();
    while (book.tape.length > 0 && book.tape[0]!.time < now - DAY_MS) book.tape.shift();
    const t = book.tape;
    const s: MarketStats = {
      open: t[0]?.price ?? null,
      high: null,
      low: null,
      last: t.at(-1)?.price ?? null,
      lastQty: t.at(-1)?.qty ?? null,
      volume: 0n,
      quoteVolume: 0n,
      count: t.length,
      firstTradeId: t[0]?.id ?? null,
      lastTradeId: t.at(-1)?.id ?? null,
      openTime: now - DAY_MS,
      closeTime: now,
    };
    for (const x of t) {
      if (s.high === null || x.price > s.high) s.high = x.price;
      if (s.low === null || x.price < s.low) s.low = x.price;
      s.volume += x.qty;
      s.quoteVolume += x.quote;
    }
    return s;
  }

  private book(symbol: string): Book {
    const book = this.books.get(symbol);
    if (!book) throw new SimRejectError("UNKNOWN_SYMBOL", `unknown symbol ${symbol}`);
    return book;
  }

  // ---------------------------------------------------------------- orders

  placeOrder(req: PlaceOrderRequest): Order {
    const book = this.book(req.symbol);
    const m = book.market;
    const tif: TimeInForce = req.type === "MARKET" || req.type === "LIMIT_MAKER" ? "GTC" : (req.timeInForce ?? "GTC");
    if (req.type === "MARKET" && req.timeInForce !== undefined && req.timeInForce !== "GTC")
      throw new SimRejectError("BAD_PARAMETER", "timeInForce is not accepted for market orders");

    let price: bigint | null = null;
    if (req.type !== "MARKET") {
      if (req.price === undefined) throw new SimRejectError("BAD_PARAMETER", "price is mandatory for limit orders");
      const p = parseUnits(req.price, m.priceDecimals);
      if (p === undefined || p <= 0n || p % m.tick !== 0n)
        throw new SimRejectError("PRICE_FILTER", "Filter failure: PRICE_FILTER", {
          details: `price ${req.price} is not a positive multiple of tick ${m.tickSize}`,
        });
      price = p;
    }
    let quantity: bigint | null = null;
    let quoteQuantity: bigint | null = null;
    if (req.quantity !== undefined) {
      const q = parseUnits(req.quantity, m.qtyDecimals);
      if (q === undefined || q % m.step !== 0n || q < m.minQty)
        throw new SimRejectError("LOT_SIZE", "Filter failure: LOT_SIZE", {
          details: `quantity ${req.quantity} is not a multiple of step ${m.stepSize} at least ${formatTrim(m.minQty, m.qtyDecimals)}`,
        });
      quantity = q;
    } else if (req.quoteQuantity !== undefined && req.type === "MARKET" && req.side === "BUY") {
      const qq = parseUnits(req.quoteQuantity, m.quote.decimals);
      if (qq === undefined || qq <= 0n)
        throw new SimRejectError("BAD_PARAMETER", `quoteOrderQty ${req.quoteQuantity} is not a positive amount`);
      quoteQuantity = qq;
    } else {
      throw new SimRejectError("BAD_PARAMETER", "quantity is mandatory (quoteOrderQty only for market buys)");
    }
    if (price !== null && quantity !== null && price * quantity * m.notionalUnit < m.minNotional)
      throw new SimRejectError("MIN_NOTIONAL", "Filter failure: NOTIONAL");

    const clientOrderId = req.clientOrderId ?? `sim-${this.nextOrderId}`;
    const cidKey = `${req.account}\n${clientOrderId}`;
    if (
      req.clientOrderId !== undefined &&
      (this.openByClientId.has(cidKey) || (this.clientOrderIdScope === "all" && this.latestByClientId.has(cidKey)))
    )
      throw new SimRejectError("DUPLICATE_CLIENT_ORDER_ID", "Duplicate order sent.", {
        details: `client order id ${clientOrderId} is already used by an ${this.clientOrderIdScope === "all" ? "" : "open "}order`,
      });

    if (req.type === "LIMIT_MAKER" && this.crossesBook(book, req.side, price))
      throw new SimRejectError("WOULD_TAKE", "Order would immediately match and take.");

    // Hold what the order can spend.
    const holdAsset = req.side === "BUY" ? m.quote.code : m.base.code;
    let hold: bigint;
    if (req.side === "SELL") hold = quantity! * m.baseUnit;
    else if (price !== null) hold = price * quantity! * m.notionalUnit;
    else if (quoteQuantity !== null) hold = quoteQuantity;
    else hold = this.marketBuyCost(book, req.account, quantity!);
    const slot = this.slot(req.account, holdAsset);
    if (slot.free < hold)
      throw new SimRejectError("INSUFFICIENT_BALANCE", "Account has insufficient balance for requested action.");

    const now = this.now();
    const order: Order = {
      id: this.nextOrderId++,
      clientOrderId,
      account: req.account,
      symbol: m.symbol,
      side: req.side,
      type: req.type,
      timeInForce: tif,
      price,
      quantity,
      quoteQuantity,
      executedQty: 0n,
      cumQuote: 0n,
      status: "NEW",
      createdAt: now,
      updatedAt: now,
      fills: [],
      hold,
    };
    slot.free -= hold;
    slot.locked += hold;
    this.orders.set(order.id, order);
    this.latestByClientId.set(cidKey, order);

    const cap =
      req.maxFillRatio === undefined
        ? undefined
        : quantity !== null
          ? floorToStep((quantity * BigInt(Math.floor(req.maxFillRatio * 1e6))) / PPM, m.step)
          : undefined;
    const quoteCap =
      req.maxFillRatio !== undefined && quoteQuantity !== null
        ? (quoteQuantity * BigInt(Math.floor(req.maxFillRatio * 1e6))) / PPM
        : undefined;

    if (tif === "FOK" && this.fillableQty(book, order, cap) < quantity!) {
      this.finish(order, "EXPIRED");
      return snapshot(order);
    }
    this.match(book, order, cap, quoteCap);

    const lastFill = order.fills.at(-1);
    const done =
      (quantity !== null && order.executedQty === quantity) ||
      // A quote-sized market buy is filled when its budget cannot buy one more step.
      (quoteQuantity !== null &&
        quoteCap === undefined &&
        lastFill !== undefined &&
        quoteQuantity - order.cumQuote < lastFill.price * m.step * m.notionalUnit);
    if (done) this.finish(order, "FILLED");
    else if (order.type === "MARKET" || tif === "IOC" || tif === "FOK" || req.maxFillRatio !== undefined)
      this.finish(order, "EXPIRED"); // a forced partial fill expires the rest, whatever the time in force
    else {
      this.rest(book, order);
      this.openByClientId.set(cidKey, order);
    }
    return snapshot(order);
  }

  cancelOrder(account: string, symbol: string, ref: OrderRef): Order {
    const book = this.book(symbol);
    const order = this.findOrder(account, symbol, ref);
    if (!order || !isOpen(order)) throw new SimRejectError("UNKNOWN_ORDER", "Unknown order sent.");
    this.unrest(book, order);
    this.finish(order, "CANCELED");
    return snapshot(order);
  }

  /** Cancels every open order of `account` (in `symbol` if given); returns how many. */
  cancelAll(account: string, symbol?: string): number {
    let n = 0;
    for (const o of this.openOrders(account, symbol)) {
      this.cancelOrder(account, o.symbol, { orderId: o.id });
      n++;
    }
    return n;
  }

  getOrder(account: string, symbol: string, ref: OrderRef): Order {
    this.book(symbol);
    const order = this.findOrder(account, symbol, ref);
    if (!order) throw new SimRejectError("UNKNOWN_ORDER", "Order does not exist.");
    return snapshot(order);
  }

  openOrders(account: string, symbol?: string): Order[] {
    if (symbol !== undefined) this.book(symbol);
    const out: Order[] = [];
    for (const o of this.openByClientId.values())
      if (o.account === account && (symbol === undefined || o.symbol === symbol)) out.push(snapshot(o));
    return out.sort((a, b) => a.id - b.id);
  }

  /**
   * The account's retained orders in `symbol`, oldest first (Binance `allOrders`); `closedOnly` keeps
   * final ones (OKX order history). With a start (`fromOrderId`/`startTime`) the oldest `limit` are
   * returned, otherwise the newest `limit`.
   */
  allOrders(
    account: string,
    symbol: string,
    f: { fromOrderId?: number; startTime?: number; endTime?: number; limit?: number; closedOnly?: boolean } = {},
  ): Order[] {
    this.book(symbol);
    const out: Order[] = [];
    for (const o of this.orders.values())
      if (
        o.account === account &&
        o.symbol === symbol &&
        (f.fromOrderId === undefined || o.id >= f.fromOrderId) &&
        (f.startTime === undefined || o.createdAt >= f.startTime) &&
        (f.endTime === undefined || o.createdAt <= f.endTime) &&
        (!f.closedOnly || !isOpenStatus(o.status) || o.type === "MARKET")
      )
        out.push(o);
    const limit = f.limit ?? 500;
    const picked = f.fromOrderId !== undefined || f.startTime !== undefined ? out.slice(0, limit) : out.slice(-limit);
    return picked.map(snapshot);
  }

  /** The account's trades in `symbol`, oldest first. */
  myTrades(
    account: string,
    symbol: string,
    f: { fromId?: number; startTime?: number; endTime?: number; orderId?: number; limit?: number } = {},
  ): Trade[] {
    this.book(symbol);
    const all = (this.tradesByAccount.get(account) ?? []).filter(
      (t) =>
        t.symbol === symbol &&
        (f.fromId === undefined || t.tradeId >= f.fromId) &&
        (f.startTime === undefined || t.time >= f.startTime) &&
        (f.endTime === undefined || t.time <= f.endTime) &&
        (f.orderId === undefined || t.orderId === f.orderId),
    );
    const limit = f.limit ?? 500;
    return f.fromId !== undefined || f.startTime !== undefined ? all.slice(0, limit) : all.slice(-limit);
  }

  private findOrder(account: string, symbol: string, ref: OrderRef): Order | undefined {
    let order: Order | undefined;
    if (ref.orderId !== undefined) order = this.orders.get(ref.orderId);
    else if (ref.clientOrderId !== undefined) order = this.latestByClientId.get(`${account}\n${ref.clientOrderId}`);
    else throw new SimRejectError("BAD_PARAMETER", "either orderId or origClientOrderId must be sent");
    if (!order || order.account !== account || order.symbol !== symbol) return undefined;
    return order;
  }

  // ---------------------------------------------------------------- matching

  private crossesBook(book: Book, side: Side, price: bigint | null): boolean {
    const best = side === "BUY" ? book.asks[0] : book.bids[0];
    if (!best) return false;
    return price === null || (side === "BUY" ? best.price <= price : best.price >= price);
  }

  /** Quote cost of buying `qty` at market from other accounts' asks (what can fill). */
  private marketBuyCost(book: Book, account: string, qty: bigint): bigint {
    let left = qty;
    let cost = 0n;
    for (const level of book.asks) {
      for (const o of level.orders) {
        if (o.account === account) continue;
        const q = min(left, remainingQty(o));
        cost += q * level.price * book.market.notionalUnit;
        left -= q;
        if (left === 0n) return cost;
      }
    }
    return cost;
  }

  private fillableQty(book: Book, taker: Order, cap: bigint | undefined): bigint {
    const levels = taker.side === "BUY" ? book.asks : book.bids;
    let total = 0n;
    for (const level of levels) {
      if (!priceAcceptable(taker, level.price)) break;
      for (const o of level.orders) if (o.account !== taker.account) total += remainingQty(o);
    }
    return cap === undefined ? total : min(total, cap);
  }

  private match(book: Book, taker: Order, cap: bigint | undefined, quoteCap: bigint | undefined): void {
    const m = book.market;
    const levels = taker.side === "BUY" ? book.asks : book.bids;
    while (levels.length > 0) {
      const level = levels[0]!;
      if (!priceAcceptable(taker, level.price)) break;
      const maker = level.orders[0]!;
      if (maker.account === taker.account) {
        // Self-trade prevention (Binance EXPIRE_MAKER): the resting order expires.
        level.orders.shift();
        if (level.orders.length === 0) levels.shift();
        this.finish(maker, "EXPIRED");
        continue;
      }
      let q = remainingQty(maker);
      if (taker.quantity !== null) q = min(q, taker.quantity - taker.executedQty);
      if (cap !== undefined) q = min(q, cap - taker.executedQty);
      if (taker.quoteQuantity !== null) {
        const budget = (quoteCap ?? taker.quoteQuantity) - taker.cumQuote;
        q = min(q, floorToStep(budget / (level.price * m.notionalUnit), m.step));
      }
      if (q <= 0n) break;
      this.execute(m, taker, maker, level.price, q);
      if (remainingQty(maker) === 0n) {
        level.orders.shift();
        if (level.orders.length === 0) levels.shift();
        this.openByClientId.delete(`${maker.account}\n${maker.clientOrderId}`);
        this.finish(maker, "FILLED");
      }
    }
  }

  private execute(m: Market, taker: Order, maker: Order, price: bigint, qty: bigint): void {
    this.updateId++;
    const now = this.now();
    const notional = price * qty * m.notionalUnit;
    const baseAmount = qty * m.baseUnit;
    const tradeId = this.nextTradeId++;
    for (const [order, isMaker] of [
      [maker, true],
      [taker, false],
    ] as const) {
      // Pay what the side gives (from its hold), receive what it gets, then the fee leaves what it received.
      let received: { asset: string; amount: bigint };
      if (order.side === "BUY") {
        const spent = order.price !== null ? order.price * qty * m.notionalUnit : notional;
        const q = this.slot(order.account, m.quote.code);
        q.locked -= spent;
        q.free += spent - notional;
        order.hold -= spent;
        received = { asset: m.base.code, amount: baseAmount };
      } else {
        const b = this.slot(order.account, m.base.code);
        b.locked -= baseAmount;
        order.hold -= baseAmount;
        received = { asset: m.quote.code, amount: notional };
      }
      const fee = this.fee(isMaker, received);
      this.slot(order.account, received.asset).free += received.amount - fee.amount;
      this.slot(FEE_ACCOUNT, fee.asset).free += fee.amount;
      const commission = fee.amount;
      const commissionAsset = fee.asset;
      order.executedQty += qty;
      order.cumQuote += notional;
      order.updatedAt = now;
      if (isOpenStatus(order.status)) order.status = "PARTIALLY_FILLED";
      const fill: Fill = { tradeId, price, qty, quoteQty: notional, commission, commissionAsset, isMaker, time: now };
      order.fills.push(fill);
      let list = this.tradesByAccount.get(order.account);
      if (!list) this.tradesByAccount.set(order.account, (list = []));
      list.push({
        ...fill,
        orderId: order.id,
        clientOrderId: order.clientOrderId,
        account: order.account,
        symbol: order.symbol,
        side: order.side,
      });
    }
    this.books.get(m.symbol)!.tape.push({ time: now, price, qty, quote: notional, id: tradeId });
  }

  /**
   * The fee of one side of a trade: the maker or taker rate (ppm, rounded up) of what the side received,
   * charged in that asset (so a buy pays in the base asset, a sell in the quote asset, as Binance spot
   * does). The one place fees are decided: another fee asset or fee tiers change only this function, and
   * the caller moves the fee to `FEE_ACCOUNT`, which keeps the conservation identity.
   */
  private fee(isMaker: boolean, received: { asset: string; amount: bigint }): { asset: string; amount: bigint } {
    const rate = isMaker ? this.makerFeePpm : this.takerFeePpm;
    return { asset: received.asset, amount: ceilDiv(received.amount * rate, PPM) };
  }

  private rest(book: Book, order: Order): void {
    this.updateId++;
    const levels = order.side === "BUY" ? book.bids : book.asks;
    const p = order.price!;
    const better = order.side === "BUY" ? (a: bigint, b: bigint) => a > b : (a: bigint, b: bigint) => a < b;
    let lo = 0;
    let hi = levels.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (better(levels[mid]!.price, p)) lo = mid + 1;
      else hi = mid;
    }
    const at = levels[lo];
    if (at && at.price === p) at.orders.push(order);
    else levels.splice(lo, 0, { price: p, orders: [order] });
  }

  private unrest(book: Book, order: Order): void {
    this.updateId++;
    const levels = order.side === "BUY" ? book.bids : book.asks;
    const i = levels.findIndex((l) => l.price === order.price);
    if (i < 0) return;
    const level = levels[i]!;
    const j = level.orders.indexOf(order);
    if (j >= 0) level.orders.splice(j, 1);
    if (level.orders.length === 0) levels.splice(i, 1);
  }

  /** Moves an order to a final status and releases what it still holds. */
  private finish(order: Order, status: OrderStatus): void {
    const m = this.books.get(order.symbol)!.market;
    if (order.hold > 0n) {
      const s = this.slot(order.account, order.side === "BUY" ? m.quote.code : m.base.code);
      s.locked -= order.hold;
      s.free += order.hold;
      order.hold = 0n;
    }
    order.status = status;
    order.updatedAt = this.now();
    this.openByClientId.delete(`${order.account}\n${order.clientOrderId}`);
    this.closed.push(order.id);
    while (this.closed.length - this.closedHead > this.closedOrderRetention) {
      const old = this.orders.get(this.closed[this.closedHead++]!);
      if (!old) continue;
      this.orders.delete(old.id);
      const key = `${old.account}\n${old.clientOrderId}`;
      if (this.latestByClientId.get(key) === old) this.latestByClientId.delete(key);
    }
    if (this.closedHead > 65_536) {
      this.closed.splice(0, this.closedHead);
      this.closedHead = 0;
    }
  }
}

function priceAcceptable(taker: Order, levelPrice: bigint): boolean {
  if (taker.price === null) return true;
  return taker.side === "BUY" ? levelPrice <= taker.price : levelPrice >= taker.price;
}

function remainingQty(o: Order): bigint {
  return o.quantity === null ? 0n : o.quantity - o.executedQty;
}

function floorToStep(v: bigint, step: bigint): bigint {
  return v - (v % step);
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function isOpenStatus(s: OrderStatus): boolean {
  return s === "NEW" || s === "PARTIALLY_FILLED";
}

/** True while the order rests on the book. */
export function isOpen(o: Order): boolean {
  return isOpenStatus(o.status) && o.type !== "MARKET";
}

function snapshot(o: Order): Order {
  return { ...o, fills: [...o.fills] };
}

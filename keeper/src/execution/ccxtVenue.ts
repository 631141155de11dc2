/**
 * A venue over any ccxt exchange instance. Only real ccxt calls: `loadMarkets`, `fetchOrderBook`,
 * `createOrder` (limit, `{ timeInForce, clientOrderId }`), `cancelOrder`, `fetchOrder`, `fetchBalance`.
 * Every call goes through the same path (`request`): markets loaded first (a failed load is retried by the next
 * call: ccxt would otherwise hand back its failed `loadMarkets` promise for good), then the exchange's shared
 * `RequestBudget`, retried with back-off on rate limits, bans and outages; a 429/418 holds the whole budget
 * until its Retry-After. ccxt's typed errors become the keeper's own (`errors.ts`); the outcome of every call
 * feeds `health()`.
 *
 * Order placement is idempotent: the client order id is sent with the order, and before any resend
 * (after a timeout or a 5xx, when the order may have reached the exchange) the order is looked up by
 * that id, so a retry never creates a second order.
 */
import type { Exchange, Market, Order as CcxtOrder } from "ccxt";
import {
  DDoSProtection,
  DuplicateOrderId,
  ExchangeNotAvailable,
  InsufficientFunds,
  InvalidOrder,
  NetworkError,
  OperationFailed,
  OrderNotFound,
  RateLimitExceeded,
  RequestTimeout,
  BaseError as CcxtBaseError,
  functions,
} from "ccxt";
import {
  BackoffPolicy,
  type Clock,
  type RequestBudget,
  type Sleep,
  realSleep,
  systemClock,
  withRetry,
} from "./budget.js";
import {
  InsufficientFundsError,
  InvalidOrderError,
  OrderNotFoundError,
  RateLimitedError,
  VenueBannedError,
  VenueError,
  VenueRequestError,
  VenueTimeoutError,
  VenueUnavailableError,
} from "./errors.js";
import { divWad, fromWad, mulBps, roundToStep, toWad, wadOfFloat, wadToNumber, WAD } from "./fixed.js";
import { buyCost, sellProceeds, topPrice, type BookLiquidity } from "./liquidity.js";
import {
  splitPair,
  type Balance,
  type Order,
  type OrderBook,
  type OrderRequest,
  type OrderStatus,
  type Quote,
  type Side,
  type Venue,
} from "./venue.js";

export interface CcxtVenueOptions {
  /** Venue id used in logs and errors (default: the ccxt exchange id). */
  id?: string;
  /** The budget shared by everything that talks to this exchange (see `RequestBudgets`). */
  budget: RequestBudget;
  policy?: Partial<BackoffPolicy>;
  clock?: Clock;
  sleep?: Sleep;
  random?: () => number;
  /** Book depth read by `quote` (default 100 levels). */
  quoteDepth?: number;
  /** Taker fee override in basis points (default: the market's `taker` from ccxt). */
  takerFeeBps?: number;
  /** How long a 429 without Retry-After holds every caller of the budget (default 1 s). */
  rateLimitHoldMs?: number;
  /** Called before each back-off (logs, metrics, tests). */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

/** Maps a ccxt error (or anything thrown under ccxt) to the keeper's error classes. */
export function mapCcxtError(venueId: string, err: unknown, retryAfterMs?: number, nowMs?: number): VenueError {
  if (err instanceof VenueError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const short = message.split("\n")[0].slice(0, 200);
  const opts = { cause: err, details: message };
  // Subclasses first: RateLimitExceeded and DDoSProtection are NetworkErrors, OrderNotFound an InvalidOrder.
  if (err instanceof RateLimitExceeded) {
    const e = new RateLimitedError(venueId, `rate limited: ${short}`, opts);
    e.retryAfterMs = retryAfterMs;
    return e;
  }
  if (err instanceof DDoSProtection) {
    // ccxt raises DDoSProtection for both 429 and 418; its message carries the HTTP status.
    const status = /^\S+ (\d{3}) /.exec(message)?.[1];
    if (status === "429") {
      const e = new RateLimitedError(venueId, `rate limited: ${short}`, opts);
      e.retryAfterMs = retryAfterMs;
      return e;
    }
    const e = new VenueBannedError(venueId, `banned: ${short}`, opts);
    // Binance names the end of an IP ban in the body: "IP banned until 1700000000000".
    const until = /banned until (\d{13})/.exec(message)?.[1];
    e.retryAfterMs = retryAfterMs ?? (until && nowMs !== undefined ? Math.max(0, Number(until) - nowMs) : undefined);
    return e;
  }
  if (err instanceof RequestTimeout) return new VenueTimeoutError(venueId, `timeout: ${short}`, opts);
  if (err instanceof ExchangeNotAvailable) return new VenueUnavailableError(venueId, `unavailable: ${short}`, opts);
  if (err instanceof NetworkError) return new VenueUnavailableError(venueId, `network error: ${short}`, opts);
  // OperationFailed (Binance -1000/-1001 "unknown/internal error"): the request may be retried.
  if (err instanceof OperationFailed) return new VenueUnavailableError(venueId, `operation failed: ${short}`, opts);
  if (err instanceof InsufficientFunds)
    return new InsufficientFundsError(venueId, `insufficient funds: ${short}`, opts);
  if (err instanceof OrderNotFound) return new OrderNotFoundError(venueId, `order not found: ${short}`, opts);
  if (err instanceof InvalidOrder) return new InvalidOrderError(venueId, `invalid order: ${short}`, opts);
  if (err instanceof CcxtBaseError) return new VenueRequestError(venueId, `request failed: ${short}`, opts);
  return new VenueRequestError(venueId, `unexpected failure: ${short}`, opts);
}

function parseRetryAfter(headers: unknown, nowMs: number): number | undefined {
  if (!headers || typeof headers !== "object") return undefined;
  const entry = Object.entries(headers as Record<string, unknown>).find(([k]) => k.toLowerCase() === "retry-after");
  if (!entry) return undefined;
  const value = String(entry[1]);
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - nowMs) : undefined;
}

const num = (v: number | undefined | null): bigint => (v === undefined || v === null ? 0n : wadOfFloat(v));

/** What a venue's calls say about it: failures in a row (after retries) and when it last answered. */
export interface VenueHealth {
  /** Calls in a row that failed after their retries (0 after any answer). */
  consecutiveFailures: number;
  /** Clock time of the last call the venue answered (undefined: none yet). */
  lastOkAt: number | undefined;
  lastFailureAt: number | undefined;
  lastError?: string;
}

export class CcxtVenue implements Venue {
  readonly id: string;
  readonly kind = "cex" as const;
  private readonly policy: BackoffPolicy;
  private readonly clock: Clock;
  private readonly sleep: Sleep;
  private markets?: Record<string, Market>;
  private loading: Promise<void> | undefined;
  private state: VenueHealth = { consecutiveFailures: 0, lastOkAt: undefined, lastFailureAt: undefined };

  constructor(
    readonly exchange: Exchange,
    private readonly opts: CcxtVenueOptions,
  ) {
    this.id = opts.id ?? exchange.id;
    this.policy = BackoffPolicy.parse(opts.policy ?? {});
    this.clock = opts.clock ?? systemClock;
    this.sleep = opts.sleep ?? realSleep;
  }

  /** Runs one ccxt call under the budget with retries, mapping its errors. */
  private async call<T>(
    what: string,
    fn: () => Promise<T>,
    shouldRetry?: (err: unknown) => boolean,
    notAfter?: number,
  ): Promise<T> {
    try {
      const result = await this.callWithRetry(what, fn, shouldRetry, notAfter);
      this.state = { ...this.state, consecutiveFailures: 0, lastOkAt: this.clock.now() };
      return result;
    } catch (err) {
      // A venue that answers (a refused order, an unknown id) is up; one that cannot be reached is not.
      if (!(err instanceof VenueError) || err.retryable || err instanceof VenueRequestError) {
        this.state = {
          ...this.state,
          consecutiveFailures: this.state.consecutiveFailures + 1,
          lastFailureAt: this.clock.now(),
          lastError: err instanceof Error ? err.message.split("\n")[0]!.slice(0, 200) : String(err),
        };
      } else {
        this.state = { ...this.state, consecutiveFailures: 0, lastOkAt: this.clock.now() };
      }
      throw err;
    }
  }

  private async callWithRetry<T>(
    what: string,
    fn: () => Promise<T>,
    shouldRetry?: (err: unknown) => boolean,
    notAfter?: number,
  ): Promise<T> {
    return withRetry(
      async () => {
        try {
          return await fn();
        } catch (err) {
          const headers = (this.exchange as unknown as { last_response_headers?: unknown }).last_response_headers;
          const now = this.clock.now();
          const mapped = mapCcxtError(this.id, err, parseRetryAfter(headers, now), now);
          this.holdBudget(mapped, now);
          throw mapped;
        }
      },
      {
        budget: this.opts.budget,
        policy: this.policy,
        clock: this.clock,
        sleep: this.sleep,
        random: this.opts.random,
        shouldRetry,
        onRetry: this.opts.onRetry,
        notAfter,
      },
    ).catch((err: unknown) => {
      if (err instanceof VenueError) throw err;
      throw new VenueRequestError(this.id, `${what} failed`, { cause: err });
    });
  }

  /**
   * A 429 or a 418 stops every caller of the shared budget until the exchange's Retry-After (or the ban) has passed,
   * plus up to 25% jitter so keepers limited together do not come back together; also after the last retry, so
   * the next tick does not hit the exchange again at once. Without Retry-After a 429 holds for `rateLimitHoldMs`.
   */
  private holdBudget(err: VenueError, now: number): void {
    const random = this.opts.random ?? Math.random;
    if (err instanceof VenueBannedError) {
      this.opts.budget.blockUntil(now + (err.retryAfterMs ?? this.opts.budget.banMs));
    } else if (err instanceof RateLimitedError) {
      const wait = err.retryAfterMs ?? this.opts.rateLimitHoldMs ?? 1_000;
      this.opts.budget.blockUntil(now + Math.round(wait * (1 + 0.25 * random())));
    }
  }

  /**
   * Loads the exchange's markets until it has them: every venue call runs `init()` first, so a venue that failed
   * at start (a 503 on `exchangeInfo`) loads them on the next call instead of staying broken.
   */
  async init(): Promise<void> {
    if (this.markets) return;
    // One load at a time; a failed load is forgotten, the next call tries again.
    this.loading ??= this.loadMarkets().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async loadMarkets(): Promise<void> {
    // Always `reload`: ccxt keeps a failed loadMarkets promise and hands it back to every later call (and to
    // every method that loads markets itself, such as fetchBalance), so only a reload sends a new request.
    this.markets = await this.call("loadMarkets", () => this.exchange.loadMarkets(true));
  }

  /** The venue's health as seen by its calls (the keeper's `/health` and `keeper_venue_up` read it). */
  health(): VenueHealth {
    return { ...this.state };
  }

  /** Every venue call: markets loaded, then the call under the budget with retries; its outcome kept for health. */
  private async request<T>(
    what: string,
    fn: () => Promise<T>,
    shouldRetry?: (err: unknown) => boolean,
    notAfter?: number,
  ): Promise<T> {
    await this.init();
    return this.call(what, fn, shouldRetry, notAfter);
  }

  private market(pair: string): NonNullable<Market> {
    const market = this.markets?.[pair];
    if (!market) throw new InvalidOrderError(this.id, `unknown pair ${pair}`, { details: "call init() first" });
    return market;
  }

  pairs(): string[] {
    return Object.keys(this.markets ?? {});
  }

  /** Taker fee of a pair in basis points (override, else the market's `taker` rate). */
  takerFeeBps(pair: string): bigint {
    if (this.opts.takerFeeBps !== undefined) return BigInt(this.opts.takerFeeBps);
    const taker = this.market(pair).taker ?? 0;
    return BigInt(Math.round(taker * 10_000));
  }

  /** Lot (amount step) and tick (price step) of a pair as wads; zero when the market has none. */
  steps(pair: string): { lot: bigint; tick: bigint; minAmount: bigint } {
    const m = this.market(pair);
    // ccxt's TICK_SIZE precision mode gives steps (0.001); DECIMAL_PLACES gives digit counts (3).
    const step = (p: number | undefined): bigint => {
      if (p === undefined || p === null) return 0n;
      if (this.exchange.precisionMode === functions.TICK_SIZE) return toWad(p);
      return 10n ** BigInt(18 - p);
    };
    return { lot: step(m.precision.amount), tick: step(m.precision.price), minAmount: num(m.limits.amount?.min) };
  }

  async fetchOrderBook(pair: string, depth?: number): Promise<OrderBook> {
    await this.init();
    this.market(pair);
    const book = await this.request("fetchOrderBook", () => this.exchange.fetchOrderBook(pair, depth));
    const levels = (side: typeof book.bids) =>
      side.map(([price, amount]) => ({ price: num(price), amount: num(amount) }));
    return {
      venueId: this.id,
      pair,
      bids: levels(book.bids),
      asks: levels(book.asks),
      timestamp: book.timestamp ?? this.clock.now(),
    };
  }

  async quote(pair: string, side: Side, amount: bigint): Promise<Quote> {
    const book = await this.fetchOrderBook(pair, this.opts.quoteDepth ?? 100);
    const liq: BookLiquidity = { kind: "book", bids: book.bids, asks: book.asks, takerFeeBps: this.takerFeeBps(pair) };
    const fill = side === "buy" ? buyCost(liq, amount) : sellProceeds(liq, amount);
    if (!fill) throw new InvalidOrderError(this.id, `book of ${pair} too thin for ${fromWad(amount)}`);
    const top = topPrice(liq, side) ?? 0n;
    const avgGross = divWad(fill.gross, amount);
    const impact = top === 0n ? 0n : ((side === "buy" ? avgGross - top : top - avgGross) * 10_000n) / top;
    return {
      pair,
      side,
      amount,
      price: divWad(fill.quote, amount, side === "buy" ? "up" : "down"),
      amountIn: side === "buy" ? fill.quote : amount,
      amountOut: side === "buy" ? amount : fill.quote,
      fee: fill.fee,
      gasCost: 0n,
      slippageBps: Number(impact),
    };
  }

  async placeOrder(req: OrderRequest): Promise<Order> {
    await this.init();
    const { lot, tick, minAmount } = this.steps(req.pair);
    const amount = roundToStep(req.amount, lot, "down");
    // Never worse than asked: a buy's limit rounds down to the tick, a sell's up.
    const price = roundToStep(req.limitPrice, tick, req.side === "buy" ? "down" : "up");
    if (amount <= 0n || amount < minAmount) {
      throw new InvalidOrderError(this.id, `amount ${fromWad(req.amount)} below the lot/minimum of ${req.pair}`);
    }
    if (price <= 0n) throw new InvalidOrderError(this.id, `limit price must be positive (${fromWad(req.limitPrice)})`);
    let sent = false;
    const placed = await this.request(
      "createOrder",
      async () => {
        if (sent) {
          // The previous attempt may have reached the exchange: never send the same order twice.
          const existing = await this.lookupByClientId(req.pair, req.clientOrderId);
          if (existing) return existing;
        }
        sent = true;
        try {
          return await this.exchange.createOrder(req.pair, "limit", req.side, wadToNumber(amount), wadToNumber(price), {
            timeInForce: req.timeInForce,
            clientOrderId: req.clientOrderId,
          });
        } catch (err) {
          // Binance answers a reused client order id with -2010 "Duplicate order sent." (an InvalidOrder).
          if (err instanceof DuplicateOrderId || (err instanceof InvalidOrder && /duplicate/i.test(err.message))) {
            const existing = await this.lookupByClientId(req.pair, req.clientOrderId);
            if (existing) return existing;
          }
          throw err;
        }
      },
      (err) => err instanceof VenueError && err.retryable,
      req.retryUntil,
    ).catch(async (err: unknown) => {
      // Every attempt failed, but one may have reached the exchange (a timeout after execution, then 5xx or 429 on
      // the look-ups): ask once more by client order id after the budget's hold, so a caller never sends a second
      // order for a first one that filled. Nothing there: the order was never placed, the error stands.
      if (!sent || !(err instanceof VenueError) || !err.retryable) throw err;
      const existing = await this.request("fetchOrder", () => this.lookupByClientId(req.pair, req.clientOrderId));
      if (existing) return existing;
      throw err;
    });
    // Some exchanges (OKX) acknowledge a placement with its ids only: read the order back for its fills,
    // else a filled IOC would look like an empty cancelled one.
    const placedId = placed.id;
    if ((placed.status === undefined || placed.filled === undefined) && placedId) {
      const read = await this.request("fetchOrder", () => this.exchange.fetchOrder(placedId, req.pair));
      return this.toOrder(await this.withFees(read, req.pair), { ...req, amount, limitPrice: price });
    }
    return this.toOrder(await this.withFees(placed, req.pair), { ...req, amount, limitPrice: price });
  }

  async cancelOrder(pair: string, id: string): Promise<Order> {
    const canceled = await this.request("cancelOrder", () => this.exchange.cancelOrder(id, pair));
    // Some exchanges answer a cancel with a bare acknowledgement: read the order back when fields are missing.
    if (canceled.filled === undefined || canceled.status === undefined) return this.fetchOrder(pair, id);
    return this.toOrder(await this.withFees(canceled, pair));
  }

  async fetchOrder(pair: string, id: string): Promise<Order> {
    const order = await this.request("fetchOrder", () => this.exchange.fetchOrder(id, pair));
    return this.toOrder(await this.withFees(order, pair));
  }

  /** Raw ccxt lookup by client order id (inside an existing budget slot). */
  private async lookupByClientId(pair: string, clientOrderId: string): Promise<CcxtOrder | undefined> {
    try {
      return await this.exchange.fetchOrder("", pair, { clientOrderId });
    } catch (err) {
      if (err instanceof OrderNotFound) return undefined;
      throw err;
    }
  }

  async fetchOrderByClientId(pair: string, clientOrderId: string): Promise<Order | undefined> {
    const order = await this.request("fetchOrder", () => this.lookupByClientId(pair, clientOrderId));
    return order ? this.toOrder(await this.withFees(order, pair)) : undefined;
  }

  async balances(): Promise<Record<string, Balance>> {
    const raw = await this.request("fetchBalance", () => this.exchange.fetchBalance());
    const out: Record<string, Balance> = {};
    const skip = new Set(["info", "free", "used", "total", "timestamp", "datetime", "debt"]);
    for (const [asset, value] of Object.entries(raw)) {
      if (skip.has(asset) || !value || typeof value !== "object") continue;
      const b = value as { free?: number; used?: number; total?: number };
      out[asset] = { free: num(b.free), used: num(b.used), total: num(b.total) };
    }
    return out;
  }

  /**
   * An order that filled but came without its fee (an order looked up rather than placed: Binance's order query has
   * no fills) gets the fee the venue charged from its trades (`fetchOrderTrades`), so the keeper counts the venue's
   * own figure, not an estimate from the taker rate.
   */
  private async withFees(o: CcxtOrder, pair: string): Promise<CcxtOrder> {
    const known = o.fee !== undefined && o.fee.cost !== undefined;
    if (known || !o.filled || !o.id || !this.exchange.has["fetchOrderTrades"]) return o;
    const id = o.id;
    const trades = await this.request("fetchOrderTrades", () => this.exchange.fetchOrderTrades(id, pair));
    const { base, quote } = splitPair(pair);
    let baseFee = 0;
    let quoteFee = 0;
    for (const t of trades) {
      if (t.fee?.cost === undefined) continue;
      if (t.fee.currency === base) baseFee += t.fee.cost;
      else if (t.fee.currency === quote) quoteFee += t.fee.cost;
    }
    if (baseFee === 0 && quoteFee === 0) return o;
    const fee =
      quoteFee === 0
        ? { currency: base, cost: baseFee }
        : { currency: quote, cost: quoteFee + baseFee * (o.average ?? (o.cost ?? 0) / o.filled) };
    return { ...o, fee } as CcxtOrder;
  }

  private toOrder(o: CcxtOrder, req?: Partial<OrderRequest>): Order {
    const pair = o.symbol ?? req?.pair ?? "";
    const filled = num(o.filled);
    const average = o.average !== undefined && o.average !== null ? num(o.average) : 0n;
    const cost = o.cost !== undefined && o.cost !== null ? num(o.cost) : (filled * average) / WAD;
    const status: OrderStatus =
      o.status === "open"
        ? "open"
        : o.status === "closed"
          ? "closed"
          : o.status === "rejected"
            ? "rejected"
            : "canceled";
    return {
      venueId: this.id,
      id: o.id ?? o.clientOrderId ?? req?.clientOrderId ?? "",
      clientOrderId: o.clientOrderId ?? req?.clientOrderId ?? "",
      pair,
      side: (o.side as Side | undefined) ?? req?.side ?? "buy",
      status,
      amount: o.amount !== undefined && o.amount !== null ? num(o.amount) : (req?.amount ?? 0n),
      filled,
      cost,
      average: average === 0n && filled > 0n ? divWad(cost, filled) : average,
      fee: this.feeInQuote(o, pair, cost, average),
      feeBase: this.feeInBase(o, pair),
      gasCost: 0n,
      limitPrice: o.price !== undefined && o.price !== null ? num(o.price) : (req?.limitPrice ?? 0n),
      timestamp: o.timestamp ?? this.clock.now(),
    };
  }

  /** The fee's base-asset part as reported (0 when reported in quote); undefined when its asset is unknown. */
  private feeInBase(o: CcxtOrder, pair: string): bigint | undefined {
    const fee = o.fee;
    if (!pair || !fee || fee.cost === undefined) return undefined;
    const { base, quote } = splitPair(pair);
    return fee.currency === base ? num(fee.cost) : fee.currency === quote ? 0n : undefined;
  }

  /** Fee in quote units: as reported when in base or quote, else estimated from the taker rate. */
  private feeInQuote(o: CcxtOrder, pair: string, cost: bigint, average: bigint): bigint {
    const { base, quote } = splitPair(pair);
    const fee = o.fee;
    if (fee && fee.cost !== undefined && fee.currency === quote) return num(fee.cost);
    if (fee && fee.cost !== undefined && fee.currency === base) return (num(fee.cost) * average) / WAD;
    return pair && this.markets?.[pair] ? mulBps(cost, this.takerFeeBps(pair), "up") : 0n;
  }
}

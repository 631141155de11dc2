/**
 * Market making: pure quote computation and refresh decisions (no I/O), plus a thin runner that
 * applies them to a venue with resting (GTC) limit orders.
 *
 * Quote model (a one-period simplification of Avellaneda-Stoikov; all prices wads, sizes base wads):
 *   halfSpreadBps = max(minHalfSpreadBps, makerFeeBps + adverseSelectionBps + volatilityBps x volSpreadFactorBps / 10_000)
 *   skew          = clamp((inventory - target) / maxInventory, -1, 1)
 *   reservation   = mid x (1 - skew x skewBps / 10_000)           (long inventory -> quote lower)
 *   bid = floor_tick(reservation x (1 - halfSpread)),  ask = ceil_tick(reservation x (1 + halfSpread))
 * The half-spread pays for what one fill costs the maker: the maker fee (charged on every fill), the
 * adverse selection a fixed buffer stands for, and the expected move of the mid before the quote is
 * refreshed (`volatilityBps` is the volatility over one refresh interval). Where Avellaneda-Stoikov
 * shifts the reservation price by q x gamma x sigma^2 x (T - t), this model shifts it linearly in the
 * inventory deviation, by at most `skewBps` at the edge of the band.
 * Inventory band: the side that would push inventory past target +/- maxInventory is not quoted.
 * Capital: each side's notional is capped by `maxQuoteNotional` (the sleeve's grant), sizes by the
 * balances; all rounded down to the lot. Refresh: an existing order is kept while within
 * `priceToleranceBps` of the desired price and younger than `maxAgeMs`, otherwise cancelled and replaced
 * (so a book move beyond the tolerance re-quotes at the next refresh). A circuit-breaker trip or a
 * switch to another strategy cancels every order.
 */
import { BPS, WAD, divRound, divWad, minBig, roundToStep } from "./fixed.js";
import { ExecutionError, VenueError } from "./errors.js";
import type { OrderGuard } from "./executor.js";
import { createHash } from "node:crypto";
import type { Order, OrderRequest, Side, Venue } from "./venue.js";

export interface MarketMakingParams {
  minHalfSpreadBps: bigint;
  /** Half-spread per unit of volatility, in bps of the volatility (10_000 = half-spread equals volatility). */
  volSpreadFactorBps: bigint;
  /** Largest mid shift (bps) at full inventory deviation. */
  skewBps: bigint;
  orderSize: bigint;
  targetInventory: bigint;
  maxInventory: bigint;
  tick: bigint;
  lot: bigint;
  priceToleranceBps: bigint;
  maxAgeMs: number;
  /** Maker fee of the venue, bps of the notional (default 0). */
  makerFeeBps?: bigint;
  /** Fixed adverse-selection buffer added to the half-spread, bps (default 0). */
  adverseSelectionBps?: bigint;
  /** Largest notional (quote wads) quoted on each side: the capital granted; undefined = no cap. */
  maxQuoteNotional?: bigint;
}

export interface MarketState {
  mid: bigint;
  /** Volatility over the quoting horizon, in bps. */
  volatilityBps: bigint;
  inventory: bigint;
  baseAvailable: bigint;
  quoteAvailable: bigint;
}

export interface QuoteLevel {
  side: Side;
  price: bigint;
  amount: bigint;
}

export interface MakerQuotes {
  reservation: bigint;
  halfSpreadBps: bigint;
  bid?: QuoteLevel;
  ask?: QuoteLevel;
}

export function computeQuotes(state: MarketState, p: MarketMakingParams): MakerQuotes {
  const halfSpreadBps = halfSpreadFor(state.volatilityBps, p);
  const deviation = state.inventory - p.targetInventory;
  // skew in bps of full scale, clamped to [-BPS, BPS]
  let skew = p.maxInventory > 0n ? (deviation * BPS) / p.maxInventory : 0n;
  if (skew > BPS) skew = BPS;
  if (skew < -BPS) skew = -BPS;
  const reservation = (state.mid * (BPS * BPS - skew * p.skewBps)) / (BPS * BPS);
  let bidPrice = roundToStep((reservation * (BPS - halfSpreadBps)) / BPS, p.tick, "down");
  let askPrice = roundToStep(divRound(reservation * (BPS + halfSpreadBps), BPS, "up"), p.tick, "up");
  if (askPrice <= bidPrice) askPrice = bidPrice + (p.tick > 0n ? p.tick : 1n);
  if (bidPrice <= 0n) bidPrice = 0n;
  const quotes: MakerQuotes = { reservation, halfSpreadBps };
  if (bidPrice > 0n && deviation + p.orderSize <= p.maxInventory) {
    let affordable = divWad(state.quoteAvailable, bidPrice);
    if (p.maxQuoteNotional !== undefined) affordable = minBig(affordable, divWad(p.maxQuoteNotional, bidPrice));
    const amount = roundToStep(p.orderSize < affordable ? p.orderSize : affordable, p.lot, "down");
    if (amount > 0n) quotes.bid = { side: "buy", price: bidPrice, amount };
  }
  if (deviation - p.orderSize >= -p.maxInventory) {
    let have = minBig(p.orderSize, state.baseAvailable);
    if (p.maxQuoteNotional !== undefined) have = minBig(have, divWad(p.maxQuoteNotional, askPrice));
    const amount = roundToStep(have, p.lot, "down");
    if (amount > 0n) quotes.ask = { side: "sell", price: askPrice, amount };
  }
  return quotes;
}

/** The model's half-spread (bps) at `volatilityBps` (volatility over one refresh interval). */
export function halfSpreadFor(volatilityBps: bigint, p: MarketMakingParams): bigint {
  const cover = (p.makerFeeBps ?? 0n) + (p.adverseSelectionBps ?? 0n) + (volatilityBps * p.volSpreadFactorBps) / BPS;
  return cover > p.minHalfSpreadBps ? cover : p.minHalfSpreadBps;
}

/**
 * PnL net of fees of a market-making run: the change of the account's quote balance plus the change of
 * its base inventory, marked at the reference price at the end (fees are already out of the balances the
 * venue reports). The inventory the run started with is the keeper's own holding, not the run's trading:
 * its price drift is left out, so the PnL is the spread captured less fees and the gain or loss on the
 * inventory the run itself took on.
 */
export function markedPnl(
  start: { base: bigint; quote: bigint; reference: bigint },
  end: { base: bigint; quote: bigint; reference: bigint },
): bigint {
  return end.quote - start.quote + ((end.base - start.base) * end.reference) / WAD;
}

/** Whether `inventory` lies inside the band target +/- maxInventory. */
export function insideBand(
  inventory: bigint,
  p: Pick<MarketMakingParams, "targetInventory" | "maxInventory">,
): boolean {
  const d = inventory - p.targetInventory;
  return d <= p.maxInventory && d >= -p.maxInventory;
}

export type MakerAction = { type: "cancel"; order: Order; reason: string } | { type: "place"; level: QuoteLevel };

/** Which resting orders to keep, cancel and place so that the book shows `desired`. */
export function planRefresh(open: Order[], desired: MakerQuotes, now: number, p: MarketMakingParams): MakerAction[] {
  const actions: MakerAction[] = [];
  for (const side of ["buy", "sell"] as const) {
    const want = side === "buy" ? desired.bid : desired.ask;
    const mine = open.filter((o) => o.side === side && o.status === "open");
    let kept = false;
    for (const order of mine) {
      if (!want) {
        actions.push({ type: "cancel", order, reason: "side no longer quoted" });
        continue;
      }
      const drift =
        ((order.limitPrice > want.price ? order.limitPrice - want.price : want.price - order.limitPrice) * BPS) /
        want.price;
      const stale = now - order.timestamp > p.maxAgeMs;
      if (kept) actions.push({ type: "cancel", order, reason: "duplicate" });
      else if (drift > p.priceToleranceBps)
        actions.push({ type: "cancel", order, reason: `price drifted ${drift} bps` });
      else if (stale) actions.push({ type: "cancel", order, reason: "too old" });
      else kept = true;
    }
    if (want && !kept) actions.push({ type: "place", level: want });
  }
  return actions;
}

/** Cancels every resting order (circuit-breaker trip, switch away, shutdown). */
export function cancelAllActions(open: Order[], reason: string): MakerAction[] {
  return open.filter((o) => o.status === "open").map((order) => ({ type: "cancel" as const, order, reason }));
}

/** Applies market-making decisions to one venue and pair, tracking its own resting orders. */
export class MarketMaker {
  private readonly open = new Map<string, Order>();
  private seq = 0;
  stopped = false;

  constructor(
    private readonly venue: Venue,
    private readonly pair: string,
    private readonly campaignId: string,
    private readonly params: MarketMakingParams,
    private readonly guard?: OrderGuard,
  ) {}

  openOrders(): Order[] {
    return [...this.open.values()];
  }

  /** Refreshes fills of resting orders, then re-quotes. Returns the actions taken. */
  async tick(state: MarketState, now: number): Promise<MakerAction[]> {
    if (this.stopped) throw new ExecutionError(`market maker ${this.campaignId} is stopped`);
    for (const order of this.open.values()) {
      const fresh = await this.venue.fetchOrder(this.pair, order.id);
      if (fresh.status === "open") this.open.set(order.id, { ...fresh, timestamp: order.timestamp });
      else this.open.delete(order.id);
    }
    const actions = planRefresh(this.openOrders(), computeQuotes(state, this.params), now, this.params);
    await this.apply(actions, now);
    return actions;
  }

  /** Cancels everything and refuses further ticks; resolves once no order of ours rests on the venue. */
  async stop(reason: string): Promise<MakerAction[]> {
    this.stopped = true;
    const actions = cancelAllActions(this.openOrders(), reason);
    await this.apply(actions, 0);
    return actions;
  }

  private async apply(actions: MakerAction[], now: number): Promise<void> {
    for (const action of actions) {
      if (action.type === "cancel") {
        try {
          const result = await this.venue.cancelOrder(this.pair, action.order.id);
          if (result.status !== "open") this.open.delete(action.order.id);
        } catch (err) {
          // Already gone (filled or cancelled elsewhere): read it back rather than assume.
          if (!(err instanceof VenueError)) throw err;
          const fresh = await this.venue.fetchOrder(this.pair, action.order.id);
          if (fresh.status !== "open") this.open.delete(action.order.id);
          else throw err;
        }
        continue;
      }
      const digest = createHash("sha256").update(`${this.campaignId}|mm|${this.seq++}`).digest("hex");
      const req: OrderRequest = {
        pair: this.pair,
        side: action.level.side,
        amount: action.level.amount,
        limitPrice: action.level.price,
        timeInForce: "GTC",
        clientOrderId: `m${digest.slice(0, 31)}`,
      };
      await this.guard?.({ ...req, venueId: this.venue.id, purpose: "open" });
      const order = await this.venue.placeOrder(req);
      if (order.status === "open") this.open.set(order.id, { ...order, timestamp: now });
    }
  }
}

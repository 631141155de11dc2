/**
 * Inventory rebalancing as an engine `Strategy` (it runs on the buffer sleeve): when the base inventory
 * held on a venue strays from `targetBase` by more than `band`, one run trades it back with limit IOC
 * orders (never beyond `maxSlippageBps` from the touch), through the run's guard.
 *
 * Opportunity: the inventory risk removed, valued at `riskBps` of the deviation's notional per run
 * (what holding it is judged to cost), against the taker fee and half the spread on that notional, plus
 * this venue's premium over the mean mid of every venue (buying where the market is dearer, or selling
 * where it is cheaper, than the other venues), so it does not trade back into an open arbitrage gap;
 * capital locked = the notional moved. One rebalance strategy per venue, with the arbitrage legs' inventory
 * bands (`legs[].inventory`), keeps each venue's inventory inside its band: the arbitrage never pushes a
 * venue past its band, and the rebalance brings it back toward its target once the gap has closed. PnL = value after - value before at the mid (fees and spread
 * paid are the loss a rebalance accepts).
 */
import type { ExecutionContext, RunView, Strategy } from "../../engine/strategy.js";
import type { ExecutionResult, RoiEstimate } from "../../engine/types.js";
import { ExecutionError } from "../errors.js";
import { clientOrderId, type OrderGuard } from "../executor.js";
import { BPS, WAD, roundToStep } from "../fixed.js";
import { splitPair, type Order, type Venue } from "../venue.js";
import { midOf, snapshotKey, type ExecutionMarket } from "./market.js";

export interface RebalanceStrategyOptions {
  id: string;
  pair: string;
  venue: Venue;
  targetBase: bigint;
  /** Deviation tolerated before a run is worth it (base units). */
  band: bigint;
  /** Value of removing the deviation, in bps of its notional. */
  riskBps: bigint;
  takerFeeBps: bigint;
  /** Limit price bound from the touch, bps. */
  maxSlippageBps: bigint;
  lot: bigint;
  guard?: (ctx: ExecutionContext) => OrderGuard | undefined;
  onOrder?: (order: Order, ctx: ExecutionContext) => void;
}

/** Mean mid of `market` over every venue in the tick's snapshots (the cross-venue reference price). */
export function referenceMid(market: ExecutionMarket, canonical: string): bigint | undefined {
  let sum = 0n;
  let n = 0n;
  for (const s of market.snapshots.values()) {
    if (s.market !== canonical) continue;
    const mid = midOf(s);
    if (mid === undefined) continue;
    sum += mid;
    n++;
  }
  return n === 0n ? undefined : sum / n;
}

export class RebalanceStrategy implements Strategy<ExecutionMarket> {
  readonly type = "rebalance" as const;
  readonly id: string;
  readonly pair: string;

  constructor(private readonly opts: RebalanceStrategyOptions) {
    this.id = opts.id;
    this.pair = opts.pair;
  }

  /** Signed base amount to trade (positive = buy), or 0 inside the band. */
  deviation(inventory: bigint): bigint {
    const d = this.opts.targetBase - inventory;
    const abs = d < 0n ? -d : d;
    if (abs <= this.opts.band) return 0n;
    const rounded = roundToStep(abs, this.opts.lot, "down");
    return d < 0n ? -rounded : rounded;
  }

  estimatedROI(market: ExecutionMarket): RoiEstimate | null {
    const snap = market.snapshots.get(snapshotKey(this.opts.venue.id, this.pair));
    const mid = midOf(snap);
    if (!snap || mid === undefined || snap.liquidity.kind !== "book") return null;
    const d = this.deviation(snap.baseAvailable);
    if (d === 0n) return null;
    const notional = ((d < 0n ? -d : d) * mid) / WAD;
    const ask = snap.liquidity.asks[0]!.price;
    const bid = snap.liquidity.bids[0]!.price;
    const halfSpread = ((ask - bid) * notional) / (2n * mid);
    // Trading against this venue's premium over the other venues (buying where the market is dearer,
    // selling where it is cheaper, as during an arbitrage gap) costs that premium: wait for it to close.
    const reference = referenceMid(market, snap.market);
    let premium = 0n;
    if (reference !== undefined && reference > 0n) {
      const gap = d > 0n ? mid - reference : reference - mid;
      if (gap > 0n) premium = (gap * notional) / reference;
    }
    return {
      expectedProfit: (notional * this.opts.riskBps) / BPS,
      estimatedCost: (notional * this.opts.takerFeeBps) / BPS + halfSpread + premium,
      capitalLocked: notional,
    };
  }

  canInterruptCurrent(_current: RunView): boolean {
    return false;
  }

  async exec(ctx: ExecutionContext): Promise<ExecutionResult> {
    if (ctx.signal.aborted) return { status: "aborted", pnl: 0n, slippageBps: 0 };
    const { base, quote } = splitPair(this.pair);
    const read = async () => {
      const [book, bal] = await Promise.all([this.opts.venue.fetchOrderBook(this.pair, 5), this.opts.venue.balances()]);
      const bid = book.bids[0]?.price;
      const ask = book.asks[0]?.price;
      if (bid === undefined || ask === undefined)
        throw new ExecutionError(`${this.id}: one side of ${this.pair} is empty`);
      const mid = (bid + ask) / 2n;
      const b = bal[base]?.total ?? 0n;
      return { bid, ask, mid, inventory: b, value: (bal[quote]?.total ?? 0n) + (b * mid) / WAD };
    };
    const before = await read();
    let d = this.deviation(before.inventory);
    if (d === 0n) return { status: "succeeded", pnl: 0n, slippageBps: 0 };
    const side = d > 0n ? "buy" : "sell";
    const amount = d < 0n ? -d : d;
    // Cap the trade by the capital granted.
    const cap = roundToStep((ctx.capital * WAD) / before.mid, this.opts.lot, "down");
    d = amount < cap ? amount : cap;
    const touch = side === "buy" ? before.ask : before.bid;
    const limitPrice =
      side === "buy"
        ? (touch * (BPS + this.opts.maxSlippageBps)) / BPS
        : (touch * (BPS - this.opts.maxSlippageBps)) / BPS;
    const req = {
      pair: this.pair,
      side,
      amount: d,
      limitPrice,
      timeInForce: "IOC" as const,
      clientOrderId: clientOrderId(`${this.id}:${ctx.runId}:${ctx.startedAt}`, "open", 0),
    } as const;
    await this.opts.guard?.(ctx)?.({ ...req, venueId: this.opts.venue.id, purpose: "open" });
    const order = await this.opts.venue.placeOrder(req);
    this.opts.onOrder?.(order, ctx);
    const after = await read();
    const pnl = after.value - before.value;
    const slippage =
      order.filled > 0n && touch > 0n
        ? Number(((side === "buy" ? order.average - touch : touch - order.average) * BPS) / touch)
        : 0;
    if (order.filled === 0n) {
      return { status: "failed", pnl, slippageBps: 0, error: new ExecutionError(`${this.id}: nothing filled`) };
    }
    return { status: "succeeded", pnl, slippageBps: Math.max(0, slippage) };
  }
}

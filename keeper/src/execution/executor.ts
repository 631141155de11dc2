/**
 * The arbitrage leg executor: turns an `Opportunity` into orders on real venues, safely.
 *
 * Rules it keeps (see docs/SPECIFICATION.md, "## Execution"):
 * - Taker legs go as limit immediate-or-cancel orders at the plan's limit price, never as market orders.
 * - Every order carries a client order id derived from (campaign id, leg, attempt): re-running a plan
 *   after a crash re-sends the same ids, and venues return the existing orders instead of new ones.
 * - Legs run one after the other: the atomic/riskier leg first (a DEX swap fills fully or not at all),
 *   then the other leg sized to what actually filled (after a bridge: to what arrived).
 * - Partial fills are retried at the same limit while the retry budget (attempts) and the gas budget
 *   (quote units of gas on on-chain legs) last.
 * - No orphaned leg: if the second leg leaves a residual, it is first hedged (the second leg again at a
 *   limit relaxed by `unwindSlippageBps`), then unwound (the first leg reversed within the same bound),
 *   each at most `unwindAttempts` times; hedging and unwinding are not stopped by the retry or gas
 *   budget, nor by the deadline. Whatever still remains is reported as `exposed`, with its venue and size.
 * - The residual is the position the run holds, not the gross fills: a buy whose fee the venue took in the
 *   base asset (Binance and OKX spot) delivered `filled - feeBase`. The unwind sells at most what the account
 *   holds on the first venue (its balance is read back before each unwind order), so a fee taken in base
 *   never turns the unwind into an InsufficientFunds failure.
 * - Deadline (`deadline`, clock ms; the node sets it a margin before the campaign's claim expires): no opening
 *   or closing order is sent at or after it; the run hedges or unwinds what is open and stops. Past it, no
 *   hedge is tried on a venue whose last order failed (a venue timing out would burn the margin): it unwinds.
 * - A guard (the engine's safety rules) sees every order before it is sent and may refuse it.
 */
import { createHash } from "node:crypto";
import { type Clock, type Sleep, realSleep, systemClock } from "./budget.js";
import { KeeperError } from "../errors.js";
import { ExecutionError, VenueError } from "./errors.js";
import { BPS, divWad, mulWad } from "./fixed.js";
import { fallbackRoutes, type Opportunity, type PlannedLeg } from "./arbitrage.js";
import { splitPair, type Order, type OrderRequest, type Side, type Venue } from "./venue.js";

export type LegPurpose = "open" | "bridge" | "close" | "hedge" | "unwind";
const LEG_INDEX: Record<LegPurpose, number> = { open: 0, bridge: 1, close: 2, hedge: 3, unwind: 4 };

/** Deterministic, exchange-safe client order id (32 alphanumeric characters: Binance and OKX accept it). */
export function clientOrderId(campaignId: string, purpose: LegPurpose, attempt: number): string {
  const digest = createHash("sha256").update(`${campaignId}|${LEG_INDEX[purpose]}|${attempt}`).digest("hex");
  return `k${digest.slice(0, 31)}`;
}

/** The engine's safety rules: throw to refuse an order (cool-down, retries per minute, breaker...). */
export type OrderGuard = (order: OrderRequest & { venueId: string; purpose: LegPurpose }) => void | Promise<void>;

export interface ExecutionOptions {
  /** Extra order attempts allowed across the open and close legs. */
  retryBudget: number;
  /** Gas (quote units) the open and close legs may spend in total. */
  gasBudget: bigint;
  /** How far hedge and unwind limits may move past the plan's prices, in bps (default 100). */
  unwindSlippageBps?: bigint;
  /** Attempts for each of hedge and unwind (default 3). */
  unwindAttempts?: number;
  guard?: OrderGuard;
  clock?: Clock;
  sleep?: Sleep;
  /** Pause between retries of a partially filled leg, letting the book refill (default 0). */
  retryDelayMs?: number;
  /** How often a bridge transfer is polled, and how long to wait for it (defaults 1 s, 30 min). */
  bridgePollMs?: number;
  bridgeTimeoutMs?: number;
  onEvent?: (event: ExecutionEvent) => void;
  /**
   * Clock time (ms) from which no opening or closing order (nor a retry) is sent: what is open is hedged or
   * unwound and the run stops. Undefined: no deadline.
   */
  deadline?: number;
}

export interface ExecutionEvent {
  at: number;
  kind: "order" | "retry" | "refused" | "error" | "bridge" | "hedge" | "unwind" | "exposed" | "deadline" | "done";
  venueId?: string;
  clientOrderId?: string;
  message: string;
}

export type ExecutionStatus = "completed" | "hedged" | "unwound" | "exposed" | "abandoned";

export interface ExecutionReport {
  campaignId: string;
  status: ExecutionStatus;
  orders: (Order & { purpose: LegPurpose })[];
  /** Base filled by the first leg and by the closing side (close + hedge), and unwound back. */
  openFilled: bigint;
  closeFilled: bigint;
  unwound: bigint;
  /** Base left unhedged (0 unless `exposed`), on `residualVenue`. */
  residual: bigint;
  residualVenue?: string;
  /** Net quote received minus paid on all trading legs (fees included). */
  quoteDelta: bigint;
  /** Net base bought minus sold, bridge fees included (ideally 0). */
  baseDelta: bigint;
  /** Gas of every order, in quote units. */
  gasSpent: bigint;
  /** quoteDelta - gasSpent + baseDelta valued at the first leg's average price. */
  pnl: bigint;
  retriesUsed: number;
  events: ExecutionEvent[];
}

interface LegResult {
  filled: bigint;
  orders: Order[];
  failedVenue?: string;
}

const opposite = (side: Side): Side => (side === "buy" ? "sell" : "buy");

/** An error as one line for the event trail (a keeper error's short message, without its details). */
const oneLine = (error: unknown): string =>
  error instanceof KeeperError ? error.shortMessage : error instanceof Error ? error.message : String(error);

/** Moves a limit price `bps` in the taker's disfavour (buy higher, sell lower). */
function relax(price: bigint, side: Side, bps: bigint): bigint {
  return side === "buy" ? (price * (BPS + bps)) / BPS : (price * (BPS - bps)) / BPS;
}

class Run {
  readonly report: ExecutionReport;
  private gasSpent = 0n;
  private readonly clock: Clock;
  private readonly sleep: Sleep;
  private readonly counters: Record<LegPurpose, number> = { open: 0, bridge: 0, close: 0, hedge: 0, unwind: 0 };
  /** Venues whose last order failed (an error, not a refusal), cleared by their next answered order. */
  private readonly failing = new Set<string>();

  constructor(
    private readonly venues: Record<string, Venue>,
    private readonly plan: Opportunity,
    campaignId: string,
    private readonly opts: ExecutionOptions,
  ) {
    this.clock = opts.clock ?? systemClock;
    this.sleep = opts.sleep ?? realSleep;
    this.report = {
      campaignId,
      status: "abandoned",
      orders: [],
      openFilled: 0n,
      closeFilled: 0n,
      unwound: 0n,
      residual: 0n,
      quoteDelta: 0n,
      baseDelta: 0n,
      gasSpent: 0n,
      pnl: 0n,
      retriesUsed: 0,
      events: [],
    };
  }

  venue(id: string): Venue {
    const v = this.venues[id];
    if (!v) throw new ExecutionError(`plan names venue ${id}, which is not connected`);
    return v;
  }

  event(kind: ExecutionEvent["kind"], message: string, extra: Partial<ExecutionEvent> = {}): void {
    const e = { at: this.clock.now(), kind, message, ...extra };
    this.report.events.push(e);
    this.opts.onEvent?.(e);
  }

  /** Sends one IOC order; returns undefined when it was refused or failed (recorded as events). */
  async send(
    leg: Pick<PlannedLeg, "venueId" | "pair" | "side">,
    amount: bigint,
    limitPrice: bigint,
    purpose: LegPurpose,
  ): Promise<{ order?: Order; error?: unknown }> {
    const attempt = this.counters[purpose]++;
    const req: OrderRequest = {
      pair: leg.pair,
      side: leg.side,
      amount,
      limitPrice,
      timeInForce: "IOC",
      clientOrderId: clientOrderId(this.report.campaignId, purpose, attempt),
      // The venue's own retries of an opening, closing or hedging order end with the run's deadline too (an unwind
      // goes on past it: it closes risk).
      ...(purpose !== "unwind" && this.opts.deadline !== undefined ? { retryUntil: this.opts.deadline } : {}),
    };
    try {
      await this.opts.guard?.({ ...req, venueId: leg.venueId, purpose });
    } catch (error) {
      this.event("refused", `guard refused ${purpose} order: ${oneLine(error)}`, {
        venueId: leg.venueId,
        clientOrderId: req.clientOrderId,
      });
      return { error };
    }
    try {
      const venue = this.venue(leg.venueId);
      let order = await venue.placeOrder(req);
      if (order.status === "open") order = await venue.cancelOrder(order.pair, order.id); // IOC must not rest
      this.record(order, purpose);
      this.failing.delete(leg.venueId);
      this.event("order", `${purpose} ${leg.side} ${order.filled}/${order.amount} ${order.status}`, {
        venueId: leg.venueId,
        clientOrderId: req.clientOrderId,
      });
      return { order };
    } catch (error) {
      this.failing.add(leg.venueId);
      this.event("error", `${purpose} order failed: ${oneLine(error)}`, {
        venueId: leg.venueId,
        clientOrderId: req.clientOrderId,
      });
      if (!(error instanceof VenueError) && !(error instanceof ExecutionError)) throw error; // a bug, not a venue failure
      // The order may have reached the venue (a timeout, a dropped connection, a lookup the venue gave up on): ask
      // for it by its id before anything else is sent, so a fill is never missed and never doubled by a new attempt.
      if (error instanceof VenueError && error.retryable) {
        const found = await this.adopt(leg.venueId, req);
        if (found) {
          this.record(found, purpose);
          this.failing.delete(leg.venueId);
          this.event("order", `${purpose} ${leg.side} ${found.filled}/${found.amount} ${found.status} (found by id)`, {
            venueId: leg.venueId,
            clientOrderId: req.clientOrderId,
          });
          return { order: found };
        }
      }
      return { error };
    }
  }

  /** The order a failed placement may have left at the venue (an IOC still open is cancelled), or undefined. */
  async adopt(venueId: string, req: OrderRequest): Promise<Order | undefined> {
    try {
      const venue = this.venue(venueId);
      const found = await venue.fetchOrderByClientId(req.pair, req.clientOrderId);
      if (found?.status === "open") return await venue.cancelOrder(found.pair, found.id);
      return found;
    } catch (error) {
      if (!(error instanceof VenueError)) throw error;
      this.event("error", `looking up ${req.clientOrderId} failed: ${error.shortMessage}`, { venueId });
      return undefined;
    }
  }

  /** True at or after the run's deadline (no opening or closing order may be sent). */
  pastDeadline(): boolean {
    return this.opts.deadline !== undefined && this.clock.now() >= this.opts.deadline;
  }

  /**
   * The base the run holds in the first leg's direction (what an unwind reverses): the signed base delta of every
   * trading order, a buy of the first leg counting what it delivered (`filled - feeBase`). Without a bridge only.
   */
  exposure(first: PlannedLeg): bigint {
    let position = 0n;
    for (const o of this.report.orders) {
      if (o.purpose === "bridge") continue;
      // The first leg's buys count what they delivered; the closing side counts gross, so a fee the closing
      // venue took in base is a cost of the close, not a position to hedge.
      const delivered = o.purpose === "open" ? o.filled - (o.feeBase ?? 0n) : o.filled;
      position += o.side === "buy" ? delivered : -o.filled;
    }
    return first.side === "buy" ? position : -position;
  }

  /** The free balance of `asset` on a venue, read back now; undefined when the venue cannot say. */
  async freeBalance(venueId: string, asset: string): Promise<bigint | undefined> {
    try {
      return (await this.venue(venueId).balances())[asset]?.free ?? 0n;
    } catch (error) {
      if (!(error instanceof VenueError)) throw error;
      this.event("error", `balance read failed: ${error.shortMessage}`, { venueId });
      return undefined;
    }
  }

  record(order: Order, purpose: LegPurpose): void {
    this.report.orders.push({ ...order, purpose });
    this.gasSpent += order.gasCost;
    if (purpose === "bridge") return; // base moves between chains: accounted by the caller
    if (order.side === "buy") {
      this.report.quoteDelta -= order.cost + order.fee;
      this.report.baseDelta += order.filled;
    } else {
      this.report.quoteDelta += order.cost - order.fee;
      this.report.baseDelta -= order.filled;
    }
  }

  /** Fills `target` of a leg with IOC orders, retrying partial fills within the budgets. */
  async fillLeg(leg: PlannedLeg, target: bigint, purpose: "open" | "close"): Promise<LegResult> {
    const result: LegResult = { filled: 0n, orders: [] };
    for (;;) {
      const remaining = target - result.filled;
      if (remaining <= 0n || (leg.lot > 0n && remaining < leg.lot)) return result;
      if (this.pastDeadline()) {
        this.event("deadline", `${purpose} leg stopped at the deadline with ${remaining} unfilled`, {
          venueId: leg.venueId,
        });
        return result;
      }
      if (leg.gasCost > 0n && this.gasSpent + leg.gasCost > this.opts.gasBudget) {
        this.event("refused", `gas budget: ${this.gasSpent} spent + ${leg.gasCost} > ${this.opts.gasBudget}`, {
          venueId: leg.venueId,
        });
        return result;
      }
      const { order, error } = await this.send(leg, remaining, leg.limitPrice, purpose);
      if (order) {
        result.orders.push(order);
        result.filled += order.filled;
      } else {
        result.failedVenue = leg.venueId;
        const retryable = error instanceof VenueError && error.retryable;
        if (!retryable) return result;
      }
      if (result.filled >= target) return result;
      if (this.report.retriesUsed >= this.opts.retryBudget) {
        this.event("retry", `retry budget exhausted with ${target - result.filled} unfilled`, { venueId: leg.venueId });
        return result;
      }
      this.report.retriesUsed++;
      this.event("retry", `retrying ${target - result.filled} on ${leg.venueId}`, { venueId: leg.venueId });
      if (this.opts.retryDelayMs) await this.sleep(this.opts.retryDelayMs);
      // (the deadline is checked again at the top of the loop, before the retry is sent)
    }
  }

  /** Sends the bought base across the bridge and waits for its release; returns what arrived. */
  async bridge(amount: bigint): Promise<bigint | undefined> {
    const b = this.plan.bridge!;
    // The limit is the planned arrival per unit sent: a bridge that got dearer is refused before locking.
    const limit = divWad(b.arriving, b.amount, "down");
    const { order } = await this.send({ venueId: b.venueId, pair: b.pair, side: "sell" }, amount, limit, "bridge");
    if (!order || order.filled === 0n) return undefined;
    const venue = this.venue(b.venueId);
    const deadline = this.clock.now() + (this.opts.bridgeTimeoutMs ?? 30 * 60_000);
    let current = order;
    while (current.status === "open" && this.clock.now() < deadline) {
      await this.sleep(this.opts.bridgePollMs ?? 1000);
      current = await venue.fetchOrder(b.pair, order.id);
    }
    const last = this.report.orders[this.report.orders.length - 1];
    Object.assign(last, current, { purpose: "bridge" });
    this.gasSpent += current.gasCost - order.gasCost;
    if (current.status !== "closed") {
      this.event("bridge", `transfer ${order.id} not released in time`, { venueId: b.venueId });
      return undefined;
    }
    const arrived = current.cost - current.fee;
    this.report.baseDelta -= current.filled - arrived; // the bridge kept its fee
    this.event("bridge", `released ${arrived} of ${current.filled}`, { venueId: b.venueId });
    return arrived;
  }

  /**
   * Closes the position the second leg left open: hedge, then unwind, within the bound. Without a bridge the
   * residual is re-read from the orders after each one (`exposure`); across a bridge it is `residual` less what
   * the hedges filled. Returns what is still open.
   */
  async closeResidual(first: PlannedLeg, second: PlannedLeg, residual: bigint, firstAverage: bigint): Promise<bigint> {
    const bound = this.opts.unwindSlippageBps ?? 100n;
    const attempts = this.opts.unwindAttempts ?? 3;
    const isDust = (leg: PlannedLeg, x: bigint) => x <= 0n || (leg.lot > 0n && x < leg.lot);
    const bridged = this.plan.bridge !== undefined;
    // 1. Hedge: the second leg again, at a limit relaxed by the bound.
    for (let i = 0; i < attempts && !isDust(second, residual); i++) {
      if (this.pastDeadline() && this.failing.has(second.venueId)) {
        // Out of time and the closing venue is failing: every attempt there would burn what is left; unwind.
        this.event("deadline", `past the deadline: no hedge on failing ${second.venueId}`, { venueId: second.venueId });
        break;
      }
      const limit = relax(second.limitPrice, second.side, bound);
      this.event("hedge", `hedging ${residual} on ${second.venueId} at ${limit}`, { venueId: second.venueId });
      const { order } = await this.send(second, residual, limit, "hedge");
      if (order) {
        residual = bridged ? residual - order.filled : this.exposure(first);
        this.report.closeFilled += order.filled;
      }
    }
    if (bridged) return residual; // never unwound across a bridge
    return this.unwind(first, residual, firstAverage);
  }

  /**
   * Unwind: reverses the first leg within the bound of its average price, selling at most what the account holds
   * there (read back: a buy whose fee was taken in base delivered less than it filled). Returns what is still open.
   */
  async unwind(first: PlannedLeg, residual: bigint, firstAverage: bigint): Promise<bigint> {
    const bound = this.opts.unwindSlippageBps ?? 100n;
    const attempts = this.opts.unwindAttempts ?? 3;
    const isDust = (leg: PlannedLeg, x: bigint) => x <= 0n || (leg.lot > 0n && x < leg.lot);
    const reverse = { ...first, side: opposite(first.side) };
    const base = splitPair(first.pair).base;
    let exhausted = false;
    for (let i = 0; i < attempts && !isDust(first, residual); i++) {
      let amount = residual;
      if (reverse.side === "sell") {
        const held = await this.freeBalance(first.venueId, base);
        if (held !== undefined && held < amount) {
          amount = held;
          exhausted = true;
        }
        if (isDust(first, amount)) break;
      }
      const limit = relax(firstAverage, reverse.side, bound);
      this.event("unwind", `unwinding ${amount} of ${residual} on ${first.venueId} at ${limit}`, {
        venueId: first.venueId,
      });
      const { order } = await this.send(reverse, amount, limit, "unwind");
      if (order) {
        residual = this.exposure(first);
        this.report.unwound += order.filled;
      }
    }
    // The account holds nothing more there: what remains is a fee the venue took in base without saying so
    // (an order read back without its fills), up to that fee's size.
    if (exhausted && first.side === "buy") {
      let unreported = 0n;
      for (const o of this.report.orders)
        if (o.purpose === "open" && o.feeBase === undefined && o.average > 0n) unreported += divWad(o.fee, o.average);
      residual = residual > unreported ? residual - unreported : 0n;
    }
    return residual;
  }

  finish(status: ExecutionStatus, residual = 0n, residualVenue?: string): ExecutionReport {
    const r = this.report;
    r.status = status;
    r.residual = residual;
    r.residualVenue = residual > 0n ? residualVenue : undefined;
    r.gasSpent = this.gasSpent;
    const open = r.orders.find((o) => o.purpose === "open" && o.filled > 0n);
    const mark = open ? divWad(open.cost, open.filled) : 0n;
    r.pnl = r.quoteDelta - r.gasSpent + mulWad(r.baseDelta, mark);
    if (status === "exposed")
      this.event("exposed", `residual ${residual} left on ${residualVenue}`, { venueId: residualVenue });
    this.event("done", `${status}: pnl ${r.pnl}`);
    return r;
  }
}

/** The leg that goes first: a DEX swap (all or nothing) before a CEX order; otherwise the buy. */
export function legOrder(plan: Opportunity): [PlannedLeg, PlannedLeg] {
  if (plan.bridge) return [plan.buy, plan.sell];
  if (plan.sell.kind === "dex" && plan.buy.kind !== "dex") return [plan.sell, plan.buy];
  return [plan.buy, plan.sell];
}

/** Executes one arbitrage plan; see the module comment for the rules. Never throws for venue failures. */
export async function executeArbitrage(
  venues: Record<string, Venue>,
  plan: Opportunity,
  campaignId: string,
  opts: ExecutionOptions,
): Promise<ExecutionReport & { failedVenue?: string }> {
  const run = new Run(venues, plan, campaignId, opts);
  const [first, second] = legOrder(plan);
  const opened = await run.fillLeg(first, first.amount, "open");
  run.report.openFilled = opened.filled;
  if (opened.filled === 0n) return { ...run.finish("abandoned"), failedVenue: opened.failedVenue };

  let target = opened.filled;
  const firstAverage = opened.orders.find((o) => o.filled > 0n)?.average ?? first.limitPrice;
  if (plan.bridge) {
    if (run.pastDeadline()) {
      // Out of time before the transfer: the base is still on the first venue, where it can be sold back.
      run.event("deadline", `past the deadline before the bridge: unwinding on ${first.venueId}`, {
        venueId: first.venueId,
      });
      const left = await run.unwind(first, run.exposure(first), firstAverage);
      if (left > 0n && !(first.lot > 0n && left < first.lot)) return run.finish("exposed", left, first.venueId);
      return run.finish("unwound");
    }
    const arrived = await run.bridge(opened.filled);
    if (arrived === undefined) return run.finish("exposed", opened.filled, plan.bridge.venueId);
    target = arrived;
  }
  // The second leg's size follows what really filled (rounded to its lot).
  if (second.lot > 0n) target -= target % second.lot;
  const closed = await run.fillLeg(second, target, "close");
  run.report.closeFilled = closed.filled;
  // Across a bridge: what the close leg left of what arrived. Otherwise: the position held (fees in base counted).
  const residual = plan.bridge ? target - closed.filled : run.exposure(first);
  const dust = residual <= 0n || (second.lot > 0n && residual < second.lot);
  if (dust) return run.finish("completed");
  const left = await run.closeResidual(first, second, residual, firstAverage);
  const leftIsDust = left <= 0n || (first.lot > 0n && left < first.lot && second.lot > 0n && left < second.lot);
  if (!leftIsDust) return run.finish("exposed", left, plan.bridge ? second.venueId : first.venueId);
  return run.finish(run.report.unwound > 0n ? "unwound" : "hedged");
}

/**
 * Tries the ranked routes best first; when a route cannot even open (its first leg fills nothing
 * because a venue failed or refused), its venues are skipped and the next route that avoids them runs.
 */
export async function executeWithFallback(
  venues: Record<string, Venue>,
  ranked: Opportunity[],
  campaignId: string,
  opts: ExecutionOptions,
): Promise<{ report?: ExecutionReport; tried: string[] }> {
  const failed = new Set<string>();
  const tried: string[] = [];
  for (;;) {
    const next = fallbackRoutes(ranked, failed).find((o) => !tried.includes(`${o.buy.venueId}>${o.sell.venueId}`));
    if (!next) return { tried };
    const route = `${next.buy.venueId}>${next.sell.venueId}`;
    tried.push(route);
    const report = await executeArbitrage(venues, next, `${campaignId}:${route}`, opts);
    if (report.status !== "abandoned") return { report, tried };
    if (report.failedVenue) failed.add(report.failedVenue);
    else return { report, tried }; // nothing crossed any more at the limits: the gap is gone, do not chase it
  }
}

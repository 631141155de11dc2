/**
 * The live keeper's risk controls (docs/SPECIFICATION.md "Keeper node / Risk controls"): what stops new orders and
 * new campaigns, kept in the journal so that a restart keeps them.
 *
 * - Kill switch: `keeper pause` / `keeper resume` write `risk:paused` into the journal of the keeper's data dir; the
 *   running keeper reads it before every campaign and every opening order, so a pause acts at once and survives a
 *   restart.
 * - Chain stop signals: the vault paused or its breaker tripped, the keeper no longer eligible (revoked, unstaked,
 *   silent) or its attestation expired or revoked. Read every `signalRefreshMs` on ticks and again right before each
 *   campaign executes; any of them stops new campaigns and opening orders (closing orders still go: hedge, unwind).
 * - Exposure: an execution that ends `exposed` is an error-level log line, a `keeper_exposed_positions` gauge and a
 *   journalled record (`risk:exposures`) that blocks new campaigns on its market until it is flat; each tick the
 *   keeper tries to flatten it with one IOC order at the book relaxed by the unwind bound (capped by what the
 *   account holds), never past the unwind bound from the exposure's entry price (the opening leg's average): a
 *   collapsed book does not move that floor, so the keeper sends nothing and waits (error line, the pair blocked)
 *   instead of realising the collapse as a loss.
 * - Limits (`limits.ts`): per order, per campaign, inventory, minimum profit, and the daily loss, counted from the
 *   realised PnL journalled per UTC day (`risk:pnl:<day>`), so a restart does not reset it.
 */
import type { Logger } from "pino";
import { CampaignNotExecutedError, type CampaignExecution, type CampaignJob } from "../campaign/dispatcher.js";
import type { ChainAdapter } from "../chain/adapter.js";
import type { CapitalAdapter } from "../chain/vault.js";
import type { Opportunity } from "../execution/arbitrage.js";
import { type Clock, systemClock } from "../execution/budget.js";
import { InvalidOrderError, VenueError } from "../execution/errors.js";
import { clientOrderId, legOrder, type ExecutionReport, type OrderGuard } from "../execution/executor.js";
import { BPS, divWad, fromWad, wadToNumber } from "../execution/fixed.js";
import { orderRefusal, planRefusal, utcDay, type RiskLimits } from "../execution/limits.js";
import { SafetyRefusedError, type SafetyConfig } from "../execution/safety.js";
import { splitPair, type Order, type Side, type Venue } from "../execution/venue.js";
import { TERMINAL_ORDER_STATES, type Journal } from "./journal.js";
import type { Metrics } from "./metrics.js";

const PAUSE_KEY = "risk:paused";
const EXPOSURES_KEY = "risk:exposures";
const PNL_KEY = (day: string) => `risk:pnl:${day}`;

/** A campaign refused by a risk control before it traded (the claim is released). */
export class RiskStopError extends CampaignNotExecutedError {
  override name = "RiskStopError";
}

export interface PauseState {
  reason: string;
  /** Wall-clock ms. */
  at: number;
}

/** A position an execution left open. */
export interface Exposure {
  campaignId: string;
  market: string;
  venueId: string;
  pair: string;
  /** The side that closes it (sell: the keeper is long the base). */
  side: Side;
  /** Base still open (wad, decimal string). */
  amount: string;
  at: number;
  /** Flattening orders sent so far (client order id attempts). */
  attempts: number;
  /**
   * Entry price (wad, decimal string): the opening leg's average fill price. A flattening order never trades past the
   * unwind bound from it (sell at or above `reference * (1 - bound)`, buy at or below `reference * (1 + bound)`).
   * Absent in records journalled before it existed: the first flattening round sets it from the book's mid.
   */
  reference?: string;
  /** The last round found the book past the floor and sent nothing (its error line is logged once per wait). */
  waiting?: boolean;
  /** The floor of the wait its error line was logged for (a new floor, e.g. after a consent, logs again). */
  waitFloor?: string;
  /**
   * The flattening order about to be sent (client order id, amount, whether the amount was capped by the balance) of a flattening order about to be sent: journalled with the exposure before the order goes out,
   * so that after a crash the next round looks that order up at the venue (and books its fill) instead of sending a
   * second one. Cleared once its outcome is booked.
   */
  pending?: { id: string; amount: string; capped: boolean };
}

/**
 * `keeper flatten`'s consent (flatten-command.ts): the operator accepts a loss of up to `acceptLossBps` from the
 * exposure's entry price. It names one exposure in one state (campaign, venue, pair, the time it was recorded and
 * the number of flattening orders sent so far), so a stale or repeated command, or one copied from another keeper's
 * journal, matches nothing: one consent sends at most one order.
 */
export interface FlattenConsent {
  campaignId: string;
  venueId: string;
  pair: string;
  /** `Exposure.at` of the exposure it names. */
  at: number;
  /** `Exposure.attempts` when it was given: void once an order was sent under it (or for any other reason). */
  attempts: number;
  acceptLossBps: number;
  /** Wall-clock ms. */
  givenAt: number;
}

/** Journal key of the consent for one exposure (written by `keeper flatten`, only read by the running keeper). */
export const flattenConsentKey = (e: Pick<Exposure, "campaignId" | "venueId" | "pair">) =>
  `risk:flatten:${e.campaignId}:${e.venueId}:${e.pair}`;

/** The consent journalled for this exposure in its current state, or undefined. */
export function flattenConsent(journal: Journal, e: Exposure): FlattenConsent | undefined {
  const raw = journal.getCursor(flattenConsentKey(e));
  if (!raw) return undefined;
  const c = JSON.parse(raw) as FlattenConsent;
  const matches =
    c.campaignId === e.campaignId &&
    c.venueId === e.venueId &&
    c.pair === e.pair &&
    c.at === e.at &&
    c.attempts === e.attempts &&
    Number.isInteger(c.acceptLossBps) &&
    c.acceptLossBps >= 0 &&
    c.acceptLossBps < 10_000;
  return matches ? c : undefined;
}

/** An open exposure as the operator sees it (`keeper status`, `/health`, `keeper_exposure_age_seconds`). */
export interface ExposureView {
  campaignId: string;
  market: string;
  venue: string;
  pair: string;
  asset: string;
  /** long: held, to sell; short: to buy back. */
  position: "long" | "short";
  /** Base still open (decimal). */
  amount: string;
  /** The opening leg's average fill (decimal), when journalled. */
  entryPrice?: string;
  /** Seconds since the execution left it open. */
  ageSeconds: number;
  /** The last flattening round found the book past its floor and sent nothing. */
  waiting: boolean;
  /** Flattening orders sent so far (the `--attempts` a consent names). */
  attempts: number;
}

export function exposureView(e: Exposure, now: number): ExposureView {
  return {
    campaignId: e.campaignId,
    market: e.market,
    venue: e.venueId,
    pair: e.pair,
    asset: splitPair(e.pair).base,
    position: e.side === "sell" ? "long" : "short",
    amount: fromWad(BigInt(e.amount)),
    ...(e.reference === undefined ? {} : { entryPrice: fromWad(BigInt(e.reference)) }),
    ageSeconds: Math.max(0, Math.floor((now - e.at) / 1000)),
    waiting: e.waiting === true,
    attempts: e.attempts,
  };
}

/** `keeper pause`: journals the pause (the running keeper and any restart read it). */
export function pauseKeeper(journal: Journal, reason: string, at = Date.now()): PauseState {
  const state = { reason, at };
  journal.setCursor(PAUSE_KEY, JSON.stringify(state));
  return state;
}

/** `keeper resume`: clears the pause; returns the pause it cleared. */
export function resumeKeeper(journal: Journal): PauseState | undefined {
  const state = pauseState(journal);
  journal.setCursor(PAUSE_KEY, "");
  return state;
}

export function pauseState(journal: Journal): PauseState | undefined {
  const raw = journal.getCursor(PAUSE_KEY);
  return raw ? (JSON.parse(raw) as PauseState) : undefined;
}

export function exposures(journal: Journal): Exposure[] {
  const raw = journal.getCursor(EXPOSURES_KEY);
  return raw ? (JSON.parse(raw) as Exposure[]) : [];
}

/** Realised PnL journalled for a UTC day (quote wad). */
export function dailyPnl(journal: Journal, day: string): bigint {
  return BigInt(journal.getCursor(PNL_KEY(day)) || "0");
}

export interface RiskControlsOptions {
  journal: Journal;
  limits: RiskLimits;
  /** Venues by id (flattening exposures). */
  venues: Record<string, Venue>;
  chain?: Pick<ChainAdapter, "keeperStatus">;
  vault?: Pick<CapitalAdapter, "stopReason">;
  log?: Logger;
  metrics?: Metrics;
  clock?: Clock;
  /** How often ticks re-read the chain's stop signals (default 2 s). */
  signalRefreshMs?: number;
  /**
   * Bound (bps) a flattening order may move past the book's best price, and past the exposure's entry price
   * (default 100).
   */
  unwindSlippageBps?: bigint;
  /** Least time between two flattening rounds (default 5 s). */
  flattenEveryMs?: number;
  /** Called when the last open exposure became flat. */
  onAllFlat?: () => void;
}

export class RiskControls {
  private readonly clock: Clock;
  private chainStop: string | undefined;
  private lastRefresh = Number.NEGATIVE_INFINITY;
  private lastStop: string | undefined;
  private lastFlatten = Number.NEGATIVE_INFINITY;

  constructor(private readonly opts: RiskControlsOptions) {
    this.clock = opts.clock ?? systemClock;
    // `keeper_exposure_age_seconds` reads the journal's exposures at each scrape (ages move between ticks).
    if (opts.metrics)
      opts.metrics.exposures = () => exposures(opts.journal).map((e) => exposureView(e, this.clock.now()));
    this.gauge();
  }

  get limits(): RiskLimits {
    return this.opts.limits;
  }

  /** Reads the chain's stop signals (at most every `signalRefreshMs` unless `force`). */
  async refreshSignals(force = false): Promise<void> {
    const now = this.clock.now();
    if (!force && now - this.lastRefresh < (this.opts.signalRefreshMs ?? 2_000)) return;
    this.lastRefresh = now;
    const reasons: string[] = [];
    if (this.opts.chain) {
      const status = await this.opts.chain.keeperStatus();
      if (!status.attested) reasons.push("attestation expired or revoked");
      if (!status.eligible) reasons.push("keeper not eligible (revoked, unstaked or silent)");
    }
    const vault = await this.opts.vault?.stopReason?.();
    if (vault) reasons.push(vault);
    this.chainStop = reasons.length > 0 ? reasons.join("; ") : undefined;
    this.reportStop();
  }

  /** Why new campaigns and opening orders are stopped now (kill switch, chain signal), or undefined. */
  stopReason(): string | undefined {
    const paused = pauseState(this.opts.journal);
    if (paused) return `paused by keeper pause: ${paused.reason}`;
    return this.chainStop ? `chain stop signal: ${this.chainStop}` : undefined;
  }

  /** Logs a change of the stop state once, and sets the `keeper_trading_stopped` gauge. */
  private reportStop(): void {
    const stop = this.stopReason();
    this.opts.metrics?.tradingStopped.set(stop ? 1 : 0);
    if (stop === this.lastStop) return;
    this.opts.metrics?.stopReason.reset();
    if (stop) this.opts.metrics?.stopReason.set({ control: controlOf(stop), reason: stop }, 1);
    if (stop) this.opts.log?.warn({ reason: stop }, `new orders stopped: ${stop}`);
    else this.opts.log?.info({ previous: this.lastStop }, "new orders allowed again");
    this.lastStop = stop;
  }

  /** Why a market is blocked by an open exposure, or undefined. */
  blockedReason(market: string, pair?: string): string | undefined {
    const open = exposures(this.opts.journal).find((e) => e.market === market || (pair && e.pair === pair));
    return open
      ? `${fromWad(BigInt(open.amount))} ${splitPair(open.pair).base} left exposed on ${open.venueId} by campaign ${open.campaignId}`
      : undefined;
  }

  dailyPnl(): bigint {
    return dailyPnl(this.opts.journal, utcDay(this.clock.now()));
  }

  /** Why a planned campaign may not start (stop, exposure, limits), or undefined; counts the refusal. */
  planRefusal(plan: Opportunity, held: (venueId: string, asset: string) => bigint | undefined): string | undefined {
    this.reportStop();
    const reason =
      this.stopReason() ??
      this.blockedReason(plan.market) ??
      planRefusal(plan, this.opts.limits, { dailyPnl: this.dailyPnl(), held });
    if (reason) this.opts.metrics?.riskRefusals.inc({ control: controlOf(reason) });
    return reason;
  }

  /** Checks every order: opening orders stop on a stop signal, an exposure of their pair, the daily loss, the limits. */
  readonly guard: OrderGuard = async (order) => {
    await Promise.resolve();
    if (order.purpose === "hedge" || order.purpose === "unwind") return;
    let reason: string | undefined;
    if (order.purpose === "open" || order.purpose === "bridge") {
      const day = this.dailyPnl();
      reason =
        this.stopReason() ??
        this.blockedReason("", order.pair) ??
        (day < 0n && -day >= this.opts.limits.maxDailyLoss
          ? `daily loss ${fromWad(-day)} reached maxDailyLoss ${fromWad(this.opts.limits.maxDailyLoss)}`
          : undefined);
    }
    reason ??= orderRefusal(order, this.opts.limits);
    if (reason) {
      this.opts.metrics?.riskRefusals.inc({ control: controlOf(reason) });
      throw new SafetyRefusedError(reason);
    }
  };

  /**
   * Books the PnL of a finished run that has no execution report (a market-making run: its fills and the inventory it
   * ends with, marked at the reference price) into the day's total, which `maxDailyLoss` bounds.
   */
  recordPnl(pnl: bigint): void {
    const { journal } = this.opts;
    const day = utcDay(this.clock.now());
    journal.setCursor(PNL_KEY(day), (dailyPnl(journal, day) + pnl).toString());
  }

  /** Books an execution: its PnL into the day's total; an exposed residual into the exposures (error-level). */
  recordExecution(plan: Opportunity, report: ExecutionReport): void {
    const { journal, log } = this.opts;
    this.recordPnl(report.pnl);
    if (report.status !== "exposed" || report.residual <= 0n) return;
    const [first, second] = legOrder(plan);
    const onSecond = plan.bridge !== undefined;
    // The entry price: the opening leg's average fill (what the flattening is bounded against; a collapse of the book
    // after the fill does not move it).
    let openCost = 0n;
    let openFilled = 0n;
    for (const o of report.orders) {
      if (o.purpose !== "open" || o.filled <= 0n) continue;
      openCost += o.cost;
      openFilled += o.filled;
    }
    const reference = openFilled > 0n ? divWad(openCost, openFilled) : first.limitPrice;
    const exposure: Exposure = {
      campaignId: report.campaignId,
      market: plan.market,
      venueId: report.residualVenue ?? (onSecond ? second.venueId : first.venueId),
      pair: onSecond ? second.pair : first.pair,
      side: onSecond ? second.side : first.side === "buy" ? "sell" : "buy",
      amount: report.residual.toString(),
      at: this.clock.now(),
      attempts: 0,
      reference: reference.toString(),
    };
    journal.setCursor(EXPOSURES_KEY, JSON.stringify([...exposures(journal), exposure]));
    this.gauge();
    log?.error(
      { ...exposure, amount: fromWad(report.residual) },
      `exposed: ${fromWad(report.residual)} ${splitPair(exposure.pair).base} left open on ${exposure.venueId} by campaign ${exposure.campaignId}; new campaigns on ${plan.market} blocked until flat`,
    );
  }

  /** Sets `keeper_exposed_positions{market,venue}` and `keeper_exposed_base{market,venue,asset,position}` from the journal. */
  gauge(): void {
    const metrics = this.opts.metrics;
    if (!metrics) return;
    metrics.exposedPositions.reset();
    metrics.exposedBase.reset();
    for (const e of exposures(this.opts.journal)) {
      metrics.exposedPositions.inc({ market: e.market, venue: e.venueId });
      const labels = {
        market: e.market,
        venue: e.venueId,
        asset: splitPair(e.pair).base,
        position: e.side === "sell" ? "long" : "short",
      };
      metrics.exposedBase.inc(labels, wadToNumber(BigInt(e.amount)));
    }
  }

  /**
   * Tries to flatten every open exposure with one IOC order at the venue's best price relaxed by the unwind bound
   * (a sell capped by the free balance read back), never past the unwind bound from the exposure's entry price: when
   * the best price is past that floor (a collapsed book) no order is sent, an error line says so (once per wait) and
   * the exposure stays open, its market blocked, until the book recovers or the operator consents to a loss
   * (`keeper flatten --accept-loss-bps N`: the floor moves to N bps from the entry, for one order). An exposure below
   * the venue's lot or minimum counts as flat. Each order is journalled with its exposure before it is sent
   * (`pending`): after a crash (or a venue timing out) the next round books what the venue did with it instead of
   * sending another. Returns the number still open.
   */
  async flatten(): Promise<number> {
    const { journal, log } = this.opts;
    const open = exposures(journal);
    if (open.length === 0) return 0;
    const now = this.clock.now();
    if (now - this.lastFlatten < (this.opts.flattenEveryMs ?? 5_000)) return open.length;
    this.lastFlatten = now;
    const bound = this.opts.unwindSlippageBps ?? 100n;
    const left: Exposure[] = [];
    // Exposures recorded while this round ran (none: one keeper, one tick at a time) are kept.
    const added = () => exposures(journal).filter((e) => !open.some((o) => o.campaignId === e.campaignId));
    const save = (rest: Exposure[]) => journal.setCursor(EXPOSURES_KEY, JSON.stringify([...left, ...rest, ...added()]));
    for (let i = 0; i < open.length; i++) {
      const e = open[i]!;
      const venue = this.opts.venues[e.venueId];
      if (!venue) {
        left.push(e);
        continue;
      }
      try {
        if (e.pending !== undefined) {
          // An order journalled as about to go out in an earlier round (a crash, a timeout): book what the venue did
          // with it; this round sends nothing more for this exposure.
          let prior = await venue.fetchOrderByClientId(e.pair, e.pending.id);
          if (prior?.status === "open") prior = await venue.cancelOrder(prior.pair, prior.id);
          this.settleFlatten(e, prior);
          log?.info({ ...e }, `flattening order of ${e.venueId} ${e.pair} looked up after a restart or a failure`);
        } else {
          await this.flattenOne(e, venue, bound, () => save([e, ...open.slice(i + 1)]));
        }
        if (BigInt(e.amount) > 0n) left.push(e);
      } catch (err) {
        if (err instanceof InvalidOrderError && /below the lot|below lot|minimum/i.test(err.shortMessage)) {
          if (e.pending !== undefined) this.settleFlatten(e, undefined);
          log?.info({ ...e }, `exposure on ${e.venueId} ${e.pair} is below the venue's minimum: flat`);
          continue;
        }
        if (!(err instanceof VenueError)) throw err;
        log?.error({ ...e, err }, `flattening ${e.pair} on ${e.venueId} failed: ${err.shortMessage}`);
        left.push(e);
        continue;
      }
      if (BigInt(e.amount) <= 0n) {
        journal.setCursor(flattenConsentKey(e), "");
        log?.info({ ...e }, `exposure on ${e.venueId} ${e.pair} flat`);
      }
    }
    save([]);
    this.gauge();
    const still = left.length + added().length;
    if (still === 0) this.opts.onAllFlat?.();
    return still;
  }

  /** One flattening round of one exposure: at most one IOC order, journalled (`save`) before it is sent. */
  private async flattenOne(e: Exposure, venue: Venue, bound: bigint, save: () => void): Promise<void> {
    const { journal, log } = this.opts;
    const sell = e.side === "sell";
    const book = await venue.fetchOrderBook(e.pair, 5);
    const best = sell ? book.bids[0]?.price : book.asks[0]?.price;
    if (best === undefined) throw new InvalidOrderError(e.venueId, `no ${sell ? "bid" : "ask"}`);
    if (e.reference === undefined) {
      const other = sell ? book.asks[0]?.price : book.bids[0]?.price;
      e.reference = (other === undefined ? best : (best + other) / 2n).toString();
    }
    const reference = BigInt(e.reference);
    const away = (bps: bigint) => (sell ? (reference * (BPS - bps)) / BPS : (reference * (BPS + bps)) / BPS);
    // The operator's consent moves the floor to its accepted loss from the entry (never closer than the unwind bound).
    const consent = flattenConsent(journal, e);
    const accepted = consent ? BigInt(consent.acceptLossBps) : 0n;
    const within = accepted > bound ? accepted : bound;
    const floor = away(within);
    if (sell ? best < floor : best > floor) {
      const why = consent
        ? `entry ${fromWad(reference)} ${sell ? "-" : "+"} ${within} bps accepted by the operator`
        : `entry ${fromWad(reference)} ${sell ? "-" : "+"} ${bound} bps`;
      const msg = `flattening ${e.pair} on ${e.venueId} waits: best ${sell ? "bid" : "ask"} ${fromWad(best)} is past ${fromWad(floor)} (${why}); new campaigns on ${e.market} stay blocked`;
      // One error line per wait (and per consent): the rounds after it log at debug.
      if (e.waiting && e.waitFloor === floor.toString()) log?.debug({ ...e }, msg);
      else log?.error({ ...e }, msg);
      e.waiting = true;
      e.waitFloor = floor.toString();
      return;
    }
    e.waiting = false;
    delete e.waitFloor;
    let amount = BigInt(e.amount);
    let capped = false;
    if (sell) {
      const held = (await venue.balances())[splitPair(e.pair).base]?.free ?? 0n;
      if (held < amount) [amount, capped] = [held, true];
    }
    const relaxed = sell ? (best * (BPS - bound)) / BPS : (best * (BPS + bound)) / BPS;
    // Walks the book down (up) by the bound, but never past the floor.
    const limit = sell ? (relaxed > floor ? relaxed : floor) : relaxed < floor ? relaxed : floor;
    const id = clientOrderId(`${e.campaignId}:flatten`, "unwind", e.attempts);
    // Write-ahead: the exposure names its order (and a consent given for `attempts` is used up) before it goes out.
    e.attempts++;
    e.pending = { id, amount: amount.toString(), capped };
    save();
    journal.recordOrderIntent({
      clientOrderId: id,
      campaignId: e.campaignId,
      venue: e.venueId,
      pair: e.pair,
      side: e.side,
      amount: amount.toString(),
      limitPrice: limit.toString(),
    });
    if (consent && within > bound) {
      log?.warn(
        { ...e, acceptLossBps: consent.acceptLossBps, limit: fromWad(limit) },
        `flattening ${fromWad(amount)} ${splitPair(e.pair).base} on ${e.venueId} past the unwind bound with the operator's consent (loss up to ${consent.acceptLossBps} bps from entry ${fromWad(reference)}): limit ${fromWad(limit)}`,
      );
    }
    let order = await venue.placeOrder({
      pair: e.pair,
      side: e.side,
      amount,
      limitPrice: limit,
      timeInForce: "IOC",
      clientOrderId: id,
    });
    if (order.status === "open") order = await venue.cancelOrder(order.pair, order.id);
    this.settleFlatten(e, order);
  }

  /** Books the outcome of the exposure's pending flattening order (undefined: the venue never saw it). */
  private settleFlatten(e: Exposure, order: Order | undefined): void {
    const { journal } = this.opts;
    const pending = e.pending!;
    const rec = journal.getOrder(pending.id);
    if (rec && !TERMINAL_ORDER_STATES.has(rec.state)) {
      const state = !order
        ? "notFound"
        : order.status === "closed"
          ? "filled"
          : order.status === "rejected"
            ? "rejected"
            : "cancelled";
      journal.updateOrder(pending.id, state, { exchangeOrderId: order?.id, filled: order?.filled.toString() });
    }
    if (order) {
      const delivered = e.side === "buy" ? order.filled - (order.feeBase ?? 0n) : order.filled;
      // Capped by the balance: the account holds nothing more of it on that venue, so nothing more is open there.
      e.amount =
        pending.capped && order.filled === BigInt(pending.amount) ? "0" : (BigInt(e.amount) - delivered).toString();
    }
    delete e.pending;
  }
}

/** The control a refusal names (metric label). */
function controlOf(reason: string): string {
  const m =
    /(maxOrderNotional|maxCampaignNotional|maxInventoryNotional|maxInventory|minProfitBps|minProfit|maxDailyLoss)/.exec(
      reason,
    );
  if (m) return m[1]!;
  if (reason.startsWith("paused")) return "pause";
  if (reason.startsWith("chain stop")) return "chainStop";
  return "exposure";
}

/** Safety rules of a live keeper: 5 s cool-down after a failed execution, 60 orders a minute per venue and pair,
 * limits within 300 bps of the mid, and the loss breaker at the daily loss limit. */
export const DEFAULT_SAFETY: Omit<SafetyConfig, "maxLoss"> = {
  cooldownMs: 5_000,
  maxOrdersPerMinute: 60,
  maxSlippageBps: 300n,
};

/**
 * Refuses a campaign before it draws capital or trades while a stop signal holds (kill switch, vault paused,
 * keeper revoked, attestation expired) or its market is blocked by an exposure: the chain's signals are read again
 * first. A campaign that already journalled orders (a re-run after a restart) goes on: its orders are reconciled,
 * and the order guard still refuses any new opening order.
 */
export class GatedExecution implements CampaignExecution {
  constructor(
    private readonly inner: CampaignExecution,
    private readonly risk: RiskControls,
    private readonly journal: Journal,
  ) {}

  async execute(job: CampaignJob): Promise<{ receiptId: bigint }> {
    if (this.journal.ordersOfCampaign(job.id).length === 0) {
      await this.risk.refreshSignals(true);
      const reason = this.risk.stopReason() ?? this.risk.blockedReason(job.spec.assetPair);
      if (reason) throw new RiskStopError(`campaign ${job.id} not executed: ${reason}`);
    }
    return this.inner.execute(job);
  }
}

/**
 * Every engine run is a campaign (docs/SPECIFICATION.md "Keeper node / Live keeper"). The engine decides what runs;
 * this module turns each run into `publish -> claim -> draw -> trade -> receipt -> settle -> repay`:
 *
 * - `wrap(strategy)` gives the engine a strategy whose `exec` derives the run's campaign spec (pair, price window,
 *   route: strategy type and venues), offers it to the dispatcher (race) and returns what the inner run did once the
 *   campaign is finished. Nothing trades before this keeper holds the claim: the inner `exec` runs inside the
 *   dispatcher's `execute(job)`.
 * - `execute(job)` draws the run's working capital from its own sleeve (market making: sleeve 0, arbitrage: sleeve
 *   1, rebalance: nothing), runs the inner strategy (every order journalled under the campaign before it is sent),
 *   reads every journalled order back from its venue, posts the fills as the campaign's receipt and returns it; the
 *   dispatcher settles, and the run's sleeve repays principal + the receipt's PnL at once.
 * - A market-making (or rebalance) campaign belongs to the keeper that runs it: it is published in dispatch mode with
 *   a list naming only that keeper, so the list (inside the id) makes two keepers quoting the same pair and venue in
 *   the same second derive two ids, and nobody else may claim it before the list's turn is over (`ownDispatch`).
 * - A market-making campaign quotes for a window that ends `claimMarginSeconds` before its claim expires (at most
 *   `quotingWindowSeconds`): its quotes are cancelled, its fills and end inventory (marked at the last fill price,
 *   the receipt's mark) make its receipt. Pre-empted by the engine once its quotes are cancelled, the run returns at
 *   once while its campaign posts its receipt, settles and repays in the background (the pre-empting arbitrage
 *   campaign draws from the other sleeve meanwhile); the engine starts market making again later as a new campaign
 *   with a new PnL baseline, published once the previous one of the same strategy has finished.
 * - After a crash, a campaign the journal holds unfinished is never traded again: its journalled orders are looked
 *   up by client order id, any still resting is cancelled, and the fills they got make its receipt.
 */
import type { Logger } from "pino";
import { formatUnits } from "ethers";
import type { ChainAdapter, ReceiptPoster } from "../chain/adapter.js";
import { SLEEVES } from "../chain/vault.js";
import {
  NothingExecutedError,
  dispatchOf,
  type CampaignDispatcher,
  type DispatchOutcome,
  type Opportunity as CampaignOpportunity,
  type CampaignExecution,
  type CampaignJob,
} from "../campaign/dispatcher.js";
import { campaignId, campaignSpecFromNames, type CampaignSpec } from "../campaign/id.js";
import { DEFAULT_ENGINE_PARAMETERS } from "../engine/parameters.js";
import type { ExecutionContext, RunView, Strategy } from "../engine/strategy.js";
import type { ExecutionResult, RoiEstimate, StrategyType } from "../engine/types.js";
import { KeeperError } from "../errors.js";
import { ExecutionError, VenueError } from "../execution/errors.js";
import type { OrderGuard } from "../execution/executor.js";
import { midOf, snapshotKey, type ExecutionMarket } from "../execution/strategies/market.js";
import type { ArbitrageStrategy } from "../execution/strategies/arbitrage.js";
import type { Order, Venue } from "../execution/venue.js";
import { campaignTrace, type CampaignTrace } from "../recording/poster.js";
import type { Opportunity } from "../execution/arbitrage.js";
import { buyCapitalWad, depositUnitsToQuoteWad, quoteWadToDepositUnits, type CapitalFlow } from "./capital.js";
import { TERMINAL_ORDER_STATES, type Journal } from "./journal.js";
import { journalStateOf } from "./live-venues.js";
import type { Metrics } from "./metrics.js";

const BPS = 10_000n;
const WAD_TO_PRICE = 10n ** 10n;
const TRACE_KEY = (id: string) => `engine-trace:${id}`;
/** The run a claimed campaign is about to trade (strategy and capital), journalled before its first order. */
const RUN_KEY = (id: string) => `engine-run:${id}`;
const toJson = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? `${x}n` : x));
const fromJson = <T>(s: string): T =>
  JSON.parse(s, (_k, x: unknown) => (typeof x === "string" && /^-?\d+n$/.test(x) ? BigInt(x.slice(0, -1)) : x)) as T;

/**
 * The campaign spec of an arbitrage plan. The price window bounds every price the execution may trade at:
 * `[min(buy, sell limit) * (1 - u), max(buy, sell limit) * (1 + u)]` with `u` the unwind bound, so every honest
 * leaf lies inside it. Time is bucketed so keepers that see the same books at the same time compute the same id.
 */
export function arbitrageSpec(
  plan: Opportunity,
  nowSec: bigint,
  bucketSeconds: bigint,
  unwindBps: bigint,
): CampaignSpec {
  const lo = plan.buy.limitPrice < plan.sell.limitPrice ? plan.buy.limitPrice : plan.sell.limitPrice;
  const hi = plan.buy.limitPrice < plan.sell.limitPrice ? plan.sell.limitPrice : plan.buy.limitPrice;
  const notBefore = (nowSec / bucketSeconds) * bucketSeconds;
  return campaignSpecFromNames({
    assetPair: plan.market,
    priceWindow: {
      minPrice: (lo * (BPS - unwindBps)) / BPS / WAD_TO_PRICE,
      maxPrice: ((hi * (BPS + unwindBps)) / BPS + WAD_TO_PRICE - 1n) / WAD_TO_PRICE,
      notBefore,
      notAfter: notBefore + 2n * bucketSeconds,
    },
    route: { strategyId: "arbitrage", sourceVenue: plan.buy.venueId, targetVenue: plan.sell.venueId },
  });
}

/**
 * The campaign spec of a market-making or rebalance run on `venueId`: the price window is the venue's mid +/- `bandBps`
 * from chain time `nowSec` for `windowSeconds`, the route names the strategy type and the venue (twice).
 */
export function venueRunSpec(
  type: StrategyType,
  pair: string,
  venueId: string,
  mid: bigint,
  nowSec: bigint,
  bandBps: bigint,
  windowSeconds: bigint,
): CampaignSpec {
  return campaignSpecFromNames({
    assetPair: pair,
    priceWindow: {
      minPrice: (mid * (BPS - bandBps)) / BPS / WAD_TO_PRICE,
      maxPrice: ((mid * (BPS + bandBps)) / BPS + WAD_TO_PRICE - 1n) / WAD_TO_PRICE,
      notBefore: nowSec,
      notAfter: nowSec + windowSeconds,
    },
    route: { strategyId: type, sourceVenue: venueId, targetVenue: venueId },
  });
}

/**
 * How a keeper's own campaign (market making, rebalance: nothing another keeper could take over) is dispatched: a
 * list naming only `account`. The list is inside the campaign id, so keepers quoting the same pair and venue in the
 * same second derive different ids; whoever publishes it, `account` may claim it at once and anyone else only after
 * `dispatchWindowSeconds` (the registry's turn rule).
 */
export function ownDispatch(
  account: string,
): Required<Pick<CampaignOpportunity, "mode" | "dispatchBy" | "dispatchOrder">> {
  return { mode: "dispatch", dispatchBy: "reputation", dispatchOrder: [account] };
}

/** The vault sleeve a strategy type draws from (rebalance moves the keeper's own inventory: none). */
export function sleeveOf(type: StrategyType): number | undefined {
  if (type === "marketMaking") return SLEEVES.marketMaking;
  if (type === "arbitrage") return SLEEVES.arbitrage;
  return undefined;
}

export interface EngineCampaignOptions {
  chain: ChainAdapter;
  journal: Journal;
  poster: ReceiptPoster<CampaignTrace>;
  venues: Record<string, Venue>;
  /** The node's dispatcher (set once the node is built). */
  dispatcher: () => CampaignDispatcher;
  /** Capital flow per sleeve; a sleeve without one trades the keeper's own capital. */
  capital?: Partial<Record<number, CapitalFlow>>;
  log?: Logger;
  metrics?: Metrics;
  /** Longest quoting window of a market-making campaign (s). */
  quotingWindowSeconds?: number;
  /** The quoting window ends this long before the claim expires (s). */
  claimMarginSeconds?: number;
  /** Every run's orders stop this long before its claim expires (s; risk limits' `executionMarginSeconds`). */
  executionMarginSeconds?: number;
  /** Price window of a market-making or rebalance campaign: mid +/- this (bps). */
  priceBandBps?: bigint;
  /** Arbitrage campaign validity bucket (s); keepers seeing the same books compute the same id. */
  bucketSeconds?: bigint;
  unwindSlippageBps?: bigint;
  /**
   * Runs `fn` once `ms` of the keeper's time have passed and returns a cancel (the market maker's quoting window, the
   * wait between claim attempts refused for now). Default: a wall-clock timer; replay passes one on scenario time, so a
   * window ends before its claim expires there and a claim retry waits for scenario time, not wall time.
   */
  after?: (ms: number, fn: () => void) => () => void;
  /**
   * Read before a run publishes its campaign: a reason (stop signal, exposure on the pair) keeps the campaign from
   * being published and claimed at all.
   */
  gate?: (pair: string, run: GateRun) => Promise<string | undefined>;
  /**
   * Why the run's first order would be refused now (the safety rules: breaker, cool-down, order rate), or undefined.
   * Asked synchronously: an arbitrage opportunity it refuses is no candidate of the engine; any run it refuses does not
   * publish its campaign.
   */
  refusal?: (pair: string, run: GateRun) => string | undefined;
  /** Each settled (or failed) campaign of a run: feeds `EngineRunner.recordSettlement`. */
  onSettlement?: (strategyId: string, succeeded: boolean) => void;
  /**
   * Standing arbitrage windows (docs/SPECIFICATION.md "Keeper node / Standing arbitrage window"): each arbitrage
   * strategy's route holds one claimed, funded campaign ahead of its opportunities, and every opportunity inside its
   * price band trades at once under it. Undefined: every arbitrage run publishes and claims its own campaign.
   */
  standingArbitrage?: StandingArbitrageOptions;
  /**
   * The risk gate from what the keeper already holds (no chain read): a stop signal or an exposure on the pair. Asked
   * before a run trades inside a standing window (the window's own publication went through `gate`).
   */
  heldGate?: (pair: string) => string | undefined;
  /** The journal's per-boot nonce: every run traded under a campaign takes its run id from it (`nextRunId`). */
  bootNonce?: number;
}

export interface StandingArbitrageOptions {
  /** Longest window (s); it also ends `claimMarginSeconds` before its claim expires. Default 60. */
  windowSeconds?: number;
  /** Working capital a window draws from the arbitrage sleeve (deposit-asset units). */
  drawUnits: bigint;
  /** The next window is armed this long before the current one stops taking opportunities (s). Default 10. */
  armLeadSeconds?: number;
}

/** What the gate is told of the run about to publish its campaign. */
export interface GateRun {
  type: StrategyType;
  /** Venues the run sends orders to. */
  venues: readonly string[];
}

/** Route venues of a non-arbitrage run (the venue it trades on). */
export interface RunRoute {
  venueId: string;
  /** An arbitrage strategy's venues (its legs, in order): the route of its standing windows. */
  venues?: readonly string[];
}

interface PendingRun {
  strategy: Strategy<ExecutionMarket>;
  ctx: ExecutionContext;
  /** Working capital to draw, deposit-asset units. */
  need: bigint;
  /** What the inner run returned (set by `execute`). */
  result?: ExecutionResult;
  receiptId?: bigint;
  /** Called once the inner run has returned (its quotes cancelled), before its receipt is posted. */
  onTraded?: () => void;
}

/** What one campaign of a run ended with (metrics, tests). */
export interface CampaignRunRecord {
  campaignId: string;
  strategyId: string;
  type: StrategyType;
  runId: number;
  outcome: string;
  status?: ExecutionResult["status"];
  pnl: bigint;
  receiptId?: bigint;
  fills: number;
  drawn: bigint;
  /**
   * Position in this keeper's campaign event sequence of the campaign's first order, and of the end of its
   * settlement (receipt posted, settled, repaid): orders the steps of overlapping campaigns.
   */
  firstOrderSeq?: number;
  finishedSeq: number;
}

/** A standing arbitrage window: one claimed, funded campaign on an arbitrage strategy's route. */
interface StandingWindow {
  id: string;
  spec: CampaignSpec;
  strategy: Strategy<ExecutionMarket>;
  state: "arming" | "open" | "closing";
  /** Working capital of a run inside the window (quote wad): what the window drew, or the engine's grant if unfunded. */
  capital?: bigint;
  /** The sleeve had less room than `drawUnits` when the window drew. */
  short?: boolean;
  /** Wall-clock ms after which no new run starts in the window. */
  acceptUntil: number;
  /** Wall-clock ms at which the window's orders stop (`executionMarginSeconds` before its claim expires). */
  deadline?: number;
  /** Chain time (s) at which the window's orders stop: the window ends when a tick observes it (`observeTime`). */
  chainStop?: bigint;
  /** Ends the window early (shutdown, stop signal). */
  end: AbortController;
  /** Runs trading in the window now: the window settles once they are done. */
  inflight: Set<Promise<unknown>>;
  /** Engine strategy runs that traded in it (their settlement feeds the success rate). */
  runs: number;
  /**
   * The window's orders read back from their venues once final (client order id -> the venue's order), after each
   * run: the receipt at the close reads only what is not here, so closing a window of many runs does not spend the
   * venues' request budget in one burst while its successor's runs trade.
   */
  readBack: Map<string, Order>;
  /** The read-back in progress (one at a time). */
  reading: Promise<void>;
}

/** One run that traded inside a standing window (tests, the bench). */
export interface WindowRunRecord {
  campaignId: string;
  strategyId: string;
  /** The engine's run id (the orders carry the window run id, from the per-boot nonce). */
  runId: number;
  windowRunId: number;
  status: ExecutionResult["status"];
  pnl: bigint;
}

/** `[minPrice, maxPrice]` of `spec` (8 decimals) holds both limits of `plan` moved by the unwind bound. */
export function planInsideWindow(plan: Opportunity, spec: CampaignSpec, unwindBps: bigint): boolean {
  const lo = plan.buy.limitPrice < plan.sell.limitPrice ? plan.buy.limitPrice : plan.sell.limitPrice;
  const hi = plan.buy.limitPrice < plan.sell.limitPrice ? plan.sell.limitPrice : plan.buy.limitPrice;
  const min = (lo * (BPS - unwindBps)) / BPS / WAD_TO_PRICE;
  const max = ((hi * (BPS + unwindBps)) / BPS + WAD_TO_PRICE - 1n) / WAD_TO_PRICE;
  return min >= spec.priceWindow.minPrice && max <= spec.priceWindow.maxPrice;
}

/**
 * A standing window's campaign with a new id: `spec` ending at `notAfter`, or later by as many seconds as it takes
 * for its id to be one `taken` does not know. The chain's latest block time stands still while nothing is mined (a
 * real chain's for a block, an idle local node's for as long as it idles) and a flat market gives the same price band,
 * so a successor armed at the same chain time would otherwise be its predecessor's campaign again: the registry
 * refuses the publish, and the keeper would hold two windows under one id. `taken` knows the windows held, closed and
 * journalled (a restart included).
 */
export function freshWindow(
  spec: CampaignSpec,
  notAfter: bigint,
  account: string,
  taken: (id: string) => boolean,
): { opportunity: CampaignOpportunity; id: string } {
  for (let end = notAfter; ; end++) {
    const opportunity: CampaignOpportunity = {
      spec: { ...spec, priceWindow: { ...spec.priceWindow, notAfter: end } },
      ...ownDispatch(account),
    };
    const id = campaignId(opportunity.spec, dispatchOf(opportunity));
    if (!taken(id)) return { opportunity, id };
  }
}

export class EngineCampaigns implements CampaignExecution {
  private readonly pending = new Map<string, PendingRun>();
  /** Inner strategies by id (a campaign recovered after a crash that never traded runs its strategy once). */
  private readonly inner = new Map<string, Strategy<ExecutionMarket>>();
  /** Campaigns this keeper will not run (another keeper holds or settled them, or they are finished). */
  private readonly closed = new Set<string>();
  /** Chain time of the node's last tick (s). */
  private nowSec = 0n;
  /** The keeper is stopping (`shutdown`): no campaign is traded again by recovery. */
  private stopping = false;
  /** Run ids of recovered runs (negative: never an engine run id). */
  private recoveredRuns = 0;
  /** Campaign of each running engine run (guards journal orders under it). */
  private readonly campaignOfRun = new Map<number, string>();
  /** Every campaign a run offered, in the order they finished. */
  readonly history: CampaignRunRecord[] = [];
  /** Campaign event sequence (first orders, finished settlements). */
  private seq = 0;
  private readonly firstOrder = new Map<string, number>();
  /** Settlement still running in the background of a pre-empted run, by strategy id. */
  private readonly settling = new Map<string, Promise<void>>();
  /** Venues of each arbitrage strategy's route (standing windows). */
  private readonly routeVenues = new Map<string, readonly string[]>();
  /** Standing arbitrage windows by campaign id (arming, open or closing). */
  private readonly windows = new Map<string, StandingWindow>();
  /** Window lifecycles (arm, hold, settle) still running: `drain` waits for them. */
  private readonly windowTasks = new Set<Promise<void>>();
  /** Wall-clock ms before which a strategy's window is not armed again (after an arming that did not happen). */
  private readonly armAfter = new Map<string, number>();
  /** Strategies whose last window ended without a fill: re-armed only once the market shows an opportunity. */
  private readonly idleRoutes = new Set<string>();
  /** Quoting windows of running market makers, by the chain time (s) after which they end (`observeTime`). */
  private readonly quotingStops = new Map<AbortController, bigint>();
  /** The engine's run id of each run trading now under a campaign run id. */
  private readonly engineRunIds = new Map<number, number>();
  /** Runs this keeper traded under a campaign (their run ids count from the per-boot nonce: `nextRunId`). */
  private runSeq = 0;
  /** Every standing window, in the order they finished (outcome, runs, fills). */
  readonly windowHistory: { campaignId: string; strategyId: string; outcome: string; runs: number; fills: number }[] =
    [];
  /** Every run that traded inside a standing window, in the order they finished. */
  readonly windowRuns: WindowRunRecord[] = [];

  constructor(private readonly opts: EngineCampaignOptions) {}

  /** The engine's run id of a run that trades under campaign run id `runId` (`nextRunId`), or `runId` itself. */
  engineRunId(runId: number): number {
    return this.engineRunIds.get(runId) ?? runId;
  }

  /**
   * The run id a strategy trades under (its client order ids carry it): the per-boot nonce times 2^12 plus a counter,
   * so no run of this process repeats the id of an earlier process's run, even one whose order intents a power loss
   * took. Below 2^53 (nonce < 2^40).
   */
  private nextRunId(): number {
    // A counter of 2^12 values per boot: ids repeat within one process only after 4096 runs, whose `startedAt` differ.
    return (this.opts.bootNonce ?? 0) * 2 ** 12 + (++this.runSeq % 2 ** 12);
  }

  /** The guard of a run: every order is journalled under the run's campaign before it is sent. */
  guard(strategyId: string, ctx: ExecutionContext): OrderGuard {
    return (o) => {
      const id = this.campaignOfRun.get(ctx.runId);
      if (id === undefined)
        throw new ExecutionError(`${strategyId}: run ${ctx.runId} trades outside a claimed campaign`);
      const { journal } = this.opts;
      if (journal.getOrder(o.clientOrderId)) return;
      if (!this.firstOrder.has(id)) this.firstOrder.set(id, ++this.seq);
      journal.recordOrderIntent({
        clientOrderId: o.clientOrderId,
        campaignId: id,
        venue: o.venueId,
        pair: o.pair,
        side: o.side,
        amount: o.amount.toString(),
        limitPrice: o.limitPrice.toString(),
      });
    };
  }

  /** The node's chain time at its tick (arbitrage campaign ids are bucketed by it). */
  observeTime(nowSec: bigint): void {
    this.nowSec = nowSec;
    // A market maker's quoting window ends once chain time is past `claimMarginSeconds` before its claim expires, even
    // when wall time says it has longer (the chain's clock jumped): its receipt must go while the claim is live.
    for (const [controller, stop] of this.quotingStops) {
      if (nowSec > stop) {
        this.quotingStops.delete(controller);
        controller.abort();
      }
    }
    // A standing window ends once chain time reaches its orders' stop (`executionMarginSeconds` before its claim
    // expires), even when wall time says it has longer: the chain's clock moved (a node's time jump, a stalled tick).
    for (const w of this.windows.values()) {
      if (w.chainStop !== undefined && nowSec >= w.chainStop && !w.end.signal.aborted) {
        this.opts.log?.info({ campaignId: w.id, chainNow: nowSec.toString() }, "standing window ended by chain time");
        w.end.abort();
      }
    }
  }

  /**
   * An arbitrage opportunity whose campaign this keeper lost or finished is no candidate: offering it again would
   * only be refused, and each refused run would spend the pair's run budget.
   */
  private closedOpportunity(inner: Strategy<ExecutionMarket>, m: ExecutionMarket): boolean {
    if (inner.type !== "arbitrage" || (this.closed.size === 0 && this.opts.refusal === undefined)) return false;
    const plan = (inner as ArbitrageStrategy).best?.(m);
    if (!plan) return false;
    // Refused by the safety rules (pair cooling down, a venue over its order rate, breaker): not a candidate, so it
    // neither pre-empts a market maker nor publishes a campaign it could not trade.
    if (this.opts.refusal?.(inner.pair, { type: inner.type, venues: [plan.buy.venueId, plan.sell.venueId] })) {
      return true;
    }
    if (this.closed.size === 0) return false;
    const spec = arbitrageSpec(plan, this.nowSec, this.opts.bucketSeconds ?? 60n, this.opts.unwindSlippageBps ?? 100n);
    return this.closed.has(campaignId(spec, { mode: "race" }));
  }

  /** Resolves once every pre-empted run's campaign settling in the background has finished (shutdown). */
  async drain(): Promise<void> {
    while (this.settling.size > 0 || this.windowTasks.size > 0) {
      await Promise.all([...this.settling.values(), ...this.windowTasks]);
    }
  }

  /**
   * Resolves once the runs trading inside standing windows now have ended (their orders sent and answered): nothing
   * between their decision and their orders waits on the chain, so the node's other work waits for them instead.
   */
  async windowRunsDone(): Promise<void> {
    const inflight = [...this.windows.values()].flatMap((w) => [...w.inflight]);
    if (inflight.length > 0) await Promise.allSettled(inflight);
  }

  /** Campaigns of runs being offered or traded now, with the sequence number of their first order once sent. */
  running(): { campaignId: string; type: StrategyType; firstOrderSeq?: number }[] {
    return [...this.pending].map(([campaignId, p]) => ({
      campaignId,
      type: p.strategy.type,
      firstOrderSeq: this.firstOrder.get(campaignId),
    }));
  }

  /** The engine's view of `inner`: same estimate, but each run is a campaign. */
  wrap(inner: Strategy<ExecutionMarket>, route?: RunRoute): Strategy<ExecutionMarket> {
    this.inner.set(inner.id, inner);
    if (route?.venues !== undefined) this.routeVenues.set(inner.id, route.venues);
    let market: ExecutionMarket | undefined;
    let estimate: RoiEstimate | null = null;
    return {
      id: inner.id,
      type: inner.type,
      pair: inner.pair,
      estimatedROI: (m) => {
        market = m;
        estimate = this.closedOpportunity(inner, m) ? null : inner.estimatedROI(m);
        return estimate;
      },
      canInterruptCurrent: (current: RunView, m) => inner.canInterruptCurrent(current, m),
      exec: (ctx) => this.run(inner, ctx, market, estimate, route),
    };
  }

  private async spec(
    inner: Strategy<ExecutionMarket>,
    market: ExecutionMarket | undefined,
    route: RunRoute | undefined,
    nowSec: bigint,
  ): Promise<{ spec: CampaignSpec; needWad: bigint; venues: string[] } | undefined> {
    if (market === undefined) return undefined;
    if (inner.type === "arbitrage") {
      const plan = (inner as ArbitrageStrategy).best?.(market);
      if (!plan) return undefined;
      const spec = arbitrageSpec(plan, nowSec, this.opts.bucketSeconds ?? 60n, this.opts.unwindSlippageBps ?? 100n);
      return {
        spec,
        needWad: buyCapitalWad(plan.buy.amount, plan.buy.limitPrice, plan.buy.expectedQuote),
        venues: [plan.buy.venueId, plan.sell.venueId],
      };
    }
    if (route === undefined) return undefined;
    const mid = midOf(market.snapshots.get(snapshotKey(route.venueId, inner.pair)));
    if (mid === undefined) return undefined;
    const band = this.opts.priceBandBps ?? 500n;
    const window = BigInt(this.opts.quotingWindowSeconds ?? 60) + BigInt(this.opts.claimMarginSeconds ?? 15);
    const spec = venueRunSpec(inner.type, inner.pair, route.venueId, mid, nowSec, band, window);
    return { spec, needWad: 0n, venues: [route.venueId] };
  }

  /** One engine run as one campaign. */
  private async run(
    inner: Strategy<ExecutionMarket>,
    ctx: ExecutionContext,
    market: ExecutionMarket | undefined,
    estimate: RoiEstimate | null,
    route: RunRoute | undefined,
  ): Promise<ExecutionResult> {
    const { chain, log } = this.opts;
    const stopped = (): ExecutionResult => ({
      status: "aborted",
      pnl: 0n,
      slippageBps: 0,
      resumeState: ctx.resumeState,
    });
    if (ctx.signal.aborted) return stopped();
    // Inside a standing arbitrage window: no chain step between the decision and the first order.
    const inWindow = this.runInWindow(inner, ctx, market);
    if (inWindow !== undefined) return inWindow;
    // The previous campaign of this strategy (pre-empted, still settling in the background) finishes first: one
    // campaign per strategy at a time, its sleeve repaid before the next draw.
    await this.settling.get(inner.id);
    if (ctx.signal.aborted) return stopped();
    const now = await chain.now();
    const derived = await this.spec(inner, market, route, now);
    if (!derived) {
      return {
        status: "failed",
        pnl: 0n,
        slippageBps: 0,
        error: new ExecutionError(`${inner.id}: no campaign to run`),
      };
    }
    const opportunity: CampaignOpportunity =
      inner.type === "arbitrage" ? { spec: derived.spec } : { spec: derived.spec, ...ownDispatch(chain.account) };
    const id = campaignId(derived.spec, dispatchOf(opportunity));
    const gateRun: GateRun = { type: inner.type, venues: derived.venues };
    const refused = this.opts.refusal?.(inner.pair, gateRun) ?? (await this.opts.gate?.(inner.pair, gateRun));
    if (refused !== undefined) {
      log?.info({ campaignId: id, strategy: inner.id, reason: refused }, "campaign not published: risk gate");
      return stopped();
    }
    // Market making locks one order per side; arbitrage its buy leg; both within the engine's grant.
    const lockedWad = inner.type === "marketMaking" ? (estimate?.capitalLocked ?? 0n) : derived.needWad;
    const wantWad = lockedWad > 0n && lockedWad < ctx.capital ? lockedWad : ctx.capital;
    const need = sleeveOf(inner.type) === undefined ? 0n : quoteWadToDepositUnits(wantWad);
    const pending: PendingRun = { strategy: inner, ctx, need };
    const traded = new Promise<void>((resolve) => (pending.onTraded = resolve));
    // Journalled before the claim: a crash after it leaves enough to run the claimed campaign once (`recover`).
    if (!this.opts.journal.getCursor(RUN_KEY(id))) {
      this.opts.journal.setCursor(RUN_KEY(id), toJson({ strategyId: inner.id, capital: ctx.capital, need }));
    }
    this.pending.set(id, pending);
    const finished = this.campaign(inner, ctx, id, opportunity, pending);
    if (inner.type === "marketMaking") {
      // Aborted by the engine once its quotes are cancelled (the inner run returned): the run ends now and its
      // campaign posts its receipt, settles and repays in the background, so the pre-empting run is not held up.
      const preempted = traded.then(
        () =>
          new Promise<"preempted">((resolve) => {
            if (ctx.signal.aborted) resolve("preempted");
            else ctx.signal.addEventListener("abort", () => resolve("preempted"), { once: true });
          }),
      );
      const first = await Promise.race([finished.then(() => "finished" as const), preempted]);
      if (first === "preempted" && pending.result !== undefined) {
        const background = finished.then(
          () => undefined,
          (err: unknown) => {
            const name = err instanceof Error ? err.name : "Error";
            this.opts.metrics?.errors.inc({ name });
            log?.error({ err, campaignId: id, strategy: inner.id }, "pre-empted campaign's settlement failed");
          },
        );
        this.settling.set(inner.id, background);
        void background.then(() => {
          if (this.settling.get(inner.id) === background) this.settling.delete(inner.id);
        });
        return pending.result;
      }
    }
    await finished;
    if (pending.result !== undefined) return pending.result;
    // Not executed here (another keeper holds or settled it, the window is over, the rate limit): not a failure of
    // the strategy, so it ends like a run stopped before it traded.
    return stopped();
  }

  /** Offers the run's campaign and waits until it is finished (settled or abandoned), then books it. */
  private async campaign(
    inner: Strategy<ExecutionMarket>,
    ctx: ExecutionContext,
    id: string,
    opportunity: CampaignOpportunity,
    pending: PendingRun,
  ): Promise<CampaignRunRecord> {
    const { log } = this.opts;
    let outcome: string;
    let failure: unknown;
    try {
      outcome = await this.offerUntilDone(opportunity, id, () => pending.result === undefined && !ctx.signal.aborted);
    } catch (err) {
      // A step of the campaign failed (a chain or venue error; the dispatcher's tick retries it): the run still gets
      // its record and its count (outcome `error`) before the error goes on to the engine.
      outcome = "error";
      failure = err;
    } finally {
      this.pending.delete(id);
    }
    const sleeve = sleeveOf(inner.type);
    const flow = sleeve === undefined ? undefined : this.opts.capital?.[sleeve];
    // The campaign is finished (settled or abandoned): its sleeve repays now, not a tick later.
    if (flow && failure === undefined) await flow.repayFinished();
    const drawn = this.opts.journal.getCapital(id)?.amount ?? 0n;
    const fills = this.opts.journal.ordersOfCampaign(id).filter((o) => BigInt(o.filled ?? "0") > 0n).length;
    const result = pending.result;
    const record: CampaignRunRecord = {
      campaignId: id,
      strategyId: inner.id,
      type: inner.type,
      runId: ctx.runId,
      outcome,
      status: result?.status,
      pnl: result?.pnl ?? 0n,
      receiptId: pending.receiptId,
      fills,
      drawn,
      firstOrderSeq: this.firstOrder.get(id),
      finishedSeq: ++this.seq,
    };
    this.firstOrder.delete(id);
    this.history.push(record);
    this.closed.add(id);
    this.opts.metrics?.campaigns.inc({ type: inner.type, outcome });
    if (result !== undefined) this.opts.onSettlement?.(inner.id, outcome === "settled");
    if (failure !== undefined) {
      log?.error(
        { err: failure, campaignId: id, strategy: inner.id, runId: ctx.runId, status: result?.status, fills },
        `${inner.type} campaign failed`,
      );
      throw failure;
    }
    log?.info(
      { campaignId: id, strategy: inner.id, runId: ctx.runId, outcome, status: result?.status, fills },
      `${inner.type} campaign ${outcome}`,
    );
    return record;
  }

  /**
   * Offers `opportunity` (campaign `id`) to the dispatcher and returns how it ended. A claim refused for now (another
   * campaign on the pair was claimed in this very block time: one claim per pair and block time) is offered again every
   * 500 ms, at most 8 times, while `live()`; still waiting then, the campaign is withdrawn. The dispatcher's own tick
   * may have stepped the campaign first (the offer then finds it finished): the journal's `settled` wins.
   */
  private async offerUntilDone(opportunity: CampaignOpportunity, id: string, live: () => boolean): Promise<string> {
    let offered: DispatchOutcome = await this.opts.dispatcher().offer(opportunity);
    for (let i = 0; offered === "waiting" && live() && i < 8; i++) {
      await new Promise<void>((r) => (this.opts.after ?? wallAfter)(500, r));
      offered = await this.opts.dispatcher().offer(opportunity);
    }
    if (offered === "waiting") await this.opts.dispatcher().withdraw(id);
    return this.opts.journal.campaignProgress(id) === "settled" ? "settled" : offered;
  }

  // ------------------------------------------------------------ standing arbitrage windows

  /**
   * Arms a standing window on every arbitrage strategy's route that has none (or whose window stops taking runs within
   * `armLeadSeconds`): called with each tick's market. A route whose last window got no fill is armed again only when
   * the market shows it an opportunity.
   */
  armWindows(market: ExecutionMarket): void {
    const standing = this.opts.standingArbitrage;
    if (standing === undefined) return;
    // The successor is armed `armLeadSeconds` (at most half a window) before the window stops taking runs.
    const lead = Math.min(standing.armLeadSeconds ?? 10, (standing.windowSeconds ?? 60) / 2) * 1000;
    for (const inner of this.inner.values()) {
      if (inner.type !== "arbitrage") continue;
      const mine = [...this.windows.values()].filter((w) => w.strategy === inner);
      if (mine.some((w) => w.state === "arming" || (w.state === "open" && Date.now() < w.acceptUntil - lead))) continue;
      if (mine.length >= 2) continue; // at most the closing window and its successor
      // A window that has taken no run gets no successor: it ends (released), and its route waits for an opportunity.
      if (mine.some((w) => w.state !== "arming" && w.runs === 0)) continue;
      if (this.idleRoutes.has(inner.id) && (inner as ArbitrageStrategy).best?.(market) === undefined) continue;
      if (Date.now() < (this.armAfter.get(inner.id) ?? 0)) continue;
      this.idleRoutes.delete(inner.id);
      // A window not armed (no mid, the gate refused) or failed is tried again after 5 s, not on every tick.
      const retryLater = () => this.armAfter.set(inner.id, Date.now() + 5_000);
      const task = this.holdWindow(inner as ArbitrageStrategy, market).then(
        (armed) => {
          if (!armed) retryLater();
        },
        (err: unknown) => {
          retryLater();
          this.opts.metrics?.errors.inc({ name: err instanceof Error ? err.name : "Error" });
          this.opts.log?.error({ err, strategy: inner.id }, "standing arbitrage window failed");
        },
      );
      this.windowTasks.add(task);
      void task.then(() => this.windowTasks.delete(task));
    }
  }

  /**
   * The keeper is stopping: from now on a campaign recovered without fills (an order whose outcome a venue error left
   * open, then read back unfilled) is given back (`NothingExecutedError`: its claim released) instead of traded again.
   */
  shutdown(): void {
    this.stopping = true;
    this.closeWindows();
  }

  /** Ends every standing window now (its runs finish, its receipt is posted, it settles and repays). */
  closeWindows(): void {
    for (const w of this.windows.values()) w.end.abort();
  }

  /** Standing windows now (tests, metrics). */
  standingWindows(): { campaignId: string; strategyId: string; state: StandingWindow["state"]; runs: number }[] {
    return [...this.windows.values()].map((w) => ({
      campaignId: w.id,
      strategyId: w.strategy.id,
      state: w.state,
      runs: w.runs,
    }));
  }

  /**
   * A window's life: its spec (route: arbitrage over the strategy's first two venues; price band: the first venue's
   * mid +/- `priceBandBps`; time: `windowSeconds` + `claimMarginSeconds`), the risk gate, then publish, claim, draw,
   * hold (`windowExecute`), receipt, settle, repay, all through the dispatcher as one campaign.
   */
  private async holdWindow(inner: ArbitrageStrategy, market: ExecutionMarket): Promise<boolean> {
    const { chain, log } = this.opts;
    const legs = this.routeVenues.get(inner.id) ?? [];
    // The band is centred on the first leg whose book has both sides (a swept book has no mid).
    let mid: bigint | undefined;
    for (const v of legs) mid ??= midOf(market.snapshots.get(snapshotKey(v, inner.pair)));
    if (mid === undefined || legs.length < 2) {
      log?.debug({ strategy: inner.id }, "standing window not armed: no venue of the route has a mid");
      return false;
    }
    const gateRun: GateRun = { type: "arbitrage", venues: [...legs] };
    const refused = this.opts.refusal?.(inner.pair, gateRun) ?? (await this.opts.gate?.(inner.pair, gateRun));
    if (refused !== undefined) {
      log?.info({ strategy: inner.id, reason: refused }, "standing window not armed: risk gate");
      return false;
    }
    const now = await chain.now();
    const seconds = BigInt(this.opts.standingArbitrage!.windowSeconds ?? 60);
    const spec = campaignSpecFromNames({
      assetPair: inner.pair,
      priceWindow: venueRunSpec("arbitrage", inner.pair, legs[0]!, mid, now, this.opts.priceBandBps ?? 500n, 1n)
        .priceWindow,
      route: { strategyId: "arbitrage", sourceVenue: legs[0]!, targetVenue: legs[1]! },
    });
    const { opportunity, id } = freshWindow(
      spec,
      now + seconds + BigInt(this.opts.claimMarginSeconds ?? 15),
      chain.account,
      (c) => this.windows.has(c) || this.closed.has(c) || this.opts.journal.campaignProgress(c) !== undefined,
    );
    const w: StandingWindow = {
      id,
      spec: opportunity.spec,
      strategy: inner,
      state: "arming",
      acceptUntil: 0,
      end: new AbortController(),
      inflight: new Set(),
      runs: 0,
      readBack: new Map(),
      reading: Promise.resolve(),
    };
    this.windows.set(id, w);
    let outcome: string;
    let failure: unknown;
    try {
      outcome = await this.offerUntilDone(opportunity, id, () => !w.end.signal.aborted);
    } catch (err) {
      // A step of the window failed (the dispatcher's tick retries it): the window still gets its record and its count
      // (outcome `error`) before the error goes on (`armWindows` logs it and arms the route again later).
      outcome = "error";
      failure = err;
    } finally {
      this.windows.delete(id);
    }
    // The route's idle mark is set before anything is awaited: a tick during the repayment arms no successor.
    const fills = this.opts.journal.ordersOfCampaign(id).filter((o) => BigInt(o.filled ?? "0") > 0n).length;
    if (fills === 0) this.idleRoutes.add(inner.id);
    else this.idleRoutes.delete(inner.id);
    const flow = this.opts.capital?.[SLEEVES.arbitrage];
    if (flow && failure === undefined) await flow.repayFinished();
    for (let i = 0; i < w.runs; i++) this.opts.onSettlement?.(inner.id, outcome === "settled");
    this.windowHistory.push({ campaignId: id, strategyId: inner.id, outcome, runs: w.runs, fills });
    this.closed.add(id);
    this.opts.metrics?.campaigns.inc({ type: "arbitrage", outcome });
    if (failure !== undefined) throw failure;
    log?.info(
      { campaignId: id, strategy: inner.id, runs: w.runs, fills, outcome },
      `standing arbitrage window ${outcome}`,
    );
    return true;
  }

  /**
   * The claimed window: draw its capital, take runs until it ends (`windowSeconds`, `claimMarginSeconds` before the
   * claim expires, or `closeWindows`), wait for the runs in flight, then read every order back and post the receipt.
   */
  private async windowExecute(job: CampaignJob, w: StandingWindow): Promise<{ receiptId: bigint }> {
    const deadline = this.deadline(job);
    const flow = this.opts.capital?.[SLEEVES.arbitrage];
    const drawn = flow ? await flow.fund(job.id, this.opts.standingArbitrage!.drawUnits) : 0n;
    w.capital = drawn > 0n ? depositUnitsToQuoteWad(drawn) : undefined;
    w.short = drawn > 0n && drawn < this.opts.standingArbitrage!.drawUnits;
    const cap = BigInt(this.opts.standingArbitrage!.windowSeconds ?? 60);
    const margin = BigInt(this.opts.claimMarginSeconds ?? 15);
    let left =
      job.claimDeadline === undefined || job.chainNow === undefined ? cap : job.claimDeadline - margin - job.chainNow;
    if (left > cap) left = cap;
    const endAt = Date.now() + Number(left > 0n ? left : 0n) * 1000;
    w.deadline = deadline;
    if (job.claimDeadline !== undefined) {
      w.chainStop = job.claimDeadline - BigInt(this.opts.executionMarginSeconds ?? 30);
    }
    w.acceptUntil = deadline !== undefined && deadline < endAt ? deadline : endAt;
    w.state = "open";
    this.opts.log?.info(
      { campaignId: job.id, strategy: w.strategy.id, drawn: drawn.toString() },
      "standing arbitrage window open",
    );
    await new Promise<void>((resolve) => {
      if (w.end.signal.aborted || left <= 0n) return resolve();
      const cancel = (this.opts.after ?? wallAfter)(Number(left) * 1000, resolve);
      w.end.signal.addEventListener("abort", () => (cancel(), resolve()), { once: true });
    });
    w.state = "closing";
    while (w.inflight.size > 0) await Promise.allSettled([...w.inflight]);
    await w.reading;
    // No run trades in the window any more: an order still open was left by a run that threw; cancelled before the
    // fills are read, so the receipt is final. Orders already read back final are not read again.
    const fills = await this.settleOrders(job.id, true, w.readBack);
    if (fills.length === 0) {
      throw new NothingExecutedError(`standing window ${job.id}: no fill in ${w.runs} runs`);
    }
    const pending: PendingRun = { strategy: w.strategy, ctx: DUMMY_CTX, need: drawn };
    return this.postFills(job, fills, pending);
  }

  /**
   * An arbitrage run inside its route's open standing window, or undefined (no open window, no plan, the plan's prices
   * outside the window's band, the window about to stop): the run then goes the per-opportunity way. Nothing between
   * here and the first order waits for the chain.
   */
  private runInWindow(
    inner: Strategy<ExecutionMarket>,
    ctx: ExecutionContext,
    market: ExecutionMarket | undefined,
  ): Promise<ExecutionResult> | undefined {
    if (inner.type !== "arbitrage" || market === undefined || this.windows.size === 0) return undefined;
    const now = Date.now();
    let w: StandingWindow | undefined;
    for (const c of this.windows.values()) {
      if (c.strategy === inner && c.state === "open" && now < c.acceptUntil && (!w || c.acceptUntil > w.acceptUntil)) {
        w = c;
      }
    }
    if (w === undefined) return undefined;
    const plan = (inner as ArbitrageStrategy).best?.(market);
    if (!plan || !planInsideWindow(plan, w.spec, this.opts.unwindSlippageBps ?? 100n)) return undefined;
    // A window whose draw the sleeve cut short (it had little room when the window armed) does not shrink the run to
    // that draw: a plan needing more than the window holds goes the per-opportunity way (its own draw, or its own
    // capital when nothing is drawable), as it would without windows.
    const needWad = buyCapitalWad(plan.buy.amount, plan.buy.limitPrice, plan.buy.expectedQuote);
    if (w.capital !== undefined && w.short && w.capital < needWad) return undefined;
    const window = w;
    const refused =
      this.opts.refusal?.(inner.pair, { type: "arbitrage", venues: [plan.buy.venueId, plan.sell.venueId] }) ??
      this.opts.heldGate?.(inner.pair);
    if (refused !== undefined) {
      this.opts.log?.info({ campaignId: w.id, strategy: inner.id, reason: refused }, "run refused in its window");
      return Promise.resolve({ status: "aborted", pnl: 0n, slippageBps: 0, resumeState: ctx.resumeState });
    }
    const windowRunId = this.nextRunId();
    const capital = window.capital !== undefined && window.capital < ctx.capital ? window.capital : ctx.capital;
    this.campaignOfRun.set(windowRunId, window.id);
    this.engineRunIds.set(windowRunId, ctx.runId);
    const traded = (async () => {
      try {
        return await inner.exec({
          ...ctx,
          runId: windowRunId,
          capital,
          ...(window.deadline === undefined ? {} : { deadline: window.deadline }),
        });
      } finally {
        this.campaignOfRun.delete(windowRunId);
        this.engineRunIds.delete(windowRunId);
      }
    })();
    window.inflight.add(traded);
    return traded.then(
      (result) => {
        window.inflight.delete(traded);
        window.runs++;
        this.readBackWindow(window);
        this.windowRuns.push({
          campaignId: window.id,
          strategyId: inner.id,
          runId: ctx.runId,
          windowRunId,
          status: result.status,
          pnl: result.pnl,
        });
        if (this.windowRuns.length > 10_000) this.windowRuns.shift();
        return result;
      },
      (err: unknown) => {
        window.inflight.delete(traded);
        this.readBackWindow(window);
        throw err;
      },
    );
  }

  /** The claimed campaign: draw, trade (or recover after a crash), receipt. */
  async execute(job: CampaignJob): Promise<{ receiptId: bigint }> {
    const { journal, poster } = this.opts;
    const built = journal.getCursor(TRACE_KEY(job.id));
    if (built) return this.posted(job.id, await poster.post(fromJson<CampaignTrace>(built)));
    const standing = this.windows.get(job.id);
    if (standing) return this.windowExecute(job, standing);
    const pending = this.pending.get(job.id);
    if (!pending) return this.recover(job);
    return this.trade(job, pending);
  }

  private async trade(job: CampaignJob, pending: PendingRun): Promise<{ receiptId: bigint }> {
    // The deadline counts from the chain time the dispatcher read at the claim: taken before the draw.
    const deadline = this.deadline(job);
    const sleeve = sleeveOf(pending.strategy.type);
    const flow = sleeve === undefined ? undefined : this.opts.capital?.[sleeve];
    const drawn = flow ? await flow.fund(job.id, pending.need) : 0n;
    // A run funded by its sleeve trades at most what it drew (the engine's grant is the sleeve's share of the pool).
    const drawnWad = depositUnitsToQuoteWad(drawn);
    const capital = drawn > 0n && drawnWad < pending.ctx.capital ? drawnWad : pending.ctx.capital;
    const windowed = await this.quotingWindow(job, pending.ctx);
    let result: ExecutionResult;
    let threw = false;
    // The run trades under its own run id from the per-boot nonce (its client order ids never repeat an earlier
    // process's); its orders are journalled under this campaign.
    const runId = this.nextRunId();
    this.campaignOfRun.set(runId, job.id);
    this.engineRunIds.set(runId, pending.ctx.runId);
    try {
      result = await pending.strategy.exec({
        ...pending.ctx,
        runId,
        capital,
        signal: windowed.signal,
        ...(deadline === undefined ? {} : { deadline }),
      });
    } catch (err) {
      // The strategy failed part-way (a guard refused its next order, a venue error) after orders may have filled:
      // the run fails, but its campaign ends here, in this step, with what its orders did (its fills get their
      // receipt). Thrown on, the campaign would be left to a later dispatcher tick that knows no run, and the run's
      // record would never come.
      threw = true;
      const error =
        err instanceof KeeperError
          ? err
          : new ExecutionError(`${pending.strategy.id}: run ${pending.ctx.runId} threw`, { cause: err });
      result = { status: "failed", pnl: 0n, slippageBps: 0, error };
    } finally {
      windowed.clear();
      this.campaignOfRun.delete(runId);
      this.engineRunIds.delete(runId);
    }
    // The quoting window ended (not the engine): the run is complete, not pre-empted.
    if (result.status === "aborted" && !pending.ctx.signal.aborted) {
      const { resumeState: _r, ...rest } = result;
      void _r;
      result = { ...rest, status: "succeeded" };
    }
    pending.result = result;
    pending.onTraded?.();
    // A run that threw may have left an order resting: cancelled before the fills are read.
    const fills = await this.settleOrders(job.id, threw);
    if (fills.length === 0) {
      const why = result.error ? `: ${result.error.message.replace(/\s*\n\s*/g, " ")}` : "";
      throw new NothingExecutedError(`campaign ${job.id}: nothing filled (run ${result.status}${why})`);
    }
    // A market maker's end inventory is marked at the reference price: the venue's mid when its window closed.
    const mark = pending.strategy.type === "marketMaking" ? await this.referenceMid(fills[0]!) : undefined;
    return this.postFills(job, fills, pending, mark);
  }

  /**
   * Wall-clock time at which the campaign's orders stop: `executionMarginSeconds` before the claim expires, in chain
   * seconds from the chain time the dispatcher read. Throws when the claim leaves no time at all.
   */
  private deadline(job: CampaignJob): number | undefined {
    if (job.claimDeadline === undefined || job.chainNow === undefined) return undefined;
    const margin = BigInt(this.opts.executionMarginSeconds ?? 30);
    const left = job.claimDeadline - job.chainNow - margin;
    if (left <= 0n) {
      throw new NothingExecutedError(
        `campaign ${job.id}: claim expires in ${job.claimDeadline - job.chainNow} s, inside the execution margin of ${margin} s`,
      );
    }
    return Date.now() + Number(left) * 1000;
  }

  /** A signal that aborts with the engine's, or when the market maker's quoting window ends. */
  private async quotingWindow(job: CampaignJob, ctx: ExecutionContext) {
    const controller = new AbortController();
    let cancel = (): void => undefined;
    if (this.pending.get(job.id)?.strategy.type === "marketMaking") {
      const c = await this.opts.chain.getCampaign(job.id);
      const now = await this.opts.chain.now();
      const margin = BigInt(this.opts.claimMarginSeconds ?? 15);
      const cap = BigInt(this.opts.quotingWindowSeconds ?? 60);
      let left = c.claimDeadline - margin - now;
      if (left > cap) left = cap;
      if (left <= 0n) controller.abort();
      else {
        const timer = (this.opts.after ?? wallAfter)(Number(left) * 1000, () => controller.abort());
        // Also ended by the first tick that reads a chain time past the claim's margin (`observeTime`).
        this.quotingStops.set(controller, c.claimDeadline - margin);
        cancel = () => {
          timer();
          this.quotingStops.delete(controller);
        };
      }
    }
    return { signal: AbortSignal.any([ctx.signal, controller.signal]), clear: cancel };
  }

  /**
   * Reads every journalled order of the campaign back from its venue (by client order id), cancels any still
   * resting (`cancelOpen`: after a crash), journals its final state and returns the orders that filled.
   */
  private async settleOrders(id: string, cancelOpen: boolean, known?: ReadonlyMap<string, Order>): Promise<Order[]> {
    const { journal, venues, log } = this.opts;
    const fills: Order[] = [];
    for (const rec of journal.ordersOfCampaign(id)) {
      const venue = venues[rec.venue];
      if (!venue) continue;
      let o = known?.get(rec.clientOrderId) ?? (await venue.fetchOrderByClientId(rec.pair, rec.clientOrderId));
      if (o && cancelOpen && o.status === "open") {
        o = await venue.cancelOrder(rec.pair, o.id);
        log?.info({ campaignId: id, clientOrderId: rec.clientOrderId }, "resting order of a dead run cancelled");
      }
      this.journalOrder(rec.clientOrderId, o);
      if (o && o.filled > 0n) {
        fills.push(o);
      }
    }
    return fills.sort((a, b) => a.timestamp - b.timestamp);
  }

  /**
   * Reads back the window's orders not yet known final (after each of its runs, off the run's path): a final one is
   * kept for the receipt and its journal record brought up to date; an open one (a run that threw) is left to the
   * close, which cancels it. A failed read is left to the close too.
   */
  private readBackWindow(w: StandingWindow): void {
    const { journal, venues, log } = this.opts;
    w.reading = w.reading.then(async () => {
      for (const rec of journal.ordersOfCampaign(w.id)) {
        if (w.readBack.has(rec.clientOrderId) || w.state === "closing") continue;
        const venue = venues[rec.venue];
        if (!venue) continue;
        try {
          const o = await venue.fetchOrderByClientId(rec.pair, rec.clientOrderId);
          if (!o || !TERMINAL_ORDER_STATES.has(journalStateOf(o))) continue;
          w.readBack.set(rec.clientOrderId, o);
          this.journalOrder(rec.clientOrderId, o);
        } catch (err) {
          // A venue that did not answer: the close reads the order. Anything else is a defect, said loudly (the close
          // still reads the order, so the receipt does not depend on it).
          const fields = { err, campaignId: w.id, clientOrderId: rec.clientOrderId };
          if (err instanceof VenueError) log?.debug(fields, "window order read back at the close");
          else log?.error(fields, "window order read-back failed");
        }
      }
    });
  }

  /**
   * Brings an order's journal record to what its venue answered (`notFound`: nothing), unless the record is final
   * already (read now: the live venue wrapper may have written it during the read).
   */
  private journalOrder(clientOrderId: string, o: Order | undefined): void {
    const { journal } = this.opts;
    const state = journal.getOrder(clientOrderId)?.state;
    if (state === undefined || TERMINAL_ORDER_STATES.has(state)) return;
    journal.updateOrder(clientOrderId, o ? journalStateOf(o) : "notFound", {
      exchangeOrderId: o?.id,
      filled: o?.filled.toString(),
    });
  }

  /**
   * After a crash: resting orders of the dead run are cancelled and what its orders did becomes the receipt; a
   * claimed arbitrage campaign whose run never got a fill runs its strategy once now (new client order ids), so the
   * opportunity the claim holds is not lost. A market maker that got no fill is released (the engine quotes again in
   * a new campaign).
   */
  private async recover(job: CampaignJob): Promise<{ receiptId: bigint }> {
    const fills = await this.settleOrders(job.id, true);
    if (fills.length > 0) return this.postFills(job, fills, undefined);
    const raw = this.opts.journal.getCursor(RUN_KEY(job.id));
    const run = raw ? fromJson<{ strategyId: string; capital: bigint; need: bigint }>(raw) : undefined;
    const strategy = run ? this.inner.get(run.strategyId) : undefined;
    if (!run || !strategy || strategy.type !== "arbitrage") {
      throw new NothingExecutedError(`campaign ${job.id}: no fill of an earlier run`);
    }
    if (this.stopping) throw new NothingExecutedError(`campaign ${job.id}: no fill, and the keeper is stopping`);
    const runId = -++this.recoveredRuns;
    const ctx: ExecutionContext = {
      signal: new AbortController().signal,
      runId,
      capital: run.capital,
      params: DEFAULT_ENGINE_PARAMETERS,
      startedAt: Date.now(),
    };
    const pending: PendingRun = { strategy, ctx, need: run.need };
    this.pending.set(job.id, pending);
    try {
      return await this.trade(job, pending);
    } finally {
      this.pending.delete(job.id);
    }
  }

  /** Mid of the fill's venue book now (decimal string, 8 decimals), or undefined when a side is empty. */
  private async referenceMid(o: Order): Promise<Record<string, string> | undefined> {
    const book = await this.opts.venues[o.venueId]!.fetchOrderBook(o.pair, 1);
    const bid = book.bids[0]?.price;
    const ask = book.asks[0]?.price;
    if (bid === undefined || ask === undefined) return undefined;
    return { [o.pair]: formatUnits((bid + ask) / 2n / WAD_TO_PRICE, 8) };
  }

  private async postFills(
    job: CampaignJob,
    fills: Order[],
    pending: PendingRun | undefined,
    markPrices?: Record<string, string>,
  ): Promise<{ receiptId: bigint }> {
    const trace: CampaignTrace = {
      ...campaignTrace(job, fills, this.opts.venues),
      ...(markPrices ? { markPrices } : {}),
    };
    this.opts.journal.setCursor(TRACE_KEY(job.id), toJson(trace)); // durable before it is recorded and posted
    const type = pending?.strategy.type ?? "unknown";
    let volume = 0;
    for (const o of fills) volume += Number(formatUnits(o.cost, 18));
    this.opts.metrics?.strategyVolume.inc({ type }, volume);
    const posted = await this.opts.poster.post(trace);
    if (pending) pending.receiptId = posted.receiptId;
    return this.posted(job.id, posted);
  }

  private async posted(id: string, posted: { receiptId: bigint }): Promise<{ receiptId: bigint }> {
    const { capital } = this.opts;
    const sleeve = this.opts.journal.getCapital(id)?.sleeve;
    if (sleeve !== undefined) capital?.[sleeve]?.executed(id, posted.receiptId);
    return { receiptId: posted.receiptId };
  }
}

/** The context of a window's receipt (no engine run of its own). */
const DUMMY_CTX: ExecutionContext = {
  signal: new AbortController().signal,
  runId: 0,
  capital: 0n,
  params: DEFAULT_ENGINE_PARAMETERS,
  startedAt: 0,
};

/** `fn` after `ms` of wall time; returns its cancel. */
function wallAfter(ms: number, fn: () => void): () => void {
  const timer = setTimeout(fn, ms);
  return () => clearTimeout(timer);
}

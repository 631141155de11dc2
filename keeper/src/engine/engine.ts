import { allocate, capToSleeve, rebalanceTargets, targetsFromParameters } from "./allocator.js";
import { EngineError } from "./errors.js";
import { BPS, MAX_FAILURE_COOLDOWN_SECONDS, type EngineParameters } from "./parameters.js";
import { QueueBuilder, TYPE_PRIORITY, type QueueEntry } from "./queue.js";
import {
  fundedRoi,
  recordOutcome,
  successWeight,
  utilisationWeight,
  volatilityWeight,
  type SuccessStats,
} from "./roi.js";
import {
  EMPTY_FAILURE_COOLDOWN,
  isCoolingDown,
  pruneFailures,
  recordFailure,
  type FailureCooldownState,
} from "./safety/failureCooldown.js";
import {
  INITIAL_DRAWDOWN,
  isPaused,
  resetDrawdown,
  updateDrawdown,
  type DrawdownState,
} from "./safety/drawdownBreaker.js";
import { EMPTY_RETRY_BUDGET, canAttempt, recordAttempt, type RetryBudgetState } from "./safety/retryBudget.js";
import {
  EMPTY_SLIPPAGE_BREAKER,
  isPairTripped,
  observeSlippage,
  releaseElapsed,
  type SlippageBreakerState,
} from "./safety/slippageBreaker.js";
import {
  INITIAL_SWITCH_STATE,
  evaluateSwitch,
  recordSwitch,
  type SwitchState,
  type SwitchVerdict,
} from "./switching.js";
import type {
  AbortReason,
  Candidate,
  EngineAction,
  EngineEvent,
  EngineMode,
  SleeveAmounts,
  SleeveTargets,
  StrategyType,
} from "./types.js";

/** The run holding the engine's slot. */
export interface ActiveRun {
  readonly runId: number;
  readonly strategyId: string;
  readonly type: StrategyType;
  readonly pair: string;
  readonly capital: bigint;
  /** Weighted ROI when it started. */
  readonly roi: number;
  readonly startedAt: number;
  /** `stopping`: an abort was issued; the slot frees when its result arrives. */
  readonly status: "running" | "stopping";
  readonly stopReason: AbortReason | null;
  readonly resumedFrom: number | null;
  /** Market making only: since when its ROI has been at or below the minimum (null = profitable). */
  readonly unprofitableSince: number | null;
}

/** A pre-empted run waiting to resume; it keeps its type's lock. */
export interface SuspendedRun {
  readonly runId: number;
  readonly strategyId: string;
  readonly type: StrategyType;
  readonly pair: string;
  readonly resumeState: unknown;
  readonly suspendedAt: number;
}

/** Everything the engine remembers between ticks. Treated as immutable: `decide` returns a new one. */
export interface EngineState {
  readonly mode: EngineMode;
  readonly nextRunId: number;
  readonly active: ActiveRun | null;
  readonly suspended: SuspendedRun | null;
  /** The challenger that won a switch; it starts as soon as the stopped run reports. */
  readonly pending: { readonly strategyId: string; readonly decidedAt: number } | null;
  /** Mutex per strategy type: the run id (active or suspended) holding it. */
  readonly locks: Readonly<Record<StrategyType, number | null>>;
  readonly switching: SwitchState;
  readonly queue: readonly QueueEntry[];
  readonly stats: ReadonlyMap<string, SuccessStats>;
  readonly realisedPnl: bigint;
  readonly failures: FailureCooldownState;
  readonly retries: RetryBudgetState;
  readonly slippage: SlippageBreakerState;
  readonly drawdown: DrawdownState;
  readonly targets: SleeveTargets | null;
  readonly amounts: SleeveAmounts | null;
  /** Why the last tick did or did not switch (for logs and the dashboard). */
  readonly lastVerdict: SwitchVerdict | "paused" | "idle" | "stopping" | "unprofitable" | "runToCompletion";
}

/** One tick's input: time, parameters, capital and market state come in as values. */
export interface EngineSnapshot {
  /** Current time, ms. Must not go backwards between ticks. */
  readonly now: number;
  readonly params: EngineParameters;
  /** Capital the keeper works with, deposit-asset units. */
  readonly pool: bigint;
  /** One per strategy id: each strategy's current opportunity. */
  readonly candidates: readonly Candidate[];
  /** Volatility per pair, basis points. */
  readonly volatilityBps: ReadonlyMap<string, number>;
  /** Results and resets since the previous tick, in order. */
  readonly events?: readonly EngineEvent[];
  /** Unrealised PnL of the open run (0 when none), deposit-asset units. */
  readonly markToMarketPnl?: bigint;
  /**
   * Success weight from `settled` events only (the live keeper: a run counts once its campaign settled);
   * otherwise (default) from each finished run's status.
   */
  readonly outcomesFromSettlements?: boolean;
}

export interface Decision {
  readonly state: EngineState;
  readonly actions: readonly EngineAction[];
}

export function initialEngineState(): EngineState {
  return {
    mode: "idle",
    nextRunId: 1,
    active: null,
    suspended: null,
    pending: null,
    locks: { marketMaking: null, arbitrage: null, rebalance: null },
    switching: INITIAL_SWITCH_STATE,
    queue: [],
    stats: new Map(),
    realisedPnl: 0n,
    failures: EMPTY_FAILURE_COOLDOWN,
    retries: EMPTY_RETRY_BUDGET,
    slippage: EMPTY_SLIPPAGE_BREAKER,
    drawdown: INITIAL_DRAWDOWN,
    targets: null,
    amounts: null,
    lastVerdict: "idle",
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** What the rules say about one pair this tick (computed once per pair, not per candidate). */
interface PairFacts {
  readonly volatilityWeight: number;
  /** Slippage breaker tripped or retry budget spent. */
  readonly blocked: boolean;
}

/** Is `a` a better pick than `b` (ROI, then type priority, then id)? */
function better(a: Candidate, aRoi: number, b: Candidate, bRoi: number): boolean {
  if (aRoi !== bRoi) return aRoi > bRoi;
  const ta = TYPE_PRIORITY[a.type];
  const tb = TYPE_PRIORITY[b.type];
  if (ta !== tb) return ta < tb;
  return a.strategyId < b.strategyId;
}

function applyEvent(st: Mutable<EngineState>, ev: EngineEvent, snap: EngineSnapshot, actions: EngineAction[]): void {
  const { now, params } = snap;
  if (ev.kind === "resetBreakers") {
    if (isPaused(st.drawdown))
      actions.push({ kind: "breakerResumed", breaker: "drawdown", pair: "*", reason: "reset" });
    for (const pair of [...st.slippage.keys()].sort()) {
      actions.push({ kind: "breakerResumed", breaker: "slippage", pair, reason: "reset" });
    }
    st.drawdown = resetDrawdown(st.realisedPnl + (snap.markToMarketPnl ?? 0n));
    st.slippage = EMPTY_SLIPPAGE_BREAKER;
    return;
  }
  if (ev.kind === "settled") {
    if (snap.outcomesFromSettlements === true) {
      const stats = new Map(st.stats);
      stats.set(ev.strategyId, recordOutcome(st.stats.get(ev.strategyId), ev.succeeded));
      st.stats = stats;
    }
    return;
  }
  const run = st.active;
  if (run === null || run.runId !== ev.runId) {
    throw new EngineError(`run ${ev.runId} reported a result but is not the active run`, {
      details: `active run: ${run === null ? "none" : run.runId}`,
    });
  }
  const r = ev.result;
  if (r.status !== "aborted" && snap.outcomesFromSettlements !== true) {
    const stats = new Map(st.stats);
    stats.set(run.strategyId, recordOutcome(st.stats.get(run.strategyId), r.status === "succeeded"));
    st.stats = stats;
  }
  if (r.status === "failed") st.failures = recordFailure(st.failures, run.strategyId, now);
  st.realisedPnl += r.pnl;
  const slip = observeSlippage(st.slippage, run.pair, r.slippageBps, now, params.maxSlippageBps);
  if (slip.tripped) {
    st.slippage = slip.state;
    actions.push({
      kind: "breakerTripped",
      breaker: "slippage",
      pair: run.pair,
      until: now + params.breakerCooldownSeconds * 1000,
      valueBps: r.slippageBps,
    });
  }
  const locks = { ...st.locks, [run.type]: null };
  if (r.status === "aborted" && run.stopReason === "preempt") {
    st.suspended = {
      runId: run.runId,
      strategyId: run.strategyId,
      type: run.type,
      pair: run.pair,
      resumeState: r.resumeState,
      suspendedAt: now,
    };
    locks[run.type] = run.runId;
  }
  st.locks = locks;
  st.active = null;
  st.mode = "idle";
}

/**
 * The engine: one pure step of the state machine. Processes the snapshot's events (run results, resets),
 * updates the breakers, re-slices the capital, ranks every candidate by weighted ROI, then: when paused,
 * stops everything; when a market maker runs, may switch away from it (replace or pre-empt) or stop it as
 * unprofitable; when an arbitrage or rebalance runs, lets it finish; when idle, starts the next run
 * (pending challenger, then the pre-empted run, then the head of the queue). Returns the new state and the
 * actions to carry out; never mutates its inputs. Cost: O(n log k) for n candidates and a queue of k.
 */
export function decide(state: EngineState, snap: EngineSnapshot): Decision {
  const { now, params } = snap;
  const actions: EngineAction[] = [];
  const st: Mutable<EngineState> = { ...state };

  // 1. Events since the last tick.
  if (snap.events) for (const ev of snap.events) applyEvent(st, ev, snap, actions);

  // 2. Breakers and cool-downs.
  const released = releaseElapsed(st.slippage, now, params.breakerCooldownSeconds);
  st.slippage = released.state;
  for (const pair of released.released) {
    actions.push({ kind: "breakerResumed", breaker: "slippage", pair, reason: "cooldownElapsed" });
  }
  // Prune with the largest allowed cool-down, so a later raise of the parameter still applies to old failures.
  st.failures = pruneFailures(st.failures, now, MAX_FAILURE_COOLDOWN_SECONDS);
  const dd = updateDrawdown(st.drawdown, st.realisedPnl + (snap.markToMarketPnl ?? 0n), snap.pool, now, params);
  st.drawdown = dd.state;
  if (dd.event?.kind === "tripped") {
    actions.push({
      kind: "breakerTripped",
      breaker: "drawdown",
      pair: "*",
      until: dd.event.until,
      valueBps: dd.event.drawdownBps,
    });
  } else if (dd.event?.kind === "resumed") {
    actions.push({ kind: "breakerResumed", breaker: "drawdown", pair: "*", reason: "cooldownElapsed" });
  }
  const paused = isPaused(st.drawdown);

  // 3. Rank candidates. First pass: ROI at full need (the market's own quality, used for sleeve scores)
  // and the rule checks that do not depend on capital. Per-pair facts are computed once per pair.
  const cands = snap.candidates;
  const n = cands.length;
  const fullRoi = new Float64Array(n);
  const weight = new Float64Array(n);
  const open = new Uint8Array(n);
  const pairs = new Map<string, PairFacts>();
  const suspended = st.suspended;
  const checkFailures = st.failures.size > 0;
  let scoreMM = 0;
  let scoreArb = 0;
  for (let i = 0; i < n; i++) {
    const c = cands[i]!;
    let pf = pairs.get(c.pair);
    if (pf === undefined) {
      pf = {
        volatilityWeight: volatilityWeight(snap.volatilityBps.get(c.pair), params.volatilityReferenceBps),
        blocked:
          isPairTripped(st.slippage, c.pair) || !canAttempt(st.retries, c.pair, now, params.retriesPerMinutePerPair),
      };
      pairs.set(c.pair, pf);
    }
    const raw = fundedRoi(c);
    // Same factor order as `roiWeight`, so the result is bit-identical to `weightedRoi`.
    const w = pf.volatilityWeight * successWeight(st.stats.get(c.strategyId)) * utilisationWeight(c.utilisation);
    weight[i] = w;
    const roi = raw > 0 ? raw * w : raw;
    fullRoi[i] = roi;
    if (c.type === "marketMaking") {
      if (roi > scoreMM) scoreMM = roi;
    } else if (c.type === "arbitrage" && roi > scoreArb) scoreArb = roi;
    if (
      !paused &&
      !pf.blocked &&
      !(suspended !== null && suspended.type === c.type && suspended.strategyId !== c.strategyId) &&
      !(checkFailures && isCoolingDown(st.failures, c.strategyId, now, params.failureCooldownSeconds))
    ) {
      open[i] = 1;
    }
  }

  // 4. Capital: governance targets tilted by the market scores, sliced exactly.
  const targets = rebalanceTargets(
    targetsFromParameters(params),
    { marketMaking: scoreMM, arbitrage: scoreArb },
    params.rebalanceBoundBps,
  );
  const amounts = allocate(snap.pool, targets);
  if (!sameAllocation(st.targets, st.amounts, targets, amounts)) {
    actions.push({ kind: "allocation", targets, amounts });
  }
  st.targets = targets;
  st.amounts = amounts;

  // Second pass: ROI at the capital the sleeve can grant, eligibility, best challenger, queue.
  const minRoi = params.minRoiBps / BPS;
  const active = st.active;
  const roi = new Float64Array(n);
  const eligible = new Uint8Array(n);
  let currentRoi = 0;
  let currentFound = false;
  let best = -1;
  const queue = new QueueBuilder(st.queue, now, params.maxQueueLength);
  const pendingId = st.pending?.strategyId;
  for (let i = 0; i < n; i++) {
    const c = cands[i]!;
    const granted = capToSleeve(c.capitalLocked, c.type, amounts);
    let r = fullRoi[i]!;
    if (granted < c.capitalLocked) {
      const raw = fundedRoi(c, granted);
      r = raw > 0 ? raw * weight[i]! : raw;
    }
    roi[i] = r;
    if (active !== null && c.strategyId === active.strategyId) {
      currentRoi = r;
      currentFound = true;
      continue;
    }
    if (open[i] === 0 || !(r > minRoi) || granted <= 0n) continue;
    eligible[i] = 1;
    if (best < 0 || better(c, r, cands[best]!, roi[best]!)) best = i;
    if (c.strategyId !== pendingId) queue.offer(c.strategyId, c.type, r);
  }
  st.queue = queue.build();

  // 5. Paused: stop everything, start nothing.
  if (paused) {
    if (active !== null && active.status === "running") {
      actions.push({ kind: "abort", runId: active.runId, reason: "breaker" });
      st.active = { ...active, status: "stopping", stopReason: "breaker" };
    } else if (active !== null && active.stopReason === "preempt") {
      st.active = { ...active, stopReason: "breaker" };
    }
    if (suspended !== null) {
      actions.push({ kind: "discard", runId: suspended.runId, strategyId: suspended.strategyId, reason: "breaker" });
      st.locks = { ...st.locks, [suspended.type]: null };
      st.suspended = null;
    }
    st.pending = null;
    st.queue = [];
    st.switching = st.switching.challenger === null ? st.switching : { ...st.switching, challenger: null };
    st.lastVerdict = "paused";
    return { state: st, actions };
  }

  // 6. Running: an arbitrage or rebalance finishes; a market maker may be switched away from or stopped.
  if (active !== null) {
    if (active.status === "stopping") {
      st.lastVerdict = "stopping";
      return { state: st, actions };
    }
    // Arbitrage and rebalance runs are short and multi-leg: they run to completion (cutting one between its
    // legs would leave an open position). Challengers wait in the queue; only market making is switched.
    if (active.type !== "marketMaking") {
      st.switching = st.switching.challenger === null ? st.switching : { ...st.switching, challenger: null };
      st.lastVerdict = "runToCompletion";
      return { state: st, actions };
    }
    const challenger = best >= 0 ? cands[best]! : null;
    const gate = evaluateSwitch(
      st.switching,
      challenger === null ? null : { strategyId: challenger.strategyId, roi: roi[best]! },
      currentRoi,
      now,
      params,
    );
    st.switching = gate.state;
    st.lastVerdict = gate.verdict;
    if (gate.verdict === "allowed" && challenger !== null) {
      const preempt = challenger.canInterrupt === true && challenger.type !== active.type && suspended === null;
      actions.push({
        kind: "switch",
        mode: preempt ? "preempt" : "replace",
        fromRunId: active.runId,
        fromStrategyId: active.strategyId,
        fromRoi: currentRoi,
        toStrategyId: challenger.strategyId,
        toRoi: roi[best]!,
      });
      const reason: AbortReason = preempt ? "preempt" : "switch";
      actions.push({ kind: "abort", runId: active.runId, reason });
      st.active = { ...active, status: "stopping", stopReason: reason };
      st.pending = { strategyId: challenger.strategyId, decidedAt: now };
      st.switching = recordSwitch(st.switching, now);
      st.queue = st.queue.filter((e) => e.strategyId !== challenger.strategyId);
      return { state: st, actions };
    }
    // A market maker (it runs until stopped) whose opportunity is gone or below the minimum ROI for
    // `debounceSeconds` is stopped; the slot frees for the queue. Not a switch.
    if (currentFound && currentRoi > minRoi) {
      if (active.unprofitableSince !== null) st.active = { ...active, unprofitableSince: null };
    } else {
      const since = active.unprofitableSince ?? now;
      if (now >= since + params.debounceSeconds * 1000) {
        actions.push({ kind: "abort", runId: active.runId, reason: "unprofitable" });
        st.active = { ...active, status: "stopping", stopReason: "unprofitable", unprofitableSince: since };
        st.lastVerdict = "unprofitable";
      } else if (active.unprofitableSince === null) {
        st.active = { ...active, unprofitableSince: since };
      }
    }
    return { state: st, actions };
  }

  // 7. Idle: pending challenger, then the pre-empted run, then the queue's head.
  st.lastVerdict = "idle";
  const indexOf = (strategyId: string): number => {
    for (let i = 0; i < n; i++) if (cands[i]!.strategyId === strategyId) return i;
    return -1;
  };
  let pick = -1;
  let resume: SuspendedRun | null = null;
  if (st.pending !== null) {
    const i = indexOf(st.pending.strategyId);
    if (i >= 0 && eligible[i] === 1) pick = i;
    st.pending = null;
  }
  if (suspended !== null) {
    const i = indexOf(suspended.strategyId);
    if (i < 0 || !(roi[i]! > minRoi)) {
      actions.push({
        kind: "discard",
        runId: suspended.runId,
        strategyId: suspended.strategyId,
        reason: i < 0 ? "no opportunity" : "roi below minimum",
      });
      st.locks = { ...st.locks, [suspended.type]: null };
      st.suspended = null;
    } else if (pick < 0 && eligible[i] === 1) {
      pick = i;
      resume = suspended;
    } else if (pick >= 0 && cands[pick]!.strategyId === suspended.strategyId) {
      resume = suspended;
    }
  }
  if (pick < 0 && st.queue.length > 0) pick = indexOf(st.queue[0]!.strategyId);
  if (pick < 0) return { state: st, actions };

  const c = cands[pick]!;
  const runId = st.nextRunId;
  st.nextRunId = runId + 1;
  const capital = capToSleeve(c.capitalLocked, c.type, amounts);
  st.retries = recordAttempt(st.retries, c.pair, now);
  st.active = {
    runId,
    strategyId: c.strategyId,
    type: c.type,
    pair: c.pair,
    capital,
    roi: roi[pick]!,
    startedAt: now,
    status: "running",
    stopReason: null,
    resumedFrom: resume?.runId ?? null,
    unprofitableSince: null,
  };
  st.mode = c.type;
  st.locks = { ...st.locks, [c.type]: runId };
  if (resume !== null) st.suspended = null;
  st.queue = st.queue.filter((e) => e.strategyId !== c.strategyId);
  st.switching = st.switching.challenger === null ? st.switching : { ...st.switching, challenger: null };
  actions.push({
    kind: "start",
    runId,
    strategyId: c.strategyId,
    type: c.type,
    pair: c.pair,
    capital,
    roi: roi[pick]!,
    ...(resume !== null ? { resumeState: resume.resumeState, resumedFrom: resume.runId } : {}),
  });
  return { state: st, actions };
}

function sameAllocation(
  t0: SleeveTargets | null,
  a0: SleeveAmounts | null,
  t1: SleeveTargets,
  a1: SleeveAmounts,
): boolean {
  return (
    t0 !== null &&
    a0 !== null &&
    t0.marketMaking === t1.marketMaking &&
    t0.arbitrage === t1.arbitrage &&
    t0.buffer === t1.buffer &&
    a0.marketMaking === a1.marketMaking &&
    a0.arbitrage === a1.arbitrage &&
    a0.buffer === a1.buffer
  );
}

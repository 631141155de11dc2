import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decide, initialEngineState, type EngineSnapshot, type EngineState } from "./engine.js";
import { EngineError } from "./errors.js";
import { parseEngineParameters, type EngineParameters, type EngineParametersInput } from "./parameters.js";
import type { Candidate, EngineAction, EngineEvent, ExecutionResult, StrategyType } from "./types.js";

const CAPITAL = 10_000n;
const POOL = 1_000_000n;

/** A candidate whose raw ROI is `roiBps` basis points of 10_000 capital. */
function cand(
  strategyId: string,
  type: StrategyType,
  pair: string,
  roiBps: number,
  extra: Partial<Candidate> = {},
): Candidate {
  return {
    strategyId,
    type,
    pair,
    expectedProfit: BigInt(roiBps),
    estimatedCost: 0n,
    capitalLocked: CAPITAL,
    ...extra,
  };
}

function params(input: EngineParametersInput = {}): EngineParameters {
  return parseEngineParameters({ debounceSeconds: 0, switchCooldownSeconds: 60, failureCooldownSeconds: 30, ...input });
}

interface Opts {
  params?: EngineParameters;
  events?: EngineEvent[];
  pool?: bigint;
  mtm?: bigint;
}

function snap(now: number, candidates: Candidate[], o: Opts = {}): EngineSnapshot {
  return {
    now,
    params: o.params ?? params(),
    pool: o.pool ?? POOL,
    candidates,
    volatilityBps: new Map(candidates.map((c) => [c.pair, 0])),
    events: o.events ?? [],
    markToMarketPnl: o.mtm,
  };
}

const ok = (pnl = 0n, slippageBps = 0): ExecutionResult => ({ status: "succeeded", pnl, slippageBps });
const failed: ExecutionResult = { status: "failed", pnl: 0n, slippageBps: 0 };
const aborted = (resumeState?: unknown): ExecutionResult => ({
  status: "aborted",
  pnl: 0n,
  slippageBps: 0,
  resumeState,
});
const finished = (runId: number, result: ExecutionResult): EngineEvent => ({ kind: "runFinished", runId, result });

const kinds = (actions: readonly EngineAction[]) => actions.map((a) => a.kind).filter((k) => k !== "allocation");
function starts(actions: readonly EngineAction[]) {
  return actions.filter((a): a is Extract<EngineAction, { kind: "start" }> => a.kind === "start");
}

/** Runs ticks in order, threading the state. */
function run(steps: [number, Candidate[], Opts?][], state: EngineState = initialEngineState()) {
  const out: { state: EngineState; actions: readonly EngineAction[] }[] = [];
  for (const [now, c, o] of steps) {
    const d = decide(state, snap(now, c, o));
    state = d.state;
    out.push(d);
  }
  return out;
}

const mm1 = cand("mm-1", "marketMaking", "ETH/USDC", 100);
const arb1 = cand("arb-1", "arbitrage", "BTC/USDC", 200);

describe("decide", () => {
  it("idle_startsBestPositiveCandidate", () => {
    const { state, actions } = decide(initialEngineState(), snap(0, [mm1, arb1]));
    const [s] = starts(actions);
    assert.equal(s?.strategyId, "arb-1");
    assert.equal(s?.capital, CAPITAL);
    assert.equal(state.mode, "arbitrage");
    assert.equal(state.locks.arbitrage, s?.runId);
    assert.deepEqual(
      state.queue.map((e) => e.strategyId),
      ["mm-1"],
      "the other candidate waits in the queue",
    );
  });

  it("idle_noPositiveRoi_staysIdle", () => {
    const loss = cand("l", "arbitrage", "P", 10, { estimatedCost: 20n });
    const tiny = cand("t", "marketMaking", "Q", 5);
    const { state, actions } = decide(
      initialEngineState(),
      snap(0, [loss, tiny], { params: params({ minRoiBps: 5 }) }),
    );
    assert.deepEqual(kinds(actions), []);
    assert.equal(state.mode, "idle");
  });

  it("decide_doesNotMutateInputState", () => {
    const [first] = run([[0, [mm1]]]);
    const before = structuredClone(first!.state);
    decide(
      first!.state,
      snap(120_000, [mm1, cand("arb-2", "arbitrage", "P", 1_000)], { events: [finished(1, ok(5n))] }),
    );
    assert.deepEqual(first!.state, before);
  });

  it("running_challengerBelowThreshold_noSwitch", () => {
    const [, second] = run([
      [0, [mm1]],
      [120_000, [mm1, cand("arb-1", "arbitrage", "P", 149)]],
    ]);
    assert.deepEqual(kinds(second!.actions), []);
    assert.equal(second!.state.lastVerdict, "belowThreshold");
    assert.equal(second!.state.queue[0]?.strategyId, "arb-1");
  });

  it("running_challengerAtThreshold_afterDebounce_replaces", () => {
    const p = params({ debounceSeconds: 5 });
    const challenger = cand("arb-1", "arbitrage", "P", 150);
    const out = run([
      [0, [mm1], { params: p }],
      [100_000, [mm1, challenger], { params: p }],
      [104_999, [mm1, challenger], { params: p }],
      [105_000, [mm1, challenger], { params: p }],
    ]);
    assert.equal(out[1]!.state.lastVerdict, "debouncing");
    assert.equal(out[2]!.state.lastVerdict, "debouncing");
    const sw = out[3]!.actions;
    assert.deepEqual(kinds(sw), ["switch", "abort"]);
    assert.deepEqual(
      sw.find((a) => a.kind === "abort"),
      { kind: "abort", runId: 1, reason: "switch" },
    );
    assert.equal(out[3]!.state.active?.status, "stopping");
    // The replaced run reports; the challenger starts; the market maker is not kept for resume.
    const next = decide(out[3]!.state, snap(106_000, [mm1, challenger], { events: [finished(1, aborted({ q: 1 }))] }));
    assert.equal(starts(next.actions)[0]?.strategyId, "arb-1");
    assert.equal(next.state.suspended, null);
    assert.equal(next.state.locks.marketMaking, null);
  });

  it("stopping_waitsForResult_startsNothing", () => {
    const out = run([
      [0, [mm1]],
      [100_000, [mm1, cand("arb-1", "arbitrage", "P", 1_000)]],
      [101_000, [mm1, cand("arb-1", "arbitrage", "P", 1_000), cand("arb-2", "arbitrage", "Q", 5_000)]],
    ]);
    assert.deepEqual(kinds(out[1]!.actions), ["switch", "abort"]);
    assert.deepEqual(kinds(out[2]!.actions), []);
    assert.equal(out[2]!.state.lastVerdict, "stopping");
  });

  it("preempt_abortsMarketMaking_runsArbitrage_resumesWithState", () => {
    const urgent = cand("arb-1", "arbitrage", "BTC/USDC", 1_000, { canInterrupt: true });
    const mm2 = cand("mm-2", "marketMaking", "SOL/USDC", 900);
    const out = run([
      [0, [mm1]],
      [100_000, [mm1, urgent]],
    ]);
    const sw = out[1]!.actions.find((a) => a.kind === "switch");
    assert.equal(sw?.kind === "switch" && sw.mode, "preempt");
    assert.deepEqual(
      out[1]!.actions.find((a) => a.kind === "abort"),
      { kind: "abort", runId: 1, reason: "preempt" },
    );

    // The market maker stops with its state; the arbitrage starts; mm-1 keeps the market-making lock.
    let d = decide(out[1]!.state, snap(100_100, [mm1, urgent, mm2], { events: [finished(1, aborted({ quotes: 3 }))] }));
    const arbStart = starts(d.actions)[0]!;
    assert.equal(arbStart.strategyId, "arb-1");
    assert.equal(d.state.suspended?.strategyId, "mm-1");
    assert.equal(d.state.locks.marketMaking, 1);
    assert.equal(d.state.locks.arbitrage, arbStart.runId);
    assert.ok(!d.state.queue.some((e) => e.strategyId === "mm-2"), "another market maker may not take the held lock");

    // The arbitrage finishes: mm-1 resumes with its state even though mm-2 now pays more.
    d = decide(d.state, snap(100_200, [mm1, mm2], { events: [finished(arbStart.runId, ok(50n))] }));
    const resumed = starts(d.actions)[0]!;
    assert.equal(resumed.strategyId, "mm-1");
    assert.deepEqual(resumed.resumeState, { quotes: 3 });
    assert.equal(resumed.resumedFrom, 1);
    assert.equal(d.state.suspended, null);
    assert.equal(d.state.locks.marketMaking, resumed.runId);
  });

  it("preempt_suspendedOpportunityGone_discarded", () => {
    const urgent = cand("arb-1", "arbitrage", "BTC/USDC", 1_000, { canInterrupt: true });
    const out = run([
      [0, [mm1]],
      [100_000, [mm1, urgent]],
    ]);
    let d = decide(out[1]!.state, snap(100_100, [mm1, urgent], { events: [finished(1, aborted({}))] }));
    const arbRun = starts(d.actions)[0]!.runId;
    d = decide(d.state, snap(100_200, [], { events: [finished(arbRun, ok())] }));
    assert.deepEqual(kinds(d.actions), ["discard"]);
    assert.equal(d.state.locks.marketMaking, null);
    assert.equal(d.state.suspended, null);
  });

  it("marketMakingUnprofitableForDebounce_stopped_notASwitch", () => {
    const p = params({ debounceSeconds: 10 });
    const losing = cand("mm-1", "marketMaking", "ETH/USDC", 10, { estimatedCost: 20n });
    const rb = cand("rb-1", "rebalance", "USDC", 1);
    // No challenger meanwhile (with one, the switch gate would decide: a positive challenger beats a losing run).
    const out = run([
      [0, [mm1], { params: p }],
      [1_000, [losing], { params: p }],
      [5_000, [mm1], { params: p }],
      [6_000, [], { params: p }],
      [15_999, [losing], { params: p }],
      [16_000, [], { params: p }],
    ]);
    assert.equal(out[1]!.state.active?.unprofitableSince, 1_000);
    assert.equal(out[2]!.state.active?.unprofitableSince, null, "profitable again: the clock restarts");
    assert.deepEqual(kinds(out[4]!.actions), []);
    assert.deepEqual(kinds(out[5]!.actions), ["abort"]);
    assert.deepEqual(out[5]!.actions.at(-1), { kind: "abort", runId: 1, reason: "unprofitable" });
    assert.equal(out[5]!.state.switching.lastSwitchAt, null, "not counted as a switch");
    const d = decide(out[5]!.state, snap(16_100, [rb], { params: p, events: [finished(1, aborted({}))] }));
    assert.equal(starts(d.actions)[0]?.strategyId, "rb-1");
    assert.equal(d.state.suspended, null, "an unprofitable stop is not resumed");
  });

  it("arbitrageInFlight_runsToCompletion_challengerWaitsInQueue", () => {
    const better = cand("arb-2", "arbitrage", "Q", 5_000, { canInterrupt: true });
    const out = run([
      [0, [arb1]],
      [60_000, [arb1, better]],
      [61_000, [better], { events: [finished(1, ok(10n))] }],
    ]);
    assert.deepEqual(kinds(out[1]!.actions), [], "no switch away from an arbitrage in flight");
    assert.equal(out[1]!.state.lastVerdict, "runToCompletion");
    assert.equal(out[1]!.state.queue[0]?.strategyId, "arb-2");
    assert.equal(starts(out[2]!.actions)[0]?.strategyId, "arb-2", "it runs next, without a switch");
    assert.equal(out[2]!.state.switching.lastSwitchAt, null);
  });

  it("arbitrageInFlight_opportunityGone_notStopped", () => {
    const out = run([
      [0, [arb1]],
      [60_000, []],
    ]);
    assert.deepEqual(kinds(out[1]!.actions), []);
    assert.equal(out[1]!.state.active?.status, "running");
  });

  it("switch_insideCooldown_refused", () => {
    const p = params({ switchCooldownSeconds: 300 });
    const a = cand("mm-2", "marketMaking", "P", 200);
    const b = cand("mm-3", "marketMaking", "Q", 1_000);
    const out = run([
      [0, [mm1], { params: p }],
      [10_000, [mm1, a], { params: p }],
      [10_100, [a], { params: p, events: [finished(1, aborted())] }],
      [20_000, [a, b], { params: p }],
      [310_000, [a, b], { params: p }],
    ]);
    assert.deepEqual(kinds(out[1]!.actions), ["switch", "abort"]);
    assert.equal(out[3]!.state.lastVerdict, "coolingDown");
    assert.deepEqual(kinds(out[3]!.actions), []);
    assert.deepEqual(kinds(out[4]!.actions), ["switch", "abort"]);
  });

  it("switch_pastFrequencyCap_refused", () => {
    const p = params({ switchCooldownSeconds: 0, maxSwitchesPerHour: 2 });
    const c = (id: string, bps: number) => cand(id, "marketMaking", id, bps);
    const out = run([
      [0, [c("a", 100)], { params: p }],
      [1_000, [c("a", 100), c("b", 200)], { params: p }],
      [1_100, [c("b", 200)], { params: p, events: [finished(1, aborted())] }],
      [2_000, [c("b", 200), c("c", 400)], { params: p }],
      [2_100, [c("c", 400)], { params: p, events: [finished(2, aborted())] }],
      [3_000, [c("c", 400), c("d", 800)], { params: p }],
      [3_601_000, [c("c", 400), c("d", 800)], { params: p }],
    ]);
    assert.deepEqual(kinds(out[3]!.actions), ["switch", "abort"]);
    assert.equal(out[5]!.state.lastVerdict, "frequencyCap");
    assert.deepEqual(kinds(out[6]!.actions), ["switch", "abort"], "the first switch left the rolling hour");
  });

  it("parametersChangeBetweenTicks_applyAtOnce", () => {
    const c = cand("arb-1", "arbitrage", "P", 200);
    const [first] = run([[0, [mm1]]]);
    const strict = decide(first!.state, snap(100_000, [mm1, c], { params: params({ roiThresholdBps: 30_000 }) }));
    assert.equal(strict.state.lastVerdict, "belowThreshold");
    const loose = decide(first!.state, snap(100_000, [mm1, c], { params: params({ roiThresholdBps: 20_000 }) }));
    assert.equal(loose.state.lastVerdict, "allowed");
  });

  it("drawdownBreaker_tripsOnMarkToMarket_abortsAndBlocksUntilCooldown", () => {
    const p = params({ pnlDrawdownBps: 100, breakerCooldownSeconds: 600 });
    const out = run([
      [0, [mm1], { params: p }],
      [1_000, [mm1], { params: p, mtm: 20_000n }],
      [2_000, [mm1], { params: p, mtm: 9_000n }],
    ]);
    assert.deepEqual(kinds(out[1]!.actions), []);
    assert.deepEqual(kinds(out[2]!.actions), ["breakerTripped", "abort"], "1.1% below the peak of +20000 trips");
    assert.deepEqual(
      out[2]!.actions.find((a) => a.kind === "abort"),
      { kind: "abort", runId: 1, reason: "breaker" },
    );
    let d = decide(out[2]!.state, snap(3_000, [mm1, arb1], { params: p, events: [finished(1, ok(9_000n))] }));
    assert.deepEqual(kinds(d.actions), [], "paused: nothing starts");
    assert.equal(d.state.lastVerdict, "paused");
    d = decide(d.state, snap(601_999, [mm1, arb1], { params: p }));
    assert.deepEqual(kinds(d.actions), []);
    d = decide(d.state, snap(602_000, [mm1, arb1], { params: p }));
    assert.deepEqual(kinds(d.actions), ["breakerResumed", "start"], "resumes by rule after the cool-down");
  });

  it("resetBreakers_resumesAtOnce", () => {
    const p = params({ pnlDrawdownBps: 100, breakerCooldownSeconds: 86_400 });
    const out = run([
      [0, [arb1], { params: p }],
      [1_000, [arb1], { params: p, events: [finished(1, ok(-20_000n, 500))] }],
      [2_000, [arb1], { params: p }],
      [3_000, [arb1], { params: p, events: [{ kind: "resetBreakers" }] }],
    ]);
    assert.deepEqual(kinds(out[1]!.actions), ["breakerTripped", "breakerTripped"]);
    assert.deepEqual(kinds(out[2]!.actions), []);
    assert.deepEqual(kinds(out[3]!.actions), ["breakerResumed", "breakerResumed", "start"]);
  });

  it("slippageBreaker_blocksPairOnly_untilCooldown", () => {
    const p = params({ maxSlippageBps: 50, breakerCooldownSeconds: 60 });
    const onP = cand("arb-p", "arbitrage", "P", 500);
    const onQ = cand("arb-q", "arbitrage", "Q", 100);
    const out = run([
      [0, [onP, onQ], { params: p }],
      [1_000, [onP, onQ], { params: p, events: [finished(1, ok(0n, 80))] }],
    ]);
    assert.equal(starts(out[0]!.actions)[0]?.strategyId, "arb-p");
    assert.deepEqual(kinds(out[1]!.actions), ["breakerTripped", "start"]);
    assert.equal(starts(out[1]!.actions)[0]?.strategyId, "arb-q");
    let d = decide(out[1]!.state, snap(60_999, [onP, onQ], { params: p, events: [finished(2, ok())] }));
    assert.equal(starts(d.actions)[0]?.strategyId, "arb-q", "P still blocked");
    d = decide(d.state, snap(61_000, [onP, onQ], { params: p, events: [finished(3, ok())] }));
    assert.deepEqual(kinds(d.actions), ["breakerResumed", "start"]);
    assert.equal(starts(d.actions)[0]?.strategyId, "arb-p");
  });

  it("failedRun_strategyCoolsDown_andLosesWeight", () => {
    const p = params({ failureCooldownSeconds: 30, retriesPerMinutePerPair: 100 });
    const flaky = cand("arb-1", "arbitrage", "P", 300);
    const other = cand("arb-2", "arbitrage", "Q", 150);
    const out = run([
      [0, [flaky, other], { params: p }],
      [1_000, [flaky, other], { params: p, events: [finished(1, failed)] }],
      [2_000, [flaky, other], { params: p, events: [finished(2, ok())] }],
      [31_000, [flaky, other], { params: p, events: [finished(3, ok())] }],
    ]);
    assert.equal(starts(out[1]!.actions)[0]?.strategyId, "arb-2");
    assert.equal(starts(out[2]!.actions)[0]?.strategyId, "arb-2", "arb-1 still cooling down");
    // After the cool-down arb-1 is eligible again, its ROI weighted by its 2/3 success weight: 300 * 2/3 > 150.
    assert.equal(starts(out[3]!.actions)[0]?.strategyId, "arb-1");
    assert.ok(Math.abs(starts(out[3]!.actions)[0]!.roi - 0.03 * (2 / 3)) < 1e-12);
  });

  it("retryBudget_perPairPerMinute", () => {
    const p = params({ retriesPerMinutePerPair: 2 });
    const onP = cand("arb-p", "arbitrage", "P", 500);
    const onQ = cand("arb-q", "arbitrage", "Q", 100);
    const out = run([
      [0, [onP, onQ], { params: p }],
      [1_000, [onP, onQ], { params: p, events: [finished(1, ok())] }],
      [2_000, [onP, onQ], { params: p, events: [finished(2, ok())] }],
      [60_000, [onP, onQ], { params: p, events: [finished(3, ok())] }],
    ]);
    assert.deepEqual(
      out.map((o) => starts(o.actions)[0]?.strategyId),
      ["arb-p", "arb-p", "arb-q", "arb-p"],
    );
  });

  it("retryBudgetZero_governanceHalt_nothingStarts", () => {
    const d = decide(initialEngineState(), snap(0, [mm1, arb1], { params: params({ retriesPerMinutePerPair: 0 }) }));
    assert.deepEqual(kinds(d.actions), []);
    assert.equal(d.state.queue.length, 0);
  });

  it("start_capitalCappedBySleeve", () => {
    const big = cand("arb-big", "arbitrage", "P", 100_000, { capitalLocked: 10_000_000n, expectedProfit: 1_000_000n });
    const rb = cand("rb-1", "rebalance", "USDC", 1, { capitalLocked: 10_000_000n, expectedProfit: 100_000n });
    const d = decide(initialEngineState(), snap(0, [big], { pool: 1_000_000n }));
    const s = starts(d.actions)[0]!;
    assert.equal(s.capital, d.state.amounts!.arbitrage);
    assert.ok(s.capital < big.capitalLocked);
    const d2 = decide(initialEngineState(), snap(0, [rb], { pool: 1_000_000n }));
    assert.equal(starts(d2.actions)[0]!.capital, d2.state.amounts!.buffer);
  });

  it("allocation_emittedOnChangeOnly_tiltedByScores", () => {
    const out = run([
      [0, []],
      [1, []],
      [2, [], { pool: 2_000_000n }],
      [3, [cand("arb-1", "arbitrage", "P", 100, { capitalLocked: 1n, expectedProfit: 0n })], { pool: 2_000_000n }],
    ]);
    assert.deepEqual(out[0]!.actions, [
      {
        kind: "allocation",
        targets: { marketMaking: 7_000, arbitrage: 2_000, buffer: 1_000 },
        amounts: { marketMaking: 700_000n, arbitrage: 200_000n, buffer: 100_000n },
      },
    ]);
    assert.deepEqual(out[1]!.actions, []);
    assert.equal(out[2]!.actions[0]?.kind, "allocation");
    assert.deepEqual(out[3]!.actions, [], "a zero-ROI candidate does not move the targets");
    const d = decide(out[3]!.state, snap(4, [arb1], { pool: 2_000_000n }));
    const alloc = d.actions.find((a) => a.kind === "allocation");
    assert.deepEqual(alloc?.kind === "allocation" && alloc.targets, {
      marketMaking: 6_000,
      arbitrage: 3_000,
      buffer: 1_000,
    });
  });

  it("runFinished_unknownRun_throwsEngineError", () => {
    assert.throws(() => decide(initialEngineState(), snap(0, [], { events: [finished(7, ok())] })), EngineError);
    const [first] = run([[0, [mm1]]]);
    assert.throws(() => decide(first!.state, snap(1, [], { events: [finished(2, ok())] })), /run 2/);
  });
});

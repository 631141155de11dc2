/**
 * Property tests of the engine over random event sequences: random time steps, opportunities appearing,
 * vanishing and changing, runs finishing (succeeded, failed, aborted, with random PnL and slippage),
 * operator resets, mark-to-market swings and parameter changes between ticks. A harness plays the
 * executor (it delivers results only for runs the engine started) and checks every invariant after every
 * tick against its own records, not the engine's.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { capToSleeve } from "./allocator.js";
import { decide, initialEngineState, type EngineState } from "./engine.js";
import { BPS, parseEngineParameters, type EngineParameters } from "./parameters.js";
import { compareEntries } from "./queue.js";
import { recordOutcome, weightedRoi, type SuccessStats } from "./roi.js";
import { RETRY_WINDOW_MS } from "./safety/retryBudget.js";
import { HOUR_MS } from "./switching.js";
import { STRATEGY_TYPES, type Candidate, type EngineAction, type EngineEvent, type StrategyType } from "./types.js";

const UNIVERSE: readonly { id: string; type: StrategyType; pair: string }[] = [
  { id: "mm-eth", type: "marketMaking", pair: "ETH/USDC" },
  { id: "mm-btc", type: "marketMaking", pair: "BTC/USDC" },
  { id: "mm-sol", type: "marketMaking", pair: "SOL/USDC" },
  { id: "arb-eth", type: "arbitrage", pair: "ETH/USDC" },
  { id: "arb-sol", type: "arbitrage", pair: "SOL/USDC" },
  { id: "arb-btc", type: "arbitrage", pair: "BTC/USDC" },
  { id: "rb-usdc", type: "rebalance", pair: "USDC" },
];
const VOL = new Map([
  ["ETH/USDC", 300],
  ["BTC/USDC", 150],
  ["SOL/USDC", 900],
]); // USDC missing on purpose: unknown volatility

const paramsArb = fc
  .record({
    roiThresholdBps: fc.constantFrom(10_000, 15_000, 30_000),
    switchCooldownSeconds: fc.constantFrom(0, 30, 120),
    maxSwitchesPerHour: fc.constantFrom(1, 3, 20),
    debounceSeconds: fc.constantFrom(0, 0, 5),
    maxSlippageBps: fc.constantFrom(30, 80),
    retriesPerMinutePerPair: fc.constantFrom(1, 3, 10),
    pnlDrawdownBps: fc.constantFrom(50, 200, 1_000),
    breakerCooldownSeconds: fc.constantFrom(0, 60, 600),
    failureCooldownSeconds: fc.constantFrom(0, 30),
    rebalanceBoundBps: fc.constantFrom(0, 1_000, 5_000),
    maxQueueLength: fc.constantFrom(1, 4, 16),
    minRoiBps: fc.constantFrom(0, 10),
  })
  .map((p) => parseEngineParameters(p));

const offerArb = fc.option(
  fc.record({
    roiBps: fc.integer({ min: -50, max: 600 }),
    interrupt: fc.boolean(),
    capital: fc.constantFrom(10_000n, 150_000n, 5_000_000n),
    utilisation: fc.constantFrom(undefined, 0.5, 1),
  }),
  { nil: null, freq: 5 },
);

const stepArb = fc.record({
  dt: fc.oneof(
    { arbitrary: fc.integer({ min: 0, max: 20_000 }), weight: 8 },
    { arbitrary: fc.integer({ min: 0, max: 4_000_000 }), weight: 1 },
  ),
  offers: fc.array(offerArb, { minLength: UNIVERSE.length, maxLength: UNIVERSE.length }),
  finish: fc.option(
    fc.record({
      status: fc.constantFrom("succeeded", "failed", "aborted") as fc.Arbitrary<"succeeded" | "failed" | "aborted">,
      pnl: fc.oneof(
        { arbitrary: fc.bigInt({ min: -2_000n, max: 2_000n }), weight: 6 },
        { arbitrary: fc.bigInt({ min: -40_000n, max: 10_000n }), weight: 1 },
      ),
      slippageBps: fc.oneof(
        { arbitrary: fc.integer({ min: 0, max: 30 }), weight: 5 },
        { arbitrary: fc.integer({ min: 0, max: 120 }), weight: 1 },
      ),
    }),
    { nil: null, freq: 2 },
  ),
  reset: fc.integer({ min: 0, max: 24 }).map((x) => x === 0),
  /** A campaign of some strategy settled on chain (counted when the sequence takes outcomes from settlements). */
  settled: fc.option(fc.record({ index: fc.nat(), succeeded: fc.boolean() }), { nil: null, freq: 3 }),
  mtm: fc.oneof(
    { arbitrary: fc.bigInt({ min: -2_000n, max: 2_000n }), weight: 6 },
    { arbitrary: fc.bigInt({ min: -20_000n, max: 5_000n }), weight: 1 },
  ),
  /** A strategy asked to abort resolves `aborted` (mostly) or finishes its run anyway. */
  honoursAbort: fc.integer({ min: 0, max: 5 }).map((x) => x !== 0),
  /** A market maker runs until stopped: it ends on its own only now and then. */
  marketMakerEnds: fc.integer({ min: 0, max: 5 }).map((x) => x === 0),
  params: fc.option(paramsArb, { nil: null, freq: 12 }),
});

const sequenceArb = fc.record({
  params: paramsArb,
  pool: fc.constantFrom(1_000_000n, 1_000_000n, 333_333n, 7n),
  outcomesFromSettlements: fc.boolean(),
  steps: fc.array(stepArb, { minLength: 1, maxLength: 80 }),
});

/** How often each situation occurred over all runs: the sequences must reach every rule they check. */
const seen = new Map<string, number>();
const see = (what: string) => seen.set(what, (seen.get(what) ?? 0) + 1);

describe("engine properties", () => {
  it("invariants_holdOverRandomEventSequences", () => {
    fc.assert(
      fc.property(sequenceArb, ({ params: initialParams, pool, outcomesFromSettlements, steps }) => {
        let state: EngineState = initialEngineState();
        let params: EngineParameters = initialParams;
        let now = 1_000_000;
        // Harness records (the executor's view).
        let running: { runId: number; type: StrategyType; strategyId: string; pair: string } | null = null;
        const switchTimes: number[] = [];
        const startTimesByPair = new Map<string, number[]>();
        const failedAt = new Map<string, number>();
        const activeByType = new Map<StrategyType, number>();
        /** The success statistics the engine must hold: from run statuses, or only from settlements. */
        const expectedStats = new Map<string, SuccessStats>();
        /** Which strategies had an opportunity at each tick, oldest first. */
        const history: { now: number; present: Set<string> }[] = [];

        for (const step of steps) {
          now += step.dt;
          if (step.params !== null) params = step.params;
          const events: EngineEvent[] = [];
          let failedThisTick: string | null = null;
          const mmRunning = running !== null && running.type === "marketMaking" && state.active?.status === "running";
          if (step.finish !== null && running !== null && (!mmRunning || step.marketMakerEnds)) {
            const stopping = state.active?.status === "stopping";
            const status = stopping && step.honoursAbort ? "aborted" : step.finish.status;
            events.push({
              kind: "runFinished",
              runId: running.runId,
              result: { ...step.finish, status, resumeState: { run: running.runId } },
            });
            if (status === "failed") failedThisTick = running.strategyId;
            if (status !== "aborted" && !outcomesFromSettlements)
              expectedStats.set(
                running.strategyId,
                recordOutcome(expectedStats.get(running.strategyId), status === "succeeded"),
              );
            activeByType.delete(running.type);
            running = null;
          }
          if (step.reset) events.push({ kind: "resetBreakers" });
          if (step.settled !== null) {
            const u = UNIVERSE[step.settled.index % UNIVERSE.length]!;
            events.push({ kind: "settled", strategyId: u.id, succeeded: step.settled.succeeded });
            if (outcomesFromSettlements)
              expectedStats.set(u.id, recordOutcome(expectedStats.get(u.id), step.settled.succeeded));
          }
          const candidates: Candidate[] = [];
          step.offers.forEach((o, i) => {
            if (o === null) return;
            const u = UNIVERSE[i]!;
            candidates.push({
              strategyId: u.id,
              type: u.type,
              pair: u.pair,
              expectedProfit: (o.capital * BigInt(o.roiBps + 20)) / 10_000n,
              estimatedCost: (o.capital * 20n) / 10_000n,
              capitalLocked: o.capital,
              utilisation: o.utilisation,
              canInterrupt: o.interrupt,
            });
          });
          const before = state;
          const d = decide(state, {
            now,
            params,
            pool,
            candidates,
            volatilityBps: VOL,
            events,
            markToMarketPnl: running === null ? 0n : step.mtm,
            outcomesFromSettlements,
          });
          state = d.state;
          for (const u of UNIVERSE)
            assert.deepEqual(state.stats.get(u.id), expectedStats.get(u.id), `stats of ${u.id}`);
          if (failedThisTick !== null) failedAt.set(failedThisTick, now);
          checkTick(before, state, d.actions, candidates, params, pool, now, step.reset);
          history.push({ now, present: new Set(candidates.map((c) => c.strategyId)) });
          see(`verdict:${state.lastVerdict}`);
          for (const a of d.actions) {
            if (a.kind === "switch") see(`switch:${a.mode}`);
            else if (a.kind === "breakerTripped" || a.kind === "breakerResumed") see(`${a.kind}:${a.breaker}`);
            else if (a.kind === "start" && a.resumedFrom !== undefined) see("resume");
            else see(a.kind);
          }

          for (const a of d.actions) {
            if (a.kind === "switch") {
              // Debounce: the challenger has had an opportunity in every tick of the last debounceSeconds.
              let since = now;
              for (let h = history.length - 1; h >= 0 && history[h]!.present.has(a.toStrategyId); h--) {
                since = history[h]!.now;
              }
              assert.ok(now - since >= params.debounceSeconds * 1000, "switch before the debounce time");
              // Never inside the cool-down, never past the frequency cap.
              const last = switchTimes.at(-1);
              if (last !== undefined)
                assert.ok(now - last >= params.switchCooldownSeconds * 1000, "switch inside cool-down");
              switchTimes.push(now);
              const inHour = switchTimes.filter((t) => t > now - HOUR_MS).length;
              assert.ok(
                inHour <= params.maxSwitchesPerHour,
                `switch past the cap: ${inHour} > ${params.maxSwitchesPerHour}`,
              );
            }
            if (a.kind === "start") {
              // Mutex: never two active strategies of one type (and one slot: never two at all).
              const sameType = activeByType.get(a.type);
              assert.equal(
                sameType,
                undefined,
                `start of ${a.type} run ${a.runId} while ${a.type} run ${sameType} is active`,
              );
              assert.ok(running === null, `start of run ${a.runId} while another run is active`);
              activeByType.set(a.type, a.runId);
              running = { runId: a.runId, type: a.type, strategyId: a.strategyId, pair: a.pair };
              // Failure cool-down and retry budget.
              const f = failedAt.get(a.strategyId);
              if (f !== undefined)
                assert.ok(now >= f + params.failureCooldownSeconds * 1000, "started inside failure cool-down");
              const times = (startTimesByPair.get(a.pair) ?? []).filter((t) => t > now - RETRY_WINDOW_MS);
              times.push(now);
              startTimesByPair.set(a.pair, times);
              assert.ok(times.length <= params.retriesPerMinutePerPair, "retry budget exceeded");
            }
          }
          // The harness's running run is the engine's active run.
          assert.equal(state.active?.runId ?? null, running?.runId ?? null);
        }
      }),
      { numRuns: 1_000, includeErrorInReport: true },
    );
    for (const what of [
      "start",
      "resume",
      "switch:replace",
      "switch:preempt",
      "discard",
      "breakerTripped:drawdown",
      "breakerTripped:slippage",
      "breakerResumed:drawdown",
      "verdict:coolingDown",
      "verdict:frequencyCap",
      "verdict:debouncing",
      "verdict:belowThreshold",
      "verdict:paused",
      "verdict:runToCompletion",
      "verdict:unprofitable",
    ]) {
      assert.ok((seen.get(what) ?? 0) > 0, `the random sequences never reached ${what}`);
    }
  });
});

function checkTick(
  before: EngineState,
  after: EngineState,
  actions: readonly EngineAction[],
  candidates: readonly Candidate[],
  params: EngineParameters,
  pool: bigint,
  now: number,
  reset: boolean,
): void {
  // Locks: one holder per type, exactly the active or the suspended run of that type.
  for (const type of STRATEGY_TYPES) {
    const holders = [after.active, after.suspended].filter((r) => r !== null && r.type === type);
    assert.ok(holders.length <= 1, `two runs hold the ${type} lock`);
    assert.equal(after.locks[type], holders[0]?.runId ?? null);
  }
  assert.equal(after.mode, after.active?.type ?? "idle");

  // Allocation: sums to the pool exactly; trading sleeves never above their caps; targets within bounds.
  const t = after.targets!;
  const a = after.amounts!;
  assert.equal(t.marketMaking + t.arbitrage + t.buffer, BPS);
  assert.equal(t.buffer, params.sleeveTargetBufferBps);
  assert.ok(Math.abs(t.marketMaking - params.sleeveTargetMarketMakingBps) <= params.rebalanceBoundBps);
  assert.equal(a.marketMaking + a.arbitrage + a.buffer, pool);
  assert.ok(a.marketMaking <= (pool * BigInt(t.marketMaking)) / 10_000n);
  assert.ok(a.arbitrage <= (pool * BigInt(t.arbitrage)) / 10_000n);

  const roiOf = (c: Candidate) =>
    weightedRoi(
      c,
      capToSleeve(c.capitalLocked, c.type, a),
      VOL.get(c.pair),
      after.stats.get(c.strategyId),
      params.volatilityReferenceBps,
    );

  // A tripped breaker blocks execution until its cool-down has elapsed or it is reset.
  const pausedBefore = before.drawdown.trippedAt;
  const blockedByDrawdown =
    pausedBefore !== null && !reset && now < pausedBefore + params.breakerCooldownSeconds * 1000;
  for (const act of actions) {
    if (act.kind === "start") {
      assert.ok(!blockedByDrawdown, "start while the drawdown breaker is tripped");
      assert.equal(after.drawdown.trippedAt, null);
      assert.ok(!after.slippage.has(act.pair), "start on a pair whose slippage breaker is tripped");
      const tripped = before.slippage.get(act.pair);
      if (tripped !== undefined && !reset) assert.ok(now >= tripped + params.breakerCooldownSeconds * 1000);
      // Capital capped by the sleeve.
      const sleeve = act.type === "rebalance" ? a.buffer : a[act.type];
      assert.ok(act.capital <= sleeve && act.capital > 0n);
      const c = candidates.find((x) => x.strategyId === act.strategyId)!;
      assert.ok(act.capital <= c.capitalLocked);
      assert.ok(act.roi > params.minRoiBps / BPS);
    }
    if (act.kind === "abort" && act.reason === "unprofitable") {
      assert.equal(before.active?.type, "marketMaking", "only a market maker is stopped for being unprofitable");
      assert.ok(!actions.some((x) => x.kind === "switch"));
    }
    if (act.kind === "switch") {
      // Never below the threshold ratio (ROIs recomputed here from the snapshot).
      const to = candidates.find((x) => x.strategyId === act.toStrategyId)!;
      const from = candidates.find((x) => x.strategyId === act.fromStrategyId);
      const toRoi = roiOf(to);
      const fromRoi = from === undefined ? 0 : roiOf(from);
      assert.equal(act.toRoi, toRoi);
      assert.equal(act.fromRoi, fromRoi);
      assert.ok(
        toRoi > 0 && toRoi * BPS >= params.roiThresholdBps * Math.max(fromRoi, 0),
        "switch below the threshold",
      );
      assert.ok(before.active !== null && before.active.status === "running");
      assert.equal(before.active.type, "marketMaking", "only market making is switched away from");
    }
  }
  // Queue: bounded, best first, never holding the running strategy.
  assert.ok(after.queue.length <= params.maxQueueLength);
  for (let i = 1; i < after.queue.length; i++) assert.ok(compareEntries(after.queue[i - 1]!, after.queue[i]!) < 0);
  if (after.active !== null) assert.ok(!after.queue.some((e) => e.strategyId === after.active!.strategyId));

  if (after.drawdown.trippedAt !== null) {
    assert.ok(after.active === null || after.active.status === "stopping", "a paused engine has no running run");
    assert.equal(after.suspended, null);
  }
}

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { deserializeEngineState, serializeEngineState } from "./codec.js";
import { decide, initialEngineState, type EngineState } from "./engine.js";
import { EngineError } from "./errors.js";
import { parseEngineParameters } from "./parameters.js";
import type { Candidate, EngineEvent, StrategyType } from "./types.js";

const params = parseEngineParameters({ debounceSeconds: 0, switchCooldownSeconds: 0, breakerCooldownSeconds: 60 });
const UNIVERSE: { id: string; type: StrategyType; pair: string }[] = [
  { id: "mm", type: "marketMaking", pair: "ETH/USDC" },
  { id: "arb", type: "arbitrage", pair: "BTC/USDC" },
  { id: "arb2", type: "arbitrage", pair: "ETH/USDC" },
  { id: "rb", type: "rebalance", pair: "USDC" },
];

/** Compares any values that may hold bigints and Maps. */
const text = (v: unknown) => serializeEngineState(v as EngineState);

describe("codec", () => {
  it("roundTrip_randomSequences_sameStateAndSameDecisions_inputUntouched", () => {
    let suspendedSeen = 0;
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            dt: fc.integer({ min: 0, max: 90_000 }),
            roi: fc.array(fc.option(fc.integer({ min: -20, max: 400 }), { nil: null }), {
              minLength: UNIVERSE.length,
              maxLength: UNIVERSE.length,
            }),
            finish: fc.option(
              fc.record({
                status: fc.constantFrom("succeeded", "failed", "aborted") as fc.Arbitrary<
                  "succeeded" | "failed" | "aborted"
                >,
                pnl: fc.bigInt({ min: -50_000n, max: 10_000n }),
                slippageBps: fc.integer({ min: 0, max: 80 }),
              }),
              { nil: null },
            ),
          }),
          { maxLength: 60 },
        ),
        (steps) => {
          let state = initialEngineState();
          let now = 0;
          for (const step of steps) {
            now += step.dt;
            const events: EngineEvent[] = [];
            if (step.finish !== null && state.active !== null) {
              events.push({
                kind: "runFinished",
                runId: state.active.runId,
                result: {
                  ...step.finish,
                  // A run asked to stop reports `aborted`, so pre-empted runs become suspended.
                  status: state.active.status === "stopping" ? "aborted" : step.finish.status,
                  resumeState: { quotes: new Map([["bid", 1n]]), at: now },
                },
              });
            }
            const candidates: Candidate[] = [];
            step.roi.forEach((r, i) => {
              if (r === null) return;
              const u = UNIVERSE[i]!;
              candidates.push({
                strategyId: u.id,
                type: u.type,
                pair: u.pair,
                expectedProfit: BigInt(r),
                estimatedCost: 0n,
                capitalLocked: 10_000n,
                canInterrupt: true,
              });
            });
            const snap = { now, params, pool: 1_000_000n, candidates, volatilityBps: new Map(), events };
            const saved = serializeEngineState(state);
            const restored = deserializeEngineState(saved);
            assert.equal(serializeEngineState(restored), saved);
            const a = decide(state, snap);
            const b = decide(restored, snap);
            assert.equal(text(b.state), text(a.state));
            assert.equal(text(b.actions), text(a.actions));
            assert.equal(serializeEngineState(state), saved, "decide does not mutate its input state");
            state = a.state;
            if (state.suspended !== null) suspendedSeen++;
          }
        },
      ),
      { numRuns: 500 },
    );
    assert.ok(suspendedSeen > 0, "the sequences must reach a suspended run (resume state with a Map and a bigint)");
  });

  it("deserialize_notJson_throwsEngineError", () => {
    assert.throws(() => deserializeEngineState("{"), EngineError);
    assert.throws(() => deserializeEngineState('{"x":{"$bigint":"1.5"}}'), EngineError);
  });

  it("deserialize_badShape_throwsEngineErrorNamingPath", () => {
    const good = JSON.parse(serializeEngineState(initialEngineState())) as Record<string, unknown>;
    assert.throws(
      () => deserializeEngineState(JSON.stringify({ ...good, nextRunId: 0 })),
      (e: unknown) => e instanceof EngineError && /nextRunId/.test(e.details ?? ""),
    );
    assert.throws(
      () => deserializeEngineState(JSON.stringify({ ...good, extra: 1 })),
      (e: unknown) => e instanceof EngineError,
    );
  });

  it("deserialize_lockWithoutHolder_throwsEngineError", () => {
    const good = JSON.parse(serializeEngineState(initialEngineState())) as Record<string, unknown>;
    const bad = { ...good, locks: { marketMaking: 3, arbitrage: null, rebalance: null } };
    assert.throws(
      () => deserializeEngineState(JSON.stringify(bad)),
      (e: unknown) => e instanceof EngineError && /locks\.marketMaking/.test(e.details ?? ""),
    );
  });
});

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { INITIAL_DRAWDOWN, drawdownBps, isPaused, resetDrawdown, updateDrawdown } from "./drawdownBreaker.js";

const P = { pnlDrawdownBps: 500, breakerCooldownSeconds: 60 };
const POOL = 10_000n;

describe("DrawdownBreaker", () => {
  it("drawdownBps_fromPeakOverPool", () => {
    assert.equal(drawdownBps(1_000n, 500n, 10_000n), 500);
    assert.equal(drawdownBps(0n, 100n, 10_000n), 0);
    assert.equal(drawdownBps(100n, 0n, 0n), 0);
  });

  it("updateDrawdown_trailsHighWaterMark_notStart", () => {
    // Up 1000 then down 600: from the start it is +400, but 600 below the peak = 6% -> trips.
    let s = updateDrawdown(INITIAL_DRAWDOWN, 0n, POOL, 0, P).state;
    s = updateDrawdown(s, 1_000n, POOL, 1, P).state;
    assert.equal(s.peakPnl, 1_000n);
    const r = updateDrawdown(s, 400n, POOL, 2, P);
    assert.equal(r.event?.kind, "tripped");
    assert.equal(isPaused(r.state), true);
  });

  it("updateDrawdown_justBelowBound_doesNotTrip", () => {
    let s = updateDrawdown(INITIAL_DRAWDOWN, 1_000n, POOL, 0, P).state;
    const r = updateDrawdown(s, 501n, POOL, 1, P);
    assert.equal(r.event, null);
    s = r.state;
    assert.equal(updateDrawdown(s, 500n, POOL, 2, P).event?.kind, "tripped", "exactly the bound trips");
  });

  it("updateDrawdown_paused_resumesAfterCooldownWithFreshPeak", () => {
    let s = updateDrawdown(INITIAL_DRAWDOWN, 0n, POOL, 0, P).state;
    s = updateDrawdown(s, -600n, POOL, 1_000, P).state;
    assert.equal(isPaused(s), true);
    const during = updateDrawdown(s, -600n, POOL, 60_999, P);
    assert.equal(during.event, null);
    assert.equal(isPaused(during.state), true);
    const after = updateDrawdown(s, -600n, POOL, 61_000, P);
    assert.deepEqual(after.event, { kind: "resumed" });
    assert.equal(isPaused(after.state), false);
    assert.equal(after.state.peakPnl, -600n, "peak restarts where the keeper stands");
    // A further 5% loss trips again.
    assert.equal(updateDrawdown(after.state, -1_100n, POOL, 62_000, P).event?.kind, "tripped");
    assert.equal(updateDrawdown(after.state, -1_000n, POOL, 62_000, P).event, null);
  });

  it("resetDrawdown_resumesAtOnce", () => {
    const s = updateDrawdown(INITIAL_DRAWDOWN, 0n, POOL, 0, P).state;
    const tripped = updateDrawdown(s, -700n, POOL, 1, P).state;
    assert.equal(isPaused(tripped), true);
    const r = resetDrawdown(-700n);
    assert.equal(isPaused(r), false);
    assert.equal(r.peakPnl, -700n);
    assert.equal(updateDrawdown(r, -700n, POOL, 2, P).event, null, "no immediate re-trip");
  });

  it("property_matchesReferenceModel", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: -800, max: 800 }), fc.integer({ min: 0, max: 40_000 })), { maxLength: 80 }),
        fc.integer({ min: 1, max: 2_000 }),
        fc.integer({ min: 0, max: 120 }),
        (steps, bound, cooldown) => {
          const params = { pnlDrawdownBps: bound, breakerCooldownSeconds: cooldown };
          let s = INITIAL_DRAWDOWN;
          let pnl = 0n;
          let now = 0;
          // Reference: peak and trip time recomputed naively.
          let peak: bigint | null = null;
          let trippedAt: number | null = null;
          for (const [delta, dt] of steps) {
            now += dt;
            pnl += BigInt(delta);
            s = updateDrawdown(s, pnl, POOL, now, params).state;
            if (trippedAt !== null) {
              if (now >= trippedAt + cooldown * 1000) {
                trippedAt = null;
                peak = pnl;
              }
            } else {
              peak = peak === null || pnl > peak ? pnl : peak;
              if ((peak - pnl) * 10_000n >= BigInt(bound) * POOL) trippedAt = now;
            }
            assert.equal(s.trippedAt, trippedAt);
            if (trippedAt === null) assert.equal(s.peakPnl, peak);
            // While trading, the drawdown from the peak is always inside the bound.
            if (!isPaused(s)) assert.ok(drawdownBps(s.peakPnl!, pnl, POOL) < bound);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { HOUR_MS, UtilisationTracker, VolatilityEstimator, scaleVolatility } from "./estimators.js";

/** A seeded normal sampler (Box-Muller over a small LCG), so the test is deterministic. */
function normals(seed: number): () => number {
  let s = seed >>> 0;
  const u = (): number => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return (s + 1) / 4_294_967_297;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

describe("VolatilityEstimator", () => {
  it("observe_gbmMids_estimateMatchesTheTrueVolatilityPerHour", () => {
    // 60 % a year, one mid per second: sigma over an hour = 0.6 x sqrt(1 / 8760) = 64.1 bps.
    const sigmaYear = 0.6;
    const dtMs = 1000;
    const perStep = sigmaYear * Math.sqrt(dtMs / (365 * 24 * HOUR_MS));
    const z = normals(7);
    const est = new VolatilityEstimator({ lambda: 0.995 });
    let mid = 3000;
    for (let i = 0; i <= 5_000; i++) {
      est.observe("ETH/USDT", mid, i * dtMs);
      mid *= Math.exp(perStep * z());
    }
    const expected = sigmaYear * Math.sqrt(1 / 8760) * 10_000;
    const got = est.volatilityBps("ETH/USDT")!;
    assert.ok(Math.abs(got - expected) / expected < 0.15, `estimated ${got} bps vs ${expected}`);
  });

  it("observe_unevenReadings_normalisedByElapsedTime", () => {
    // Readings at different intervals: the variance is per millisecond, so the hourly figure is the same.
    const a = new VolatilityEstimator({ minSamples: 1 });
    const b = new VolatilityEstimator({ minSamples: 1 });
    // Returns of 2e-4 every second, then returns of 4e-4 every 4 s: the same variance per unit of time.
    for (let i = 0; i <= 40; i++) a.observe("X", 100 * Math.exp((i % 2 === 0 ? 1 : -1) * 0.0001), i * 1000);
    for (let i = 0; i <= 10; i++) b.observe("X", 100 * Math.exp((i % 2 === 0 ? 1 : -1) * 0.0002), i * 4000);
    assert.ok(Math.abs(a.volatilityBps("X")! - b.volatilityBps("X")!) < 1e-6 * a.volatilityBps("X")!);
  });

  it("volatilityBps_beforeMinSamples_reportsThePriorOrNothing", () => {
    const est = new VolatilityEstimator({ minSamples: 3, prior: new Map([["BTC/USDT", 50]]) });
    assert.equal(est.volatilityBps("BTC/USDT"), 50);
    assert.equal(est.volatilityBps("ETH/USDT"), undefined);
    for (let i = 0; i < 4; i++) est.observe("BTC/USDT", 100 + (i % 2), i * 1000);
    assert.equal(est.samples("BTC/USDT"), 3);
    assert.notEqual(est.volatilityBps("BTC/USDT"), 50);
    assert.deepEqual([...est.snapshot().keys()], ["BTC/USDT"]);
  });

  it("observe_sameTimeOrBadMid_addsNoSample", () => {
    const est = new VolatilityEstimator({ minSamples: 1 });
    est.observe("X", 100, 1000);
    est.observe("X", 120, 1000);
    est.observe("X", 0, 2000);
    est.observe("X", Number.NaN, 3000);
    est.observe("X", 110, 500);
    assert.equal(est.samples("X"), 0);
    assert.throws(() => new VolatilityEstimator({ lambda: 1 }), RangeError);
  });

  it("scaleVolatility_squareRootOfTime", () => {
    assert.equal(scaleVolatility(60, HOUR_MS / 3600), 1);
    assert.equal(scaleVolatility(10, 4 * HOUR_MS), 20);
  });
});

describe("UtilisationTracker", () => {
  it("record_workingOverDrawn_ewmaClampedToUnit", () => {
    const u = new UtilisationTracker(0.5);
    assert.equal(u.value, undefined);
    u.record(50n, 100n);
    assert.equal(u.value, 0.5);
    u.record(300n, 100n); // clamped to 1
    assert.equal(u.value, 0.75);
    u.record(-5n, 100n); // clamped to 0
    assert.equal(u.value, 0.375);
    u.record(10n, 0n); // nothing drawn: no sample
    assert.equal(u.value, 0.375);
  });
});

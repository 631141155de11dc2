import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fundedRoi, recordOutcome, successWeight, utilisationWeight, volatilityWeight, weightedRoi } from "./roi.js";

const est = { expectedProfit: 150n, estimatedCost: 50n, capitalLocked: 10_000n };

describe("roi", () => {
  it("fundedRoi_fullCapital_isProfitMinusCostOverCapital", () => {
    assert.equal(fundedRoi(est), 0.01);
  });

  it("fundedRoi_partlyFunded_costsDoNotScale", () => {
    // Half funded: profit 75, cost still 50, over 5000 capital.
    assert.equal(fundedRoi(est, 5_000n), 25 / 5_000);
    assert.equal(fundedRoi(est, 20_000n), 0.01, "funding above the need counts as the need");
  });

  it("fundedRoi_zeroCapital_isMinusInfinity", () => {
    assert.equal(fundedRoi({ ...est, capitalLocked: 0n }), Number.NEGATIVE_INFINITY);
    assert.equal(fundedRoi(est, 0n), Number.NEGATIVE_INFINITY);
  });

  it("volatilityWeight_atReference_halves", () => {
    assert.equal(volatilityWeight(0, 500), 1);
    assert.equal(volatilityWeight(500, 500), 0.5);
    assert.ok(volatilityWeight(1000, 500) < volatilityWeight(200, 500));
    assert.equal(volatilityWeight(undefined, 500), 0.5, "unknown volatility counts as the reference");
  });

  it("successWeight_noHistory_isOne_failuresLowerIt", () => {
    assert.equal(successWeight(undefined), 1);
    let s = recordOutcome(undefined, false);
    assert.equal(successWeight(s), 2 / 3);
    const afterFailure = successWeight(s);
    s = recordOutcome(s, true);
    assert.ok(successWeight(s) > afterFailure, "a success raises the weight");
    let bad = recordOutcome(undefined, false);
    for (let i = 0; i < 20; i++) bad = recordOutcome(bad, false);
    assert.ok(successWeight(bad) < 0.25);
  });

  it("recordOutcome_decaysOldOutcomes", () => {
    let s = recordOutcome(undefined, false);
    for (let i = 0; i < 50; i++) s = recordOutcome(s, true);
    assert.ok(successWeight(s) > 0.99, "an old failure fades");
  });

  it("utilisationWeight_clamped", () => {
    assert.equal(utilisationWeight(undefined), 1);
    assert.equal(utilisationWeight(0.4), 0.4);
    assert.equal(utilisationWeight(3), 1);
    assert.equal(utilisationWeight(-1), 0);
    assert.equal(utilisationWeight(Number.NaN), 0);
  });

  it("weightedRoi_multipliesWeights_lossesUndiscounted", () => {
    const w = weightedRoi({ ...est, utilisation: 0.5 }, est.capitalLocked, 500, undefined, 500);
    assert.equal(w, 0.01 * 0.5 * 1 * 0.5);
    const loss = weightedRoi({ ...est, expectedProfit: 0n }, est.capitalLocked, 500, undefined, 500);
    assert.equal(loss, -0.005);
  });
});

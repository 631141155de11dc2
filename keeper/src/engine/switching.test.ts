import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  INITIAL_SWITCH_STATE,
  evaluateSwitch,
  passesThreshold,
  recordSwitch,
  switchesInLastHour,
} from "./switching.js";

const P = { roiThresholdBps: 15_000, switchCooldownSeconds: 60, maxSwitchesPerHour: 3, debounceSeconds: 5 };

describe("switching", () => {
  it("passesThreshold_requiresRatio", () => {
    assert.equal(passesThreshold(0.015, 0.01, 15_000), true);
    assert.equal(passesThreshold(0.0149, 0.01, 15_000), false);
    assert.equal(passesThreshold(0.0001, -0.5, 15_000), true, "a losing current run is beaten by any gain");
    assert.equal(passesThreshold(0, -0.5, 15_000), false, "a challenger must be positive");
  });

  it("evaluateSwitch_belowThreshold_resetsDebounce", () => {
    let r = evaluateSwitch(INITIAL_SWITCH_STATE, { strategyId: "a", roi: 0.02 }, 0.01, 0, P);
    assert.equal(r.verdict, "debouncing");
    r = evaluateSwitch(r.state, { strategyId: "a", roi: 0.012 }, 0.01, 1_000, P);
    assert.equal(r.verdict, "belowThreshold");
    assert.equal(r.state.challenger, null);
  });

  it("evaluateSwitch_debounce_challengerMustHoldForDebounceSeconds", () => {
    let r = evaluateSwitch(INITIAL_SWITCH_STATE, { strategyId: "a", roi: 0.02 }, 0.01, 0, P);
    r = evaluateSwitch(r.state, { strategyId: "a", roi: 0.02 }, 0.01, 4_999, P);
    assert.equal(r.verdict, "debouncing");
    r = evaluateSwitch(r.state, { strategyId: "a", roi: 0.02 }, 0.01, 5_000, P);
    assert.equal(r.verdict, "allowed");
  });

  it("evaluateSwitch_challengerChanges_debounceRestarts", () => {
    let r = evaluateSwitch(INITIAL_SWITCH_STATE, { strategyId: "a", roi: 0.02 }, 0.01, 0, P);
    r = evaluateSwitch(r.state, { strategyId: "b", roi: 0.03 }, 0.01, 4_000, P);
    r = evaluateSwitch(r.state, { strategyId: "b", roi: 0.03 }, 0.01, 6_000, P);
    assert.equal(r.verdict, "debouncing");
    assert.equal(evaluateSwitch(r.state, { strategyId: "b", roi: 0.03 }, 0.01, 9_000, P).verdict, "allowed");
  });

  it("evaluateSwitch_insideCooldown_refused", () => {
    const s = recordSwitch(INITIAL_SWITCH_STATE, 0);
    const p = { ...P, debounceSeconds: 0 };
    assert.equal(evaluateSwitch(s, { strategyId: "a", roi: 1 }, 0.01, 59_999, p).verdict, "coolingDown");
    assert.equal(evaluateSwitch(s, { strategyId: "a", roi: 1 }, 0.01, 60_000, p).verdict, "allowed");
  });

  it("evaluateSwitch_frequencyCap_rollingHour", () => {
    const p = { ...P, debounceSeconds: 0, switchCooldownSeconds: 0 };
    let s = INITIAL_SWITCH_STATE;
    for (const t of [0, 1_000, 2_000]) s = recordSwitch(s, t);
    assert.equal(switchesInLastHour(s, 3_000), 3);
    assert.equal(evaluateSwitch(s, { strategyId: "a", roi: 1 }, 0.01, 3_599_999, p).verdict, "frequencyCap");
    assert.equal(evaluateSwitch(s, { strategyId: "a", roi: 1 }, 0.01, 3_600_000, p).verdict, "allowed");
  });

  it("recordSwitch_keepsOnlyLastHour", () => {
    let s = INITIAL_SWITCH_STATE;
    for (let t = 0; t < 10 * 3_600_000; t += 600_000) s = recordSwitch(s, t);
    assert.ok(s.recent.length <= 6);
    assert.equal(s.challenger, null);
  });
});

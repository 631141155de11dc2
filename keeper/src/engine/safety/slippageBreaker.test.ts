import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EMPTY_SLIPPAGE_BREAKER, isPairTripped, observeSlippage, releaseElapsed } from "./slippageBreaker.js";

describe("SlippageBreaker", () => {
  it("observeSlippage_atBound_accepted", () => {
    const r = observeSlippage(EMPTY_SLIPPAGE_BREAKER, "P", 50, 0, 50);
    assert.equal(r.tripped, false);
    assert.equal(r.state, EMPTY_SLIPPAGE_BREAKER);
  });

  it("observeSlippage_aboveBound_tripsPair", () => {
    const r = observeSlippage(EMPTY_SLIPPAGE_BREAKER, "P", 51, 5_000, 50);
    assert.equal(r.tripped, true);
    assert.equal(isPairTripped(r.state, "P"), true);
    assert.equal(isPairTripped(r.state, "Q"), false);
  });

  it("releaseElapsed_afterCooldown_resumesByRule", () => {
    let s = observeSlippage(EMPTY_SLIPPAGE_BREAKER, "B", 99, 0, 50).state;
    s = observeSlippage(s, "A", 99, 0, 50).state;
    s = observeSlippage(s, "C", 99, 5_000, 50).state;
    const early = releaseElapsed(s, 899_999, 900);
    assert.deepEqual(early.released, []);
    assert.equal(early.state, s);
    const r = releaseElapsed(s, 900_000, 900);
    assert.deepEqual(r.released, ["A", "B"], "released in a stable order");
    assert.equal(isPairTripped(r.state, "C"), true);
  });
});

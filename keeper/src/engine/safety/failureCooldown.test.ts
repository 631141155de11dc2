import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EMPTY_FAILURE_COOLDOWN, isCoolingDown, pruneFailures, recordFailure } from "./failureCooldown.js";

describe("FailureCooldown", () => {
  it("isCoolingDown_afterFailure_blocksUntilCooldownElapsed", () => {
    const s = recordFailure(EMPTY_FAILURE_COOLDOWN, "arb-1", 1_000);
    assert.equal(isCoolingDown(s, "arb-1", 1_000, 30), true);
    assert.equal(isCoolingDown(s, "arb-1", 30_999, 30), true);
    assert.equal(isCoolingDown(s, "arb-1", 31_000, 30), false);
    assert.equal(isCoolingDown(s, "mm-1", 1_000, 30), false, "other strategies are not blocked");
  });

  it("isCoolingDown_usesCurrentParameter", () => {
    const s = recordFailure(EMPTY_FAILURE_COOLDOWN, "arb-1", 0);
    assert.equal(isCoolingDown(s, "arb-1", 20_000, 30), true);
    assert.equal(isCoolingDown(s, "arb-1", 20_000, 10), false);
  });

  it("recordFailure_doesNotMutateInput", () => {
    const s = recordFailure(EMPTY_FAILURE_COOLDOWN, "a", 0);
    assert.equal(EMPTY_FAILURE_COOLDOWN.size, 0);
    assert.equal(s.size, 1);
  });

  it("pruneFailures_dropsElapsedOnly", () => {
    let s = recordFailure(EMPTY_FAILURE_COOLDOWN, "a", 0);
    s = recordFailure(s, "b", 20_000);
    const p = pruneFailures(s, 30_000, 30);
    assert.deepEqual([...p.keys()], ["b"]);
    assert.equal(pruneFailures(p, 30_000, 30), p, "nothing to prune returns the same state");
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatDecayedCount } from "./format";

describe("formatDecayedCount (finding 8)", () => {
  it("F8_formatDecayedCount_1e18UnitsAsShortHumanNumbers", () => {
    assert.equal(formatDecayedCount("12998138698383376349"), "13");
    assert.equal(formatDecayedCount(12_940_000_000_000_000_000n), "12.9");
    assert.equal(formatDecayedCount(400_000_000_000_000_000n), "0.4");
    assert.equal(formatDecayedCount(10n ** 15n), "<0.1");
    assert.equal(formatDecayedCount(0n), "0");
    assert.equal(formatDecayedCount(1_234n * 10n ** 18n), "1.2k");
    assert.equal(formatDecayedCount(3_400_000n * 10n ** 18n), "3.4M");
  });

  it("F8_formatDecayedCount_fitsTheColumn", () => {
    // The column shows "a / b / c": each part at most 5 characters whatever the count.
    for (const raw of [1n, 10n ** 17n, 10n ** 18n, 999n * 10n ** 18n, 10n ** 25n, 10n ** 30n, 2n ** 128n - 1n]) {
      assert.ok(formatDecayedCount(raw).length <= 5, `${raw} -> ${formatDecayedCount(raw)}`);
    }
  });
});

describe("gasLimitFor (app)", () => {
  it("gasLimitFor_coversTheEpochsFirstMintOnSmallEstimates", async () => {
    const { gasLimitFor } = await import("./gas");
    // A 100,000-gas deposit estimated in an epoch whose checkpoint exists, mined as the next epoch's first mint.
    assert.ok(gasLimitFor(100_000n) >= 100_000n + 31_000n + 10_000n);
    assert.equal(gasLimitFor(100_000n), 180_000n);
  });
});

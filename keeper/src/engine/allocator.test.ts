import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { allocate, capToSleeve, rebalanceTargets, sleeveOf } from "./allocator.js";
import { BPS } from "./parameters.js";
import type { SleeveTargets } from "./types.js";

const DEFAULT: SleeveTargets = { marketMaking: 7_000, arbitrage: 2_000, buffer: 1_000 };

const targetsArb = fc
  .tuple(fc.integer({ min: 0, max: BPS }), fc.integer({ min: 0, max: BPS }))
  .map(([a, b]): SleeveTargets => {
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    return { marketMaking: lo, arbitrage: hi - lo, buffer: BPS - hi };
  });

describe("allocator", () => {
  it("allocate_default_7020_10", () => {
    assert.deepEqual(allocate(1_000_000n, DEFAULT), { marketMaking: 700_000n, arbitrage: 200_000n, buffer: 100_000n });
  });

  it("allocate_remainder_goesToBuffer", () => {
    // 7 * 0.7 = 4.9 -> 4, 7 * 0.2 = 1.4 -> 1, buffer 2.
    assert.deepEqual(allocate(7n, DEFAULT), { marketMaking: 4n, arbitrage: 1n, buffer: 2n });
  });

  it("allocate_emptyPool_allZero", () => {
    assert.deepEqual(allocate(0n, DEFAULT), { marketMaking: 0n, arbitrage: 0n, buffer: 0n });
  });

  it("allocate_property_sumsToPoolAndNeverAboveCaps", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 200n }), targetsArb, (pool, t) => {
        const a = allocate(pool, t);
        assert.equal(a.marketMaking + a.arbitrage + a.buffer, pool);
        assert.ok(a.marketMaking <= (pool * BigInt(t.marketMaking)) / 10_000n);
        assert.ok(a.arbitrage <= (pool * BigInt(t.arbitrage)) / 10_000n);
        assert.ok(a.marketMaking >= 0n && a.arbitrage >= 0n && a.buffer >= 0n);
        // The buffer never gets less than its target share and at most 2 units more (rounding).
        const bufferShare = (pool * BigInt(t.buffer)) / 10_000n;
        assert.ok(a.buffer >= bufferShare && a.buffer <= bufferShare + 2n);
      }),
      { numRuns: 500 },
    );
  });

  it("rebalance_equalScores_keepsTargets", () => {
    assert.deepEqual(rebalanceTargets(DEFAULT, { marketMaking: 0.01, arbitrage: 0.01 }, 1_000), DEFAULT);
    assert.deepEqual(rebalanceTargets(DEFAULT, { marketMaking: 0, arbitrage: 0 }, 1_000), DEFAULT);
  });

  it("rebalance_arbitrageScoresBetter_movesWeightToArbitrageWithinBound", () => {
    const t = rebalanceTargets(DEFAULT, { marketMaking: 0, arbitrage: 0.05 }, 1_000);
    assert.deepEqual(t, { marketMaking: 6_000, arbitrage: 3_000, buffer: 1_000 });
    const half = rebalanceTargets(DEFAULT, { marketMaking: 0.01, arbitrage: 0.03 }, 1_000);
    assert.deepEqual(half, { marketMaking: 6_500, arbitrage: 2_500, buffer: 1_000 });
  });

  it("rebalance_sleeveCannotGoNegative", () => {
    const t = rebalanceTargets(
      { marketMaking: 9_000, arbitrage: 200, buffer: 800 },
      { marketMaking: 1, arbitrage: 0 },
      1_000,
    );
    assert.deepEqual(t, { marketMaking: 9_200, arbitrage: 0, buffer: 800 });
  });

  it("rebalance_property_withinBoundsSumAndBufferFixed", () => {
    fc.assert(
      fc.property(
        targetsArb,
        fc.double({ min: -1, max: 1, noNaN: true }),
        fc.double({ min: -1, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 5_000 }),
        fc.bigInt({ min: 0n, max: 2n ** 128n }),
        (base, mm, arb, bound, pool) => {
          const t = rebalanceTargets(base, { marketMaking: mm, arbitrage: arb }, bound);
          assert.equal(t.marketMaking + t.arbitrage + t.buffer, BPS);
          assert.equal(t.buffer, base.buffer);
          assert.ok(Math.abs(t.marketMaking - base.marketMaking) <= bound);
          assert.ok(t.marketMaking >= 0 && t.arbitrage >= 0);
          assert.ok(Number.isInteger(t.marketMaking) && Number.isInteger(t.arbitrage));
          const a = allocate(pool, t);
          assert.equal(a.marketMaking + a.arbitrage + a.buffer, pool);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("capToSleeve_capsEachTypeBySleeve", () => {
    const a = allocate(1_000n, DEFAULT);
    assert.equal(sleeveOf("rebalance"), "buffer");
    assert.equal(capToSleeve(5_000n, "marketMaking", a), 700n);
    assert.equal(capToSleeve(5_000n, "arbitrage", a), 200n);
    assert.equal(capToSleeve(5_000n, "rebalance", a), 100n);
    assert.equal(capToSleeve(50n, "arbitrage", a), 50n);
  });
});

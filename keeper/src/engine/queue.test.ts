import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { QueueBuilder, compareEntries } from "./queue.js";
import { STRATEGY_TYPES } from "./types.js";

describe("queue", () => {
  it("build_ordersByRoiThenTypeThenAge", () => {
    const prev = [{ strategyId: "old", type: "marketMaking" as const, roi: 0.01, since: 5 }];
    const q = new QueueBuilder(prev, 100, 10);
    q.offer("mm-new", "marketMaking", 0.01);
    q.offer("rb", "rebalance", 0.01);
    q.offer("arb", "arbitrage", 0.01);
    q.offer("old", "marketMaking", 0.01);
    q.offer("best", "rebalance", 0.5);
    assert.deepEqual(
      q.build().map((e) => e.strategyId),
      ["best", "arb", "old", "mm-new", "rb"],
    );
    assert.equal(q.build().find((e) => e.strategyId === "old")!.since, 5, "waiting time survives the rebuild");
  });

  it("build_boundedKeepsBest", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.record({
            id: fc.string({ minLength: 1, maxLength: 4 }),
            roi: fc.double({ min: -1, max: 1, noNaN: true }),
            t: fc.constantFrom(...STRATEGY_TYPES),
          }),
          {
            selector: (x) => x.id,
            maxLength: 60,
          },
        ),
        fc.integer({ min: 1, max: 10 }),
        (offers, k) => {
          const q = new QueueBuilder([], 0, k);
          for (const o of offers) q.offer(o.id, o.t, o.roi);
          const all = offers.map((o) => ({ strategyId: o.id, type: o.t, roi: o.roi, since: 0 })).sort(compareEntries);
          assert.deepEqual(q.build(), all.slice(0, k));
        },
      ),
    );
  });
});

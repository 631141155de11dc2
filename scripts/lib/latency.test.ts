import { test } from "node:test";
import assert from "node:assert/strict";
import { percentile, SEGMENTS, summarise, type SampleInstants } from "./latency.js";

test("percentile_nearestRankRoundingDown", () => {
  const values = Array.from({ length: 200 }, (_, i) => i + 1); // 1..200
  assert.equal(percentile(values, 50), 101);
  assert.equal(percentile(values, 99), 199);
  assert.equal(percentile(values, 100), 200);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test("summarise_segmentsBetweenInstants_skipMissingOnes", () => {
  const full: SampleInstants = {
    opportunity: 10,
    decision: 11,
    published: 100,
    claimed: 150,
    drawn: 200,
    firstOrder: 204,
    decideCpu: 0.5,
    journalBeforeDraw: 3,
    journalAfterDraw: 1.5,
  };
  // A sample that never drew (own capital): no draw or order segment, but decision -> first order is there.
  const noDraw: SampleInstants = { opportunity: 0, decision: 2, published: 50, claimed: 80, firstOrder: 90 };
  const rows = summarise([full, noDraw]);
  assert.deepEqual(rows.get("decide"), { n: 2, p50: 2, p99: 2, max: 2 });
  assert.deepEqual(rows.get("draw"), { n: 1, p50: 50, p99: 50, max: 50 });
  assert.deepEqual(rows.get("order"), { n: 1, p50: 4, p99: 4, max: 4 });
  assert.equal(rows.get("orderJournal")!.max, 1.5);
  assert.deepEqual(rows.get("opportunityToOrder"), { n: 2, p50: 194, p99: 194, max: 194 });
  assert.deepEqual(rows.get("decisionToOrder"), { n: 2, p50: 193, p99: 193, max: 193 });
  assert.deepEqual(rows.get("decisionToOrderJournal"), { n: 2, p50: 4.5, p99: 4.5, max: 4.5 });
  assert.deepEqual(rows.get("keeperOnly"), { n: 1, p50: 5, p99: 5, max: 5 }, "decide 1 + order 4");
  assert.equal(rows.get("decideCpu")!.n, 1);
  assert.equal(summarise([]).size, 0);
  assert.equal(new Set(SEGMENTS.map((s) => s.name)).size, SEGMENTS.length, "segment names are unique");
});

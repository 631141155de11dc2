import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { EMPTY_RETRY_BUDGET, RETRY_WINDOW_MS, attemptsInWindow, canAttempt, recordAttempt } from "./retryBudget.js";

describe("RetryBudget", () => {
  it("canAttempt_limitReachedWithinMinute_refuses", () => {
    let s = EMPTY_RETRY_BUDGET;
    for (const t of [0, 10_000, 20_000]) s = recordAttempt(s, "ETH/USDC", t);
    assert.equal(canAttempt(s, "ETH/USDC", 30_000, 3), false);
    assert.equal(canAttempt(s, "ETH/USDC", 30_000, 4), true);
    assert.equal(canAttempt(s, "BTC/USDC", 30_000, 3), true, "budget is per pair");
  });

  it("canAttempt_windowSlides", () => {
    let s = EMPTY_RETRY_BUDGET;
    for (const t of [0, 10_000, 20_000]) s = recordAttempt(s, "P", t);
    assert.equal(canAttempt(s, "P", 59_999, 3), false);
    assert.equal(canAttempt(s, "P", 60_000, 3), true, "the attempt at 0 left the window (now - 60 s, now]");
    assert.equal(attemptsInWindow(s, "P", 70_000), 1);
  });

  it("recordAttempt_forgetsOldAttempts", () => {
    let s = EMPTY_RETRY_BUDGET;
    for (let t = 0; t < 10 * RETRY_WINDOW_MS; t += 1_000) s = recordAttempt(s, "P", t);
    assert.ok(s.get("P")!.length <= 60);
  });

  it("property_matchesBruteForceCount", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 30_000 }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 10 }),
        (gaps, limit) => {
          let s = EMPTY_RETRY_BUDGET;
          const times: number[] = [];
          let t = 0;
          for (const g of gaps) {
            t += g;
            const expected = times.filter((x) => x > t - RETRY_WINDOW_MS).length;
            assert.equal(attemptsInWindow(s, "P", t), expected);
            assert.equal(canAttempt(s, "P", t, limit), expected < limit);
            if (expected < limit) {
              s = recordAttempt(s, "P", t);
              times.push(t);
            }
            // Never more than `limit` attempts in any window.
            assert.ok(times.filter((x) => x > t - RETRY_WINDOW_MS).length <= limit);
          }
        },
      ),
    );
  });
});

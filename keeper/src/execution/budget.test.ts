import { test } from "node:test";
import assert from "node:assert/strict";
import { BackoffPolicy, RequestBudget, RequestBudgets, backoffDelayMs, withRetry } from "./budget.js";
import { InvalidOrderError, RateLimitedError, VenueBannedError, VenueUnavailableError } from "./errors.js";
import { virtualTime } from "./testing/virtualTime.js";
import { ConfigError } from "../errors.js";

test("acquire_withinCapacity_doesNotWait", async () => {
  const t = virtualTime();
  const budget = new RequestBudget({ capacity: 5, refillPerSecond: 1 }, t.clock, t.sleep);
  for (let i = 0; i < 5; i++) await budget.acquire();
  assert.deepEqual(t.sleeps, []);
  assert.equal(budget.granted, 5);
});

test("acquire_pastCapacity_waitsForRefillRate", async () => {
  const t = virtualTime();
  const budget = new RequestBudget({ capacity: 2, refillPerSecond: 4 }, t.clock, t.sleep);
  const start = t.clock.now();
  for (let i = 0; i < 10; i++) await budget.acquire();
  // 2 free, then 8 more at 4 per second = 2 seconds.
  assert.equal(t.clock.now() - start, 2000);
});

test("blockUntil_ban_blocksEveryCaller", async () => {
  const t = virtualTime();
  const budget = new RequestBudget({ capacity: 10, refillPerSecond: 10 }, t.clock, t.sleep);
  budget.blockUntil(t.clock.now() + 30_000);
  const start = t.clock.now();
  await Promise.all([budget.acquire(), budget.acquire()]);
  assert.ok(t.clock.now() - start >= 30_000);
});

test("config_invalid_throwsConfigError", () => {
  assert.throws(() => new RequestBudget({ capacity: 0, refillPerSecond: 1 }), ConfigError);
});

test("budgets_sameKey_shareOneBucket", () => {
  const budgets = new RequestBudgets({ capacity: 3, refillPerSecond: 1 });
  assert.equal(budgets.for("binance"), budgets.for("binance"));
  assert.notEqual(budgets.for("binance"), budgets.for("okx"));
});

test("backoffDelayMs_grows_exponentiallyWithJitterAndCap", () => {
  const policy = BackoffPolicy.parse({ baseMs: 100, maxMs: 1000 });
  assert.equal(
    backoffDelayMs(0, policy, () => 0),
    50,
  );
  assert.equal(
    backoffDelayMs(0, policy, () => 1),
    100,
  );
  assert.equal(
    backoffDelayMs(3, policy, () => 0),
    400,
  );
  assert.equal(
    backoffDelayMs(10, policy, () => 1),
    1000,
  );
  const spread = new Set(Array.from({ length: 20 }, (_, i) => backoffDelayMs(2, policy, () => i / 20)));
  assert.ok(spread.size > 10, "jitter spreads clients out");
});

test("withRetry_rateLimited_drainsBudgetAndHonoursRetryAfter", async () => {
  const t = virtualTime();
  const budget = new RequestBudget({ capacity: 10, refillPerSecond: 10 }, t.clock, t.sleep);
  let calls = 0;
  const result = await withRetry(
    async () => {
      calls++;
      if (calls === 1) {
        const e = new RateLimitedError("x", "429");
        e.retryAfterMs = 2000;
        throw e;
      }
      return "ok";
    },
    { budget, policy: BackoffPolicy.parse({ baseMs: 100 }), clock: t.clock, sleep: t.sleep, random: () => 0 },
  );
  assert.equal(result, "ok");
  assert.equal(calls, 2);
  assert.ok(t.sleeps.includes(2000), `slept ${t.sleeps}`);
});

test("withRetry_banned_blocksSharedBudgetForOtherCallers", async () => {
  const t = virtualTime();
  const budget = new RequestBudget({ capacity: 10, refillPerSecond: 10, banMs: 60_000 }, t.clock, t.sleep);
  let calls = 0;
  const start = t.clock.now();
  await withRetry(
    async () => {
      if (calls++ === 0) throw new VenueBannedError("x", "418");
      return 1;
    },
    { budget, policy: BackoffPolicy.parse({}), clock: t.clock, sleep: t.sleep },
  );
  assert.ok(t.clock.now() - start >= 60_000);
  assert.ok(budget.bannedUntil() >= start + 60_000);
});

test("withRetry_nonRetryable_throwsAtOnce", async () => {
  const t = virtualTime();
  const budget = new RequestBudget({ capacity: 10, refillPerSecond: 10 }, t.clock, t.sleep);
  let calls = 0;
  await assert.rejects(
    withRetry(
      async () => {
        calls++;
        throw new InvalidOrderError("x", "bad");
      },
      { budget, policy: BackoffPolicy.parse({}), clock: t.clock, sleep: t.sleep },
    ),
    InvalidOrderError,
  );
  assert.equal(calls, 1);
});

test("withRetry_persistentOutage_givesUpAfterMaxRetries", async () => {
  const t = virtualTime();
  const budget = new RequestBudget({ capacity: 10, refillPerSecond: 10 }, t.clock, t.sleep);
  let calls = 0;
  await assert.rejects(
    withRetry(
      async () => {
        calls++;
        throw new VenueUnavailableError("x", "503");
      },
      { budget, policy: BackoffPolicy.parse({ maxRetries: 3 }), clock: t.clock, sleep: t.sleep },
    ),
    VenueUnavailableError,
  );
  assert.equal(calls, 4);
});

test("withRetry_notAfter_noRetryWhoseBackoffEndsPastTheDeadline", async () => {
  // An execution's deadline bounds the venue's retries: a venue failing on every attempt (2 s each) no longer
  // holds the run for its whole retry policy (5 retries: about 20 s) past the deadline.
  const t = virtualTime();
  const budget = new RequestBudget({ capacity: 10, refillPerSecond: 10 }, t.clock, t.sleep);
  const start = t.clock.now();
  let calls = 0;
  await assert.rejects(
    withRetry(
      async () => {
        calls++;
        await t.sleep(2_000); // the request hangs, then fails
        throw new VenueUnavailableError("x", "timeout");
      },
      {
        budget,
        policy: BackoffPolicy.parse({ baseMs: 250 }),
        clock: t.clock,
        sleep: t.sleep,
        random: () => 1,
        notAfter: start + 5_000,
      },
    ),
    VenueUnavailableError,
  );
  // Attempts start at 0, 2.25 s and 4.75 s (back-offs of 0.25 s and 0.5 s); the next would start at 7.75 s: none.
  // Only the attempt in flight at the deadline runs past it (here until 6.75 s), not the 20 s of the policy.
  assert.equal(calls, 3);
  assert.equal(t.clock.now() - start, 6_750);
  // Without it, the policy's retries run.
  calls = 0;
  await assert.rejects(
    withRetry(
      async () => {
        calls++;
        throw new VenueUnavailableError("x", "503");
      },
      { budget, policy: BackoffPolicy.parse({ baseMs: 250, maxRetries: 3 }), clock: t.clock, sleep: t.sleep },
    ),
  );
  assert.equal(calls, 4);
});

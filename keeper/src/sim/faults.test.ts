/**
 * Injected faults seen through real ccxt clients: each fault surfaces as ccxt's typed error, and the
 * venue ends in a consistent state (no double orders, holds released, balances reconcile).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import ccxt from "ccxt";
import { FaultInjector } from "./faults.js";
import { faultsSchema } from "./scenario.js";
import { client } from "./testclient.js";
import { ALICE, DIALECTS, consistencyProblems, startTestSimulation, type Dialect } from "./testkit.js";
import type { RunningSimulation } from "./venues.js";

const SYMBOL = "BTC/USDT";

async function withVenue(
  dialect: Dialect,
  faults: Record<string, unknown>,
  fn: (run: RunningSimulation) => Promise<void>,
): Promise<void> {
  const run = await startTestSimulation({ [dialect]: { faults } });
  try {
    await fn(run);
    assert.deepEqual(consistencyProblems(run), []);
  } finally {
    await run.close();
  }
}

for (const dialect of DIALECTS) {
  describe(`faults on the ${dialect} dialect`, () => {
    it("http5xx_surfacesAsExchangeNotAvailable_thenRecovers", () =>
      withVenue(
        dialect,
        { rules: [{ kind: "http5xx", status: 503, endpoints: ["orderBook"], maxTimes: 1 }] },
        async (run) => {
          const ex = client(run, dialect);
          await ex.loadMarkets();
          await assert.rejects(ex.fetchOrderBook(SYMBOL), ccxt.ExchangeNotAvailable);
          assert.equal((await ex.fetchOrderBook(SYMBOL)).asks[0]?.[0], 30030);
        },
      ));

    it("rateLimitFault_surfacesAsTypedErrorWithRetryAfter", () =>
      withVenue(
        dialect,
        { rules: [{ kind: "rateLimit", retryAfterSeconds: 7, endpoints: ["balance"], maxTimes: 1 }] },
        async (run) => {
          const ex = client(run, dialect);
          // Binance's ccxt maps HTTP 429 (and 418) to DDoSProtection; OKX's maps code 50011 to RateLimitExceeded.
          await assert.rejects(ex.fetchBalance(), dialect === "binance" ? ccxt.DDoSProtection : ccxt.RateLimitExceeded);
          assert.equal((ex.last_response_headers as Record<string, string>)["Retry-After"], "7");
          assert.equal((await ex.fetchBalance())["USDT"]?.total, 100000);
        },
      ));

    it("tokenBucket_exhausted_answers429ThenBans", () =>
      withVenue(
        dialect,
        { rateLimit: { capacity: 4, refillPerSecond: 0.001, banAfterViolations: 2, banMs: 60_000 } },
        async (run) => {
          const limited = dialect === "binance" ? ccxt.DDoSProtection : ccxt.RateLimitExceeded;
          const ex = client(run, dialect);
          const bob = client(run, dialect, {
            apiKey: "test-bob-key",
            secret: "test-bob-secret",
            passphrase: "bob-pass",
          });
          await ex.loadMarkets();
          await bob.loadMarkets();
          let served = 0;
          for (;;) {
            try {
              await ex.fetchBalance();
              served++;
            } catch (e) {
              assert.ok(e instanceof limited, String(e));
              break;
            }
          }
          assert.ok(served >= 2 && served <= 4, `served ${served}`);
          assert.ok(Number((ex.last_response_headers as Record<string, string>)["Retry-After"]) >= 1);
          // Calling through the 429 escalates to a ban (Binance answers HTTP 418).
          await assert.rejects(
            ex.fetchBalance(),
            (e: unknown) => e instanceof limited && /banned|restricted/.test(String(e)),
          );
          await assert.rejects(ex.fetchBalance(), limited);
          // The budget is per API key: another account still gets through.
          assert.equal((await bob.fetchBalance())["BTC"]?.total, 2);
        },
      ));

    it("timeoutBeforeExecute_throwsRequestTimeoutAndPlacesNothing", () =>
      withVenue(
        dialect,
        { rules: [{ kind: "timeout", endpoints: ["createOrder"], maxTimes: 1, hangMs: 30_000 }] },
        async (run) => {
          const ex = client(run, dialect, ALICE, { timeout: 2_000 });
          await ex.loadMarkets();
          await assert.rejects(
            ex.createOrder(SYMBOL, "limit", "buy", 0.1, 29000, { clientOrderId: "hang1" }),
            ccxt.RequestTimeout,
          );
          assert.deepEqual(await ex.fetchOpenOrders(SYMBOL), []);
          assert.equal((await ex.fetchBalance())["USDT"]?.used, 0);
        },
      ));

    it("timeoutAfterExecute_orderExists_retryWithSameClientIdRejected_noDoubleOrder", () =>
      withVenue(
        dialect,
        { rules: [{ kind: "timeout", mode: "afterExecute", endpoints: ["createOrder"], maxTimes: 1, hangMs: 30_000 }] },
        async (run) => {
          const ex = client(run, dialect, ALICE, { timeout: 2_000 });
          await ex.loadMarkets();
          await assert.rejects(
            ex.createOrder(SYMBOL, "limit", "buy", 0.1, 29000, { clientOrderId: "lost1" }),
            ccxt.RequestTimeout,
          );
          // The answer was lost but the order was placed: the client id finds it, a blind retry is refused.
          const found = await ex.fetchOrder(undefined as unknown as string, SYMBOL, { clientOrderId: "lost1" });
          assert.equal(found.status, "open");
          await assert.rejects(
            ex.createOrder(SYMBOL, "limit", "buy", 0.1, 29000, { clientOrderId: "lost1" }),
            ccxt.InvalidOrder,
          );
          const open = await ex.fetchOpenOrders(SYMBOL);
          assert.deepEqual(
            open.map((o) => o.clientOrderId),
            ["lost1"],
          );
          assert.equal((await ex.fetchBalance())["USDT"]?.used, 2900);
        },
      ));

    it("rejectFault_throwsInvalidOrderAndHoldsNothing", () =>
      withVenue(dialect, { rules: [{ kind: "reject", maxTimes: 1 }] }, async (run) => {
        const ex = client(run, dialect);
        await ex.loadMarkets();
        await assert.rejects(ex.createOrder(SYMBOL, "limit", "buy", 0.1, 29000), ccxt.InvalidOrder);
        const b = await ex.fetchBalance();
        assert.equal(b["USDT"]?.used, 0);
        assert.equal(b["USDT"]?.total, 100000);
        assert.deepEqual(await ex.fetchOpenOrders(SYMBOL), []);
      }));

    it("partialFillFault_fillsRatioAndExpiresRest", () =>
      withVenue(dialect, { rules: [{ kind: "partialFill", fillRatio: 0.4, maxTimes: 1 }] }, async (run) => {
        const ex = client(run, dialect);
        const created = await ex.createOrder(SYMBOL, "limit", "buy", 1, 30060);
        assert.ok(created.id);
        const o = await ex.fetchOrder(created.id, SYMBOL);
        assert.equal(o.filled, 0.4);
        assert.equal(o.status, dialect === "binance" ? "expired" : "canceled");
        const b = await ex.fetchBalance();
        assert.equal(b["USDT"]?.used, 0);
        assert.equal(b["USDT"]?.total, 100000 - 0.4 * 30030);
        assert.deepEqual(await ex.fetchOpenOrders(SYMBOL), []);
      }));

    it("latencyBeyondClientTimeout_throwsRequestTimeout", () =>
      withVenue(dialect, { latencyMs: { min: 5_000, max: 5_000 } }, async (run) => {
        const ex = client(run, dialect, ALICE, { timeout: 500 });
        await assert.rejects(ex.fetchTime(), ccxt.RequestTimeout);
      }));

    it("adminEndpoint_replacesFaultRulesAtRunTime", () =>
      withVenue(dialect, {}, async (run) => {
        const ex = client(run, dialect);
        const url = run.urls.get(dialect)!;
        const res = await fetch(`${url}/sim/faults`, {
          method: "POST",
          body: JSON.stringify({ rules: [{ kind: "http5xx", status: 502, maxTimes: 1 }] }),
        });
        assert.equal(res.status, 200);
        await assert.rejects(ex.fetchTime(), ccxt.ExchangeNotAvailable);
        const health = (await (await fetch(`${url}/sim/health`)).json()) as {
          faults: { injected: { http5xx: number } };
        };
        assert.equal(health.faults.injected.http5xx, 1);
        const bad = await fetch(`${url}/sim/faults`, {
          method: "POST",
          body: JSON.stringify({ rules: [{ kind: "flood" }] }),
        });
        assert.equal(bad.status, 400);
      }));
  });
}

describe("FaultInjector", () => {
  const config = faultsSchema.parse({ rules: [{ kind: "http5xx", probability: 0.3 }] });
  it("decide_sameSeed_sameFaultSequence", () => {
    const a = Array.from(
      { length: 200 },
      (
        (f) => () =>
          f.decide("ticker").kind
      )(new FaultInjector(1, "v", config)),
    );
    const b = Array.from(
      { length: 200 },
      (
        (f) => () =>
          f.decide("ticker").kind
      )(new FaultInjector(1, "v", config)),
    );
    const c = Array.from(
      { length: 200 },
      (
        (f) => () =>
          f.decide("ticker").kind
      )(new FaultInjector(2, "v", config)),
    );
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    const rate = a.filter((k) => k === "http5xx").length / a.length;
    assert.ok(rate > 0.2 && rate < 0.4, `fault rate ${rate}`);
  });

  it("decide_orderOnlyFaults_neverHitOtherEndpoints", () => {
    const f = new FaultInjector(1, "v", faultsSchema.parse({ rules: [{ kind: "reject" }, { kind: "partialFill" }] }));
    assert.equal(f.decide("balance").kind, "none");
    assert.equal(f.decide("createOrder").kind, "reject");
  });
});

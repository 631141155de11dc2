/**
 * `CcxtVenue` over REAL `ccxt.binance` and `ccxt.okx` clients against the exchange simulator: every
 * call the keeper makes, with the simulator's faults (429/418 through the shared `RequestBudgets`, 5xx,
 * lost answers, partial fills), and balances that reconcile with the orders to the cent.
 *
 * The simulator runs on the test's virtual clock (`startSimulation(..., { now })`), so Retry-After and
 * bans elapse when the keeper's back-off sleeps, without real waiting.
 */
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseScenario } from "../sim/scenario.js";
import { ALICE, DIALECTS, consistencyProblems, testScenarioInput, type Dialect } from "../sim/testkit.js";
import { startSimulation, type RunningSimulation } from "../sim/venues.js";
import { RequestBudgets } from "./budget.js";
import type { CcxtVenue } from "./ccxtVenue.js";
import { RateLimitedError, VenueBannedError, VenueTimeoutError, VenueUnavailableError } from "./errors.js";
import { BPS, divRound, toWad, WAD } from "./fixed.js";
import { simVenue } from "./simVenue.js";
import { virtualTime } from "./testing/virtualTime.js";
import type { Balance, Order } from "./venue.js";

const PAIR = "BTC/USDT";
const TAKER_BPS = 20n;
const CENT = toWad("0.01");
const SATOSHI = toWad("0.00000001");

/**
 * Expected balance change of one account from its orders. The simulator charges the fee on what is
 * received: a buyer pays it in BTC (its quote value is `order.fee`), a seller in USDT.
 */
function expectedDeltas(orders: Order[]): { BTC: bigint; USDT: bigint } {
  let btc = 0n;
  let usdt = 0n;
  for (const o of orders) {
    if (o.side === "buy") {
      usdt -= o.cost;
      btc += o.filled - divRound(o.filled * TAKER_BPS, BPS, "up");
    } else {
      usdt += o.cost - o.fee;
      btc -= o.filled;
    }
  }
  return { BTC: btc, USDT: usdt };
}

function assertReconciles(before: Record<string, Balance>, after: Record<string, Balance>, orders: Order[]): void {
  const want = expectedDeltas(orders);
  const dUsdt = after.USDT.total - before.USDT.total;
  const dBtc = after.BTC.total - before.BTC.total;
  assert.ok(abs(dUsdt - want.USDT) < CENT, `USDT moved ${dUsdt}, orders say ${want.USDT}`);
  assert.ok(abs(dBtc - want.BTC) <= SATOSHI, `BTC moved ${dBtc}, orders say ${want.BTC}`);
}
const abs = (x: bigint): bigint => (x < 0n ? -x : x);

/** Orders the simulator holds for alice with a given client order id (all of them, open or closed). */
function ordersWithClientId(run: RunningSimulation, venue: string, clientOrderId: string): number {
  const ex = run.sim.venues.get(venue)!.exchange;
  return ex.allOrders("alice", PAIR, { limit: 10_000 }).filter((o) => o.clientOrderId === clientOrderId).length;
}

interface Setup {
  run: RunningSimulation;
  t: ReturnType<typeof virtualTime>;
  budgets: RequestBudgets;
  retries: unknown[];
  venue(opts?: { timeoutMs?: number }): Promise<CcxtVenue>;
}

let current: RunningSimulation | undefined;
afterEach(async () => {
  if (current) assert.deepEqual(consistencyProblems(current), []);
  await current?.close();
  current = undefined;
});

async function setup(dialect: Dialect, overrides: Record<string, unknown> = {}): Promise<Setup> {
  const t = virtualTime(Date.now());
  const run = await startSimulation(parseScenario(testScenarioInput({ [dialect]: overrides })), { now: t.clock.now });
  current = run;
  const budgets = new RequestBudgets({ capacity: 50, refillPerSecond: 50 }, t.clock, t.sleep);
  const retries: unknown[] = [];
  return {
    run,
    t,
    budgets,
    retries,
    venue: (opts = {}) =>
      simVenue(run, {
        venue: dialect,
        dialect,
        account: ALICE,
        budget: budgets.for(dialect),
        clock: t.clock,
        sleep: t.sleep,
        takerFeeBps: Number(TAKER_BPS),
        timeoutMs: opts.timeoutMs,
        policy: { baseMs: 100, maxRetries: 6 },
        onRetry: (err) => retries.push(err),
      }),
  };
}

for (const dialect of DIALECTS) {
  describe(`CcxtVenue over ccxt.${dialect} against the simulator`, () => {
    it("fetchOrderBook_and_quote_matchTheLadder", async () => {
      const s = await setup(dialect);
      const v = await s.venue();
      assert.deepEqual(v.pairs(), [PAIR]);
      assert.deepEqual(v.steps(PAIR), { lot: toWad("0.00001"), tick: toWad("0.01"), minAmount: toWad("0.00001") });
      const book = await v.fetchOrderBook(PAIR, 5);
      assert.deepEqual(book.asks[0], { price: toWad("30030"), amount: toWad("0.5") });
      assert.deepEqual(book.bids[1], { price: toWad("29940"), amount: toWad("0.5") });
      assert.equal(book.asks.length, 5);
      // 0.7 BTC: 0.5 at 30030 + 0.2 at 30060 = 21027 USDT, plus 20 bps.
      const q = await v.quote(PAIR, "buy", toWad("0.7"));
      assert.equal(q.amountIn, toWad("21027") + (toWad("21027") * TAKER_BPS) / BPS);
      assert.equal(q.fee, toWad("42.054"));
      assert.equal(q.slippageBps, 2); // (30038.57 - 30030) / 30030
    });

    it("placeOrder_iocWithClientId_fillsAcrossLevels_balancesReconcile", async () => {
      const s = await setup(dialect);
      const v = await s.venue();
      const before = await v.balances();
      assert.equal(before.BTC.total, toWad("2"));
      const buy = await v.placeOrder({
        pair: PAIR,
        side: "buy",
        amount: toWad("0.7"),
        limitPrice: toWad("30100"),
        timeInForce: "IOC",
        clientOrderId: `kbuy${dialect}`,
      });
      assert.equal(buy.status, "closed");
      assert.equal(buy.filled, toWad("0.7"));
      assert.equal(buy.cost, toWad("21027"));
      assert.equal(buy.clientOrderId, `kbuy${dialect}`);
      const sell = await v.placeOrder({
        pair: PAIR,
        side: "sell",
        amount: toWad("0.3"),
        limitPrice: toWad("29900"),
        timeInForce: "IOC",
        clientOrderId: `ksell${dialect}`,
      });
      assert.equal(sell.filled, toWad("0.3"));
      assert.equal(sell.cost, toWad("8991"));
      const byId = await v.fetchOrder(PAIR, buy.id);
      const byClient = await v.fetchOrderByClientId(PAIR, `ksell${dialect}`);
      assert.equal(byId.filled, buy.filled);
      assert.equal(byClient?.id, sell.id);
      assert.equal(await v.fetchOrderByClientId(PAIR, "knever"), undefined);
      assertReconciles(before, await v.balances(), [buy, sell]);
    });

    it("placeOrder_gtcPartiallyCrossing_restsThenCancel_releasesHold", async () => {
      const s = await setup(dialect);
      const v = await s.venue();
      const before = await v.balances();
      // 0.8 BTC at 30030: 0.5 fills against the best ask, 0.3 rests as the best bid.
      const o = await v.placeOrder({
        pair: PAIR,
        side: "buy",
        amount: toWad("0.8"),
        limitPrice: toWad("30030"),
        timeInForce: "GTC",
        clientOrderId: `kgtc${dialect}`,
      });
      assert.equal(o.status, "open");
      assert.equal(o.filled, toWad("0.5"));
      const resting = await v.balances();
      assert.equal(resting.USDT.used, toWad("9009")); // 0.3 x 30030 held
      const canceled = await v.cancelOrder(PAIR, o.id);
      assert.equal(canceled.status, "canceled");
      assert.equal(canceled.filled, toWad("0.5"));
      const after = await v.balances();
      assert.equal(after.USDT.used, 0n);
      assertReconciles(before, after, [canceled]);
    });

    it("placeOrder_injectedPartialFill_reportsWhatFilled", async () => {
      const s = await setup(dialect, {
        faults: { rules: [{ kind: "partialFill", fillRatio: 0.5, maxTimes: 1 }] },
      });
      const v = await s.venue();
      const before = await v.balances();
      const o = await v.placeOrder({
        pair: PAIR,
        side: "sell",
        amount: toWad("0.4"),
        limitPrice: toWad("29900"),
        timeInForce: "IOC",
        clientOrderId: `kpart${dialect}`,
      });
      assert.equal(o.status, "canceled");
      assert.equal(o.filled, toWad("0.2"));
      assert.equal(o.cost, toWad("5994"));
      assertReconciles(before, await v.balances(), [o]);
    });

    it("placeOrder_answerLostAfterPlacement_noDoubleOrder", async () => {
      const s = await setup(dialect);
      const v = await s.venue({ timeoutMs: 2_000 });
      const before = await v.balances();
      s.run.servers.get(dialect)!.faults.configure({
        rules: [{ kind: "timeout", mode: "afterExecute", hangMs: 30_000, endpoints: ["createOrder"], maxTimes: 1 }],
      });
      const o = await v.placeOrder({
        pair: PAIR,
        side: "buy",
        amount: toWad("0.2"),
        limitPrice: toWad("30100"),
        timeInForce: "IOC",
        clientOrderId: `klost${dialect}`,
      });
      assert.ok(s.retries.some((e) => e instanceof VenueTimeoutError));
      assert.equal(o.filled, toWad("0.2"));
      assert.equal(ordersWithClientId(s.run, dialect, `klost${dialect}`), 1);
      assertReconciles(before, await v.balances(), [o]);
    });

    it("calls_http5xx_retriedWithoutDuplicates", async () => {
      const s = await setup(dialect, {
        faults: { rules: [{ kind: "http5xx", status: 503, maxTimes: 3 }] },
      });
      const v = await s.venue();
      const book = await v.fetchOrderBook(PAIR, 5);
      assert.equal(book.asks[0].price, toWad("30030"));
      s.run.servers.get(dialect)!.faults.configure({
        rules: [{ kind: "http5xx", status: 502, endpoints: ["createOrder"], maxTimes: 2 }],
      });
      const before = await v.balances();
      const o = await v.placeOrder({
        pair: PAIR,
        side: "buy",
        amount: toWad("0.1"),
        limitPrice: toWad("30100"),
        timeInForce: "IOC",
        clientOrderId: `k5xx${dialect}`,
      });
      assert.equal(o.filled, toWad("0.1"));
      assert.equal(ordersWithClientId(s.run, dialect, `k5xx${dialect}`), 1);
      assert.ok(s.retries.filter((e) => e instanceof VenueUnavailableError).length >= 5);
      assertReconciles(before, await v.balances(), [o]);
    });

    it("rateLimits_sharedBudget_backsOffThrough429sAndBans", async () => {
      const s = await setup(dialect, {
        faults: { rateLimit: { capacity: 4, refillPerSecond: 2, banAfterViolations: 2, banMs: 3_000 } },
      });
      // Two venues (two loops of the keeper) on the same exchange and key share one budget.
      const [v1, v2] = [await s.venue(), await s.venue()];
      const budget = s.budgets.for(dialect);
      const start = s.t.clock.now();
      const books = await Promise.all(
        Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? v1 : v2).fetchOrderBook(PAIR, 5)),
      );
      for (const b of books) assert.equal(b.asks[0].price, toWad("30030"));
      const limited = s.retries.filter((e) => e instanceof RateLimitedError).length;
      const banned = s.retries.filter((e) => e instanceof VenueBannedError).length;
      assert.ok(limited + banned > 0, "the simulator limited the keeper");
      // Every 429/418 answer was paid for by waiting: Retry-After (>= 1 s) or the ban, on the shared budget.
      assert.ok(s.t.clock.now() - start >= 1_000);
      assert.ok(budget.waitedMs > 0 || s.t.sleeps.some((ms) => ms >= 1_000));
      if (dialect === "binance") assert.ok(banned > 0, "escalated to a 418 ban");
      assert.equal(budget.granted, 12 + 2 + limited + banned); // 12 books + 2 loadMarkets + retries
    });
  });
}

describe("balances", () => {
  it("balances_twoDialects_sameAccountSameFunds", async () => {
    const t = virtualTime(Date.now());
    const run = await startSimulation(parseScenario(testScenarioInput()), { now: t.clock.now });
    current = run;
    const budgets = new RequestBudgets({ capacity: 50, refillPerSecond: 50 }, t.clock, t.sleep);
    for (const d of DIALECTS) {
      const v = await simVenue(run, { venue: d, dialect: d, account: ALICE, budget: budgets.for(d) });
      const b = await v.balances();
      assert.deepEqual(b.BTC, { free: toWad("2"), used: 0n, total: toWad("2") });
      assert.equal(b.USDT.total, 100_000n * WAD);
    }
  });
});

import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { BinanceFixture } from "./testing/binanceFixture.js";
import { virtualTime } from "./testing/virtualTime.js";
import { RequestBudget } from "./budget.js";
import { CcxtVenue } from "./ccxtVenue.js";
import {
  InsufficientFundsError,
  InvalidOrderError,
  RateLimitedError,
  VenueBannedError,
  VenueUnavailableError,
} from "./errors.js";
import { toWad } from "./fixed.js";

let fixture: BinanceFixture;
let baseUrl: string;

function freshFixture(): BinanceFixture {
  return new BinanceFixture(
    {
      ETHUSDT: {
        base: "ETH",
        quote: "USDT",
        tickSize: "0.01",
        stepSize: "0.001",
        bids: [
          [1999, 1],
          [1998, 2],
        ],
        asks: [
          [2001, 1],
          [2002, 2],
          [2010, 5],
        ],
      },
    },
    { ETH: 10, USDT: 100_000 },
  );
}

before(async () => {
  fixture = freshFixture();
  baseUrl = await fixture.start();
});
after(async () => {
  await fixture.stop();
});
beforeEach(() => {
  const f = freshFixture();
  Object.assign(fixture.symbols, f.symbols);
  Object.assign(fixture.balances, f.balances);
  fixture.orders.length = 0;
  fixture.faults.length = 0;
  fixture.requests.length = 0;
});

function venue(budgetCapacity = 100) {
  const t = virtualTime();
  const budget = new RequestBudget({ capacity: budgetCapacity, refillPerSecond: 50 }, t.clock, t.sleep);
  const v = new CcxtVenue(fixture.client(baseUrl), { budget, clock: t.clock, sleep: t.sleep, random: () => 0.5 });
  return { v, t, budget };
}

/** Makes every retry of `method path` fail the same way (more failures than the venue's retry budget). */
function failPersistently(method: string, path: string, status: number, body: unknown): void {
  for (let i = 0; i < 10; i++) fixture.faults.push({ method, path, status, body });
}
test("init_loadMarkets_onlyCallsExchangeInfo", async () => {
  const { v } = venue();
  await v.init();
  assert.deepEqual(v.pairs(), ["ETH/USDT"]);
  assert.deepEqual(
    fixture.requests.map((r) => r.path),
    ["/api/v3/exchangeInfo"],
  );
  assert.deepEqual(v.steps("ETH/USDT"), { lot: toWad("0.001"), tick: toWad("0.01"), minAmount: toWad("0.001") });
  assert.equal(v.takerFeeBps("ETH/USDT"), 10n);
});

test("fetchOrderBook_binanceDepth_levelsAsWads", async () => {
  const { v } = venue();
  const book = await v.fetchOrderBook("ETH/USDT", 5);
  assert.deepEqual(book.bids[0], { price: toWad("1999"), amount: toWad("1") });
  assert.deepEqual(book.asks[2], { price: toWad("2010"), amount: toWad("5") });
  assert.equal(book.venueId, "binance");
});

test("quote_buyWalksAsks_feeAndSlippageIncluded", async () => {
  const { v } = venue();
  const q = await v.quote("ETH/USDT", "buy", toWad("2"));
  // 1 @ 2001 + 1 @ 2002 = 4003; fee 0.1% = 4.003.
  assert.equal(q.amountIn, toWad("4007.003"));
  assert.equal(q.fee, toWad("4.003"));
  assert.equal(q.amountOut, toWad("2"));
  assert.equal(q.gasCost, 0n);
  assert.equal(q.slippageBps, 2); // avg 2001.5 vs 2001 -> 2.49 bps, rounded toward zero
});

test("quote_bookTooThin_throwsInvalidOrder", async () => {
  const { v } = venue();
  await assert.rejects(v.quote("ETH/USDT", "sell", toWad("50")), InvalidOrderError);
});

test("placeOrder_limitIOC_sendsTimeInForceAndClientId_andParsesPartialFill", async () => {
  const { v } = venue();
  const order = await v.placeOrder({
    pair: "ETH/USDT",
    side: "buy",
    amount: toWad("3.5"),
    limitPrice: toWad("2002.009"),
    timeInForce: "IOC",
    clientOrderId: "kabc123",
  });
  const sent = fixture.orders[0];
  assert.equal(sent.timeInForce, "IOC");
  assert.equal(sent.type, "LIMIT");
  assert.equal(sent.clientOrderId, "kabc123");
  assert.equal(sent.price, "2002", "buy limit rounded down to the tick, never worse");
  assert.equal(order.status, "canceled", "IOC remainder expired");
  assert.equal(order.filled, toWad("3"));
  assert.equal(order.cost, toWad("6005"));
  assert.ok(order.average > toWad("2001.666") && order.average < toWad("2001.667"));
  assert.equal(order.fee, toWad("6.005"), "fee estimated from the taker rate when the exchange gives none");
  assert.equal(order.clientOrderId, "kabc123");
  assert.equal(fixture.balances.ETH.free, 13);
});

test("placeOrder_timeoutAfterExecution_looksUpClientIdAndNeverDoublesTheOrder", async () => {
  const { v } = venue();
  fixture.faults.push({ method: "POST", path: "/api/v3/order", status: 200, afterExecute: true, delayMs: 800 });
  const order = await v.placeOrder({
    pair: "ETH/USDT",
    side: "sell",
    amount: toWad("1"),
    limitPrice: toWad("1999"),
    timeInForce: "IOC",
    clientOrderId: "kdup1",
  });
  assert.equal(fixture.orders.length, 1, "exactly one order reached the exchange");
  assert.equal(order.filled, toWad("1"));
  assert.equal(order.status, "closed");
  assert.ok(fixture.requests.some((r) => r.method === "GET" && r.path === "/api/v3/order"));
});

test("placeOrder_503BeforeExecution_retriesAndPlacesOnce", async () => {
  const { v } = venue();
  fixture.faults.push({
    method: "POST",
    path: "/api/v3/order",
    status: 503,
    body: { code: -1001, msg: "Internal error" },
  });
  const order = await v.placeOrder({
    pair: "ETH/USDT",
    side: "sell",
    amount: toWad("1"),
    limitPrice: toWad("1999"),
    timeInForce: "IOC",
    clientOrderId: "k503",
  });
  assert.equal(order.filled, toWad("1"));
  assert.equal(fixture.orders.length, 1);
});

test("placeOrder_sameClientIdTwice_returnsTheFirstOrder", async () => {
  const { v } = venue();
  const req = {
    pair: "ETH/USDT",
    side: "buy" as const,
    amount: toWad("0.5"),
    limitPrice: toWad("2001"),
    timeInForce: "IOC" as const,
    clientOrderId: "konce",
  };
  const a = await v.placeOrder(req);
  const b = await v.placeOrder(req);
  assert.equal(a.id, b.id);
  assert.equal(fixture.orders.length, 1);
});

test("placeOrder_insufficientBalance_mapsToInsufficientFunds", async () => {
  const { v } = venue();
  await assert.rejects(
    v.placeOrder({
      pair: "ETH/USDT",
      side: "sell",
      amount: toWad("11"),
      limitPrice: toWad("1000"),
      timeInForce: "IOC",
      clientOrderId: "kfunds",
    }),
    InsufficientFundsError,
  );
});

test("placeOrder_belowLot_refusedBeforeSending", async () => {
  const { v } = venue();
  await assert.rejects(
    v.placeOrder({
      pair: "ETH/USDT",
      side: "sell",
      amount: toWad("0.0004"),
      limitPrice: toWad("1000"),
      timeInForce: "IOC",
      clientOrderId: "klot",
    }),
    InvalidOrderError,
  );
  assert.equal(fixture.orders.length, 0);
});

test("fetchOrderBook_429WithRetryAfter_backsOffThenSucceeds", async () => {
  const { v, t, budget } = venue();
  await v.init();
  fixture.faults.push({
    method: "GET",
    path: "/api/v3/depth",
    status: 429,
    headers: { "Retry-After": "3" },
    body: { code: -1003, msg: "Too many requests" },
  });
  const start = t.clock.now();
  const book = await v.fetchOrderBook("ETH/USDT");
  assert.equal(book.asks.length, 3);
  assert.ok(t.sleeps.includes(3000), `honours Retry-After: ${t.sleeps}`);
  // The whole shared budget is held for Retry-After plus at most 25% jitter (random() = 0.5 here: 12.5%).
  assert.equal(budget.bannedUntil() - start, 3_375);
  assert.ok(budget.granted >= 3);
});

test("fetchBalance_418Ban_blocksSharedBudgetThenSucceeds", async () => {
  const { v, t, budget } = venue();
  fixture.faults.push({ method: "GET", path: "/api/v3/account", status: 418, headers: { "Retry-After": "120" } });
  const start = t.clock.now();
  const balances = await v.balances();
  assert.equal(balances.USDT.free, toWad("100000"));
  assert.ok(budget.bannedUntil() >= start + 120_000);
  assert.ok(t.clock.now() - start >= 120_000);
});

test("errors_persistent429_surfaceAsRateLimited", async () => {
  const { v } = venue();
  await v.init();
  failPersistently("GET", "/api/v3/depth", 429, { code: -1003, msg: "Too many requests" });
  await assert.rejects(v.fetchOrderBook("ETH/USDT"), RateLimitedError);
});

test("errors_persistent418_surfaceAsBanned", async () => {
  const { v } = venue();
  failPersistently("GET", "/api/v3/account", 418, {
    code: -1003,
    msg: "Way too many requests; IP banned until 1700000600000.",
  });
  await assert.rejects(v.balances(), VenueBannedError);
});

test("errors_persistent503_surfaceAsUnavailable", async () => {
  const { v } = venue();
  failPersistently("GET", "/api/v3/exchangeInfo", 503, { code: -1001, msg: "Internal error" });
  await assert.rejects(v.init(), VenueUnavailableError);
});

test("fetchOrderByClientId_unknown_returnsUndefined_known_returnsOrder", async () => {
  const { v } = venue();
  assert.equal(await v.fetchOrderByClientId("ETH/USDT", "knope"), undefined);
  await v.placeOrder({
    pair: "ETH/USDT",
    side: "buy",
    amount: toWad("0.1"),
    limitPrice: toWad("1990"),
    timeInForce: "GTC",
    clientOrderId: "krest",
  });
  const found = await v.fetchOrderByClientId("ETH/USDT", "krest");
  assert.equal(found?.status, "open");
  const canceled = await v.cancelOrder("ETH/USDT", found!.id);
  assert.equal(canceled.status, "canceled");
  assert.equal((await v.fetchOrder("ETH/USDT", found!.id)).status, "canceled");
});

test("F2_init_503AtStart_laterCallsReachTheVenueAndRecover", async () => {
  const { v } = venue();
  failPersistently("GET", "/api/v3/exchangeInfo", 503, { code: -1001, msg: "Internal error" });
  await assert.rejects(v.init(), VenueUnavailableError);
  assert.ok(v.health().consecutiveFailures >= 1, "a venue that failed to load its markets is not healthy");
  fixture.faults.length = 0; // the outage ends
  fixture.requests.length = 0;
  // Every call, balances included, goes through the same init: ccxt's cached failed loadMarkets is not reused.
  const balances = await v.balances();
  assert.equal(balances["ETH"]!.total, toWad("10"));
  const book = await v.fetchOrderBook("ETH/USDT");
  assert.equal(book.asks[0]!.price, toWad("2001"));
  assert.ok(
    fixture.requests.some((r) => r.path === "/api/v3/exchangeInfo"),
    "markets were loaded again",
  );
  assert.equal(v.health().consecutiveFailures, 0);
});

test("F9_rateLimit_429HoldsTheSharedBudgetForRetryAfter_evenAfterTheLastRetry", async () => {
  const { v, t, budget } = venue();
  await v.init();
  failPersistently("GET", "/api/v3/depth", 429, { code: -1003, msg: "Too many requests" });
  const start = t.clock.now();
  await assert.rejects(v.fetchOrderBook("ETH/USDT"), RateLimitedError);
  // The last 429 still holds every caller of the budget: the next tick does not hit the exchange at once.
  assert.ok(budget.bannedUntil() >= t.clock.now() + 1_000 - 1, `held until ${budget.bannedUntil() - start}`);
});

test("F9_placeOrder_everyAttemptFailsAfterTheFirstExecuted_returnsTheOrderNotAnError", async () => {
  const { v } = venue();
  await v.init();
  // The first attempt executes but its answer is lost (a 503 after execution is what a timeout looks like here),
  // then every look-up is rate limited until the retries are spent: the final look-up finds the order.
  fixture.faults.push({ method: "POST", path: "/api/v3/order", status: 503, body: {}, afterExecute: true });
  for (let i = 0; i < 6; i++)
    fixture.faults.push({ method: "GET", path: "/api/v3/order", status: 429, body: { code: -1003, msg: "Too many" } });
  const o = await v.placeOrder({
    pair: "ETH/USDT",
    side: "buy",
    amount: toWad("0.5"),
    limitPrice: toWad("2001"),
    timeInForce: "IOC",
    clientOrderId: "kambiguous",
  });
  assert.equal(o.filled, toWad("0.5"));
  assert.equal(fixture.orders.filter((x) => x.clientOrderId === "kambiguous").length, 1);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { evaluateRoute, findOpportunities, type VenueSnapshot } from "./arbitrage.js";
import { clientOrderId, executeArbitrage, executeWithFallback, type ExecutionOptions } from "./executor.js";
import { InvalidOrderError, VenueTimeoutError, VenueUnavailableError } from "./errors.js";
import { toWad } from "./fixed.js";
import { MemoryVenue } from "./testing/memoryVenue.js";
import { virtualTime } from "./testing/virtualTime.js";
import type { BookLevel, Venue } from "./venue.js";

const lv = (price: string, amount: string): BookLevel => ({ price: toWad(price), amount: toWad(amount) });
const LOT = toWad("0.001");

function venues() {
  const cheap = new MemoryVenue(
    "cheap",
    { "ETH/USD": { bids: [lv("1995", "10")], asks: [lv("2000", "1"), lv("2001", "1"), lv("2050", "10")] } },
    { ETH: toWad("10"), USD: toWad("100000") },
    { lot: LOT },
  );
  const rich = new MemoryVenue(
    "rich",
    { "ETH/USD": { bids: [lv("2020", "1"), lv("2015", "1"), lv("1990", "10")], asks: [lv("2025", "10")] } },
    { ETH: toWad("10"), USD: toWad("100000") },
    { lot: LOT },
  );
  return { cheap, rich };
}

async function snapshot(v: MemoryVenue, pair = "ETH/USD"): Promise<VenueSnapshot> {
  const book = await v.fetchOrderBook(pair);
  const bal = await v.balances();
  return {
    venueId: v.id,
    kind: v.kind,
    market: "ETH/USD",
    pair,
    liquidity: { kind: "book", bids: book.bids, asks: book.asks, takerFeeBps: v.takerFeeBps },
    gasCostPerOrder: v.gasPerOrder,
    lot: v.lot,
    baseAvailable: bal.ETH.free,
    quoteAvailable: bal.USD.free,
  };
}

function opts(extra: Partial<ExecutionOptions> = {}): ExecutionOptions {
  const t = virtualTime();
  return { retryBudget: 2, gasBudget: toWad("100"), clock: t.clock, sleep: t.sleep, ...extra };
}

const total = (w: Record<string, bigint>, k: string) => w[k] ?? 0n;

test("clientOrderId_deterministicPerCampaignLegAttempt_andExchangeSafe", () => {
  const a = clientOrderId("campaign-1", "open", 0);
  assert.equal(a, clientOrderId("campaign-1", "open", 0));
  assert.notEqual(a, clientOrderId("campaign-1", "open", 1));
  assert.notEqual(a, clientOrderId("campaign-1", "close", 0));
  assert.notEqual(a, clientOrderId("campaign-2", "open", 0));
  assert.match(a, /^[a-zA-Z0-9]{32}$/);
});

test("executeArbitrage_cleanBooks_completesAtTheExpectedProfitWithLimitIOCOrders", async () => {
  const { cheap, rich } = venues();
  const plan = evaluateRoute(await snapshot(cheap), await snapshot(rich))!;
  assert.equal(plan.amount, toWad("2"));
  const before = { cheap: { ...cheap.wallet }, rich: { ...rich.wallet } };
  const report = await executeArbitrage({ cheap, rich }, plan, "c1", opts());
  assert.equal(report.status, "completed");
  assert.equal(report.pnl, plan.expectedProfit, "captures exactly the planned profit on unchanged books");
  assert.equal(report.baseDelta, 0n);
  for (const o of report.orders) assert.ok(o.limitPrice > 0n);
  // Balances reconcile to the unit with the report.
  const dq = total(cheap.wallet, "USD") - before.cheap.USD + total(rich.wallet, "USD") - before.rich.USD;
  assert.equal(dq, report.quoteDelta);
  assert.equal(total(cheap.wallet, "ETH") + total(rich.wallet, "ETH"), before.cheap.ETH + before.rich.ETH);
});

test("executeArbitrage_partialFillOnClose_retriedWithinBudget", async () => {
  const { cheap, rich } = venues();
  const plan = evaluateRoute(await snapshot(cheap), await snapshot(rich))!;
  rich.script.push({ kind: "partial", fillBps: 4000n });
  const report = await executeArbitrage({ cheap, rich }, plan, "c2", opts());
  assert.equal(report.status, "completed");
  assert.equal(report.retriesUsed, 1);
  assert.equal(report.closeFilled, plan.amount);
  assert.equal(
    new Set(report.orders.map((o) => o.clientOrderId)).size,
    report.orders.length,
    "every attempt its own id",
  );
});

test("executeArbitrage_closeVenueRejects_unwindsWithinBoundAndReports", async () => {
  const { cheap, rich } = venues();
  const plan = evaluateRoute(await snapshot(cheap), await snapshot(rich))!;
  for (let i = 0; i < 10; i++)
    rich.script.push({ kind: "throw", error: new InvalidOrderError("rich", "market halted") });
  const report = await executeArbitrage({ cheap, rich }, plan, "c3", opts({ unwindSlippageBps: 100n }));
  assert.equal(report.status, "unwound");
  assert.equal(report.residual, 0n);
  assert.equal(report.baseDelta, 0n, "no position left");
  assert.equal(report.unwound, plan.amount);
  const unwind = report.orders.filter((o) => o.purpose === "unwind");
  assert.ok(unwind.length >= 1);
  const openAvg = report.orders.find((o) => o.purpose === "open")!.average;
  for (const o of unwind) assert.ok(o.limitPrice >= (openAvg * 9900n) / 10000n, "unwind never sells below the bound");
  // Loss bounded: fees both ways plus the price bound.
  assert.ok(report.pnl < 0n && -report.pnl < (plan.buy.expectedQuote * 130n) / 10000n, `pnl ${report.pnl}`);
  assert.ok(report.events.some((e) => e.kind === "unwind"));
});

test("issue15_1_executeArbitrage_buyFeeTakenInBase_unwindSellsWhatTheAccountHolds", async () => {
  // The buy venue takes its fee in ETH (Binance spot) and the account held no ETH there before: the unwind can
  // only sell what the buy delivered. Selling the gross fill failed twice with InsufficientFunds: `exposed`.
  const { rich } = venues();
  const cheap = new MemoryVenue(
    "cheap",
    { "ETH/USD": { bids: [lv("1995", "10")], asks: [lv("2000", "1"), lv("2001", "1"), lv("2050", "10")] } },
    { ETH: 0n, USD: toWad("100000") },
    { lot: LOT, buyFeeInBase: true },
  );
  const plan = evaluateRoute(await snapshot(cheap), await snapshot(rich))!;
  for (let i = 0; i < 10; i++)
    rich.script.push({ kind: "throw", error: new InvalidOrderError("rich", "market halted") });
  const report = await executeArbitrage({ cheap, rich }, plan, "c3b", opts({ unwindSlippageBps: 100n }));
  const trail = JSON.stringify(report.events.map((e) => e.message));
  assert.equal(report.status, "unwound", trail);
  assert.equal(report.residual, 0n);
  // Everything the account held from the leg was sold back, down to less than one lot.
  assert.ok(total(cheap.wallet, "ETH") < LOT, `${total(cheap.wallet, "ETH")} ETH left`);
  assert.ok(!report.events.some((e) => /insufficient|quote|base$/i.test(e.message) && e.kind === "error"), trail);
});

test("issue15_1_executeArbitrage_buyFeeInBaseButAnswerLost_unwindCappedByTheBalanceReadBack", async () => {
  // The buy's answer carries no fee asset (an order read back after a timeout): the run cannot know the fee was
  // taken in ETH, so it reads the balance back before unwinding and sells what is there.
  const { rich } = venues();
  const cheap = new MemoryVenue(
    "cheap",
    { "ETH/USD": { bids: [lv("1995", "10")], asks: [lv("2000", "1"), lv("2001", "1"), lv("2050", "10")] } },
    { ETH: 0n, USD: toWad("100000") },
    { lot: LOT, buyFeeInBase: true },
  );
  const place = cheap.placeOrder.bind(cheap);
  cheap.placeOrder = async (req) => ({ ...(await place(req)), feeBase: undefined });
  const plan = evaluateRoute(await snapshot(cheap), await snapshot(rich))!;
  for (let i = 0; i < 10; i++)
    rich.script.push({ kind: "throw", error: new InvalidOrderError("rich", "market halted") });
  const report = await executeArbitrage({ cheap, rich }, plan, "c3c", opts({ unwindSlippageBps: 100n }));
  const trail = JSON.stringify(report.events.map((e) => e.message));
  assert.equal(report.status, "unwound", trail);
  assert.equal(report.residual, 0n);
  assert.ok(total(cheap.wallet, "ETH") < LOT, `${total(cheap.wallet, "ETH")} ETH left`);
});

test("issue15_3_executeArbitrage_closeVenueTimesOut_stopsAtTheDeadlineUnwound", async () => {
  // The closing venue answers every order with a timeout after 25 s. With a generous retry budget the run used
  // to retry and hedge there for minutes, past the claim; with a deadline 60 s out it sends nothing after it.
  const { cheap, rich } = venues();
  const plan = evaluateRoute(await snapshot(cheap), await snapshot(rich))!;
  const t = virtualTime();
  const start = t.clock.now();
  const deadline = start + 60_000;
  const sentAt: number[] = [];
  rich.placeOrder = async () => {
    sentAt.push(t.clock.now());
    t.advance(25_000);
    throw new VenueTimeoutError("rich", "timeout: no answer in 25 s");
  };
  const report = await executeArbitrage({ cheap, rich }, plan, "c-deadline", {
    retryBudget: 20,
    gasBudget: toWad("100"),
    clock: t.clock,
    sleep: t.sleep,
    deadline,
  });
  const trail = JSON.stringify(report.events.map((e) => e.message));
  assert.equal(report.status, "unwound", trail);
  assert.ok(sentAt.length > 0 && sentAt.every((at) => at < deadline), `orders sent at ${sentAt.map((a) => a - start)}`);
  assert.ok(
    report.events.some((e) => e.kind === "deadline"),
    trail,
  );
  // The run ended within one venue timeout of the deadline, not minutes later.
  assert.ok(t.clock.now() <= deadline + 25_000, `ended ${t.clock.now() - start} ms after the start`);
  assert.ok(total(cheap.wallet, "ETH") === toWad("10"), "the bought ETH was sold back");
});

test("issue15_3_executeArbitrage_pastTheDeadlineAtStart_sendsNothing", async () => {
  const { cheap, rich } = venues();
  const plan = evaluateRoute(await snapshot(cheap), await snapshot(rich))!;
  const t = virtualTime();
  const report = await executeArbitrage({ cheap, rich }, plan, "c-late", {
    ...opts(),
    clock: t.clock,
    sleep: t.sleep,
    deadline: t.clock.now(),
  });
  assert.equal(report.status, "abandoned", JSON.stringify(report.events.map((e) => e.message)));
  assert.equal(cheap.placeCalls + rich.placeCalls, 0, "calls");
});

test("issue15_3_executeArbitrage_deadlinePassesBeforeTheBridge_unwindsOnTheFirstVenueInsteadOfBridging", async () => {
  const { cheap, rich } = venues();
  const bridge = new MemoryVenue(
    "bridge",
    { "ETH@a/ETH@b": { bids: [lv("0.999", "1000")], asks: [] } },
    {},
    {
      kind: "bridge",
    },
  );
  const bridgeSnap = {
    venueId: "bridge",
    pair: "ETH@a/ETH@b",
    from: "a",
    to: "b",
    feeBps: 10n,
    fixedFee: 0n,
    delayMs: 60_000,
    gasCost: 0n,
    capacity: toWad("1000"),
  };
  const plan = evaluateRoute(
    { ...(await snapshot(cheap)), chain: "a" },
    { ...(await snapshot(rich)), chain: "b" },
    undefined,
    bridgeSnap,
  )!;
  assert.equal(plan.kind, "cross-chain");
  const t = virtualTime();
  const deadline = t.clock.now() + 10_000;
  const place = cheap.placeOrder.bind(cheap);
  cheap.placeOrder = async (req) => {
    const order = await place(req);
    if (req.side === "buy") t.advance(15_000); // the buy's answer comes after the deadline
    return order;
  };
  const report = await executeArbitrage({ cheap, rich, bridge }, plan, "c-bridge-late", {
    ...opts(),
    clock: t.clock,
    sleep: t.sleep,
    deadline,
  });
  const trail = JSON.stringify(report.events.map((e) => e.message));
  assert.equal(report.status, "unwound", trail);
  assert.equal(bridge.placeCalls, 0, "nothing locked in the bridge after the deadline");
  assert.equal(total(cheap.wallet, "ETH"), toWad("10"), "the bought ETH was sold back on the first venue");
});

test("executeArbitrage_openExecutedButAnswerLost_orderFoundByIdNotSentAgain", async () => {
  // The venue executes the buy, then the answer is lost (and the venue's own retries gave up): a new attempt
  // under a new client order id used to buy a second time.
  const { cheap, rich } = venues();
  const plan = evaluateRoute(await snapshot(cheap), await snapshot(rich))!;
  const place = cheap.placeOrder.bind(cheap);
  let lost = false;
  cheap.placeOrder = async (req) => {
    const order = await place(req);
    if (!lost) {
      lost = true;
      throw new VenueTimeoutError("cheap", "timeout: answer lost after execution");
    }
    return order;
  };
  const report = await executeArbitrage({ cheap, rich }, plan, "c-lost", opts());
  const trail = JSON.stringify(report.events.map((e) => e.message));
  assert.equal(report.status, "completed", trail);
  assert.equal(cheap.orders.filter((o) => o.side === "buy").length, 1, "one buy: " + trail);
  assert.equal(report.openFilled, plan.amount);
  assert.equal(report.closeFilled, plan.amount);
});

test("executeArbitrage_closePartialAndBudgetGone_hedgesAtRelaxedLimit", async () => {
  const { cheap, rich } = venues();
  const plan = evaluateRoute(await snapshot(cheap), await snapshot(rich))!;
  rich.script.push({ kind: "partial", fillBps: 5000n });
  const report = await executeArbitrage({ cheap, rich }, plan, "c4", opts({ retryBudget: 0 }));
  assert.equal(report.status, "hedged");
  const hedge = report.orders.find((o) => o.purpose === "hedge")!;
  assert.equal(hedge.limitPrice, (plan.sell.limitPrice * 9900n) / 10000n);
  assert.equal(report.baseDelta, 0n);
});

test("executeArbitrage_nothingCanClose_reportsExposedResidual", async () => {
  const { cheap, rich } = venues();
  const plan = evaluateRoute(await snapshot(cheap), await snapshot(rich))!;
  for (let i = 0; i < 10; i++) rich.script.push({ kind: "throw", error: new VenueUnavailableError("rich", "down") });
  cheap.books["ETH/USD"].bids = [lv("1500", "100")]; // unwinding would break the 1% bound
  const report = await executeArbitrage({ cheap, rich }, plan, "c5", opts());
  assert.equal(report.status, "exposed");
  assert.equal(report.residual, plan.amount);
  assert.equal(report.residualVenue, "cheap");
  assert.equal(report.baseDelta, plan.amount);
  assert.ok(report.events.some((e) => e.kind === "exposed"));
});

test("executeArbitrage_rerunSameCampaign_placesNoNewOrders", async () => {
  const { cheap, rich } = venues();
  const plan = evaluateRoute(await snapshot(cheap), await snapshot(rich))!;
  const first = await executeArbitrage({ cheap, rich }, plan, "c6", opts());
  const counts = [cheap.orders.length, rich.orders.length];
  const again = await executeArbitrage({ cheap, rich }, plan, "c6", opts());
  assert.deepEqual([cheap.orders.length, rich.orders.length], counts);
  assert.equal(again.pnl, first.pnl);
});

test("executeArbitrage_guardRefuses_noOrderSent", async () => {
  const { cheap, rich } = venues();
  const plan = evaluateRoute(await snapshot(cheap), await snapshot(rich))!;
  const report = await executeArbitrage(
    { cheap, rich },
    plan,
    "c7",
    opts({
      guard: () => {
        throw new Error("cool-down after failure");
      },
    }),
  );
  assert.equal(report.status, "abandoned", JSON.stringify(report.events.map((e) => e.message)));
  assert.equal(cheap.placeCalls + rich.placeCalls, 0, "calls");
  assert.ok(report.events.some((e) => e.kind === "refused"));
});

test("executeArbitrage_gasOverBudget_onChainLegNotSent", async () => {
  const { cheap, rich } = venues();
  const dex = new MemoryVenue(
    "dex",
    cheap.books,
    { ETH: toWad("10"), USD: toWad("100000") },
    { kind: "dex", gasPerOrder: toWad("5") },
  );
  const plan = evaluateRoute({ ...(await snapshot(dex)), gasCostPerOrder: toWad("5") }, await snapshot(rich))!;
  const report = await executeArbitrage({ dex, rich }, plan, "c8", opts({ gasBudget: toWad("4") }));
  assert.equal(report.status, "abandoned", JSON.stringify(report.events.map((e) => e.message)));
  assert.equal(dex.placeCalls, 0);
});

test("executeWithFallback_bestRouteVenueDown_runsTheNextRoute", async () => {
  const { cheap, rich } = venues();
  const mid = new MemoryVenue(
    "mid",
    { "ETH/USD": { bids: [lv("1990", "5")], asks: [lv("2005", "5")] } },
    { ETH: toWad("10"), USD: toWad("100000") },
    { lot: LOT },
  );
  const ranked = findOpportunities([await snapshot(cheap), await snapshot(rich), await snapshot(mid)]);
  assert.equal(ranked[0].sell.venueId, "rich");
  for (let i = 0; i < 10; i++) cheap.script.push({ kind: "throw", error: new VenueUnavailableError("cheap", "503") });
  const venuesById: Record<string, Venue> = { cheap, rich, mid };
  const { report, tried } = await executeWithFallback(venuesById, ranked, "c9", opts({ retryBudget: 1 }));
  assert.ok(tried.length >= 2, `tried ${tried}`);
  assert.ok(report && report.status === "completed", JSON.stringify(report?.status));
  assert.ok(!tried.slice(1).some((r) => r.startsWith("cheap>")), "fallback avoids the failed venue");
  assert.equal(tried[1], "mid>rich");
  assert.equal(cheap.orders.length, 0);
});

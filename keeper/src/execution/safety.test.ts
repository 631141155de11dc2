import { test } from "node:test";
import assert from "node:assert/strict";
import { SafetyRefusedError, SafetyRules, composeGuards } from "./safety.js";
import { toWad } from "./fixed.js";
import { virtualTime } from "./testing/virtualTime.js";
import { evaluateRoute } from "./arbitrage.js";
import { executeArbitrage, type ExecutionReport } from "./executor.js";
import { MemoryVenue } from "./testing/memoryVenue.js";
import { ConfigError } from "../errors.js";
import type { OrderRequest } from "./venue.js";

const CFG = { cooldownMs: 10_000, maxOrdersPerMinute: 3, maxSlippageBps: 100n, maxLoss: toWad("50") };
const req = (
  limit = "2000",
  purpose: "open" | "close" | "hedge" | "unwind" = "open",
): OrderRequest & { venueId: string; purpose: typeof purpose } => ({
  pair: "ETH/USD",
  side: "buy",
  amount: toWad("1"),
  limitPrice: toWad(limit),
  timeInForce: "IOC",
  clientOrderId: "k",
  venueId: "cex",
  purpose,
});
const report = (status: ExecutionReport["status"], pnl: bigint): ExecutionReport => ({
  campaignId: "c",
  status,
  orders: [],
  openFilled: 0n,
  closeFilled: 0n,
  unwound: 0n,
  residual: status === "exposed" ? toWad("1") : 0n,
  quoteDelta: 0n,
  baseDelta: 0n,
  gasSpent: 0n,
  pnl,
  retriesUsed: 0,
  events: [],
});

function rules() {
  const t = virtualTime();
  return { t, rules: new SafetyRules(CFG, () => toWad("2000"), t.clock) };
}

test("guard_limitBeyondSlippageBound_refused", () => {
  const { rules: r } = rules();
  r.guard(req("2019"));
  assert.throws(() => r.guard(req("2021")), SafetyRefusedError);
});

test("guard_ordersPerMinutePerPair_limited", () => {
  const { t, rules: r } = rules();
  for (let i = 0; i < 3; i++) r.guard(req());
  assert.throws(() => r.guard(req()), SafetyRefusedError);
  r.guard(req("2000", "unwind")); // closing risk is never rate-limited away
  t.advance(60_001);
  r.guard(req());
});

test("recordExecution_failure_startsCooldownForThePair", async () => {
  const { t, rules: r } = rules();
  await r.recordExecution("ETH/USD", report("unwound", -toWad("1")));
  assert.throws(() => r.guard(req()), /cooling down/);
  t.advance(10_000);
  r.guard(req());
});

test("breaker_lossBeyondMax_tripsRefusesOpeningLetsUnwindsThroughAndNotifies", async () => {
  const { rules: r } = rules();
  const reasons: string[] = [];
  r.onTrip((reason) => {
    reasons.push(reason);
  });
  await r.recordExecution("BTC/USD", report("completed", -toWad("30")));
  assert.equal(r.tripped, undefined);
  await r.recordExecution("BTC/USD", report("completed", -toWad("30")));
  assert.match(r.tripped!.reason, /realised loss/);
  assert.equal(reasons.length, 1);
  assert.throws(() => r.guard(req()), /circuit breaker/);
  r.guard(req("2000", "hedge"));
  r.reset();
  r.guard(req());
});

test("breaker_exposedExecution_trips", async () => {
  const { rules: r } = rules();
  await r.recordExecution("ETH/USD", report("exposed", 0n));
  assert.match(r.tripped!.reason, /exposed/);
});

test("config_invalid_throwsConfigError", () => {
  assert.throws(() => new SafetyRules({ ...CFG, maxOrdersPerMinute: 0 }, () => undefined), ConfigError);
});

test("executor_withSafetyGuard_refusedCloseIsHedgedNotOrphaned", async () => {
  const { rules: r } = rules();
  const lv = (p: string, a: string) => ({ price: toWad(p), amount: toWad(a) });
  const a = new MemoryVenue(
    "a",
    { "ETH/USD": { bids: [lv("1990", "5")], asks: [lv("2000", "5")] } },
    { ETH: toWad("5"), USD: toWad("100000") },
  );
  const b = new MemoryVenue(
    "b",
    { "ETH/USD": { bids: [lv("2100", "5")], asks: [lv("2110", "5")] } },
    { ETH: toWad("5"), USD: toWad("100000") },
  );
  const snap = (v: MemoryVenue) => ({
    venueId: v.id,
    kind: "cex" as const,
    market: "ETH/USD",
    pair: "ETH/USD",
    liquidity: { kind: "book" as const, ...v.books["ETH/USD"], takerFeeBps: 10n },
    gasCostPerOrder: 0n,
    lot: 0n,
    baseAvailable: toWad("5"),
    quoteAvailable: toWad("100000"),
  });
  const plan = evaluateRoute(snap(a), snap(b))!;
  // b's bid at 2100 is 5% from the 2000 reference: the closing limit breaks the slippage rule.
  const extra = composeGuards(() => undefined, r.guard);
  const result = await executeArbitrage({ a, b }, plan, "safe-1", { retryBudget: 0, gasBudget: 0n, guard: extra });
  assert.equal(result.status, "hedged", "the opening leg passed, the close was refused, the hedge closed the risk");
  assert.equal(b.placeCalls, 1, "only the hedge reached b");
  assert.ok(result.events.some((e) => e.kind === "refused" && /bps from/.test(e.message)));
  assert.equal(result.baseDelta, 0n);
});

test("openingRefusal_coolingDownOrTripped_namesTheReasonBeforeAnyOrder", async () => {
  const { t, rules: r } = rules();
  assert.equal(r.openingRefusal("ETH/USD"), undefined);
  await r.recordExecution("ETH/USD", report("unwound", 0n));
  assert.match(r.openingRefusal("ETH/USD") ?? "", /ETH\/USD cooling down for 10000 ms/);
  assert.equal(r.openingRefusal("BTC/USD"), undefined, "another pair is not cooling down");
  assert.throws(() => r.guard(req()), /cooling down/, "the guard refuses for the same reason");
  t.advance(10_000);
  assert.equal(r.openingRefusal("ETH/USD"), undefined);
  await r.recordExecution("ETH/USD", report("exposed", 0n));
  assert.match(r.openingRefusal("BTC/USD") ?? "", /circuit breaker tripped/);
});

test("guardFor_makerDuringTakerCooldown_quotesPassBreakerStillRefuses", async () => {
  const { rules: r } = rules();
  await r.recordExecution("ETH/USD", report("unwound", 0n));
  const maker = r.guardFor({ cooldown: false });
  assert.throws(() => r.guard(req()), /cooling down/, "a taking order waits out the cool-down");
  await maker(req()); // a market maker's quote is not held back by an arbitrage failure
  assert.equal(r.openingRefusal("ETH/USD", { cooldown: false }), undefined);
  assert.match(r.openingRefusal("ETH/USD") ?? "", /cooling down/);
  await r.trip("test");
  assert.throws(() => maker(req()), /circuit breaker tripped/, "the breaker stops quotes too");
  assert.match(r.openingRefusal("ETH/USD", { cooldown: false }) ?? "", /circuit breaker tripped/);
});

test("openingRefusal_venueOverItsOrderRate_namesVenueAndPair", async () => {
  const { t, rules: r } = rules();
  for (let i = 0; i < CFG.maxOrdersPerMinute; i++) await r.guard(req());
  assert.match(r.openingRefusal("ETH/USD", { venues: ["dex", "cex"] }) ?? "", /3 orders on cex\|ETH\/USD/);
  assert.equal(r.openingRefusal("ETH/USD", { venues: ["dex"] }), undefined, "another venue has room");
  assert.equal(r.openingRefusal("ETH/USD"), undefined, "no venue named: the rate is not asked");
  t.advance(60_001);
  assert.equal(r.openingRefusal("ETH/USD", { venues: ["cex"] }), undefined);
});

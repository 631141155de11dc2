import { test } from "node:test";
import assert from "node:assert/strict";
import { evaluateRoute, type Opportunity, type VenueSnapshot } from "./arbitrage.js";
import { toWad } from "./fixed.js";
import {
  DEFAULT_RISK_LIMITS_CONFIG,
  maxPlanAmount,
  orderRefusal,
  planRefusal,
  riskLimits,
  riskLimitsSchema,
  utcDay,
} from "./limits.js";
import type { BookLevel } from "./venue.js";

const lv = (price: string, amount: string): BookLevel => ({ price: toWad(price), amount: toWad(amount) });

function cex(venueId: string, bids: BookLevel[], asks: BookLevel[]): VenueSnapshot {
  return {
    venueId,
    kind: "cex",
    market: "BTC/USDT",
    pair: "BTC/USDT",
    liquidity: { kind: "book", bids, asks, takerFeeBps: 10n },
    gasCostPerOrder: 0n,
    lot: toWad("0.00001"),
    baseAvailable: toWad("100"),
    quoteAvailable: toWad("10000000"),
  };
}

/** Buys 1 BTC at 30 000 on alpha, sells at 30 300 on beta: notional 30 000, profit about 240 (80 bps). */
function plan(): Opportunity {
  const p = evaluateRoute(
    cex("alpha", [lv("29990", "10")], [lv("30000", "1"), lv("31000", "10")]),
    cex("beta", [lv("30300", "1"), lv("29000", "10")], [lv("30310", "10")]),
  );
  assert.ok(p);
  assert.equal(p.amount, toWad("1"));
  return p;
}

const ctx = { dailyPnl: 0n, held: () => 0n };

test("riskLimitsSchema_defaults_everyLimitSetAndUnknownKeyRefused", () => {
  const d = DEFAULT_RISK_LIMITS_CONFIG;
  assert.deepEqual(
    { ...d },
    {
      maxOrderNotional: "50000",
      maxCampaignNotional: "100000",
      maxInventoryNotional: "500000",
      maxInventory: {},
      minProfitBps: 5,
      minProfit: "1",
      maxDailyLoss: "5000",
      executionMarginSeconds: 30,
    },
  );
  assert.equal(riskLimitsSchema.safeParse({ maxOrderNotionl: "1" }).success, false, "a typo is an error");
  assert.equal(riskLimitsSchema.safeParse({ maxDailyLoss: "-1" }).success, false);
});

test("issue15_7_planRefusal_withinDefaults_admitted", () => {
  assert.equal(planRefusal(plan(), riskLimits(), ctx), undefined);
});

test("issue15_7_planRefusal_campaignNotionalAboveMax_refusedNamingTheLimit", () => {
  const limits = riskLimits({ ...DEFAULT_RISK_LIMITS_CONFIG, maxCampaignNotional: "20000" });
  assert.match(planRefusal(plan(), limits, ctx)!, /campaign notional 30000 exceeds maxCampaignNotional 20000/);
});

test("issue15_7_planRefusal_legNotionalAboveOrderMax_refused", () => {
  const limits = riskLimits({ ...DEFAULT_RISK_LIMITS_CONFIG, maxOrderNotional: "25000" });
  assert.match(planRefusal(plan(), limits, ctx)!, /buy leg notional 30000 on alpha exceeds maxOrderNotional 25000/);
});

test("issue15_7_planRefusal_profitBelowAbsoluteOrBps_refused", () => {
  const abs = riskLimits({ ...DEFAULT_RISK_LIMITS_CONFIG, minProfit: "1000" });
  assert.match(planRefusal(plan(), abs, ctx)!, /expected profit [\d.]+ below minProfit 1000/);
  const bps = riskLimits({ ...DEFAULT_RISK_LIMITS_CONFIG, minProfitBps: 100 });
  assert.match(planRefusal(plan(), bps, ctx)!, /expected profit \d+ bps below minProfitBps 100/);
});

test("issue15_7_planRefusal_inventoryOnTheBuyVenueWouldExceed_refused", () => {
  const base = riskLimits({ ...DEFAULT_RISK_LIMITS_CONFIG, maxInventory: { BTC: "5" } });
  const holding = { dailyPnl: 0n, held: (v: string, a: string) => (v === "alpha" && a === "BTC" ? toWad("4.5") : 0n) };
  assert.match(planRefusal(plan(), base, holding)!, /BTC inventory on alpha would reach 5.5, above maxInventory 5/);
  const value = riskLimits({ ...DEFAULT_RISK_LIMITS_CONFIG, maxInventoryNotional: "150000" });
  assert.match(planRefusal(plan(), value, holding)!, /would be worth 165000, above maxInventoryNotional 150000/);
});

test("issue15_7_planRefusal_dailyLossReached_refused", () => {
  const limits = riskLimits();
  assert.equal(planRefusal(plan(), limits, { ...ctx, dailyPnl: -toWad("4999") }), undefined);
  assert.match(
    planRefusal(plan(), limits, { ...ctx, dailyPnl: -toWad("5000") })!,
    /daily loss 5000 reached maxDailyLoss 5000/,
  );
});

test("issue15_7_orderRefusal_openingOrderAboveMax_refused_closingOrdersPass", () => {
  const limits = riskLimits({ ...DEFAULT_RISK_LIMITS_CONFIG, maxOrderNotional: "10000" });
  const order = { pair: "BTC/USDT", venueId: "alpha", amount: toWad("1"), limitPrice: toWad("30000") };
  assert.match(orderRefusal({ ...order, purpose: "open" }, limits)!, /order notional 30000 on alpha BTC\/USDT/);
  assert.match(orderRefusal({ ...order, purpose: "close" }, limits)!, /exceeds maxOrderNotional 10000/);
  assert.equal(orderRefusal({ ...order, purpose: "hedge" }, limits), undefined, "a hedge closes risk");
  assert.equal(orderRefusal({ ...order, purpose: "unwind" }, limits), undefined, "an unwind closes risk");
});

test("maxPlanAmount_notionalAndInventoryCaps_smallestWins", () => {
  const limits = riskLimits({ ...DEFAULT_RISK_LIMITS_CONFIG, maxOrderNotional: "15000", maxInventory: { BTC: "2" } });
  assert.equal(maxPlanAmount(limits, toWad("30000"), "BTC", undefined), toWad("0.5"));
  assert.equal(maxPlanAmount(limits, toWad("30000"), "BTC", toWad("1.8")), toWad("0.2"));
  assert.equal(maxPlanAmount(limits, toWad("30000"), "BTC", toWad("3")), 0n);
});

test("maxPlanAmount_sellLimitAboveBuy_sellLegStaysInsideMaxOrderNotional", () => {
  // Sized by the buy price alone, 1 BTC at 30 000 fits a 30 000 cap, but its sell order at 30 300 does not.
  const limits = riskLimits({ ...DEFAULT_RISK_LIMITS_CONFIG, maxOrderNotional: "30000" });
  assert.equal(maxPlanAmount(limits, toWad("30000"), "BTC", undefined), toWad("1"));
  const amount = maxPlanAmount(limits, toWad("30000"), "BTC", undefined, toWad("30300"));
  assert.equal(amount, (toWad("30000") * 10n ** 18n) / toWad("30300"));
  const sellNotional = (amount * toWad("30300") + 10n ** 18n - 1n) / 10n ** 18n;
  assert.ok(sellNotional <= toWad("30000"), "the sell leg's notional is inside maxOrderNotional");
  // A sell limit below the buy price (never the case in an arbitrage) does not loosen the buy order's cap.
  assert.equal(maxPlanAmount(limits, toWad("30000"), "BTC", undefined, toWad("29000")), toWad("1"));
  // And the plan of a real route, sized this way, passes the plan check on its sell leg.
  const p = plan();
  const cap = maxPlanAmount(limits, p.buy.limitPrice, "BTC", undefined, p.sell.limitPrice);
  const legs = [p.buy, p.sell].map((l) => ({ ...l, amount: cap }));
  for (const l of legs) assert.equal(orderRefusal({ ...l, purpose: "open" }, limits), undefined, `${l.side} leg`);
});

test("utcDay_midnightUtc_nextDay", () => {
  assert.equal(utcDay(Date.UTC(2026, 11, 4, 23, 59, 59)), "2026-12-04");
  assert.equal(utcDay(Date.UTC(2026, 11, 5, 0, 0, 0)), "2026-12-05");
});

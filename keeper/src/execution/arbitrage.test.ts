import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  DEFAULT_ARBITRAGE_CONFIG,
  argmaxConcave,
  evaluateRoute,
  fallbackRoutes,
  findOpportunities,
  type BridgeSnapshot,
  type VenueSnapshot,
} from "./arbitrage.js";
import { toWad, wadToNumber } from "./fixed.js";
import { buyCost, sellProceeds } from "./liquidity.js";
import type { BookLevel } from "./venue.js";

const lv = (price: string, amount: string): BookLevel => ({ price: toWad(price), amount: toWad(amount) });
const RICH = toWad("1000000");

function cex(venueId: string, bids: BookLevel[], asks: BookLevel[], feeBps = 10n): VenueSnapshot {
  return {
    venueId,
    kind: "cex",
    market: "ETH/USD",
    pair: "ETH/USDT",
    liquidity: { kind: "book", bids, asks, takerFeeBps: feeBps },
    gasCostPerOrder: 0n,
    lot: toWad("0.001"),
    baseAvailable: RICH,
    quoteAvailable: RICH,
  };
}

function dex(venueId: string, base: string, quote: string, chain = "a", gas = "0"): VenueSnapshot {
  return {
    venueId,
    kind: "dex",
    market: "ETH/USD",
    pair: "WETH/USD",
    liquidity: { kind: "curve", reserveBase: toWad(base), reserveQuote: toWad(quote), feeBps: 30n },
    gasCostPerOrder: toWad(gas),
    lot: 0n,
    baseAvailable: RICH,
    quoteAvailable: RICH,
    chain,
  };
}

test("evaluateRoute_cexCex_walksBothBooksToTheProfitMaximum", () => {
  const a = cex("a", [lv("99", "5")], [lv("100", "1"), lv("101", "1"), lv("104", "5")]);
  const b = cex("b", [lv("103", "1"), lv("102", "1"), lv("100.5", "5")], [lv("104", "5")]);
  const opp = evaluateRoute(a, b)!;
  assert.equal(opp.kind, "cex-cex");
  assert.equal(opp.amount, toWad("2"));
  // unit 1: 103*0.999 - 100*1.001 = 2.797; unit 2: 102*0.999 - 101*1.001 = 0.797
  assert.equal(opp.expectedProfit, toWad("3.594"));
  assert.equal(opp.buy.limitPrice, toWad("101"), "IOC limit at the marginal ask walked");
  assert.equal(opp.sell.limitPrice, toWad("102"));
  assert.equal(opp.costs.tradingFees, toWad("0.406"));
});

test("evaluateRoute_gapBelowFees_noOpportunity", () => {
  const a = cex("a", [lv("99.9", "5")], [lv("100", "5")]);
  const b = cex("b", [lv("100.15", "5")], [lv("100.3", "5")]);
  assert.equal(evaluateRoute(a, b), undefined);
  assert.deepEqual(findOpportunities([a, b]), []);
});

test("evaluateRoute_dexCex_matchesAnalyticOptimum", () => {
  // Pool at 2000, CEX bid 2100 deep: buy on the pool until its marginal cost meets the bid net of fees.
  const pool = dex("uni", "100", "200000", "a", "1.5");
  const bid = 2100;
  const c = cex("cex", [lv(String(bid), "1000")], [lv("2101", "1000")]);
  const opp = evaluateRoute(pool, c)!;
  assert.equal(opp.kind, "dex-cex");
  const x = 100;
  const y = 200_000;
  const gamma = 0.997;
  const pNet = bid * 0.999;
  const dStar = x - Math.sqrt((x * y) / (gamma * pNet));
  const cost = (y * dStar) / ((x - dStar) * gamma);
  const analytic = dStar * pNet - cost - 1.5;
  assert.ok(Math.abs(wadToNumber(opp.amount) - dStar) <= 0.001, `size ${wadToNumber(opp.amount)} vs ${dStar}`);
  assert.ok(
    Math.abs(wadToNumber(opp.expectedProfit) - analytic) / analytic < 1e-4,
    `${opp.expectedProfit} vs ${analytic}`,
  );
  assert.equal(opp.costs.gas, toWad("1.5"));
  assert.equal(
    opp.buy.limitPrice,
    (opp.buy.expectedQuote * 10n ** 18n) / opp.amount + 1n,
    "DEX limit = all-in average, rounded up",
  );
});

test("evaluateRoute_balances_capTheSize", () => {
  const a = cex("a", [lv("99", "5")], [lv("100", "10")]);
  const b = { ...cex("b", [lv("105", "10")], [lv("106", "5")]), baseAvailable: toWad("0.5") };
  assert.equal(evaluateRoute(a, b)!.amount, toWad("0.5"), "sell side holds only 0.5 base");
  const poor = { ...a, quoteAvailable: toWad("250") };
  assert.ok(evaluateRoute(poor, cex("b", [lv("105", "10")], [lv("106", "5")]))!.amount <= toWad("2.497"));
});

test("evaluateRoute_crossChain_needsABridgeAndPaysItsFeeAndDelay", () => {
  const a = dex("uni-a", "100", "200000", "a", "1");
  const b = dex("uni-b", "100", "220000", "b", "1");
  assert.equal(evaluateRoute(a, b), undefined, "different chains, no bridge");
  const bridge: BridgeSnapshot = {
    venueId: "bridge",
    pair: "WETH@a/WETH@b",
    from: "a",
    to: "b",
    feeBps: 10n,
    fixedFee: toWad("0.001"),
    delayMs: 120_000,
    gasCost: toWad("1"),
    capacity: toWad("1000"),
  };
  const opp = evaluateRoute(a, b, DEFAULT_ARBITRAGE_CONFIG, bridge)!;
  assert.equal(opp.kind, "cross-chain");
  assert.ok(opp.bridge!.arriving < opp.amount);
  assert.equal(opp.sell.amount, opp.bridge!.arriving);
  assert.ok(opp.costs.delayRisk > 0n && opp.costs.bridgeFee > 0n);
  const slow = evaluateRoute(a, b, DEFAULT_ARBITRAGE_CONFIG, { ...bridge, delayMs: 60 * 60_000 * 10 });
  assert.ok(!slow || slow.expectedProfit < opp.expectedProfit, "a slower bridge costs more");
  const ranked = findOpportunities([a, b], DEFAULT_ARBITRAGE_CONFIG, [bridge]);
  assert.equal(ranked.length, 1);
});

test("findOpportunities_ranksByProfit_andFallbackSkipsFailedVenues", () => {
  const cheap = cex("cheap", [lv("99", "5")], [lv("100", "5")]);
  const mid = cex("mid", [lv("100.5", "5")], [lv("101", "5")]);
  const rich = cex("rich", [lv("103", "5")], [lv("104", "5")]);
  const ranked = findOpportunities([cheap, mid, rich]);
  assert.equal(ranked[0].buy.venueId, "cheap");
  assert.equal(ranked[0].sell.venueId, "rich");
  for (let i = 1; i < ranked.length; i++) assert.ok(ranked[i - 1].expectedProfit >= ranked[i].expectedProfit);
  const fallback = fallbackRoutes(ranked, new Set(["rich"]));
  assert.ok(fallback.length > 0);
  assert.ok(fallback.every((o) => o.sell.venueId !== "rich" && o.buy.venueId !== "rich"));
  assert.equal(fallback[0].buy.venueId, "cheap");
  assert.equal(fallback[0].sell.venueId, "mid");
});

test("evaluateRoute_randomBooksFeesLotsAndCaps_bookPeakSizeIsTheBruteForceOptimum", () => {
  // Book against book is sized by one walk to the profit's peak and three grid points around it: against a brute
  // force over the whole grid, with fees differing by venue, lots that do not divide the levels, and the sell venue's
  // base balance or the configured cap cutting the size below the peak. Levels 0.1 apart (at 100, fees of 0-40 bps
  // are 0-0.4 a side): where the peak falls depends on the fees.
  const levels = (base: number, dir: 1 | -1) =>
    fc
      .array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 30 })), { minLength: 1, maxLength: 6 })
      .map((ls) => {
        const sorted = [...new Set(ls.map(([p]) => p))].sort((x, y) => x - y);
        return sorted.map((p, i) => lv((base + (dir * p) / 10).toFixed(1), String(ls[i % ls.length][1] / 10)));
      });
  fc.assert(
    fc.property(
      levels(100, 1),
      levels(101, -1),
      fc.integer({ min: 0, max: 40 }),
      fc.integer({ min: 0, max: 40 }),
      fc.constantFrom("0.1", "0.03", "0.007"),
      fc.option(fc.integer({ min: 1, max: 60 })),
      fc.option(fc.integer({ min: 1, max: 60 })),
      (asks, bids, buyFee, sellFee, lotText, sellBase, cap) => {
        const lot = toWad(lotText);
        const buy = { ...cex("a", [lv("90", "100")], asks, BigInt(buyFee)), lot };
        const sell = {
          ...cex("b", bids, [lv("200", "100")], BigInt(sellFee)),
          lot,
          ...(sellBase === null ? {} : { baseAvailable: toWad(String(sellBase / 10)) }),
        };
        const config = { ...DEFAULT_ARBITRAGE_CONFIG, ...(cap === null ? {} : { maxAmount: toWad(String(cap / 10)) }) };
        const opp = evaluateRoute(buy, sell, config);
        let limit = sell.baseAvailable;
        if (config.maxAmount > 0n && config.maxAmount < limit) limit = config.maxAmount;
        let best = 0n;
        for (let n = 1n; n * lot <= limit; n++) {
          const c = buyCost(buy.liquidity, n * lot);
          const p = sellProceeds(sell.liquidity, n * lot);
          if (!c || !p) break;
          if (p.quote - c.quote > best) best = p.quote - c.quote;
        }
        return opp === undefined ? best <= config.minProfit : opp.expectedProfit === best;
      },
    ),
    { numRuns: 500 },
  );
});

test("argmaxConcave_findsTheMaximumOfConcaveFunctions", () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.bigInt({ min: 1n, max: 1000n }), (peak, curvature) => {
      const f = (x: bigint) => -curvature * (x - peak) * (x - peak);
      const found = argmaxConcave(f, 0n, 10n ** 12n);
      return f(found) === f(peak);
    }),
    { numRuns: 200 },
  );
});

test("evaluateRoute_randomBooks_sizeIsTheBruteForceOptimumOnTheLotGrid", () => {
  const lot = toWad("0.1");
  const levels = (base: number, dir: 1 | -1) =>
    fc
      .array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 30 })), { minLength: 1, maxLength: 5 })
      .map((ls) => {
        const sorted = [...new Set(ls.map(([p]) => p))].sort((x, y) => x - y);
        return sorted.map((p, i) => lv(String(base + dir * p), String(ls[i % ls.length][1] / 10)));
      });
  fc.assert(
    fc.property(levels(100, 1), levels(103, -1), fc.integer({ min: 0, max: 30 }), (asks, bids, feeBps) => {
      const buy = { ...cex("a", [lv("90", "100")], asks, BigInt(feeBps)), lot };
      const sell = { ...cex("b", bids, [lv("200", "100")], BigInt(feeBps)), lot };
      const opp = evaluateRoute(buy, sell);
      let best = 0n;
      for (let n = 1n; ; n++) {
        const q = n * lot;
        const c = buyCost(buy.liquidity, q);
        const p = sellProceeds(sell.liquidity, q);
        if (!c || !p) break;
        if (p.quote - c.quote > best) best = p.quote - c.quote;
      }
      return opp === undefined ? best === 0n : opp.expectedProfit === best;
    }),
    { numRuns: 300 },
  );
});

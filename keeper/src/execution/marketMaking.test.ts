import { test } from "node:test";
import assert from "node:assert/strict";
import {
  MarketMaker,
  cancelAllActions,
  computeQuotes,
  halfSpreadFor,
  insideBand,
  markedPnl,
  planRefresh,
  type MarketMakingParams,
  type MarketState,
} from "./marketMaking.js";
import { toWad } from "./fixed.js";
import { MemoryVenue } from "./testing/memoryVenue.js";
import type { Order } from "./venue.js";

const P: MarketMakingParams = {
  minHalfSpreadBps: 10n,
  volSpreadFactorBps: 5000n,
  skewBps: 20n,
  orderSize: toWad("1"),
  targetInventory: toWad("5"),
  maxInventory: toWad("4"),
  tick: toWad("0.01"),
  lot: toWad("0.001"),
  priceToleranceBps: 5n,
  maxAgeMs: 30_000,
};
const S: MarketState = {
  mid: toWad("2000"),
  volatilityBps: 10n,
  inventory: toWad("5"),
  baseAvailable: toWad("5"),
  quoteAvailable: toWad("100000"),
};

test("computeQuotes_flatInventory_symmetricAroundMid", () => {
  const q = computeQuotes(S, P);
  assert.equal(q.reservation, toWad("2000"));
  assert.equal(q.bid!.price, toWad("1998"));
  assert.equal(q.ask!.price, toWad("2002"));
  assert.equal(q.bid!.amount, toWad("1"));
});

test("computeQuotes_inventorySkew_longQuotesLowerShortQuotesHigher", () => {
  const long = computeQuotes({ ...S, inventory: toWad("7") }, P);
  const short = computeQuotes({ ...S, inventory: toWad("3") }, P);
  assert.equal(long.reservation, toWad("1998"), "half of max deviation -> half of 20 bps lower");
  assert.equal(short.reservation, toWad("2002"));
  assert.ok(long.bid!.price < S.mid && long.ask!.price < toWad("2002"));
});

test("computeQuotes_higherVolatility_widerSpread", () => {
  const calm = computeQuotes(S, P);
  const wild = computeQuotes({ ...S, volatilityBps: 200n }, P);
  assert.equal(wild.halfSpreadBps, 100n);
  assert.ok(wild.ask!.price - wild.bid!.price > calm.ask!.price - calm.bid!.price);
});

test("computeQuotes_atInventoryLimit_quotesOnlyTheReducingSide", () => {
  const full = computeQuotes({ ...S, inventory: toWad("9") }, P);
  assert.equal(full.bid, undefined);
  assert.ok(full.ask);
  const empty = computeQuotes({ ...S, inventory: toWad("1") }, P);
  assert.equal(empty.ask, undefined);
  assert.ok(empty.bid);
  const broke = computeQuotes({ ...S, quoteAvailable: toWad("999") }, P);
  assert.equal(broke.bid!.amount, toWad("0.5"), "bid size capped by quote balance, rounded to the lot");
});

function resting(side: "buy" | "sell", price: string, timestamp = 0): Order {
  return {
    venueId: "v",
    id: `${side}-${price}`,
    clientOrderId: "x",
    pair: "ETH/USD",
    side,
    status: "open",
    amount: toWad("1"),
    filled: 0n,
    cost: 0n,
    average: 0n,
    fee: 0n,
    gasCost: 0n,
    limitPrice: toWad(price),
    timestamp,
  };
}

test("planRefresh_withinTolerance_keeps_driftedOrStale_replaces", () => {
  const desired = computeQuotes(S, P);
  assert.deepEqual(planRefresh([resting("buy", "1998.5"), resting("sell", "2002")], desired, 1000, P), []);
  const drifted = planRefresh([resting("buy", "1990"), resting("sell", "2002")], desired, 1000, P);
  assert.deepEqual(
    drifted.map((a) => a.type),
    ["cancel", "place"],
  );
  const stale = planRefresh([resting("buy", "1998"), resting("sell", "2002", 0)], desired, 40_000, P);
  assert.equal(stale.filter((a) => a.type === "cancel").length, 2);
  const dup = planRefresh([resting("buy", "1998"), resting("buy", "1998.1"), resting("sell", "2002")], desired, 0, P);
  assert.deepEqual(dup, [{ type: "cancel", order: resting("buy", "1998.1"), reason: "duplicate" }]);
});

test("cancelAllActions_cancelsEveryOpenOrder", () => {
  const done = { ...resting("buy", "1"), status: "closed" as const };
  assert.equal(cancelAllActions([resting("buy", "1998"), resting("sell", "2002"), done], "breaker").length, 2);
});

test("marketMaker_quotesRefreshesAndCancelsAllOnBreakerTrip", async () => {
  const venue = new MemoryVenue(
    "cex",
    {
      "ETH/USD": {
        bids: [{ price: toWad("1990"), amount: toWad("10") }],
        asks: [{ price: toWad("2010"), amount: toWad("10") }],
      },
    },
    { ETH: toWad("5"), USD: toWad("100000") },
    { lot: toWad("0.001") },
  );
  const mm = new MarketMaker(venue, "ETH/USD", "mm-1", P);
  await mm.tick(S, 0);
  assert.equal(venue.orders.filter((o) => o.status === "open").length, 2);
  assert.deepEqual(
    venue.orders.map((o) => o.limitPrice),
    [toWad("1998"), toWad("2002")],
  );
  const moved = await mm.tick({ ...S, mid: toWad("2004") }, 1000);
  assert.equal(moved.filter((a) => a.type === "cancel").length, 2);
  assert.equal(venue.orders.filter((o) => o.status === "open").length, 2, "replaced, never doubled");
  const stopped = await mm.stop("circuit breaker: slippage");
  assert.equal(stopped.length, 2);
  assert.equal(venue.orders.filter((o) => o.status === "open").length, 0);
  assert.deepEqual(mm.openOrders(), []);
  await assert.rejects(mm.tick(S, 2000));
});

test("computeQuotes_makerFeeAndAdverseSelection_halfSpreadCoversBoth", () => {
  // min 1 bp, fee 2 bps, buffer 1 bp, one refresh interval's volatility 3 bps at factor 1: 6 bps.
  const p: MarketMakingParams = {
    ...P,
    minHalfSpreadBps: 1n,
    volSpreadFactorBps: 10_000n,
    makerFeeBps: 2n,
    adverseSelectionBps: 1n,
  };
  assert.equal(halfSpreadFor(3n, p), 6n);
  const q = computeQuotes({ ...S, volatilityBps: 3n }, p);
  assert.equal(q.halfSpreadBps, 6n);
  assert.equal(q.bid!.price, toWad("1998.8"));
  assert.equal(q.ask!.price, toWad("2001.2"));
  // Each fill earns its half-spread net of the maker fee: > 0 whatever the volatility.
  for (const vol of [0n, 5n, 50n]) assert.ok(halfSpreadFor(vol, p) > p.makerFeeBps!);
  // The minimum still applies when the costs are smaller.
  assert.equal(halfSpreadFor(0n, { ...p, minHalfSpreadBps: 9n }), 9n);
});

test("computeQuotes_capitalCap_eachSideQuotesAtMostTheGrant", () => {
  const q = computeQuotes(S, { ...P, maxQuoteNotional: toWad("999") });
  // 999 USD at 1998 buys 0.5 ETH; at 2002 sells 0.499 (rounded down to the lot).
  assert.equal(q.bid!.amount, toWad("0.5"));
  assert.equal(q.ask!.amount, toWad("0.499"));
  assert.ok((q.ask!.amount * q.ask!.price) / toWad("1") <= toWad("999"));
  const none = computeQuotes(S, { ...P, maxQuoteNotional: 0n });
  assert.equal(none.bid, undefined);
  assert.equal(none.ask, undefined);
});

test("markedPnl_feesInBalances_inventoryChangeAtTheReference_startingHoldingDriftLeftOut", () => {
  const start = { base: toWad("1"), quote: toWad("1000"), reference: toWad("2000") };
  // Sold 0.5 at 2002 less a 2 bps fee in quote (0.2002), price now 2001:
  // 1000.7998 received - 0.5 x 2001 of inventory given up = 0.2998.
  const end = { base: toWad("0.5"), quote: toWad("2000.7998"), reference: toWad("2001") };
  assert.equal(markedPnl(start, end), toWad("0.2998"));
  // A price move alone (no trade) is no PnL of the run, whatever the holding.
  assert.equal(markedPnl(start, { ...start, reference: toWad("2100") }), 0n);
});

test("insideBand_targetPlusMinusMaxInventory", () => {
  assert.ok(insideBand(toWad("9"), P));
  assert.ok(insideBand(toWad("1"), P));
  assert.ok(!insideBand(toWad("9.001"), P));
  assert.ok(!insideBand(toWad("0.999"), P));
});

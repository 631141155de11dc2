import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { findOpportunities } from "./arbitrage.js";
import { RequestBudget } from "./budget.js";
import { CcxtVenue } from "./ccxtVenue.js";
import { executeArbitrage } from "./executor.js";
import { toWad, wadToNumber } from "./fixed.js";
import { snapshotVenue } from "./snapshot.js";
import { BinanceFixture, type FixtureSymbol } from "./testing/binanceFixture.js";
import { virtualTime } from "./testing/virtualTime.js";

const book = (bids: [number, number][], asks: [number, number][]): Record<string, FixtureSymbol> => ({
  ETHUSDT: { base: "ETH", quote: "USDT", tickSize: "0.01", stepSize: "0.001", bids, asks },
});

let a: BinanceFixture;
let b: BinanceFixture;
let urls: [string, string];

before(async () => {
  a = new BinanceFixture(
    book(
      [[1995, 5]],
      [
        [2000, 1],
        [2001, 1.5],
      ],
    ),
    { ETH: 10, USDT: 100_000 },
  );
  b = new BinanceFixture(
    book(
      [
        [2020, 1],
        [2016, 1.5],
      ],
      [[2030, 5]],
    ),
    { ETH: 10, USDT: 100_000 },
  );
  urls = [await a.start(), await b.start()];
});
after(async () => {
  await Promise.all([a.stop(), b.stop()]);
});

test("executeArbitrage_throughCcxtWithTimeoutsAnd429s_noDoubleOrdersAndBalancesReconcile", async () => {
  const t = virtualTime();
  const venue = (f: BinanceFixture, url: string, id: string) =>
    new CcxtVenue(f.client(url), {
      id,
      budget: new RequestBudget({ capacity: 50, refillPerSecond: 50 }, t.clock, t.sleep),
      clock: t.clock,
      sleep: t.sleep,
    });
  const va = venue(a, urls[0], "a");
  const vb = venue(b, urls[1], "b");
  const [sa, sb] = await Promise.all([
    snapshotVenue(va, { pair: "ETH/USDT", market: "ETH/USD" }),
    snapshotVenue(vb, { pair: "ETH/USDT", market: "ETH/USD" }),
  ]);
  const [plan] = findOpportunities([sa, sb]);
  assert.equal(plan.amount, toWad("2.5"));
  const before = { a: structuredClone(a.balances), b: structuredClone(b.balances) };
  // Faults: the buy on a executes but its answer is lost (timeout); the sell on b first meets a 429,
  // then fills only what its book holds at the limit (b's book was thinned by someone else).
  a.faults.push({ method: "POST", path: "/api/v3/order", status: 200, afterExecute: true, delayMs: 800 });
  b.faults.push({
    method: "POST",
    path: "/api/v3/order",
    status: 429,
    body: { code: -1003, msg: "Too many requests" },
  });
  b.symbols.ETHUSDT.bids = [
    [2020, 1],
    [2016, 0.5],
    [2010, 10],
  ];
  const report = await executeArbitrage({ a: va, b: vb }, plan, "ccxt-1", {
    retryBudget: 2,
    gasBudget: 0n,
    clock: t.clock,
    sleep: t.sleep,
  });
  // b only had 1.5 at or above the 2016 limit: the remaining 1 ETH was hedged at the relaxed limit.
  assert.equal(report.status, "hedged", JSON.stringify(report.events.map((e) => e.message)));
  assert.equal(report.baseDelta, 0n);
  // No double orders: one order per client id on each exchange, and the lost answer did not duplicate the buy.
  for (const f of [a, b]) {
    const ids = f.orders.map((o) => o.clientOrderId);
    assert.equal(new Set(ids).size, ids.length);
  }
  assert.equal(a.orders.length, 1);
  assert.equal(b.orders.length, report.orders.filter((o) => o.venueId === "b").length);
  // Balances reconcile to the cent with the report.
  const dUsdt = a.balances.USDT.free - before.a.USDT.free + (b.balances.USDT.free - before.b.USDT.free);
  const dEth = a.balances.ETH.free - before.a.ETH.free + (b.balances.ETH.free - before.b.ETH.free);
  assert.ok(Math.abs(dUsdt - wadToNumber(report.quoteDelta)) < 0.005, `${dUsdt} vs ${wadToNumber(report.quoteDelta)}`);
  assert.ok(Math.abs(dEth) < 1e-9);
  // The exchanges' own view through ccxt agrees.
  const [ba, bb] = await Promise.all([va.balances(), vb.balances()]);
  assert.equal(ba.ETH.total + bb.ETH.total, toWad("20"));
});

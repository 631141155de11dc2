import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { snapshotVenue } from "./snapshot.js";
import { findOpportunities } from "./arbitrage.js";
import { CcxtVenue } from "./ccxtVenue.js";
import { RequestBudget } from "./budget.js";
import { toWad } from "./fixed.js";
import { BinanceFixture } from "./testing/binanceFixture.js";
import { MemoryVenue } from "./testing/memoryVenue.js";

let fixture: BinanceFixture;
let url: string;
before(async () => {
  fixture = new BinanceFixture(
    {
      ETHUSDT: {
        base: "ETH",
        quote: "USDT",
        tickSize: "0.01",
        stepSize: "0.001",
        bids: [[2050, 2]],
        asks: [[2051, 2]],
      },
    },
    { ETH: 3, USDT: 10_000 },
  );
  url = await fixture.start();
});
after(async () => {
  await fixture.stop();
});

test("snapshotVenue_ccxtAndMemory_feedDetection", async () => {
  const cex = new CcxtVenue(fixture.client(url), { budget: new RequestBudget({ capacity: 10, refillPerSecond: 10 }) });
  const s1 = await snapshotVenue(cex, { pair: "ETH/USDT", market: "ETH/USD" });
  assert.equal(s1.lot, toWad("0.001"));
  assert.equal(s1.baseAvailable, toWad("3"));
  assert.equal(s1.liquidity.kind === "book" && s1.liquidity.takerFeeBps, 10n);
  const mem = new MemoryVenue(
    "mem",
    {
      "ETH/USDT": {
        bids: [{ price: toWad("1990"), amount: toWad("5") }],
        asks: [{ price: toWad("2000"), amount: toWad("5") }],
      },
    },
    { ETH: toWad("1"), USDT: toWad("100000") },
  );
  await assert.rejects(snapshotVenue(mem, { pair: "ETH/USDT" }), RangeError);
  const s2 = await snapshotVenue(mem, { pair: "ETH/USDT", market: "ETH/USD", takerFeeBps: 10n });
  const [best] = findOpportunities([s1, s2]);
  assert.equal(best.buy.venueId, "mem");
  assert.equal(best.sell.venueId, "binance");
  assert.equal(best.amount, toWad("2"), "capped by the 2 ETH bid on binance");
});

test("snapshotVenue_bookVenue_readsBalancesAndBookConcurrently", async () => {
  // One round trip, not two: the book is asked for while the balances are still on their way.
  const mem = new MemoryVenue(
    "mem",
    { "ETH/USDT": { bids: [{ price: toWad("1990"), amount: toWad("5") }], asks: [] } },
    { ETH: toWad("1"), USDT: toWad("100000") },
  );
  let balancesPending = false;
  let bookAskedWhileBalancesPending = false;
  const balances = mem.balances.bind(mem);
  const book = mem.fetchOrderBook.bind(mem);
  mem.balances = async () => {
    balancesPending = true;
    await new Promise((r) => setTimeout(r, 20));
    balancesPending = false;
    return balances();
  };
  mem.fetchOrderBook = async (pair: string) => {
    bookAskedWhileBalancesPending = balancesPending;
    return book(pair);
  };
  const s = await snapshotVenue(mem, { pair: "ETH/USDT", takerFeeBps: 10n });
  assert.equal(bookAskedWhileBalancesPending, true);
  assert.equal(s.baseAvailable, toWad("1"));
  assert.equal(s.liquidity.kind === "book" && s.liquidity.bids[0]!.price, toWad("1990"));
});

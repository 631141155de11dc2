import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { InsufficientFundsError } from "../execution/errors.js";
import { toWad } from "../execution/fixed.js";
import { MemoryVenue } from "../execution/testing/memoryVenue.js";
import type { OrderRequest } from "../execution/venue.js";
import { PaperVenue } from "./venue.js";

const w = toWad;
const PAIR = "BTC/USDT";

/** A market-data venue with a three-level book on each side (its own order entry must never be used). */
function setup(balances: Record<string, bigint> = { BTC: w("1"), USDT: w("100000") }) {
  const market = new MemoryVenue(
    "alpha",
    {
      [PAIR]: {
        bids: [
          { price: w("29990"), amount: w("0.1") },
          { price: w("29980"), amount: w("0.2") },
          { price: w("29900"), amount: w("1") },
        ],
        asks: [
          { price: w("30010"), amount: w("0.1") },
          { price: w("30020"), amount: w("0.2") },
          { price: w("30100"), amount: w("1") },
        ],
      },
    },
    {},
  );
  const paper = new PaperVenue(market, { balances, takerFeeBps: () => 10n, lot: () => w("0.001") });
  return { market, paper };
}

const order = (over: Partial<OrderRequest>): OrderRequest => ({
  pair: PAIR,
  side: "buy",
  amount: w("0.25"),
  limitPrice: w("30050"),
  timeInForce: "IOC",
  clientOrderId: "c1",
  ...over,
});

describe("PaperVenue", () => {
  it("placeOrder_buyAcrossLevels_depthAwareFillUpToTheLimitWithTakerFee", async () => {
    const { market, paper } = setup();
    const o = await paper.placeOrder(order({}));
    // 0.1 @ 30010 + 0.15 @ 30020 (the 30100 level is above the limit).
    assert.equal(o.filled, w("0.25"));
    assert.equal(o.cost, w("3001") + w("4503"));
    assert.equal(o.fee, (o.cost * 10n + 9_999n) / 10_000n, "10 bps taker fee, rounded up");
    assert.equal(o.status, "closed");
    assert.equal(paper.wallet["BTC"], w("1.25"));
    assert.equal(paper.wallet["USDT"], w("100000") - o.cost - o.fee);
    assert.equal(market.placeCalls, 0, "the real venue never sees an order");
  });

  it("placeOrder_iocLargerThanTheCrossingDepth_partialFillRemainderCancelled", async () => {
    const { paper } = setup();
    const o = await paper.placeOrder(order({ side: "sell", amount: w("0.5"), limitPrice: w("29950") }));
    assert.equal(o.filled, w("0.3"));
    assert.equal(o.status, "canceled");
    assert.equal(o.average, ((w("2999") + w("5996")) * 10n ** 18n) / w("0.3"));
  });

  it("placeOrder_limitNotCrossing_nothingFilled", async () => {
    const { paper } = setup();
    const o = await paper.placeOrder(order({ limitPrice: w("30000") }));
    assert.equal(o.filled, 0n);
    assert.equal(o.status, "canceled");
    assert.deepEqual(paper.wallet, { BTC: w("1"), USDT: w("100000") });
  });

  it("placeOrder_beyondThePaperBalance_insufficientFunds", async () => {
    const { paper } = setup({ BTC: w("0.1"), USDT: w("10") });
    await assert.rejects(paper.placeOrder(order({})), InsufficientFundsError);
    await assert.rejects(
      paper.placeOrder(order({ side: "sell", limitPrice: w("29000"), clientOrderId: "c2" })),
      InsufficientFundsError,
    );
  });

  it("placeOrder_sameClientOrderId_sameOrderNoSecondFill", async () => {
    const { paper } = setup();
    const a = await paper.placeOrder(order({}));
    const b = await paper.placeOrder(order({}));
    assert.equal(a, b);
    assert.equal(paper.orders.length, 1);
    assert.equal(await paper.fetchOrderByClientId(PAIR, "c1"), a);
  });

  it("gtcOrder_restsAndFillsOnceTheLiveBookCrosses_asAMakerAtItsLimitWithTheMakerFee", async () => {
    const { market } = setup();
    const paper = new PaperVenue(market, {
      balances: { BTC: w("1"), USDT: w("100000") },
      takerFeeBps: () => 10n,
      makerFeeBps: () => 2n,
      lot: () => w("0.001"),
    });
    const o = await paper.placeOrder(order({ limitPrice: w("29000"), timeInForce: "GTC" }));
    assert.equal(o.status, "open");
    assert.equal(o.filled, 0n);
    market.books[PAIR]!.asks.unshift({ price: w("28990"), amount: w("1") });
    const later = await paper.fetchOrder(PAIR, o.id);
    assert.equal(later.status, "closed");
    assert.equal(later.average, w("29000"), "a resting order fills at its own price");
    assert.equal(later.fee, (later.cost * 2n + 9_999n) / 10_000n, "maker fee");
    assert.equal(market.placeCalls, 0);
  });

  it("takerFeeBpsAndSteps_theRealVenuesFigures", () => {
    const { paper } = setup();
    assert.equal(paper.takerFeeBps(PAIR), 10n);
    assert.equal(paper.steps(PAIR).lot, w("0.001"));
  });
});

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Exchange, FEE_ACCOUNT, type PlaceOrderRequest } from "./engine.js";
import { SimRejectError } from "./errors.js";
import { parseUnits } from "./money.js";

const BTC = (s: string): bigint => parseUnits(s, 8)!;
const USDT = (s: string): bigint => parseUnits(s, 6)!;

function venue(): Exchange {
  const ex = new Exchange({
    name: "t",
    assets: [
      { code: "BTC", decimals: 8 },
      { code: "USDT", decimals: 6 },
    ],
    markets: [{ base: "BTC", quote: "USDT", tickSize: "0.01", stepSize: "0.0001", minNotional: "1" }],
    makerFeePpm: 1000,
    takerFeePpm: 2000,
    now: () => 1_700_000_000_000,
  });
  for (const a of ["alice", "bob", "carol"]) {
    ex.deposit(a, "BTC", "10");
    ex.deposit(a, "USDT", "1000000");
  }
  return ex;
}

const limit = (
  account: string,
  side: "BUY" | "SELL",
  price: string,
  quantity: string,
  extra = {},
): PlaceOrderRequest => ({
  account,
  symbol: "BTC/USDT",
  side,
  type: "LIMIT",
  price,
  quantity,
  ...extra,
});

function rejects(fn: () => unknown, reason: string): void {
  assert.throws(fn, (e: unknown) => e instanceof SimRejectError && e.reason === reason);
}

describe("Exchange matching engine", () => {
  it("placeOrder_crossingLimit_fillsAtMakerPriceInTimePriority", () => {
    const ex = venue();
    const first = ex.placeOrder(limit("alice", "SELL", "30000.00", "0.5"));
    const second = ex.placeOrder(limit("bob", "SELL", "30000.00", "0.5"));
    const taker = ex.placeOrder(limit("carol", "BUY", "30100.00", "0.7"));
    assert.equal(taker.status, "FILLED");
    assert.deepEqual(
      taker.fills.map((f) => [f.price, f.qty]),
      [
        [3000000n, 5000n],
        [3000000n, 2000n],
      ],
    );
    assert.equal(ex.getOrder("alice", "BTC/USDT", { orderId: first.id }).status, "FILLED");
    assert.equal(ex.getOrder("bob", "BTC/USDT", { orderId: second.id }).status, "PARTIALLY_FILLED");
    // carol paid 0.7 x 30000 = 21000 USDT (the 100 USDT price improvement returns to free), got 0.7 BTC minus 0.2 % taker fee.
    assert.deepEqual(ex.balance("carol", "USDT"), { asset: "USDT", free: USDT("979000"), locked: 0n });
    assert.deepEqual(ex.balance("carol", "BTC"), { asset: "BTC", free: BTC("10.6986"), locked: 0n });
    // alice sold 0.5 BTC as maker: 15000 USDT minus 0.1 % = 14985.
    assert.equal(ex.balance("alice", "USDT").free, USDT("1014985"));
    assert.deepEqual(ex.balance("bob", "BTC"), { asset: "BTC", free: BTC("9.5"), locked: BTC("0.3") });
    assert.equal(ex.balance(FEE_ACCOUNT, "BTC").free, BTC("0.0014"));
    assert.equal(ex.balance(FEE_ACCOUNT, "USDT").free, USDT("21"));
  });

  it("placeOrder_iocPartial_expiresRemainderAndReleasesHold", () => {
    const ex = venue();
    ex.placeOrder(limit("alice", "SELL", "30000.00", "0.3"));
    const o = ex.placeOrder(limit("bob", "BUY", "30000.00", "1", { timeInForce: "IOC" }));
    assert.equal(o.status, "EXPIRED");
    assert.equal(o.executedQty, 3000n);
    assert.equal(ex.balance("bob", "USDT").locked, 0n);
    assert.equal(ex.balance("bob", "USDT").free, USDT("991000"));
    assert.deepEqual(ex.openOrders("bob"), []);
  });

  it("placeOrder_fokUnfillable_expiresWithoutFill", () => {
    const ex = venue();
    ex.placeOrder(limit("alice", "SELL", "30000.00", "0.3"));
    const o = ex.placeOrder(limit("bob", "BUY", "30000.00", "0.4", { timeInForce: "FOK" }));
    assert.equal(o.status, "EXPIRED");
    assert.equal(o.executedQty, 0n);
    assert.equal(ex.depth("BTC/USDT").asks[0]!.qty, 3000n);
    const ok = ex.placeOrder(limit("bob", "BUY", "30000.00", "0.3", { timeInForce: "FOK" }));
    assert.equal(ok.status, "FILLED");
  });

  it("placeOrder_offTickOrOffLot_rejectedByFilters", () => {
    const ex = venue();
    rejects(() => ex.placeOrder(limit("alice", "BUY", "30000.001", "0.1")), "PRICE_FILTER");
    rejects(() => ex.placeOrder(limit("alice", "BUY", "30000", "0.00015")), "LOT_SIZE");
    rejects(() => ex.placeOrder(limit("alice", "BUY", "1", "0.1")), "MIN_NOTIONAL");
    rejects(() => ex.placeOrder({ ...limit("alice", "BUY", "1", "1"), symbol: "ETH/USDT" }), "UNKNOWN_SYMBOL");
  });

  it("placeOrder_beyondFreeBalance_rejectedAndNothingHeld", () => {
    const ex = venue();
    rejects(() => ex.placeOrder(limit("alice", "SELL", "30000", "10.0001")), "INSUFFICIENT_BALANCE");
    ex.placeOrder(limit("alice", "SELL", "30000", "6"));
    rejects(() => ex.placeOrder(limit("alice", "SELL", "30000", "4.0001")), "INSUFFICIENT_BALANCE");
    assert.deepEqual(ex.balance("alice", "BTC"), { asset: "BTC", free: BTC("4"), locked: BTC("6") });
  });

  it("placeOrder_duplicateClientOrderIdWhileOpen_rejected", () => {
    const ex = venue();
    const o = ex.placeOrder(limit("alice", "BUY", "29000", "0.1", { clientOrderId: "k-1" }));
    rejects(
      () => ex.placeOrder(limit("alice", "BUY", "29000", "0.1", { clientOrderId: "k-1" })),
      "DUPLICATE_CLIENT_ORDER_ID",
    );
    assert.equal(ex.openOrders("alice").length, 1);
    // Another account may use the same id; after the cancel the id is free again (Binance semantics).
    ex.placeOrder(limit("bob", "BUY", "29000", "0.1", { clientOrderId: "k-1" }));
    ex.cancelOrder("alice", "BTC/USDT", { clientOrderId: "k-1" });
    assert.equal(ex.getOrder("alice", "BTC/USDT", { orderId: o.id }).status, "CANCELED");
    ex.placeOrder(limit("alice", "BUY", "29000", "0.1", { clientOrderId: "k-1" }));
  });

  it("placeOrder_scopeAll_rejectsReuseOfClosedClientOrderId", () => {
    const ex = new Exchange({
      name: "t",
      assets: [
        { code: "BTC", decimals: 8 },
        { code: "USDT", decimals: 6 },
      ],
      markets: [{ base: "BTC", quote: "USDT", tickSize: "0.01", stepSize: "0.0001" }],
      makerFeePpm: 0,
      takerFeePpm: 0,
      clientOrderIdScope: "all",
    });
    ex.deposit("a", "USDT", "100000");
    ex.placeOrder(limit("a", "BUY", "100", "1", { clientOrderId: "x", timeInForce: "IOC" }));
    rejects(() => ex.placeOrder(limit("a", "BUY", "100", "1", { clientOrderId: "x" })), "DUPLICATE_CLIENT_ORDER_ID");
  });

  it("placeOrder_limitMakerThatWouldCross_rejected", () => {
    const ex = venue();
    ex.placeOrder(limit("alice", "SELL", "30000", "1"));
    rejects(() => ex.placeOrder({ ...limit("bob", "BUY", "30000", "1"), type: "LIMIT_MAKER" }), "WOULD_TAKE");
    const ok = ex.placeOrder({ ...limit("bob", "BUY", "29999.99", "1"), type: "LIMIT_MAKER" });
    assert.equal(ok.status, "NEW");
  });

  it("placeOrder_againstOwnRestingOrder_expiresMaker", () => {
    const ex = venue();
    const own = ex.placeOrder(limit("alice", "SELL", "30000", "1"));
    ex.placeOrder(limit("bob", "SELL", "30001", "1"));
    const t = ex.placeOrder(limit("alice", "BUY", "30001", "1"));
    assert.equal(ex.getOrder("alice", "BTC/USDT", { orderId: own.id }).status, "EXPIRED");
    assert.equal(t.fills[0]!.price, 3000100n);
    assert.equal(ex.balance("alice", "BTC").locked, 0n);
  });

  it("placeOrder_marketBuyByQuote_spendsBudgetInWholeSteps", () => {
    const ex = venue();
    ex.placeOrder(limit("alice", "SELL", "30000", "0.1"));
    ex.placeOrder(limit("alice", "SELL", "31000", "1"));
    const o = ex.placeOrder({ account: "bob", symbol: "BTC/USDT", side: "BUY", type: "MARKET", quoteQuantity: "6100" });
    // 0.1 at 30000 = 3000, then floor(3100 / 31000 / 0.0001) steps = 0.1 at 31000 = 3100.
    assert.equal(o.status, "FILLED");
    assert.equal(o.executedQty, 2000n);
    assert.equal(o.cumQuote, USDT("6100"));
    assert.equal(ex.balance("bob", "USDT").free, USDT("993900"));
  });

  it("placeOrder_marketOnThinBook_fillsWhatExistsThenExpires", () => {
    const ex = venue();
    ex.placeOrder(limit("alice", "BUY", "29000", "0.2"));
    const o = ex.placeOrder({ account: "bob", symbol: "BTC/USDT", side: "SELL", type: "MARKET", quantity: "0.5" });
    assert.equal(o.status, "EXPIRED");
    assert.equal(o.executedQty, 2000n);
    assert.deepEqual(ex.balance("bob", "BTC"), { asset: "BTC", free: BTC("9.8"), locked: 0n });
  });

  it("placeOrder_forcedPartialFill_capsTakerFill", () => {
    const ex = venue();
    ex.placeOrder(limit("alice", "SELL", "30000", "1"));
    const o = ex.placeOrder(limit("bob", "BUY", "30000", "1", { maxFillRatio: 0.25 }));
    assert.equal(o.executedQty, 2500n);
    assert.equal(o.status, "EXPIRED");
    assert.equal(ex.balance("bob", "USDT").locked, 0n);
    assert.equal(ex.balance("bob", "USDT").free, USDT("992500"));
  });

  it("cancelOrder_unknownOrClosed_rejected", () => {
    const ex = venue();
    rejects(() => ex.cancelOrder("alice", "BTC/USDT", { orderId: 42 }), "UNKNOWN_ORDER");
    const o = ex.placeOrder(limit("alice", "BUY", "29000", "0.1"));
    rejects(() => ex.cancelOrder("bob", "BTC/USDT", { orderId: o.id }), "UNKNOWN_ORDER");
    ex.cancelOrder("alice", "BTC/USDT", { orderId: o.id });
    rejects(() => ex.cancelOrder("alice", "BTC/USDT", { orderId: o.id }), "UNKNOWN_ORDER");
  });

  it("getOrder_beyondClosedRetention_forgetsOldestClosedOrders", () => {
    const ex = new Exchange({
      name: "t",
      assets: [
        { code: "BTC", decimals: 8 },
        { code: "USDT", decimals: 6 },
      ],
      markets: [{ base: "BTC", quote: "USDT", tickSize: "0.01", stepSize: "0.0001" }],
      makerFeePpm: 0,
      takerFeePpm: 0,
      closedOrderRetention: 2,
    });
    ex.deposit("a", "USDT", "100000");
    const ids = [1, 2, 3].map((i) => ex.placeOrder(limit("a", "BUY", "100", "1", { clientOrderId: `c${i}` })).id);
    const open = ex.placeOrder(limit("a", "BUY", "100", "1", { clientOrderId: "c4" }));
    for (const id of ids) ex.cancelOrder("a", "BTC/USDT", { orderId: id });
    rejects(() => ex.getOrder("a", "BTC/USDT", { orderId: ids[0] }), "UNKNOWN_ORDER");
    rejects(() => ex.getOrder("a", "BTC/USDT", { clientOrderId: "c1" }), "UNKNOWN_ORDER");
    assert.equal(ex.getOrder("a", "BTC/USDT", { orderId: ids[1] }).status, "CANCELED");
    assert.equal(ex.getOrder("a", "BTC/USDT", { orderId: open.id }).status, "NEW");
  });

  it("balances_randomOrderFlow_conserveSupplyAndHolds", () => {
    const accounts = ["alice", "bob", "carol"];
    const op = fc.record({
      account: fc.constantFrom(...accounts),
      side: fc.constantFrom("BUY" as const, "SELL" as const),
      kind: fc.constantFrom("GTC", "IOC", "FOK", "MARKET", "QUOTE", "CANCEL", "MAKER"),
      tick: fc.integer({ min: -50, max: 50 }),
      steps: fc.integer({ min: 1, max: 30_000 }),
      ratio: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 60 }), (ops) => {
        const ex = venue();
        for (const o of ops) {
          const price = (30000 + o.tick * 1.37).toFixed(2);
          const quantity = (o.steps / 10000).toFixed(4);
          try {
            if (o.kind === "CANCEL") {
              const open = ex.openOrders(o.account);
              if (open[0]) ex.cancelOrder(o.account, "BTC/USDT", { orderId: open[0].id });
            } else if (o.kind === "MARKET")
              ex.placeOrder({ account: o.account, symbol: "BTC/USDT", side: o.side, type: "MARKET", quantity });
            else if (o.kind === "QUOTE")
              ex.placeOrder({
                account: o.account,
                symbol: "BTC/USDT",
                side: "BUY",
                type: "MARKET",
                quoteQuantity: "1234.5",
              });
            else if (o.kind === "MAKER")
              ex.placeOrder({ ...limit(o.account, o.side, price, quantity), type: "LIMIT_MAKER" });
            else
              ex.placeOrder(limit(o.account, o.side, price, quantity, { timeInForce: o.kind, maxFillRatio: o.ratio }));
          } catch (e) {
            if (!(e instanceof SimRejectError)) throw e;
          }
          for (const asset of ["BTC", "USDT"]) {
            const { deposited, held } = ex.supply(asset);
            assert.equal(held, deposited, `${asset} supply`);
          }
          for (const a of accounts) {
            const open = ex.openOrders(a);
            const heldQuote = open.filter((x) => x.side === "BUY").reduce((s, x) => s + x.hold, 0n);
            const heldBase = open.filter((x) => x.side === "SELL").reduce((s, x) => s + x.hold, 0n);
            assert.equal(ex.balance(a, "USDT").locked, heldQuote);
            assert.equal(ex.balance(a, "BTC").locked, heldBase);
            assert.ok(ex.balance(a, "USDT").free >= 0n && ex.balance(a, "BTC").free >= 0n);
          }
          const d = ex.depth("BTC/USDT", 1);
          if (d.bids[0] && d.asks[0]) assert.ok(d.bids[0].price < d.asks[0].price, "book is never crossed");
        }
      }),
      { numRuns: 150, seed: 7 },
    );
  });
});

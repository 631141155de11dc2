/**
 * Real ccxt clients (`ccxt.binance`, `ccxt.okx`, unmodified, only their URLs pointed at the simulator)
 * against the running simulator on an ephemeral port: every call the keeper uses, on both dialects.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import ccxt, { type Exchange as CcxtExchange, type Order } from "ccxt";
import { ccxtSimConfig } from "./client.js";
import { FEE_ACCOUNT } from "./engine.js";
import { parseUnits } from "./money.js";
import { client } from "./testclient.js";
import { parseScenario } from "./scenario.js";
import {
  ALICE,
  BOB,
  DIALECTS,
  consistencyProblems,
  startTestSimulation,
  testScenarioInput,
  type Dialect,
} from "./testkit.js";
import { startSimulation, type RunningSimulation } from "./venues.js";

const SYMBOL = "BTC/USDT";
/** A float that ccxt parsed from the wire, back to exact 1e-8 units. */
const u = (n: number | undefined): bigint => parseUnits((n ?? 0).toFixed(8), 8)!;

async function placeAndFetch(
  ex: CcxtExchange,
  type: "limit" | "market",
  side: "buy" | "sell",
  amount: number,
  price?: number,
  params: Record<string, unknown> = {},
): Promise<Order> {
  const created = await ex.createOrder(SYMBOL, type, side, amount, price, params);
  return ex.fetchOrder(idOf(created), SYMBOL);
}

/** The venue's order id, which every created order must carry. */
function idOf(o: { id?: string }): string {
  assert.ok(o.id, "order id");
  return o.id;
}

/** ccxt's unified status for an order whose remainder the venue expired (IOC, FOK, market). */
const expiredStatus = (d: Dialect): string => (d === "binance" ? "expired" : "canceled");

for (const dialect of DIALECTS) {
  describe(`ccxt.${dialect} against the simulator`, () => {
    let run: RunningSimulation;
    const fresh = async (): Promise<void> => {
      if (run) assert.deepEqual(consistencyProblems(run), []);
      await run?.close();
      run = await startTestSimulation();
    };
    before(fresh);
    after(() => run.close());

    it("loadMarkets_parsesPrecisionAndLimits", async () => {
      const ex = client(run, dialect);
      const markets = await ex.loadMarkets();
      assert.deepEqual(Object.keys(markets), [SYMBOL]);
      const m = markets[SYMBOL]!;
      assert.equal(m.spot, true);
      assert.equal(m.active, true);
      assert.equal(m.precision.price, 0.01);
      assert.equal(m.precision.amount, 0.00001);
      assert.equal(m.limits.amount?.min, 0.00001);
    });

    it("defaultClient_onlyUrlsChanged_loadsMarketsAndTrades", async () => {
      const cfg = ccxtSimConfig(dialect, run.urls.get(dialect)!, ALICE);
      const only = {
        apiKey: cfg.apiKey,
        secret: cfg.secret,
        password: cfg.password,
        urls: cfg.urls,
        enableRateLimit: false,
      };
      const ex = dialect === "binance" ? new ccxt.binance(only) : new ccxt.okx(only);
      assert.deepEqual(Object.keys(await ex.loadMarkets()), [SYMBOL]);
      const o = await ex.createOrder(SYMBOL, "limit", "buy", 0.01, 29000);
      await ex.cancelOrder(idOf(o), SYMBOL);
    });

    it("fetchTradingFee_reportsTheVenueFees", async () => {
      const fee = await client(run, dialect).fetchTradingFee(SYMBOL);
      assert.equal(fee.maker, 0.001);
      assert.equal(fee.taker, 0.002);
    });

    it("fetchTime_returnsServerClock", async () => {
      const ex = client(run, dialect);
      const before = Date.now();
      const t = await ex.fetchTime();
      assert.ok(t !== undefined && t >= before && t <= Date.now());
    });

    it("fetchOrderBook_returnsBackgroundLadderSortedBestFirst", async () => {
      const ex = client(run, dialect);
      const ob = await ex.fetchOrderBook(SYMBOL, 5);
      assert.deepEqual(
        ob.asks.map(([p, q]) => [p, q]),
        [
          [30030, 0.5],
          [30060, 0.5],
          [30090, 0.5],
          [30120, 0.5],
          [30150, 0.5],
        ],
      );
      assert.deepEqual(
        ob.bids.map(([p]) => p),
        [29970, 29940, 29910, 29880, 29850],
      );
    });

    it("fetchTickerAndTickers_reportTopOfBookAndLastTrade", async () => {
      await fresh();
      const ex = client(run, dialect);
      const t0 = await ex.fetchTicker(SYMBOL);
      assert.equal(t0.bid, 29970);
      assert.equal(t0.ask, 30030);
      await ex.createOrder(SYMBOL, "market", "buy", 0.1);
      const t1 = await ex.fetchTicker(SYMBOL);
      assert.equal(t1.last, 30030);
      assert.equal(t1.askVolume, 0.4);
      assert.equal(t1.baseVolume, 0.1);
      const all = await ex.fetchTickers([SYMBOL]);
      assert.equal(all[SYMBOL]?.last, 30030);
    });

    it("limitOrder_createFetchOpenCancel_holdsAndReleasesFunds", async () => {
      await fresh();
      const ex = client(run, dialect);
      const created = await ex.createOrder(SYMBOL, "limit", "buy", 0.25, 29000, { clientOrderId: "lifecycle1" });
      assert.equal(created.clientOrderId, "lifecycle1");
      const open = await ex.fetchOpenOrders(SYMBOL);
      assert.deepEqual(
        open.map((o) => [o.id, o.clientOrderId, o.status, o.price, o.amount, o.side]),
        [[created.id, "lifecycle1", "open", 29000, 0.25, "buy"]],
      );
      const held = await ex.fetchBalance();
      assert.equal(held["USDT"]?.used, 7250);
      assert.equal(held["USDT"]?.free, 100000 - 7250);
      const byClientId = await ex.fetchOrder(undefined as unknown as string, SYMBOL, { clientOrderId: "lifecycle1" });
      assert.equal(byClientId.id, created.id);
      await ex.cancelOrder(idOf(created), SYMBOL);
      const canceled = await ex.fetchOrder(idOf(created), SYMBOL);
      assert.equal(canceled.status, "canceled");
      assert.deepEqual(await ex.fetchOpenOrders(SYMBOL), []);
      const released = await ex.fetchBalance();
      assert.equal(released["USDT"]?.used, 0);
      assert.equal(released["USDT"]?.total, 100000);
    });

    it("marketBuy_sweepsLevelsAndChargesTakerFeeInBase", async () => {
      await fresh();
      const ex = client(run, dialect);
      const o = await placeAndFetch(ex, "market", "buy", 0.7);
      assert.equal(o.status, "closed");
      assert.equal(o.filled, 0.7);
      // 0.5 @ 30030 + 0.2 @ 30060 = 21027; average 30038.571...
      assert.equal(u(o.cost), u(21027));
      const trades = await ex.fetchMyTrades(SYMBOL);
      assert.deepEqual(
        trades.map((t) => [t.order, t.price, t.amount, t.takerOrMaker, t.fee?.currency, t.fee?.cost]),
        [
          [o.id, 30030, 0.5, "taker", "BTC", 0.001],
          [o.id, 30060, 0.2, "taker", "BTC", 0.0004],
        ],
      );
      const b = await ex.fetchBalance();
      assert.equal(u(b["BTC"]?.total), u(2) + u(0.7) - u(0.0014));
      assert.equal(u(b["USDT"]?.total), u(100000) - u(21027));
    });

    it("limitSellMaker_filledByAnotherAccount_chargesMakerFeeInQuote", async () => {
      await fresh();
      const alice = client(run, dialect);
      const bob = client(run, dialect, BOB);
      const ask = await alice.createOrder(SYMBOL, "limit", "sell", 0.3, 30010);
      await bob.createOrder(SYMBOL, "limit", "buy", 0.3, 30010, { timeInForce: "IOC" });
      const o = await alice.fetchOrder(idOf(ask), SYMBOL);
      assert.equal(o.status, "closed");
      const [t] = await alice.fetchMyTrades(SYMBOL);
      assert.equal(t?.takerOrMaker, "maker");
      assert.equal(t?.fee?.currency, "USDT");
      assert.equal(u(t?.fee?.cost), u(9.003)); // 0.3 x 30010 x 0.1 %
      const b = await alice.fetchBalance();
      assert.equal(u(b["USDT"]?.total), u(100000) + u(9003) - u(9.003));
    });

    it("iocLimit_partialFill_expiresRemainderAndLeavesNothingOpen", async () => {
      await fresh();
      const ex = client(run, dialect);
      const o = await placeAndFetch(ex, "limit", "buy", 0.8, 30030, { timeInForce: "IOC" });
      assert.equal(o.status, expiredStatus(dialect));
      assert.equal(o.filled, 0.5);
      assert.deepEqual(await ex.fetchOpenOrders(SYMBOL), []);
      const b = await ex.fetchBalance();
      assert.equal(b["USDT"]?.used, 0);
      assert.equal(u(b["USDT"]?.total), u(100000) - u(15015));
    });

    it("fokLimit_notFullyFillable_fillsNothing", async () => {
      await fresh();
      const ex = client(run, dialect);
      const o = await placeAndFetch(ex, "limit", "buy", 0.8, 30030, { timeInForce: "FOK" });
      assert.equal(o.status, expiredStatus(dialect));
      assert.equal(o.filled, 0);
      assert.deepEqual(await ex.fetchMyTrades(SYMBOL), []);
    });

    it("createOrder_duplicateClientOrderIdWhileOpen_rejectedWithoutSecondOrder", async () => {
      await fresh();
      const ex = client(run, dialect);
      await ex.createOrder(SYMBOL, "limit", "buy", 0.1, 29000, { clientOrderId: "idem42" });
      await assert.rejects(
        ex.createOrder(SYMBOL, "limit", "buy", 0.1, 29000, { clientOrderId: "idem42" }),
        ccxt.InvalidOrder,
      );
      const open = await ex.fetchOpenOrders(SYMBOL);
      assert.equal(open.length, 1);
      assert.equal((await ex.fetchBalance())["USDT"]?.used, 2900);
    });

    it("createOrder_beyondBalance_throwsInsufficientFunds", async () => {
      const ex = client(run, dialect);
      await assert.rejects(ex.createOrder(SYMBOL, "limit", "buy", 10, 29000), ccxt.InsufficientFunds);
      await assert.rejects(ex.createOrder(SYMBOL, "limit", "sell", 2.5, 31000), ccxt.InsufficientFunds);
    });

    it("cancelAndFetch_unknownOrder_throwOrderNotFound", async () => {
      const ex = client(run, dialect);
      await assert.rejects(ex.cancelOrder("999", SYMBOL), ccxt.OrderNotFound);
      await assert.rejects(ex.fetchOrder("999", SYMBOL), ccxt.OrderNotFound);
    });

    it("unknownSymbolOnTheWire_throwsBadSymbol", async () => {
      const ex = client(run, dialect) as CcxtExchange & Record<string, (p: object) => Promise<unknown>>;
      const call =
        dialect === "binance"
          ? ex.publicGetDepth!({ symbol: "DOGEUSDT" })
          : ex.publicGetMarketBooks!({ instId: "DOGE-USDT" });
      await assert.rejects(call, ccxt.BadSymbol);
    });

    it("privateCall_badCredentials_throwAuthenticationError", async () => {
      await assert.rejects(
        client(run, dialect, { ...ALICE, secret: "wrong-secret" }).fetchBalance(),
        ccxt.AuthenticationError,
      );
      await assert.rejects(
        client(run, dialect, { ...ALICE, apiKey: "nobody-key" }).fetchBalance(),
        ccxt.AuthenticationError,
      );
      if (dialect === "okx")
        await assert.rejects(
          client(run, dialect, { ...ALICE, passphrase: "wrong" }).fetchBalance(),
          ccxt.AuthenticationError,
        );
    });

    it("privateCall_staleTimestamp_throwsInvalidNonce", async () => {
      const ex = client(run, dialect);
      if (dialect === "binance") ex.options["timeDifference"] = 120_000;
      else ex.nonce = () => Date.now() - 120_000;
      await assert.rejects(ex.fetchBalance(), ccxt.InvalidNonce);
    });

    it("createMarketBuyOrderWithCost_spendsQuoteBudget", async () => {
      await fresh();
      const ex = client(run, dialect);
      const created = await ex.createMarketBuyOrderWithCost(SYMBOL, 3003);
      const o = await ex.fetchOrder(idOf(created), SYMBOL);
      assert.equal(o.status, "closed");
      assert.equal(o.filled, 0.1); // 3003 USDT at 30030
      assert.equal(u((await ex.fetchBalance())["USDT"]?.total), u(100000) - u(3003));
    });

    it("closedOrdersAndBulkCancel_listHistoryAndCancelEverything", async () => {
      await fresh();
      const ex = client(run, dialect);
      const filled = await ex.createOrder(SYMBOL, "market", "buy", 0.01);
      const a = await ex.createOrder(SYMBOL, "limit", "buy", 0.01, 29000);
      const b = await ex.createOrder(SYMBOL, "limit", "buy", 0.01, 29001);
      if (dialect === "binance") await ex.cancelAllOrders(SYMBOL);
      else await ex.cancelOrders([idOf(a), idOf(b)], SYMBOL);
      assert.deepEqual(await ex.fetchOpenOrders(SYMBOL), []);
      const closed = await ex.fetchClosedOrders(SYMBOL);
      assert.deepEqual(
        closed.map((o) => o.id),
        [idOf(filled)],
      );
      const canceled = (dialect === "binance" ? await ex.fetchOrders(SYMBOL) : await ex.fetchCanceledOrders(SYMBOL))
        .filter((o) => o.status === "canceled")
        .map((o) => o.id)
        .sort();
      assert.deepEqual(canceled, [idOf(a), idOf(b)].sort());
      assert.equal((await ex.fetchBalance())["USDT"]?.used, 0);
    });

    it("concurrentOrders_fromTwoClients_noLostOrDoubleOrders", async () => {
      await fresh();
      const alice = client(run, dialect);
      const bob = client(run, dialect, BOB);
      await Promise.all([alice.loadMarkets(), bob.loadMarkets()]);
      const ids = Array.from({ length: 40 }, (_, i) => `conc${i}`);
      const results = await Promise.all(
        ids.map((cid, i) =>
          (i % 2 ? alice : bob).createOrder(
            SYMBOL,
            "limit",
            i % 4 < 2 ? "buy" : "sell",
            0.01,
            i % 4 < 2 ? 29990 : 30010,
            {
              clientOrderId: cid,
            },
          ),
        ),
      );
      assert.equal(new Set(results.map((o) => o.id)).size, 40);
      const open = [...(await alice.fetchOpenOrders(SYMBOL)), ...(await bob.fetchOpenOrders(SYMBOL))];
      assert.deepEqual(open.map((o) => o.clientOrderId).sort(), [...ids].sort());
      assert.deepEqual(consistencyProblems(run), []);
    });

    it("balances_afterTradeSequence_reconcileExactlyWithFills", async () => {
      await fresh();
      const alice = client(run, dialect);
      const bob = client(run, dialect, BOB);
      await alice.createOrder(SYMBOL, "market", "buy", 0.37);
      await alice.createOrder(SYMBOL, "limit", "sell", 0.12345, 29950, { timeInForce: "IOC" });
      const resting = await alice.createOrder(SYMBOL, "limit", "sell", 0.2, 30001.37);
      await bob.createOrder(SYMBOL, "limit", "buy", 0.15, 30001.37, { timeInForce: "IOC" });
      await alice.createOrder(SYMBOL, "market", "sell", 0.03);
      await alice.createOrder(SYMBOL, "limit", "buy", 0.05, 29000.01);
      await alice.cancelOrder(idOf(resting), SYMBOL);

      const trades = await alice.fetchMyTrades(SYMBOL);
      assert.equal(trades.length, 4);
      let btc = u(2);
      let usdt = u(100000);
      for (const t of trades) {
        const cost = (u(t.price) * u(t.amount)) / 10n ** 8n;
        const fee = u(t.fee?.cost);
        if (t.side === "buy") {
          btc += u(t.amount) - (t.fee?.currency === "BTC" ? fee : 0n);
          usdt -= cost;
        } else {
          btc -= u(t.amount);
          usdt += cost - (t.fee?.currency === "USDT" ? fee : 0n);
        }
      }
      const b = await alice.fetchBalance();
      assert.equal(u(b["BTC"]?.total), btc);
      assert.equal(u(b["USDT"]?.total), usdt);
      assert.equal(u(b["USDT"]?.used), u(0.05 * 29000.01));
      // And the venue as a whole: deposits == every account's free + locked + fees, to the last unit.
      const exchange = run.sim.venue(dialect).exchange;
      for (const asset of ["BTC", "USDT"]) {
        const s = exchange.supply(asset);
        assert.equal(s.held, s.deposited);
      }
      assert.ok(exchange.balance(FEE_ACCOUNT, "USDT").free > 0n);
    });
  });
}

/**
 * A simulation on a stepped (virtual) clock that lags the wall clock, as a test's virtual clock does on a busy
 * machine: signed requests are checked against the venue's wall clock, as a real venue checks them, so an
 * unmodified client signing with its wall clock is served however far the simulation's clock lags, while a
 * request signed two minutes ago is still refused; `/time` reports that wall clock, market data the simulation's.
 */
describe("signed requests on a simulation whose clock lags the wall clock", () => {
  const LAG_MS = 10 * 60_000;
  let run: RunningSimulation;
  before(async () => {
    run = await startSimulation(parseScenario(testScenarioInput()), { now: () => Date.now() - LAG_MS });
  });
  after(() => run.close());

  for (const dialect of DIALECTS) {
    it(`privateCall_simClockLagsWallClock_${dialect}AcceptsFreshSignature`, async () => {
      const b = await client(run, dialect).fetchBalance();
      assert.ok((b.total as unknown as Record<string, number>)["USDT"]! > 0);
    });

    it(`privateCall_simClockLagsWallClock_${dialect}RefusesStaleSignature`, async () => {
      const ex = client(run, dialect);
      if (dialect === "binance") ex.options["timeDifference"] = 120_000;
      else ex.nonce = () => Date.now() - 120_000;
      await assert.rejects(ex.fetchBalance(), ccxt.InvalidNonce);
    });

    it(`fetchTime_simClockLagsWallClock_${dialect}ReportsWallClock`, async () => {
      const before = Date.now();
      const t = await client(run, dialect).fetchTime();
      assert.ok(t !== undefined && t >= before && t <= Date.now(), `${t} not within [${before}, now]`);
    });
  }
});

import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { ConfigError } from "../errors.js";
import { MAKER_ACCOUNT, Simulation, TAKER_ACCOUNT } from "./market.js";
import { defaultScenario, parseScenario, type ScenarioInput } from "./scenario.js";
import { testScenarioInput } from "./testkit.js";

function scenario(patch: (s: ScenarioInput) => void = () => {}): ReturnType<typeof parseScenario> {
  const s = testScenarioInput();
  patch(s);
  return parseScenario(s);
}

const pathOf = (sim: Simulation, steps: number): number[] =>
  Array.from({ length: steps }, () => {
    sim.advance();
    return sim.fairPrice("BTC/USDT");
  });

describe("Simulation price paths", () => {
  it("advance_sameSeed_reproducesPathAndBooks", () => {
    const mk = (seed: number): Simulation =>
      new Simulation(
        scenario((s) => {
          s.seed = seed;
          s.markets[0]!.volatility = 0.8;
          s.markets[0]!.jumps = { perDay: 50, meanBps: 0, stdBps: 100 };
        }),
      );
    const a = mk(11);
    const b = mk(11);
    const c = mk(12);
    assert.deepEqual(pathOf(a, 200), pathOf(b, 200));
    assert.notDeepEqual(pathOf(mk(11), 200), pathOf(c, 200));
    assert.deepEqual(
      a.venue("binance").exchange.depth("BTC/USDT", 5),
      b.venue("binance").exchange.depth("BTC/USDT", 5),
    );
  });

  it("advance_gbm_realisedVolatilityMatchesSetting", () => {
    // 20 000 one-minute steps at 60 % annualised volatility and no jumps.
    const sim = new Simulation(
      scenario((s) => {
        s.stepMs = 60_000;
        s.markets[0]!.volatility = 0.6;
        s.venues = [s.venues[0]!];
        s.venues[0]!.liquidity = {};
      }),
    );
    const prices = [sim.fairPrice("BTC/USDT"), ...pathOf(sim, 20_000)];
    const r = prices.slice(1).map((p, i) => Math.log(p / prices[i]!));
    const mean = r.reduce((x, y) => x + y, 0) / r.length;
    const variance = r.reduce((x, y) => x + (y - mean) ** 2, 0) / (r.length - 1);
    const annualised = Math.sqrt(variance * ((365 * 86_400_000) / 60_000));
    assert.ok(Math.abs(annualised - 0.6) < 0.03, `realised volatility ${annualised}`);
  });

  it("advance_jumps_occurAtConfiguredRate", () => {
    const sim = new Simulation(
      scenario((s) => {
        s.stepMs = 60_000;
        s.markets[0]!.volatility = 0;
        s.markets[0]!.jumps = { perDay: 144, meanBps: 50, stdBps: 0 };
        s.venues = [s.venues[0]!];
        s.venues[0]!.liquidity = {};
      }),
    );
    // 10 jumps a day per 1440 one-minute steps: 0.1 per step; every jump is exactly +50 bps.
    const start = sim.fairPrice("BTC/USDT");
    sim.advance(5_000);
    const jumps = Math.log(sim.fairPrice("BTC/USDT") / start) / 0.005;
    assert.ok(Math.abs(jumps - Math.round(jumps)) < 1e-6, "price moves only by whole jumps");
    assert.ok(jumps > 440 && jumps < 560, `jumps ${jumps}`);
  });
});

describe("Simulation venues and liquidity", () => {
  it("venueMid_scriptedGap_appliesOnlyInsideWindow", () => {
    const sim = new Simulation(
      scenario((s) => {
        s.venues[1]!.gaps = [{ market: "BTC/USDT", fromStep: 2, toStep: 4, bps: 50, repeatEvery: 10 }];
      }),
    );
    const ratios: number[] = [];
    for (let i = 0; i < 14; i++) {
      ratios.push(Math.round((sim.venueMid("okx", "BTC/USDT") / sim.venueMid("binance", "BTC/USDT") - 1) * 1e4));
      sim.advance();
    }
    assert.deepEqual(ratios, [0, 0, 50, 50, 0, 0, 0, 0, 0, 0, 0, 0, 50, 50]);
    // The books follow: OKX's best bid sits above Binance's best ask while the gap is open.
    const gapped = new Simulation(
      scenario((s) => {
        s.venues[1]!.gaps = [{ market: "BTC/USDT", fromStep: 0, toStep: 5, bps: 50 }];
      }),
    );
    const okxBid = gapped.venue("okx").exchange.bestBid("BTC/USDT")!.price;
    const binanceAsk = gapped.venue("binance").exchange.bestAsk("BTC/USDT")!.price;
    assert.equal(binanceAsk, 3003000n);
    assert.equal(okxBid, 3011985n); // 30000 x 1.005 = 30150, less 10 bps = 30119.85
  });

  it("refill_afterSweep_restoresLadderAroundMid", () => {
    const sim = new Simulation(scenario());
    const ex = sim.venue("binance").exchange;
    ex.deposit("taker", "USDT", "1000000");
    const sweep = ex.placeOrder({ account: "taker", symbol: "BTC/USDT", side: "BUY", type: "MARKET", quantity: "2" });
    assert.equal(sweep.executedQty, 200000n);
    assert.equal(ex.depth("BTC/USDT", 10).asks.length, 1);
    sim.advance();
    const d = ex.depth("BTC/USDT", 10);
    assert.equal(d.asks.length, 5);
    assert.equal(d.bids.length, 5);
    assert.ok(d.asks.every((l) => l.qty === 50000n));
    assert.equal(ex.openOrders(MAKER_ACCOUNT).length, 10);
    for (const asset of ["BTC", "USDT"]) assert.equal(ex.supply(asset).held, ex.supply(asset).deposited);
  });

  it("takerFlow_fillsQuotesInsideTheSpreadReproducibly", () => {
    const run = (): { alice: string[]; trades: number } => {
      const sim = new Simulation(
        scenario((s) => {
          s.venues[0]!.flow = { "BTC/USDT": { ordersPerStep: 2, qtyMin: "0.001", qtyMax: "0.05" } };
        }),
      );
      const ex = sim.venue("binance").exchange;
      const bid = ex.placeOrder({
        account: "alice",
        symbol: "BTC/USDT",
        side: "BUY",
        type: "LIMIT",
        price: "29990",
        quantity: "0.01",
      });
      const ask = ex.placeOrder({
        account: "alice",
        symbol: "BTC/USDT",
        side: "SELL",
        type: "LIMIT",
        price: "30010",
        quantity: "0.01",
      });
      sim.advance(20);
      for (const asset of ["BTC", "USDT"]) assert.equal(ex.supply(asset).held, ex.supply(asset).deposited);
      assert.ok(ex.stats("BTC/USDT").last !== null);
      return {
        alice: [bid, ask].map((o) => ex.getOrder("alice", "BTC/USDT", { orderId: o.id }).status),
        trades: ex.stats("BTC/USDT").count,
      };
    };
    const a = run();
    assert.deepEqual(a.alice, ["FILLED", "FILLED"]);
    assert.ok(a.trades > 20, `trades ${a.trades}`);
    assert.deepEqual(run(), a);
  });

  it("takerFlow_keeperQuotesFilledAsMaker_makerFeeTierBelowTakerTier", () => {
    const sim = new Simulation(
      scenario((s) => {
        s.venues[0]!.makerFeeBps = 2;
        s.venues[0]!.takerFeeBps = 10;
        s.venues[0]!.flow = { "BTC/USDT": { ordersPerStep: 3, qtyMin: "0.001", qtyMax: "0.02" } };
      }),
    );
    const ex = sim.venue("binance").exchange;
    for (const [side, price] of [
      ["BUY", "29990"],
      ["SELL", "30010"],
    ] as const)
      ex.placeOrder({ account: "alice", symbol: "BTC/USDT", side, type: "LIMIT", price, quantity: "0.2" });
    sim.advance(10);
    const mine = ex.myTrades("alice", "BTC/USDT");
    const takers = new Map(ex.myTrades(TAKER_ACCOUNT, "BTC/USDT", { limit: 100_000 }).map((t) => [t.tradeId, t]));
    assert.ok(mine.length >= 5, `alice's quotes were crossed ${mine.length} times`);
    assert.ok(mine.some((t) => t.side === "BUY") && mine.some((t) => t.side === "SELL"));
    for (const t of mine) {
      assert.equal(t.isMaker, true);
      // 2 bps of what the maker received (base on a buy, quote on a sell), rounded up.
      const received = t.side === "BUY" ? t.qty * 1_000n : t.quoteQty; // BTC: 8 decimals, qty: 5
      assert.equal(t.commission, (received * 200n + 999_999n) / 1_000_000n);
      assert.equal(t.commissionAsset, t.side === "BUY" ? "BTC" : "USDT");
      // The background taker on the other side paid the taker tier, 10 bps of what it received.
      const other = takers.get(t.tradeId)!;
      assert.equal(other.isMaker, false);
      const got = other.side === "BUY" ? other.qty * 1_000n : other.quoteQty;
      assert.equal(other.commission, (got * 1_000n + 999_999n) / 1_000_000n);
    }
    for (const asset of ["BTC", "USDT"]) assert.equal(ex.supply(asset).held, ex.supply(asset).deposited);
  });

  it("defaultScenario_isValidAndPlantsAGap", () => {
    const s = defaultScenario(42);
    assert.deepEqual(
      s.venues.map((v) => v.dialect),
      ["binance", "okx"],
    );
    const sim = new Simulation(s);
    sim.advance(30);
    const okx = sim.venue("okx").exchange.bestBid("BTC/USDT")!.price;
    const binance = sim.venue("binance").exchange.bestAsk("BTC/USDT")!.price;
    assert.ok(okx > binance, "OKX bid above Binance ask while the demo gap is open");
  });
});

describe("parseScenario", () => {
  it("parseScenario_shippedExampleFiles_areValid", () => {
    const dir = fileURLToPath(new URL("./scenarios/", import.meta.url));
    const files = readdirSync(dir).filter((f) => f.endsWith(".json"));
    assert.ok(files.length > 0);
    for (const f of files) {
      const s = parseScenario(JSON.parse(readFileSync(dir + f, "utf8")));
      new Simulation(s).advance(60);
    }
  });

  it("parseScenario_invalidInput_listsEveryProblemWithPath", () => {
    const bad = testScenarioInput();
    bad.markets[0]!.base = "DOGE";
    (bad.venues[0] as { makerFeeBps: number }).makerFeeBps = -1;
    bad.venues[1]!.gaps = [{ market: "ETH/USDT", fromStep: 3, toStep: 2, bps: 5 }];
    assert.throws(
      () => parseScenario(bad),
      (e: unknown) =>
        e instanceof ConfigError &&
        /venues\.0\.makerFeeBps/.test(e.message) &&
        /gap toStep must be > fromStep/.test(e.message),
    );
    const unknownAsset = testScenarioInput();
    unknownAsset.markets[0]!.base = "DOGE";
    assert.throws(() => parseScenario(unknownAsset), /market asset DOGE is not in assets/);
  });

  it("parseScenario_inexactNotionalPrecision_rejectedWhenEngineIsBuilt", () => {
    const s = scenario((x) => {
      x.markets[0]!.tickSize = "0.0001";
      x.markets[0]!.stepSize = "0.00000001";
    });
    assert.throws(
      () => new Simulation(s),
      (e: unknown) => e instanceof ConfigError && /needs 12 decimals/.test(e.message),
    );
  });
});

/**
 * The execution strategies as engine `Strategy`s, built through their plugins, on the exchange
 * simulator through real ccxt clients.
 */
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { initialEngineState } from "../../engine/engine.js";
import { DEFAULT_ENGINE_PARAMETERS } from "../../engine/parameters.js";
import { updateDrawdown } from "../../engine/safety/drawdownBreaker.js";
import type { ExecutionContext } from "../../engine/strategy.js";
import { ConfigError } from "../../errors.js";
import { parseScenario } from "../../sim/scenario.js";
import { ALICE, consistencyProblems, testScenarioInput } from "../../sim/testkit.js";
import { startSimulation, type RunningSimulation } from "../../sim/venues.js";
import { RequestBudgets } from "../budget.js";
import { engineGuard } from "../engineGuard.js";
import { toWad, wadToNumber } from "../fixed.js";
import { simVenue } from "../simVenue.js";
import { virtualTime } from "../testing/virtualTime.js";
import type { Venue } from "../venue.js";
import { readMarket } from "./market.js";
import { ArbitrageStrategy } from "./arbitrage.js";
import {
  arbitragePlugin,
  MarketMakingConfigSchema,
  marketMakingPlugin,
  rebalancePlugin,
  STRATEGY_PLUGINS,
} from "./plugin.js";
import { until } from "../../node/testing/until.js";

const PAIR = "BTC/USDT";
let current: RunningSimulation | undefined;
afterEach(async () => {
  if (current) assert.deepEqual(consistencyProblems(current), []);
  await current?.close();
  current = undefined;
});

async function world(okxOffsetBps = 0, binance: Record<string, unknown> = {}) {
  const t = virtualTime(Date.now());
  const input = testScenarioInput({ okx: { priceOffsetBps: okxOffsetBps }, binance });
  const run = await startSimulation(parseScenario(input), {
    now: t.clock.now,
  });
  current = run;
  const budgets = new RequestBudgets({ capacity: 100, refillPerSecond: 100 }, t.clock, t.sleep);
  const v = (d: "binance" | "okx") =>
    simVenue(run, {
      venue: d,
      dialect: d,
      account: ALICE,
      budget: budgets.for(d),
      clock: t.clock,
      sleep: t.sleep,
      takerFeeBps: 20,
    });
  const venues: Record<string, Venue> = { binance: await v("binance"), okx: await v("okx") };
  const market = () =>
    readMarket(
      Object.values(venues).map((venue) => ({ venue, options: { pair: PAIR } })),
      t.clock.now(),
    );
  return { run, t, venues, market };
}

function ctx(signal: AbortSignal, extra: Partial<ExecutionContext> = {}): ExecutionContext {
  return { signal, runId: 1, capital: toWad("1000000"), params: DEFAULT_ENGINE_PARAMETERS, startedAt: 1, ...extra };
}

const openOrders = (run: RunningSimulation, venue: string) =>
  run.sim.venues.get(venue)!.exchange.openOrders("alice", PAIR);

describe("ArbitrageStrategy", () => {
  const config = {
    id: "arb-btc",
    pair: PAIR,
    legs: [
      { venueId: "binance", pair: PAIR },
      { venueId: "okx", pair: PAIR },
    ],
  };

  it("estimatedROI_and_exec_plantedGap_succeedsWithPlannedProfit", async () => {
    const w = await world(150);
    const arb = arbitragePlugin.create({ venues: w.venues, clock: w.t.clock, sleep: w.t.sleep, config });
    const roi = arb.estimatedROI(await w.market());
    assert.ok(roi);
    const net = wadToNumber(roi.expectedProfit - roi.estimatedCost);
    assert.ok(Math.abs(net - 355.9545) < 0.01, String(net));
    const result = await arb.exec(ctx(new AbortController().signal));
    assert.equal(result.status, "succeeded");
    assert.ok(Math.abs(wadToNumber(result.pnl) - 355.9545) < 0.01);
    assert.equal(result.slippageBps, 0);
  });

  it("best_sameMarketTwice_plannedOnce_newMarketPlannedAgain", async () => {
    const w = await world(150);
    const arb = arbitragePlugin.create({ venues: w.venues, clock: w.t.clock, sleep: w.t.sleep, config });
    assert.ok(arb instanceof ArbitrageStrategy);
    const m = await w.market();
    const plan = arb.best(m);
    assert.ok(plan);
    assert.equal(arb.best(m), plan, "the same market: the same plan, not planned again");
    // Another tick's market (the gap taken away): planned again from its books.
    w.run.sim.venues.get("okx")!.exchange.placeOrder({
      account: ALICE.name,
      symbol: PAIR,
      side: "SELL",
      type: "MARKET",
      quantity: "0.5",
    });
    const next = arb.best(await w.market());
    assert.notDeepEqual(next, plan);
  });

  it("exec_inventoryBands_sellVenueNeverBelowMinBuyVenueNeverAboveMax_utilisationMeasured", async () => {
    // ALICE holds 2 BTC on each venue; the gap pays to buy on Binance and sell on OKX.
    const w = await world(150);
    const banded = {
      ...config,
      legs: config.legs.map((l) => ({ ...l, inventory: { min: "1.8", max: "2.1" } })),
    };
    const arb = arbitragePlugin.create({ venues: w.venues, clock: w.t.clock, sleep: w.t.sleep, config: banded });
    const roi = arb.estimatedROI(await w.market());
    assert.ok(roi);
    assert.equal(roi.utilisation, undefined, "no run measured yet");
    const result = await arb.exec(ctx(new AbortController().signal));
    assert.equal(result.status, "succeeded");
    const okx = (await w.venues.okx.balances()).BTC!.total;
    const binance = (await w.venues.binance.balances()).BTC!.total;
    assert.ok(okx >= toWad("1.8") && okx < toWad("2"), `OKX ${okx}`);
    assert.ok(binance <= toWad("2.1") && binance > toWad("2"), `Binance ${binance}`);
    // Capital working / capital granted (1,000,000 granted, a few thousand spent).
    const after = arb.estimatedROI(await w.market());
    assert.ok(after === null || (after.utilisation !== undefined && after.utilisation < 0.01));
    // At the band's edge there is nothing left to arbitrage.
    const full = arbitragePlugin.create({
      venues: w.venues,
      config: { ...config, legs: config.legs.map((l) => ({ ...l, inventory: { min: "2", max: "2" } })) },
    });
    assert.equal(full.estimatedROI(await w.market()), null);
  });

  it("exec_noGap_failsWithoutOrders", async () => {
    const w = await world(0);
    const arb = arbitragePlugin.create({ venues: w.venues, config });
    assert.equal(arb.estimatedROI(await w.market()), null);
    const result = await arb.exec(ctx(new AbortController().signal));
    assert.equal(result.status, "failed");
    assert.equal(w.run.sim.venues.get("binance")!.exchange.allOrders("alice", PAIR).length, 0);
  });

  it("exec_engineDrawdownPaused_everyOrderRefused_noPosition", async () => {
    const w = await world(150);
    const p = { pnlDrawdownBps: 500, breakerCooldownSeconds: 300 };
    const peak = updateDrawdown(initialEngineState().drawdown, 1_000n, 10_000n, 0, p).state;
    const state = { ...initialEngineState(), drawdown: updateDrawdown(peak, 0n, 10_000n, 1, p).state };
    const arb = arbitragePlugin.create({
      venues: w.venues,
      clock: w.t.clock,
      sleep: w.t.sleep,
      config,
      guard: (strategyId) =>
        engineGuard({ state: () => state, params: () => DEFAULT_ENGINE_PARAMETERS }, { strategyId, clock: w.t.clock }),
    });
    const result = await arb.exec(ctx(new AbortController().signal));
    assert.equal(result.status, "failed");
    for (const venue of ["binance", "okx"])
      assert.equal(w.run.sim.venues.get(venue)!.exchange.allOrders("alice", PAIR).length, 0);
  });
});

describe("MarketMakingStrategy", () => {
  const config = {
    id: "mm-btc",
    pair: PAIR,
    venueId: "binance",
    minHalfSpreadBps: 5,
    orderSize: "0.1",
    targetInventory: "2",
    maxInventory: "1",
    tick: "0.01",
    lot: "0.00001",
    expectedRoundTrips: 2,
    makerFeeBps: 2,
  };

  it("exec_abortThroughSignal_cancelsQuotesAndReturnsResumeState", async () => {
    const w = await world(0, { makerFeeBps: 2 });
    let release: (() => void) | undefined;
    let refreshed: (() => void) | undefined;
    const firstRefresh = new Promise<void>((r) => (refreshed = r));
    const mm = marketMakingPlugin.create({
      venues: w.venues,
      clock: w.t.clock,
      config,
      waitForRefresh: (signal) =>
        new Promise<void>((resolve) => {
          release = resolve;
          refreshed?.();
          signal.addEventListener("abort", () => resolve(), { once: true });
        }),
    });
    const roi = mm.estimatedROI(await w.market());
    assert.ok(roi && roi.expectedProfit > roi.estimatedCost);
    const controller = new AbortController();
    const running = mm.exec(ctx(controller.signal));
    await firstRefresh;
    const quotes = openOrders(w.run, "binance");
    assert.equal(quotes.length, 2, "a bid and an ask rest on the book");
    assert.deepEqual(quotes.map((o) => o.side).sort(), ["BUY", "SELL"]);
    // Inside the background spread (30 000 +/- 5 bps vs the maker's +/- 10 bps).
    assert.ok(quotes.every((o) => o.price! > 2_997_000n && o.price! < 3_003_000n));
    release = undefined;
    controller.abort();
    const result = await running;
    assert.equal(result.status, "aborted");
    assert.deepEqual(openOrders(w.run, "binance"), [], "no quote left on the venue");
    const resume = result.resumeState as { startValue: bigint; refreshes: number };
    assert.equal(resume.refreshes, 1);
    // Resumed: carries on from the same baseline, then ends by itself after its refresh budget.
    const resumed = marketMakingPlugin.create({
      venues: w.venues,
      clock: w.t.clock,
      config: { ...config, maxRefreshes: 2 },
      waitForRefresh: async () => {},
    });
    const second = await resumed.exec(ctx(new AbortController().signal, { runId: 2, resumeState: resume }));
    assert.equal(second.status, "succeeded");
    assert.deepEqual(openOrders(w.run, "binance"), []);
    assert.equal(release, undefined);
  });
});

describe("MarketMakingStrategy live refresh", () => {
  it("exec_bookMovesPastTolerance_engineTickCutsTheWaitShort_quotesFollowTheMid", async () => {
    const w = await world(0, { makerFeeBps: 2 });
    const mm = marketMakingPlugin.create({
      venues: w.venues,
      clock: w.t.clock,
      config: {
        id: "mm-btc",
        pair: PAIR,
        venueId: "binance",
        minHalfSpreadBps: 5,
        orderSize: "0.1",
        targetInventory: "2",
        maxInventory: "1",
        tick: "0.01",
        lot: "0.00001",
        makerFeeBps: 2,
        priceToleranceBps: 3,
        refreshMs: 600_000, // the timer alone would not refresh within this test
      },
    });
    const controller = new AbortController();
    const running = mm.exec(ctx(controller.signal));
    const quotesOf = () =>
      openOrders(w.run, "binance")
        .map((o) => o.price!)
        .sort();
    try {
      await until("first quotes rest", () => quotesOf().length === 2, 30_000, 10);
      const first = quotesOf();
      // A tick inside the tolerance changes nothing; a 20 bps move of the book wakes the run at once.
      mm.estimatedROI(await w.market());
      w.run.sim.venue("binance").config.priceOffsetBps = 20;
      w.run.sim.advance(1);
      mm.estimatedROI(await w.market());
      await until("quotes follow the mid", () => {
        const q = quotesOf();
        return q.length === 2 && q[0]! > first[0]! && q[1]! > first[1]!;
      });
    } finally {
      controller.abort();
    }
    assert.equal((await running).status, "aborted");
    assert.deepEqual(openOrders(w.run, "binance"), []);
  });
});

describe("MarketMakingStrategy capital", () => {
  it("exec_capitalGranted_eachSideQuotesAtMostHalfOfIt", async () => {
    const w = await world(0, { makerFeeBps: 2 });
    let refreshed: (() => void) | undefined;
    const firstRefresh = new Promise<void>((r) => (refreshed = r));
    const mm = marketMakingPlugin.create({
      venues: w.venues,
      clock: w.t.clock,
      config: {
        id: "mm-btc",
        pair: PAIR,
        venueId: "binance",
        minHalfSpreadBps: 5,
        orderSize: "0.1", // 3,000 USDT a side at 30,000
        targetInventory: "2",
        maxInventory: "1",
        tick: "0.01",
        lot: "0.00001",
        makerFeeBps: 2,
      },
      waitForRefresh: (signal) =>
        new Promise<void>((resolve) => {
          refreshed?.();
          signal.addEventListener("abort", () => resolve(), { once: true });
        }),
    });
    const controller = new AbortController();
    // The sleeve granted 3,000 USDT: 1,500 a side.
    const running = mm.exec(ctx(controller.signal, { capital: toWad("3000") }));
    await firstRefresh;
    const quotes = openOrders(w.run, "binance");
    assert.equal(quotes.length, 2);
    for (const o of quotes) {
      const notional = (o.price! * o.quantity!) / 10_000_000n; // price: 2 decimals, quantity: 5
      assert.ok(notional <= 1_500n, `${o.side} ${o.quantity} at ${o.price}: ${notional} USDT`);
      assert.ok(notional >= 1_490n, "close to the cap (lot rounding only)");
    }
    controller.abort();
    assert.equal((await running).status, "aborted");
  });
});

describe("RebalanceStrategy", () => {
  it("exec_inventoryAboveTarget_sellsBackInsideTheBand", async () => {
    const w = await world();
    const reb = rebalancePlugin.create({
      venues: w.venues,
      config: {
        id: "reb-btc",
        pair: PAIR,
        venueId: "okx",
        targetBase: "1.2",
        band: "0.1",
        riskBps: 100,
        takerFeeBps: 20,
        lot: "0.00001",
      },
    });
    const roi = reb.estimatedROI(await w.market());
    assert.ok(roi);
    assert.equal(roi.capitalLocked, toWad("24000")); // 0.8 BTC at the 30 000 mid
    const result = await reb.exec(ctx(new AbortController().signal));
    assert.equal(result.status, "succeeded");
    const bal = await w.venues.okx.balances();
    assert.equal(bal.BTC.total, toWad("1.2"));
    assert.ok(result.pnl < 0n, "a rebalance pays the fee and the spread");
    assert.equal(reb.estimatedROI(await w.market()), null, "inside the band now");
  });
});

describe("StrategyPlugin", () => {
  it("marketMakingPlugin_volSpreadFactorOmitted_spreadCoversFeeAndRefreshVolatility", async () => {
    const w = await world(0, { makerFeeBps: 2 });
    const base = {
      id: "mm-btc",
      pair: PAIR,
      venueId: "binance",
      minHalfSpreadBps: 5,
      orderSize: "0.1",
      targetInventory: "2",
      maxInventory: "1",
      tick: "0.01",
      lot: "0.00001",
      makerFeeBps: 2,
    };
    const read = await w.market();
    // 1,200 bps an hour is 20 bps over the default 1 s refresh: far above the 5 bps floor.
    const market = { ...read, volatilityBps: new Map([[PAIR, 1_200]]) };
    const omitted = marketMakingPlugin.create({ venues: w.venues, clock: w.t.clock, config: base });
    const zero = marketMakingPlugin.create({
      venues: w.venues,
      clock: w.t.clock,
      config: { ...base, volSpreadFactorBps: 0 },
    });
    const dflt = omitted.estimatedROI(market)!;
    const none = zero.estimatedROI(market)!;
    // The default half-spread pays the maker fee and one refresh's volatility on every fill; a factor of 0 does not.
    assert.ok(dflt.expectedProfit >= dflt.estimatedCost, `${dflt.expectedProfit} < ${dflt.estimatedCost}`);
    assert.ok(none.expectedProfit < none.estimatedCost);
    assert.equal(MarketMakingConfigSchema.parse(base).volSpreadFactorBps, 10_000n);
  });

  it("create_invalidConfig_throwsConfigErrorNamingTheField", () => {
    assert.deepEqual([...STRATEGY_PLUGINS.keys()], ["arbitrage", "marketMaking", "rebalance"]);
    assert.throws(
      () => marketMakingPlugin.create({ venues: {}, config: { id: "x", pair: PAIR, venueId: "binance" } }),
      (err: unknown) => err instanceof ConfigError && /orderSize/.test(String((err as ConfigError).details)),
    );
    assert.throws(
      () =>
        rebalancePlugin.create({
          venues: {},
          config: {
            id: "r",
            pair: PAIR,
            venueId: "nowhere",
            targetBase: "1",
            band: "0",
            riskBps: 1,
            takerFeeBps: 1,
            lot: "0.1",
          },
        }),
      /not connected/,
    );
  });
});

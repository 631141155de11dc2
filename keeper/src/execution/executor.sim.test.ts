/**
 * Arbitrage end to end on the exchange simulator through real ccxt clients: CEX-CEX between the two
 * dialects (ccxt.binance buying, ccxt.okx selling) on a planted gap, clean and with faults injected,
 * and a DEX-CEX run whose CEX leg is the simulator (the DEX a Uniswap v2 pool on a local chain).
 */
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { evaluateRoute, findOpportunities } from "./arbitrage.js";
import { parseScenario } from "../sim/scenario.js";
import { ALICE, BOB, consistencyProblems, testScenarioInput } from "../sim/testkit.js";
import { startSimulation, type RunningSimulation } from "../sim/venues.js";
import { RequestBudgets } from "./budget.js";
import type { CcxtVenue } from "./ccxtVenue.js";
import { executeArbitrage, type ExecutionReport } from "./executor.js";
import { BPS, divRound, toWad, wadToNumber } from "./fixed.js";
import { snapshotVenue } from "./snapshot.js";
import { localChain, uniswapFixture, type LocalChain } from "./testing/chain.js";
import { simVenue } from "./simVenue.js";
import { virtualTime } from "./testing/virtualTime.js";
import { UniswapV2Venue, nativePriceFromPool } from "./uniswapV2Venue.js";
import type { Balance } from "./venue.js";

const PAIR = "BTC/USDT";
const TAKER_BPS = 20n;
/** The planted gap: OKX's mid sits 150 bps above Binance's (both around a flat fair price of 30 000). */
const GAP_BPS = 150;

let current: RunningSimulation | undefined;
afterEach(async () => {
  if (current) assert.deepEqual(consistencyProblems(current), []);
  await current?.close();
  current = undefined;
});

async function cexPair(okxFaults?: Record<string, unknown>, binanceFaults?: Record<string, unknown>) {
  const t = virtualTime(Date.now());
  const input = testScenarioInput({
    binance: binanceFaults ? { faults: binanceFaults } : {},
    okx: { priceOffsetBps: GAP_BPS, ...(okxFaults ? { faults: okxFaults } : {}) },
  });
  const run = await startSimulation(parseScenario(input), { now: t.clock.now });
  current = run;
  const budgets = new RequestBudgets({ capacity: 50, refillPerSecond: 50 }, t.clock, t.sleep);
  const venue = (d: "binance" | "okx") =>
    simVenue(run, {
      venue: d,
      dialect: d,
      account: ALICE,
      budget: budgets.for(d),
      clock: t.clock,
      sleep: t.sleep,
      takerFeeBps: Number(TAKER_BPS),
      // The lost answer below hangs far longer than this; a busy machine's ordinary request stays well within it.
      timeoutMs: 3_000,
      policy: { baseMs: 50 },
    });
  return { run, t, binance: await venue("binance"), okx: await venue("okx") };
}

/**
 * The analytic optimum from the fixed ladders (scenario of testkit.ts): Binance asks at
 * 30 000 x (1 + (10 + 10 i) bps), OKX bids at 30 450 x (1 - (10 + 10 i) bps) floored to the cent, 0.5 BTC
 * each; 20 bps taker fee on each side; the sell is capped by the 2 BTC alice holds on OKX. Profit is
 * piecewise linear in the size, so the optimum sits on a level boundary.
 */
function analyticProfit(): { amount: number; profit: number } {
  const asks = [0, 1, 2, 3, 4].map((i) => 30_000 * (1 + (10 + 10 * i) / 1e4));
  const okxMid = 30_000 * (1 + GAP_BPS / 1e4);
  const bids = [0, 1, 2, 3, 4].map((i) => Math.floor(okxMid * (1 - (10 + 10 * i) / 1e4) * 100) / 100);
  const fee = Number(TAKER_BPS) / 1e4;
  let best = { amount: 0, profit: 0 };
  let profit = 0;
  for (let i = 0; i < 4; i++) {
    profit += 0.5 * (bids[i] * (1 - fee) - asks[i] * (1 + fee));
    if (profit > best.profit) best = { amount: 0.5 * (i + 1), profit };
  }
  return best;
}

/** Sums over venues; an asset the venue does not list (OKX omits zero balances) counts as zero. */
const totals = (bs: Record<string, Balance>[]) => ({
  BTC: bs.reduce((s, b) => s + (b.BTC?.total ?? 0n), 0n),
  USDT: bs.reduce((s, b) => s + (b.USDT?.total ?? 0n), 0n),
});

/** One order per client order id on every venue of the simulation (no double orders). */
function assertNoDoubleOrders(run: RunningSimulation, report: ExecutionReport, account = "alice"): void {
  for (const [name, v] of run.sim.venues) {
    const all = v.exchange.allOrders(account, PAIR, { limit: 10_000 });
    const ids = all.map((o) => o.clientOrderId);
    assert.equal(new Set(ids).size, ids.length, `${name}: a client order id was used twice`);
    assert.equal(all.length, report.orders.filter((o) => o.venueId === name).length, `${name}: unreported order`);
  }
}

/**
 * Balances reconcile to the cent: the real change summed over both venues equals what the report's
 * orders say, with the simulator's fee convention (a buyer pays the fee in BTC, a seller in USDT).
 */
function assertReconciles(
  before: { BTC: bigint; USDT: bigint },
  after: { BTC: bigint; USDT: bigint },
  report: ExecutionReport,
): void {
  let usdt = 0n;
  let btc = 0n;
  for (const o of report.orders) {
    if (o.side === "buy") {
      usdt -= o.cost;
      btc += o.filled - divRound(o.filled * TAKER_BPS, BPS, "up");
    } else {
      usdt += o.cost - o.fee;
      btc -= o.filled;
    }
  }
  const dUsdt = after.USDT - before.USDT;
  const dBtc = after.BTC - before.BTC;
  assert.ok(dUsdt - usdt < toWad("0.01") && usdt - dUsdt < toWad("0.01"), `USDT ${dUsdt} vs orders ${usdt}`);
  assert.ok(dBtc - btc <= toWad("0.00000001") && btc - dBtc <= toWad("0.00000001"), `BTC ${dBtc} vs ${btc}`);
  // And the report's own quote accounting (fees in quote) equals the value moved, to the cent.
  const valueMoved = dUsdt + (dBtc * report.orders.find((o) => o.filled > 0n)!.average) / 10n ** 18n;
  const reported =
    report.quoteDelta + (report.baseDelta * report.orders.find((o) => o.filled > 0n)!.average) / 10n ** 18n;
  assert.ok(
    valueMoved - reported < toWad("0.01") && reported - valueMoved < toWad("0.01"),
    `${valueMoved} vs ${reported}`,
  );
}

async function plan(binance: CcxtVenue, okx: CcxtVenue) {
  const snaps = await Promise.all([snapshotVenue(binance, { pair: PAIR }), snapshotVenue(okx, { pair: PAIR })]);
  const [best] = findOpportunities(snaps);
  assert.ok(best, "the planted gap is an opportunity");
  return best;
}

describe("CEX-CEX arbitrage, ccxt.binance vs ccxt.okx on the simulator", () => {
  it("executeArbitrage_plantedGap_realisesAnalyticProfitWithin5Percent", async (ctx) => {
    const { run, t, binance, okx } = await cexPair();
    const opp = await plan(binance, okx);
    const want = analyticProfit();
    assert.equal(opp.kind, "cex-cex");
    assert.equal(opp.buy.venueId, "binance");
    assert.equal(opp.sell.venueId, "okx");
    assert.equal(opp.amount, toWad(String(want.amount)));
    const before = totals([await binance.balances(), await okx.balances()]);
    const report = await executeArbitrage({ binance, okx }, opp, "cexcex-1", {
      retryBudget: 2,
      gasBudget: 0n,
      clock: t.clock,
      sleep: t.sleep,
    });
    assert.equal(report.status, "completed", JSON.stringify(report.events.map((e) => e.message)));
    const after = totals([await binance.balances(), await okx.balances()]);
    // Realised: the value the two accounts gained, BTC valued at the buy's average price.
    const avg = report.orders[0].average;
    const realised = wadToNumber(after.USDT - before.USDT + ((after.BTC - before.BTC) * avg) / 10n ** 18n);
    ctx.diagnostic(
      `realised ${realised} USDT, analytic ${want.profit} USDT, planned ${wadToNumber(opp.expectedProfit)}`,
    );
    assert.ok(Math.abs(realised - want.profit) / want.profit < 0.05, `realised ${realised} vs ${want.profit}`);
    assert.ok(Math.abs(wadToNumber(report.pnl) - want.profit) / want.profit < 0.05);
    assert.ok(Math.abs(wadToNumber(opp.expectedProfit) - want.profit) / want.profit < 0.05);
    assertNoDoubleOrders(run, report);
    assertReconciles(before, after, report);
  });

  it("executeArbitrage_partialFillsRejectsAndLostAnswer_noOrphanNoDoubleOrder", async (ctx) => {
    // Binance: the buy executes but its answer is lost. OKX: the sell fills half, then a retry is
    // rejected; the executor must close the rest (retry or hedge) and leave no open position.
    const { run, t, binance, okx } = await cexPair(
      {
        rules: [
          { kind: "partialFill", fillRatio: 0.5, maxTimes: 1, endpoints: ["createOrder"] },
          { kind: "reject", maxTimes: 1, endpoints: ["createOrder"] },
        ],
      },
      { rules: [{ kind: "timeout", mode: "afterExecute", hangMs: 30_000, endpoints: ["createOrder"], maxTimes: 1 }] },
    );
    const opp = await plan(binance, okx);
    const before = totals([await binance.balances(), await okx.balances()]);
    const report = await executeArbitrage({ binance, okx }, opp, "cexcex-faults", {
      retryBudget: 3,
      gasBudget: 0n,
      clock: t.clock,
      sleep: t.sleep,
    });
    const trail = JSON.stringify(report.events.map((e) => e.message));
    ctx.diagnostic(`${report.status} pnl ${wadToNumber(report.pnl)}: ${trail}`);
    assert.ok(["completed", "hedged"].includes(report.status), `${report.status}: ${trail}`);
    assert.equal(report.residual, 0n);
    assert.equal(report.openFilled, opp.amount);
    // The sell closes what the buy delivered: Binance took the buy's fee in BTC (the hedge sells the position held).
    const delivered = report.orders
      .filter((o) => o.purpose === "open")
      .reduce((s, o) => s + o.filled - (o.feeBase ?? 0n), 0n);
    assert.equal(delivered, opp.amount - divRound(opp.amount * TAKER_BPS, BPS, "up"), "buy fee taken in BTC");
    assert.equal(report.closeFilled, delivered, "every bought BTC was sold: no orphaned leg");
    assert.ok(report.orders.filter((o) => o.venueId === "okx").length >= 2, trail);
    assert.ok(
      report.events.some((e) => e.kind === "error" || e.kind === "retry"),
      trail,
    );
    assert.equal(run.servers.get("okx")!.faults.stats.injected.partialFill, 1);
    assert.equal(run.servers.get("okx")!.faults.stats.injected.reject, 1);
    assert.equal(run.servers.get("binance")!.faults.stats.injected.timeout, 1);
    assertNoDoubleOrders(run, report);
    assertReconciles(before, totals([await binance.balances(), await okx.balances()]), report);
    assert.ok(report.pnl > 0n, "still profitable after the faults");
  });
});

describe("DEX-CEX arbitrage, Uniswap v2 on a local chain vs ccxt.okx on the simulator", () => {
  let chain: LocalChain;
  before(async () => {
    chain = await localChain();
  });
  after(async () => {
    await chain.close();
  });

  it("executeArbitrage_poolBelowSimulatedBid_realisesAnalyticProfitWithin5Percent", async (ctx) => {
    const t = virtualTime(Date.now());
    // One deep bid level at 2100 x (1 - 10 bps) on the simulated CEX; the pool prices WETH at 2000.
    const scenario = parseScenario({
      name: "dex-cex",
      seed: 3,
      assets: [
        { code: "WETH", decimals: 18 },
        { code: "USD", decimals: 8 },
      ],
      markets: [
        { base: "WETH", quote: "USD", tickSize: "0.01", stepSize: "0.0001", initialPrice: 2100, volatility: 0 },
      ],
      venues: [
        {
          name: "okx",
          dialect: "okx",
          makerFeeBps: 10,
          takerFeeBps: 10,
          liquidity: { "WETH/USD": { levels: 1, halfSpreadBps: 10, spacingBps: 10, qtyPerLevel: "1000", growth: 0 } },
        },
      ],
      accounts: [{ ...ALICE, balances: { WETH: "100", USD: "1000000" } }],
    });
    const run = await startSimulation(scenario, { now: t.clock.now });
    current = run;
    const cex = await simVenue(run, {
      venue: "okx",
      dialect: "okx",
      account: ALICE,
      budget: new RequestBudgets({ capacity: 50, refillPerSecond: 50 }, t.clock, t.sleep).for("okx"),
      clock: t.clock,
      sleep: t.sleep,
      takerFeeBps: 10,
    });
    const fx = await uniswapFixture(chain, 100n, 200_000n);
    const dex = new UniswapV2Venue({
      id: "uniswap",
      signer: chain.signers[0],
      router: fx.router,
      pairs: [{ pair: "WETH/USD", base: fx.weth, quote: fx.usd }],
      nativePriceInQuote: nativePriceFromPool("WETH/USD"),
    });
    await dex.init();
    const [d, c] = await Promise.all([
      snapshotVenue(dex, { pair: "WETH/USD", market: "ETH/USD", chain: "a" }),
      snapshotVenue(cex, { pair: "WETH/USD", market: "ETH/USD" }),
    ]);
    const opp = evaluateRoute(d, c)!;
    assert.equal(opp.kind, "dex-cex");
    const reserves = await dex.liquidity("WETH/USD");
    const cexBefore = await cex.balances();
    const report = await executeArbitrage({ uniswap: dex, okx: cex }, opp, "dexcex-sim", {
      retryBudget: 2,
      gasBudget: toWad("50"),
      clock: t.clock,
      sleep: t.sleep,
    });
    assert.equal(report.status, "completed", JSON.stringify(report.events.map((e) => e.message)));
    const x = wadToNumber(reserves.reserveBase);
    const y = wadToNumber(reserves.reserveQuote);
    const pNet = 2100 * (1 - 10 / 1e4) * (1 - 10 / 1e4);
    const dStar = x - Math.sqrt((x * y) / (0.997 * pNet));
    const analytic = dStar * pNet - (y * dStar) / ((x - dStar) * 0.997) - wadToNumber(d.gasCostPerOrder);
    const realised = wadToNumber(report.pnl);
    ctx.diagnostic(`realised ${realised}, analytic ${analytic}`);
    assert.ok(Math.abs(realised - analytic) / analytic < 0.05, `realised ${realised} vs analytic ${analytic}`);
    // The simulated CEX's balances moved exactly as its order says (a seller pays the fee in quote).
    const sell = report.orders.find((o) => o.venueId === "okx")!;
    const cexAfter = await cex.balances();
    assert.equal(cexBefore.WETH.total - cexAfter.WETH.total, sell.filled);
    assert.equal(cexAfter.USD.total - cexBefore.USD.total, sell.cost - sell.fee);
  });
});

describe("issue 15: unwind after a buy fee taken in the base asset (Binance spot convention)", () => {
  it("issue15_1_executeArbitrage_buyFeeInBaseAndSecondLegRejected_unwindsWhatTheAccountHolds", async (ctx) => {
    // Carol holds no BTC on Binance (so the unwind can only sell what the buy delivered, net of the fee the
    // simulator takes in BTC, as Binance spot does) and 2 BTC on OKX, where every order is rejected.
    const t = virtualTime(Date.now());
    const carol = {
      ...BOB,
      name: "carol",
      apiKey: "test-carol-key",
      secret: "test-carol-secret",
      balances: { USDT: "100000" },
    };
    const input = testScenarioInput({
      okx: { priceOffsetBps: GAP_BPS, faults: { rules: [{ kind: "reject", endpoints: ["createOrder"] }] } },
    });
    const run = await startSimulation(parseScenario({ ...input, accounts: [...input.accounts!, carol] }), {
      now: t.clock.now,
    });
    current = run;
    run.sim.venues.get("okx")!.exchange.deposit("carol", "BTC", "2");
    const budgets = new RequestBudgets({ capacity: 50, refillPerSecond: 50 }, t.clock, t.sleep);
    const venue = (d: "binance" | "okx") =>
      simVenue(run, {
        venue: d,
        dialect: d,
        account: carol,
        budget: budgets.for(d),
        clock: t.clock,
        sleep: t.sleep,
        takerFeeBps: Number(TAKER_BPS),
        policy: { baseMs: 50 },
      });
    const binance = await venue("binance");
    const okx = await venue("okx");
    const opp = await plan(binance, okx);
    const report = await executeArbitrage({ binance, okx }, opp, "basefee-unwind", {
      retryBudget: 1,
      gasBudget: 0n,
      clock: t.clock,
      sleep: t.sleep,
    });
    const trail = JSON.stringify(report.events.map((e) => e.message));
    ctx.diagnostic(`${report.status}: ${trail}`);
    assert.equal(report.status, "unwound", trail);
    assert.equal(report.residual, 0n);
    // Carol's BTC on Binance is back to (almost) nothing: at most one lot (0.00001) of dust remains.
    const left = (await binance.balances()).BTC?.total ?? 0n;
    assert.ok(left < toWad("0.00001"), `${left} BTC left on binance`);
    assertNoDoubleOrders(run, report, "carol");
  });
});

/**
 * Execution-layer benchmark against the exchange simulator (prints numbers; nothing is asserted):
 *  1. order-book updates per second through detection:
 *     a. in process: books produced by the simulator's market model (GBM + background makers on a
 *        Binance-dialect and an OKX-dialect venue, 20 levels), converted as ccxt delivers them (numbers
 *        -> wads) and run through `findOpportunities` with a Uniswap v2 curve; only conversion and
 *        detection are timed;
 *     b. over loopback: each update is a real `ccxt.binance` / `ccxt.okx` `fetchOrderBook` from the
 *        simulator's HTTP server through `CcxtVenue`, then detection (HTTP + parsing + detection timed);
 *  2. opportunity-to-first-order latency on loopback: both venues' books and balances are read (the
 *     opportunity arrives), the clock starts; detection plans the arbitrage and the executor's first
 *     limit-IOC order goes through an unmodified ccxt client to the simulator; the clock stops when the
 *     exchange's answer is parsed. The simulation steps between runs so the makers refill the books.
 * Run: `npx tsx scripts/bench/execution.ts [--updates N] [--fetches N] [--orders N]`.
 */
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { findOpportunities, type VenueSnapshot } from "../../keeper/src/execution/arbitrage.js";
import { RequestBudgets } from "../../keeper/src/execution/budget.js";
import { executeArbitrage } from "../../keeper/src/execution/executor.js";
import { toWad } from "../../keeper/src/execution/fixed.js";
import { snapshotVenue } from "../../keeper/src/execution/snapshot.js";
import { simVenue } from "../../keeper/src/execution/simVenue.js";
import { formatTrim } from "../../keeper/src/sim/money.js";
import { parseScenario, type ScenarioInput } from "../../keeper/src/sim/scenario.js";
import { startSimulation } from "../../keeper/src/sim/venues.js";

const { values } = parseArgs({
  options: {
    updates: { type: "string", default: "20000" },
    fetches: { type: "string", default: "2000" },
    orders: { type: "string", default: "400" },
  },
});
const UPDATES = Number(values.updates);
const FETCHES = Number(values.fetches);
const ORDERS = Number(values.orders);

const ACCOUNT = {
  name: "bench",
  apiKey: "bench-api-key",
  secret: "bench-secret",
  passphrase: "bench-pass",
  balances: { BTC: "100000", USDT: "10000000000" },
};

function scenario(gapBps: number, volatility: number): ScenarioInput {
  const liquidity = { "BTC/USDT": { levels: 20, halfSpreadBps: 2, spacingBps: 2, qtyPerLevel: "0.5", growth: 0.1 } };
  return {
    name: "bench",
    seed: 5,
    stepMs: 1000,
    assets: [
      { code: "BTC", decimals: 8 },
      { code: "USDT", decimals: 8 },
    ],
    markets: [{ base: "BTC", quote: "USDT", tickSize: "0.01", stepSize: "0.00001", initialPrice: 30_000, volatility }],
    venues: [
      { name: "binance", dialect: "binance", makerFeeBps: 10, takerFeeBps: 10, liquidity },
      { name: "okx", dialect: "okx", makerFeeBps: 8, takerFeeBps: 10, priceOffsetBps: gapBps, liquidity },
    ],
    accounts: [ACCOUNT],
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

type NumBook = { bids: [number, number][]; asks: [number, number][] };

function snapshotFromNumbers(venueId: string, book: NumBook): VenueSnapshot {
  const lv = (l: [number, number][]) => l.map(([p, a]) => ({ price: toWad(p), amount: toWad(a) }));
  return {
    venueId,
    kind: "cex",
    market: "BTC/USDT",
    pair: "BTC/USDT",
    liquidity: { kind: "book", bids: lv(book.bids), asks: lv(book.asks), takerFeeBps: 10n },
    gasCostPerOrder: 0n,
    lot: toWad("0.00001"),
    baseAvailable: toWad("50"),
    quoteAvailable: toWad("2000000"),
  };
}

const POOL: VenueSnapshot = {
  venueId: "uniswap",
  kind: "dex",
  market: "BTC/USDT",
  pair: "WBTC/USDT",
  liquidity: { kind: "curve", reserveBase: toWad("100"), reserveQuote: toWad("2985000"), feeBps: 30n },
  gasCostPerOrder: toWad("2"),
  lot: 0n,
  baseAvailable: toWad("50"),
  quoteAvailable: toWad("2000000"),
  chain: "local",
};

async function detectionInProcess(): Promise<void> {
  const run = await startSimulation(parseScenario(scenario(0, 0.8)));
  try {
    // Books as the simulator's venues hold them after each step, in ccxt's shape (numbers).
    const updates: { venue: string; book: NumBook }[] = [];
    for (let i = 0; updates.length < UPDATES; i++) {
      run.sim.advance(1);
      for (const [name, v] of run.sim.venues) {
        const m = v.exchange.market("BTC/USDT");
        const d = v.exchange.depth("BTC/USDT", 20);
        const side = (levels: typeof d.bids): [number, number][] =>
          levels.map((l) => [Number(formatTrim(l.price, m.priceDecimals)), Number(formatTrim(l.qty, m.qtyDecimals))]);
        updates.push({ venue: name, book: { bids: side(d.bids), asks: side(d.asks) } });
      }
    }
    const snaps = new Map<string, VenueSnapshot>();
    let found = 0;
    const start = performance.now();
    for (const u of updates) {
      snaps.set(u.venue, snapshotFromNumbers(u.venue, u.book));
      found += findOpportunities([...snaps.values(), POOL]).length;
    }
    const seconds = (performance.now() - start) / 1000;
    console.log(
      `detection (in process): ${updates.length} simulator book updates (20 levels, 2 CEX + 1 AMM, 6 routes) in ` +
        `${seconds.toFixed(2)} s = ${Math.round(updates.length / seconds)} updates/s (${found} opportunities found)`,
    );
  } finally {
    await run.close();
  }
}

async function detectionOverLoopback(): Promise<void> {
  const run = await startSimulation(parseScenario(scenario(0, 0.8)));
  try {
    const budgets = new RequestBudgets({ capacity: 1e6, refillPerSecond: 1e6 });
    const venues = await Promise.all(
      (["binance", "okx"] as const).map((d) =>
        simVenue(run, { venue: d, dialect: d, account: ACCOUNT, budget: budgets.for(d), takerFeeBps: 10 }),
      ),
    );
    const snaps = new Map<string, VenueSnapshot>();
    let found = 0;
    const start = performance.now();
    for (let i = 0; i < FETCHES; i++) {
      if (i % 2 === 0) run.sim.advance(1);
      const v = venues[i % 2];
      const book = await v.fetchOrderBook("BTC/USDT", 20);
      snaps.set(v.id, {
        ...snapshotFromNumbers(v.id, { bids: [], asks: [] }),
        liquidity: { kind: "book", bids: book.bids, asks: book.asks, takerFeeBps: 10n },
      });
      found += findOpportunities([...snaps.values(), POOL]).length;
    }
    const seconds = (performance.now() - start) / 1000;
    console.log(
      `detection (over loopback): ${FETCHES} fetchOrderBook (20 levels, ccxt.binance and ccxt.okx alternating) + ` +
        `detection in ${seconds.toFixed(2)} s = ${Math.round(FETCHES / seconds)} updates/s (${found} opportunities found)`,
    );
  } finally {
    await run.close();
  }
}

async function firstOrderLatency(): Promise<void> {
  // A 40 bps gap: OKX's makers quote above Binance's, so every step holds an opportunity.
  const run = await startSimulation(parseScenario(scenario(40, 0)));
  try {
    const budgets = new RequestBudgets({ capacity: 1e6, refillPerSecond: 1e6 });
    const [binance, okx] = await Promise.all(
      (["binance", "okx"] as const).map((d) =>
        simVenue(run, { venue: d, dialect: d, account: ACCOUNT, budget: budgets.for(d), takerFeeBps: 10 }),
      ),
    );
    const samples: number[] = [];
    let orders = 0;
    for (let i = 0; i < ORDERS + 20; i++) {
      run.sim.advance(1); // the makers refill what the previous run took
      const snaps = await Promise.all([
        snapshotVenue(binance, { pair: "BTC/USDT", depth: 20 }),
        snapshotVenue(okx, { pair: "BTC/USDT", depth: 20 }),
      ]);
      const t0 = performance.now();
      let firstOrderAt = 0;
      const [best] = findOpportunities(snaps, {
        minProfit: 0n,
        maxAmount: toWad("0.5"),
        delayRiskBpsPerMinute: 0n,
        limitBufferBps: 0n,
      });
      if (!best) throw new Error(`run ${i}: no opportunity`);
      const report = await executeArbitrage({ binance, okx }, best, `bench-${i}`, {
        retryBudget: 0,
        gasBudget: 0n,
        onEvent: (e) => {
          if (e.kind === "order" && firstOrderAt === 0) firstOrderAt = performance.now();
        },
      });
      if (firstOrderAt === 0)
        throw new Error(`run ${i}: no order reached the exchange (${JSON.stringify(report.events)})`);
      if (report.status !== "completed") throw new Error(`run ${i}: ${report.status}`);
      orders += report.orders.length;
      if (i >= 20) samples.push(firstOrderAt - t0); // the first 20 warm up ccxt and the sockets
    }
    samples.sort((a, b) => a - b);
    console.log(
      `opportunity-to-first-order (loopback, simulator, ccxt.binance first leg): ${samples.length} runs, ` +
        `p50 ${percentile(samples, 50).toFixed(2)} ms, p99 ${percentile(samples, 99).toFixed(2)} ms, ` +
        `max ${samples[samples.length - 1].toFixed(2)} ms (${orders} orders placed)`,
    );
  } finally {
    await run.close();
  }
}

await detectionInProcess();
await detectionOverLoopback();
await firstOrderLatency();

/**
 * Execution-layer benchmark (prints numbers; nothing is asserted):
 *  1. order-book updates per second through detection: each update is a ccxt-shaped 20-level book
 *     (numbers) for one of three CEX venues, converted to wads and run through `findOpportunities`
 *     together with a Uniswap v2 curve;
 *  2. opportunity-to-first-order latency on loopback: a fresh book arrives, detection plans the
 *     arbitrage, and the executor's first limit-IOC order goes through an unmodified ccxt.binance to an
 *     HTTP server on 127.0.0.1; the clock stops when the exchange's answer is parsed.
 * Run: `npx tsx scripts/bench/execution.ts [--updates N] [--orders N]`.
 */
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { findOpportunities, type VenueSnapshot } from "../../keeper/src/execution/arbitrage.js";
import { RequestBudget } from "../../keeper/src/execution/budget.js";
import { CcxtVenue } from "../../keeper/src/execution/ccxtVenue.js";
import { executeArbitrage } from "../../keeper/src/execution/executor.js";
import { toWad } from "../../keeper/src/execution/fixed.js";
import { BinanceFixture, type FixtureSymbol } from "../../keeper/src/execution/testing/binanceFixture.js";

const { values } = parseArgs({
  options: { updates: { type: "string", default: "20000" }, orders: { type: "string", default: "400" } },
});
const UPDATES = Number(values.updates);
const ORDERS = Number(values.orders);

/** Deterministic PRNG (mulberry32) so runs are comparable. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function ccxtBook(
  mid: number,
  rand: () => number,
  levels = 20,
): { bids: [number, number][]; asks: [number, number][] } {
  const bids: [number, number][] = [];
  const asks: [number, number][] = [];
  for (let i = 0; i < levels; i++) {
    bids.push([Math.round((mid - 0.5 - i * 0.5) * 100) / 100, Math.round((0.1 + rand() * 2) * 1000) / 1000]);
    asks.push([Math.round((mid + 0.5 + i * 0.5) * 100) / 100, Math.round((0.1 + rand() * 2) * 1000) / 1000]);
  }
  return { bids, asks };
}

function snapshotFromCcxt(
  venueId: string,
  book: { bids: [number, number][]; asks: [number, number][] },
): VenueSnapshot {
  const lv = (l: [number, number][]) => l.map(([p, a]) => ({ price: toWad(p), amount: toWad(a) }));
  return {
    venueId,
    kind: "cex",
    market: "ETH/USD",
    pair: "ETH/USDT",
    liquidity: { kind: "book", bids: lv(book.bids), asks: lv(book.asks), takerFeeBps: 10n },
    gasCostPerOrder: 0n,
    lot: toWad("0.001"),
    baseAvailable: toWad("50"),
    quoteAvailable: toWad("100000"),
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function detectionThroughput(): Promise<void> {
  const rand = rng(42);
  const venues = ["a", "b", "c"];
  const snaps = new Map<string, VenueSnapshot>(venues.map((v) => [v, snapshotFromCcxt(v, ccxtBook(2000, rand))]));
  const pool: VenueSnapshot = {
    venueId: "uniswap",
    kind: "dex",
    market: "ETH/USD",
    pair: "WETH/USD",
    liquidity: { kind: "curve", reserveBase: toWad("1000"), reserveQuote: toWad("2000000"), feeBps: 30n },
    gasCostPerOrder: toWad("2"),
    lot: 0n,
    baseAvailable: toWad("50"),
    quoteAvailable: toWad("100000"),
    chain: "local",
  };
  const updates = Array.from({ length: UPDATES }, (_, i) => ({
    venue: venues[i % 3],
    book: ccxtBook(2000 + (rand() - 0.5) * 8, rand),
  }));
  let found = 0;
  const start = performance.now();
  for (const u of updates) {
    snaps.set(u.venue, snapshotFromCcxt(u.venue, u.book));
    found += findOpportunities([...snaps.values(), pool]).length;
  }
  const seconds = (performance.now() - start) / 1000;
  console.log(
    `detection: ${UPDATES} book updates (20 levels, 3 CEX + 1 AMM, 12 routes each) in ${seconds.toFixed(2)} s = ` +
      `${Math.round(UPDATES / seconds)} updates/s (${found} opportunities found)`,
  );
}

async function firstOrderLatency(): Promise<void> {
  const symbols = (): Record<string, FixtureSymbol> => ({
    ETHUSDT: {
      base: "ETH",
      quote: "USDT",
      tickSize: "0.01",
      stepSize: "0.001",
      bids: [[1999, 50]],
      asks: [[2000, 50]],
    },
  });
  const cheap = new BinanceFixture(symbols(), { ETH: 1e6, USDT: 1e9 });
  const rich = new BinanceFixture(symbols(), { ETH: 1e6, USDT: 1e9 });
  const [urlA, urlB] = await Promise.all([cheap.start(), rich.start()]);
  const budget = () => new RequestBudget({ capacity: 1e6, refillPerSecond: 1e6 });
  const venueA = new CcxtVenue(cheap.client(urlA), { id: "a", budget: budget() });
  const venueB = new CcxtVenue(rich.client(urlB), { id: "b", budget: budget() });
  await Promise.all([venueA.init(), venueB.init()]);
  const rand = rng(7);
  const samples: number[] = [];
  for (let i = 0; i < ORDERS + 20; i++) {
    // A gap is planted on b; the keeper receives both books (already parsed) and reacts.
    const gap = Math.round((6 + rand() * 5) * 100) / 100;
    cheap.symbols.ETHUSDT.asks = [[2000, 1]];
    rich.symbols.ETHUSDT.bids = [[2000 + gap, 1]];
    const a = snapshotFromCcxt("a", { bids: [[1999, 1]], asks: [[2000, 1]] });
    const b = snapshotFromCcxt("b", { bids: [[2000 + gap, 1]], asks: [[2010, 1]] });
    const t0 = performance.now();
    let firstOrderAt = 0;
    const [best] = findOpportunities([a, b]);
    const report = await executeArbitrage({ a: venueA, b: venueB }, best, `bench-${i}`, {
      retryBudget: 0,
      gasBudget: 0n,
      onEvent: (e) => {
        if (e.kind === "order" && firstOrderAt === 0) firstOrderAt = performance.now();
      },
    });
    if (firstOrderAt === 0)
      throw new Error(`run ${i}: no order reached the exchange (${JSON.stringify(report.events)})`);
    if (report.status !== "completed") throw new Error(`run ${i}: ${report.status}`);
    if (i >= 20) samples.push(firstOrderAt - t0); // the first 20 warm up ccxt and the sockets
  }
  const orders = cheap.orders.length + rich.orders.length;
  await Promise.all([cheap.stop(), rich.stop()]);
  samples.sort((x, y) => x - y);
  console.log(
    `opportunity-to-first-order (detect + plan + limit IOC through ccxt.binance to loopback, answer parsed), ` +
      `${samples.length} runs: p50 ${percentile(samples, 50).toFixed(2)} ms, p99 ${percentile(samples, 99).toFixed(2)} ms, ` +
      `max ${samples[samples.length - 1].toFixed(2)} ms (${orders} orders filled on the two servers)`,
  );
}

await detectionThroughput();
await firstOrderLatency();

/**
 * Exchange simulator benchmark: matching-engine throughput in process, and request latency of real
 * ccxt clients (binance and okx dialects) against the simulator on loopback. Prints numbers only.
 *
 *   npx tsx scripts/bench/sim.ts [--orders 200000] [--requests 500]
 */
import { performance } from "node:perf_hooks";
import { Exchange } from "../../keeper/src/sim/engine.js";
import { Prng } from "../../keeper/src/sim/prng.js";
import { parseScenario } from "../../keeper/src/sim/scenario.js";
import { client } from "../../keeper/src/sim/testclient.js";
import { ALICE, DIALECTS, testScenarioInput } from "../../keeper/src/sim/testkit.js";
import { startSimulation } from "../../keeper/src/sim/venues.js";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} needs a positive integer`);
  return n;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function engineThroughput(n: number): void {
  const ex = new Exchange({
    name: "bench",
    assets: [
      { code: "BTC", decimals: 8 },
      { code: "USDT", decimals: 8 },
    ],
    markets: [{ base: "BTC", quote: "USDT", tickSize: "0.01", stepSize: "0.00001" }],
    makerFeePpm: 1000,
    takerFeePpm: 2000,
  });
  const accounts = ["a", "b", "c", "d"];
  for (const a of accounts) {
    ex.deposit(a, "BTC", "1000000");
    ex.deposit(a, "USDT", "100000000000");
  }
  const rng = new Prng(1, "bench");
  const t0 = performance.now();
  let fills = 0;
  for (let i = 0; i < n; i++) {
    const side = rng.next() < 0.5 ? "BUY" : "SELL";
    const price = (30000 + Math.round(rng.normal() * 2000) / 100).toFixed(2);
    const o = ex.placeOrder({
      account: accounts[i % accounts.length]!,
      symbol: "BTC/USDT",
      side,
      type: "LIMIT",
      timeInForce: rng.next() < 0.2 ? "IOC" : "GTC",
      price,
      quantity: (0.001 + Math.floor(rng.next() * 100) / 1000).toFixed(5),
    });
    fills += o.fills.length;
    if (i % 1000 === 999) for (const a of accounts) ex.cancelAll(a); // keep the book a realistic size
  }
  const s = (performance.now() - t0) / 1000;
  console.log(`engine: ${n} limit orders (${fills} fills) in ${s.toFixed(2)} s = ${Math.round(n / s)} orders/s`);
}

async function httpLatency(requests: number): Promise<void> {
  const run = await startSimulation(parseScenario(testScenarioInput()));
  try {
    for (const dialect of DIALECTS) {
      const ex = client(run, dialect, ALICE);
      await ex.loadMarkets();
      const time = async (label: string, fn: (i: number) => Promise<unknown>): Promise<void> => {
        for (let i = 0; i < 20; i++) await fn(i); // warm-up
        const ms: number[] = [];
        for (let i = 0; i < requests; i++) {
          const t = performance.now();
          await fn(i);
          ms.push(performance.now() - t);
        }
        ms.sort((a, b) => a - b);
        console.log(
          `ccxt.${dialect} ${label}: p50 ${pct(ms, 50).toFixed(2)} ms, p99 ${pct(ms, 99).toFixed(2)} ms (${requests} calls)`,
        );
      };
      await time("fetchOrderBook", () => ex.fetchOrderBook("BTC/USDT", 20));
      await time("createOrder+cancelOrder (signed)", async () => {
        const o = await ex.createOrder("BTC/USDT", "limit", "buy", 0.001, 29000);
        await ex.cancelOrder(o.id!, "BTC/USDT");
      });
      await time("createOrder IOC taker (signed)", () =>
        ex.createOrder("BTC/USDT", "limit", "buy", 0.001, 30030, { timeInForce: "IOC" }),
      );
      run.sim.advance(); // refill the book between dialects
    }
  } finally {
    await run.close();
  }
}

engineThroughput(arg("orders", 200_000));
await httpLatency(arg("requests", 500));

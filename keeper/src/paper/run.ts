/**
 * `keeper run --paper` wiring: public market-data clients for the configured venues (no credentials are loaded, so
 * the clients could not place an order even by mistake), paper venues over them with the configured balances, the
 * keeper's arbitrage campaigns, and the metrics server. No chain client is created.
 */
import ccxt, { type Exchange } from "ccxt";
import { RequestBudget } from "../execution/budget.js";
import { CcxtVenue } from "../execution/ccxtVenue.js";
import { toWad } from "../execution/fixed.js";
import type { KeeperConfig } from "../node/config.js";
import { createLogger } from "../node/logger.js";
import { createMetrics, serveMetrics } from "../node/metrics.js";
import { ccxtSimConfig } from "../sim/client.js";
import { PaperKeeper } from "./runner.js";
import { PaperVenue } from "./venue.js";

/** A ccxt client for public market data only (no API key). */
function marketDataClient(v: KeeperConfig["venues"][number]): Exchange {
  const noKeys = { apiKey: "", secret: "", passphrase: "" };
  const options = v.baseUrl
    ? { ...ccxtSimConfig(v.exchange, v.baseUrl, noKeys), enableRateLimit: false, timeout: 5_000 }
    : { enableRateLimit: true };
  return v.exchange === "binance" ? new ccxt.binance(options) : new ccxt.okx(options);
}

export interface RunningPaperKeeper {
  keeper: PaperKeeper;
  metricsPort: number | undefined;
  stop(): Promise<void>;
}

export async function runPaperKeeper(config: KeeperConfig): Promise<RunningPaperKeeper> {
  const log = createLogger({ name: "keeper", level: config.logLevel, keeper: config.name });
  const metrics = createMetrics({ keeper: config.name });
  const balances = Object.fromEntries(Object.entries(config.paper.balances).map(([a, v]) => [a, toWad(v)]));
  const venues: PaperVenue[] = [];
  const markets = config.pairs.map((pair) => ({
    market: pair,
    venues: [] as { venue: PaperVenue; pair: string; takerFeeBps: bigint; lot: bigint }[],
  }));
  for (const v of config.venues) {
    const data = new CcxtVenue(marketDataClient(v), {
      id: v.id,
      budget: new RequestBudget({ capacity: 20, refillPerSecond: 10 }),
    });
    await data.init();
    const paper = new PaperVenue(data, {
      balances,
      takerFeeBps: (pair) => data.takerFeeBps(pair),
      lot: (pair) => data.steps(pair).lot,
    });
    venues.push(paper);
    for (const m of markets) {
      m.venues.push({
        venue: paper,
        pair: m.market,
        takerFeeBps: data.takerFeeBps(m.market),
        lot: data.steps(m.market).lot,
      });
    }
  }
  const keeper = new PaperKeeper({
    dataDir: config.dataDir,
    venues,
    markets,
    log,
    metrics,
    tickMs: config.tickMs,
    bucketSeconds: BigInt(config.arbitrage.bucketSeconds),
    retryBudget: config.arbitrage.retryBudget,
  });
  const server = await serveMetrics(metrics, config.metricsPort);
  await keeper.start();
  const a = server.address();
  return {
    keeper,
    metricsPort: a && typeof a === "object" ? a.port : undefined,
    async stop() {
      await keeper.stop();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/**
 * `keeper run --paper` wiring: public market-data clients for the configured venues (no credentials are loaded, so
 * the clients could not place an order even by mistake), paper venues over them with the configured balances, and
 * the live keeper (`engineKeeper`, same strategies, limits and campaign settings as `keeper run`) over them and a
 * local chain. No chain client is created: the RPC URL and deployment of the config are never read.
 */
import ccxt, { type Exchange } from "ccxt";
import { computeAddress } from "ethers";
import { RequestBudget } from "../execution/budget.js";
import { CcxtVenue } from "../execution/ccxtVenue.js";
import { toWad } from "../execution/fixed.js";
import { riskLimits } from "../execution/limits.js";
import type { KeeperConfig } from "../node/config.js";
import { createLogger } from "../node/logger.js";
import { createMetrics } from "../node/metrics.js";
import { campaignSettings, configuredStrategies } from "../node/run.js";
import { ccxtSimConfig } from "../sim/client.js";
import { applyEventLoopNice } from "../node/priority.js";
import { PaperKeeper } from "./runner.js";
import { PaperVenue } from "./venue.js";

/** A ccxt client for public market data only: no API key, secret or password. */
export function marketDataClient(v: KeeperConfig["venues"][number]): Exchange {
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
  await applyEventLoopNice(config, log);
  const metrics = createMetrics({ keeper: config.name });
  const balances = Object.fromEntries(Object.entries(config.paper.balances).map(([a, v]) => [a, toWad(v)]));
  const venues: PaperVenue[] = [];
  for (const v of config.venues) {
    const data = new CcxtVenue(marketDataClient(v), {
      id: v.id,
      budget: new RequestBudget({ capacity: 20, refillPerSecond: 10 }),
    });
    await data.init();
    venues.push(
      new PaperVenue(data, {
        balances,
        takerFeeBps: (pair) => data.takerFeeBps(pair),
        lot: (pair) => data.steps(pair).lot,
      }),
    );
  }
  const keeper = new PaperKeeper({
    dataDir: config.dataDir,
    venues,
    strategies: configuredStrategies(config),
    log,
    metrics,
    tickMs: config.tickMs,
    heartbeatSeconds: config.heartbeatSeconds,
    metricsPort: config.metricsPort,
    limits: riskLimits(config.risk),
    campaigns: campaignSettings(config),
    // The key's address names the keeper in its paper receipts; the key itself signs nothing.
    account: computeAddress(config.privateKey),
  });
  await keeper.start();
  return {
    keeper,
    metricsPort: keeper.metricsPort,
    stop: () => keeper.stop(),
  };
}

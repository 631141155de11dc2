/**
 * Test support: keeper nodes wired exactly as `keeper run` wires them (journal, EVM adapter, arbitrage campaigns
 * over ccxt venues talking to the exchange simulator, dispatcher, metrics), on an in-process chain.
 */
import pino from "pino";
import { RequestBudget } from "../../execution/budget.js";
import { CcxtVenue } from "../../execution/ccxtVenue.js";
import type { EvmChainAdapter } from "../../chain/evm.js";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { RecordingReceiptPoster, type CampaignTrace } from "../../recording/poster.js";
import { DemandResponder } from "../../recording/responder.js";
import type { ContentStore } from "../../recording/store/content-store.js";
import type { ReceiptPoster } from "../../chain/adapter.js";
import { parseScenario, type AccountConfig } from "../../sim/scenario.js";
import ccxt from "ccxt";
import { ccxtSimConfig } from "../../sim/client.js";
import { BOB, testScenarioInput } from "../../sim/testkit.js";
import { startSimulation, type RunningSimulation } from "../../sim/venues.js";
import { engineKeeper, type StrategyEntry } from "../engine-keeper.js";
import { SLEEVES } from "../../chain/vault.js";
import type { RiskLimits } from "../../execution/limits.js";
import { Journal } from "../journal.js";
import type { KeeperNodeOptions } from "../keeper.js";
import { KeeperHealth } from "../health.js";
import { liveVenues } from "../live-venues.js";
import { createMetrics } from "../metrics.js";
import { encryptCredentials } from "../secrets.js";

export const SYMBOL = "BTC/USDT";

export function keeperAccount(i: number): AccountConfig {
  return {
    name: `keeper${i}`,
    apiKey: `test-keeper${i}-key`,
    secret: `test-keeper${i}-secret`,
    passphrase: `keeper${i}-pass`,
    balances: { BTC: "2", USDT: "100000" },
  };
}

/**
 * Two Binance-dialect venues ("alpha", "beta") at a flat 30 000, funded accounts for `n` keepers and BOB (who
 * plants gaps). (Through ccxt.okx, an IOC order the OKX-dialect simulator filled is reported back as cancelled
 * with nothing filled; reported to the execution/simulator owners, so these tests use the Binance dialect twice.)
 */
export async function startKeeperSimulation(
  n: number,
  opts: { marketMaking?: boolean } = {},
): Promise<RunningSimulation> {
  const input = testScenarioInput();
  const [binance] = input.venues;
  // Market making: makers pay 2 bps, takers 10 bps, and background takers cross alpha's best quotes every step.
  const maker = opts.marketMaking
    ? { makerFeeBps: 2, takerFeeBps: 10, flow: { [SYMBOL]: { ordersPerStep: 2, qtyMin: "0.005", qtyMax: "0.03" } } }
    : {};
  input.venues = [
    { ...binance!, ...maker, name: "alpha" },
    { ...binance!, ...(opts.marketMaking ? { makerFeeBps: 2, takerFeeBps: 10 } : {}), name: "beta" },
  ];
  input.accounts = [
    ...Array.from({ length: n }, (_, i) => keeperAccount(i)),
    { ...BOB, balances: { BTC: "10", USDT: "100000" } },
  ];
  return startSimulation(parseScenario(input));
}

/**
 * Writes what an operator would give `keeper run` for simulator keeper `i`: its API key sealed in an encrypted
 * credentials file (under `passphrase`), and a config file at `path` with both simulated venues (alpha, beta),
 * `chain`, `dataDir` and `extra` keys (tick, log level, store, audit, paper...). Returns `path`.
 */
export function writeKeeperRunConfig(
  path: string,
  opts: {
    name: string;
    i: number;
    run: RunningSimulation;
    chain: { rpcUrl: string; deployment: string };
    dataDir: string;
    passphrase: string;
    extra?: Record<string, unknown>;
  },
): string {
  const acct = keeperAccount(opts.i);
  const credentialsFile = join(dirname(path), `${opts.name}.credentials.enc.json`);
  const creds = { sim: { apiKey: acct.apiKey, secret: acct.secret } };
  writeFileSync(credentialsFile, JSON.stringify(encryptCredentials(creds, opts.passphrase)));
  const venue = (id: "alpha" | "beta") => ({
    id,
    exchange: "binance",
    baseUrl: opts.run.urls.get(id),
    credentials: "sim",
  });
  writeFileSync(
    path,
    JSON.stringify({
      name: opts.name,
      chain: opts.chain,
      venues: [venue("alpha"), venue("beta")],
      credentialsFile,
      pairs: [SYMBOL],
      dataDir: opts.dataDir,
      ...opts.extra,
    }),
  );
  return path;
}

/**
 * BOB empties beta's bids (a market sell; the simulator only re-quotes when advanced), then rests a sell there well
 * under Binance's bid: an arbitrage of `qty` BTC for the fastest keeper.
 */
export function plantGap(
  run: RunningSimulation,
  price = "29700",
  // 0.03 BTC (~890 tUSD): inside what a keeper onboarded with the minimum stake (1,000 tUSD) may draw, so a keeper
  // on vault capital takes the whole gap in one campaign (a run trades at most what it drew).
  qty = "0.03",
  venue: "alpha" | "beta" = "beta",
): void {
  const okx = run.sim.venues.get(venue)!.exchange;
  if (okx.bestBid(SYMBOL)) {
    okx.placeOrder({ account: BOB.name, symbol: SYMBOL, side: "SELL", type: "MARKET", quantity: "2.5" });
  }
  okx.placeOrder({
    account: BOB.name,
    symbol: SYMBOL,
    side: "SELL",
    type: "LIMIT",
    price,
    quantity: qty,
  });
}

/**
 * A dislocation that lasts, as the scenario's scripted gaps make it: from the simulator's next step, `venue`'s
 * background maker quotes BTC/USDT `bps` away from the fair price for `steps` steps (re-quoted every step, so the
 * gap is still there after a keeper takes some of it). `plantGap`'s single resting order is taken by the next
 * step's background quotes; a market maker pre-empted by arbitrage needs the gap to outlive its quotes' cancel.
 */
export function openGap(run: RunningSimulation, bps: number, steps: number, venue: "alpha" | "beta" = "beta"): void {
  const from = run.sim.step + 1;
  run.sim.venue(venue).config.gaps.push({ market: SYMBOL, fromStep: from, toStep: from + steps, bps });
}

function ccxtClient(run: SimulationUrls, venue: string, account: AccountConfig) {
  return new ccxt.binance({
    ...ccxtSimConfig("binance", run.urls.get(venue)!, account),
    enableRateLimit: false,
    timeout: 3_000,
  });
}

/** What a keeper needs of a running simulation: its venues' URLs (the simulation may run in another process). */
export type SimulationUrls = Pick<RunningSimulation, "urls">;

export function venuesFor(
  run: SimulationUrls,
  i: number,
  limits: { capacity: number; refillPerSecond: number } = { capacity: 50, refillPerSecond: 50 },
) {
  const account = keeperAccount(i);
  const budget = () => new RequestBudget(limits);
  return {
    alpha: new CcxtVenue(ccxtClient(run, "alpha", account), { id: "alpha", budget: budget() }),
    beta: new CcxtVenue(ccxtClient(run, "beta", account), { id: "beta", budget: budget() }),
  };
}

export interface KeeperNodeTestOptions {
  /** Content store of trace documents (default `<dataDir>/store`); a shared one lets an auditor read them. */
  store?: ContentStore;
  /** Wraps the node's receipt poster (tests inject a trace tamperer here; production code has no such hook). */
  wrapPoster?: (poster: RecordingReceiptPoster) => ReceiptPoster<CampaignTrace>;
  /**
   * Draw from and repay to the vault's arbitrage sleeve, as `keeper run` does when the deployment has a
   * `StrategyVault`.
   */
  capital?: boolean;
  /** Attestation renewal of `keeper run` (see `KeeperNodeOptions`). */
  attest?: KeeperNodeOptions["attest"];
  attestRetryMs?: KeeperNodeOptions["attestRetryMs"];
  /** The strategies the engine runs (default: arbitrage between alpha and beta, as `keeper run` does). */
  strategies?: StrategyEntry[];
  campaigns?: Parameters<typeof engineKeeper>[0]["campaigns"];
  /** Risk limits (default: the configuration's defaults). */
  limits?: RiskLimits;
  /** Tick period (default 50 ms; `keeper run` defaults to 500 ms). */
  tickMs?: number;
  /** Request budget per venue (default 50 requests, 50/s; `keeper run`: 20, 10/s). */
  budget?: { capacity: number; refillPerSecond: number };
  /** Safety rules over the defaults (a market maker's keeper: 2,000 orders a minute). */
  safety?: Parameters<typeof engineKeeper>[0]["safety"];
  /** Observers of the live path (the live-keeper bench times its reads and ticks). */
  observe?: Parameters<typeof engineKeeper>[0]["observe"];
}

/** Market making on alpha's BTC/USDT (2 bps maker fee; quotes inside the simulator's 10 bps half-spread). */
export const MARKET_MAKING_STRATEGY: StrategyEntry = {
  plugin: "marketMaking",
  config: {
    id: "mm-alpha-btc-usdt",
    pair: SYMBOL,
    venueId: "alpha",
    minHalfSpreadBps: 4,
    adverseSelectionBps: 1,
    skewBps: 4,
    orderSize: "0.02",
    targetInventory: "2",
    maxInventory: "0.5",
    tick: "0.01",
    lot: "0.00001",
    priceToleranceBps: 2,
    makerFeeBps: 2,
    expectedRoundTrips: 1,
    refreshMs: 250,
  },
};

/** Arbitrage between the two simulated venues: what `keeper run` runs when its config lists no strategies. */
export const ARBITRAGE_STRATEGY: StrategyEntry = {
  plugin: "arbitrage",
  config: {
    id: "arbitrage-btc-usdt",
    pair: SYMBOL,
    legs: [
      { venueId: "alpha", pair: SYMBOL },
      { venueId: "beta", pair: SYMBOL },
    ],
    retryBudget: 2,
  },
};

/** A keeper node with its data directory `dataDir` (journal, traces, content store), as `keeper run` lays it out. */
export function keeperNode(
  chain: EvmChainAdapter,
  run: SimulationUrls,
  i: number,
  dataDir: string,
  opts: KeeperNodeTestOptions = {},
) {
  const journal = new Journal(join(dataDir, "journal.db"));
  const metrics = createMetrics({ keeper: `keeper${i}` });
  const log = pino({ level: process.env["KEEPER_TEST_LOG"] ?? "silent" });
  // As `keeper run`: the live path's journal and metrics bookkeeping around every venue, and the health probe.
  const venues = liveVenues(venuesFor(run, i, opts.budget), { journal, metrics, log });
  const health = new KeeperHealth(venues, { log });
  metrics.health = () => health.status();
  const onReceipt = (state: "signed" | "posted") => metrics.receipts.inc({ state });
  const poster = new RecordingReceiptPoster(
    chain,
    opts.store ? { dataDir, log, store: opts.store, journal, onReceipt } : { dataDir, log, journal, onReceipt },
  );
  const availability = new DemandResponder({ chain, store: poster.store, journal, log });
  const keeper = engineKeeper({
    chain,
    journal,
    log,
    metrics,
    poster: opts.wrapPoster ? opts.wrapPoster(poster) : poster,
    strategies: opts.strategies ?? [ARBITRAGE_STRATEGY],
    campaigns: opts.campaigns,
    ...(opts.observe ? { observe: opts.observe } : {}),
    vault: opts.capital ? chain.capital : undefined,
    venues,
    tickMs: opts.tickMs ?? 50,
    healthy: () => health.healthy(),
    heartbeatSeconds: 60,
    metricsPort: 0,
    attest: opts.attest,
    availability,
    attestRetryMs: opts.attestRetryMs,
    limits: opts.limits,
    // A market maker refreshes its two quotes every 250 ms: more orders a minute than arbitrage alone.
    safety: {
      ...(opts.strategies?.some((e) => e.plugin === "marketMaking") ? { maxOrdersPerMinute: 2_000 } : {}),
      ...opts.safety,
    },
  });
  const { node } = keeper;
  const flows = Object.values(keeper.capital).filter((f) => f !== undefined);
  /** Both sleeves' capital flows; `outstanding` sums them (the capital book's debt of this key). */
  const capital = opts.capital
    ? {
        flows: keeper.capital,
        arbitrage: keeper.capital[SLEEVES.arbitrage]!,
        marketMaking: keeper.capital[SLEEVES.marketMaking]!,
        outstanding: () => flows.reduce((s, f) => s + f.outstanding(), 0n),
      }
    : undefined;
  return { node, journal, metrics, venues, poster, capital, log, health, keeper, stop: () => keeper.stop() };
}

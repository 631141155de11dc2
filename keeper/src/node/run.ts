/**
 * `keeper run`: builds a `KeeperNode` from the validated configuration and runs it until SIGINT/SIGTERM.
 * Wiring: config -> journal (`<dataDir>/journal.db`) -> EVM adapter (deployment file, the keeper key) ->
 * encrypted exchange credentials -> ccxt venues -> arbitrage campaigns -> dispatcher -> recording receipt poster
 * (`<dataDir>/traces`, `<dataDir>/store`).
 */
import { join } from "node:path";
import ccxt, { type Exchange } from "ccxt";
import { JsonRpcProvider, Wallet, parseUnits } from "ethers";
import { ChainUnavailableError } from "../chain/errors.js";
import { EvmChainAdapter, readChainDeployment } from "../chain/evm.js";
import { ConfigError } from "../errors.js";
import { RequestBudget } from "../execution/budget.js";
import { riskLimits } from "../execution/limits.js";
import { CcxtVenue } from "../execution/ccxtVenue.js";
import type { Venue } from "../execution/venue.js";
import { RecordingReceiptPoster } from "../recording/poster.js";
import { openContentStore } from "../recording/store/config.js";
import { DemandResponder } from "../recording/responder.js";
import { startAuditor } from "../audit/run.js";
import type { Auditor } from "../audit/auditor.js";
import { ccxtSimConfig } from "../sim/client.js";
import { engineKeeper, type EngineKeeperOptions, type StrategyEntry } from "./engine-keeper.js";
import { DEPOSIT_DECIMALS } from "./capital.js";
import { renewalAttestation } from "./attest.js";
import type { KeeperConfig } from "./config.js";
import { Journal } from "./journal.js";
import type { KeeperNode } from "./keeper.js";
import { createLogger } from "./logger.js";
import { KeeperHealth } from "./health.js";
import { exposures } from "./risk.js";
import { liveVenues } from "./live-venues.js";
import { createMetrics } from "./metrics.js";
import { applyEventLoopNice } from "./priority.js";
import { readCredentialsFile, type Credentials } from "./secrets.js";

/** The chain adapter of the configured key (also used by `register`, `attest`, `status`). */
export async function connectChain(config: KeeperConfig) {
  const deployment = readChainDeployment(config.chain.deployment);
  const provider = new JsonRpcProvider(config.chain.rpcUrl, deployment.chainId, {
    staticNetwork: true,
    pollingInterval: 100,
    cacheTimeout: -1,
  });
  await probeRpc(provider, config.chain.rpcUrl, deployment.chainId);
  const wallet = new Wallet(config.privateKey, provider);
  const chain = await EvmChainAdapter.connect(wallet, deployment.addresses, { fromBlock: deployment.blockNumber });
  return { chain, provider, deployment };
}

/**
 * Asks the RPC for its chain id once at start, so an unreachable node or the wrong chain is one line naming the URL
 * (the provider is static: nothing else would call it before the keeper's first real request).
 */
export async function probeRpc(provider: JsonRpcProvider, url: string, expectedChainId: number): Promise<void> {
  let chainId: bigint;
  try {
    chainId = BigInt((await provider.send("eth_chainId", [])) as string);
  } catch (err) {
    const reason = err instanceof Error ? err.message.split("\n")[0]!.slice(0, 160) : String(err);
    provider.destroy();
    throw new ChainUnavailableError(`cannot reach the RPC at ${url}: ${reason}`, { cause: err });
  }
  if (chainId !== BigInt(expectedChainId)) {
    provider.destroy();
    throw new ConfigError(`the RPC at ${url} is chain ${chainId}, the deployment is chain ${expectedChainId}`);
  }
}

function loadCredentials(config: KeeperConfig, env: NodeJS.ProcessEnv, always = false): Credentials {
  if (config.venues.length === 0 && !always) return {};
  if (!config.credentialsFile) throw new ConfigError("config: credentialsFile is required when venues are configured");
  const passphrase = env["KEEPER_CREDENTIALS_PASSPHRASE"];
  if (!passphrase) throw new ConfigError("KEEPER_CREDENTIALS_PASSPHRASE is not set");
  return readCredentialsFile(config.credentialsFile, passphrase).reveal();
}

/** ccxt clients for the configured venues (URLs rewritten to `baseUrl` for the local simulator). */
export function buildVenues(config: KeeperConfig, credentials: Credentials): Record<string, Venue> {
  const venues: Record<string, Venue> = {};
  for (const v of config.venues) {
    const creds = credentials[v.credentials];
    if (!creds) throw new ConfigError(`config: venue ${v.id} names credentials "${v.credentials}", not in the file`);
    if (v.exchange === "okx" && creds.password === undefined) {
      throw new ConfigError(`config: venue ${v.id} (okx) needs a password in credentials "${v.credentials}"`);
    }
    // Binance has no passphrase: the simulator config ignores it for that dialect.
    const account = { apiKey: creds.apiKey, secret: creds.secret, passphrase: creds.password ?? "unused" };
    const options = v.baseUrl
      ? { ...ccxtSimConfig(v.exchange, v.baseUrl, account), enableRateLimit: false, timeout: 5_000 }
      : { apiKey: creds.apiKey, secret: creds.secret, password: creds.password, enableRateLimit: true };
    const exchange: Exchange = v.exchange === "binance" ? new ccxt.binance(options) : new ccxt.okx(options);
    venues[v.id] = new CcxtVenue(exchange, {
      id: v.id,
      budget: new RequestBudget({ capacity: 20, refillPerSecond: 10 }),
    });
  }
  return venues;
}

/** The strategies of the config, or one arbitrage strategy per pair across every venue when it lists none. */
export function configuredStrategies(config: KeeperConfig): StrategyEntry[] {
  if (config.strategies.length > 0) return config.strategies.map((s) => ({ plugin: s.plugin, config: s.config }));
  return config.pairs.map((pair) => ({
    plugin: "arbitrage",
    config: {
      id: `arbitrage-${pair.replace("/", "-").toLowerCase()}`,
      pair,
      legs: config.venues.map((v) => ({ venueId: v.id, pair })),
      retryBudget: config.arbitrage.retryBudget,
    },
  }));
}

export interface RunningKeeper {
  node: KeeperNode;
  auditor?: Auditor;
  stop(): Promise<void>;
}

export async function runKeeper(config: KeeperConfig, env: NodeJS.ProcessEnv = process.env): Promise<RunningKeeper> {
  const log = createLogger({ name: "keeper", level: config.logLevel, keeper: config.name });
  await applyEventLoopNice(config, log);
  const { chain, deployment } = await connectChain(config);
  const journal = new Journal(join(config.dataDir, "journal.db"));
  const metrics = createMetrics({ keeper: config.name });
  // The dashboard maps this metrics endpoint to the keeper on chain by this account.
  metrics.info.set({ account: chain.account }, 1);
  // Every order and answer of the live path updates the journal and the metrics (live-venues.ts).
  const venues = liveVenues(buildVenues(config, loadCredentials(config, env)), { journal, metrics, log });
  // Unhealthy too while an exposure stays open past risk.maxExposureWaitSeconds (an operator must `keeper flatten`).
  const health = new KeeperHealth(venues, {
    log,
    exposures: () => exposures(journal),
    maxExposureWaitSeconds: config.risk.maxExposureWaitSeconds,
  });
  metrics.health = () => health.status();
  // Trace documents go to the configured store (default <dataDir>/store; a shared directory or S3 lets auditors read them).
  const store = openContentStore(config.store, {
    dataDir: config.dataDir,
    env,
    secrets: () => loadCredentials(config, env, true),
  });
  log.info({ store: store.describe }, "content store");
  // Demanded leaves of this keeper's receipts are revealed from the same store the receipts point into.
  const availability = new DemandResponder({
    chain,
    store: store.store,
    journal,
    log,
    fromBlock: deployment.blockNumber,
  });
  const keeper = engineKeeper({
    chain,
    journal,
    log,
    metrics,
    strategies: configuredStrategies(config),
    // Traces in <dataDir>/traces, sealed before they are posted.
    poster: new RecordingReceiptPoster(chain, {
      dataDir: config.dataDir,
      log,
      store: store.store,
      journal,
      onReceipt: (state) => metrics.receipts.inc({ state }),
    }),
    campaigns: campaignSettings(config),
    // Vault capital (market-making and arbitrage sleeves) when the deployment has a StrategyVault.
    vault: config.capital.enabled ? chain.capital : undefined,
    // Limits, kill switch (`keeper pause`), chain stop signals and exposures (docs/SPECIFICATION.md "Risk controls").
    limits: riskLimits(config.risk),
    venues,
    tickMs: config.tickMs,
    healthy: () => health.healthy(),
    heartbeatSeconds: config.heartbeatSeconds,
    metricsPort: config.metricsPort,
    // Renew the attestation the way `keeper attest` does (collateral from the PCCS for a TEE quote) before it expires.
    attest: renewalAttestation(chain, config),
    availability,
  });
  const { node } = keeper;
  await node.start();
  // The auditor (whistleblower) runs beside the node when `audit.enabled`, with the same key, store and metrics.
  const auditor = config.audit.enabled
    ? startAuditor({
        config,
        chain,
        store: store.store,
        log,
        registry: metrics.registry,
        deploymentBlock: deployment.blockNumber,
      })
    : undefined;
  return {
    node,
    auditor: auditor?.auditor,
    async stop() {
      await auditor?.stop();
      await keeper.stop();
      journal.close();
      store.close();
    },
  };
}

/**
 * The campaign settings of the configuration (`campaigns`, `arbitrage`) as the engine keeper takes them: live and
 * paper keepers alike. Standing arbitrage windows only when `arbitrage.standingWindows.enabled`.
 */
export function campaignSettings(config: KeeperConfig): NonNullable<EngineKeeperOptions["campaigns"]> {
  const windows = config.arbitrage.standingWindows;
  return {
    bucketSeconds: BigInt(config.arbitrage.bucketSeconds),
    quotingWindowSeconds: config.campaigns.quotingWindowSeconds,
    claimMarginSeconds: config.campaigns.claimMarginSeconds,
    priceBandBps: BigInt(config.campaigns.priceBandBps),
    ...(windows.enabled
      ? {
          standingArbitrage: {
            drawUnits: parseUnits(windows.drawAmount, DEPOSIT_DECIMALS),
            windowSeconds: windows.windowSeconds,
            armLeadSeconds: windows.armLeadSeconds,
          },
          bookMaxAgeMs: windows.bookMaxAgeMs,
        }
      : { bookMaxAgeMs: 0 }),
  };
}

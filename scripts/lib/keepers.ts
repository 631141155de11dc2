/**
 * `npm start` helpers for the keeper layer on the local chain: exchange accounts for the keepers in the simulator's
 * scenario, local trust (the development measurement allowlisted, the verifier approved), and each keeper's data
 * directory (`.keeper-data/keeperN/`: configuration and encrypted exchange credentials).
 * Development accounts (Hardhat's default mnemonic): #0 deployer/governance, #1..#3 keepers, #4 verifier,
 * #5..#7 the keepers' operators, #18 the demo depositor, #19 the local reference-price relay (#10..#17 are left to users and the app tests).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HDNodeWallet, JsonRpcProvider, Mnemonic, Wallet, parseUnits } from "ethers";
import { DEVELOPMENT_MEASUREMENT } from "../../keeper/src/attestation/development.js";
import { GasMarginSigner } from "../../keeper/src/chain/gas.js";
import { defaultScenario, parseScenario, type AccountConfig } from "../../keeper/src/sim/scenario.js";
import { encryptCredentials } from "../../keeper/src/node/secrets.js";
import {
  AttestationRegistry__factory,
  MockV3Aggregator__factory,
  Parameters__factory,
  StrategyVault__factory,
  TestStablecoin__factory,
} from "../../types/ethers-contracts/index.js";
import type { Deployment } from "./deployments.js";

export const KEEPER_COUNT = 3;
export const VERIFIER_PORT = 8600;
export const KEEPER_METRICS_PORTS = [9101, 9102, 9103];
/** Encrypts the keepers' simulator API keys at rest; a development value, printed by `npm start`. */
export const DEV_CREDENTIALS_PASSPHRASE = "local-development-only";

export function devKey(i: number): string {
  const phrase = "test test test test test test test test test test test junk";
  return HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(phrase), `m/44'/60'/0'/0/${i}`).privateKey;
}

export function keeperSimAccount(n: number): AccountConfig {
  return {
    name: `keeper${n}`,
    apiKey: `sim-keeper${n}-api-key`,
    secret: `sim-keeper${n}-secret`,
    passphrase: `sim-keeper${n}-pass`,
    balances: { BTC: "5", ETH: "50", USDT: "500000" },
  };
}

/** The market the `npm start` keepers trade: the one the vault's local reference feed prices (ETH/USDT, from 3,000). */
export const KEEPER_PAIR = "ETH/USDT";
/**
 * The arbitrage gaps of the `npm start` scenario: the OKX ETH/USDT mid pushed 40 bps up for 20 s, then 40 bps down for
 * 20 s 45 s later, in every 90 s. A gap outlives the governed `debounceSeconds` (10 s: arbitrage must lead the quoting
 * market maker that long before it pre-empts it) plus the pre-emption's latency (quotes cancelled, then publish, claim
 * and draw); a 6-s gap closed before any switch, so arbitrage ran only when market making was not running. The switch
 * cool-down (60 s) lets each keeper pre-empt its market maker at most once a gap; market making resumes after the
 * arbitrage run and holds the slot in the quiet spells. Few runs a minute leave market making part of the engine's run
 * budget (`retriesPerMinutePerPair`, 3 runs a minute per pair, shared by both strategies); alternating directions move
 * the keepers' ETH and USDT back and forth between the venues, so their exchange inventory does not run dry. (The
 * simulator's demo default, 60 s up in every 5 minutes, made one new campaign per keeper per book move for a whole
 * minute, most refused by the rate limit and then expired, and drained the keepers' OKX inventory after a few gaps.)
 */
export const KEEPER_GAPS = [
  { market: KEEPER_PAIR, fromStep: 5, toStep: 25, bps: 40, repeatEvery: 90 },
  { market: KEEPER_PAIR, fromStep: 50, toStep: 70, bps: -40, repeatEvery: 90 },
];

/**
 * The simulator's demo scenario with the keepers' gaps on OKX (`KEEPER_GAPS`) and one funded account per keeper,
 * written as JSON for `sim/cli.ts --scenario`.
 */
export function writeSimScenario(path: string): void {
  const s = defaultScenario(42);
  const accounts = [...s.accounts, ...Array.from({ length: KEEPER_COUNT }, (_, i) => keeperSimAccount(i + 1))];
  const venues = s.venues.map((v) => (v.name === "okx" ? { ...v, gaps: KEEPER_GAPS } : v));
  const json = JSON.stringify({ ...s, venues, accounts }, (_k, v: unknown) => (typeof v === "bigint" ? `${v}` : v));
  parseScenario(JSON.parse(json)); // what the simulator will read: refuse a bad scenario here, not in its process
  writeFileSync(path, json);
}

/** ETH per quote side of the `npm start` market makers. */
export const KEEPER_QUOTE_SIZE_ETH = 1;

/**
 * Risk limits of the `npm start` keepers (config `risk`): an arbitrage campaign's buy leg (and any order) is sized at
 * most 15,000 tUSD, so its draw fits the operator's stake beside a market-making draw.
 */
export const KEEPER_RISK = { maxCampaignNotional: "15000", maxOrderNotional: "15000" } as const;

/**
 * Node options of the `npm start` keepers (`NODE_OPTIONS` of `keeper run`): young-generation semi-spaces of 64 MB
 * (V8's default is 16 MB on 64-bit), so scavenges come a quarter as often, and `--expose-gc`, with which the keeper
 * collects the young generation between ticks (`KeeperNode`), when nothing trades: a tick's read, decision and first
 * orders then allocate into an empty young generation and no scavenge lands between an opportunity and its first order.
 * Measured with `scripts/bench/live-keeper.ts` (docs/benchmarks.md).
 */
export const KEEPER_NODE_OPTIONS = "--max-semi-space-size=64 --expose-gc";

/**
 * Nice value of the `npm start` keepers' event-loop threads (config `eventLoopNice`), where the machine allows it (root
 * or CAP_SYS_NICE: `mayUseNice`): the chain, the simulator, the web app and three keepers share the machine's CPUs,
 * and an event loop that waits, runnable, for a CPU is the tail of opportunity-to-first-order (docs/benchmarks.md).
 */
export const KEEPER_EVENT_LOOP_NICE = -20;

/**
 * Standing arbitrage windows of the `npm start` keepers (config `arbitrage.standingWindows`): each keeper holds one
 * claimed, funded campaign on its arbitrage route ahead of the scenario's gaps, so a run trades without a chain step
 * between its decision and its first order. Each window draws 6,000 tUSD: three keepers with two windows each while
 * handing over hold at most 36,000, inside the 40,000 arbitrage sleeve (200,000 of demo deposit x the 20% target), and
 * the room left still funds a run that falls outside its window. The windows take runs for 60 s; a window that got no
 * fill is released and its route armed again at the next gap.
 */
export const KEEPER_STANDING_WINDOWS = {
  enabled: true,
  drawAmount: "6000",
  windowSeconds: 60,
  armLeadSeconds: 10,
  bookMaxAgeMs: 100,
} as const;

/**
 * What each `npm start` operator (#5..#7) stakes, in tUSD: what its keeper's draws may owe at once (the capital book's
 * bound, `capitalStakeMultipleBps` 1x). A keeper has at most one market-making draw, two standing arbitrage windows
 * (the closing one and its successor) and one arbitrage campaign of a run outside them outstanding (a pre-empted
 * market maker's campaign settles while the arbitrage one draws; the next market-making campaign waits for it): 2
 * quotes x 1 ETH at up to 3,600 tUSD (the 3,000 reference +20%) = 7,200, plus 2 x 6,000 of windows, plus an arbitrage
 * buy leg of at most 15,000 and its 10 bps taker fee, 34,215, under 35,000. The keeper cap (200,000 tUSD of deposits x
 * 25% x score) is 50,000 for a new keeper; the sleeves hold 140,000 (market making) and 40,000 (arbitrage).
 */
export const OPERATOR_STAKE_TUSD = "35000";

/**
 * What each `npm start` keeper runs through its engine: market making on Binance's ETH/USDT (the simulator charges
 * makers 2 bps and takers 10 bps, and its background takers cross quotes inside its 5 bps half-spread), pre-empted by
 * arbitrage between Binance and OKX when the scenario's gaps open.
 */
export function keeperStrategies(): { plugin: string; config: unknown }[] {
  return [
    {
      plugin: "marketMaking",
      config: {
        id: "mm-binance-eth-usdt",
        pair: KEEPER_PAIR,
        venueId: "binance",
        minHalfSpreadBps: 3,
        // The half-spread widens by one sigma of the volatility over a refresh interval: the estimate charges that
        // sigma as adverse selection on both fills, so without it the measured volatility (>= 0.5 bps a refresh)
        // eats the 1-bp edge, the estimated ROI drops to 0 or below and the engine stops market making for good.
        volSpreadFactorBps: 10_000,
        adverseSelectionBps: 1,
        skewBps: 3,
        orderSize: String(KEEPER_QUOTE_SIZE_ETH),
        targetInventory: "50",
        maxInventory: "10",
        tick: "0.01",
        lot: "0.0001",
        priceToleranceBps: 2,
        makerFeeBps: 2,
        expectedRoundTrips: 1,
        refreshMs: 1000,
      },
    },
    {
      plugin: "arbitrage",
      config: {
        id: "arbitrage-eth-usdt",
        pair: KEEPER_PAIR,
        legs: [
          { venueId: "binance", pair: KEEPER_PAIR },
          { venueId: "okx", pair: KEEPER_PAIR },
        ],
        retryBudget: 2,
      },
    },
  ];
}

/** The local keeper that also runs the auditor (whistleblower), and the most bond it locks at once (tUSD). */
export const AUDITOR_KEEPER = 1;
export const AUDIT_MAX_BOND = "1000";

/** Dev account of the demo depositor (its deposit gives the keepers capital to draw). */
export const DEMO_DEPOSITOR_INDEX = 18;

/**
 * The demo depositor (#18) deposits `amount` (base units) into the vault (local chains; skipped when it holds shares
 * or `amount` is 0). Returns what it deposited.
 */
export async function seedVaultDeposit(rpcUrl: string, deployment: Deployment, amount: bigint): Promise<bigint> {
  if (amount === 0n) return 0n;
  const provider = new JsonRpcProvider(rpcUrl, deployment.chainId, { staticNetwork: true, cacheTimeout: -1 });
  try {
    const depositor = await GasMarginSigner.wrap(new Wallet(devKey(DEMO_DEPOSITOR_INDEX), provider));
    const vault = StrategyVault__factory.connect(deployment.contracts["StrategyVault"]!.address, depositor);
    if ((await vault.balanceOf(depositor.address)) > 0n) return 0n;
    const asset = TestStablecoin__factory.connect(deployment.contracts["DepositAsset"]!.address, depositor);
    await (await asset.approve(await vault.getAddress(), amount)).wait();
    await (await vault.deposit(amount, depositor.address)).wait();
    return amount;
  } finally {
    provider.destroy();
  }
}

/** Dev account that posts the local reference price. */
export const PRICE_RELAY_INDEX = 19;

/**
 * Local stand-in for a Chainlink node: every `intervalMs` posts the simulator's ETH/USDT mid (Binance dialect,
 * `bookTicker`) to the deployment's `ReferencePriceFeed` (a `MockV3Aggregator`, local deployments only), so the
 * reference the vault bounds receipts by follows the market the keepers trade and never goes stale
 * (`oracleMaxAgeSeconds`). Returns a function that stops it.
 */
export function startReferenceRelay(
  rpcUrl: string,
  deployment: Deployment,
  simUrl: string,
  opts: { intervalMs?: number; onError?: (err: unknown) => void } = {},
): () => void {
  const feedAddress = deployment.contracts["ReferencePriceFeed"]?.address;
  if (!feedAddress) throw new Error("the deployment has no ReferencePriceFeed (not a local deployment?)");
  const provider = new JsonRpcProvider(rpcUrl, deployment.chainId, { staticNetwork: true, cacheTimeout: -1 });
  const relay = new Wallet(devKey(PRICE_RELAY_INDEX), provider);
  const feed = MockV3Aggregator__factory.connect(feedAddress, new GasMarginSigner(relay, relay.address));
  const symbol = KEEPER_PAIR.replace("/", "");
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const post = async () => {
    const res = await fetch(`${simUrl}/api/v3/ticker/bookTicker?symbol=${symbol}`);
    if (!res.ok) throw new Error(`bookTicker ${symbol}: HTTP ${res.status}`);
    const t = (await res.json()) as { bidPrice: string; askPrice: string };
    const mid = (parseUnits(t.bidPrice, 8) + parseUnits(t.askPrice, 8)) / 2n;
    await (await feed.updateAnswer(mid)).wait();
  };
  const loop = () => {
    if (stopped) return;
    post()
      .catch((err: unknown) => opts.onError?.(err))
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, opts.intervalMs ?? 15_000);
      });
  };
  loop();
  return () => {
    stopped = true;
    clearTimeout(timer);
    provider.destroy();
  };
}

/** Allowlists the development measurement and grants VERIFIER_ROLE to account #4 (idempotent). */
export async function setupLocalTrust(rpcUrl: string, deployment: Deployment): Promise<void> {
  const provider = new JsonRpcProvider(rpcUrl, deployment.chainId, { staticNetwork: true, cacheTimeout: -1 });
  const governance = await GasMarginSigner.wrap(new Wallet(devKey(0), provider));
  const params = Parameters__factory.connect(deployment.contracts["Parameters"]!.address, governance);
  if (!(await params.isMeasurementAllowed(DEVELOPMENT_MEASUREMENT))) {
    await (await params.setMeasurementAllowed(DEVELOPMENT_MEASUREMENT, true)).wait();
  }
  const attestations = AttestationRegistry__factory.connect(
    deployment.contracts["AttestationRegistry"]!.address,
    governance,
  );
  const role = await attestations.VERIFIER_ROLE();
  const verifier = new Wallet(devKey(4)).address;
  if (!(await attestations.hasRole(role, verifier))) await (await attestations.grantRole(role, verifier)).wait();
  provider.destroy();
}

/** Writes `<root>/keeperN/{keeper.json, credentials.enc.json}` (`npm start`: `.keeper-data/`); returns the config path. */
export function writeKeeperFiles(
  root: string,
  n: number,
  opts: {
    rpcUrl: string;
    deploymentPath: string;
    simUrls: { binance: string; okx: string };
    /** Defaults: `KEEPER_METRICS_PORTS[n - 1]` and the verifier on `VERIFIER_PORT`. */
    metricsPort?: number;
    verifierUrl?: string;
    /** PCCS for the collateral of real TEE quotes (`npm start`: the local PCCS serving the DCAP samples). */
    pccsUrl?: string;
    /** Config `eventLoopNice` (unset: the keeper keeps the priority it is started with). */
    eventLoopNice?: number;
  },
): string {
  const dir = join(root, `keeper${n}`);
  mkdirSync(dir, { recursive: true });
  const a = keeperSimAccount(n);
  const credentialsFile = join(dir, "credentials.enc.json");
  const creds = {
    binance: { apiKey: a.apiKey, secret: a.secret },
    okx: { apiKey: a.apiKey, secret: a.secret, password: a.passphrase },
  };
  writeFileSync(credentialsFile, JSON.stringify(encryptCredentials(creds, DEV_CREDENTIALS_PASSPHRASE)), {
    mode: 0o600,
  });
  const config = join(dir, "keeper.json");
  writeFileSync(
    config,
    JSON.stringify(
      {
        name: `keeper${n}`,
        chain: { rpcUrl: opts.rpcUrl, deployment: opts.deploymentPath },
        venues: [
          { id: "binance", exchange: "binance", baseUrl: opts.simUrls.binance, credentials: "binance" },
          { id: "okx", exchange: "okx", baseUrl: opts.simUrls.okx, credentials: "okx" },
        ],
        credentialsFile,
        pairs: [KEEPER_PAIR],
        strategies: keeperStrategies(),
        // Arbitrage runs trade inside standing windows (KEEPER_STANDING_WINDOWS).
        arbitrage: { standingWindows: KEEPER_STANDING_WINDOWS },
        // A market-making campaign quotes for at most 60 s, ending 20 s before its claim expires.
        campaigns: { quotingWindowSeconds: 60, claimMarginSeconds: 20, priceBandBps: 500 },
        risk: KEEPER_RISK,
        dataDir: dir,
        // One content store for all local keepers (content-addressed, atomic writes), so an auditor reads every trace.
        store: { kind: "local", dir: join(root, "store") },
        // Keeper 1 also audits the others' receipts (whistleblower), bonding at most AUDIT_MAX_BOND at once.
        audit: { enabled: n === AUDITOR_KEEPER, maxBond: AUDIT_MAX_BOND },
        metricsPort: opts.metricsPort ?? KEEPER_METRICS_PORTS[n - 1],
        tickMs: 500,
        heartbeatSeconds: 120,
        verifierUrl: opts.verifierUrl ?? `http://127.0.0.1:${VERIFIER_PORT}`,
        ...(opts.pccsUrl ? { pccsUrl: opts.pccsUrl } : {}),
        ...(opts.eventLoopNice === undefined ? {} : { eventLoopNice: opts.eventLoopNice }),
      },
      null,
      2,
    ),
  );
  return config;
}

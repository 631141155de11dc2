/**
 * `npm start`: the whole system on this machine. Starts a local chain (`hardhat node` on loopback),
 * deploys the contracts to it and (as they land) the exchange simulators, keepers and web page.
 * Ctrl-C stops everything it started; no process is left behind.
 *
 * Defaults: chain 8545, app 3000, simulators 8601/8602, verifier 8600, keeper metrics 9101-9103,
 * `deployments/localhost.json`, `.keeper-data/`, the app built in `app/.next`. `START_PORT_BASE`,
 * `START_STATE_DIR`, `START_NETWORK` and `APP_DIST_DIR` move them (scripts/lib/env.ts), so that a second
 * instance (the app's end-to-end tests) runs beside a developer's.
 */
import { mkdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { isAbsolute, join, relative } from "node:path";
import { appBuildInputsHash, appBuildIsCurrent, recordAppBuild } from "./lib/app-build.js";
import { deploymentPath, readDeployment, ROOT } from "./lib/deployments.js";
import { readStartEnv, type StartEnv } from "./lib/env.js";
import {
  DEV_CREDENTIALS_PASSPHRASE,
  devKey,
  KEEPER_COUNT,
  seedVaultDeposit,
  setupLocalTrust,
  startReferenceRelay,
  writeKeeperFiles,
  KEEPER_NODE_OPTIONS,
  KEEPER_EVENT_LOOP_NICE,
  OPERATOR_STAKE_TUSD,
  writeSimScenario,
} from "./lib/keepers.js";
import { runOnce, startService, stopAll, waitFor } from "./lib/processes.js";
import { startLocalPccs, type LocalPccs } from "../keeper/src/attestation/pccs-server.js";
import { mayUseNice } from "../keeper/src/node/priority.js";

let config: StartEnv;
let RPC_URL: string;
let APP_URL: string;

async function simReady(): Promise<boolean> {
  for (const port of [config.ports.binance, config.ports.okx]) {
    const res = await fetch(`http://127.0.0.1:${port}/sim/health`);
    if (!res.ok) return false;
  }
  return true;
}

async function rpcReady(): Promise<boolean> {
  const res = await fetch(RPC_URL, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
  });
  return res.ok;
}

/** A path as printed: relative to the repository when inside it. */
function shown(path: string): string {
  const rel = relative(ROOT, path);
  return rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}

/** True when nothing listens on 127.0.0.1:`port` (it can be bound now). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

async function main(): Promise<void> {
  config = readStartEnv(ROOT);
  const { ports, network } = config;
  RPC_URL = `http://127.0.0.1:${ports.chain}`;
  APP_URL = `http://127.0.0.1:${ports.app}`;
  if (await rpcReady().catch(() => false)) {
    throw new Error(`something already listens on ${RPC_URL}; stop it first (another npm start?)`);
  }
  if (
    await fetch(APP_URL).then(
      () => true,
      () => false,
    )
  ) {
    throw new Error(`something already listens on ${APP_URL}; stop it first (another npm start?)`);
  }
  const all = [ports.chain, ports.app, ports.binance, ports.okx, ports.verifier, ...ports.metrics];
  for (const port of all)
    if (!(await portIsFree(port)))
      throw new Error(`port ${port} on 127.0.0.1 is taken; stop what uses it or set START_PORT_BASE`);
  console.log("[start] starting local chain (hardhat node)");
  startService("chain", "hardhat", ["node", "--hostname", "127.0.0.1", "--port", String(ports.chain)], {
    // Keep the server line; drop per-request RPC logs and the 20-account key dump (printed once below).
    quiet:
      /^(eth_|net_|web3_|hardhat_|evm_|Account #|Private Key|Accounts|=+$|WARNING|\s+(Contract|Transaction|From|To|Value|Gas used|Block #)|\s*$)/,
  });
  await waitFor("the local chain", rpcReady);
  console.log(`[start] chain ready: ${RPC_URL} (chain id 31337)`);
  console.log(
    `[start] development accounts: hardhat's default mnemonic "test test test ... junk" (never use on a real network)`,
  );

  // Exchange simulators (Binance and OKX REST dialects) in their own process; they print their URLs
  // and the demo accounts' API keys (also listed in the README).
  const keeperData = config.stateDir;
  mkdirSync(keeperData, { recursive: true });
  const scenario = join(keeperData, "sim-scenario.json");
  writeSimScenario(scenario); // the demo scenario plus an exchange account per keeper
  startService("sim", "tsx", [
    "keeper/src/sim/cli.ts",
    "--scenario",
    scenario,
    "--binance-port",
    String(ports.binance),
    "--okx-port",
    String(ports.okx),
    "--seed",
    "42",
  ]);

  // hardhat's `e2e` network takes its URL from E2E_RPC_URL (hardhat.config.ts); `localhost` is 8545.
  await runOnce("deploy", "hardhat", ["run", "scripts/deploy.ts", "--network", network], {
    FORCE_DEPLOY: "1",
    ...(network === "e2e" ? { E2E_RPC_URL: RPC_URL } : {}),
  });
  const deployment = readDeployment(network);
  if (!deployment) throw new Error(`deploy finished but deployments/${network}.json is missing`);
  console.log(`[start] deployed: ${Object.keys(deployment.contracts).length} contracts, deployments/${network}.json`);
  for (const [name, c] of Object.entries(deployment.contracts))
    console.log(`[start]   ${name.padEnd(22)} ${c.address}`);

  await waitFor("the exchange simulators", simReady);
  console.log(
    `[start] exchange simulators: binance http://127.0.0.1:${ports.binance}, okx http://127.0.0.1:${ports.okx}`,
  );

  // The web page: the app's typed contracts regenerated from this deployment, a production build
  // (skipped when app/<dist dir> already holds the build of exactly these sources), then `next start`;
  // pages are served at once, with no compile on first visit.
  const appEnv = { APP_DIST_DIR: config.appDistDir };
  await runOnce("app-build", "npm", ["run", "contracts", "--workspace", "app"]);
  const inputs = appBuildInputsHash(ROOT);
  if (appBuildIsCurrent(ROOT, config.appDistDir, inputs)) {
    console.log(`[start] web app build app/${config.appDistDir} is current (same sources): next build skipped`);
  } else {
    console.log(`[start] building the web app (next build into app/${config.appDistDir})`);
    await runOnce("app-build", "npm", ["run", "build", "--workspace", "app", "--ignore-scripts"], appEnv);
    recordAppBuild(ROOT, config.appDistDir, inputs);
  }
  startService(
    "app",
    "npm",
    ["run", "start", "--workspace", "app", "--", "--hostname", "127.0.0.1", "--port", String(ports.app)],
    {
      env: {
        ...appEnv,
        APP_NETWORK: network,
        APP_RPC_URL: RPC_URL,
        // The dashboard reads each keeper's exposures, health and stop state from its metrics endpoint.
        APP_KEEPER_METRICS: ports.metrics.map((port) => `http://127.0.0.1:${port}/metrics`).join(","),
      },
      quiet: /^(\s*$|> |\s*- Network:|\s*✓ Starting)/,
    },
  );
  await waitFor("the web app", async () => (await fetch(`${APP_URL}/api/deployment`)).ok);
  console.log(`[start] web app: ${APP_URL} (development wallet on the local chain's accounts)`);

  await startKeepers(keeperData);
  console.log("[start] system running; press Ctrl-C to stop");
}

/** Local trust, the verifier (account #4), then three keepers (#1..#3; operators #5..#7) onboarded and running. */
async function startKeepers(keeperData: string): Promise<void> {
  const { ports, network } = config;
  const deployment = readDeployment(network)!;
  await setupLocalTrust(RPC_URL, deployment);
  console.log("[start] trust: development measurement allowlisted, account #4 approved as verifier");
  const cli = "keeper/src/node/cli.ts";
  startService(
    "verifier",
    "tsx",
    [cli, "verifier", "--rpc-url", RPC_URL, "--deployment", deploymentPath(network), "--port", String(ports.verifier)],
    {
      env: { KEEPER_VERIFIER_PRIVATE_KEY: devKey(4) },
    },
  );
  const verifierUrl = `http://127.0.0.1:${ports.verifier}`;
  await waitFor("the verifier", async () => (await fetch(`${verifierUrl}/health`)).ok);
  // Collateral of real TEE quotes (the DCAP samples' Intel-signed collateral, PCS API v4 paths), in this process on a
  // free loopback port. This machine has no TEE: the keepers attest with the clearly marked development quote
  // through the verifier (#4); on a TDX machine the same configuration sends a real quote and its collateral to the
  // on-chain DcapQuoteVerifier the deploy wired.
  pccs = await startLocalPccs();
  console.log(`[start] local PCCS (DCAP sample collateral): ${pccs.url}`);
  const simUrls = { binance: `http://127.0.0.1:${ports.binance}`, okx: `http://127.0.0.1:${ports.okx}` };
  // The vault's reference price follows the simulated ETH/USDT market (a local stand-in for a Chainlink node), and a
  // demo depositor (#18) gives the keepers capital to draw.
  stopRelay = startReferenceRelay(RPC_URL, deployment, simUrls.binance, {
    onError: (err) =>
      console.error(`[relay] reference price not posted: ${err instanceof Error ? err.message : String(err)}`),
  });
  const seeded = await seedVaultDeposit(RPC_URL, deployment, config.demoDeposit);
  console.log(
    `[start] reference price relay: simulator ETH/USDT mid -> ReferencePriceFeed every 15 s; demo depositor #18 deposited ${seeded / 10n ** 6n} tUSD (START_DEMO_DEPOSIT)`,
  );
  // The keepers' event loops run before the other processes when they wait for a CPU, where the machine allows it.
  const eventLoopNice = mayUseNice(KEEPER_EVENT_LOOP_NICE) ? KEEPER_EVENT_LOOP_NICE : undefined;
  console.log(
    eventLoopNice === undefined
      ? `[start] keepers' event loops at default priority (eventLoopNice ${KEEPER_EVENT_LOOP_NICE} needs root or CAP_SYS_NICE)`
      : `[start] keepers' event loops at nice ${eventLoopNice} (eventLoopNice)`,
  );
  // A fresh chain every run: journals, traces and drawn capital of the previous chain's keepers mean nothing here.
  rmSync(join(keeperData, "store"), { recursive: true, force: true });
  for (let n = 1; n <= KEEPER_COUNT; n++) {
    rmSync(join(keeperData, `keeper${n}`), { recursive: true, force: true });
    const config = writeKeeperFiles(keeperData, n, {
      rpcUrl: RPC_URL,
      deploymentPath: deploymentPath(network),
      simUrls,
      metricsPort: ports.metrics[n - 1]!,
      verifierUrl,
      pccsUrl: pccs.url,
      eventLoopNice,
    });
    const env = {
      KEEPER_PRIVATE_KEY: devKey(n),
      KEEPER_OPERATOR_PRIVATE_KEY: devKey(4 + n),
      KEEPER_CREDENTIALS_PASSPHRASE: DEV_CREDENTIALS_PASSPHRASE,
    };
    // The operator's stake bounds what its keeper may draw (capitalStakeMultipleBps, 1x by default): enough for the
    // keeper's campaigns on both sleeves.
    await runOnce(`keeper${n}`, "tsx", [cli, "register", "--config", config, "--stake", OPERATOR_STAKE_TUSD], env);
    await runOnce(`keeper${n}`, "tsx", [cli, "attest", "--config", config], env);
    const nodeOptions = [process.env["NODE_OPTIONS"], KEEPER_NODE_OPTIONS].filter(Boolean).join(" ");
    startService(`keeper${n}`, "tsx", [cli, "run", "--config", config], { env: { ...env, NODE_OPTIONS: nodeOptions } });
    console.log(
      `[start] keeper${n} running: ${shown(keeperData)}/keeper${n}, metrics http://127.0.0.1:${ports.metrics[n - 1]}/metrics`,
    );
  }
}

let stopRelay: (() => void) | undefined;
let pccs: LocalPccs | undefined;
let shuttingDown = false;
async function shutdown(code: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  stopRelay?.();
  console.log("[start] stopping all services");
  await stopAll();
  await pccs?.close();
  console.log("[start] stopped");
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

main().catch((err: unknown) => {
  console.error(`[start] error: ${err instanceof Error ? err.message : String(err)}`);
  void shutdown(1);
});

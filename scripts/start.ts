/**
 * `npm start`: the whole system on this machine. Starts a local chain (`hardhat node` on loopback),
 * deploys the contracts to it and (as they land) the exchange simulators, keepers and web page.
 * Ctrl-C stops everything it started; no process is left behind.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { deploymentPath, readDeployment, ROOT } from "./lib/deployments.js";
import {
  DEV_CREDENTIALS_PASSPHRASE,
  devKey,
  KEEPER_COUNT,
  KEEPER_METRICS_PORTS,
  seedVaultDeposit,
  setupLocalTrust,
  startReferenceRelay,
  VERIFIER_PORT,
  writeKeeperFiles,
  writeSimScenario,
} from "./lib/keepers.js";
import { runOnce, startService, stopAll, waitFor } from "./lib/processes.js";

const RPC_URL = "http://127.0.0.1:8545";
const APP_URL = "http://127.0.0.1:3000";
const SIM_PORTS = { binance: 8601, okx: 8602 } as const;

async function simReady(): Promise<boolean> {
  for (const port of Object.values(SIM_PORTS)) {
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

async function main(): Promise<void> {
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
  console.log("[start] starting local chain (hardhat node)");
  startService("chain", "hardhat", ["node", "--hostname", "127.0.0.1", "--port", "8545"], {
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
  const keeperData = join(ROOT, ".keeper-data");
  mkdirSync(keeperData, { recursive: true });
  const scenario = join(keeperData, "sim-scenario.json");
  writeSimScenario(scenario); // the demo scenario plus an exchange account per keeper
  startService("sim", "tsx", [
    "keeper/src/sim/cli.ts",
    "--scenario",
    scenario,
    "--binance-port",
    String(SIM_PORTS.binance),
    "--okx-port",
    String(SIM_PORTS.okx),
    "--seed",
    "42",
  ]);

  await runOnce("deploy", "hardhat", ["run", "scripts/deploy.ts", "--network", "localhost"], {
    FORCE_DEPLOY: "1",
  });
  const deployment = readDeployment("localhost");
  if (!deployment) throw new Error("deploy finished but deployments/localhost.json is missing");
  console.log(`[start] deployed: ${Object.keys(deployment.contracts).length} contracts, deployments/localhost.json`);
  for (const [name, c] of Object.entries(deployment.contracts))
    console.log(`[start]   ${name.padEnd(22)} ${c.address}`);

  await waitFor("the exchange simulators", simReady);
  console.log(
    `[start] exchange simulators: binance http://127.0.0.1:${SIM_PORTS.binance}, okx http://127.0.0.1:${SIM_PORTS.okx}`,
  );

  // The web page: a production build (its prebuild step regenerates the app's typed contracts from
  // this deployment), then `next start`; pages are served at once, with no compile on first visit.
  console.log("[start] building the web app (next build)");
  await runOnce("app-build", "npm", ["run", "build", "--workspace", "app"]);
  startService(
    "app",
    "npm",
    ["run", "start", "--workspace", "app", "--", "--hostname", "127.0.0.1", "--port", "3000"],
    {
      env: { APP_NETWORK: "localhost", APP_RPC_URL: RPC_URL },
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
  const deployment = readDeployment("localhost")!;
  await setupLocalTrust(RPC_URL, deployment);
  console.log("[start] trust: development measurement allowlisted, account #4 approved as verifier");
  const cli = "keeper/src/node/cli.ts";
  startService(
    "verifier",
    "tsx",
    [
      cli,
      "verifier",
      "--rpc-url",
      RPC_URL,
      "--deployment",
      deploymentPath("localhost"),
      "--port",
      String(VERIFIER_PORT),
    ],
    {
      env: { KEEPER_VERIFIER_PRIVATE_KEY: devKey(4) },
    },
  );
  await waitFor("the verifier", async () => (await fetch(`http://127.0.0.1:${VERIFIER_PORT}/health`)).ok);
  const simUrls = { binance: `http://127.0.0.1:${SIM_PORTS.binance}`, okx: `http://127.0.0.1:${SIM_PORTS.okx}` };
  // The vault's reference price follows the simulated ETH/USDT market (a local stand-in for a Chainlink node), and a
  // demo depositor (#18) gives the keepers capital to draw.
  stopRelay = startReferenceRelay(RPC_URL, deployment, simUrls.binance, {
    onError: (err) =>
      console.error(`[relay] reference price not posted: ${err instanceof Error ? err.message : String(err)}`),
  });
  const seeded = await seedVaultDeposit(RPC_URL, deployment);
  console.log(
    `[start] reference price relay: simulator ETH/USDT mid -> ReferencePriceFeed every 15 s; demo depositor #18 deposited ${seeded / 10n ** 6n} tUSD`,
  );
  for (let n = 1; n <= KEEPER_COUNT; n++) {
    // A fresh chain every run: journals, traces and drawn capital of the previous chain's keepers mean nothing here.
    rmSync(join(keeperData, `keeper${n}`), { recursive: true, force: true });
    const config = writeKeeperFiles(keeperData, n, {
      rpcUrl: RPC_URL,
      deploymentPath: deploymentPath("localhost"),
      simUrls,
    });
    const env = {
      KEEPER_PRIVATE_KEY: devKey(n),
      KEEPER_OPERATOR_PRIVATE_KEY: devKey(4 + n),
      KEEPER_CREDENTIALS_PASSPHRASE: DEV_CREDENTIALS_PASSPHRASE,
    };
    await runOnce(`keeper${n}`, "tsx", [cli, "register", "--config", config], env);
    await runOnce(`keeper${n}`, "tsx", [cli, "attest", "--config", config], env);
    startService(`keeper${n}`, "tsx", [cli, "run", "--config", config], { env });
    console.log(
      `[start] keeper${n} running: .keeper-data/keeper${n}, metrics http://127.0.0.1:${KEEPER_METRICS_PORTS[n - 1]}/metrics`,
    );
  }
}

let stopRelay: (() => void) | undefined;
let shuttingDown = false;
async function shutdown(code: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  stopRelay?.();
  console.log("[start] stopping all services");
  await stopAll();
  console.log("[start] stopped");
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

main().catch((err: unknown) => {
  console.error(`[start] error: ${err instanceof Error ? err.message : String(err)}`);
  void shutdown(1);
});

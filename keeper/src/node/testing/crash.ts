/**
 * Test support for the crash tests (`crash.test.ts`, `crash-quoting.test.ts`): the whole system on an in-process
 * chain served over HTTP, vault capital on (a depositor funds the vault, the reference feed prices the simulated
 * market at 30 000, the deployment names the vault), one keeper onboarded, the exchange simulator, and `keeper run`
 * started as a separate process on a config and killed with SIGKILL.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import hre from "hardhat";
import { devKey, localSystem, type LocalSystem } from "../../chain/testing/local-system.js";
import type { RunningSimulation } from "../../sim/venues.js";
import {
  MockV3Aggregator__factory,
  KeeperCapital__factory,
  StrategyVault__factory,
  TestStablecoin__factory,
} from "../../../../types/ethers-contracts/index.js";
import { buildKeeperEntry } from "./keeper-entry.js";
import { startKeeperSimulation } from "./local-keepers.js";
import { until } from "./until.js";

const KEEPER_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/**
 * How `start` runs `keeper run`: `compiled` (default) runs `src/node/cli.ts` compiled to one file (keeper-entry.ts:
 * the same program, half the CPU a start); `tsx` runs the sources through tsx as `bin/keeper.mjs` does.
 */
export type KeeperLaunch = "compiled" | "tsx";
export const PASSPHRASE = "crash-test-passphrase";

export interface CrashSystem {
  sys: LocalSystem;
  run: RunningSimulation;
  /** A fresh temporary directory for configs and data (removed by `close`). */
  dir: string;
  /** The `chain` section of a keeper config for this system. */
  chain: { rpcUrl: string; deployment: string };
  /**
   * Starts `keeper run --config <configPath>` as keeper #0 (run as `launch` says, default the system's) and waits
   * until it says `keeper started`.
   */
  start(configPath: string, launch?: KeeperLaunch): Promise<ChildProcess>;
  kill9(c: ChildProcess): Promise<void>;
  /** Everything the keeper processes printed so far. */
  output(): string;
  close(): Promise<void>;
}

/** `KEEPER_TEST_LAUNCH=tsx` runs the crash tests' keepers through tsx (to compare, or for source-mapped stacks). */
const DEFAULT_LAUNCH: KeeperLaunch = process.env["KEEPER_TEST_LAUNCH"] === "tsx" ? "tsx" : "compiled";

export async function crashSystem(prefix: string, launch: KeeperLaunch = DEFAULT_LAUNCH): Promise<CrashSystem> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let entry: string | undefined;
  const command = async (how: KeeperLaunch) =>
    how === "compiled" ? [(entry ??= await buildKeeperEntry())] : ["--import", "tsx", "src/node/cli.ts"];
  await command(launch);
  const server = await hre.network.createServer("default", "127.0.0.1", 0);
  const { port } = await server.listen();
  const url = `http://127.0.0.1:${port}`;
  const sys = await localSystem(url);
  await sys.onboardKeeper(0);
  // Twenty gaps in about a minute: the creation rate limit (10 per 60 s by default) is not what these tests are about,
  // and waiting out a full window would only slow them down (the dispatcher's own rate-limit tests cover it).
  await sys.setParameter("campaignRateLimitCount", 1_000n);
  // The lone keeper publishes its own campaigns, and successes on those are credited only a day later, once their
  // receipts can no longer be disputed (M4, issue 16), while every kill within this minute can leave a claim to
  // expire: its score would fall below `minScore` and lock it out. Reputation is not what these tests are about.
  await sys.setParameter("minScore", 0n);
  // Vault capital: a depositor (#10) funds the vault, the reference feed prices the simulated market (flat 30 000),
  // and the deployment names the vault, so every campaign also draws and repays (killed at those steps too).
  const depositor = await sys.adapter(10);
  const vault = StrategyVault__factory.connect(sys.addresses.vault!, depositor.sender.signer);
  await (
    await TestStablecoin__factory.connect(sys.addresses.asset, depositor.sender.signer).approve(vault, 10n ** 11n)
  ).wait();
  await (await vault.deposit(10n ** 11n, depositor.account)).wait();
  const book = KeeperCapital__factory.connect(sys.addresses.capitalBook!, depositor.sender.signer);
  const feed = MockV3Aggregator__factory.connect(await book.priceFeed(), depositor.sender.signer);
  await (await feed.updateAnswer(30_000n * 10n ** 8n)).wait();
  const run = await startKeeperSimulation(1);
  const deployment = sys.writeDeployment(join(dir, "deployment.json"), { vault: true });

  let output = "";
  let child: ChildProcess | undefined;
  const start = async (configPath: string, how: KeeperLaunch = launch) => {
    const c = spawn(process.execPath, [...(await command(how)), "run", "--config", configPath], {
      cwd: KEEPER_DIR,
      env: { ...process.env, KEEPER_PRIVATE_KEY: devKey(1), KEEPER_CREDENTIALS_PASSPHRASE: PASSPHRASE },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let started = false;
    c.stdout!.on("data", (d: Buffer) => {
      const s = d.toString();
      output += s;
      if (s.includes("keeper started")) started = true;
    });
    c.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    child = c;
    // A start loads ccxt, ethers and the keeper: seconds on a quiet machine, more under load.
    await until("keeper started", () => started || c.exitCode !== null, 120_000, 25);
    assert.equal(c.exitCode, null, output.slice(-2000));
    return c;
  };
  const kill9 = async (c: ChildProcess) => {
    if (c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGKILL");
    await exited;
  };
  return {
    sys,
    run,
    dir,
    chain: { rpcUrl: url, deployment },
    start,
    kill9,
    output: () => output,
    close: async () => {
      if (child) await kill9(child);
      await run.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

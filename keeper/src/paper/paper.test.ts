import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hre from "hardhat";
import { devKey, localSystem, type LocalSystem } from "../chain/testing/local-system.js";
import {
  keeperAccount,
  plantGap,
  startKeeperSimulation,
  SYMBOL,
  writeKeeperRunConfig,
} from "../node/testing/local-keepers.js";
import { readTraceFile } from "../recording/trace-writer.js";
import type { RunningSimulation } from "../sim/venues.js";
import type { PaperReport } from "./runner.js";
import { until } from "../node/testing/until.js";

const KEEPER_DIR = join(import.meta.dirname, "../..");

function withoutPassphrase(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  delete out["KEEPER_CREDENTIALS_PASSPHRASE"];
  return out;
}
const PASSPHRASE = "paper-test-passphrase";

/**
 * `keeper run --paper` as an operator runs it (the CLI in a child process), configured exactly like a live keeper
 * (chain RPC, deployment, an onboarded key, encrypted exchange credentials for the simulators), against a planted
 * arbitrage gap: it detects and "executes" the campaign on paper and reports fills and PnL, while the exchanges see
 * no order from the keeper's account and the chain no transaction from its key.
 */
describe("keeper run --paper", () => {
  let server: { close(): Promise<void> } | undefined;
  let sys: LocalSystem;
  let run: RunningSimulation;
  let dir: string;
  let configPath: string;
  let child: ChildProcess | undefined;
  let output = "";

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "paper-"));
    const rpc = await hre.network.createServer("default", "127.0.0.1", 0);
    const { port } = await rpc.listen();
    server = rpc;
    const url = `http://127.0.0.1:${port}`;
    sys = await localSystem(url);
    await sys.onboardKeeper(0); // a live run of this key would send heartbeats at once
    run = await startKeeperSimulation(1);
    const deployment = sys.writeDeployment(join(dir, "deployment.json"));
    configPath = writeKeeperRunConfig(join(dir, "keeper.json"), {
      name: "paper0",
      i: 0,
      run,
      chain: { rpcUrl: url, deployment },
      dataDir: join(dir, "data"),
      passphrase: PASSPHRASE,
      extra: { tickMs: 50, logLevel: "info", paper: { balances: { BTC: "2", USDT: "100000" } } },
    });
  });

  after(async () => {
    child?.kill("SIGKILL");
    await run?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("runPaper_plantedGap_reportsFillsAndPnlWithNoOrderAndNoTransaction", async () => {
    const keeper = (await sys.adapter(1)).account;
    const nonceBefore = await sys.provider.getTransactionCount(keeper, "pending");
    const blockBefore = await sys.provider.getBlockNumber();
    const c = spawn(
      process.execPath,
      ["--import", "tsx", "src/node/cli.ts", "run", "--paper", "--config", configPath],
      {
        cwd: KEEPER_DIR,
        // No credentials passphrase: paper mode never opens the exchange credentials (a live run would fail without it).
        env: { ...withoutPassphrase(process.env), KEEPER_PRIVATE_KEY: devKey(1) },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    child = c;
    c.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    c.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    const reportPath = join(dir, "data", "paper", "report.json");
    await until("paper mode started", () => output.includes("PAPER MODE") || c.exitCode !== null);
    assert.equal(c.exitCode, null, output.slice(-2000));
    plantGap(run);
    const report = () => JSON.parse(readFileSync(reportPath, "utf8")) as PaperReport;
    await until("a paper campaign reported", () => existsSync(reportPath) && report().campaigns.length > 0);
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGINT");
    await exited;
    assert.equal(c.exitCode, 0, output.slice(-2000));

    // The report: a campaign with both legs filled on paper, its receipt fields and PnL, and the paper balances.
    const r = report();
    assert.equal(r.mode, "paper");
    const [campaign] = r.campaigns;
    assert.deepEqual(campaign!.fills.map((f) => `${f.venue}:${f.side}`).sort(), ["alpha:sell", "beta:buy"]);
    assert.ok(campaign!.fills.every((f) => f.orderId.startsWith("paper-")));
    assert.ok(Number(campaign!.receipt.pnl) > 0, `planted gap pays on paper: ${campaign!.receipt.pnl}`);
    assert.equal(r.totals.pnl, campaign!.receipt.pnl);
    assert.notEqual(r.balances["beta"]!["BTC"], "2", "paper balances moved");
    // The same trace format as a live keeper, every entry marked as a paper fill.
    const traces = join(dir, "data", "paper", "traces");
    const [file] = readdirSync(traces).filter((f) => f.endsWith(".jsonl"));
    const trace = await readTraceFile(join(traces, file!));
    assert.equal(trace.entries.length, campaign!.fills.length);
    assert.ok(trace.entries.every((e) => e.source === "paper"));

    // Nothing reached an exchange or the chain.
    for (const [venue, v] of run.sim.venues) {
      assert.deepEqual(
        v.exchange.allOrders(keeperAccount(0).name, SYMBOL, { limit: 1000 }),
        [],
        `${venue} saw an order`,
      );
    }
    assert.equal(await sys.provider.getTransactionCount(keeper, "pending"), nonceBefore, "no transaction from the key");
    for (let b = blockBefore + 1; b <= (await sys.provider.getBlockNumber()); b++) {
      const block = await sys.provider.getBlock(b, true);
      assert.ok(!block!.prefetchedTransactions.some((t) => t.from === keeper), `block ${b} has a tx from the key`);
    }
    assert.match(output, /PAPER MODE/);
  });
});

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeBytes32String } from "ethers";
import hre from "hardhat";
import { devKey, localSystem, MIN_STAKE, type LocalSystem } from "../chain/testing/local-system.js";
import type { ReceiptPoster } from "../chain/adapter.js";
import type { EvmChainAdapter } from "../chain/evm.js";
import type { CampaignTrace, RecordingReceiptPoster } from "../recording/poster.js";
import { LocalDirectoryStore } from "../recording/store/local.js";
import type { RunningSimulation } from "../sim/venues.js";
import { loadKeeperConfig } from "../node/config.js";
import { runKeeper, type RunningKeeper } from "../node/run.js";
import { keeperNode, plantGap, startKeeperSimulation, writeKeeperRunConfig } from "../node/testing/local-keepers.js";
import { until } from "../node/testing/until.js";

const PASSPHRASE = "audit-e2e-passphrase";

/**
 * Test-only trace tamperer, injected into ONE node through the test helper's poster hook: before the trace is
 * recorded and sealed, the first fill's price is moved above the campaign's window (by 1 000 USDT). The receipt is
 * then signed and posted as usual: a falsified trace that looks like any other on chain.
 */
function tamperer(inner: RecordingReceiptPoster): ReceiptPoster<CampaignTrace> & { tampered: string[] } {
  const tampered: string[] = [];
  return {
    tampered,
    post(trace) {
      const [first, ...rest] = trace.entries;
      const moved = { ...first!, price: (Number(first!.maxPrice) + 1_000).toFixed(2) };
      tampered.push(trace.campaignId);
      return inner.post({ ...trace, entries: [moved, ...rest] });
    },
  };
}

describe("auditor end to end: a cheating keeper is challenged by an honest keeper's auditor and slashed", () => {
  let server: { close(): Promise<void> } | undefined;
  let sys: LocalSystem;
  let run: RunningSimulation;
  let dir: string;
  let cheaterChain: EvmChainAdapter;
  let honestChain: EvmChainAdapter;
  let cheater: ReturnType<typeof keeperNode>;
  let honest: RunningKeeper | undefined;
  let tamper: ReturnType<typeof tamperer>;
  let configPath: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "audit-e2e-"));
    const rpc = await hre.network.createServer("default", "127.0.0.1", 0);
    const { port } = await rpc.listen();
    server = rpc;
    const url = `http://127.0.0.1:${port}`;
    sys = await localSystem(url);
    run = await startKeeperSimulation(2);
    cheaterChain = await sys.onboardKeeper(0);
    honestChain = await sys.onboardKeeper(1);
    // Both keepers write trace documents to one shared store (as a shared directory or bucket would be).
    const shared = join(dir, "shared-store");
    cheater = keeperNode(cheaterChain, run, 0, join(dir, "cheater"), {
      store: new LocalDirectoryStore(shared),
      wrapPoster: (p) => (tamper = tamperer(p)),
    });
    // The honest keeper is configured as an operator would: `keeper run` with `audit.enabled` and the shared store.
    const deployment = sys.writeDeployment(join(dir, "deployment.json"));
    configPath = writeKeeperRunConfig(join(dir, "honest.json"), {
      name: "honest",
      i: 1,
      run,
      chain: { rpcUrl: url, deployment },
      dataDir: join(dir, "honest"),
      passphrase: PASSPHRASE,
      extra: {
        tickMs: 50,
        logLevel: process.env["KEEPER_TEST_LOG"] ?? "fatal",
        store: { kind: "local", dir: shared },
        audit: { enabled: true, maxBond: "500", pollMs: 100 },
      },
    });
  });
  after(async () => {
    await honest?.stop();
    await cheater.node.stop();
    cheater.journal.close();
    await run.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("run_falsifiedTrace_challengedResolvedCheaterSlashedWhistleblowerPaid", async () => {
    const gov = await sys.adapter(0);
    const operator = (await sys.adapter(5)).account; // the cheater's operator
    const bond = await gov.params.get(encodeBytes32String("challengeBond"));
    const slashBps = await gov.params.get(encodeBytes32String("slashFractionBps"));
    const shareBps = await gov.params.get(encodeBytes32String("whistleblowerShareBps"));

    // 1. The cheating node trades a planted gap and posts (then settles) a receipt over its falsified trace.
    await cheater.node.start();
    plantGap(run);
    const settled = () => gov.campaigns.queryFilter(gov.campaigns.filters.CampaignSettled());
    await until("the cheater's campaign settled", async () => (await settled()).length === 1);
    const [event] = await settled();
    assert.equal(event!.args.keeper, cheaterChain.account);
    assert.deepEqual(tamper.tampered, [event!.args.campaignId]);
    const receiptId = (await gov.getCampaign(event!.args.campaignId)).settledReceiptId;

    // 2. The honest keeper starts (`keeper run` with `audit.enabled`): its auditor finds the leaf and challenges.
    const stakeBefore = (await gov.reputation.stakeOf(operator)).active;
    assert.equal(stakeBefore, MIN_STAKE);
    const whistleblowerBefore = await gov.asset.balanceOf(honestChain.account);
    const env = { KEEPER_PRIVATE_KEY: devKey(2), KEEPER_CREDENTIALS_PASSPHRASE: PASSPHRASE };
    honest = await runKeeper(loadKeeperConfig(configPath, env), env);
    assert.ok(honest.auditor, "audit.enabled starts the auditor inside keeper run");
    const auditor = honest.auditor;
    const challengeOf = () => auditor.summary().challenges.find((c) => c.receiptId === receiptId);
    await until("the auditor's challenge filed", async () => challengeOf()?.state === "filed");
    const challenge = challengeOf()!;
    const dispute = await gov.desk.disputeOf(challenge.disputeId!);
    assert.equal(dispute.challenger, honestChain.account);
    const disputed = await gov.receipts.getReceipt(dispute.receiptId);
    assert.equal(disputed.operator, operator, "the operator snapshotted into the receipt answers for it");
    assert.equal(disputed.keeper, cheaterChain.account);
    assert.equal(dispute.kind, 0n, "PriceOutOfBound");
    // Verified evidence puts the cheater on hold at once, before any ruling.
    assert.equal(await gov.reputation.isEligible(cheaterChain.account), false);
    assert.equal(await gov.asset.balanceOf(honestChain.account), whistleblowerBefore - bond, "bond locked");

    // 3. Governance (the arbiter; account #0, no timelock in the local system) upholds the dispute.
    await (await gov.desk.resolve(challenge.disputeId!, 1)).wait(); // Verdict.Receipt
    const slashed = (stakeBefore * slashBps) / 10_000n;
    const reward = (slashed * shareBps) / 10_000n;
    assert.equal(
      (await gov.reputation.stakeOf(operator)).active,
      stakeBefore - slashed,
      "stake slashed by the fraction",
    );
    assert.equal(
      await gov.asset.balanceOf(honestChain.account),
      whistleblowerBefore + reward,
      "bond returned plus the whistleblower's cut",
    );
    assert.equal((await gov.reputation.countersOf(cheaterChain.account)).frauds, 10n ** 18n);
    await until("the auditor saw the outcome", async () => challengeOf()?.state === "upheld");

    // A second, independent auditor (`keeper audit --once`, another key and journal) finds the same violation: the
    // desk refuses the already-slashed receipt at estimation, so it is journalled as refused and no bond moves.
    const late = await sys.adapter(3);
    const lateBefore = await gov.asset.balanceOf(late.account);
    const lateConfig = join(dir, "late.json");
    const base = JSON.parse(readFileSync(configPath, "utf8")) as Record<string, unknown>;
    writeFileSync(lateConfig, JSON.stringify({ ...base, name: "late", dataDir: join(dir, "late") }));
    // Asynchronous: the chain's JSON-RPC server runs in this process and must keep answering the child.
    const once = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const c = spawn(
        process.execPath,
        ["--import", "tsx", "src/node/cli.ts", "audit", "--once", "--config", lateConfig],
        {
          cwd: join(import.meta.dirname, "../.."),
          env: { ...process.env, KEEPER_PRIVATE_KEY: devKey(3) },
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let stdout = "";
      let stderr = "";
      c.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      c.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      c.once("exit", (status) => resolve({ status, stdout, stderr }));
    });
    assert.equal(once.status, 0, once.stderr.slice(-2000));
    const summary = JSON.parse(once.stdout) as {
      receipts: Record<string, number>;
      challenges: { state: string; detail: string }[];
    };
    assert.equal(summary.receipts["violating"], 1);
    assert.deepEqual(
      summary.challenges.map((c) => [c.state, c.detail]),
      [["refused", "DisputeDeskReceiptSlashed"]],
    );
    assert.equal(await gov.asset.balanceOf(late.account), lateBefore);

    // One challenge for the one falsified receipt; the honest keeper and its auditor counted no error.
    const challenges = await gov.desk.queryFilter(gov.desk.filters.Challenged());
    assert.equal(challenges.length, 1);
    const metrics = await (await fetch(`http://127.0.0.1:${honest.node.metricsPort}/metrics`)).text();
    assert.match(metrics, /keeper_audit_challenges_total\{[^}]*outcome="upheld"[^}]*\} 1/);
    assert.match(metrics, /keeper_heartbeats_total\{[^}]*\} [1-9]/);
    assert.doesNotMatch(metrics, /keeper_(audit_)?errors_total\{/);
  });
});

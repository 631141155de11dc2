import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeBytes32String } from "ethers";
import { localSystem, MIN_STAKE, type LocalSystem } from "../chain/testing/local-system.js";
import type { ReceiptPoster } from "../chain/adapter.js";
import type { EvmChainAdapter } from "../chain/evm.js";
import type { CampaignTrace, RecordingReceiptPoster } from "../recording/poster.js";
import { LocalDirectoryStore } from "../recording/store/local.js";
import type { RunningSimulation } from "../sim/venues.js";
import { keeperNode, plantGap, startKeeperSimulation } from "../node/testing/local-keepers.js";
import { startAuditor } from "./run.js";

const until = async (what: string, cond: () => Promise<boolean>, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

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
  let sys: LocalSystem;
  let run: RunningSimulation;
  let dir: string;
  let cheaterChain: EvmChainAdapter;
  let honestChain: EvmChainAdapter;
  let cheater: ReturnType<typeof keeperNode>;
  let honest: ReturnType<typeof keeperNode>;
  let auditor: ReturnType<typeof startAuditor> | undefined;
  let tamper: ReturnType<typeof tamperer>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "audit-e2e-"));
    sys = await localSystem();
    run = await startKeeperSimulation(2);
    cheaterChain = await sys.onboardKeeper(0);
    honestChain = await sys.onboardKeeper(1);
    // Both keepers write trace documents to one shared store (as a shared directory or bucket would be).
    const shared = new LocalDirectoryStore(join(dir, "shared-store"));
    cheater = keeperNode(cheaterChain, run, 0, join(dir, "cheater"), {
      store: shared,
      wrapPoster: (p) => (tamper = tamperer(p)),
    });
    honest = keeperNode(honestChain, run, 1, join(dir, "honest"), { store: shared });
  });
  after(async () => {
    await auditor?.stop();
    for (const n of [cheater, honest]) {
      await n.node.stop();
      n.journal.close();
    }
    await run.close();
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

    // 2. The honest keeper runs with its auditor enabled (as `keeper run` wires it with `audit.enabled`).
    const stakeBefore = (await gov.reputation.stakeOf(operator)).active;
    assert.equal(stakeBefore, MIN_STAKE);
    const whistleblowerBefore = await gov.asset.balanceOf(honestChain.account);
    await honest.node.start();
    auditor = startAuditor({
      config: {
        dataDir: join(dir, "honest"),
        audit: { enabled: true, maxBond: "500", pollMs: 100, blockRange: 5_000 },
      },
      chain: honestChain,
      store: new LocalDirectoryStore(join(dir, "shared-store")),
      log: honest.log,
      registry: honest.metrics.registry,
      deploymentBlock: sys.deployBlock,
    });
    const journal = auditor.journal;
    await until("the auditor's challenge filed", async () => journal.getChallenge(receiptId)?.state === "filed");
    const challenge = journal.getChallenge(receiptId)!;
    const dispute = await gov.reputation.disputeOf(challenge.disputeId!);
    assert.equal(dispute.challenger, honestChain.account);
    assert.equal(dispute.operator, operator);
    assert.equal(dispute.keeper, cheaterChain.account);
    assert.equal(dispute.kind, 0n, "PriceOutOfBound");
    assert.equal(await gov.asset.balanceOf(honestChain.account), whistleblowerBefore - bond, "bond locked");

    // 3. Governance (the arbiter; account #0, no timelock in the local system) upholds the dispute.
    await (await gov.reputation.resolve(challenge.disputeId!, true)).wait();
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
    await until("the auditor saw the outcome", async () => journal.getChallenge(receiptId)?.state === "upheld");

    // One challenge for the one falsified receipt; the honest node and its auditor counted no error.
    const challenges = await gov.reputation.queryFilter(gov.reputation.filters.Challenged());
    assert.equal(challenges.length, 1);
    const metrics = await honest.metrics.registry.metrics();
    assert.match(metrics, /keeper_audit_challenges_total\{[^}]*outcome="upheld"[^}]*\} 1/);
    assert.doesNotMatch(metrics, /keeper_(audit_)?errors_total\{/);
  });
});

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeBytes32String } from "ethers";
import pino from "pino";
import { Registry } from "prom-client";
import { localSystem, MIN_STAKE, type LocalSystem } from "../chain/testing/local-system.js";
import { LeafReceiptPoster } from "../chain/testing/receipt-poster.js";
import type { EvmChainAdapter } from "../chain/evm.js";
import { campaignId, campaignSpecFromNames } from "../campaign/id.js";
import { TraceTree } from "../recording/merkle.js";
import { RecordingReceiptPoster, type CampaignTrace } from "../recording/poster.js";
import type { ReceiptPoster } from "../chain/adapter.js";
import { proveTraceLeafFromStore, traceDocumentBytes } from "../recording/receipt.js";
import { challengePriceOutOfBound } from "../recording/post.js";
import { LocalDirectoryStore } from "../recording/store/local.js";
import { leafStruct, parseTraceEntry, type TraceEntryInput } from "../recording/trace.js";
import { Auditor, createAuditMetrics } from "./auditor.js";
import { AuditJournal } from "./journal.js";

const USD8 = 10n ** 8n;
const BOND = 100_000_000n; // challengeBond default: 100 tUSD

/**
 * The auditor against real receipts on an in-process chain: a keeper (account #1) publishes, claims and posts
 * receipts with the node's `RecordingReceiptPoster` into a shared store; the auditor (account #2) follows them.
 */
describe("Auditor on a local chain", () => {
  let sys: LocalSystem;
  let keeper: EvmChainAdapter;
  let auditorChain: EvmChainAdapter;
  let dir: string;
  let shared: LocalDirectoryStore;
  let poster: RecordingReceiptPoster;
  let n = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "auditor-"));
    sys = await localSystem();
    await sys.setParameter("campaignRateLimitCount", 1_000n);
    keeper = await sys.onboardKeeper(0);
    // Upheld disputes slash the operator and divide the keeper's score: keep it eligible to post more receipts.
    await (await sys.adapter(5)).stake(10n * MIN_STAKE);
    await sys.setParameter("minScore", 0n);
    auditorChain = await sys.adapter(2);
    shared = new LocalDirectoryStore(join(dir, "shared-store"));
    poster = new RecordingReceiptPoster(keeper, { dataDir: join(dir, "keeper"), store: shared });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * Publishes and claims a fresh campaign (window 29 000..31 000) and posts `fills` through `via`. Disputes left
   * pending by earlier tests are ruled first: an open dispute puts the keeper on hold (not eligible).
   */
  async function postReceipt(
    fills: Partial<TraceEntryInput>[],
    via: ReceiptPoster<CampaignTrace> = poster,
  ): Promise<bigint> {
    await resolvePending(true);
    await keeper.heartbeat();
    const now = await keeper.now();
    const spec = campaignSpecFromNames({
      assetPair: "BTC/USDT",
      priceWindow: { minPrice: 29_000n * USD8, maxPrice: 31_000n * USD8, notBefore: now - 1n, notAfter: now + 3_600n },
      route: { strategyId: `audit-${n++}`, sourceVenue: "alpha", targetVenue: "beta" },
    });
    const id = campaignId(spec);
    await keeper.publishCampaign(spec, { mode: "race" });
    const claim = await keeper.claimCampaign(id);
    assert.ok(claim.claimed, claim.claimed ? "" : `${claim.reason}: ${claim.detail}`);
    const entries = fills.map((f, i) => entryFor(id, `${n}-${i}`, f));
    return (await via.post({ campaignId: id, entries })).receiptId;
  }

  function entryFor(id: string, tag: string, f: Partial<TraceEntryInput>): TraceEntryInput {
    return {
      timestamp: Date.now(),
      campaignId: id,
      orderId: `ord-${tag}`,
      fillId: "",
      clientOrderId: `cid-${tag}`,
      venue: "alpha",
      pair: "BTC/USDT",
      side: "buy",
      price: "30000",
      size: "0.01",
      fee: "0.3",
      feeAsset: "USDT",
      source: "cex",
      minPrice: "29000",
      maxPrice: "31000",
      ...f,
    };
  }

  function auditor(
    name: string,
    opts: { maxBond?: bigint; chain?: EvmChainAdapter; store?: LocalDirectoryStore; fromBlock?: number } = {},
  ) {
    const journal = new AuditJournal(join(dir, `${name}.db`));
    const registry = new Registry();
    const a = new Auditor({
      chain: opts.chain ?? auditorChain,
      store: opts.store ?? shared,
      journal,
      maxBond: opts.maxBond ?? 10n * BOND,
      log: pino({ level: process.env["KEEPER_TEST_LOG"] ?? "silent" }),
      metrics: createAuditMetrics(registry),
      fromBlock: opts.fromBlock ?? sys.deployBlock,
    });
    return { a, journal, registry };
  }

  const challengesOf = async (receiptId: bigint) =>
    auditorChain.desk.queryFilter(auditorChain.desk.filters.Challenged(undefined, receiptId));
  const balance = () => auditorChain.asset.balanceOf(auditorChain.account);
  /** Governance (account #0, the arbiter in this fixture) rules on every pending dispute (disputes are independent). */
  async function resolvePending(upheld: boolean) {
    const gov = await sys.adapter(0);
    const [count] = await gov.desk.counts();
    for (let id = 1n; id <= count; id++) {
      if ((await gov.desk.disputeOf(id)).status === 1n) await (await gov.desk.resolve(id, upheld ? 1 : 0)).wait();
    }
  }

  it("tick_honestReceipt_auditedCleanAndNeverChallenged", async () => {
    const id = await postReceipt([{}, { side: "sell", price: "30100" }]);
    const { a, journal, registry } = auditor("griefing");
    const before = await balance();
    await a.tick();
    await a.tick();
    assert.equal(journal.getReceipt(id)?.status, "clean");
    assert.equal((await challengesOf(id)).length, 0);
    assert.equal(await balance(), before, "no bond spent on a valid receipt");
    assert.match(await registry.metrics(), /keeper_audit_receipts_total\{result="clean"\} [1-9]/);
    journal.close();
  });

  it("tick_priceOutsideCampaignWindow_oneChallengeWithTheBondAndProof", async () => {
    const id = await postReceipt([{}, { price: "31500", maxPrice: "32000" }]);
    const { a, journal, registry } = auditor("price");
    const before = await balance();
    await a.tick();
    assert.equal(journal.getReceipt(id)?.status, "violating");
    const c = journal.getChallenge(id);
    assert.equal(c?.state, "filed");
    const d = await auditorChain.desk.disputeOf(c!.disputeId!);
    assert.equal(d.challenger, auditorChain.account);
    assert.equal(d.receiptId, id);
    assert.equal(d.kind, 0n, "PriceOutOfBound");
    assert.equal(d.bond, BOND);
    assert.equal(await balance(), before - BOND);
    // Replay: more ticks, and a restarted auditor on the same journal, file nothing more.
    await a.tick();
    journal.close();
    const again = auditor("price");
    await again.a.tick();
    assert.equal((await challengesOf(id)).length, 1);
    assert.equal(await balance(), before - BOND);
    assert.match(await registry.metrics(), /keeper_audit_challenges_total\{outcome="filed"\} 1/);
    // The arbiter upholds it: the auditor sees the outcome and gets its bond back with the whistleblower cut.
    await resolvePending(true);
    await again.a.tick();
    assert.equal(again.journal.getChallenge(id)?.state, "upheld");
    assert.ok((await balance()) > before, "bond returned plus the whistleblower cut");
    again.journal.close();
  });

  it("restart_intentJournalledAndChallengeLanded_adoptedNotSentAgain", async () => {
    const from = (await sys.provider.getBlockNumber()) + 1;
    // Two violating leaves: the oracle would accept a second challenge with the other leaf; only the journal stops it.
    const id = await postReceipt([{ price: "28000" }, { price: "35000" }]);
    // The crash window: the intent is journalled, the challenge mined, and the process dies before recording it.
    const crashed = new AuditJournal(join(dir, "crash.db"));
    crashed.recordChallengeIntent({ receiptId: id, kind: "priceOutOfBound", evidence: "{}", bond: BOND });
    crashed.close();
    const desk = await auditorChain.desk.getAddress();
    await (await auditorChain.asset.approve(desk, BOND)).wait();
    const proof = await proveTraceLeafFromStore(shared, (await auditorChain.getReceipt(id)).cid, 0);
    const { disputeId } = await challengePriceOutOfBound(auditorChain.desk, id, proof);
    auditorChain.sender.resetNonce(); // the test sent outside the adapter's sender
    const restarted = auditor("crash", { fromBlock: from });
    await restarted.a.tick();
    await restarted.a.tick();
    const c = restarted.journal.getChallenge(id);
    assert.equal(c?.state, "filed");
    assert.equal(c?.disputeId, disputeId, "the landed challenge was adopted");
    assert.equal((await challengesOf(id)).length, 1, "no second challenge with the other violating leaf");
    restarted.journal.close();
  });

  it("tick_fillClaimedByAnEarlierReceipt_duplicateExecutionChallenged", async () => {
    const from = (await sys.provider.getBlockNumber()) + 1;
    const first = await postReceipt([{ orderId: "shared-fill", clientOrderId: "x-1" }]);
    const second = await postReceipt([{ side: "sell" }, { orderId: "shared-fill", clientOrderId: "x-2" }]);
    const { a, journal } = auditor("duplicate", { fromBlock: from });
    await a.tick();
    assert.equal(journal.getReceipt(first)?.status, "clean");
    assert.equal(journal.getChallenge(first), undefined);
    const c = journal.getChallenge(second);
    assert.equal(c?.state, "filed");
    const d = await auditorChain.desk.disputeOf(c!.disputeId!);
    assert.equal(d.kind, 1n, "DuplicateExecution");
    journal.close();
  });

  it("tick_traceUnreachable_reportedRetriedLeafDemandedNeverChallengedBlindly", async () => {
    const from = (await sys.provider.getBlockNumber()) + 1;
    const hidden = new LocalDirectoryStore(join(dir, "hidden-store"));
    const hider = new RecordingReceiptPoster(keeper, { dataDir: join(dir, "keeper"), store: hidden });
    const id = await postReceipt([{ price: "35000" }], hider);
    const { a, journal, registry } = auditor("unreachable", { fromBlock: from });
    await a.tick();
    await a.tick();
    const r = journal.getReceipt(id)!;
    assert.equal(r.status, "unreachable");
    assert.equal(r.attempts, 2, "retried on every tick");
    assert.equal(journal.getChallenge(id), undefined);
    assert.equal((await challengesOf(id)).length, 0);
    assert.match(await registry.metrics(), /keeper_audit_receipts_total\{result="unreachable"\} 1/);
    // One data-availability demand (not one per tick) makes the keeper show a leaf on-chain.
    const demands = await auditorChain.desk.queryFilter(auditorChain.desk.filters.LeafDemanded(undefined, id));
    assert.equal(demands.length, 1);
    assert.equal(demands[0]!.args.challenger, auditorChain.account);
    assert.match(await registry.metrics(), /keeper_audit_demands_total\{outcome="filed"\} 1/);
    // Once the document is published where the auditor reads, the violation is found and challenged.
    const cid = (await auditorChain.getReceipt(id)).cid;
    await shared.put(await hidden.get(cid), "json");
    await a.tick();
    assert.equal(journal.getChallenge(id)?.state, "filed");
    journal.close();
  });

  it("tick_unreachableTraceNeverRevealed_demandFinalisedAndOperatorSlashed", async () => {
    const from = (await sys.provider.getBlockNumber()) + 1;
    const hidden = new LocalDirectoryStore(join(dir, "never-store"));
    const hider = new RecordingReceiptPoster(keeper, { dataDir: join(dir, "keeper"), store: hidden });
    const id = await postReceipt([{}], hider);
    const { a, journal, registry } = auditor("never-revealed", { fromBlock: from });
    await a.tick();
    const [demand] = await auditorChain.desk.queryFilter(auditorChain.desk.filters.LeafDemanded(undefined, id));
    assert.ok(demand, "a leaf was demanded");
    const operator = await auditorChain.reputation.operatorOf(keeper.account);
    const stakeBefore = (await auditorChain.reputation.stakeOf(operator)).active;
    const revealWindow = await auditorChain.params.get(encodeBytes32String("revealWindowSeconds"));
    await sys.advance(Number(revealWindow) + 1);
    await a.tick();
    assert.equal((await auditorChain.desk.demandOf(demand.args.demandId)).status, 3n, "Unanswered");
    assert.ok((await auditorChain.reputation.stakeOf(operator)).active < stakeBefore, "the operator was slashed");
    assert.equal(await auditorChain.reputation.receiptDisputeState(id), 2n);
    assert.match(await registry.metrics(), /keeper_audit_demands_total\{outcome="finalised"\} 1/);
    journal.close();
  });

  it("tick_documentNotMatchingTheReceipt_reportedNotChallenged", async () => {
    const from = (await sys.provider.getBlockNumber()) + 1;
    // The keeper posts the root of an honest trace but points its CID at another (violating) document.
    let id = 0n;
    await postReceipt([{}], {
      post: async (trace) => {
        const honest = trace.entries.map((e) => parseTraceEntry(e));
        const units = { depositAsset: "USDT", depositDecimals: 6 };
        const other = traceDocumentBytes(
          trace.campaignId,
          [parseTraceEntry({ ...trace.entries[0]!, price: "35000" })],
          units,
        );
        const cid = await shared.put(other, "json");
        const tree = TraceTree.fromEntries(honest, units);
        const leaves = honest.map((_, i) => leafStruct(tree.leaf(i)));
        const r = await new LeafReceiptPoster(keeper).post({
          campaignId: trace.campaignId,
          leaves,
          summary: { volume: 1n, avgPrice: 1n, pnl: 0n },
          cid,
        });
        id = r.receiptId;
        return r;
      },
    });
    const { a, journal } = auditor("mismatch", { fromBlock: from });
    await a.tick();
    assert.equal(journal.getReceipt(id)?.status, "unverifiable");
    assert.match(journal.getReceipt(id)?.findings ?? "", /receiptMismatch/);
    assert.equal((await challengesOf(id)).length, 0);
    journal.close();
  });

  it("tick_ownReceipt_neverChallenged", async () => {
    const from = (await sys.provider.getBlockNumber()) + 1;
    const id = await postReceipt([{ price: "35000" }]);
    const { a, journal } = auditor("own", { fromBlock: from, chain: keeper });
    await a.tick();
    assert.equal(journal.getReceipt(id)?.status, "own");
    assert.equal((await challengesOf(id)).length, 0);
    journal.close();
  });

  it("tick_budgetExhausted_bondNeverAboveMaxBond", async () => {
    const from = (await sys.provider.getBlockNumber()) + 1;
    const one = await postReceipt([{ price: "35000" }]);
    const two = await postReceipt([{ price: "36000" }]);
    const { a, journal, registry } = auditor("budget", { fromBlock: from, maxBond: (BOND * 3n) / 2n });
    await a.tick();
    assert.equal(journal.getChallenge(one)?.state, "filed");
    assert.equal(journal.getChallenge(two), undefined, "a second bond would exceed maxBond");
    assert.equal(journal.lockedBond(), BOND);
    assert.match(await registry.metrics(), /keeper_audit_budget_blocked_total(\{[^}]*\})? [1-9]/);
    // The arbiter rules on the pending disputes: the bond comes back and the deferred one is filed.
    await resolvePending(true);
    await a.tick();
    assert.equal(journal.getChallenge(one)?.state, "upheld");
    assert.equal(journal.getChallenge(two)?.state, "filed");
    journal.close();
  });

  it("tick_maxBondZero_violationReportedNeverChallenged", async () => {
    const from = (await sys.provider.getBlockNumber()) + 1;
    const id = await postReceipt([{ price: "35000" }]);
    const { a, journal } = auditor("report-only", { fromBlock: from, maxBond: 0n });
    const before = await balance();
    await a.tick();
    await a.tick();
    assert.equal(journal.getReceipt(id)?.status, "violating");
    assert.match(journal.getReceipt(id)?.findings ?? "", /priceOutOfBound/);
    assert.equal(journal.getChallenge(id), undefined);
    assert.equal((await challengesOf(id)).length, 0);
    assert.equal(await balance(), before);
    journal.close();
  });

  it("tick_violationFoundAfterTheWindowClosed_notChallenged", async () => {
    const from = (await sys.provider.getBlockNumber()) + 1;
    const id = await postReceipt([{ price: "35000" }]);
    const window = await auditorChain.params.get(encodeBytes32String("challengeWindowSeconds"));
    await sys.advance(Number(window) + 1);
    const { a, journal } = auditor("late", { fromBlock: from });
    await a.tick();
    assert.equal(journal.getReceipt(id)?.status, "expired");
    assert.equal((await challengesOf(id)).length, 0);
    journal.close();
  });
});

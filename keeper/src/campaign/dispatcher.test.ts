import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeBytes32String, keccak256, toUtf8Bytes } from "ethers";
import type { EvmChainAdapter } from "../chain/evm.js";
import { localSystem, type LocalSystem } from "../chain/testing/local-system.js";
import { LeafReceiptPoster, type TradeLeaf } from "../chain/testing/receipt-poster.js";
import { Journal } from "../node/journal.js";
import { Writable } from "node:stream";
import pino from "pino";
import { CampaignDispatcher, dispatchOf, type CampaignExecution, type CampaignJob } from "./dispatcher.js";
import { ownDispatch, venueRunSpec } from "../node/engine-campaigns.js";
import { campaignSpecFromNames, type CampaignSpec } from "./id.js";
import { RecordingReceiptPoster, type CampaignTrace } from "../recording/poster.js";
import { loadSealedReceipt } from "../recording/seal.js";

/**
 * The execution the dispatcher drives, reduced to what these tests observe: it "trades" by writing one leaf per
 * fill and posts the receipt through the contract-aligned poster (idempotent on the trace root). Every call is
 * logged in `calls` (shared by all keepers), so a double execution is visible.
 */
class LeafExecution implements CampaignExecution {
  failNext = false;
  constructor(
    private readonly chain: EvmChainAdapter,
    private readonly calls: { keeper: string; id: string }[],
  ) {}
  async execute(job: CampaignJob): Promise<{ receiptId: bigint }> {
    this.calls.push({ keeper: this.chain.account, id: job.id });
    const leaves: TradeLeaf[] = [0, 1].map((i) => ({
      campaignId: job.id,
      timestamp: 1_764_000_000n + BigInt(i),
      executionId: keccak256(toUtf8Bytes(`${this.chain.account} ${job.id} ${i}`)),
      venue: encodeBytes32String("binance"),
      side: i,
      price: job.spec.priceWindow.minPrice,
      size: 10n ** 16n,
      fee: 10n,
      minPrice: job.spec.priceWindow.minPrice,
      maxPrice: job.spec.priceWindow.maxPrice,
    }));
    const receipt = {
      campaignId: job.id,
      leaves,
      summary: { volume: 60n * 10n ** 6n, avgPrice: job.spec.priceWindow.minPrice, pnl: 1n },
      cid: `bafy-${job.id.slice(2, 12)}`,
    };
    const posted = await this.chain.postReceipt(new LeafReceiptPoster(this.chain), receipt);
    if (this.failNext) {
      this.failNext = false;
      throw new Error("killed after posting, before answering");
    }
    return { receiptId: posted.receiptId };
  }
}

let n = 0;
async function spec(sys: LocalSystem, strategy = "arbitrage"): Promise<CampaignSpec> {
  const now = await (await sys.adapter(0)).now();
  n++;
  return campaignSpecFromNames({
    assetPair: `P${n}/USDC`,
    priceWindow: {
      minPrice: 3_000n * 10n ** 8n,
      maxPrice: 3_100n * 10n ** 8n,
      notBefore: now - 1n,
      notAfter: now + 3_600n,
    },
    route: { strategyId: strategy, sourceVenue: "binance", targetVenue: "uniswap-v2" },
  });
}

describe("CampaignDispatcher", () => {
  let sys: LocalSystem;
  let dir: string;
  const calls: { keeper: string; id: string }[] = [];
  let keepers: { chain: EvmChainAdapter; journal: Journal; exec: LeafExecution; d: CampaignDispatcher }[];
  let values: Record<string, bigint>;

  const dispatcher = (chain: EvmChainAdapter, journal: Journal, exec: CampaignExecution) =>
    new CampaignDispatcher({ chain, journal, execution: exec, parameters: () => values });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "dispatch-"));
    sys = await localSystem();
    keepers = [];
    for (let k = 0; k < 3; k++) {
      const chain = await sys.onboardKeeper(k);
      const journal = new Journal(join(dir, `k${k}.db`));
      const exec = new LeafExecution(chain, calls);
      keepers.push({ chain, journal, exec, d: dispatcher(chain, journal, exec) });
    }
    values = (await keepers[0]!.chain.parametersSnapshot()).values;
  });
  after(() => {
    for (const k of keepers) k.journal.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("offer_threeKeepersRaceForOneCampaign_exactlyOneExecutesAndSettles", async () => {
    for (let round = 0; round < 3; round++) {
      const s = await spec(sys);
      const outcomes = await Promise.all(keepers.map((k) => k.d.offer({ spec: s })));
      const id = keepers[0]!.chain.campaignIdOf(s);
      assert.equal(outcomes.filter((o) => o === "settled").length, 1, `round ${round}: ${outcomes.join(",")}`);
      assert.equal(calls.filter((c) => c.id === id).length, 1);
      const c = await keepers[0]!.chain.getCampaign(id);
      assert.equal(c.status, "settled");
      const winner = calls.find((x) => x.id === id)!.keeper;
      assert.equal((await keepers[0]!.chain.getReceipt(c.settledReceiptId)).keeper, winner);
      // Journals agree with the chain: the winner settled, the others gave up or still watch for a lapse.
      for (const k of keepers) {
        const p = k.journal.campaignProgress(id);
        if (k.chain.account === winner) assert.equal(p, "settled");
        else assert.ok(p === "published" || p === "abandoned" || p === "detected", String(p));
      }
      // The losers look again once the winner's claim would have lapsed, and find it settled by someone else.
      for (const k of keepers) await k.d.tick();
      for (const k of keepers) {
        if (k.chain.account !== winner) assert.notEqual(k.journal.campaignProgress(id), "abandoned");
      }
      await sys.advance(Number(values["claimTtlSeconds"]) + 1);
      for (const k of keepers) await k.d.tick();
      for (const k of keepers) {
        if (k.chain.account !== winner) assert.equal(k.journal.campaignProgress(id), "abandoned");
      }
      // Exactly one creation (the others saw the id on-chain or got `created: false`).
      const created = await keepers[0]!.chain.campaigns.queryFilter(
        keepers[0]!.chain.campaigns.filters.CampaignPublished(undefined, id),
      );
      assert.equal(created.length, 1);
      // Offered again: known, nothing published or executed.
      assert.deepEqual(await Promise.all(keepers.map((k) => k.d.offer({ spec: s }))), ["known", "known", "known"]);
    }
  });

  it("offer_dispatchModeAssigneeSilent_backupClaimsAfterItsWindow", async () => {
    const [assignee, backup] = [keepers[1]!, keepers[2]!];
    const s = await spec(sys);
    const order = [assignee.chain.account, backup.chain.account];
    // The backup publishes (it detected the opportunity); the assignee never acts.
    const first = await backup.d.offer({ spec: s, mode: "dispatch", dispatchBy: "reputation", dispatchOrder: order });
    assert.equal(first, "waiting");
    // The dispatch list is part of the id (a race publication of the same spec is another campaign).
    const id = backup.chain.campaignIdOf(s, { mode: "dispatch", dispatchBy: "reputation", dispatchOrder: order });
    assert.notEqual(id, backup.chain.campaignIdOf(s));
    assert.equal((await backup.chain.getCampaign(id)).status, "open");
    await sys.advance(Number(values["dispatchWindowSeconds"]));
    const outcomes = await backup.d.tick();
    assert.equal(outcomes.get(id), "settled");
    assert.deepEqual(
      calls.filter((c) => c.id === id).map((c) => c.keeper),
      [backup.chain.account],
    );
  });

  /** The spec two keepers quoting `pair` on alpha at the same mid derive in the same chain second. */
  const quotingSpec = async (from = 0n) =>
    venueRunSpec(
      "marketMaking",
      `MM${++n}/USDT`,
      "alpha",
      30_000n * 10n ** 18n,
      (await keepers[0]!.chain.now()) + from,
      500n,
      600n,
    );

  it("F1_offer_twoKeepersQuoteSamePairSameSecond_eachClaimsAndSettlesItsOwnCampaign", async () => {
    const [a, b] = [keepers[0]!, keepers[1]!];
    const s = await quotingSpec();
    const ownA = ownDispatch(a.chain.account);
    const ownB = ownDispatch(b.chain.account);
    const idA = a.chain.campaignIdOf(s, dispatchOf(ownA));
    const idB = b.chain.campaignIdOf(s, dispatchOf(ownB));
    assert.notEqual(idA, idB, "the list naming the keeper is inside the id");
    assert.equal(await a.d.offer({ spec: s, ...ownA }), "settled");
    // One claim per pair and block time: b's claim may have to wait for the next second.
    let out = await b.d.offer({ spec: s, ...ownB });
    for (let i = 0; out === "waiting" && i < 3; i++) {
      await sys.advance(1);
      out = await b.d.offer({ spec: s, ...ownB });
    }
    assert.equal(out, "settled");
    assert.deepEqual(
      calls.filter((c) => c.id === idA || c.id === idB).map((c) => [c.keeper, c.id]),
      [
        [a.chain.account, idA],
        [b.chain.account, idB],
      ],
    );
  });

  it("F1_offer_anotherKeeperPublishesTheQuotingCampaignFirst_cannotClaimOrBlockIt", async () => {
    const [owner, attacker] = [keepers[1]!, keepers[2]!];
    const s = await quotingSpec();
    const own = ownDispatch(owner.chain.account);
    const id = owner.chain.campaignIdOf(s, dispatchOf(own));
    // The attacker derives the owner's campaign (same books, same second), publishes it first and tries to claim it.
    const published = await attacker.chain.publishCampaign(s, own);
    assert.equal(published.id, id);
    const grab = await attacker.chain.claimCampaign(id);
    assert.equal(grab.claimed, false);
    assert.equal(grab.claimed === false && grab.reason, "notYourTurn");
    // The owner's turn began when the campaign was published: it claims, executes and settles at once, and is not
    // charged for republishing (it sees the campaign exists and only claims).
    const before = await owner.chain.campaigns.queryFilter(owner.chain.campaigns.filters.CampaignRepublished());
    assert.equal(await owner.d.offer({ spec: s, ...own }), "settled");
    const after = await owner.chain.campaigns.queryFilter(owner.chain.campaigns.filters.CampaignRepublished());
    assert.equal(after.length, before.length);
    assert.deepEqual(
      calls.filter((c) => c.id === id).map((c) => c.keeper),
      [owner.chain.account],
    );
  });

  it("withdraw_offeredNotYetClaimable_tickNeverClaimsIt", async () => {
    const owner = keepers[0]!;
    // A window that opens in 100 s: published, not claimable yet.
    const s = await quotingSpec(100n);
    const own = ownDispatch(owner.chain.account);
    const id = owner.chain.campaignIdOf(s, dispatchOf(own));
    assert.equal(await owner.d.withdraw(id), false, "a campaign never offered is not withdrawn");
    assert.equal(await owner.d.offer({ spec: s, ...own }), "waiting");
    assert.equal(await owner.d.withdraw(id), true);
    await sys.advance(120);
    await owner.d.tick();
    assert.equal(owner.journal.campaignProgress(id), "abandoned");
    assert.equal((await owner.chain.getCampaign(id)).status, "open", "never claimed");
    assert.ok(!calls.some((c) => c.id === id));
  });

  it("offer_rateLimitReached_defersUntilNextWindow", async () => {
    const k = keepers[0]!;
    const limit = Number(values["campaignRateLimitCount"]);
    const window = values["campaignRateWindowSeconds"]!;
    // Start at the beginning of a window so the whole burst falls inside one.
    const now = await k.chain.now();
    await sys.advance(Number(window - (now % window)) + 1);
    const outcomes = [];
    for (let i = 0; i <= limit; i++) outcomes.push(await k.d.offer({ spec: await spec(sys, "ratelimited") }));
    assert.equal(outcomes.filter((o) => o === "settled").length, limit);
    assert.equal(outcomes[limit], "rateLimited");
    // Nothing was sent for the deferred one; the next window publishes it.
    await sys.advance(Number(window));
    const later = await k.d.tick();
    assert.deepEqual([...later.values()], ["settled"]);
  });

  it("F6_tick_retriedAfterItsWindowWithNothingTraded_droppedAsExpiredAtInfo", async () => {
    const k = keepers[1]!;
    const lines: { level: number; msg: string }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(JSON.parse(String(chunk)) as { level: number; msg: string });
        cb();
      },
    });
    let attempts = 0;
    const failing: CampaignExecution = {
      execute() {
        attempts++;
        return Promise.reject(new Error("venue unreachable"));
      },
    };
    const d = new CampaignDispatcher({
      chain: k.chain,
      journal: k.journal,
      execution: failing,
      parameters: () => values,
      log: pino({ level: "info" }, sink),
    });
    const base = await spec(sys);
    const now = await k.chain.now();
    // A window shorter than the claim: the claim outlives the window.
    const s = { ...base, priceWindow: { ...base.priceWindow, notAfter: now + 20n } };
    const id = k.chain.campaignIdOf(s);
    await assert.rejects(d.offer({ spec: s }), /venue unreachable/);
    await sys.advance(30);
    const out = await d.tick();
    assert.equal(out.get(id), "expired");
    assert.equal(attempts, 1, "never executed after its window");
    assert.equal(k.journal.campaignProgress(id), "abandoned");
    const after = lines.slice(lines.findIndex((l) => /venue unreachable/.test(JSON.stringify(l))) + 1);
    assert.ok(
      after.every((l) => l.level < 50),
      JSON.stringify(after),
    );
    assert.ok(after.some((l) => l.level === 30 && l.msg === "campaign expired"));
  });

  it("recover_crashAfterPostingBeforeSettle_resumesWithoutSecondReceipt", async () => {
    const k = keepers[0]!;
    k.exec.failNext = true;
    const s = await spec(sys);
    const id = k.chain.campaignIdOf(s);
    await assert.rejects(k.d.offer({ spec: s }), /killed after posting/);
    assert.equal(k.journal.campaignProgress(id), "executing");
    const receiptsBefore = await k.chain.receipts.receiptCount();
    // A new process: same journal, fresh dispatcher.
    const restarted = dispatcher(k.chain, k.journal, k.exec);
    assert.ok(restarted.recover() >= 1);
    const out = await restarted.tick();
    assert.equal(out.get(id), "settled");
    assert.equal(await k.chain.receipts.receiptCount(), receiptsBefore);
    assert.equal((await k.chain.getCampaign(id)).status, "settled");
    assert.equal(k.journal.campaignProgress(id), "settled");
  });

  it("rcpt_tick_tradedCampaignLostItsClaimBeforeItsReceiptPosted_oneErrorThenReceiptDroppedAndNextPostsItsNonce", async () => {
    const k = keepers[2]!;
    const journal = new Journal(join(dir, "rcpt.db"));
    const lines: { level: number; msg: string; campaignId?: string }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(JSON.parse(String(chunk)) as { level: number; msg: string });
        cb();
      },
    });
    const log = pino({ level: "info" }, sink);
    const dataDir = join(dir, "rcpt");
    const poster = new RecordingReceiptPoster(k.chain, { dataDir, journal, log });
    let lapse = true;
    // The execution traded, then chain time jumps past its claim (and window) before its receipt is posted.
    const exec: CampaignExecution = {
      async execute(job) {
        if (lapse) {
          lapse = false;
          await sys.advance(Number(job.claimDeadline! - job.chainNow!) + 5);
        }
        return poster.post(fillsOf(job.id));
      },
    };
    const outcomes: string[] = [];
    const d = new CampaignDispatcher({
      chain: k.chain,
      journal,
      execution: exec,
      parameters: () => values,
      log,
      onOutcome: (_id, o) => outcomes.push(o),
    });
    const base = await spec(sys);
    const now = await k.chain.now();
    const a = { ...base, priceWindow: { ...base.priceWindow, notAfter: now + 20n } };
    const idA = k.chain.campaignIdOf(a);
    await assert.rejects(d.offer({ spec: a }), /not this keeper.s live claim: its receipt is not sent/);
    const sealedA = await loadSealedReceipt(join(dataDir, "traces"), idA);
    assert.ok(sealedA, "A's receipt was sealed");
    const nonce = await k.chain.receipts.nonceOf(k.chain.account);
    assert.equal(sealedA.nonce, nonce, "A's receipt holds the registry's next nonce");
    const txBefore = await sys.provider.getTransactionCount(k.chain.account);
    const mark = lines.length;

    // The dispatcher finds the traded campaign lost its claim and window: one error line, a metric, journalled.
    const out = await d.tick();
    assert.equal(out.get(idA), "receiptLost");
    assert.deepEqual(outcomes.slice(-1), ["receiptLost"]);
    assert.equal(journal.getReceipt(idA)?.state, "unpostable");
    assert.equal(journal.campaignProgress(idA), "abandoned");
    assert.deepEqual(journal.unpostedReceipts(), []);
    assert.equal(await sys.provider.getTransactionCount(k.chain.account), txBefore, "nothing sent for A");

    // Another campaign's receipt: A's is never sent, B takes the nonce A held, and no error is logged.
    const b = await spec(sys);
    assert.equal(await d.offer({ spec: b }), "settled");
    assert.equal((await loadSealedReceipt(join(dataDir, "traces"), k.chain.campaignIdOf(b)))?.nonce, nonce);
    assert.equal(await k.chain.receiptIdByRoot(sealedA.receipt.traceRoot), 0n);
    assert.equal(await k.chain.receipts.nonceOf(k.chain.account), nonce + 1n);
    const errors = lines.slice(mark).filter((l) => l.level >= 50);
    assert.deepEqual(
      errors.map((l) => [l.msg, l.campaignId]),
      [["campaign traded but lost its claim before its receipt was posted: receipt lost", idA]],
    );
    // A restart does not bring A's receipt back into the pending set.
    const restarted = new RecordingReceiptPoster(k.chain, { dataDir, journal, log });
    const c = await spec(sys);
    const idC = k.chain.campaignIdOf(c);
    await k.chain.publishCampaign(c, { mode: "race" });
    assert.equal((await k.chain.claimCampaign(idC)).claimed, true);
    await restarted.post(fillsOf(idC));
    assert.equal(await k.chain.receipts.nonceOf(k.chain.account), nonce + 2n);
    assert.equal(lines.slice(mark).filter((l) => l.level >= 50).length, 1);
    journal.close();
  });

  it("finishTraded_claimLapsedMidRunWindowOpen_claimsAgainPostsAndSettles_untradedCampaignNotClaimed", async () => {
    const k = keepers[2]!;
    const journal = new Journal(join(dir, "finish.db"));
    const poster = new RecordingReceiptPoster(k.chain, { dataDir: join(dir, "finish"), journal });
    let lapse = true;
    const executed: string[] = [];
    // The execution traded, then the chain's clock overtook its claim (not its window) before the receipt went out.
    const exec: CampaignExecution = {
      async execute(job) {
        executed.push(job.id);
        if (lapse) {
          lapse = false;
          await sys.advance(Number(job.claimDeadline! - job.chainNow!) + 5);
        }
        return poster.post(fillsOf(job.id));
      },
    };
    const d = new CampaignDispatcher({ chain: k.chain, journal, execution: exec, parameters: () => values });
    // B: a campaign whose window opens later: offered (published), not claimable yet.
    const later = await spec(sys);
    const b = { ...later, priceWindow: { ...later.priceWindow, notBefore: later.priceWindow.notBefore + 120n } };
    assert.equal(await d.offer({ spec: b }), "waiting");
    const idB = k.chain.campaignIdOf(b);
    const a = await spec(sys);
    const idA = k.chain.campaignIdOf(a);
    await assert.rejects(d.offer({ spec: a }), /not this keeper.s live claim: its receipt is not sent/);
    assert.equal(journal.campaignProgress(idA), "executing");
    // B's window is open now (a `tick` would claim it).
    await sys.advance(130);

    const out = await d.finishTraded();
    assert.deepEqual([...out], [[idA, "settled"]]);
    const c = await k.chain.getCampaign(idA);
    assert.equal(c.status, "settled");
    assert.equal((await k.chain.getReceipt(c.settledReceiptId)).keeper.toLowerCase(), k.chain.account.toLowerCase());
    assert.equal(journal.campaignProgress(idA), "settled");
    assert.deepEqual(executed, [idA, idA], "A's execution called again only to post its sealed receipt");
    // The campaign that did not trade is left alone: still open on chain, still watched, never executed.
    assert.equal((await k.chain.getCampaign(idB)).status, "open");
    assert.equal(journal.campaignProgress(idB), "published");
    assert.deepEqual(d.pending, [idB]);
    journal.close();
  });

  it("finishTraded_claimLapsedWithItsWindow_receiptLostNotClaimedAgain", async () => {
    const k = keepers[2]!;
    const journal = new Journal(join(dir, "finish-late.db"));
    const poster = new RecordingReceiptPoster(k.chain, { dataDir: join(dir, "finish-late"), journal });
    let calls = 0;
    const exec: CampaignExecution = {
      async execute(job) {
        if (calls++ === 0) await sys.advance(Number(job.claimDeadline! - job.chainNow!) + 5);
        return poster.post(fillsOf(job.id));
      },
    };
    const d = new CampaignDispatcher({ chain: k.chain, journal, execution: exec, parameters: () => values });
    const base = await spec(sys);
    const now = await k.chain.now();
    const a = { ...base, priceWindow: { ...base.priceWindow, notAfter: now + 20n } };
    const idA = k.chain.campaignIdOf(a);
    await assert.rejects(d.offer({ spec: a }), /not this keeper.s live claim/);
    const txBefore = await sys.provider.getTransactionCount(k.chain.account);
    assert.deepEqual([...(await d.finishTraded())], [[idA, "receiptLost"]]);
    assert.equal(calls, 1, "not executed again");
    assert.equal(await sys.provider.getTransactionCount(k.chain.account), txBefore, "no claim, no receipt sent");
    assert.equal(journal.campaignProgress(idA), "abandoned");
    assert.deepEqual(d.pending, []);
    journal.close();
  });
});

/** Two fills of `campaignId` as an execution hands them to the recording poster. */
function fillsOf(campaignId: string): CampaignTrace {
  const fill = (venue: string, side: "buy" | "sell", price: string, i: number) => ({
    timestamp: 1_764_000_000_000 + i,
    campaignId,
    orderId: `${venue}-${campaignId.slice(2, 10)}-${i}`,
    clientOrderId: `c-${campaignId.slice(2, 10)}-${i}`,
    venue,
    pair: "ETH/USDC",
    side,
    price,
    size: "0.05",
    fee: "0.15",
    feeAsset: "USDC",
    source: "cex" as const,
    minPrice: "3000",
    maxPrice: "3100",
  });
  return { campaignId, entries: [fill("beta", "buy", "3010.5", 0), fill("alpha", "sell", "3040.25", 1)] };
}

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { localSystem, type LocalSystem } from "../chain/testing/local-system.js";
import type { EvmChainAdapter } from "../chain/evm.js";
import { campaignId, campaignSpecFromNames } from "../campaign/id.js";
import { Journal } from "../node/journal.js";
import { RecordingReceiptPoster } from "./poster.js";
import { DemandResponder } from "./responder.js";
import { LocalDirectoryStore } from "./store/local.js";
import type { TraceEntryInput } from "./trace.js";

const USD8 = 10n ** 8n;
const DATA_BOND = 10_000_000n; // dataChallengeBond default: 10 tUSD

/** A keeper (account #1) posts receipts into its own store; a challenger (account #2) demands leaves of them. */
describe("DemandResponder on a local chain", () => {
  let sys: LocalSystem;
  let keeper: EvmChainAdapter;
  let challenger: EvmChainAdapter;
  let dir: string;
  let store: LocalDirectoryStore;
  let poster: RecordingReceiptPoster;
  let n = 0;
  const log = pino({ level: process.env["KEEPER_TEST_LOG"] ?? "silent" });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "responder-"));
    sys = await localSystem();
    keeper = await sys.onboardKeeper(0);
    challenger = await sys.adapter(2);
    store = new LocalDirectoryStore(join(dir, "store"));
    poster = new RecordingReceiptPoster(keeper, { dataDir: join(dir, "keeper"), store });
    await (await challenger.asset.approve(await challenger.desk.getAddress(), 100n * DATA_BOND)).wait();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function postReceipt(count: number): Promise<bigint> {
    await keeper.heartbeat();
    const now = await keeper.now();
    const spec = campaignSpecFromNames({
      assetPair: "BTC/USDT",
      priceWindow: { minPrice: 29_000n * USD8, maxPrice: 31_000n * USD8, notBefore: now - 1n, notAfter: now + 3_600n },
      route: { strategyId: `da-${n++}`, sourceVenue: "alpha", targetVenue: "beta" },
    });
    const id = campaignId(spec);
    await keeper.publishCampaign(spec, { mode: "race" });
    assert.ok((await keeper.claimCampaign(id)).claimed);
    const entries: TraceEntryInput[] = Array.from({ length: count }, (_, i) => ({
      timestamp: Date.now(),
      campaignId: id,
      orderId: `ord-${n}-${i}`,
      fillId: "",
      clientOrderId: `cid-${n}-${i}`,
      venue: "alpha",
      pair: "BTC/USDT",
      side: i % 2 === 0 ? "buy" : "sell",
      price: "30000",
      size: "0.01",
      fee: "0.3",
      feeAsset: "USDT",
      source: "cex",
      minPrice: "29000",
      maxPrice: "31000",
    }));
    return (await poster.post({ campaignId: id, entries })).receiptId;
  }

  it("tick_demandsOnOwnReceipt_revealsDistinctLeavesOnceEvenAfterRestart", async () => {
    const receiptId = await postReceipt(2);
    const journal = new Journal(join(dir, "journal.db"));
    const responder = new DemandResponder({ chain: keeper, store, journal, log, fromBlock: sys.deployBlock });
    // Two demands for the same receipt (both indexes): each needs its own real leaf.
    await (await challenger.desk.demandLeaf(receiptId, 1)).wait();
    await (await challenger.desk.demandLeaf(receiptId, 0)).wait();
    const operator = await keeper.reputation.operatorOf(keeper.account);
    const before = await keeper.asset.balanceOf(operator);
    assert.equal(await responder.tick(), 2);
    const [a, b] = [await keeper.desk.demandOf(1n), await keeper.desk.demandOf(2n)];
    assert.equal(a.status, 2n, "Revealed");
    assert.equal(b.status, 2n, "Revealed");
    assert.notEqual(a.leafHash, b.leafHash, "two distinct leaves");
    assert.equal(await keeper.asset.balanceOf(operator), before + 2n * DATA_BOND, "the bonds paid the operator");
    assert.equal(await keeper.reputation.receiptDisputeState(receiptId), 0n);
    // Idempotent: another tick, and a restarted responder on the same journal, send nothing.
    assert.equal(await responder.tick(), 0);
    journal.close();
    const reopened = new Journal(join(dir, "journal.db"));
    const again = new DemandResponder({ chain: keeper, store, journal: reopened, log, fromBlock: sys.deployBlock });
    assert.equal(await again.tick(), 0);
    assert.deepEqual(again.openDemands(), []);
    reopened.close();
  });

  it("tick_demandOnAnotherKeepersReceipt_ignored", async () => {
    const receiptId = await postReceipt(1);
    const other = await sys.onboardKeeper(1);
    const journal = new Journal(join(dir, "other.db"));
    const responder = new DemandResponder({ chain: other, store, journal, log, fromBlock: sys.deployBlock });
    await (await challenger.desk.demandLeaf(receiptId, 0)).wait();
    assert.equal(await responder.tick(), 0);
    assert.deepEqual(responder.openDemands(), []);
    journal.close();
  });
});

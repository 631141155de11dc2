import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EvmChainAdapter } from "../chain/evm.js";
import { localSystem, type LocalSystem } from "../chain/testing/local-system.js";
import { campaignSpecFromNames } from "../campaign/id.js";
import { verifyLeafOnChain } from "./post.js";
import { RecordingReceiptPoster, type CampaignTrace } from "./poster.js";
import { proveTraceLeafFromStore, receiptDomain } from "./receipt.js";
import { loadSealedReceipt, sealCampaign } from "./seal.js";
import { ReceiptClaimNotLiveError } from "./errors.js";
import { LocalDirectoryStore } from "./store/local.js";
import { TraceWriter } from "./trace-writer.js";
import { Writable } from "node:stream";
import pino from "pino";

let n = 0;
/** A race campaign published and claimed by `chain` (window 3000..3100, open for an hour). */
async function claimedCampaign(chain: EvmChainAdapter): Promise<string> {
  const now = await chain.now();
  n++;
  const spec = campaignSpecFromNames({
    assetPair: `R${n}/USDC`,
    priceWindow: {
      minPrice: 3_000n * 10n ** 8n,
      maxPrice: 3_100n * 10n ** 8n,
      notBefore: now - 1n,
      notAfter: now + 3_600n,
    },
    route: { strategyId: "arbitrage", sourceVenue: "alpha", targetVenue: "beta" },
  });
  await chain.publishCampaign(spec, { mode: "race" });
  const id = chain.campaignIdOf(spec);
  assert.equal((await chain.claimCampaign(id)).claimed, true);
  return id;
}

/** Two fills (buy on beta, sell on alpha) as the arbitrage execution hands them to the poster. */
function traceOf(campaignId: string): CampaignTrace {
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

describe("RecordingReceiptPoster", () => {
  let sys: LocalSystem;
  let chain: EvmChainAdapter;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "poster-"));
    sys = await localSystem();
    chain = await sys.onboardKeeper(0);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("post_sameCampaignTwice_returnsTheSameReceiptSendsNothingAndCidResolves", async () => {
    const dataDir = join(dir, "twice");
    const poster = new RecordingReceiptPoster(chain, { dataDir });
    const id = await claimedCampaign(chain);
    const first = await poster.post(traceOf(id));
    assert.ok(first.txHash, "first post sends a transaction");
    const again = await poster.post(traceOf(id));
    assert.deepEqual(again, { receiptId: first.receiptId }, "second post: same id, nothing sent");

    const posted = await chain.receipts.getReceipt(first.receiptId);
    assert.equal(posted.leafCount, 2n);
    const store = new LocalDirectoryStore(join(dataDir, "store"));
    assert.ok(await store.has(posted.cid));
    for (const seq of [0, 1]) {
      const proof = await proveTraceLeafFromStore(store, posted.cid, seq);
      assert.equal(await verifyLeafOnChain(chain.receipts, first.receiptId, proof), true);
    }
  });

  it("post_concurrentCampaigns_postedOneAtATimeWithConsecutiveNonces", async () => {
    const poster = new RecordingReceiptPoster(chain, { dataDir: join(dir, "concurrent") });
    const ids = [await claimedCampaign(chain), await claimedCampaign(chain), await claimedCampaign(chain)];
    const before = await chain.receipts.nonceOf(chain.account);
    const posted = await Promise.all(ids.map((id) => poster.post(traceOf(id))));
    assert.equal(new Set(posted.map((p) => p.receiptId)).size, 3);
    assert.equal(await chain.receipts.nonceOf(chain.account), before + 3n);
  });

  it("post_crashBetweenSealAndPost_restartPostsTheSealedReceiptFirstWithItsNonce", async () => {
    const dataDir = join(dir, "crash");
    const traceDir = join(dataDir, "traces");
    const store = new LocalDirectoryStore(join(dataDir, "store"));
    const a = await claimedCampaign(chain);
    const b = await claimedCampaign(chain);
    // The crashed run: A's fills recorded and its receipt sealed with the registry's next nonce, never posted.
    const nonce = await chain.receipts.nonceOf(chain.account);
    const writer = await TraceWriter.open(traceDir, a);
    for (const e of traceOf(a).entries) await writer.append(e);
    await writer.close();
    const { sealed } = await sealCampaign({
      traceDir,
      campaignId: a,
      store,
      units: { depositAsset: "USDC" },
      signer: chain.sender.signer,
      domain: receiptDomain(chain.chainId, chain.addresses.receipts),
      nonce,
    });

    // After the restart the next campaign (B) comes first: A's sealed receipt takes its nonce, B the next one.
    const restarted = new RecordingReceiptPoster(chain, { dataDir });
    const postedB = await restarted.post(traceOf(b));
    const idA = await chain.receiptIdByRoot(sealed.receipt.traceRoot);
    assert.notEqual(idA, 0n, "A's sealed receipt was posted");
    assert.ok(idA < postedB.receiptId);
    assert.equal(await chain.receipts.nonceOf(chain.account), nonce + 2n);
    assert.equal((await loadSealedReceipt(traceDir, b))?.nonce, nonce + 1n);

    // A's campaign resumes: the sealed receipt is found on chain, its id returned, nothing signed or sent again.
    assert.deepEqual(await restarted.post(traceOf(a)), { receiptId: idA });
    assert.deepEqual((await loadSealedReceipt(traceDir, a))?.signature, sealed.signature);
    assert.equal(await chain.receipts.nonceOf(chain.account), nonce + 2n);
  });

  it("rcpt_post_sealedReceiptWhoseClaimLapsed_neverSentNextReceiptTakesItsNonceNoErrorLogged", async () => {
    const dataDir = join(dir, "lapsed");
    const lines: { level: number; msg: string }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(JSON.parse(String(chunk)) as { level: number; msg: string });
        cb();
      },
    });
    const poster = new RecordingReceiptPoster(chain, { dataDir, log: pino({ level: "info" }, sink) });
    const a = await claimedCampaign(chain);
    const nonce = await chain.receipts.nonceOf(chain.account);
    // A's claim lapses before its receipt is posted: sealed, then refused here without a transaction.
    await sys.advance(Number((await chain.getCampaign(a)).claimDeadline - (await chain.now())) + 5);
    const txs = await sys.provider.getTransactionCount(chain.account);
    await assert.rejects(poster.post(traceOf(a)), ReceiptClaimNotLiveError);
    const sealedA = await loadSealedReceipt(join(dataDir, "traces"), a);
    assert.equal(sealedA?.nonce, nonce);
    assert.equal(await sys.provider.getTransactionCount(chain.account), txs, "nothing sent for A");

    // The next campaign's receipt: A's (pending, same nonce) is not sent; B takes the nonce; no error line.
    const b = await claimedCampaign(chain);
    const txsB = await sys.provider.getTransactionCount(chain.account);
    const posted = await poster.post(traceOf(b));
    assert.equal((await loadSealedReceipt(join(dataDir, "traces"), b))?.nonce, nonce);
    assert.equal(await chain.receipts.nonceOf(chain.account), nonce + 1n);
    assert.equal((await chain.receipts.getReceipt(posted.receiptId)).campaignId.toLowerCase(), b.toLowerCase());
    assert.equal(await chain.receiptIdByRoot(sealedA!.receipt.traceRoot), 0n);
    assert.equal(await sys.provider.getTransactionCount(chain.account), txsB + 1, "only B's post was sent");
    assert.deepEqual(
      lines.filter((l) => l.level >= 50),
      [],
    );
  });
});

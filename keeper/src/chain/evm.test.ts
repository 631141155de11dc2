import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { encodeBytes32String, keccak256, toUtf8Bytes, ZeroAddress } from "ethers";
import { campaignSpecFromNames, type CampaignSpec } from "../campaign/id.js";
import { ChainRevertError } from "./errors.js";
import { parameterKey } from "./parameters.js";
import { localSystem, type LocalSystem } from "./testing/local-system.js";
import { LeafReceiptPoster, treeOf, type TradeLeaf } from "./testing/receipt-poster.js";

let counter = 0;
async function spec(sys: LocalSystem, strategy = "arbitrage"): Promise<CampaignSpec> {
  const now = await (await sys.adapter(0)).now();
  counter++;
  return campaignSpecFromNames({
    assetPair: "ETH/USDC",
    priceWindow: {
      minPrice: 3_000n * 10n ** 8n,
      maxPrice: 3_100n * 10n ** 8n + BigInt(counter),
      notBefore: now - 1n,
      notAfter: now + 3_600n,
    },
    route: { strategyId: strategy, sourceVenue: "binance", targetVenue: "uniswap-v2" },
  });
}

function leaves(campaignId: string, n: number, salt: string): TradeLeaf[] {
  return Array.from({ length: n }, (_, i) => ({
    campaignId,
    timestamp: 1_764_000_000n + BigInt(i),
    executionId: keccak256(toUtf8Bytes(`order ${campaignId} ${salt} ${i}`)),
    venue: encodeBytes32String("binance"),
    side: i % 2,
    price: 3_050n * 10n ** 8n,
    size: 10n ** 16n,
    fee: 1_000n,
    minPrice: 3_000n * 10n ** 8n,
    maxPrice: 3_100n * 10n ** 8n,
  }));
}

describe("EvmChainAdapter", () => {
  let sys: LocalSystem;
  before(async () => {
    sys = await localSystem();
    await sys.onboardKeeper(0);
    await sys.onboardKeeper(1);
  });

  it("keeperStatus_onboardedKeeper_isBoundAttestedAndEligible", async () => {
    const k = await sys.adapter(1);
    const s = await k.keeperStatus();
    assert.equal(s.operator, (await sys.adapter(5)).account);
    assert.equal(s.attested, true);
    assert.equal(s.eligible, true);
    assert.ok(s.lastSeen > 0n);
    assert.ok(s.operatorActiveStake >= 1_000n * 10n ** 6n);
    const stranger = await k.keeperStatus((await sys.adapter(8)).account);
    assert.equal(stranger.operator, ZeroAddress);
    assert.equal(stranger.eligible, false);
  });

  it("publishCampaign_newThenKnownId_createdOnceAndIdMatchesChain", async () => {
    const k = await sys.adapter(1);
    const s = await spec(sys);
    const first = await k.publishCampaign(s, { mode: "race" });
    assert.equal(first.created, true);
    assert.equal(first.id, await k.campaigns.campaignIdOf(s, 0, 0, []));
    const again = await k.publishCampaign(s, { mode: "race" });
    assert.equal(again.created, false);
    const c = await k.getCampaign(first.id);
    assert.equal(c.status, "open");
    assert.equal(c.mode, "race");
    assert.equal(c.publisher, k.account);
  });

  it("claimCampaign_secondClaimer_getsTakenNotAnError", async () => {
    const [a, b] = [await sys.adapter(1), await sys.adapter(2)];
    const { id } = await a.publishCampaign(await spec(sys), { mode: "race" });
    const won = await b.claimCampaign(id);
    assert.equal(won.claimed, true);
    const lost = await a.claimCampaign(id);
    assert.deepEqual(lost.claimed ? "claimed" : lost.reason, "taken");
    assert.equal((await a.getCampaign(id)).claimant, b.account);
  });

  it("claimCampaign_unknownId_refusedAsUnknown", async () => {
    const r = await (await sys.adapter(1)).claimCampaign(keccak256(toUtf8Bytes("no such campaign")));
    assert.equal(r.claimed ? "claimed" : r.reason, "unknown");
  });

  it("settleCampaign_claimantWithPostedReceipt_settlesAndLoserIsRecorded", async () => {
    const [a, b] = [await sys.adapter(1), await sys.adapter(2)];
    const { id } = await a.publishCampaign(await spec(sys), { mode: "race" });
    assert.equal((await a.claimCampaign(id)).claimed, true);
    const poster = new LeafReceiptPoster(a);
    const receipt = {
      campaignId: id,
      leaves: leaves(id, 3, "a"),
      summary: { volume: 1n, avgPrice: 3_050n * 10n ** 8n, pnl: 5n },
      cid: "bafy-test",
    };
    const posted = await a.postReceipt(poster, receipt);
    assert.ok(posted.receiptId > 0n);
    // Idempotent on the trace root: a re-post (after a crash) returns the same id and sends nothing.
    assert.equal((await a.postReceipt(poster, receipt)).receiptId, posted.receiptId);
    const r = await a.getReceipt(posted.receiptId);
    assert.equal(r.traceRoot, treeOf(receipt.leaves).root);
    assert.equal(r.keeper, a.account);
    const settled = await a.settleCampaign(id, posted.receiptId);
    assert.equal(settled.settled, true);
    const c = await a.getCampaign(id);
    assert.equal(c.status, "settled");
    assert.equal(c.settledReceiptId, posted.receiptId);
    const late = await b.claimCampaign(id);
    assert.equal(late.claimed ? "claimed" : late.reason, "settled");
  });

  it("submitVerifiedQuote_signerWithoutVerifierRole_revertsDecoded", async () => {
    const k = await sys.adapter(1);
    await assert.rejects(
      k.submitVerifiedQuote({
        keeper: k.account,
        quoteHash: keccak256(toUtf8Bytes("self-attested")),
        teeType: 2,
        measurementHash: keccak256(toUtf8Bytes("m")),
        tcbStatus: 0,
        reportData: `0x${"00".repeat(64)}`,
        verifiedAt: await k.now(),
      }),
      (err: unknown) => err instanceof ChainRevertError && err.reason === "AttestationRegistryVerifierNotApproved",
    );
  });

  it("parameterChanges_governanceChange_isSeenAfterSnapshot", async () => {
    const k = await sys.adapter(1);
    const snap = await k.parametersSnapshot();
    assert.equal(snap.values["campaignRateLimitCount"], 10n);
    const gov = await sys.adapter(0);
    const params = (await import("../../../types/ethers-contracts/index.js")).Parameters__factory.connect(
      sys.addresses.parameters,
      gov.sender.signer,
    );
    const data = params.interface.encodeFunctionData("set", [parameterKey("campaignRateLimitCount"), 4n]);
    await gov.sender.send("set rate limit", { to: sys.addresses.parameters, data });
    const changes = await k.parameterChanges();
    assert.deepEqual(
      changes.map((c) => [c.name, c.newValue]),
      [["campaignRateLimitCount", 4n]],
    );
    assert.deepEqual(await k.parameterChanges(), []);
    await gov.sender.send("restore rate limit", {
      to: sys.addresses.parameters,
      data: params.interface.encodeFunctionData("set", [parameterKey("campaignRateLimitCount"), 10n]),
    });
  });
});

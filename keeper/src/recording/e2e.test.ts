import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import hre from "hardhat";
import { encodeBytes32String } from "ethers";
import { deploySystem } from "../../../scripts/lib/system.js";
import type {
  AttestationRegistry,
  CampaignRegistry,
  DisputeDesk,
  Parameters,
  ReceiptRegistry,
  ReputationOracle,
  TestStablecoin,
} from "../../../types/ethers-contracts/index.js";
import { DEVELOPMENT_MEASUREMENT, DevelopmentQuoteProvider } from "../attestation/development.js";
import { developmentAttestationRecord } from "../attestation/record.js";
import { buildReportData } from "../attestation/report-data.js";
import { signForRegistry, submitVerifiedAttestation } from "../attestation/submit.js";
import { campaignId as computeCampaignId, campaignSpecFromNames } from "../campaign/id.js";
import { RecordingError } from "./errors.js";
import {
  challengeDuplicateExecution,
  challengePriceOutOfBound,
  postSealedReceipt,
  receiptDomainOf,
  verifyLeafOnChain,
  type PostedReceipt,
} from "./post.js";
import { checkReceiptAgainstStore, proveTraceLeafFromStore } from "./receipt.js";
import { sealCampaign, type SealedReceipt } from "./seal.js";
import { LocalDirectoryStore } from "./store/local.js";
import { boundsOfPriceWindow, type TraceEntryInput } from "./trace.js";
import { TraceWriter } from "./trace-writer.js";

/**
 * End to end on an in-process chain, through the real deploy path: a keeper onboarded for real (operator stake,
 * two-step binding, development quote attested by a verifier with the keeper's attestation code), a campaign
 * published and claimed, a trace recorded with the keeper's trace writer, sealed, signed and posted with the
 * keeper's code; the registry accepts the signature, `verifyLeaf` accepts a keeper-made proof, and a
 * keeper-made proof of a deliberately bad trade is accepted as `PriceOutOfBound` evidence and upheld.
 */
const dir = mkdtempSync(join(tmpdir(), "recording-e2e-"));
after(async () => rm(dir, { recursive: true, force: true }));

const key = encodeBytes32String;
const USD8 = 10n ** 8n;
const UNITS = { depositAsset: "USDC", depositDecimals: 6 };

async function setup() {
  const conn = await hre.network.create();
  const { ethers } = conn;
  const system = await deploySystem(ethers, { local: true, handOverToTimelock: false });
  const c = <T>(name: string) => system[name]!.contract as unknown as T;
  const params = c<Parameters>("Parameters");
  const asset = c<TestStablecoin>("DepositAsset");
  const attestations = c<AttestationRegistry>("AttestationRegistry");
  const receipts = c<ReceiptRegistry>("ReceiptRegistry");
  const reputation = c<ReputationOracle>("ReputationOracle");
  const desk = c<DisputeDesk>("DisputeDesk");
  const campaigns = c<CampaignRegistry>("CampaignRegistry");
  const [governance, keeper, operator, verifier, challenger, relayer] = await ethers.getSigners();
  const { chainId } = await ethers.provider.getNetwork();
  const now = async () => BigInt((await ethers.provider.getBlock("latest"))!.timestamp);

  // Governance (the deployer on a local chain): allowlist the development measurement, approve the verifier.
  await (await params.setMeasurementAllowed(DEVELOPMENT_MEASUREMENT, true)).wait();
  await (await attestations.grantRole(await attestations.VERIFIER_ROLE(), verifier!.address)).wait();

  // Operator stakes three times the minimum (it survives one slash) and binds the keeper (both consent).
  const stake = 3n * (await params.get(key("minStake")));
  await (await asset.connect(operator).approve(await reputation.getAddress(), stake)).wait();
  await (await reputation.connect(operator).stake(stake)).wait();
  await (await reputation.connect(operator).proposeKeeper(keeper!.address)).wait();
  await (await reputation.connect(keeper).acceptOperator(operator!.address)).wait();

  // Attestation: the keeper's (development) quote binds its address; the verifier records and signs it.
  const quote = await new DevelopmentQuoteProvider({ chainId: Number(chainId) }).getQuote(
    buildReportData(keeper!.address),
  );
  const record = developmentAttestationRecord(quote.quote, {
    chainId: Number(chainId),
    expectedAddress: keeper!.address,
    verifiedAt: await now(),
  });
  const signedAttestation = await signForRegistry(attestations, verifier!, record);
  await submitVerifiedAttestation(attestations.connect(relayer), signedAttestation);
  const attested = await attestations.isAttested(keeper!.address);
  await (await reputation.connect(keeper).heartbeat()).wait();
  const eligible = await reputation.isEligible(keeper!.address);

  const store = new LocalDirectoryStore(join(dir, "store"));
  const traceDir = join(dir, "traces");
  const domain = await receiptDomainOf(receipts);

  /** Publishes and claims a campaign as the keeper, records `fills` with the trace writer, seals and posts. */
  async function runCampaign(strategy: string, fills: Partial<TraceEntryInput>[]) {
    const t0 = await now();
    const spec = campaignSpecFromNames({
      assetPair: "ETH/USDC",
      priceWindow: { minPrice: 3_000n * USD8, maxPrice: 3_100n * USD8, notBefore: t0 - 1n, notAfter: t0 + 3_600n },
      route: { strategyId: strategy, sourceVenue: "binance", targetVenue: "uniswap-v2" },
    });
    const id = computeCampaignId(spec);
    const idOnChain = await campaigns.campaignIdOf(spec, 0, 0, []);
    await (await campaigns.connect(keeper).publish(spec, 0, 0, [])).wait();
    await (await campaigns.connect(keeper).claim(id)).wait();
    const entries = fills.map((f, i) => ({
      timestamp: Number(t0) * 1000 + i * 250,
      campaignId: id,
      orderId: `bn-${strategy}-${i}`,
      clientOrderId: `k1-${strategy}-${i}`,
      venue: "binance",
      pair: "ETH/USDC",
      side: "buy" as const,
      size: "0.5",
      fee: "0",
      feeAsset: "USDC",
      source: "cex" as const,
      price: "3050",
      ...boundsOfPriceWindow(spec.priceWindow),
      ...f,
    }));
    const writer = await TraceWriter.open(traceDir, id);
    for (const e of entries) await writer.append(e);
    const replay = await writer.append(entries[0]!);
    await writer.close();
    const { sealed } = await sealCampaign({
      traceDir,
      campaignId: id,
      store,
      units: UNITS,
      signer: keeper!,
      domain,
      nonce: await receipts.nonceOf(keeper!.address),
    });
    const posted = await postSealedReceipt(receipts.connect(relayer), sealed);
    return { id, idOnChain, sealed, posted, replayWasDuplicate: replay.duplicate };
  }

  // Campaign 1: five fills; fill 3 deliberately outside the window, fill 1 a DEX swap (tx hash + log index).
  const first = await runCampaign("arbitrage", [
    { side: "buy", price: "3050", size: "0.5", fee: "0.0005", feeAsset: "ETH" },
    {
      side: "sell",
      price: "3062.5",
      size: "0.5",
      fee: "0.9",
      venue: "uniswap-v2",
      source: "dex",
      orderId: `0x${"ab".repeat(32)}`,
      fillId: "3",
    },
    { side: "buy", price: "3001.25", size: "1.25", fee: "1.2" },
    { side: "sell", price: "2950", size: "1.25", fee: "-0.3" },
    { side: "buy", price: "3100", size: "0.1" },
  ]);
  // Campaign 2 (a falsified trace): it claims campaign 1's DEX fill again, next to a new fill.
  const second = await runCampaign("rebalance", [
    { side: "buy", price: "3040", size: "0.2" },
    {
      side: "sell",
      price: "3062.5",
      size: "0.5",
      fee: "0.9",
      venue: "uniswap-v2",
      source: "dex",
      orderId: `0x${"ab".repeat(32)}`,
      fillId: "3",
    },
  ]);
  const bond = await params.get(key("challengeBond"));
  await (await asset.connect(challenger).approve(await desk.getAddress(), 2n * bond)).wait();
  return {
    ethers,
    asset,
    receipts,
    reputation,
    desk,
    campaigns,
    governance: governance!,
    keeper: keeper!,
    operator: operator!,
    challenger: challenger!,
    store,
    bond,
    attested,
    eligible,
    first,
    second,
  };
}

describe("recording end to end", () => {
  let s: Awaited<ReturnType<typeof setup>>;
  before(async () => {
    s = await setup();
  });

  it("onboarding_keeperCodeAttestsAndKeeperIsEligible", () => {
    assert.equal(s.attested, true);
    assert.equal(s.eligible, true);
    assert.equal(s.first.id, s.first.idOnChain, "campaign id computed by the keeper equals the registry's");
    assert.equal(s.first.replayWasDuplicate, true, "a replayed fill is not recorded twice");
  });

  it("post_sealedKeeperReceipt_storedAsSignedAndIdempotent", async () => {
    const { receipts, keeper, campaigns } = s;
    const { sealed, posted, id }: { sealed: SealedReceipt; posted: PostedReceipt; id: string } = s.first;
    assert.equal(posted.sent, true);
    const onChain = await receipts.getReceipt(posted.receiptId);
    assert.equal(onChain.keeper, keeper.address);
    assert.equal(onChain.campaignId, id);
    assert.equal(onChain.traceRoot, sealed.receipt.traceRoot);
    assert.equal(onChain.leafCount, 5n);
    assert.equal(onChain.cid, sealed.receipt.cid);
    assert.deepEqual(
      [onChain.summary.volume, onChain.summary.avgPrice, onChain.summary.pnl],
      [sealed.receipt.summary.volume, sealed.receipt.summary.avgPrice, sealed.receipt.summary.pnl],
    );
    assert.equal(await receipts.executionHashOf(posted.receiptId), sealed.receipt.executionHash);
    // A restarted keeper posting its sealed receipt again sends nothing and gets the same id.
    assert.deepEqual(await postSealedReceipt(receipts.connect(keeper), sealed), {
      receiptId: posted.receiptId,
      sent: false,
    });
    assert.equal(await campaigns.connect(keeper).settle.staticCall(id, posted.receiptId), true);
    await (await campaigns.connect(keeper).settle(id, posted.receiptId)).wait();
  });

  it("verifyLeaf_everyProofRebuiltFromTheStore_trueAndForgedLeafFalse", async () => {
    const { receipts, store } = s;
    const { sealed, posted } = s.first;
    assert.deepEqual(await checkReceiptAgainstStore(sealed.receipt, store, UNITS), []);
    for (let seq = 0; seq < 5; seq++) {
      const p = await proveTraceLeafFromStore(store, sealed.receipt.cid, seq);
      assert.equal(await verifyLeafOnChain(receipts, posted.receiptId, p), true, `leaf ${seq}`);
    }
    const good = await proveTraceLeafFromStore(store, sealed.receipt.cid, 0);
    const forged = { ...good, leafHash: (await proveTraceLeafFromStore(store, sealed.receipt.cid, 1)).leafHash };
    assert.equal(await verifyLeafOnChain(receipts, posted.receiptId, forged), false);
  });

  it("challenge_priceOutOfBoundWithKeeperProof_acceptedAndUpheld", async () => {
    const { asset, reputation, desk, store, challenger, governance, operator, bond } = s;
    const { sealed, posted } = s.first;
    const good = await proveTraceLeafFromStore(store, sealed.receipt.cid, 0);
    await assert.rejects(challengePriceOutOfBound(desk.connect(challenger), posted.receiptId, good), RecordingError);
    const bad = await proveTraceLeafFromStore(store, sealed.receipt.cid, 3);
    const balanceBefore = await asset.balanceOf(challenger.address);
    const { disputeId } = await challengePriceOutOfBound(desk.connect(challenger), posted.receiptId, bad);
    assert.equal(await asset.balanceOf(challenger.address), balanceBefore - bond);
    const stakeBefore = (await reputation.stakeOf(operator.address)).active;
    await (await desk.connect(governance).resolve(disputeId, 1)).wait(); // Verdict.Receipt
    const slashed = stakeBefore - (await reputation.stakeOf(operator.address)).active;
    assert.ok(slashed > 0n, "the operator was slashed");
    assert.ok((await asset.balanceOf(challenger.address)) > balanceBefore, "bond back plus a whistleblower reward");
  });

  it("challenge_sameFillInTwoReceipts_duplicateExecutionAccepted", async () => {
    const { desk, store, challenger } = s;
    const dupe = await proveTraceLeafFromStore(store, s.second.sealed.receipt.cid, 1);
    const original = await proveTraceLeafFromStore(store, s.first.sealed.receipt.cid, 1);
    assert.equal(dupe.leaf[2], original.leaf[2], "same venue, order id and fill id: same executionId");
    const other = await proveTraceLeafFromStore(store, s.first.sealed.receipt.cid, 0);
    const r2 = s.second.posted.receiptId;
    const r1 = s.first.posted.receiptId;
    await assert.rejects(challengeDuplicateExecution(desk.connect(challenger), r2, dupe, r1, other), RecordingError);
    await assert.rejects(challengeDuplicateExecution(desk.connect(challenger), r2, dupe, r2, dupe), RecordingError);
    const { disputeId } = await challengeDuplicateExecution(desk.connect(challenger), r2, dupe, r1, original);
    const dispute = await desk.disputeOf(disputeId);
    assert.equal(dispute.receiptId, r2);
    assert.equal(dispute.otherReceiptId, r1);
    assert.equal(dispute.kind, 1n);
    assert.equal(dispute.status, 1n, "pending until the arbiter rules which receipt is at fault");
  });
});

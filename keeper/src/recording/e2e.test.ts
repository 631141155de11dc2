import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import hre from "hardhat";
import { encodeBytes32String } from "ethers";
import { deploySystem } from "../../../scripts/lib/system.js";
import type {
  AttestationRegistry,
  CampaignRegistry,
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
import { challengePriceOutOfBound, postSealedReceipt, receiptDomainOf, verifyLeafOnChain } from "./post.js";
import { checkReceiptAgainstStore, proveTraceLeafFromStore } from "./receipt.js";
import { sealCampaign } from "./seal.js";
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

describe("recording end to end", () => {
  it("keeperTrace_postedVerifiedAndChallenged", async () => {
    const conn = await hre.network.create();
    const { ethers } = conn;
    const system = await deploySystem(ethers, { local: true });
    const c = <T>(name: string) => system[name]!.contract as unknown as T;
    const params = c<Parameters>("Parameters");
    const asset = c<TestStablecoin>("DepositAsset");
    const attestations = c<AttestationRegistry>("AttestationRegistry");
    const receipts = c<ReceiptRegistry>("ReceiptRegistry");
    const reputation = c<ReputationOracle>("ReputationOracle");
    const campaigns = c<CampaignRegistry>("CampaignRegistry");
    const [governance, keeper, operator, verifier, challenger, relayer] = await ethers.getSigners();
    const { chainId } = await ethers.provider.getNetwork();
    const now = async () => BigInt((await ethers.provider.getBlock("latest"))!.timestamp);

    // Governance (the deployer on a local chain): allowlist the development measurement, approve the verifier.
    await (await params.setMeasurementAllowed(DEVELOPMENT_MEASUREMENT, true)).wait();
    await (await attestations.grantRole(await attestations.VERIFIER_ROLE(), verifier!.address)).wait();

    // Operator stakes the minimum and binds the keeper (both consent).
    const minStake = await params.get(key("minStake"));
    await (await asset.connect(operator).approve(await reputation.getAddress(), minStake)).wait();
    await (await reputation.connect(operator).stake(minStake)).wait();
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
    assert.equal(await attestations.isAttested(keeper!.address), true);
    await (await reputation.connect(keeper).heartbeat()).wait();
    assert.equal(await reputation.isEligible(keeper!.address), true);

    // Campaign: id computed by the keeper's code equals the registry's; published and claimed by the keeper.
    const t0 = await now();
    const spec = campaignSpecFromNames({
      assetPair: "ETH/USDC",
      priceWindow: { minPrice: 3_000n * USD8, maxPrice: 3_100n * USD8, notBefore: t0 - 1n, notAfter: t0 + 3_600n },
      route: { strategyId: "arbitrage", sourceVenue: "binance", targetVenue: "uniswap-v2" },
    });
    const id = computeCampaignId(spec);
    assert.equal(await campaigns.campaignIdOf(spec), id);
    await (await campaigns.connect(keeper).publish(spec, 0, 0, [])).wait();
    await (await campaigns.connect(keeper).claim(id)).wait();

    // Trace: five fills written by the keeper's trace writer; fill 3 is deliberately outside the window.
    const bounds = boundsOfPriceWindow(spec.priceWindow);
    const traceDir = join(dir, "traces");
    const fills: TraceEntryInput[] = [
      { side: "buy", price: "3050", size: "0.5", fee: "0.0005", feeAsset: "ETH", venue: "binance", source: "cex" },
      { side: "sell", price: "3062.5", size: "0.5", fee: "0.9", feeAsset: "USDC", venue: "uniswap-v2", source: "dex" },
      { side: "buy", price: "3001.25", size: "1.25", fee: "1.2", feeAsset: "USDC", venue: "binance", source: "cex" },
      { side: "sell", price: "2950", size: "1.25", fee: "-0.3", feeAsset: "USDC", venue: "binance", source: "cex" },
      { side: "buy", price: "3100", size: "0.1", fee: "0", feeAsset: "USDC", venue: "binance", source: "cex" },
    ].map((f, i) => ({
      ...f,
      timestamp: Number(t0) * 1000 + i * 250,
      campaignId: id,
      orderId: f.source === "dex" ? `0x${(i + 1).toString(16).padStart(64, "0")}` : `bn-${1000 + i}`,
      fillId: f.source === "dex" ? "3" : "",
      clientOrderId: `k1-${i}`,
      pair: "ETH/USDC",
      side: f.side as "buy" | "sell",
      source: f.source as "cex" | "dex",
      ...bounds,
    }));
    const writer = await TraceWriter.open(traceDir, id);
    for (const f of fills) await writer.append(f);
    assert.equal((await writer.append(fills[1]!)).duplicate, true, "a replayed fill is not recorded twice");
    await writer.close();

    // Seal (store the document, build, sign, persist) and post with the keeper's code.
    const store = new LocalDirectoryStore(join(dir, "store"));
    const domain = await receiptDomainOf(receipts);
    const { sealed } = await sealCampaign({
      traceDir,
      campaignId: id,
      store,
      units: UNITS,
      signer: keeper!,
      domain,
      nonce: await receipts.nonceOf(keeper!.address),
    });
    assert.equal(sealed.receipt.leafCount, 5);
    const posted = await postSealedReceipt(receipts.connect(relayer), sealed);
    assert.equal(posted.sent, true);
    const onChain = await receipts.getReceipt(posted.receiptId);
    assert.equal(onChain.keeper, keeper!.address);
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

    // Anyone with the CID rebuilds the trace, checks the receipt and proves any leaf on-chain.
    assert.deepEqual(await checkReceiptAgainstStore(sealed.receipt, store, UNITS), []);
    for (let seq = 0; seq < 5; seq++) {
      const p = await proveTraceLeafFromStore(store, onChain.cid, seq);
      assert.equal(await verifyLeafOnChain(receipts, posted.receiptId, p), true, `leaf ${seq}`);
    }
    const good = await proveTraceLeafFromStore(store, onChain.cid, 0);
    const forged = { ...good, leafHash: (await proveTraceLeafFromStore(store, onChain.cid, 1)).leafHash };
    assert.equal(await verifyLeafOnChain(receipts, posted.receiptId, forged), false);

    // Whistleblower: a keeper-made proof of the bad fill is accepted as evidence; an in-bound leaf is refused.
    const bond = await params.get(key("challengeBond"));
    await (await asset.connect(challenger).approve(await reputation.getAddress(), bond)).wait();
    await assert.rejects(
      challengePriceOutOfBound(reputation.connect(challenger), posted.receiptId, good),
      RecordingError,
    );
    const bad = await proveTraceLeafFromStore(store, onChain.cid, 3);
    const balanceBefore = await asset.balanceOf(challenger!.address);
    const { disputeId } = await challengePriceOutOfBound(reputation.connect(challenger), posted.receiptId, bad);
    assert.equal(await asset.balanceOf(challenger!.address), balanceBefore - bond);
    const stakeBefore = (await reputation.stakeOf(operator!.address)).active;
    await (await reputation.connect(governance).resolve(disputeId, true)).wait();
    const slashed = stakeBefore - (await reputation.stakeOf(operator!.address)).active;
    assert.ok(slashed > 0n, "the operator was slashed");
    assert.ok((await asset.balanceOf(challenger!.address)) > balanceBefore, "bond back plus a whistleblower reward");
  });
});

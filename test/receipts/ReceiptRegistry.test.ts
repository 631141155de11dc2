import { expect } from "chai";
import { network } from "hardhat";
import { TypedDataEncoder, getBytes, keccak256 } from "ethers";
import {
  deployTrust,
  onboard,
  publishRace,
  traceFor,
  receiptInput,
  signReceipt,
  postReceipt,
  RECEIPT_TYPES,
  type Trust,
} from "../helpers/trust.js";

const { ethers, networkHelpers } = await network.create();

/** Gas budget of `post`, whatever the number of trades. */
const POST_GAS_BUDGET = 370_000n;

async function claimedFixture() {
  const t: Trust = await deployTrust(ethers);
  const [k0, k1, k2] = t.keepers;
  await onboard(t, k0!, t.operators[0]!);
  await onboard(t, k1!, t.operators[0]!);
  await onboard(t, k2!, t.operators[1]!);
  const campaignId = await publishRace(t, k0!);
  await t.campaigns.connect(k0!).claim(campaignId);
  return { t, campaignId };
}

describe("ReceiptRegistry", function () {
  it("post_signedByClaimant_storesSequentialIdAndEmits", async function () {
    const { t, campaignId } = await networkHelpers.loadFixture(claimedFixture);
    const k0 = t.keepers[0]!;
    const trace = traceFor(campaignId, 3);
    const input = await receiptInput(t, k0.address, campaignId, trace);
    const sig = await signReceipt(t, k0, input);
    await expect(t.receipts.connect(k0).post(input, sig))
      .to.emit(t.receipts, "ReceiptPosted")
      .withArgs(
        1n,
        k0.address,
        campaignId,
        trace.root,
        trace.executionHash,
        3n,
        [input.summary.volume, input.summary.avgPrice, input.summary.pnl],
        input.cid,
        t.chainId,
      );
    const r = await t.receipts.getReceipt(1n);
    expect(r.keeper).to.equal(k0.address);
    expect(r.traceRoot).to.equal(trace.root);
    expect(r.leafCount).to.equal(3n);
    expect(r.cid).to.equal(input.cid);
    expect(r.summary.pnl).to.equal(input.summary.pnl);
    expect(r.postedAt).to.equal(BigInt(await networkHelpers.time.latest()));
    expect(await t.receipts.executionHashOf(1n)).to.equal(trace.executionHash);
    expect(await t.receipts.nonceOf(k0.address)).to.equal(1n);
    expect(await t.receipts.lastPostedAt(k0.address)).to.equal(r.postedAt);
    expect(await t.receipts.receiptIdByRoot(trace.root)).to.equal(1n);
    expect(await t.receipts.receiptIdByExecutionHash(trace.executionHash)).to.equal(1n);
  });

  it("hashReceipt_matchesEthersTypedDataHash", async function () {
    const { t, campaignId } = await networkHelpers.loadFixture(claimedFixture);
    const input = await receiptInput(t, t.keepers[0]!.address, campaignId, traceFor(campaignId, 2));
    const domain = {
      name: "ReceiptRegistry",
      version: "1",
      chainId: t.chainId,
      verifyingContract: await t.receipts.getAddress(),
    };
    expect(await t.receipts.hashReceipt(input)).to.equal(TypedDataEncoder.hash(domain, RECEIPT_TYPES, input));
  });

  it("post_relayedByStranger_accepted", async function () {
    const { t, campaignId } = await networkHelpers.loadFixture(claimedFixture);
    await postReceipt(t, t.keepers[0]!, campaignId, traceFor(campaignId, 1), t.stranger);
    expect((await t.receipts.getReceipt(1n)).keeper).to.equal(t.keepers[0]!.address);
  });

  it("post_signedBySomeoneElse_reverts", async function () {
    const { t, campaignId } = await networkHelpers.loadFixture(claimedFixture);
    const input = await receiptInput(t, t.keepers[0]!.address, campaignId, traceFor(campaignId, 1));
    const forged = await signReceipt(t, t.stranger, input);
    await expect(t.receipts.post(input, forged))
      .to.be.revertedWithCustomError(t.receipts, "ReceiptRegistryBadSignature")
      .withArgs(t.keepers[0]!.address, t.stranger.address);
  });

  it("post_replayedSignature_reverts", async function () {
    const { t, campaignId } = await networkHelpers.loadFixture(claimedFixture);
    const k0 = t.keepers[0]!;
    const input = await receiptInput(t, k0.address, campaignId, traceFor(campaignId, 1));
    const sig = await signReceipt(t, k0, input);
    await t.receipts.post(input, sig);
    await expect(t.receipts.post(input, sig))
      .to.be.revertedWithCustomError(t.receipts, "ReceiptRegistryBadNonce")
      .withArgs(k0.address, 1n, 0n);
  });

  it("post_signatureForAnotherChain_reverts", async function () {
    const { t, campaignId } = await networkHelpers.loadFixture(claimedFixture);
    const k0 = t.keepers[0]!;
    const input = await receiptInput(t, k0.address, campaignId, traceFor(campaignId, 1));
    const sig = await signReceipt(t, k0, input, { chainId: t.chainId + 1n });
    await expect(t.receipts.post(input, sig)).to.be.revertedWithCustomError(t.receipts, "ReceiptRegistryBadSignature");
  });

  it("post_signatureForAnotherContract_reverts", async function () {
    const { t, campaignId } = await networkHelpers.loadFixture(claimedFixture);
    const k0 = t.keepers[0]!;
    const other = await ethers.deployContract("ReceiptRegistry", [await t.attestations.getAddress(), t.governance]);
    const input = await receiptInput(t, k0.address, campaignId, traceFor(campaignId, 1));
    const sig = await signReceipt(t, k0, input, { verifyingContract: await other.getAddress() });
    await expect(t.receipts.post(input, sig)).to.be.revertedWithCustomError(t.receipts, "ReceiptRegistryBadSignature");
  });

  it("post_keeperNotAttested_reverts", async function () {
    const { t, campaignId } = await networkHelpers.loadFixture(claimedFixture);
    const k0 = t.keepers[0]!;
    await t.attestations.setRevoked(k0.address, true);
    const input = await receiptInput(t, k0.address, campaignId, traceFor(campaignId, 1));
    await expect(t.receipts.post(input, await signReceipt(t, k0, input)))
      .to.be.revertedWithCustomError(t.receipts, "ReceiptRegistryNotAttested")
      .withArgs(k0.address);
  });

  it("post_forSomeoneElsesCampaign_reverts", async function () {
    const { t, campaignId } = await networkHelpers.loadFixture(claimedFixture);
    const k1 = t.keepers[1]!;
    const input = await receiptInput(t, k1.address, campaignId, traceFor(campaignId, 1));
    await expect(t.receipts.post(input, await signReceipt(t, k1, input)))
      .to.be.revertedWithCustomError(t.receipts, "ReceiptRegistryNotClaimant")
      .withArgs(campaignId, k1.address, t.keepers[0]!.address);
  });

  it("post_afterClaimExpired_reverts", async function () {
    const { t, campaignId } = await networkHelpers.loadFixture(claimedFixture);
    const k0 = t.keepers[0]!;
    await networkHelpers.time.increase(121);
    const input = await receiptInput(t, k0.address, campaignId, traceFor(campaignId, 1));
    await expect(t.receipts.post(input, await signReceipt(t, k0, input)))
      .to.be.revertedWithCustomError(t.receipts, "ReceiptRegistryNotClaimant")
      .withArgs(campaignId, k0.address, ethers.ZeroAddress);
  });

  it("post_duplicateRoot_reverts", async function () {
    const { t, campaignId } = await networkHelpers.loadFixture(claimedFixture);
    const k0 = t.keepers[0]!;
    const trace = traceFor(campaignId, 2);
    await postReceipt(t, k0, campaignId, trace);
    const input = { ...(await receiptInput(t, k0.address, campaignId, trace)), executionHash: keccak256("0x01") };
    await expect(t.receipts.post(input, await signReceipt(t, k0, input)))
      .to.be.revertedWithCustomError(t.receipts, "ReceiptRegistryDuplicateRoot")
      .withArgs(trace.root, 1n);
  });

  it("post_duplicateExecutionHash_reverts", async function () {
    const { t, campaignId } = await networkHelpers.loadFixture(claimedFixture);
    const k0 = t.keepers[0]!;
    const trace = traceFor(campaignId, 2);
    await postReceipt(t, k0, campaignId, trace);
    // Same fills, different root (e.g. another fee written in the leaves): still one execution.
    const input = { ...(await receiptInput(t, k0.address, campaignId, trace)), traceRoot: keccak256("0x02") };
    await expect(t.receipts.post(input, await signReceipt(t, k0, input)))
      .to.be.revertedWithCustomError(t.receipts, "ReceiptRegistryDuplicateExecution")
      .withArgs(trace.executionHash, 1n);
  });

  it("post_emptyTrace_reverts", async function () {
    const { t, campaignId } = await networkHelpers.loadFixture(claimedFixture);
    const k0 = t.keepers[0]!;
    const input = await receiptInput(t, k0.address, campaignId, traceFor(campaignId, 1), 0);
    await expect(t.receipts.post(input, await signReceipt(t, k0, input))).to.be.revertedWithCustomError(
      t.receipts,
      "ReceiptRegistryEmptyTrace",
    );
    for (const field of ["traceRoot", "executionHash"] as const) {
      const empty = {
        ...(await receiptInput(t, k0.address, campaignId, traceFor(campaignId, 1))),
        [field]: ethers.ZeroHash,
      };
      await expect(t.receipts.post(empty, await signReceipt(t, k0, empty))).to.be.revertedWithCustomError(
        t.receipts,
        "ReceiptRegistryEmptyTrace",
      );
    }
  });

  it("verifyLeaf_standardTreeProof_trueAndTamperedLeafFalse", async function () {
    const { t, campaignId } = await networkHelpers.loadFixture(claimedFixture);
    const trace = traceFor(campaignId, 5);
    const id = await postReceipt(t, t.keepers[0]!, campaignId, trace);
    for (const [i, values] of trace.tree.entries()) {
      expect(await t.receipts.verifyLeaf(id, trace.tree.leafHash(values), trace.tree.getProof(i))).to.equal(true);
    }
    const tampered = [...trace.tree.at(2)!];
    tampered[5] = 1n; // price
    expect(await t.receipts.verifyLeaf(id, trace.tree.leafHash(tampered), trace.tree.getProof(2))).to.equal(false);
    await expect(t.receipts.verifyLeaf(id + 1n, trace.root, []))
      .to.be.revertedWithCustomError(t.receipts, "ReceiptRegistryUnknownReceipt")
      .withArgs(id + 1n);
  });

  it("getReceipt_unknownId_reverts", async function () {
    const { t } = await networkHelpers.loadFixture(claimedFixture);
    await expect(t.receipts.getReceipt(0n)).to.be.revertedWithCustomError(t.receipts, "ReceiptRegistryUnknownReceipt");
    await expect(t.receipts.getReceipt(1n)).to.be.revertedWithCustomError(t.receipts, "ReceiptRegistryUnknownReceipt");
  });

  it("setCampaignRegistry_secondTimeOrByStranger_reverts", async function () {
    const { t } = await networkHelpers.loadFixture(claimedFixture);
    await expect(t.receipts.setCampaignRegistry(t.stranger.address))
      .to.be.revertedWithCustomError(t.receipts, "ReceiptRegistryCampaignRegistryInvalid")
      .withArgs(await t.campaigns.getAddress(), t.stranger.address);
    await expect(t.receipts.connect(t.stranger).setCampaignRegistry(t.stranger.address)).to.be.revertedWithCustomError(
      t.receipts,
      "AccessControlUnauthorizedAccount",
    );
  });

  it("post_gas_sameFor1And10000Trades", async function () {
    this.timeout(60_000);
    const { t, campaignId } = await networkHelpers.loadFixture(claimedFixture);
    const k0 = t.keepers[0]!;
    const gasFor = async (n: number) => {
      const trace = traceFor(campaignId, n, `gas ${n}`);
      const input = await receiptInput(t, k0.address, campaignId, trace);
      const tx = await t.receipts.connect(k0).post(input, await signReceipt(t, k0, input));
      const used = (await tx.wait())!.gasUsed;
      // Calldata pays 4 gas per zero byte and 16 per other byte: random hashes and the leaf count's
      // own bytes move that by a few dozen gas. Execution (everything else) must not move at all.
      const data = getBytes(tx.data);
      const calldata = data.reduce((sum, b) => sum + (b === 0 ? 4n : 16n), 0n);
      return { total: used, execution: used - 21_000n - calldata };
    };
    // Warm the keeper's slot first so both measured posts pay the same storage costs.
    await gasFor(2);
    const one = await gasFor(1);
    const many = await gasFor(10_000);
    console.log(
      `      gas: post receipt 1 trade ${one.total}, 10,000 trades ${many.total} (execution ${one.execution})`,
    );
    expect(many.execution).to.equal(one.execution);
    expect(many.total - one.total).to.be.lessThan(200n);
    expect(one.total).to.be.lessThanOrEqual(POST_GAS_BUDGET);
    expect(many.total).to.be.lessThanOrEqual(POST_GAS_BUDGET);
  });
});

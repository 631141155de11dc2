import { expect } from "chai";
import { network } from "hardhat";
import { keccak256, toUtf8Bytes } from "ethers";
import {
  deployWithKeepers,
  postFraudulentReceipt,
  withDeltas,
  publishRace,
  postReceipt,
  receiptInput,
  signReceipt,
  traceFor,
  traceOf,
  evidence,
  specFor,
  attest,
  MIN_STAKE,
  BOND,
  type Trust,
} from "../helpers/trust.js";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";

const { ethers, networkHelpers } = await network.create();

const GAS = {
  challenge: 300_000n,
  resolve: 265_000n,
  demand: 305_000n,
  reveal: 160_000n,
  finalize: 220_000n,
  duplicateChallenge: 515_000n,
  lapse: 200_000n,
};
const PRICE_OUT_OF_BOUND = 0;
const DUPLICATE_EXECUTION = 1;
const VERDICT = { Rejected: 0, Receipt: 1, Other: 2, Both: 3 };
const STATUS = { Pending: 1n, Upheld: 2n, Rejected: 3n, Lapsed: 4n };
const DAY = 86_400;
const HOUR = 3_600;
const ARBITRATION = 3 * DAY;
const DATA_BOND = 10n * 10n ** 6n;
const slashOf = (stake: bigint) => (stake * 1_000n) / 10_000n; // slashFractionBps 10%
const rewardOf = (slashed: bigint) => (slashed * 2_000n) / 10_000n; // whistleblowerShareBps 20%

async function keepersFixture() {
  const t: Trust = await deployWithKeepers(ethers);
  const desk = await t.desk.getAddress();
  for (const a of [t.challenger, t.stranger, ...t.operators, ...t.keepers]) {
    await t.asset.connect(a).approve(desk, ethers.MaxUint256);
  }
  return t;
}

/** Keeper 0 posted a receipt whose trace has out-of-bound prices at leaves 1..6 (of 8). */
async function fraudFixture() {
  const t = await keepersFixture();
  return { t, ...(await postFraudulentReceipt(t)) };
}

/** Keeper 0 posted a receipt with a random root (no leaf can ever be shown) claiming 5 trades. */
async function randomRootFixture() {
  const t = await keepersFixture();
  const k0 = t.keepers[0]!;
  const id = await publishRace(t, k0);
  await t.campaigns.connect(k0).claim(id);
  const fake = {
    root: keccak256(toUtf8Bytes("random root")),
    executionHash: keccak256(toUtf8Bytes("random executions")),
    leaves: [1, 2, 3, 4, 5],
  };
  const input = await receiptInput(t, k0.address, id, fake);
  input.summary.pnl = -25_000n * 10n ** 6n;
  await t.receipts.connect(k0).post(input, await signReceipt(t, k0, input));
  return { t, id, receiptId: await t.receipts.receiptCount() };
}

const gasOf = async (p: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>) => (await (await p).wait())!.gasUsed;

describe("DisputeDesk", function () {
  describe("disputes (M3: hold at once, arbiter deadline, independent)", function () {
    it("M3_verifiedEvidence_suspendsKeeperAtOnce", async function () {
      const { t, trace, receiptId } = await networkHelpers.loadFixture(fraudFixture);
      const k0 = t.keepers[0]!.address;
      expect(await t.reputation.isEligible(k0)).to.equal(true);
      const { tx, deltas } = await withDeltas(t, [t.challenger, t.desk], () =>
        t.desk.connect(t.challenger).challenge(receiptId, evidence(PRICE_OUT_OF_BOUND, trace, 1)),
      );
      const deadline = BigInt(await networkHelpers.time.latest()) + BigInt(ARBITRATION);
      await expect(tx)
        .to.emit(t.desk, "Challenged")
        .withArgs(1n, receiptId, t.challenger.address, PRICE_OUT_OF_BOUND, 0n, BOND, deadline);
      expect(deltas).to.deep.equal([-BOND, BOND]);
      // No draw, claim or publish from now: the keeper is on hold until the dispute ends.
      expect(await t.reputation.isEligible(k0)).to.equal(false);
      expect(await t.reputation.holdOf(k0)).to.deep.equal([1n, false]);
      expect(await t.reputation.receiptDisputeState(receiptId)).to.equal(1n);
      expect((await t.reputation.stakeOf(t.operators[0]!.address)).openDisputes).to.equal(1n);
      await expect(t.campaigns.connect(t.keepers[0]!).claim(await publishRace(t, t.keepers[2]!)))
        .to.be.revertedWithCustomError(t.campaigns, "CampaignRegistryNotEligible")
        .withArgs(k0);
    });

    it("M3_unresolvedPriceEvidence_upheldByAnyoneAfterDeadline", async function () {
      const { t, trace, receiptId } = await networkHelpers.loadFixture(fraudFixture);
      await t.desk.connect(t.challenger).challenge(receiptId, evidence(PRICE_OUT_OF_BOUND, trace, 1));
      const deadline = (await t.desk.disputeOf(1n)).deadline;
      await expect(t.desk.connect(t.stranger).enforce(1n))
        .to.be.revertedWithCustomError(t.desk, "DisputeDeskDeadlineNotReached")
        .withArgs(1n, deadline);
      await networkHelpers.time.increase(ARBITRATION);
      const slashed = slashOf(MIN_STAKE * 2n);
      const { tx, deltas } = await withDeltas(t, [t.challenger, t.governance, t.reputation, t.desk], () =>
        t.desk.connect(t.stranger).enforce(1n),
      );
      await expect(tx).to.emit(t.desk, "DisputeResolved").withArgs(1n, STATUS.Upheld, VERDICT.Receipt, slashed);
      expect(deltas).to.deep.equal([BOND + rewardOf(slashed), slashed - rewardOf(slashed), -slashed, -BOND]);
      expect(await t.reputation.receiptDisputeState(receiptId)).to.equal(2n);
      // The hold is lifted, but the recorded fraud keeps the keeper below minScore.
      expect(await t.reputation.holdOf(t.keepers[0]!.address)).to.deep.equal([0n, false]);
      expect(await t.reputation.score(t.keepers[0]!.address)).to.equal(2_000n);
      expect(await t.reputation.isEligible(t.keepers[0]!.address)).to.equal(false);
      await expect(t.desk.enforce(1n)).to.be.revertedWithCustomError(t.desk, "DisputeDeskNotPending").withArgs(1n);
    });

    it("M3_disputesAreIndependent_noQueueHead", async function () {
      const { t, trace, receiptId } = await networkHelpers.loadFixture(fraudFixture);
      const k2 = t.keepers[2]!;
      const id2 = await publishRace(t, k2, await specFor(t, { pair: "BTC/USDC" }));
      await t.campaigns.connect(k2).claim(id2);
      const bad2 = traceFor(id2, 3, "k2", 1);
      const receipt2 = await postReceipt(t, k2, id2, bad2);
      await t.desk.connect(t.challenger).challenge(receiptId, evidence(PRICE_OUT_OF_BOUND, trace, 1));
      await t.desk.connect(t.challenger).challenge(receipt2, evidence(PRICE_OUT_OF_BOUND, bad2, 1));
      // The second dispute is ruled while the first one stays open: nothing blocks it.
      await expect(t.desk.resolve(2n, VERDICT.Receipt)).to.emit(t.desk, "DisputeResolved");
      expect((await t.desk.disputeOf(1n)).status).to.equal(STATUS.Pending);
      expect((await t.desk.disputeOf(2n)).status).to.equal(STATUS.Upheld);
    });

    it("resolve_rejected_bondToOperatorAndHoldLifted", async function () {
      const { t, trace, receiptId } = await networkHelpers.loadFixture(fraudFixture);
      await t.desk.connect(t.challenger).challenge(receiptId, evidence(PRICE_OUT_OF_BOUND, trace, 1));
      const { tx, deltas } = await withDeltas(t, [t.operators[0]!, t.challenger], () =>
        t.desk.resolve(1n, VERDICT.Rejected),
      );
      await expect(tx).to.emit(t.desk, "DisputeResolved").withArgs(1n, STATUS.Rejected, VERDICT.Rejected, 0n);
      expect(deltas).to.deep.equal([BOND, 0n]);
      expect(await t.reputation.isEligible(t.keepers[0]!.address)).to.equal(true);
      expect(await t.reputation.receiptDisputeState(receiptId)).to.equal(0n);
      expect((await t.reputation.stakeOf(t.operators[0]!.address)).active).to.equal(MIN_STAKE * 2n);
    });

    it("resolve_nonArbiterOrOtherVerdictOnPriceEvidence_reverts", async function () {
      const { t, trace, receiptId } = await networkHelpers.loadFixture(fraudFixture);
      await t.desk.connect(t.challenger).challenge(receiptId, evidence(PRICE_OUT_OF_BOUND, trace, 1));
      await expect(t.desk.connect(t.stranger).resolve(1n, VERDICT.Receipt)).to.be.revertedWithCustomError(
        t.desk,
        "AccessControlUnauthorizedAccount",
      );
      await expect(t.desk.resolve(1n, VERDICT.Other))
        .to.be.revertedWithCustomError(t.desk, "DisputeDeskInvalidVerdict")
        .withArgs(1n, VERDICT.Other);
      await expect(t.desk.resolve(2n, VERDICT.Receipt))
        .to.be.revertedWithCustomError(t.desk, "DisputeDeskNotPending")
        .withArgs(2n);
    });

    it("challenge_invalidProofWithinBoundUsedOrLate_reverts", async function () {
      const { t, trace, receiptId } = await networkHelpers.loadFixture(fraudFixture);
      const wrongProof = { ...evidence(PRICE_OUT_OF_BOUND, trace, 1), proof: trace.tree.getProof(2) };
      await expect(t.desk.connect(t.challenger).challenge(receiptId, wrongProof))
        .to.be.revertedWithCustomError(t.desk, "DisputeDeskInvalidProof")
        .withArgs(receiptId);
      await expect(t.desk.connect(t.challenger).challenge(receiptId, evidence(PRICE_OUT_OF_BOUND, trace, 0)))
        .to.be.revertedWithCustomError(t.desk, "DisputeDeskEvidenceNotViolating")
        .withArgs(PRICE_OUT_OF_BOUND);
      await t.desk.connect(t.challenger).challenge(receiptId, evidence(PRICE_OUT_OF_BOUND, trace, 1));
      await expect(
        t.desk.connect(t.challenger).challenge(receiptId, evidence(PRICE_OUT_OF_BOUND, trace, 1)),
      ).to.be.revertedWithCustomError(t.desk, "DisputeDeskEvidenceUsed");
      const postedAt = (await t.receipts.getReceipt(receiptId)).postedAt;
      await networkHelpers.time.increaseTo(postedAt + BigInt(DAY) + 1n);
      await expect(t.desk.connect(t.challenger).challenge(receiptId, evidence(PRICE_OUT_OF_BOUND, trace, 2)))
        .to.be.revertedWithCustomError(t.desk, "DisputeDeskChallengeWindowClosed")
        .withArgs(receiptId, postedAt + BigInt(DAY));
    });

    it("challenge_leafDeclaresWiderBoundThanCampaign_stillViolates", async function () {
      const t = await networkHelpers.loadFixture(keepersFixture);
      const k0 = t.keepers[0]!;
      const id = await publishRace(t, k0);
      await t.campaigns.connect(k0).claim(id);
      // Price 2,000 is outside the campaign's [3,000, 3,100+] window, but the leaf claims a [0, max] bound.
      const leaves = traceFor(id, 2).leaves.map((l) => ({ ...l, price: 2_000n * 10n ** 8n, minPrice: 0n }));
      const trace = traceOf(leaves);
      const receiptId = await postReceipt(t, k0, id, trace);
      await expect(t.desk.connect(t.challenger).challenge(receiptId, evidence(PRICE_OUT_OF_BOUND, trace, 0))).to.emit(
        t.desk,
        "Challenged",
      );
    });
  });

  describe("one slash per receipt, no self-reporting profit (L2, L3)", function () {
    it("L2_threeBadLeaves_slashedOnce", async function () {
      const { t, trace, receiptId } = await networkHelpers.loadFixture(fraudFixture);
      for (const i of [1, 2, 3]) {
        await t.desk.connect(t.challenger).challenge(receiptId, evidence(PRICE_OUT_OF_BOUND, trace, i));
      }
      const stake = MIN_STAKE * 2n;
      await expect(t.desk.resolve(1n, VERDICT.Receipt))
        .to.emit(t.desk, "DisputeResolved")
        .withArgs(1n, STATUS.Upheld, VERDICT.Receipt, slashOf(stake));
      // The other two bad leaves of the same receipt take nothing more; their bonds come back.
      const { deltas } = await withDeltas(t, [t.challenger], () => t.desk.resolve(2n, VERDICT.Receipt));
      expect(deltas).to.deep.equal([BOND]);
      await expect(t.desk.resolve(3n, VERDICT.Receipt))
        .to.emit(t.desk, "DisputeResolved")
        .withArgs(3n, STATUS.Upheld, VERDICT.Receipt, 0n);
      expect((await t.reputation.stakeOf(t.operators[0]!.address)).active).to.equal(stake - slashOf(stake));
      // A fourth bad leaf is refused outright, and so is a data-availability demand.
      await expect(t.desk.connect(t.challenger).challenge(receiptId, evidence(PRICE_OUT_OF_BOUND, trace, 4)))
        .to.be.revertedWithCustomError(t.desk, "DisputeDeskReceiptSlashed")
        .withArgs(receiptId);
      await expect(t.desk.connect(t.challenger).demandLeaf(receiptId, 0))
        .to.be.revertedWithCustomError(t.desk, "DisputeDeskReceiptSlashed")
        .withArgs(receiptId);
    });

    it("L3_operatorFrontRunningOwnReceipt_getsNoWhistleblowerShare", async function () {
      const { t, trace, receiptId } = await networkHelpers.loadFixture(fraudFixture);
      const op = t.operators[0]!;
      // The operator (then one of its own keys) races the whistleblower on its own bad receipt.
      await t.desk.connect(op).challenge(receiptId, evidence(PRICE_OUT_OF_BOUND, trace, 1));
      const slashed = slashOf(MIN_STAKE * 2n);
      const { deltas } = await withDeltas(t, [op, t.governance], () => t.desk.resolve(1n, VERDICT.Receipt));
      // Bond back, no share: the whole slash goes to the slash receiver; the operator is down `slashed`.
      expect(deltas).to.deep.equal([BOND, slashed]);
      const fromKey = await fraudOfKeeper1(t);
      await t.desk.connect(t.keepers[1]!).challenge(fromKey.receiptId, evidence(PRICE_OUT_OF_BOUND, fromKey.trace, 1));
      const stakeNow = (await t.reputation.stakeOf(op.address)).active;
      const r = await withDeltas(t, [t.keepers[1]!, t.governance], () => t.desk.resolve(2n, VERDICT.Receipt));
      expect(r.deltas).to.deep.equal([BOND, slashOf(stakeNow)]);
    });
  });

  describe("answerability (H3)", function () {
    it("H3_rebindAfterFraud_stillSlashesOriginalOperator", async function () {
      const { t, trace, receiptId } = await networkHelpers.loadFixture(fraudFixture);
      const [k0] = t.keepers;
      const [op, sybil] = [t.operators[0]!, t.stranger];
      await t.desk.connect(t.challenger).challenge(receiptId, evidence(PRICE_OUT_OF_BOUND, trace, 1));
      // The finding's sequence: the operator releases the key while its receipt is in the window: refused.
      await expect(t.reputation.connect(op).removeKeeper(k0!.address)).to.be.revertedWithCustomError(
        t.reputation,
        "ReputationOracleKeyLocked",
      );
      // After the window (claim expired) the key may move to a stakeless sybil...
      await networkHelpers.time.increase(DAY + 1);
      await t.campaigns.expireStaleClaims(10);
      await t.reputation.connect(op).removeKeeper(k0!.address);
      await t.reputation.connect(sybil).proposeKeeper(k0!.address);
      await t.reputation.connect(k0!).acceptOperator(sybil.address);
      // ...but the dispute still hits the operator snapshotted into the receipt, who cannot withdraw first.
      await t.reputation.connect(op).requestUnstake(MIN_STAKE * 2n);
      await networkHelpers.time.increase(7 * DAY);
      await expect(t.reputation.connect(op).withdraw())
        .to.be.revertedWithCustomError(t.reputation, "ReputationOracleDisputesPending")
        .withArgs(op.address, 1);
      const slashed = slashOf(MIN_STAKE * 2n);
      await expect(t.desk.enforce(1n))
        .to.emit(t.reputation, "SlashedForFraud")
        .withArgs(
          op.address,
          k0!.address,
          t.challenger.address,
          slashed,
          rewardOf(slashed),
          slashed - rewardOf(slashed),
        );
      expect((await t.reputation.stakeOf(op.address)).unbonding).to.equal(MIN_STAKE * 2n - slashed);
      await expect(t.reputation.connect(op).withdraw()).to.emit(t.reputation, "Withdrawn");
    });

    it("H3_rebindWhileReceiptInWindowOrClaimHeld_reverts", async function () {
      const t = await networkHelpers.loadFixture(keepersFixture);
      const [k0] = t.keepers;
      const op = t.operators[0]!;
      const id = await publishRace(t, k0!);
      await t.campaigns.connect(k0!).claim(id);
      // A live claim locks the binding.
      await expect(t.reputation.connect(op).removeKeeper(k0!.address))
        .to.be.revertedWithCustomError(t.reputation, "ReputationOracleKeyLocked")
        .withArgs(k0!.address, 0n, 1n);
      const receiptId = await postReceipt(t, k0!, id);
      await t.campaigns.connect(k0!).settle(id, receiptId);
      // Settled: no claim, but the receipt is inside its challenge window.
      const postedAt = (await t.receipts.getReceipt(receiptId)).postedAt;
      await expect(t.reputation.connect(op).removeKeeper(k0!.address))
        .to.be.revertedWithCustomError(t.reputation, "ReputationOracleKeyLocked")
        .withArgs(k0!.address, postedAt, 0n);
      await networkHelpers.time.increaseTo(postedAt + BigInt(DAY) + 1n);
      await expect(t.reputation.connect(op).removeKeeper(k0!.address)).to.emit(t.reputation, "KeeperBound");
    });

    it("H3_releasedOrUnboundKey_cannotPost", async function () {
      const t = await networkHelpers.loadFixture(keepersFixture);
      const lone = t.stranger;
      await attest(t, lone.address);
      const id = await publishRace(t, t.keepers[0]!);
      const input = await receiptInput(t, lone.address, id, traceFor(id, 2));
      await expect(t.receipts.connect(lone).post(input, await signReceipt(t, lone, input)))
        .to.be.revertedWithCustomError(t.receipts, "ReceiptRegistryUnbound")
        .withArgs(lone.address);
    });

    it("post_snapshotsOperatorIntoReceipt", async function () {
      const { t, receiptId } = await networkHelpers.loadFixture(fraudFixture);
      expect((await t.receipts.getReceipt(receiptId)).operator).to.equal(t.operators[0]!.address);
    });
  });

  describe("data availability (H2: a random root is never free)", function () {
    it("H2_randomRoot_isSlashedByDataAvailability", async function () {
      const { t, receiptId } = await networkHelpers.loadFixture(randomRootFixture);
      const op = t.operators[0]!.address;
      const { tx, deltas } = await withDeltas(t, [t.challenger], () =>
        t.desk.connect(t.challenger).demandLeaf(receiptId, 3),
      );
      const deadline = BigInt(await networkHelpers.time.latest()) + BigInt(HOUR);
      await expect(tx)
        .to.emit(t.desk, "LeafDemanded")
        .withArgs(1n, receiptId, t.challenger.address, 3n, DATA_BOND, deadline);
      expect(deltas).to.deep.equal([-DATA_BOND]);
      // A demand is not evidence: the keeper stays eligible, the receipt is pending for the capital book.
      expect(await t.reputation.isEligible(t.keepers[0]!.address)).to.equal(true);
      expect(await t.reputation.receiptDisputeState(receiptId)).to.equal(1n);
      await expect(t.desk.finalizeDemand(1n))
        .to.be.revertedWithCustomError(t.desk, "DisputeDeskRevealWindowOpen")
        .withArgs(1n, deadline);
      await networkHelpers.time.increase(HOUR + 1);
      const slashed = slashOf(MIN_STAKE * 2n);
      const r = await withDeltas(t, [t.challenger, t.governance], () => t.desk.connect(t.stranger).finalizeDemand(1n));
      await expect(r.tx).to.emit(t.desk, "DemandFinalised").withArgs(1n, receiptId, slashed);
      expect(r.deltas).to.deep.equal([DATA_BOND + rewardOf(slashed), slashed - rewardOf(slashed)]);
      expect((await t.reputation.stakeOf(op)).active).to.equal(MIN_STAKE * 2n - slashed);
      expect(await t.reputation.receiptDisputeState(receiptId)).to.equal(2n);
      expect(await t.reputation.isEligible(t.keepers[0]!.address)).to.equal(false);
      // Once per receipt: the other leaves cannot be demanded into a second slash.
      await expect(t.desk.connect(t.challenger).demandLeaf(receiptId, 4)).to.be.revertedWithCustomError(
        t.desk,
        "DisputeDeskReceiptSlashed",
      );
    });

    it("revealLeaf_realLeaf_bondPaysOperatorAndLeafBecomesEvidence", async function () {
      const { t, trace, receiptId } = await networkHelpers.loadFixture(fraudFixture);
      const op = t.operators[0]!;
      const postedAt = (await t.receipts.getReceipt(receiptId)).postedAt;
      // Demanded just before the window closes, answered after: the revealed bad leaf is still usable.
      await networkHelpers.time.increaseTo(postedAt + BigInt(DAY) - 10n);
      await t.desk.connect(t.challenger).demandLeaf(receiptId, 5);
      await networkHelpers.time.increase(60);
      const leaf = trace.leaves[5]!;
      const { tx, deltas } = await withDeltas(t, [op, t.desk], () =>
        t.desk.connect(t.keepers[0]!).revealLeaf(1n, leaf, trace.tree.getProof(5)),
      );
      await expect(tx).to.emit(t.desk, "LeafRevealed");
      expect(deltas).to.deep.equal([DATA_BOND, -DATA_BOND]);
      expect((await t.desk.demandOf(1n)).status).to.equal(2n);
      expect(await t.reputation.receiptDisputeState(receiptId)).to.equal(0n);
      await expect(t.desk.connect(t.challenger).challenge(receiptId, evidence(PRICE_OUT_OF_BOUND, trace, 5))).to.emit(
        t.desk,
        "Challenged",
      );
      // A leaf never revealed gets no such extension.
      await expect(
        t.desk.connect(t.challenger).challenge(receiptId, evidence(PRICE_OUT_OF_BOUND, trace, 4)),
      ).to.be.revertedWithCustomError(t.desk, "DisputeDeskChallengeWindowClosed");
    });

    it("revealLeaf_sameLeafForTwoDemands_reverts", async function () {
      const { t, trace, receiptId } = await networkHelpers.loadFixture(fraudFixture);
      await t.desk.connect(t.challenger).demandLeaf(receiptId, 0);
      await t.desk.connect(t.challenger).demandLeaf(receiptId, 1);
      // Sorted-pair proofs do not bind positions: one real leaf must not answer two demands.
      await t.desk.revealLeaf(1n, trace.leaves[0]!, trace.tree.getProof(0));
      await expect(t.desk.revealLeaf(2n, trace.leaves[0]!, trace.tree.getProof(0))).to.be.revertedWithCustomError(
        t.desk,
        "DisputeDeskLeafAlreadyRevealed",
      );
      await expect(t.desk.revealLeaf(2n, trace.leaves[1]!, trace.tree.getProof(1))).to.emit(t.desk, "LeafRevealed");
    });

    it("revealLeaf_wrongCampaignBadProofOrLate_reverts", async function () {
      const { t, id, trace, receiptId } = await networkHelpers.loadFixture(fraudFixture);
      await t.desk.connect(t.challenger).demandLeaf(receiptId, 0);
      const other = traceFor(keccak256(toUtf8Bytes("another campaign")), 2);
      await expect(t.desk.revealLeaf(1n, other.leaves[0]!, other.tree.getProof(0)))
        .to.be.revertedWithCustomError(t.desk, "DisputeDeskWrongCampaign")
        .withArgs(receiptId, id, other.leaves[0]!.campaignId);
      await expect(t.desk.revealLeaf(1n, trace.leaves[0]!, trace.tree.getProof(1)))
        .to.be.revertedWithCustomError(t.desk, "DisputeDeskInvalidProof")
        .withArgs(receiptId);
      await networkHelpers.time.increase(HOUR + 1);
      await expect(t.desk.revealLeaf(1n, trace.leaves[0]!, trace.tree.getProof(0))).to.be.revertedWithCustomError(
        t.desk,
        "DisputeDeskRevealTooLate",
      );
    });

    it("demandLeaf_outOfRangeTwiceOrLate_reverts", async function () {
      const { t, receiptId } = await networkHelpers.loadFixture(fraudFixture);
      await expect(t.desk.connect(t.challenger).demandLeaf(receiptId, 8))
        .to.be.revertedWithCustomError(t.desk, "DisputeDeskLeafIndexOutOfRange")
        .withArgs(receiptId, 8n, 8n);
      await t.desk.connect(t.challenger).demandLeaf(receiptId, 7);
      await expect(t.desk.connect(t.stranger).demandLeaf(receiptId, 7))
        .to.be.revertedWithCustomError(t.desk, "DisputeDeskAlreadyDemanded")
        .withArgs(receiptId, 7n, 1n);
      await networkHelpers.time.increase(DAY + 1);
      await expect(t.desk.connect(t.challenger).demandLeaf(receiptId, 6)).to.be.revertedWithCustomError(
        t.desk,
        "DisputeDeskChallengeWindowClosed",
      );
    });

    it("withdraw_whileDemandOpen_reverts", async function () {
      const { t, receiptId } = await networkHelpers.loadFixture(randomRootFixture);
      const op = t.operators[0]!;
      await networkHelpers.time.increase(DAY - 60);
      await t.desk.connect(t.challenger).demandLeaf(receiptId, 0);
      await t.reputation.connect(op).requestUnstake(MIN_STAKE * 2n);
      await networkHelpers.time.increase(7 * DAY);
      await expect(t.reputation.connect(op).withdraw()).to.be.revertedWithCustomError(
        t.reputation,
        "ReputationOracleDisputesPending",
      );
      await t.desk.finalizeDemand(1n);
      await expect(t.reputation.connect(op).withdraw()).to.emit(t.reputation, "Withdrawn");
    });
  });

  describe("duplicate executions (M1: judged symmetrically)", function () {
    /** The attacker (keeper 2, operator 1) pre-posted a predicted fill id; the honest keeper 0 posts the real fill. */
    async function prePostFixture() {
      const t = await keepersFixture();
      const [k0, , k2] = t.keepers;
      const predicted = keccak256(toUtf8Bytes("binance order 1001"));
      const idA = await publishRace(t, k2!, await specFor(t, { pair: "SOL/USDC" }));
      await t.campaigns.connect(k2!).claim(idA);
      const a = traceFor(idA, 3, "attacker");
      a.leaves[1] = { ...a.leaves[1]!, executionId: predicted };
      const attackTrace = traceOf(a.leaves);
      const attackReceipt = await postReceipt(t, k2!, idA, attackTrace);
      const idB = await publishRace(t, k0!, await specFor(t, { pair: "ETH/USDC" }));
      await t.campaigns.connect(k0!).claim(idB);
      const b = traceFor(idB, 2, "honest");
      b.leaves[0] = { ...b.leaves[0]!, executionId: predicted };
      const honestTrace = traceOf(b.leaves);
      const honestReceipt = await postReceipt(t, k0!, idB, honestTrace);
      return { t, attackTrace, attackReceipt, honestTrace, honestReceipt };
    }

    it("M1_prePostedPredictedFills_attackerSlashedNotHonestKeeper", async function () {
      const f = await networkHelpers.loadFixture(prePostFixture);
      const { t } = f;
      const [k0, , k2] = t.keepers;
      const [honestOp, attackerOp] = t.operators;
      // The attacker accuses the later (honest) receipt, as in the finding.
      const ev = evidence(DUPLICATE_EXECUTION, f.honestTrace, 0, {
        receiptId: f.attackReceipt,
        trace: f.attackTrace,
        index: 1,
      });
      await t.desk.connect(attackerOp!).challenge(f.honestReceipt, ev);
      // Both keepers are on hold until the arbiter rules: neither receipt is presumed guilty.
      expect(await t.reputation.isEligible(k0!.address)).to.equal(false);
      expect(await t.reputation.isEligible(k2!.address)).to.equal(false);
      expect(await t.reputation.receiptDisputeState(f.attackReceipt)).to.equal(1n);
      // The venue's fill belongs to the honest keeper: the arbiter finds the other (earlier) receipt at fault.
      const { deltas } = await withDeltas(t, [honestOp!, attackerOp!], () => t.desk.resolve(1n, VERDICT.Other));
      expect(deltas).to.deep.equal([0n, BOND]); // attacker: bond back, no whistleblower share on its own receipt
      expect((await t.reputation.stakeOf(attackerOp!.address)).active).to.equal(MIN_STAKE - slashOf(MIN_STAKE));
      expect((await t.reputation.stakeOf(honestOp!.address)).active).to.equal(MIN_STAKE * 2n);
      expect(await t.reputation.isEligible(k0!.address)).to.equal(true);
      expect(await t.reputation.score(k0!.address)).to.equal(10_000n);
      expect(await t.reputation.isEligible(k2!.address)).to.equal(false);
      expect(await t.reputation.receiptDisputeState(f.honestReceipt)).to.equal(0n);
      expect(await t.reputation.receiptDisputeState(f.attackReceipt)).to.equal(2n);
    });

    it("challenge_duplicateEitherOrderOnce_andLapsesUnruled", async function () {
      const f = await networkHelpers.loadFixture(prePostFixture);
      const { t } = f;
      // The earlier receipt may be the accused one too.
      const ev = evidence(DUPLICATE_EXECUTION, f.attackTrace, 1, {
        receiptId: f.honestReceipt,
        trace: f.honestTrace,
        index: 0,
      });
      await expect(t.desk.connect(t.challenger).challenge(f.attackReceipt, ev)).to.emit(t.desk, "Challenged");
      const reversed = evidence(DUPLICATE_EXECUTION, f.honestTrace, 0, {
        receiptId: f.attackReceipt,
        trace: f.attackTrace,
        index: 1,
      });
      await expect(t.desk.connect(t.challenger).challenge(f.honestReceipt, reversed)).to.be.revertedWithCustomError(
        t.desk,
        "DisputeDeskEvidenceUsed",
      );
      const unrelated = evidence(DUPLICATE_EXECUTION, f.attackTrace, 0, {
        receiptId: f.honestReceipt,
        trace: f.honestTrace,
        index: 0,
      });
      await expect(t.desk.connect(t.challenger).challenge(f.attackReceipt, unrelated))
        .to.be.revertedWithCustomError(t.desk, "DisputeDeskEvidenceNotViolating")
        .withArgs(DUPLICATE_EXECUTION);
      // Nobody rules: after the deadline the dispute lapses, holds lifted, nobody slashed, and the bond compensates
      // the two held operators (half each): holding keepers is never free.
      await networkHelpers.time.increase(ARBITRATION + 1);
      const [op0, op1] = t.operators;
      const { tx, deltas } = await withDeltas(t, [t.challenger, op0!, op1!], () =>
        t.desk.connect(t.stranger).enforce(1n),
      );
      await expect(tx).to.emit(t.desk, "DisputeResolved").withArgs(1n, STATUS.Lapsed, VERDICT.Rejected, 0n);
      await expect(tx)
        .to.emit(t.desk, "LapsedBondPaid")
        .withArgs(1n, op1!.address, op0!.address, BOND / 2n, BOND / 2n);
      expect(deltas).to.deep.equal([0n, BOND / 2n, BOND / 2n]);
      expect((await t.reputation.holdOf(t.keepers[0]!.address))[0]).to.equal(0n);
      expect((await t.reputation.holdOf(t.keepers[2]!.address))[0]).to.equal(0n);
    });
  });

  describe("duplicate evidence holds are paid for (issue 16 follow-up)", function () {
    /** As `prePostFixture`, plus a second attacker receipt citing the honest keeper's fill. */
    async function twoCopiesFixture() {
      const t = await keepersFixture();
      const [k0, , k2] = t.keepers;
      const fill = keccak256(toUtf8Bytes("binance order 1001"));
      const copies = [];
      for (const pair of ["SOL/USDC", "BTC/USDC"]) {
        const id = await publishRace(t, k2!, await specFor(t, { pair }));
        await t.campaigns.connect(k2!).claim(id);
        const a = traceFor(id, 3, `copy ${pair}`);
        a.leaves[1] = { ...a.leaves[1]!, executionId: fill };
        const trace = traceOf(a.leaves);
        copies.push({ trace, receiptId: await postReceipt(t, k2!, id, trace) });
      }
      const idB = await publishRace(t, k0!, await specFor(t, { pair: "ETH/USDC" }));
      await t.campaigns.connect(k0!).claim(idB);
      const b = traceFor(idB, 2, "honest");
      b.leaves[0] = { ...b.leaves[0]!, executionId: fill };
      const honestTrace = traceOf(b.leaves);
      const honestReceipt = await postReceipt(t, k0!, idB, honestTrace);
      return { t, fill, copies, honestTrace, honestReceipt };
    }

    it("REP3_equivalentDuplicateEvidence_refusedWhileTheFillIsInDispute", async function () {
      const f = await networkHelpers.loadFixture(twoCopiesFixture);
      const { t, copies } = f;
      const attackerOp = t.operators[1]!;
      const against = (i: number) =>
        evidence(DUPLICATE_EXECUTION, f.honestTrace, 0, {
          receiptId: copies[i]!.receiptId,
          trace: copies[i]!.trace,
          index: 1,
        });
      await t.desk.connect(attackerOp).challenge(f.honestReceipt, against(0));
      expect(await t.desk.fillDisputeOf(f.honestReceipt, f.fill)).to.equal(1n);
      // The same fill of the honest receipt again, with another copy: it would only prolong the hold.
      await expect(t.desk.connect(attackerOp).challenge(f.honestReceipt, against(1)))
        .to.be.revertedWithCustomError(t.desk, "DisputeDeskFillInDispute")
        .withArgs(f.honestReceipt, f.fill, 1n);
      // Cited from the other side (the honest receipt as the "other" one): refused as well.
      const reversed = evidence(DUPLICATE_EXECUTION, copies[1]!.trace, 1, {
        receiptId: f.honestReceipt,
        trace: f.honestTrace,
        index: 0,
      });
      await expect(t.desk.connect(attackerOp).challenge(copies[1]!.receiptId, reversed))
        .to.be.revertedWithCustomError(t.desk, "DisputeDeskFillInDispute")
        .withArgs(f.honestReceipt, f.fill, 1n);
      expect((await t.reputation.holdOf(t.keepers[0]!.address))[0]).to.equal(1n);
      // Once the arbiter rules, the index is cleared.
      await t.desk.resolve(1n, VERDICT.Other);
      expect(await t.desk.fillDisputeOf(f.honestReceipt, f.fill)).to.equal(0n);
      expect(await t.desk.fillDisputeOf(copies[0]!.receiptId, f.fill)).to.equal(0n);
    });

    it("REP3_unruledDuplicateHold_costsTheChallengerAndPaysTheHeldOperator", async function () {
      // The finding: the attacker accuses the honest receipt with its own copy; nobody rules; after 3 days the
      // dispute lapsed and the bond came back: the honest keeper was held for free. Now the bond is split between
      // the held operators: the attacker loses half of it per hold, the honest operator is paid that half.
      const f = await networkHelpers.loadFixture(twoCopiesFixture);
      const { t, copies } = f;
      const [honestOp, attackerOp] = t.operators;
      const k0 = t.keepers[0]!;
      const ev = evidence(DUPLICATE_EXECUTION, f.honestTrace, 0, {
        receiptId: copies[0]!.receiptId,
        trace: copies[0]!.trace,
        index: 1,
      });
      const opened = await withDeltas(t, [honestOp!, attackerOp!], () =>
        t.desk.connect(attackerOp!).challenge(f.honestReceipt, ev),
      );
      expect(opened.deltas).to.deep.equal([0n, -BOND]);
      expect(await t.reputation.isEligible(k0.address)).to.equal(false);
      // The hold lasts at most the arbitration deadline.
      await networkHelpers.time.increase(ARBITRATION + 1);
      const lapsed = await withDeltas(t, [honestOp!, attackerOp!], () => t.desk.connect(t.stranger).enforce(1n));
      await expect(lapsed.tx).to.emit(t.desk, "DisputeResolved").withArgs(1n, STATUS.Lapsed, VERDICT.Rejected, 0n);
      expect(lapsed.deltas).to.deep.equal([BOND / 2n, BOND / 2n]);
      expect((await t.reputation.holdOf(k0.address))[0]).to.equal(0n);
      // Net: the attacker paid half a bond for the hold; it cannot start another on this receipt (window closed).
      await expect(
        t.desk.connect(attackerOp!).challenge(
          f.honestReceipt,
          evidence(DUPLICATE_EXECUTION, f.honestTrace, 0, {
            receiptId: copies[1]!.receiptId,
            trace: copies[1]!.trace,
            index: 1,
          }),
        ),
      ).to.be.revertedWithCustomError(t.desk, "DisputeDeskChallengeWindowClosed");
    });
    it("gas_duplicateChallengeAndLapse_withinBudgets", async function () {
      const f = await networkHelpers.loadFixture(twoCopiesFixture);
      const { t, copies } = f;
      const ev = evidence(DUPLICATE_EXECUTION, f.honestTrace, 0, {
        receiptId: copies[0]!.receiptId,
        trace: copies[0]!.trace,
        index: 1,
      });
      const challenge = await gasOf(t.desk.connect(t.challenger).challenge(f.honestReceipt, ev));
      await networkHelpers.time.increase(ARBITRATION + 1);
      const lapse = await gasOf(t.desk.connect(t.stranger).enforce(1n));
      console.log(`      gas: duplicate challenge ${challenge}, lapse ${lapse}`);
      expect(challenge).to.be.lessThanOrEqual(GAS.duplicateChallenge);
      expect(lapse).to.be.lessThanOrEqual(GAS.lapse);
    });
  });

  describe("capital book hooks", function () {
    it("slashForDefault_capitalRoleOnly_paysCallerAndSuspendsKeeper", async function () {
      const t = await networkHelpers.loadFixture(keepersFixture);
      const [op] = t.operators;
      const k1 = t.keepers[1]!.address;
      const book = t.stranger;
      await expect(t.reputation.connect(book).slashForDefault(op!.address, k1, 1n)).to.be.revertedWithCustomError(
        t.reputation,
        "AccessControlUnauthorizedAccount",
      );
      await t.reputation.grantRole(await t.reputation.CAPITAL_ROLE(), book.address);
      expect(await t.reputation.slashableStake(op!.address)).to.equal(MIN_STAKE * 2n);
      await t.reputation.connect(op!).requestUnstake(MIN_STAKE);
      expect(await t.reputation.slashableStake(op!.address)).to.equal(MIN_STAKE * 2n);
      // More than the stake: takes it all (active first, then unbonding), never more.
      const { tx, deltas } = await withDeltas(t, [book, t.reputation], () =>
        t.reputation.connect(book).slashForDefault(op!.address, k1, MIN_STAKE * 5n),
      );
      await expect(tx)
        .to.emit(t.reputation, "SlashedForDefault")
        .withArgs(op!.address, k1, MIN_STAKE * 5n, MIN_STAKE * 2n);
      expect(deltas).to.deep.equal([MIN_STAKE * 2n, -MIN_STAKE * 2n]);
      expect(await t.reputation.holdOf(k1)).to.deep.equal([0n, true]);
      expect(await t.reputation.isEligible(k1)).to.equal(false);
      expect(await t.reputation.slashableStake(op!.address)).to.equal(0n);
      const [deposited, active, unbonding, slashed, withdrawn] = await t.reputation.stakeTotals();
      expect(deposited).to.equal(active + unbonding + slashed + withdrawn);
      // Governance's appeal: reinstating the key.
      await t.reputation.setKeeperSuspended(k1, false);
      expect(await t.reputation.holdOf(k1)).to.deep.equal([0n, false]);
    });

    it("withdraw_whileCapitalOutstanding_reverts", async function () {
      const t = await networkHelpers.loadFixture(keepersFixture);
      const op = t.operators[1]!;
      const book = await ethers.deployContract("TestOperatorExposure");
      await expect(t.reputation.connect(op).setCapitalBook(await book.getAddress())).to.be.revertedWithCustomError(
        t.reputation,
        "AccessControlUnauthorizedAccount",
      );
      await t.reputation.setCapitalBook(await book.getAddress());
      await book.setOutstanding(op.address, 5n);
      await t.reputation.connect(op).requestUnstake(MIN_STAKE);
      await networkHelpers.time.increase(7 * DAY);
      await expect(t.reputation.connect(op).withdraw())
        .to.be.revertedWithCustomError(t.reputation, "ReputationOracleCapitalOutstanding")
        .withArgs(op.address, 5n);
      await book.setOutstanding(op.address, 0n);
      await expect(t.reputation.connect(op).withdraw()).to.emit(t.reputation, "Withdrawn");
    });

    it("desk_hooksOnlyFromDesk_revert", async function () {
      const t = await networkHelpers.loadFixture(keepersFixture);
      const [op] = t.operators;
      await expect(t.reputation.connect(op!).slashForFraud(op!.address, t.keepers[0]!.address, op!.address))
        .to.be.revertedWithCustomError(t.reputation, "ReputationOracleNotDesk")
        .withArgs(op!.address);
      await expect(
        t.reputation.connect(op!).openCase(op!.address, t.keepers[0]!.address, true),
      ).to.be.revertedWithCustomError(t.reputation, "ReputationOracleNotDesk");
    });
  });

  it("gas_disputeAndDemand_withinBudgets", async function () {
    const { t, trace, receiptId } = await networkHelpers.loadFixture(fraudFixture);
    const demand = await gasOf(t.desk.connect(t.challenger).demandLeaf(receiptId, 0));
    await t.desk.connect(t.challenger).demandLeaf(receiptId, 7);
    const reveal = await gasOf(t.desk.revealLeaf(1n, trace.leaves[0]!, trace.tree.getProof(0)));
    const challenge = await gasOf(
      t.desk.connect(t.challenger).challenge(receiptId, evidence(PRICE_OUT_OF_BOUND, trace, 1)),
    );
    await t.desk.connect(t.challenger).challenge(receiptId, evidence(PRICE_OUT_OF_BOUND, trace, 2));
    const rejected = await gasOf(t.desk.resolve(2n, VERDICT.Rejected));
    const upheld = await gasOf(t.desk.resolve(1n, VERDICT.Receipt));
    const random = await randomRootFixture();
    await random.t.desk.connect(random.t.challenger).demandLeaf(random.receiptId, 0);
    await networkHelpers.time.increase(HOUR + 1);
    const finalize = await gasOf(random.t.desk.finalizeDemand(1n));
    console.log(
      `      gas: challenge ${challenge}, resolve upheld ${upheld}, rejected ${rejected}, demandLeaf ${demand}, ` +
        `revealLeaf ${reveal}, finalizeDemand ${finalize}`,
    );
    expect(challenge).to.be.lessThanOrEqual(GAS.challenge);
    expect(upheld).to.be.lessThanOrEqual(GAS.resolve);
    expect(rejected).to.be.lessThanOrEqual(GAS.resolve);
    expect(demand).to.be.lessThanOrEqual(GAS.demand);
    expect(reveal).to.be.lessThanOrEqual(GAS.reveal);
    expect(finalize).to.be.lessThanOrEqual(GAS.finalize);
  });
});

/** Keeper 1 (operator 0's second key) posts a receipt with a bad leaf at index 1. */
async function fraudOfKeeper1(t: Trust) {
  const k1: HardhatEthersSigner = t.keepers[1]!;
  const id = await publishRace(t, t.keepers[2]!, await specFor(t, { pair: "K1/USDC" }));
  await t.campaigns.connect(k1).claim(id);
  const trace = traceFor(id, 3, "k1", 1);
  return { trace, receiptId: await postReceipt(t, k1, id, trace) };
}

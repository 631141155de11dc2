import { expect } from "chai";
import { network } from "hardhat";
import fc from "fast-check";
import { encodeBytes32String as key, keccak256, toUtf8Bytes } from "ethers";

const { ethers, networkHelpers } = await network.create();

async function deployParameters() {
  const [owner, stranger] = await ethers.getSigners();
  const params = await ethers.deployContract("Parameters", [owner!.address]);
  return { params, owner: owner!, stranger: stranger! };
}

describe("Parameters", function () {
  it("constructor_setsDesignDefaults", async function () {
    const { params } = await networkHelpers.loadFixture(deployParameters);
    expect(await params.get(key("roiThresholdBps"))).to.equal(15_000n);
    expect(await params.get(key("sleeveTargetMarketMakingBps"))).to.equal(7_000n);
    expect(await params.get(key("sleeveTargetArbitrageBps"))).to.equal(2_000n);
    expect(await params.get(key("sleeveTargetBufferBps"))).to.equal(1_000n);
    const keys = await params.keys();
    expect(keys.length).to.equal(44);
    expect(new Set(keys).size).to.equal(keys.length);
  });

  it("get_unknownKey_reverts", async function () {
    const { params } = await networkHelpers.loadFixture(deployParameters);
    await expect(params.get(key("nope")))
      .to.be.revertedWithCustomError(params, "ParametersUnknownKey")
      .withArgs(key("nope"));
  });

  it("set_byOwner_changesAndEmits", async function () {
    const { params } = await networkHelpers.loadFixture(deployParameters);
    await expect(params.set(key("maxSlippageBps"), 80))
      .to.emit(params, "ParameterChanged")
      .withArgs(key("maxSlippageBps"), 50, 80);
    expect(await params.get(key("maxSlippageBps"))).to.equal(80n);
  });

  it("set_byStranger_reverts", async function () {
    const { params, stranger } = await networkHelpers.loadFixture(deployParameters);
    await expect(params.connect(stranger).set(key("maxSlippageBps"), 80))
      .to.be.revertedWithCustomError(params, "OwnableUnauthorizedAccount")
      .withArgs(stranger.address);
  });

  it("set_outOfBounds_reverts", async function () {
    const { params } = await networkHelpers.loadFixture(deployParameters);
    await expect(params.set(key("maxSlippageBps"), 1_001))
      .to.be.revertedWithCustomError(params, "ParametersOutOfBounds")
      .withArgs(key("maxSlippageBps"), 1_001, 1, 1_000);
    await expect(params.set(key("roiThresholdBps"), 9_999)).to.be.revertedWithCustomError(
      params,
      "ParametersOutOfBounds",
    );
  });

  it("set_oneSleeveAlone_revertsBecauseTargetsMustSumTo100", async function () {
    const { params } = await networkHelpers.loadFixture(deployParameters);
    await expect(params.set(key("sleeveTargetMarketMakingBps"), 6_000))
      .to.be.revertedWithCustomError(params, "ParametersSleeveTargetsInvalid")
      .withArgs(9_000);
  });

  it("setMany_sleeveTargets_atomically", async function () {
    const { params } = await networkHelpers.loadFixture(deployParameters);
    await params.setMany([key("sleeveTargetMarketMakingBps"), key("sleeveTargetArbitrageBps")], [6_000, 3_000]);
    expect(await params.get(key("sleeveTargetArbitrageBps"))).to.equal(3_000n);
    await expect(params.setMany([key("minScore")], [1, 2])).to.be.revertedWithCustomError(
      params,
      "ParametersLengthMismatch",
    );
  });

  it("set_unbondingShorterThanChallengeWindow_reverts", async function () {
    const { params } = await networkHelpers.loadFixture(deployParameters);
    await params.set(key("challengeWindowSeconds"), 3 * 86_400);
    await expect(params.set(key("unbondingSeconds"), 2 * 86_400)).to.be.revertedWithCustomError(
      params,
      "ParametersOutOfBounds",
    );
  });

  it("L9_minScoreOrStakeOrSlashThatBricksKeepers_reverts", async function () {
    const { params } = await networkHelpers.loadFixture(deployParameters);
    // A fresh keeper scores 10_000; four failures in a short history halve it. 10_000 would brick everyone.
    await expect(params.set(key("minScore"), 10_000))
      .to.be.revertedWithCustomError(params, "ParametersOutOfBounds")
      .withArgs(key("minScore"), 10_000, 0, 8_000);
    await params.set(key("minScore"), 8_000);
    await expect(params.set(key("minStake"), 10n ** 12n + 1n)).to.be.revertedWithCustomError(
      params,
      "ParametersOutOfBounds",
    );
    await expect(params.set(key("slashFractionBps"), 5_001)).to.be.revertedWithCustomError(
      params,
      "ParametersOutOfBounds",
    );
  });

  it("set_disputeParameters_bounded", async function () {
    const { params } = await networkHelpers.loadFixture(deployParameters);
    expect(await params.get(key("revealWindowSeconds"))).to.equal(3_600n);
    expect(await params.get(key("arbitrationDeadlineSeconds"))).to.equal(3n * 86_400n);
    expect(await params.get(key("dataChallengeBond"))).to.equal(10n * 10n ** 6n);
    expect(await params.get(key("penaltyWeightBps"))).to.equal(10_000n);
    await expect(params.set(key("revealWindowSeconds"), 60)).to.be.revertedWithCustomError(
      params,
      "ParametersOutOfBounds",
    );
    await expect(params.set(key("arbitrationDeadlineSeconds"), 31 * 86_400)).to.be.revertedWithCustomError(
      params,
      "ParametersOutOfBounds",
    );
  });

  it("set_feesAboveHalfOfProfit_reverts", async function () {
    const { params } = await networkHelpers.loadFixture(deployParameters);
    await params.set(key("keeperFeeBps"), 3_000);
    await expect(params.set(key("earnShareBps"), 2_001)).to.be.revertedWithCustomError(params, "ParametersOutOfBounds");
  });

  it("setMeasurementAllowed_ownerOnly_andEmits", async function () {
    const { params, stranger } = await networkHelpers.loadFixture(deployParameters);
    const m = keccak256(toUtf8Bytes("mrtd"));
    await expect(params.setMeasurementAllowed(m, true))
      .to.emit(params, "MeasurementAllowlistChanged")
      .withArgs(m, true);
    expect(await params.isMeasurementAllowed(m)).to.equal(true);
    await expect(params.connect(stranger).setMeasurementAllowed(m, false)).to.be.revertedWithCustomError(
      params,
      "OwnableUnauthorizedAccount",
    );
  });

  it("set_fuzz_valueStaysWithinBounds", async function () {
    const { params } = await networkHelpers.loadFixture(deployParameters);
    const keys = (await params.keys()).filter((k) => !k.startsWith(key("sleeveTarget").slice(0, 24)));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...keys), fc.bigInt({ min: 0n, max: 10n ** 16n }), async (k, v) => {
        const [min, max] = await params.bounds(k);
        const before = await params.get(k);
        try {
          await params.set(k, v);
        } catch {
          // A rejected change leaves the value untouched.
          expect(await params.get(k)).to.equal(before);
        }
        const after = await params.get(k);
        expect(after >= min && after <= max).to.equal(true);
      }),
      { numRuns: 60 },
    );
  });
});

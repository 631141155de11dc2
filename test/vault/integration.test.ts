import { expect } from "chai";
import { network } from "hardhat";
import { deployTrust, onboard, postReceipt, publishRace, traceFor } from "../helpers/trust.js";
import type { KeeperCapital, StrategyVault } from "../../types/ethers-contracts/index.js";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;
const USD = 10n ** 6n;
const MM = 0;

/**
 * The real system (deploy path) with the real trust layer wired into the vault's capital book: keepers onboard for
 * real (stake, binding, verified attestation, heartbeat), claim campaigns, draw for them, post EIP-712 receipts and
 * repay. The deployer stays governance (no timelock handover) so the test can allowlist a measurement and set the
 * ETH/USD feed.
 */
async function wiredSystem() {
  const t = await deployTrust(ethers);
  const signers = await ethers.getSigners();
  const vault = t.system["StrategyVault"]!.contract as unknown as StrategyVault;
  const capital = t.system["KeeperCapital"]!.contract as unknown as KeeperCapital;
  // The keepers trade ETH/USDC around 3,050: the capital book's reference must price that market.
  const ethUsd = await ethers.deployContract("MockV3Aggregator", [8, 3_050n * 10n ** 8n]);
  await capital.setPriceFeed(await ethUsd.getAddress());
  const depositor = signers[8]!;
  await t.asset.connect(depositor).approve(await vault.getAddress(), 100_000n * USD);
  await vault.connect(depositor).deposit(100_000n * USD, depositor.address);
  await vault.rebalance();
  await onboard(t, t.keepers[0]!, t.operators[0]!);
  return { t, vault, capital, depositor };
}

describe("StrategyVault with the trust layer", function () {
  it("deploySystem_wiresTheTrustLayerIntoTheCapitalBook", async function () {
    const { t, vault, capital } = await networkHelpers.loadFixture(wiredSystem);
    expect(await vault.capitalBook()).to.equal(await capital.getAddress());
    expect(await capital.eligibility()).to.equal(await t.reputation.getAddress());
    expect(await capital.campaigns()).to.equal(await t.campaigns.getAddress());
    expect(await capital.receipts()).to.equal(await t.receipts.getAddress());
    expect(await capital.slashing()).to.not.equal(ethers.ZeroAddress);
  });

  it("drawAndRepay_onboardedKeeperWithRealReceipt_profitReachesDepositors", async function () {
    const { t, vault, capital } = await networkHelpers.loadFixture(wiredSystem);
    const [k0] = t.keepers;
    const operator = t.operators[0]!;
    expect(await t.reputation.isEligible(k0!.address)).to.equal(true);
    expect(await capital.drawable(k0!.address, MM)).to.be.greaterThan(0n);
    // The operator's stake bounds what its keys may owe.
    expect(await capital.operatorBound(operator.address)).to.equal(
      (await t.reputation.stakeOf(operator.address)).active,
    );

    const campaignId = await publishRace(t, k0!);
    await t.campaigns.connect(k0!).claim(campaignId);
    await capital.connect(k0!).draw(campaignId, MM, 1_000n * USD);
    const drawId = await capital.drawIdOf(k0!.address, campaignId);
    const receiptId = await postReceipt(t, k0!, campaignId, traceFor(campaignId, 3)); // pnl +12 tUSD
    await t.asset.connect(k0!).approve(await capital.getAddress(), 1_012n * USD);
    const score = await t.reputation.score(k0!.address);
    const fee = (12n * USD * 1_000n * score) / 10_000n / 10_000n;
    await expect(capital.connect(k0!).repay(drawId, 1_012n * USD, receiptId))
      .to.emit(vault, "ProfitSplit")
      .withArgs(12n * USD - fee, 0n, fee, operator.address);
    expect(await vault.breakerTripped()).to.equal(false);
    expect(await vault.keeperFees(operator.address)).to.equal(fee);
    await time.increase(86_400);
    expect(await vault.totalAssets()).to.equal(100_000n * USD + 12n * USD - fee);
  });

  it("repay_receiptOfAnotherOnboardedKeeper_reverts", async function () {
    const { t, capital } = await networkHelpers.loadFixture(wiredSystem);
    const [k0, k1] = t.keepers;
    await onboard(t, k1!, t.operators[1]!);
    const mine = await publishRace(t, k0!);
    await t.campaigns.connect(k0!).claim(mine);
    await capital.connect(k0!).draw(mine, MM, 1_000n * USD);
    const theirs = await publishRace(t, k1!);
    await t.campaigns.connect(k1!).claim(theirs);
    const receiptId = await postReceipt(t, k1!, theirs, traceFor(theirs, 2));
    await expect(capital.connect(k0!).repay(1n, 1_012n * USD, receiptId))
      .to.be.revertedWithCustomError(capital, "KeeperCapitalReceiptMismatch")
      .withArgs(receiptId, k1!.address, theirs);
  });

  it("draw_withoutAClaimedCampaign_reverts", async function () {
    const { t, capital } = await networkHelpers.loadFixture(wiredSystem);
    const [k0] = t.keepers;
    const campaignId = await publishRace(t, k0!);
    await expect(capital.connect(k0!).draw(campaignId, MM, 1n))
      .to.be.revertedWithCustomError(capital, "KeeperCapitalNotClaimant")
      .withArgs(campaignId, k0!.address, ethers.ZeroAddress);
  });
});

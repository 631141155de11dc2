import { expect } from "chai";
import { network } from "hardhat";
import { deployTrust, onboard, postReceipt, publishRace, traceFor } from "../helpers/trust.js";
import type { StrategyVault } from "../../types/ethers-contracts/index.js";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;
const USD = 10n ** 6n;
const MM = 0;

/**
 * The real system (deploy path) with the real trust layer wired into the vault: keepers onboard for real
 * (stake, binding, verified attestation, heartbeat), post EIP-712 receipts, draw and repay. The deployer
 * stays governance (no timelock handover) so the test can allowlist a measurement and set the ETH/USD feed.
 */
async function wiredSystem() {
  const t = await deployTrust(ethers);
  const signers = await ethers.getSigners();
  const vault = t.system["StrategyVault"]!.contract as unknown as StrategyVault;
  // The keepers trade ETH/USDC around 3,050: the vault's reference must price that market.
  const ethUsd = await ethers.deployContract("MockV3Aggregator", [8, 3_050n * 10n ** 8n]);
  await vault.setPriceFeed(await ethUsd.getAddress());
  const depositor = signers[8]!;
  await t.asset.connect(depositor).approve(await vault.getAddress(), 100_000n * USD);
  await vault.connect(depositor).deposit(100_000n * USD, depositor.address);
  await vault.rebalance();
  await onboard(t, t.keepers[0]!, t.operators[0]!);
  return { t, vault, depositor };
}

describe("StrategyVault with the trust layer", function () {
  it("deploySystem_wiresReputationOracleAndReceiptRegistryIntoTheVault", async function () {
    const { t, vault } = await networkHelpers.loadFixture(wiredSystem);
    expect(await vault.eligibility()).to.equal(await t.reputation.getAddress());
    expect(await vault.receipts()).to.equal(await t.receipts.getAddress());
  });

  it("drawAndRepay_onboardedKeeperWithRealReceipt_profitReachesDepositors", async function () {
    const { t, vault } = await networkHelpers.loadFixture(wiredSystem);
    const [k0] = t.keepers;
    const operator = t.operators[0]!;
    expect(await t.reputation.isEligible(k0!.address)).to.equal(true);
    expect(await vault.drawable(k0!.address, MM)).to.be.greaterThan(0n);
    await vault.connect(k0!).draw(MM, 1_000n * USD);

    const campaignId = await publishRace(t, k0!);
    await t.campaigns.connect(k0!).claim(campaignId);
    const receiptId = await postReceipt(t, k0!, campaignId, traceFor(campaignId, 3)); // pnl +12 tUSD
    await t.asset.connect(k0!).approve(await vault.getAddress(), 1_012n * USD);
    const score = await t.reputation.score(k0!.address);
    const fee = (12n * USD * 1_000n * score) / 10_000n / 10_000n;
    await expect(vault.connect(k0!).repay(MM, 1_000n * USD, 1_012n * USD, receiptId))
      .to.emit(vault, "ProfitSplit")
      .withArgs(12n * USD - fee, 0n, fee, operator.address);
    expect(await vault.breakerTripped()).to.equal(false);
    expect(await vault.keeperFees(operator.address)).to.equal(fee);
    await time.increase(86_400);
    expect(await vault.totalAssets()).to.equal(100_000n * USD + 12n * USD - fee);
  });

  it("repay_receiptOfAnotherOnboardedKeeper_reverts", async function () {
    const { t, vault } = await networkHelpers.loadFixture(wiredSystem);
    const [k0, k1] = t.keepers;
    await onboard(t, k1!, t.operators[1]!);
    await vault.connect(k0!).draw(MM, 1_000n * USD);
    const campaignId = await publishRace(t, k1!);
    await t.campaigns.connect(k1!).claim(campaignId);
    const receiptId = await postReceipt(t, k1!, campaignId, traceFor(campaignId, 2));
    await expect(vault.connect(k0!).repay(MM, 1_000n * USD, 1_012n * USD, receiptId))
      .to.be.revertedWithCustomError(vault, "StrategyVaultReceiptNotOwned")
      .withArgs(receiptId, k1!.address, k0!.address);
  });

  it("draw_keeperNotOnboarded_reverts", async function () {
    const { t, vault } = await networkHelpers.loadFixture(wiredSystem);
    await expect(vault.connect(t.keepers[2]!).draw(MM, 1n))
      .to.be.revertedWithCustomError(vault, "StrategyVaultNotEligible")
      .withArgs(t.keepers[2]!.address);
  });
});

import { expect } from "chai";
import { network } from "hardhat";
import { deployVault, key, PRICE_ONE, USD } from "./fixtures.js";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;

const MM = 0;
const ARB = 1;
const BUFFER = 2;
const DAY = 86_400;

async function vaultFixture() {
  return deployVault(ethers);
}

/** 10,000 USD from alice, rebalanced to 70/20/10. */
async function fundedFixture() {
  const f = await deployVault(ethers);
  await f.vault.connect(f.alice).deposit(10_000n * USD, f.alice.address);
  await f.vault.rebalance();
  return f;
}

/** Funded, and the keeper holds 2,000 USD drawn from market making (draw `drawId` for campaign `campaignId`). */
async function drawnFixture() {
  const f = await fundedFixture();
  const { drawId, campaignId } = await f.drawFor(f.keeper, MM, 2_000n * USD);
  return { ...f, drawId, campaignId };
}

describe("StrategyVault", function () {
  describe("ERC-4626", function () {
    it("decimals_assetPlusOffset", async function () {
      const { vault, asset } = await networkHelpers.loadFixture(vaultFixture);
      expect(await vault.decimals()).to.equal((await asset.decimals()) + 6n);
      expect(await vault.asset()).to.equal(await asset.getAddress());
    });

    it("deposit_booksAssetsInBufferAndMintsShares", async function () {
      const { vault, alice } = await networkHelpers.loadFixture(vaultFixture);
      const shares = await vault.previewDeposit(1_000n * USD);
      await expect(vault.connect(alice).deposit(1_000n * USD, alice.address))
        .to.emit(vault, "Deposit")
        .withArgs(alice.address, alice.address, 1_000n * USD, shares);
      expect(await vault.balanceOf(alice.address)).to.equal(shares);
      expect(await vault.totalAssets()).to.equal(1_000n * USD);
      expect(await vault.sleeveAssets(BUFFER)).to.equal(1_000n * USD);
    });

    it("maxDeposit_isTheRoomLeftInTheBooks", async function () {
      const { vault, alice } = await networkHelpers.loadFixture(fundedFixture);
      const room = 2n ** 88n - 1n - 10_000n * USD;
      expect(await vault.maxDeposit(alice.address)).to.equal(room);
      expect(await vault.maxMint(alice.address)).to.equal(await vault.convertToShares(room));
    });

    it("mint_pullsPreviewedAssets", async function () {
      const { vault, asset, alice } = await networkHelpers.loadFixture(fundedFixture);
      const shares = 123_456_789_012n;
      const assets = await vault.previewMint(shares);
      await expect(vault.connect(alice).mint(shares, alice.address)).to.changeTokenBalance(
        ethers,
        asset,
        alice,
        -assets,
      );
    });

    it("withdraw_andRedeem_payTheOwnerReceiver", async function () {
      const { vault, asset, alice, bob } = await networkHelpers.loadFixture(fundedFixture);
      await expect(vault.connect(alice).withdraw(100n * USD, bob.address, alice.address)).to.changeTokenBalance(
        ethers,
        asset,
        bob,
        100n * USD,
      );
      const shares = await vault.balanceOf(alice.address);
      const assets = await vault.previewRedeem(shares / 2n);
      await expect(vault.connect(alice).redeem(shares / 2n, alice.address, alice.address)).to.changeTokenBalance(
        ethers,
        asset,
        alice,
        assets,
      );
    });

    it("permit_signedApproval_letsSpenderRedeem", async function () {
      const { vault, alice, bob } = await networkHelpers.loadFixture(fundedFixture);
      const { chainId } = await ethers.provider.getNetwork();
      const deadline = BigInt(await time.latest()) + 3_600n;
      const value = 10n ** 12n;
      const signature = await alice.signTypedData(
        { name: "Strategy Vault Share", version: "1", chainId, verifyingContract: await vault.getAddress() },
        {
          Permit: [
            { name: "owner", type: "address" },
            { name: "spender", type: "address" },
            { name: "value", type: "uint256" },
            { name: "nonce", type: "uint256" },
            { name: "deadline", type: "uint256" },
          ],
        },
        { owner: alice.address, spender: bob.address, value, nonce: 0n, deadline },
      );
      const { v, r, s } = ethers.Signature.from(signature);
      await vault.permit(alice.address, bob.address, value, deadline, v, r, s);
      expect(await vault.allowance(alice.address, bob.address)).to.equal(value);
      await vault.connect(bob).redeem(value, bob.address, alice.address);
      await expect(vault.permit(alice.address, bob.address, value, deadline, v, r, s)).to.be.revertedWithCustomError(
        vault,
        "ERC2612InvalidSigner",
      );
    });

    async function assetPermit(f: Awaited<ReturnType<typeof vaultFixture>>, value: bigint) {
      const { chainId } = await ethers.provider.getNetwork();
      const deadline = BigInt(await time.latest()) + 3_600n;
      const signature = await f.bob.signTypedData(
        { name: "Test USD", version: "1", chainId, verifyingContract: await f.asset.getAddress() },
        {
          Permit: [
            { name: "owner", type: "address" },
            { name: "spender", type: "address" },
            { name: "value", type: "uint256" },
            { name: "nonce", type: "uint256" },
            { name: "deadline", type: "uint256" },
          ],
        },
        {
          owner: f.bob.address,
          spender: await f.vault.getAddress(),
          value,
          nonce: await f.asset.nonces(f.bob.address),
          deadline,
        },
      );
      const sig = ethers.Signature.from(signature);
      return { deadline, v: sig.v, r: sig.r, s: sig.s };
    }

    it("depositWithPermit_oneTransaction_depositsWithoutPriorApproval", async function () {
      const f = await networkHelpers.loadFixture(vaultFixture);
      await f.asset.connect(f.bob).approve(await f.vault.getAddress(), 0n);
      const { deadline, v, r, s } = await assetPermit(f, 500n * USD);
      const shares = await f.vault.previewDeposit(500n * USD);
      await expect(f.vault.connect(f.bob).depositWithPermit(500n * USD, f.bob.address, deadline, v, r, s))
        .to.emit(f.vault, "Deposit")
        .withArgs(f.bob.address, f.bob.address, 500n * USD, shares);
    });

    it("depositWithPermit_permitFrontRun_stillDeposits", async function () {
      const f = await networkHelpers.loadFixture(vaultFixture);
      await f.asset.connect(f.bob).approve(await f.vault.getAddress(), 0n);
      const { deadline, v, r, s } = await assetPermit(f, 500n * USD);
      await f.asset
        .connect(f.stranger)
        .permit(f.bob.address, await f.vault.getAddress(), 500n * USD, deadline, v, r, s);
      await f.vault.connect(f.bob).depositWithPermit(500n * USD, f.bob.address, deadline, v, r, s);
      expect(await f.vault.totalAssets()).to.equal(500n * USD);
    });

    it("redeem_byStrangerWithoutAllowance_reverts", async function () {
      const { vault, alice, stranger } = await networkHelpers.loadFixture(fundedFixture);
      await expect(vault.connect(stranger).redeem(1n, stranger.address, alice.address)).to.be.revertedWithCustomError(
        vault,
        "ERC20InsufficientAllowance",
      );
    });

    it("deposit_inflationAttack_attackerCannotStealFromVictim", async function () {
      const { vault, asset, alice, stranger: attacker } = await networkHelpers.loadFixture(vaultFixture);
      await vault.connect(attacker).deposit(1n, attacker.address);
      // The classic donation: inflate the price of the attacker's single share.
      await asset.connect(attacker).transfer(await vault.getAddress(), 100_000n * USD);
      expect(await vault.totalAssets()).to.equal(1n, "a donation does not move the booked assets");
      await vault.connect(alice).deposit(10_000n * USD, alice.address);
      expect(await vault.previewRedeem(await vault.balanceOf(alice.address))).to.be.closeTo(10_000n * USD, 1n);
      expect(await vault.previewRedeem(await vault.balanceOf(attacker.address))).to.be.lessThanOrEqual(1n);
    });

    it("previews_roundInTheVaultsFavour", async function () {
      const f = await networkHelpers.loadFixture(drawnFixture);
      const { vault, alice, keeper, capital } = f;
      // Make the price non-trivial: a profit unlocks, so assets/share is not a round number.
      await capital.connect(keeper).repay(f.drawId, 2_333n * USD, await f.receiptFor(keeper, f.campaignId, 333n * USD));
      await time.increase(DAY / 3);
      const assets = 777_777_777n;
      const sharesDown = await vault.convertToShares(assets);
      expect(await vault.previewDeposit(assets)).to.equal(sharesDown);
      expect(await vault.previewWithdraw(assets)).to.be.greaterThan(sharesDown - 1n);
      expect(await vault.previewRedeem(await vault.previewWithdraw(assets))).to.be.greaterThanOrEqual(assets);
      expect(await vault.previewMint(sharesDown)).to.be.lessThanOrEqual(assets);
      expect(await vault.previewMint(sharesDown + 1n)).to.be.greaterThan(await vault.convertToAssets(sharesDown));
      expect(await vault.balanceOf(alice.address)).to.be.greaterThan(0n);
    });
  });

  describe("sleeves and rebalance", function () {
    it("rebalance_movesIdleAssetsToTargetWeights", async function () {
      const { vault } = await networkHelpers.loadFixture(fundedFixture);
      expect(await vault.sleeveAssets(MM)).to.equal(7_000n * USD);
      expect(await vault.sleeveAssets(ARB)).to.equal(2_000n * USD);
      expect(await vault.sleeveAssets(BUFFER)).to.equal(1_000n * USD);
      expect(await vault.rebalanceNeeded()).to.equal(false);
    });

    it("rebalance_emitsTheNewSplit", async function () {
      const { vault, alice } = await networkHelpers.loadFixture(vaultFixture);
      await vault.connect(alice).deposit(1_000n * USD, alice.address);
      await expect(vault.rebalance())
        .to.emit(vault, "Rebalanced")
        .withArgs(100n * USD, 700n * USD, 200n * USD);
    });

    it("rebalanceNeeded_afterDepositBeyondTolerance", async function () {
      const { vault, alice } = await networkHelpers.loadFixture(fundedFixture);
      await vault.connect(alice).deposit(50n * USD, alice.address); // 0.5% of assets: within tolerance
      expect(await vault.rebalanceNeeded()).to.equal(false);
      await vault.connect(alice).deposit(500n * USD, alice.address);
      expect(await vault.rebalanceNeeded()).to.equal(true);
    });

    it("rebalance_bufferBelowTarget_refillsFromUndrawnSleeves", async function () {
      const { vault, alice } = await networkHelpers.loadFixture(fundedFixture);
      await vault.connect(alice).withdraw(1_000n * USD, alice.address, alice.address);
      expect(await vault.sleeveAssets(BUFFER)).to.equal(0n);
      await vault.rebalance();
      expect(await vault.sleeveAssets(BUFFER)).to.equal(900n * USD);
      expect(await vault.sleeveAssets(MM)).to.equal(6_300n * USD);
    });

    it("withdraw_servedFromBufferThenUndrawnSleeves", async function () {
      const { vault, alice } = await networkHelpers.loadFixture(fundedFixture);
      await vault.connect(alice).withdraw(1_500n * USD, alice.address, alice.address);
      expect(await vault.sleeveAssets(BUFFER)).to.equal(0n);
      expect(await vault.sleeveAssets(MM)).to.equal(6_500n * USD);
      expect(await vault.sleeveAssets(ARB)).to.equal(2_000n * USD);
    });

    it("maxWithdraw_limitedByLiquidAssets", async function () {
      const f = await networkHelpers.loadFixture(drawnFixture);
      const { vault, alice, keeper, keeper2, slashing, operator } = f;
      await slashing.bind(keeper2.address, operator.address, 10_000n);
      await f.drawFor(keeper2, MM, 2_500n * USD);
      await f.drawFor(keeper, ARB, 1n);
      const liquid = 10_000n * USD - 4_500n * USD - 1n;
      expect(await vault.maxWithdraw(alice.address)).to.equal(liquid);
      const maxShares = await vault.maxRedeem(alice.address);
      expect(await vault.previewRedeem(maxShares)).to.be.lessThanOrEqual(liquid);
      await expect(vault.connect(alice).withdraw(liquid + 1n, alice.address, alice.address))
        .to.be.revertedWithCustomError(vault, "ERC4626ExceededMaxWithdraw")
        .withArgs(alice.address, liquid + 1n, liquid);
      await vault.connect(alice).redeem(maxShares, alice.address, alice.address);
    });

    it("rebalance_byAnyoneRepeatedly_movesNoValue", async function () {
      const { vault, alice, stranger } = await networkHelpers.loadFixture(fundedFixture);
      await vault.connect(alice).deposit(3_333n * USD, alice.address);
      const assets = await vault.totalAssets();
      const max = await vault.maxWithdraw(alice.address);
      for (let i = 0; i < 3; i++) await vault.connect(stranger).rebalance();
      expect(await vault.totalAssets()).to.equal(assets);
      expect(await vault.maxWithdraw(alice.address)).to.equal(max);
    });

    it("sleeveAssets_invalidSleeve_reverts", async function () {
      const { vault } = await networkHelpers.loadFixture(vaultFixture);
      await expect(vault.sleeveAssets(3))
        .to.be.revertedWithCustomError(vault, "StrategyVaultInvalidSleeve")
        .withArgs(3);
    });
  });

  describe("breaker, pause and roles", function () {
    /** A material loss (above maxLossBps of assets) booked through the capital book trips the breaker. */
    async function trippedFixture() {
      const f = await drawnFixture();
      const id = await f.receiptFor(f.keeper, f.campaignId, -1_000n * USD);
      await f.capital.connect(f.keeper).repay(f.drawId, 1_000n * USD, id);
      await time.increase(DAY + 1);
      await f.capital.finalizeLoss(f.drawId);
      return f;
    }

    it("resetBreaker_byOwner_resumesDraws", async function () {
      const f = await networkHelpers.loadFixture(trippedFixture);
      expect(await f.vault.breakerTripped()).to.equal(true);
      await expect(f.vault.connect(f.owner).resetBreaker()).to.emit(f.vault, "BreakerReset").withArgs(f.owner.address);
      expect(await f.vault.breakerTripped()).to.equal(false);
      await f.drawFor(f.keeper, MM, 1n);
    });

    it("resetBreaker_byGuardianOrStranger_reverts", async function () {
      const { vault, guardian, stranger } = await networkHelpers.loadFixture(trippedFixture);
      for (const who of [guardian, stranger]) {
        await expect(vault.connect(who).resetBreaker())
          .to.be.revertedWithCustomError(vault, "OwnableUnauthorizedAccount")
          .withArgs(who.address);
      }
    });

    it("pause_byGuardianAtOnce_stopsDepositsButNotWithdrawals_unpauseByOwnerOnly", async function () {
      const { vault, guardian, owner, alice } = await networkHelpers.loadFixture(fundedFixture);
      await expect(vault.connect(guardian).pause()).to.emit(vault, "Paused").withArgs(guardian.address);
      expect(await vault.paused()).to.equal(true);
      expect(await vault.maxDeposit(alice.address)).to.equal(0n);
      expect(await vault.maxMint(alice.address)).to.equal(0n);
      await expect(vault.connect(alice).deposit(1n, alice.address))
        .to.be.revertedWithCustomError(vault, "ERC4626ExceededMaxDeposit")
        .withArgs(alice.address, 1n, 0n);
      await expect(vault.connect(alice).mint(1n, alice.address)).to.be.revertedWithCustomError(
        vault,
        "ERC4626ExceededMaxMint",
      );
      await vault.connect(alice).withdraw(100n * USD, alice.address, alice.address);
      // The guardian can stop, never restart: unpausing is the timelock's.
      await expect(vault.connect(guardian).unpause())
        .to.be.revertedWithCustomError(vault, "OwnableUnauthorizedAccount")
        .withArgs(guardian.address);
      await expect(vault.connect(owner).unpause()).to.emit(vault, "Unpaused").withArgs(owner.address);
      await vault.connect(alice).deposit(1n, alice.address);
    });

    it("pause_byStranger_reverts", async function () {
      const { vault, stranger } = await networkHelpers.loadFixture(fundedFixture);
      await expect(vault.connect(stranger).pause()).to.be.revertedWithCustomError(vault, "StrategyVaultNotGuardian");
      await expect(vault.connect(stranger).unpause()).to.be.revertedWithCustomError(
        vault,
        "OwnableUnauthorizedAccount",
      );
    });

    it("capitalCalls_byAnyoneButTheCapitalBook_revert", async function () {
      const { vault, keeper, operator } = await networkHelpers.loadFixture(fundedFixture);
      for (const call of [
        vault.connect(keeper).capitalOut(MM, 1n, keeper.address),
        vault.connect(keeper).capitalIn(MM, 0n, 1n, operator.address, 1n),
        vault.connect(keeper).bookLoss(MM, 0n),
        vault.connect(keeper).tripBreaker(ethers.encodeBytes32String("x"), 0n, 0n),
      ]) {
        await expect(call).to.be.revertedWithCustomError(vault, "StrategyVaultNotCapitalBook").withArgs(keeper.address);
      }
    });

    it("setters_byStranger_revert", async function () {
      const { vault, stranger } = await networkHelpers.loadFixture(vaultFixture);
      for (const call of [
        vault.connect(stranger).setCapitalBook(stranger.address),
        vault.connect(stranger).setGuardian(stranger.address),
      ]) {
        await expect(call)
          .to.be.revertedWithCustomError(vault, "OwnableUnauthorizedAccount")
          .withArgs(stranger.address);
      }
    });

    it("setters_byOwner_setAndEmit", async function () {
      const { vault, owner, stranger } = await networkHelpers.loadFixture(vaultFixture);
      await expect(vault.connect(owner).setCapitalBook(stranger.address))
        .to.emit(vault, "SourceSet")
        .withArgs(ethers.encodeBytes32String("capitalBook"), stranger.address);
      expect(await vault.capitalBook()).to.equal(stranger.address);
      await expect(vault.connect(owner).setCapitalBook(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        vault,
        "StrategyVaultZeroAddress",
      );
    });
  });

  describe("Earn", function () {
    it("lock_tierZeroOrUnknown_reverts", async function () {
      const { vault, alice } = await networkHelpers.loadFixture(fundedFixture);
      for (const tier of [0, 3]) {
        await expect(vault.connect(alice).lock(1n, tier))
          .to.be.revertedWithCustomError(vault, "StrategyVaultLockTierInvalid")
          .withArgs(tier);
      }
    });

    it("lock_moreThanUnlockedBalance_reverts", async function () {
      const { vault, alice } = await networkHelpers.loadFixture(fundedFixture);
      const shares = await vault.balanceOf(alice.address);
      await vault.connect(alice).lock(shares / 2n, 1);
      await expect(vault.connect(alice).lock(shares / 2n + 1n, 2))
        .to.be.revertedWithCustomError(vault, "StrategyVaultSharesLocked")
        .withArgs(alice.address, shares / 2n + 1n, shares - shares / 2n);
    });

    it("lock_recordsTierExpiryAndEmits", async function () {
      const { vault, alice } = await networkHelpers.loadFixture(fundedFixture);
      const t = (await time.latest()) + 5;
      await time.setNextBlockTimestamp(t);
      await expect(vault.connect(alice).lock(1_000n, 2))
        .to.emit(vault, "Locked")
        .withArgs(alice.address, 1n, 1_000n, 2, t + 90 * DAY);
      const l = await vault.getLock(1n);
      expect(l.owner).to.equal(alice.address);
      expect(l.weight).to.equal(2_000n); // 2x multiplier
      expect(await vault.lockedShares(alice.address)).to.equal(1_000n);
    });

    it("transfer_lockedShares_reverts", async function () {
      const { vault, alice, bob } = await networkHelpers.loadFixture(fundedFixture);
      const shares = await vault.balanceOf(alice.address);
      await vault.connect(alice).lock(shares - 10n, 1);
      await expect(vault.connect(alice).transfer(bob.address, 11n))
        .to.be.revertedWithCustomError(vault, "StrategyVaultSharesLocked")
        .withArgs(alice.address, 11n, 10n);
      await vault.connect(alice).approve(bob.address, shares);
      await expect(vault.connect(bob).transferFrom(alice.address, bob.address, 11n)).to.be.revertedWithCustomError(
        vault,
        "StrategyVaultSharesLocked",
      );
      await vault.connect(alice).transfer(bob.address, 10n);
    });

    it("redeem_lockedShares_reverts", async function () {
      const { vault, alice } = await networkHelpers.loadFixture(fundedFixture);
      const shares = await vault.balanceOf(alice.address);
      await vault.connect(alice).lock(shares, 1);
      expect(await vault.maxRedeem(alice.address)).to.equal(0n);
      expect(await vault.maxWithdraw(alice.address)).to.equal(0n);
      await expect(vault.connect(alice).redeem(1n, alice.address, alice.address)).to.be.revertedWithCustomError(
        vault,
        "ERC4626ExceededMaxRedeem",
      );
    });

    it("unlock_beforeExpiry_reverts", async function () {
      const { vault, alice } = await networkHelpers.loadFixture(fundedFixture);
      await vault.connect(alice).lock(1_000n, 1);
      const { unlockAt } = await vault.getLock(1n);
      await expect(vault.connect(alice).unlock(1n))
        .to.be.revertedWithCustomError(vault, "StrategyVaultLockNotExpired")
        .withArgs(1n, unlockAt);
    });

    it("unlock_expiredLockByAnyone_returnsSharesToOwnerAndDropsWeight", async function () {
      const { vault, alice, bob } = await networkHelpers.loadFixture(fundedFixture);
      await vault.connect(alice).lock(1_000n, 1);
      await time.increase(31 * DAY);
      await expect(vault.connect(bob).unlock(1n)).to.emit(vault, "Unlocked").withArgs(alice.address, 1n, 1_000n);
      expect(await vault.lockedShares(alice.address)).to.equal(0n);
      expect(await vault.balanceOf(bob.address)).to.equal(0n);
    });

    it("unlock_afterExpiry_freesShares", async function () {
      const { vault, alice, bob } = await networkHelpers.loadFixture(fundedFixture);
      await vault.connect(alice).lock(1_000n, 1);
      await time.increase(30 * DAY);
      await expect(vault.connect(alice).unlock(1n)).to.emit(vault, "Unlocked").withArgs(alice.address, 1n, 1_000n);
      expect(await vault.lockedShares(alice.address)).to.equal(0n);
      await expect(vault.connect(alice).unlock(1n))
        .to.be.revertedWithCustomError(vault, "StrategyVaultLockUnknown")
        .withArgs(1n);
      await vault.connect(alice).transfer(bob.address, await vault.balanceOf(alice.address));
    });

    it("earned_weightedBySharesTimesMultiplier_andClaimed", async function () {
      const f = await networkHelpers.loadFixture(drawnFixture);
      const { vault, asset, alice, bob, keeper, capital } = f;
      await vault.connect(bob).deposit(10_000n * USD, bob.address);
      const lockShares = await vault.balanceOf(bob.address);
      await vault.connect(alice).lock(lockShares, 1); // weight 1.5x
      await vault.connect(bob).lock(lockShares, 2); // weight 2x
      const id = await f.receiptFor(keeper, f.campaignId, 700n * USD);
      // profit 700: Earn 10% = 70 (locks weigh 3.5x the locked shares, more than the supply: the full slice),
      // split 1.5 : 2 -> 30 and 40.
      await expect(capital.connect(keeper).repay(f.drawId, 2_700n * USD, id))
        .to.emit(vault, "ProfitSplit")
        .withArgs(560n * USD, 70n * USD, 70n * USD, f.operator.address);
      expect(await vault.earned(alice.address)).to.be.closeTo(30n * USD, 1n);
      expect(await vault.earned(bob.address)).to.be.closeTo(40n * USD, 1n);
      const owed = await vault.earned(bob.address);
      const before = await asset.balanceOf(bob.address);
      await expect(vault.connect(bob).claim()).to.emit(vault, "EarnClaimed").withArgs(bob.address, owed);
      expect((await asset.balanceOf(bob.address)) - before).to.equal(owed);
      expect(await vault.earned(bob.address)).to.equal(0n);
      expect(await vault.connect(bob).claim.staticCall()).to.equal(0n);
    });

    it("earned_lockAfterProfit_getsNoneOfIt", async function () {
      const f = await networkHelpers.loadFixture(drawnFixture);
      const { vault, alice, bob, keeper, capital } = f;
      await vault.connect(alice).lock(await vault.balanceOf(alice.address), 2); // weight 2x the whole supply
      await capital.connect(keeper).repay(f.drawId, 2_100n * USD, await f.receiptFor(keeper, f.campaignId, 100n * USD));
      await vault.connect(bob).deposit(1_000n * USD, bob.address);
      await vault.connect(bob).lock(await vault.balanceOf(bob.address), 2);
      expect(await vault.earned(bob.address)).to.equal(0n);
      expect(await vault.earned(alice.address)).to.be.closeTo(10n * USD, 1n);
    });

    it("votes_lockedSharesKeepTheirVotes", async function () {
      const { vault, alice } = await networkHelpers.loadFixture(fundedFixture);
      await vault.connect(alice).delegate(alice.address);
      const shares = await vault.balanceOf(alice.address);
      await vault.connect(alice).lock(shares, 2);
      expect(await vault.getVotes(alice.address)).to.equal(shares);
    });
  });

  describe("reentrancy through a hostile asset", function () {
    async function hostileFixture() {
      const [owner, alice, keeper, operator] = await ethers.getSigners();
      const token = await ethers.deployContract("ReentrantAsset");
      const params = await ethers.deployContract("Parameters", [owner!.address]);
      const feed = await ethers.deployContract("MockV3Aggregator", [8, PRICE_ONE]);
      const slashing = await ethers.deployContract("TestCapitalSlashing", [await token.getAddress()]);
      const claims = await ethers.deployContract("TestCampaignClaims");
      const receipts = await ethers.deployContract("TestReceiptSource");
      const vault = await ethers.deployContract("StrategyVault", [
        await token.getAddress(),
        await params.getAddress(),
        owner!.address,
      ]);
      const capital = await ethers.deployContract("KeeperCapital", [
        await vault.getAddress(),
        await params.getAddress(),
        owner!.address,
        await slashing.getAddress(),
        await slashing.getAddress(),
        await claims.getAddress(),
        await receipts.getAddress(),
        await feed.getAddress(),
      ]);
      await vault.setCapitalBook(await capital.getAddress());
      await slashing.setBook(await capital.getAddress());
      await slashing.bind(keeper!.address, operator!.address, 10_000n);
      for (const s of [alice!, keeper!, operator!]) {
        await token.mint(s.address, 1_000_000n * USD);
        await token.connect(s).approve(await vault.getAddress(), ethers.MaxUint256);
        await token.connect(s).approve(await capital.getAddress(), ethers.MaxUint256);
      }
      await token.connect(operator!).approve(await slashing.getAddress(), ethers.MaxUint256);
      await slashing.connect(operator!).stake(operator!.address, 10_000n * USD);
      await vault.connect(alice!).deposit(10_000n * USD, alice!.address);
      await vault.rebalance();
      const campaignId = ethers.id("hostile");
      await claims.setClaim(campaignId, keeper!.address, (await time.latest()) + 3_600);
      return { token, vault, capital, receipts, campaignId, alice: alice!, keeper: keeper! };
    }

    const reentrantSelector = ethers.id("ReentrancyGuardReentrantCall()").slice(0, 10);

    it("deposit_reentrantRedeemFromToken_isBlocked", async function () {
      const { token, vault, alice } = await networkHelpers.loadFixture(hostileFixture);
      const tokenAddress = await token.getAddress();
      await token.arm(
        await vault.getAddress(),
        vault.interface.encodeFunctionData("redeem", [1n, tokenAddress, tokenAddress]),
      );
      await vault.connect(alice).deposit(1_000n * USD, alice.address);
      expect(await token.lastCallSucceeded()).to.equal(false);
      expect(await token.lastRevertData()).to.equal(reentrantSelector);
      expect(await vault.totalAssets()).to.equal(11_000n * USD);
    });

    it("draw_reentrantDrawFromToken_isBlocked", async function () {
      const { token, vault, capital, keeper, campaignId } = await networkHelpers.loadFixture(hostileFixture);
      const other = ethers.id("other");
      await token.arm(await capital.getAddress(), capital.interface.encodeFunctionData("draw", [other, MM, 1n]));
      await capital.connect(keeper).draw(campaignId, MM, 100n * USD);
      expect(await token.lastCallSucceeded()).to.equal(false);
      expect(await token.lastRevertData()).to.equal(reentrantSelector);
      expect(await vault.sleeveDrawn(MM)).to.equal(100n * USD);
    });

    it("repay_reentrantRepayFromToken_isBlocked", async function () {
      const { token, capital, receipts, keeper, campaignId } = await networkHelpers.loadFixture(hostileFixture);
      await capital.connect(keeper).draw(campaignId, MM, 100n * USD);
      await receipts.addFor(keeper.address, campaignId, PRICE_ONE, 50n * USD);
      await token.arm(await capital.getAddress(), capital.interface.encodeFunctionData("repay", [1n, 150n * USD, 1n]));
      await capital.connect(keeper).repay(1n, 150n * USD, 1n);
      expect(await token.lastCallSucceeded()).to.equal(false);
      expect(await token.lastRevertData()).to.equal(reentrantSelector);
    });
  });

  describe("votes clock", function () {
    it("clock_isHourEpochs", async function () {
      const { vault } = await networkHelpers.loadFixture(vaultFixture);
      const now = await time.latest();
      expect(await vault.clock()).to.equal(BigInt(Math.floor(now / 3_600)));
      expect(await vault.CLOCK_MODE()).to.equal("mode=timestamp&epoch=3600");
    });

    it("parameters_key_isReadByName", async function () {
      const { params } = await networkHelpers.loadFixture(vaultFixture);
      expect(await params.get(key("rebalanceToleranceBps"))).to.equal(100n);
    });
  });
});

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

/** Funded, and the keeper holds 2,000 USD drawn from market making. */
async function drawnFixture() {
  const f = await fundedFixture();
  await f.vault.connect(f.keeper).draw(MM, 2_000n * USD);
  return f;
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
      const { vault, alice, keeper, receipts } = await networkHelpers.loadFixture(drawnFixture);
      // Make the price non-trivial: a profit unlocks, so assets/share is not a round number.
      const id = await receipts.add.staticCall(keeper.address, PRICE_ONE, 0n);
      await receipts.add(keeper.address, PRICE_ONE, 0n);
      await vault.connect(keeper).repay(MM, 2_000n * USD, 2_333n * USD, id);
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
      const { vault, alice, keeper, keeper2, eligibility, operator } = await networkHelpers.loadFixture(drawnFixture);
      await eligibility.setKeeper(keeper2.address, true, 10_000n, operator.address);
      await vault.connect(keeper2).draw(MM, 2_500n * USD);
      await vault.connect(keeper).draw(ARB, 1n);
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

  describe("draw", function () {
    it("draw_eligibleKeeper_transfersAndBooks", async function () {
      const { vault, asset, keeper } = await networkHelpers.loadFixture(fundedFixture);
      const before = await asset.balanceOf(keeper.address);
      await expect(vault.connect(keeper).draw(MM, 1_000n * USD))
        .to.emit(vault, "Drawn")
        .withArgs(keeper.address, MM, 1_000n * USD);
      expect((await asset.balanceOf(keeper.address)) - before).to.equal(1_000n * USD);
      expect(await vault.sleeveDrawn(MM)).to.equal(1_000n * USD);
      expect(await vault.keeperDrawn(keeper.address, MM)).to.equal(1_000n * USD);
      expect(await vault.sleeveAssets(MM)).to.equal(7_000n * USD);
      expect(await vault.totalAssets()).to.equal(10_000n * USD);
    });

    it("drawable_isTheSmallestOfTheCaps", async function () {
      const { vault, keeper, stranger, eligibility, operator, guardian } =
        await networkHelpers.loadFixture(fundedFixture);
      expect(await vault.drawable(keeper.address, MM)).to.equal(2_500n * USD); // keeper cap
      expect(await vault.drawable(keeper.address, ARB)).to.equal(2_000n * USD); // sleeve cap and idle
      await eligibility.setKeeper(keeper.address, true, 4_000n, operator.address);
      expect(await vault.drawable(keeper.address, MM)).to.equal(1_000n * USD);
      await vault.connect(keeper).draw(MM, 1_000n * USD);
      expect(await vault.drawable(keeper.address, ARB)).to.equal(0n);
      expect(await vault.drawable(stranger.address, MM)).to.equal(0n);
      await eligibility.setKeeper(keeper.address, true, 10_000n, operator.address);
      await vault.connect(guardian).pause();
      expect(await vault.drawable(keeper.address, MM)).to.equal(0n);
    });

    it("draw_notEligible_reverts", async function () {
      const { vault, stranger } = await networkHelpers.loadFixture(fundedFixture);
      await expect(vault.connect(stranger).draw(MM, 1n))
        .to.be.revertedWithCustomError(vault, "StrategyVaultNotEligible")
        .withArgs(stranger.address);
    });

    it("draw_eligibilitySourceUnset_reverts", async function () {
      const { asset, params, alice } = await networkHelpers.loadFixture(vaultFixture);
      const bare = await ethers.deployContract("StrategyVault", [
        await asset.getAddress(),
        await params.getAddress(),
        alice.address,
        ethers.ZeroAddress,
        ethers.ZeroAddress,
        ethers.ZeroAddress,
      ]);
      await expect(bare.connect(alice).draw(MM, 1n))
        .to.be.revertedWithCustomError(bare, "StrategyVaultSourceNotSet")
        .withArgs(ethers.encodeBytes32String("eligibility"));
    });

    it("draw_pastSleeveCap_reverts", async function () {
      const { vault, keeper, keeper2, eligibility, operator } = await networkHelpers.loadFixture(fundedFixture);
      await eligibility.setKeeper(keeper2.address, true, 10_000n, operator.address);
      await vault.connect(keeper).draw(ARB, 1_500n * USD);
      await expect(vault.connect(keeper2).draw(ARB, 501n * USD))
        .to.be.revertedWithCustomError(vault, "StrategyVaultSleeveCapExceeded")
        .withArgs(ARB, 501n * USD, 500n * USD);
    });

    it("draw_pastKeeperCapScaledByScore_reverts", async function () {
      const { vault, keeper, eligibility, operator } = await networkHelpers.loadFixture(fundedFixture);
      await eligibility.setKeeper(keeper.address, true, 5_000n, operator.address);
      // keeperCapBps 25% x 10,000 USD x score 50% = 1,250 USD.
      await vault.connect(keeper).draw(MM, 1_000n * USD);
      await expect(vault.connect(keeper).draw(ARB, 251n * USD))
        .to.be.revertedWithCustomError(vault, "StrategyVaultKeeperCapExceeded")
        .withArgs(keeper.address, 251n * USD, 250n * USD);
    });

    it("draw_moreThanSleeveHoldsUndrawn_reverts", async function () {
      const { vault, alice, keeper } = await networkHelpers.loadFixture(vaultFixture);
      await vault.connect(alice).deposit(10_000n * USD, alice.address); // not rebalanced: all in the buffer
      await expect(vault.connect(keeper).draw(MM, 1n))
        .to.be.revertedWithCustomError(vault, "StrategyVaultSleeveIdleExceeded")
        .withArgs(MM, 1n, 0n);
    });

    it("draw_fromBuffer_reverts", async function () {
      const { vault, keeper } = await networkHelpers.loadFixture(fundedFixture);
      await expect(vault.connect(keeper).draw(BUFFER, 1n))
        .to.be.revertedWithCustomError(vault, "StrategyVaultInvalidSleeve")
        .withArgs(BUFFER);
    });

    it("draw_zero_reverts", async function () {
      const { vault, keeper } = await networkHelpers.loadFixture(fundedFixture);
      await expect(vault.connect(keeper).draw(MM, 0n)).to.be.revertedWithCustomError(vault, "StrategyVaultZeroAmount");
    });

    it("draw_whilePaused_reverts", async function () {
      const { vault, keeper, guardian } = await networkHelpers.loadFixture(fundedFixture);
      await vault.connect(guardian).pause();
      await expect(vault.connect(keeper).draw(MM, 1n)).to.be.revertedWithCustomError(vault, "StrategyVaultIsPaused");
    });
  });

  describe("repay, profit and loss", function () {
    async function receipt(
      f: Awaited<ReturnType<typeof drawnFixture>>,
      price = PRICE_ONE,
      who = f.keeper.address,
      pnl = 0n,
    ) {
      const id = await f.receipts.add.staticCall(who, price, pnl);
      await f.receipts.add(who, price, pnl);
      return id;
    }

    it("repay_profit_unlocksLinearlyOverThePeriod", async function () {
      const f = await networkHelpers.loadFixture(drawnFixture);
      const { vault, keeper } = f;
      const id = await receipt(f);
      const t0 = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(t0);
      // profit 100: keeper fee 10% x score 100% = 10, no lockers so no Earn share: 90 locked.
      await expect(vault.connect(keeper).repay(MM, 2_000n * USD, 2_100n * USD, id))
        .to.emit(vault, "Repaid")
        .withArgs(keeper.address, MM, id, 2_000n * USD, 2_100n * USD, 100n * USD, 0n)
        .and.to.emit(vault, "ProfitSplit")
        .withArgs(90n * USD, 0n, 10n * USD, f.operator.address);
      expect(await vault.totalAssets()).to.equal(10_000n * USD);
      expect(await vault.lockedProfit()).to.equal(90n * USD);
      await time.increaseTo(t0 + DAY / 2);
      expect(await vault.totalAssets()).to.equal(10_045n * USD);
      await time.increaseTo(t0 + DAY);
      expect(await vault.totalAssets()).to.equal(10_090n * USD);
      expect(await vault.lockedProfit()).to.equal(0n);
      expect(await vault.reservedAssets()).to.equal(10n * USD);
    });

    it("absorbSurplus_slashedStakeSentToVault_unlocksAsProfit", async function () {
      const f = await networkHelpers.loadFixture(drawnFixture);
      const { vault, asset, stranger } = f;
      expect(await vault.absorbSurplus.staticCall()).to.equal(0n);
      await asset.connect(stranger).transfer(await vault.getAddress(), 500n * USD); // e.g. a slash
      expect(await vault.totalAssets()).to.equal(10_000n * USD);
      const t0 = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(t0);
      await expect(vault.connect(stranger).absorbSurplus())
        .to.emit(vault, "SurplusAbsorbed")
        .withArgs(500n * USD);
      expect(await vault.lockedProfit()).to.equal(500n * USD);
      expect(await vault.totalAssets()).to.equal(10_000n * USD);
      await time.increaseTo(t0 + DAY);
      expect(await vault.totalAssets()).to.equal(10_500n * USD);
      expect(await vault.absorbSurplus.staticCall()).to.equal(0n);
    });

    it("repay_harvestSandwich_earnsNothingForTheSandwicher", async function () {
      const f = await networkHelpers.loadFixture(drawnFixture);
      const { vault, asset, keeper, bob } = f;
      const id = await receipt(f);
      const before = await asset.balanceOf(bob.address);
      await vault.connect(bob).deposit(100_000n * USD, bob.address);
      await vault.connect(keeper).repay(MM, 2_000n * USD, 3_000n * USD, id);
      await vault.connect(bob).redeem(await vault.maxRedeem(bob.address), bob.address, bob.address);
      // The unlocked sliver of one block is all the sandwicher could get: far below its share of 1,000.
      expect((await asset.balanceOf(bob.address)) - before).to.be.lessThan(1n * USD);
    });

    it("repay_keeperFee_weightedByScoreAndClaimableByOperator", async function () {
      const f = await networkHelpers.loadFixture(drawnFixture);
      const { vault, asset, keeper, operator, eligibility } = f;
      await eligibility.setKeeper(keeper.address, true, 6_000n, operator.address);
      await vault.connect(keeper).repay(MM, 2_000n * USD, 2_100n * USD, await receipt(f));
      expect(await vault.keeperFees(operator.address)).to.equal(6n * USD); // 100 x 10% x 60%
      const before = await asset.balanceOf(operator.address);
      await expect(vault.connect(operator).claimKeeperFees())
        .to.emit(vault, "KeeperFeesClaimed")
        .withArgs(operator.address, 6n * USD);
      expect((await asset.balanceOf(operator.address)) - before).to.equal(6n * USD);
      expect(await vault.keeperFees(operator.address)).to.equal(0n);
      expect(await vault.reservedAssets()).to.equal(0n);
    });

    it("repay_loss_hitsSharePriceAtOnce", async function () {
      const f = await networkHelpers.loadFixture(drawnFixture);
      const { vault, keeper } = f;
      const price = await vault.convertToAssets(10n ** 12n);
      await vault
        .connect(keeper)
        .repay(MM, 2_000n * USD, 1_900n * USD, await receipt(f, PRICE_ONE, keeper.address, -100n * USD));
      expect(await vault.totalAssets()).to.equal(9_900n * USD);
      expect(await vault.convertToAssets(10n ** 12n)).to.be.lessThan(price);
      expect(await vault.breakerTripped()).to.equal(false); // 1% < maxLossBps 2%
    });

    it("repay_lossAboveMax_tripsBreakerAndStopsDraws", async function () {
      const f = await networkHelpers.loadFixture(drawnFixture);
      const { vault, keeper } = f;
      const lossReceipt = await receipt(f, PRICE_ONE, keeper.address, -300n * USD);
      await expect(vault.connect(keeper).repay(MM, 1_000n * USD, 700n * USD, lossReceipt))
        .to.emit(vault, "BreakerTripped")
        .withArgs(ethers.encodeBytes32String("loss"), 300n * USD, 200n * USD);
      expect(await vault.breakerTripped()).to.equal(true);
      await expect(vault.connect(keeper).draw(MM, 1n)).to.be.revertedWithCustomError(
        vault,
        "StrategyVaultBreakerIsTripped",
      );
      // Capital can still come home while tripped.
      await vault.connect(keeper).repay(MM, 1_000n * USD, 1_000n * USD, await receipt(f));
    });

    it("repay_priceOutsideBound_tripsBreakerAndWithholdsFee", async function () {
      const f = await networkHelpers.loadFixture(drawnFixture);
      const { vault, keeper, operator } = f;
      const id = await receipt(f, (PRICE_ONE * 103n) / 100n); // 3% off, bound 2%
      await expect(vault.connect(keeper).repay(MM, 2_000n * USD, 2_100n * USD, id))
        .to.emit(vault, "BreakerTripped")
        .withArgs(ethers.encodeBytes32String("price"), 300n, 200n);
      expect(await vault.keeperFees(operator.address)).to.equal(0n);
      expect(await vault.breakerTripped()).to.equal(true);
    });

    it("repay_returnsLessThanReceiptPnl_tripsBreakerAndWithholdsFee", async function () {
      const f = await networkHelpers.loadFixture(drawnFixture);
      const { vault, keeper, operator } = f;
      // The trace says +200; the keeper hands back only +50 and keeps the rest.
      const id = await receipt(f, PRICE_ONE, keeper.address, 200n * USD);
      await expect(vault.connect(keeper).repay(MM, 2_000n * USD, 2_050n * USD, id))
        .to.emit(vault, "BreakerTripped")
        .withArgs(ethers.encodeBytes32String("pnl"), 150n * USD, 0n);
      expect(await vault.keeperFees(operator.address)).to.equal(0n);
      expect(await vault.breakerTripped()).to.equal(true);
    });

    it("repay_reportedLossButReturnsLess_tripsBreaker", async function () {
      const f = await networkHelpers.loadFixture(drawnFixture);
      const id = await receipt(f, PRICE_ONE, f.keeper.address, -10n * USD);
      await expect(f.vault.connect(f.keeper).repay(MM, 2_000n * USD, 1_980n * USD, id))
        .to.emit(f.vault, "BreakerTripped")
        .withArgs(ethers.encodeBytes32String("pnl"), 10n * USD, 0n);
    });

    it("repay_returnsAtLeastReceiptPnl_doesNotTrip", async function () {
      const f = await networkHelpers.loadFixture(drawnFixture);
      const id = await receipt(f, PRICE_ONE, f.keeper.address, 100n * USD);
      await f.vault.connect(f.keeper).repay(MM, 2_000n * USD, 2_100n * USD, id);
      expect(await f.vault.breakerTripped()).to.equal(false);
      expect(await f.vault.keeperFees(f.operator.address)).to.equal(10n * USD);
    });

    it("repay_priceWithinBound_doesNotTrip", async function () {
      const f = await networkHelpers.loadFixture(drawnFixture);
      const id = await receipt(f, (PRICE_ONE * 98n) / 100n);
      await f.vault.connect(f.keeper).repay(MM, 2_000n * USD, 2_000n * USD, id);
      expect(await f.vault.breakerTripped()).to.equal(false);
    });

    it("repay_staleOracle_reverts", async function () {
      const f = await networkHelpers.loadFixture(drawnFixture);
      const id = await receipt(f);
      const { updatedAt } = await f.feed.latestRoundData();
      await time.increase(3_601);
      await expect(f.vault.connect(f.keeper).repay(MM, 2_000n * USD, 2_000n * USD, id))
        .to.be.revertedWithCustomError(f.vault, "StrategyVaultOracleStale")
        .withArgs(updatedAt, 3_600n);
    });

    it("repay_nonPositiveOracleAnswer_reverts", async function () {
      const f = await networkHelpers.loadFixture(drawnFixture);
      const id = await receipt(f);
      await f.feed.updateAnswer(0n);
      await expect(f.vault.connect(f.keeper).repay(MM, 2_000n * USD, 2_000n * USD, id))
        .to.be.revertedWithCustomError(f.vault, "StrategyVaultOracleInvalidAnswer")
        .withArgs(0n);
      await f.feed.updateAnswer(-1n);
      await expect(f.vault.connect(f.keeper).repay(MM, 2_000n * USD, 2_000n * USD, id))
        .to.be.revertedWithCustomError(f.vault, "StrategyVaultOracleInvalidAnswer")
        .withArgs(-1n);
    });

    it("repay_receiptOfAnotherKeeper_reverts", async function () {
      const f = await networkHelpers.loadFixture(drawnFixture);
      const id = await receipt(f, PRICE_ONE, f.keeper2.address);
      await expect(f.vault.connect(f.keeper).repay(MM, 2_000n * USD, 2_000n * USD, id))
        .to.be.revertedWithCustomError(f.vault, "StrategyVaultReceiptNotOwned")
        .withArgs(id, f.keeper2.address, f.keeper.address);
    });

    it("repay_receiptReplayed_reverts", async function () {
      const f = await networkHelpers.loadFixture(drawnFixture);
      const id = await receipt(f);
      await f.vault.connect(f.keeper).repay(MM, 1_000n * USD, 1_000n * USD, id);
      await expect(f.vault.connect(f.keeper).repay(MM, 1_000n * USD, 1_000n * USD, id))
        .to.be.revertedWithCustomError(f.vault, "StrategyVaultReceiptAlreadyUsed")
        .withArgs(id);
    });

    it("repay_unknownReceipt_reverts", async function () {
      const f = await networkHelpers.loadFixture(drawnFixture);
      await expect(f.vault.connect(f.keeper).repay(MM, 1n, 1n, 99n))
        .to.be.revertedWithCustomError(f.receipts, "TestReceiptSourceUnknown")
        .withArgs(99n);
    });

    it("repay_byStrangerWhoDrewNothing_reverts", async function () {
      const f = await networkHelpers.loadFixture(drawnFixture);
      const id = await receipt(f, PRICE_ONE, f.stranger.address);
      await expect(f.vault.connect(f.stranger).repay(MM, 1n, 1_000_000n * USD, id))
        .to.be.revertedWithCustomError(f.vault, "StrategyVaultRepayExceedsDrawn")
        .withArgs(f.stranger.address, MM, 1n, 0n);
    });

    it("repay_moreThanDrawnFromThatSleeve_reverts", async function () {
      const f = await networkHelpers.loadFixture(drawnFixture);
      const id = await receipt(f);
      await expect(f.vault.connect(f.keeper).repay(ARB, 1n, 1n, id))
        .to.be.revertedWithCustomError(f.vault, "StrategyVaultRepayExceedsDrawn")
        .withArgs(f.keeper.address, ARB, 1n, 0n);
    });

    it("repay_withoutReceipt_returnsPrincipalOnlyAndKeepsSharePrice", async function () {
      // Capital whose campaign traded nothing goes back without a receipt (id 0).
      const f = await networkHelpers.loadFixture(drawnFixture);
      const { vault, keeper } = f;
      const price = await vault.convertToAssets(10n ** 12n);
      const drawn = await vault.keeperDrawn(keeper.address, MM);
      await expect(vault.connect(keeper).repay(MM, 500n * USD, 500n * USD, 0n))
        .to.emit(vault, "Repaid")
        .withArgs(keeper.address, MM, 0n, 500n * USD, 500n * USD, 0n, 0n);
      expect(await vault.keeperDrawn(keeper.address, MM)).to.equal(drawn - 500n * USD);
      expect(await vault.convertToAssets(10n ** 12n)).to.equal(price);
      // Id 0 is not consumed: the rest can go back the same way.
      await vault.connect(keeper).repay(MM, drawn - 500n * USD, drawn - 500n * USD, 0n);
      expect(await vault.keeperDrawn(keeper.address, MM)).to.equal(0n);
    });

    it("repay_withoutReceiptClaimingProfitOrLoss_reverts", async function () {
      // No PnL without evidence: a loss would socialise an unproven loss, a profit would skip the receipt's checks.
      const f = await networkHelpers.loadFixture(drawnFixture);
      const { vault, keeper } = f;
      await expect(vault.connect(keeper).repay(MM, 500n * USD, 400n * USD, 0n))
        .to.be.revertedWithCustomError(vault, "StrategyVaultReceiptRequired")
        .withArgs(500n * USD, 400n * USD);
      await expect(vault.connect(keeper).repay(MM, 500n * USD, 600n * USD, 0n))
        .to.be.revertedWithCustomError(vault, "StrategyVaultReceiptRequired")
        .withArgs(500n * USD, 600n * USD);
    });

    it("repay_withoutReceiptByStrangerWhoDrewNothing_reverts", async function () {
      const f = await networkHelpers.loadFixture(drawnFixture);
      await expect(f.vault.connect(f.stranger).repay(MM, 1n, 1n, 0n))
        .to.be.revertedWithCustomError(f.vault, "StrategyVaultRepayExceedsDrawn")
        .withArgs(f.stranger.address, MM, 1n, 0n);
    });

    it("repay_zeroPrincipal_reverts", async function () {
      const f = await networkHelpers.loadFixture(drawnFixture);
      await expect(f.vault.connect(f.keeper).repay(MM, 0n, 1n, 1n)).to.be.revertedWithCustomError(
        f.vault,
        "StrategyVaultZeroAmount",
      );
    });
  });

  describe("breaker, pause and roles", function () {
    async function trippedFixture() {
      const f = await drawnFixture();
      const id = await f.receipts.add.staticCall(f.keeper.address, PRICE_ONE * 2n, 0n);
      await f.receipts.add(f.keeper.address, PRICE_ONE * 2n, 0n);
      await f.vault.connect(f.keeper).repay(MM, 1_000n * USD, 1_000n * USD, id);
      return f;
    }

    it("resetBreaker_byGuardian_resumesDraws", async function () {
      const { vault, guardian, keeper } = await networkHelpers.loadFixture(trippedFixture);
      await expect(vault.connect(guardian).resetBreaker()).to.emit(vault, "BreakerReset").withArgs(guardian.address);
      expect(await vault.breakerTripped()).to.equal(false);
      await vault.connect(keeper).draw(MM, 1n);
    });

    it("resetBreaker_byOwner_succeeds", async function () {
      const { vault, owner } = await networkHelpers.loadFixture(trippedFixture);
      await vault.connect(owner).resetBreaker();
      expect(await vault.breakerTripped()).to.equal(false);
    });

    it("resetBreaker_byStranger_reverts", async function () {
      const { vault, stranger } = await networkHelpers.loadFixture(trippedFixture);
      await expect(vault.connect(stranger).resetBreaker())
        .to.be.revertedWithCustomError(vault, "StrategyVaultNotGuardian")
        .withArgs(stranger.address);
    });

    it("pause_stopsDepositsButNotWithdrawals", async function () {
      const { vault, guardian, alice } = await networkHelpers.loadFixture(fundedFixture);
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
      await expect(vault.connect(guardian).unpause()).to.emit(vault, "Unpaused").withArgs(guardian.address);
      await vault.connect(alice).deposit(1n, alice.address);
    });

    it("pause_byStranger_reverts", async function () {
      const { vault, stranger } = await networkHelpers.loadFixture(fundedFixture);
      await expect(vault.connect(stranger).pause()).to.be.revertedWithCustomError(vault, "StrategyVaultNotGuardian");
      await expect(vault.connect(stranger).unpause()).to.be.revertedWithCustomError(vault, "StrategyVaultNotGuardian");
    });

    it("writeOff_byOwner_booksTheLossAtOnce", async function () {
      const { vault, owner, keeper } = await networkHelpers.loadFixture(drawnFixture);
      await expect(vault.connect(owner).writeOff(keeper.address, MM, 500n * USD))
        .to.emit(vault, "WrittenOff")
        .withArgs(keeper.address, MM, 500n * USD);
      expect(await vault.totalAssets()).to.equal(9_500n * USD);
      expect(await vault.keeperDrawn(keeper.address, MM)).to.equal(1_500n * USD);
      expect(await vault.sleeveDrawn(MM)).to.equal(1_500n * USD);
      await expect(vault.connect(owner).writeOff(keeper.address, MM, 1_501n * USD))
        .to.be.revertedWithCustomError(vault, "StrategyVaultRepayExceedsDrawn")
        .withArgs(keeper.address, MM, 1_501n * USD, 1_500n * USD);
    });

    it("writeOff_byGuardianOrStranger_reverts", async function () {
      const { vault, guardian, keeper } = await networkHelpers.loadFixture(drawnFixture);
      await expect(vault.connect(guardian).writeOff(keeper.address, MM, 1n))
        .to.be.revertedWithCustomError(vault, "OwnableUnauthorizedAccount")
        .withArgs(guardian.address);
    });

    it("repay_receiptSourceReplaced_usedIdsDoNotCollide", async function () {
      const f = await networkHelpers.loadFixture(drawnFixture);
      const { vault, owner, keeper, receipts } = f;
      await receipts.add(keeper.address, PRICE_ONE, 0n);
      await vault.connect(keeper).repay(MM, 1_000n * USD, 1_000n * USD, 1n);
      const next = await ethers.deployContract("TestReceiptSource");
      await next.add(keeper.address, PRICE_ONE, 0n);
      await vault.connect(owner).setReceipts(await next.getAddress());
      await vault.connect(keeper).repay(MM, 1_000n * USD, 1_000n * USD, 1n);
      expect(await vault.keeperDrawn(keeper.address, MM)).to.equal(0n);
    });

    it("setters_byStranger_revert", async function () {
      const { vault, stranger } = await networkHelpers.loadFixture(vaultFixture);
      for (const call of [
        vault.connect(stranger).setEligibility(stranger.address),
        vault.connect(stranger).setReceipts(stranger.address),
        vault.connect(stranger).setPriceFeed(stranger.address),
        vault.connect(stranger).setGuardian(stranger.address),
      ]) {
        await expect(call)
          .to.be.revertedWithCustomError(vault, "OwnableUnauthorizedAccount")
          .withArgs(stranger.address);
      }
    });

    it("setters_byOwner_setAndEmit", async function () {
      const { vault, owner, stranger } = await networkHelpers.loadFixture(vaultFixture);
      await expect(vault.connect(owner).setEligibility(stranger.address))
        .to.emit(vault, "SourceSet")
        .withArgs(ethers.encodeBytes32String("eligibility"), stranger.address);
      await vault.connect(owner).setReceipts(stranger.address);
      await vault.connect(owner).setPriceFeed(stranger.address);
      expect(await vault.eligibility()).to.equal(stranger.address);
      expect(await vault.receipts()).to.equal(stranger.address);
      expect(await vault.priceFeed()).to.equal(stranger.address);
      await expect(vault.connect(owner).setReceipts(ethers.ZeroAddress)).to.be.revertedWithCustomError(
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
      const { vault, asset, alice, bob, keeper, receipts } = f;
      await vault.connect(bob).deposit(10_000n * USD, bob.address);
      const lockShares = await vault.balanceOf(bob.address);
      await vault.connect(alice).lock(lockShares, 1); // weight 1.5x
      await vault.connect(bob).lock(lockShares, 2); // weight 2x
      const id = await receipts.add.staticCall(keeper.address, PRICE_ONE, 0n);
      await receipts.add(keeper.address, PRICE_ONE, 0n);
      // profit 700: Earn 10% = 70 split 1.5 : 2 -> 30 and 40.
      await expect(vault.connect(keeper).repay(MM, 2_000n * USD, 2_700n * USD, id))
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
      const { vault, alice, bob, keeper, receipts } = f;
      await vault.connect(alice).lock(1_000_000n, 1);
      const id = await receipts.add.staticCall(keeper.address, PRICE_ONE, 0n);
      await receipts.add(keeper.address, PRICE_ONE, 0n);
      await vault.connect(keeper).repay(MM, 2_000n * USD, 2_100n * USD, id);
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
      const eligibility = await ethers.deployContract("TestKeeperEligibility");
      const receipts = await ethers.deployContract("TestReceiptSource");
      const vault = await ethers.deployContract("StrategyVault", [
        await token.getAddress(),
        await params.getAddress(),
        owner!.address,
        await eligibility.getAddress(),
        await receipts.getAddress(),
        await feed.getAddress(),
      ]);
      await eligibility.setKeeper(keeper!.address, true, 10_000n, operator!.address);
      for (const s of [alice!, keeper!]) {
        await token.mint(s.address, 1_000_000n * USD);
        await token.connect(s).approve(await vault.getAddress(), ethers.MaxUint256);
      }
      await vault.connect(alice!).deposit(10_000n * USD, alice!.address);
      await vault.rebalance();
      return { token, vault, receipts, alice: alice!, keeper: keeper! };
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
      const { token, vault, keeper } = await networkHelpers.loadFixture(hostileFixture);
      await token.arm(await vault.getAddress(), vault.interface.encodeFunctionData("draw", [MM, 1n]));
      await vault.connect(keeper).draw(MM, 100n * USD);
      expect(await token.lastCallSucceeded()).to.equal(false);
      expect(await token.lastRevertData()).to.equal(reentrantSelector);
      expect(await vault.sleeveDrawn(MM)).to.equal(100n * USD);
    });

    it("repay_reentrantWithdrawFromToken_isBlocked", async function () {
      const { token, vault, receipts, keeper } = await networkHelpers.loadFixture(hostileFixture);
      await vault.connect(keeper).draw(MM, 100n * USD);
      await receipts.add(keeper.address, PRICE_ONE, 0n);
      const tokenAddress = await token.getAddress();
      await token.arm(
        await vault.getAddress(),
        vault.interface.encodeFunctionData("withdraw", [1n, tokenAddress, tokenAddress]),
      );
      await vault.connect(keeper).repay(MM, 100n * USD, 150n * USD, 1n);
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

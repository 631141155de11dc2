import { expect } from "chai";
import { network } from "hardhat";
import { encodeBytes32String } from "ethers";
import type { KeeperCapital, MockV3Aggregator, StrategyVault } from "../../types/ethers-contracts/index.js";
import {
  deployTrust,
  onboard,
  publishRace,
  receiptInput,
  signReceipt,
  traceFor,
  MIN_STAKE,
  type Trust,
} from "../helpers/trust.js";

const { ethers, networkHelpers } = await network.create();

const MM = 0;
const USD = 10n ** 6n;

/**
 * One suspension flag (issue 16 follow-up): the capital book keeps none of its own and reads the reputation oracle's,
 * so a suspension made on either side is seen by both. Whole deployed system, no test doubles.
 */
async function systemFixture() {
  const t: Trust = await deployTrust(ethers);
  const [k0, , k2] = t.keepers;
  await onboard(t, k0!, t.operators[0]!, MIN_STAKE * 5n);
  await onboard(t, k2!, t.operators[1]!);
  const vault = t.system["StrategyVault"]!.contract as unknown as StrategyVault;
  const book = t.system["KeeperCapital"]!.contract as unknown as KeeperCapital;
  const feed = t.system["ReferencePriceFeed"]!.contract as unknown as MockV3Aggregator;
  await t.asset.connect(t.stranger).approve(await vault.getAddress(), 10_000n * USD);
  await vault.connect(t.stranger).deposit(10_000n * USD, t.stranger.address);
  await vault.rebalance();
  await t.asset.connect(k0!).approve(await book.getAddress(), ethers.MaxUint256);
  return { t, vault, book, feed };
}

/** Keeper 2 (another operator) publishes a campaign and keeper 0 claims it. */
async function claimed(t: Trust) {
  const id = await publishRace(t, t.keepers[2]!);
  await t.campaigns.connect(t.keepers[0]!).claim(id);
  return id;
}

describe("one suspension flag (reputation oracle and capital book)", function () {
  it("REP4_bookSuspension_isTheOracleFlag_andGovernanceLiftsItOnce", async function () {
    const { t, book, feed } = await networkHelpers.loadFixture(systemFixture);
    const k0 = t.keepers[0]!;
    const id = await claimed(t);
    await book.connect(k0).draw(id, MM, 1n);
    const trace = traceFor(id, 2);
    const input = await receiptInput(t, k0.address, id, trace);
    await t.receipts.connect(k0).post(input, await signReceipt(t, k0, input));
    const receiptId = await t.receipts.receiptCount();
    // The reference moved a third away from the receipt's average price: the book suspends the keeper for "price".
    await feed.updateAnswer(2_000n * 10n ** 8n);
    await expect(book.connect(k0).repay(1n, 1n, receiptId))
      .to.emit(book, "KeeperSuspended")
      .withArgs(k0.address, encodeBytes32String("price"))
      .and.to.emit(t.reputation, "KeeperSuspensionChanged")
      .withArgs(k0.address, true);
    // The oracle holds it: not eligible anywhere (claims, publishing, draws).
    expect(await t.reputation.isSuspended(k0.address)).to.equal(true);
    expect((await t.reputation.holdOf(k0.address))[1]).to.equal(true);
    expect(await t.reputation.isEligible(k0.address)).to.equal(false);
    expect(await book.suspended(k0.address)).to.equal(true);
    expect(await book.drawable(k0.address, MM)).to.equal(0n);
    // Only the book may suspend through the capital path.
    await expect(t.reputation.connect(t.stranger).suspendKeeper(t.keepers[2]!.address)).to.be.revertedWithCustomError(
      t.reputation,
      "AccessControlUnauthorizedAccount",
    );
    // Governance lifts it in one place, and the book sees it at once.
    await t.reputation.setKeeperSuspended(k0.address, false);
    await feed.updateAnswer(3_050n * 10n ** 8n);
    expect(await book.suspended(k0.address)).to.equal(false);
    expect(await t.reputation.isEligible(k0.address)).to.equal(true);
    expect(await book.drawable(k0.address, MM)).to.be.greaterThan(0n);
  });

  it("REP4_oracleSuspension_blocksTheBook", async function () {
    const { t, book } = await networkHelpers.loadFixture(systemFixture);
    const k0 = t.keepers[0]!;
    const id = await claimed(t);
    expect(await book.drawable(k0.address, MM)).to.be.greaterThan(0n);
    // Governance suspends on the oracle (the appeal path): the book refuses the draw of the claim already held.
    await t.reputation.setKeeperSuspended(k0.address, true);
    expect(await book.suspended(k0.address)).to.equal(true);
    expect(await book.drawable(k0.address, MM)).to.equal(0n);
    await expect(book.connect(k0).draw(id, MM, 1n))
      .to.be.revertedWithCustomError(book, "KeeperCapitalKeeperSuspended")
      .withArgs(k0.address);
  });
});

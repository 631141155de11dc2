import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { encodeBytes32String } from "ethers";

/** Parameter key as stored by `Parameters` (the name as a bytes32 string). */
export const key = (name: string): string => encodeBytes32String(name);

/** 1 unit of the 6-decimal deposit asset. */
export const USD = 10n ** 6n;
/** Chainlink-style 8-decimal price of 1.00. */
export const PRICE_ONE = 100_000_000n;
/** Amount each test account receives. */
export const FUNDING = 1_000_000n * USD;

/**
 * A vault with unit-test sources: a test stablecoin, real `Parameters`, a Chainlink `MockV3Aggregator`,
 * and test eligibility / receipt sources the test controls (the deployed system wires the trust layer).
 */
export async function deployVault(ethers: HardhatEthers) {
  const [owner, guardian, alice, bob, keeper, operator, stranger, keeper2] = await ethers.getSigners();
  const asset = await ethers.deployContract("TestStablecoin");
  const params = await ethers.deployContract("Parameters", [owner!.address]);
  const feed = await ethers.deployContract("MockV3Aggregator", [8, PRICE_ONE]);
  const eligibility = await ethers.deployContract("TestKeeperEligibility");
  const receipts = await ethers.deployContract("TestReceiptSource");
  const vault = await ethers.deployContract("StrategyVault", [
    await asset.getAddress(),
    await params.getAddress(),
    owner!.address,
    await eligibility.getAddress(),
    await receipts.getAddress(),
    await feed.getAddress(),
  ]);
  await vault.setGuardian(guardian!.address);
  const vaultAddress = await vault.getAddress();
  for (const s of [alice!, bob!, keeper!, keeper2!, stranger!]) {
    await asset.mint(s.address, FUNDING);
    await asset.connect(s).approve(vaultAddress, ethers.MaxUint256);
  }
  await eligibility.setKeeper(keeper!.address, true, 10_000n, operator!.address);
  return {
    asset,
    params,
    feed,
    eligibility,
    receipts,
    vault,
    owner: owner!,
    guardian: guardian!,
    alice: alice!,
    bob: bob!,
    keeper: keeper!,
    keeper2: keeper2!,
    operator: operator!,
    stranger: stranger!,
  };
}

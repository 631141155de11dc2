import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { encodeBytes32String, id as keccakText, type Signer } from "ethers";

/** Parameter key as stored by `Parameters` (the name as a bytes32 string). */
export const key = (name: string): string => encodeBytes32String(name);

/** 1 unit of the 6-decimal deposit asset. */
export const USD = 10n ** 6n;
/** Chainlink-style 8-decimal price of 1.00. */
export const PRICE_ONE = 100_000_000n;
/** Amount each test account receives. */
export const FUNDING = 1_000_000n * USD;
/** Stake the fixture's operator holds (its keys may owe this much together at the default 1x multiple). */
export const OPERATOR_STAKE = 50_000n * USD;
/** Claim TTL the fixture's claims last (as `claimTtlSeconds`). */
export const CLAIM_TTL = 120;

/**
 * A vault and its keeper capital book with unit-test sources: a test stablecoin, real `Parameters`, a Chainlink
 * `MockV3Aggregator`, a test slashing/eligibility source (operators' stake, key bindings, dispute states), test
 * campaign claims and a test receipt source the test controls (the deployed system wires the trust layer).
 */
export async function deployVault(ethers: HardhatEthers) {
  const [owner, guardian, alice, bob, keeper, operator, stranger, keeper2] = await ethers.getSigners();
  const asset = await ethers.deployContract("TestStablecoin");
  const params = await ethers.deployContract("Parameters", [owner!.address]);
  const feed = await ethers.deployContract("MockV3Aggregator", [8, PRICE_ONE]);
  const slashing = await ethers.deployContract("TestCapitalSlashing", [await asset.getAddress()]);
  const claims = await ethers.deployContract("TestCampaignClaims");
  const receipts = await ethers.deployContract("TestReceiptSource");
  const vault = await ethers.deployContract("StrategyVault", [
    await asset.getAddress(),
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
  await vault.setGuardian(guardian!.address);
  await slashing.setBook(await capital.getAddress());
  const vaultAddress = await vault.getAddress();
  const capitalAddress = await capital.getAddress();
  for (const s of [alice!, bob!, keeper!, keeper2!, stranger!, operator!]) {
    await asset.mint(s.address, FUNDING);
    await asset.connect(s).approve(vaultAddress, ethers.MaxUint256);
    await asset.connect(s).approve(capitalAddress, ethers.MaxUint256);
  }
  await asset.connect(operator!).approve(await slashing.getAddress(), ethers.MaxUint256);
  await slashing.connect(operator!).stake(operator!.address, OPERATOR_STAKE);
  await slashing.bind(keeper!.address, operator!.address, 10_000n);
  let campaignNonce = 0;
  /** Gives `who` the live claim of a fresh campaign (deadline: now + `CLAIM_TTL`) and returns its id. */
  const claim = async (who: Signer): Promise<string> => {
    const campaignId = keccakText(`campaign-${++campaignNonce}`);
    const now = (await ethers.provider.getBlock("latest"))!.timestamp;
    await claims.setClaim(campaignId, await who.getAddress(), now + CLAIM_TTL);
    return campaignId;
  };
  /** Claims a fresh campaign for `who` and draws `amount` from `sleeve` for it; returns the draw and campaign ids. */
  const drawFor = async (who: Signer, sleeve: number, amount: bigint) => {
    const campaignId = await claim(who);
    const drawId = await capital.connect(who).draw.staticCall(campaignId, sleeve, amount);
    await capital.connect(who).draw(campaignId, sleeve, amount);
    return { drawId, campaignId };
  };
  /** Posts (in the test source) a receipt of `who` for `campaignId`; returns its id. */
  const receiptFor = async (who: Signer, campaignId: string, pnl = 0n, price = PRICE_ONE): Promise<bigint> => {
    const address = await who.getAddress();
    const id = await receipts.addFor.staticCall(address, campaignId, price, pnl);
    await receipts.addFor(address, campaignId, price, pnl);
    return id;
  };
  return {
    asset,
    params,
    feed,
    slashing,
    claims,
    receipts,
    vault,
    capital,
    claim,
    drawFor,
    receiptFor,
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

export type VaultFixture = Awaited<ReturnType<typeof deployVault>>;

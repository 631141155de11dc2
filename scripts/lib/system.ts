import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { BaseContract } from "ethers";
import type {
  AttestationRegistry,
  CampaignRegistry,
  ReceiptRegistry,
  ReputationOracle,
} from "../../types/ethers-contracts/index.js";

/** Options for deploying the whole system on one chain. */
export interface SystemOptions {
  /** Local chain: deploy a test stablecoin with an open mint and fund the development accounts. */
  local: boolean;
  /** Deposit asset on non-local networks (an existing ERC-20). */
  depositAsset?: string;
  /** Amount of the deposit asset minted to each development account on local chains (6 decimals). */
  devFunding?: bigint;
  /** Progress lines (the deploy script prints them; tests pass nothing). */
  log?: (line: string) => void;
}

/** One entry of the deployed system: contract name -> instance and the artifact it came from. */
export interface SystemEntry {
  artifact: string;
  contract: BaseContract;
}

export type System = Record<string, SystemEntry>;

export const DEFAULT_DEV_FUNDING = 1_000_000n * 10n ** 6n;

/**
 * Deploys every contract of the protocol in dependency order and wires their roles.
 * Shared by `scripts/deploy.ts` and the test fixtures, so tests exercise the real deploy path.
 */
export async function deploySystem(ethers: HardhatEthers, opts: SystemOptions): Promise<System> {
  const log = opts.log ?? (() => {});
  const system: System = {};
  const signers = await ethers.getSigners();

  async function deploy(name: string, artifact: string, args: unknown[] = []): Promise<BaseContract> {
    const contract = await ethers.deployContract(artifact, args);
    await contract.waitForDeployment();
    system[name] = { artifact, contract };
    log(`  ${name.padEnd(22)} ${await contract.getAddress()}`);
    return contract;
  }

  // Deposit asset: a test stablecoin locally, an existing token elsewhere.
  if (opts.local) {
    const asset = await deploy("DepositAsset", "TestStablecoin");
    const funding = opts.devFunding ?? DEFAULT_DEV_FUNDING;
    const mintable = asset as unknown as { mint(to: string, amount: bigint): Promise<{ wait(): Promise<unknown> }> };
    for (const signer of signers) {
      await (await mintable.mint(await signer.getAddress(), funding)).wait();
    }
    log(`  funded ${signers.length} development accounts with ${funding / 10n ** 6n} tUSD each`);
    // Chainlink reference price of the deposit asset in USD (8 decimals, as Chainlink's USD feeds).
    await deploy("DepositAssetPriceFeed", "MockV3Aggregator", [8, 100_000_000n]);
  } else {
    if (!opts.depositAsset) throw new Error("depositAsset is required on non-local networks");
    const asset = await ethers.getContractAt("IERC20Metadata", opts.depositAsset);
    system["DepositAsset"] = { artifact: "IERC20Metadata", contract: asset };
  }

  // Every tunable threshold. Owned by the deployer until governance is deployed, then by the timelock.
  const deployer = await signers[0]!.getAddress();
  const parameters = await deploy("Parameters", "Parameters", [deployer]);

  await deployTrustLayer(deploy, system, deployer, parameters);

  return system;
}

type DeployFn = (name: string, artifact: string, args?: unknown[]) => Promise<BaseContract>;

/**
 * Trust layer: attestations, receipts, reputation and campaigns, wired together. Governance roles
 * (attestation admin and verifier approval, receipt admin, reputation admin and arbiter, slash receiver)
 * start with the deployer; the governance deployment moves them to the timelock (`grantRole` to the
 * timelock, then `renounceRole`), and points `setSlashReceiver` at the vault.
 */
async function deployTrustLayer(
  deploy: DeployFn,
  system: System,
  deployer: string,
  parameters: BaseContract,
): Promise<void> {
  const asset = await system["DepositAsset"]!.contract.getAddress();
  const attestations = (await deploy("AttestationRegistry", "AttestationRegistry", [
    parameters,
    deployer,
  ])) as unknown as AttestationRegistry;
  const receipts = (await deploy("ReceiptRegistry", "ReceiptRegistry", [
    attestations,
    deployer,
  ])) as unknown as ReceiptRegistry;
  const reputation = (await deploy("ReputationOracle", "ReputationOracle", [
    asset,
    parameters,
    attestations,
    receipts,
    deployer,
    deployer,
  ])) as unknown as ReputationOracle;
  const campaigns = (await deploy("CampaignRegistry", "CampaignRegistry", [
    parameters,
    reputation,
    receipts,
    attestations,
  ])) as unknown as CampaignRegistry;
  await (await receipts.setCampaignRegistry(await campaigns.getAddress())).wait();
  await (await reputation.grantRole(await reputation.REPORTER_ROLE(), await campaigns.getAddress())).wait();
}

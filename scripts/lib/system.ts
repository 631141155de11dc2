import { DEVELOPMENT_MEASUREMENT } from "../../keeper/src/attestation/development.js";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { ZeroAddress, type BaseContract, type ContractTransactionResponse } from "ethers";
import type {
  AttestationRegistry,
  CampaignRegistry,
  DisputeDesk,
  ReceiptRegistry,
  ReputationOracle,
  StrategyVault,
  VaultTimelock,
} from "../../types/ethers-contracts/index.js";

/** What every admin-owned contract of the system exposes (OpenZeppelin `Ownable`). */
interface Owned {
  transferOwnership(newOwner: string): Promise<ContractTransactionResponse>;
}

/** Options for deploying the whole system on one chain. */
export interface SystemOptions {
  /** Local chain: deploy a test stablecoin with an open mint and fund the development accounts. */
  local: boolean;
  /** Deposit asset on non-local networks (an existing ERC-20). */
  depositAsset?: string;
  /** Amount of the deposit asset minted to each development account on local chains (6 decimals). */
  devFunding?: bigint;
  /**
   * Chainlink reference feed bounding the average prices keepers report (the market they trade). Default:
   * `ReferencePriceFeed` from the system when present, else `DepositAssetPriceFeed`, else unset (governance).
   */
  priceFeed?: string;
  /** Vault guardian (pauses at once; unpause and breaker reset are governance's); the deployer when absent. */
  guardian?: string;
  /** Governance timing; defaults in `DEFAULT_GOVERNANCE`. */
  governance?: Partial<GovernanceSettings>;
  /**
   * Hand `Parameters`, the vault, the upkeep and the trust layer's governance roles to the timelock at the
   * end (default true). `false` keeps the deployer as the admin of everything, for unit tests that act as
   * governance directly.
   */
  handOverToTimelock?: boolean;
  /** Progress lines (the deploy script prints them; tests pass nothing). */
  log?: (line: string) => void;
}

/** Governor and timelock settings. Voting delay and period count the vault's clock: hour-long epochs. */
export interface GovernanceSettings {
  /** Epochs (hours) between a proposal and its vote snapshot. */
  votingDelay: number;
  /** Epochs (hours) a vote stays open. */
  votingPeriod: number;
  /** Votes (vault shares, 12 decimals) needed to propose. */
  proposalThreshold: bigint;
  /** Quorum as a percentage of the share supply at the snapshot. */
  quorumPercent: number;
  /** Seconds between queueing and executing a passed proposal. */
  timelockDelaySeconds: number;
}

export const DEFAULT_GOVERNANCE: GovernanceSettings = {
  votingDelay: 1,
  votingPeriod: 72,
  proposalThreshold: 0n,
  quorumPercent: 4,
  timelockDelaySeconds: 2 * 24 * 3600,
};

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
    // Reference price of the market the local keepers trade (ETH/USDT on the exchange simulators, which
    // start at 3,000): the vault bounds the average price of every receipt by it.
    await deploy("ReferencePriceFeed", "MockV3Aggregator", [8, LOCAL_REFERENCE_PRICE]);
  } else {
    if (!opts.depositAsset) throw new Error("depositAsset is required on non-local networks");
    const asset = await ethers.getContractAt("IERC20Metadata", opts.depositAsset);
    system["DepositAsset"] = { artifact: "IERC20Metadata", contract: asset };
  }

  // Every tunable threshold. Owned by the deployer until governance is deployed, then by the timelock.
  const deployer = await signers[0]!.getAddress();
  const parameters = await deploy("Parameters", "Parameters", [deployer]);

  await deployTrustLayer(deploy, system, deployer, parameters);
  if (opts.local) await setUpLocalTrust(system, signers[LOCAL_VERIFIER_INDEX]!, log);

  // Vault, and its keeper capital book: the book reads eligibility and stake from the reputation oracle, claims
  // from the campaign registry and receipts from the receipt registry when the trust layer is deployed above;
  // otherwise zero, and draws are impossible until governance sets them (`KeeperCapital.setSources`).
  const addressOf = async (name: string): Promise<string> =>
    system[name] ? await system[name].contract.getAddress() : ZeroAddress;
  // The reference feed bounds the average price keepers report in receipts, so it must price the market
  // they trade: `opts.priceFeed`, else a `ReferencePriceFeed` deployed above for the local markets, else the
  // deposit asset's feed (then receipts must report prices near it, or governance sets another feed).
  const feed =
    opts.priceFeed ??
    (system["ReferencePriceFeed"] ? await addressOf("ReferencePriceFeed") : await addressOf("DepositAssetPriceFeed"));
  const vault = (await deploy("StrategyVault", "StrategyVault", [
    await system["DepositAsset"]!.contract.getAddress(),
    await parameters.getAddress(),
    deployer,
  ])) as unknown as StrategyVault;
  const reputation = system["ReputationOracle"]?.contract;
  const capital = await deploy("KeeperCapital", "KeeperCapital", [
    await vault.getAddress(),
    await parameters.getAddress(),
    deployer,
    await addressOf("ReputationOracle"),
    await addressOf("ReputationOracle"),
    await addressOf("CampaignRegistry"),
    await addressOf("ReceiptRegistry"),
    feed,
  ]);
  await (await vault.setCapitalBook(await capital.getAddress())).wait();
  // The oracle backs drawn capital by stake (`ICapitalSlashing`): it reports the book's exposure before a stake
  // withdrawal and lets only the book slash for a default.
  if (reputation) {
    const oracle = reputation as unknown as ReputationOracle;
    await (await oracle.setCapitalBook(await capital.getAddress())).wait();
    await (await oracle.grantRole(await oracle.CAPITAL_ROLE(), await capital.getAddress())).wait();
  }
  await (await vault.setGuardian(opts.guardian ?? deployer)).wait();
  const upkeep = await deploy("VaultUpkeep", "VaultUpkeep", [await vault.getAddress(), deployer]);
  // The upkeep expires stale campaign claims through the registry's `expireClaims` (skips ids no longer stale).
  if (system["CampaignRegistry"]) {
    await (await upkeep.getFunction("setClaimSource")(await addressOf("CampaignRegistry"))).wait();
  }

  // Governance: the timelock executes what the governor passes; anyone may execute a ready operation.
  const g = { ...DEFAULT_GOVERNANCE, ...opts.governance };
  const timelock = (await deploy("VaultTimelock", "VaultTimelock", [
    g.timelockDelaySeconds,
    [],
    [ZeroAddress],
    deployer,
  ])) as unknown as VaultTimelock;
  const governor = await deploy("VaultGovernor", "VaultGovernor", [
    await vault.getAddress(),
    await timelock.getAddress(),
    g.votingDelay,
    g.votingPeriod,
    g.proposalThreshold,
    g.quorumPercent,
  ]);
  const governorAddress = await governor.getAddress();
  await (await timelock.grantRole(await timelock.PROPOSER_ROLE(), governorAddress)).wait();
  await (await timelock.grantRole(await timelock.CANCELLER_ROLE(), governorAddress)).wait();

  // Hand every admin to the timelock, then the deployer gives up the timelock's admin role.
  if (opts.handOverToTimelock ?? true) {
    const timelockAddress = await timelock.getAddress();
    await handOverTrustLayer(system, deployer, timelockAddress, await vault.getAddress());
    for (const name of ["StrategyVault", "KeeperCapital", "VaultUpkeep", "Parameters"]) {
      const owned = system[name]!.contract as unknown as Owned;
      await (await owned.transferOwnership(timelockAddress)).wait();
    }
    await (await timelock.renounceRole(await timelock.DEFAULT_ADMIN_ROLE(), deployer)).wait();
    log(`  governance: timelock owns Parameters, StrategyVault, KeeperCapital and VaultUpkeep; deployer renounced`);
  } else {
    log(`  governance: deployer still admin of everything (handOverToTimelock: false)`);
  }

  return system;
}

/** Dev account that signs attestation verifications on local chains (`npm start`'s verifier). */
export const LOCAL_VERIFIER_INDEX = 4;
/** ETH/USDT start price of the local exchange simulators, 8 decimals. */
export const LOCAL_REFERENCE_PRICE = 3_000n * 10n ** 8n;

/**
 * Local chains only, before governance takes over: allowlist the development TEE measurement (the
 * pseudo-measurement development quotes carry, never a real one) and approve the local verifier, so
 * keepers can attest with the development quote provider. On real networks both are governance votes.
 */
async function setUpLocalTrust(system: System, verifier: { getAddress(): Promise<string> }, log: (l: string) => void) {
  const params = system["Parameters"]!.contract as unknown as {
    setMeasurementAllowed(m: string, allowed: boolean): Promise<{ wait(): Promise<unknown> }>;
  };
  await (await params.setMeasurementAllowed(DEVELOPMENT_MEASUREMENT, true)).wait();
  const registry = system["AttestationRegistry"]?.contract as unknown as
    | {
        VERIFIER_ROLE(): Promise<string>;
        grantRole(role: string, account: string): Promise<{ wait(): Promise<unknown> }>;
      }
    | undefined;
  if (registry) {
    await (await registry.grantRole(await registry.VERIFIER_ROLE(), await verifier.getAddress())).wait();
  }
  log(`  local trust: development measurement allowlisted, verifier ${await verifier.getAddress()} approved`);
}

type DeployFn = (name: string, artifact: string, args?: unknown[]) => Promise<BaseContract>;

/**
 * Trust layer: attestations, receipts, reputation and campaigns, wired together. Governance roles
 * (attestation admin and verifier approval, receipt admin, reputation admin, dispute desk admin and arbiter,
 * slash receiver)
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
  await deployOnChainQuoteVerifier(deploy, attestations);
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
  const desk = (await deploy("DisputeDesk", "DisputeDesk", [
    asset,
    parameters,
    receipts,
    reputation,
    deployer,
  ])) as unknown as DisputeDesk;
  await (await receipts.setCampaignRegistry(await campaigns.getAddress())).wait();
  await (await receipts.setOperatorSource(await reputation.getAddress())).wait();
  await (await reputation.grantRole(await reputation.REPORTER_ROLE(), await campaigns.getAddress())).wait();
  await (await reputation.setDisputeDesk(await desk.getAddress())).wait();
}

/**
 * The on-chain DCAP verifier (docs/SPECIFICATION.md "On-chain DCAP verification"): the certificate registry (Intel
 * root key constant, CRLs), the collateral registry (TCB info, QE identity) and `DcapQuoteVerifier`, set as the
 * registry's quote verifier, so `submitQuote` verifies real SGX/TDX quotes with no account holding VERIFIER_ROLE.
 */
async function deployOnChainQuoteVerifier(deploy: DeployFn, attestations: AttestationRegistry): Promise<void> {
  const certificates = await deploy("DcapCertificateRegistry", "DcapCertificateRegistry");
  const collateral = await deploy("DcapCollateralRegistry", "DcapCollateralRegistry", [certificates]);
  const verifier = await deploy("DcapQuoteVerifier", "DcapQuoteVerifier", [certificates, collateral]);
  await (await attestations.setQuoteVerifier(await verifier.getAddress())).wait();
}

/** Governance roles of the trust layer that move from the deployer to the timelock. */
const GOVERNANCE_ROLES = ["ARBITER_ROLE", "DEFAULT_ADMIN_ROLE"] as const;

/**
 * When the trust layer (issue 4) is in `system`: its slashed stake goes to the vault (booked for the
 * depositors by `absorbSurplus`), and every governance role the deployer holds (`GOVERNANCE_ROLES`, admin
 * last) is granted to the timelock and renounced by the deployer. Operational roles (verifiers, reporters)
 * stay where the trust layer's own deploy step put them.
 */
export async function handOverTrustLayer(
  system: System,
  deployer: string,
  timelock: string,
  vault: string,
): Promise<void> {
  const reputation = system["ReputationOracle"]?.contract;
  if (reputation) await (await reputation.getFunction("setSlashReceiver")(vault)).wait();
  for (const name of [
    "AttestationRegistry",
    "ReceiptRegistry",
    "ReputationOracle",
    "DisputeDesk",
    "CampaignRegistry",
  ]) {
    const contract = system[name]?.contract;
    if (!contract || !contract.interface.hasFunction("hasRole")) continue;
    for (const getter of GOVERNANCE_ROLES) {
      if (!contract.interface.hasFunction(getter)) continue;
      const role = (await contract.getFunction(getter)()) as string;
      if (!((await contract.getFunction("hasRole")(role, deployer)) as boolean)) continue;
      await (await contract.getFunction("grantRole")(role, timelock)).wait();
      await (await contract.getFunction("renounceRole")(role, deployer)).wait();
    }
  }
}

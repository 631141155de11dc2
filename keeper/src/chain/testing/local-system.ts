/**
 * The whole system on an in-process Hardhat chain, with one `EvmChainAdapter` per development account, for
 * keeper integration tests. Accounts: #0 governance, #1..#3 keepers, #4 verifier, #5..#7 operators (one per
 * keeper). Trust is set up as `npm start` does: the development measurement allowlisted and the verifier
 * granted VERIFIER_ROLE. Keepers are onboarded through the adapter (stake, two-step binding, attestation,
 * heartbeat), so the tests exercise the adapter's real transactions.
 */
import { writeFileSync } from "node:fs";
import hre from "hardhat";
import {
  BrowserProvider,
  HDNodeWallet,
  encodeBytes32String,
  Mnemonic,
  hexlify,
  keccak256,
  toUtf8Bytes,
  type Eip1193Provider,
} from "ethers";
import { deploySystem, type GovernanceSettings } from "../../../../scripts/lib/system.js";
import {
  AttestationRegistry__factory,
  Parameters__factory,
  StrategyVault__factory,
  VaultGovernor__factory,
  VaultTimelock__factory,
} from "../../../../types/ethers-contracts/index.js";
import { DEVELOPMENT_MEASUREMENT } from "../../attestation/development.js";
import { buildReportData } from "../../attestation/report-data.js";
import { EvmChainAdapter, type ChainAddresses } from "../evm.js";

export const DEV_MNEMONIC = "test test test test test test test test test test test junk";
export const MIN_STAKE = 1_000n * 10n ** 6n;

/** Private key of development account `i` (the Hardhat default mnemonic). */
export function devKey(i: number): string {
  return HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${i}`).privateKey;
}

export interface LocalSystem {
  provider: BrowserProvider;
  eip1193: Eip1193Provider;
  addresses: ChainAddresses;
  deployBlock: number;
  /** Adapter of development account `i` (cached). */
  adapter(i: number): Promise<EvmChainAdapter>;
  /** Operator #(5 + k) stakes, proposes keeper #(1 + k), the keeper accepts, is attested and sends a heartbeat. */
  onboardKeeper(k: number): Promise<EvmChainAdapter>;
  /** The `contracts` of a deployment file for this system (what `readChainDeployment` reads), with or without the vault. */
  deploymentContracts(opts?: { vault?: boolean }): Record<string, { address: string }>;
  /** Writes a deployment file for this system at `path` (as `scripts/deploy.ts` would) and returns `path`. */
  writeDeployment(path: string, opts?: { vault?: boolean }): string;
  /** Moves the chain's clock (and mines a block). */
  advance(seconds: number): Promise<void>;
  /** Governance (account #0, no timelock in this fixture) sets a `Parameters` value, e.g. `campaignRateLimitCount`. */
  setParameter(name: string, value: bigint): Promise<void>;
  /**
   * A real governance change of a `Parameters` value: `Parameters` is handed to the timelock (once; `setParameter`
   * no longer works after it), account `voter` (holding vault shares) delegates to itself, proposes
   * `Parameters.set(name, value)` through the governor, votes for it, queues and executes it, the chain's clock
   * moved past the voting delay, the voting period and the timelock delay as it goes.
   */
  proposeParameter(name: string, value: bigint, voter: number): Promise<void>;
}

/**
 * Deploys on a fresh in-process chain, or on the JSON-RPC chain at `url` (e.g. a `hre.network.createServer`).
 * `initialDate` starts the in-process chain's clock there (e.g. inside a DCAP sample's collateral window);
 * `grantVerifier: false` leaves VERIFIER_ROLE unheld (revoked from the local deploy's verifier, account #4) (attestation through the on-chain verifier only).
 */
export async function localSystem(
  url?: string,
  opts: { initialDate?: Date; grantVerifier?: boolean; governance?: Partial<GovernanceSettings> } = {},
): Promise<LocalSystem> {
  const conn = url
    ? await hre.network.create({ network: "localhost", override: { url } })
    : await hre.network.create(opts.initialDate ? { override: { initialDate: opts.initialDate } } : undefined);
  // Account #0 acts as governance directly (no timelock): the fixture sets trust and parameters itself.
  const system = await deploySystem(conn.ethers, {
    local: true,
    handOverToTimelock: false,
    ...(opts.governance ? { governance: opts.governance } : {}),
  });
  const at = async (name: string) => system[name]!.contract.getAddress();
  const addresses: ChainAddresses = {
    parameters: await at("Parameters"),
    campaigns: await at("CampaignRegistry"),
    reputation: await at("ReputationOracle"),
    desk: await at("DisputeDesk"),
    attestations: await at("AttestationRegistry"),
    receipts: await at("ReceiptRegistry"),
    asset: await at("DepositAsset"),
    vault: await at("StrategyVault"),
    capitalBook: await at("KeeperCapital"),
  };
  const eip1193 = conn.provider as unknown as Eip1193Provider;
  const provider = new BrowserProvider(eip1193, undefined, { cacheTimeout: -1, pollingInterval: 50 });
  const deployBlock = await provider.getBlockNumber();
  const [governance] = await conn.ethers.getSigners();
  await (
    await Parameters__factory.connect(addresses.parameters, governance!).setMeasurementAllowed(
      DEVELOPMENT_MEASUREMENT,
      true,
    )
  ).wait();
  const attestations = AttestationRegistry__factory.connect(addresses.attestations, governance!);
  const verifierRole = await attestations.VERIFIER_ROLE();
  const verifierAccount = (await conn.ethers.getSigners())[4]!.address;
  if (opts.grantVerifier ?? true) {
    await (await attestations.grantRole(verifierRole, verifierAccount)).wait();
  } else if (await attestations.hasRole(verifierRole, verifierAccount)) {
    // The local deploy approves account #4 for development quotes: withdrawn, so no account holds the role.
    await (await attestations.revokeRole(verifierRole, verifierAccount)).wait();
  }

  const adapters = new Map<number, EvmChainAdapter>();
  const adapter = async (i: number) => {
    let a = adapters.get(i);
    if (!a) {
      const wallet = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${i}`).connect(
        provider,
      );
      a = await EvmChainAdapter.connect(wallet, addresses, {
        fromBlock: deployBlock,
        sender: { sleep: async () => {} },
      });
      adapters.set(i, a);
    }
    return a;
  };
  const deploymentContracts = (opts: { vault?: boolean } = {}): Record<string, { address: string }> => {
    const a = addresses;
    return {
      Parameters: { address: a.parameters },
      CampaignRegistry: { address: a.campaigns },
      ReputationOracle: { address: a.reputation },
      DisputeDesk: { address: a.desk },
      AttestationRegistry: { address: a.attestations },
      ReceiptRegistry: { address: a.receipts },
      DepositAsset: { address: a.asset },
      ...(opts.vault && a.vault ? { StrategyVault: { address: a.vault } } : {}),
      ...(opts.vault && a.capitalBook ? { KeeperCapital: { address: a.capitalBook } } : {}),
    };
  };
  const advanceClock = async (seconds: number) => {
    await eip1193.request({ method: "evm_increaseTime", params: [seconds] });
    await eip1193.request({ method: "evm_mine", params: [] });
  };
  return {
    provider,
    eip1193,
    addresses,
    deployBlock,
    adapter,
    async onboardKeeper(k) {
      const keeper = await adapter(1 + k);
      const operator = await adapter(5 + k);
      const verifier = await adapter(4);
      await operator.stake(MIN_STAKE);
      await operator.proposeKeeper(keeper.account);
      await keeper.acceptOperator(operator.account);
      await verifier.submitVerifiedQuote({
        keeper: keeper.account,
        quoteHash: keccak256(toUtf8Bytes(`development quote ${keeper.account}`)),
        teeType: 2,
        measurementHash: DEVELOPMENT_MEASUREMENT,
        tcbStatus: 0,
        reportData: hexlify(buildReportData(keeper.account)),
        verifiedAt: await keeper.now(),
      });
      await keeper.heartbeat();
      return keeper;
    },
    deploymentContracts,
    writeDeployment(path, opts = {}) {
      const contracts = deploymentContracts(opts);
      writeFileSync(path, JSON.stringify({ chainId: 31337, blockNumber: deployBlock, contracts }));
      return path;
    },
    async setParameter(name, value) {
      const parameters = Parameters__factory.connect(addresses.parameters, governance!);
      await (await parameters.set(encodeBytes32String(name), value)).wait();
    },
    async proposeParameter(name, value, voter) {
      const signer = (await conn.ethers.getSigners())[voter]!;
      const parameters = Parameters__factory.connect(addresses.parameters, governance!);
      const timelock = VaultTimelock__factory.connect(await at("VaultTimelock"), signer);
      const governor = VaultGovernor__factory.connect(await at("VaultGovernor"), signer);
      const vault = StrategyVault__factory.connect(addresses.vault!, signer);
      const timelockAddress = await timelock.getAddress();
      if ((await parameters.owner()) !== timelockAddress) {
        await (await parameters.transferOwnership(timelockAddress)).wait();
      }
      const hour = 3_600;
      if ((await vault.delegates(signer.address)) !== signer.address) {
        await (await vault.delegate(signer.address)).wait();
        await advanceClock(hour); // votes count from the next epoch
      }
      const targets = [addresses.parameters];
      const values = [0n];
      const datas = [parameters.interface.encodeFunctionData("set", [encodeBytes32String(name), value])];
      const description = `set ${name} to ${value} (${Date.now()})`;
      await (await governor.propose(targets, values, datas, description)).wait();
      const descriptionHash = keccak256(toUtf8Bytes(description));
      const proposalId = await governor.hashProposal(targets, values, datas, descriptionHash);
      await advanceClock((Number(await governor.votingDelay()) + 1) * hour);
      await (await governor.castVote(proposalId, 1)).wait();
      await advanceClock(Number(await governor.votingPeriod()) * hour);
      await (await governor.queue(targets, values, datas, descriptionHash)).wait();
      await advanceClock(Number(await timelock.getMinDelay()) + 1);
      await (await governor.execute(targets, values, datas, descriptionHash)).wait();
    },
    advance: advanceClock,
  };
}

/**
 * `ChainAdapter` for EVM chains: TypeChain contracts for reads, one `TxSender` (per key: local nonces, safe
 * retries, gas estimation with decoded reverts) for every write, and `ParametersFollower` for parameters.
 */
import { readFileSync } from "node:fs";
import { ZeroAddress, type Interface, type Log, type Signer, type TransactionReceipt } from "ethers";
import { z } from "zod";
import {
  AttestationRegistry__factory,
  CampaignRegistry__factory,
  DisputeDesk__factory,
  Parameters__factory,
  ReceiptRegistry__factory,
  IStrategyVault__factory,
  KeeperCapital__factory,
  ReputationOracle__factory,
  TestStablecoin__factory,
  type AttestationRegistry,
  type CampaignRegistry,
  type DisputeDesk,
  type Parameters,
  type ReceiptRegistry,
  type ReputationOracle,
  type TestStablecoin,
} from "../../../types/ethers-contracts/index.js";
import { ATTESTATION_TYPES, attestationDomain } from "../attestation/record.js";
import { campaignId, dispatchArgs, RACE, type CampaignDispatch, type CampaignSpec } from "../campaign/id.js";
import { ConfigError } from "../errors.js";
import type {
  CampaignMode,
  CampaignState,
  CampaignStatus,
  ChainAdapter,
  ClaimRefusal,
  ClaimResult,
  KeeperStatus,
  PostedReceipt,
  PublishOptions,
  PublishResult,
  ReceiptPoster,
  SettleResult,
  VerifiedQuoteFields,
} from "./adapter.js";
import { ChainRevertError, ChainUnavailableError } from "./errors.js";
import { ParametersFollower, type ParameterChange, type ParametersSnapshot } from "./parameters.js";
import { TxSender, type SenderOptions } from "./sender.js";
import { EvmCapitalAdapter, type CapitalAdapter } from "./vault.js";

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, { error: "must be a 0x-prefixed 20-byte address" });

/** The contracts the keeper talks to. */
export const chainAddressesSchema = z.object({
  parameters: address,
  campaigns: address,
  reputation: address,
  /** `DisputeDesk` (disputes and data-availability demands). */
  desk: address,
  attestations: address,
  receipts: address,
  asset: address,
  /** `StrategyVault` (working capital); optional: a keeper without a vault trades its own capital. */
  vault: address.optional(),
  /** `KeeperCapital`, the vault's keeper capital book (draw and repay); needed with the vault for vault capital. */
  capitalBook: address.optional(),
});
export type ChainAddresses = z.infer<typeof chainAddressesSchema>;

const deploymentSchema = z.object({
  chainId: z.number().int().positive(),
  blockNumber: z.number().int().min(0).default(0),
  contracts: z.record(z.string(), z.object({ address })),
});

/** Reads `deployments/<network>.json` (written by the deploy script) into the addresses the keeper needs. */
export function readChainDeployment(path: string): { chainId: number; blockNumber: number; addresses: ChainAddresses } {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new ConfigError(`cannot read deployment ${path}`, { cause });
  }
  const parsed = deploymentSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`deployment ${path}: ${issue.path.join(".")} ${issue.message}`);
  }
  const c = parsed.data.contracts;
  const pick = (name: string): string => {
    const entry = c[name];
    if (!entry) throw new ConfigError(`deployment ${path}: contract ${name} is missing`);
    return entry.address;
  };
  return {
    chainId: parsed.data.chainId,
    blockNumber: parsed.data.blockNumber,
    addresses: {
      parameters: pick("Parameters"),
      campaigns: pick("CampaignRegistry"),
      reputation: pick("ReputationOracle"),
      desk: pick("DisputeDesk"),
      attestations: pick("AttestationRegistry"),
      receipts: pick("ReceiptRegistry"),
      asset: pick("DepositAsset"),
      ...(c["StrategyVault"] ? { vault: c["StrategyVault"].address } : {}),
      ...(c["KeeperCapital"] ? { capitalBook: c["KeeperCapital"].address } : {}),
    },
  };
}

const STATUS: readonly CampaignStatus[] = ["none", "open", "claimed", "settled"];
const MODE: readonly CampaignMode[] = ["race", "dispatch"];

/** Custom errors of `claim` that mean "not now / not you", mapped to a refusal (everything else throws). */
const CLAIM_REFUSALS: Record<string, ClaimRefusal> = {
  CampaignRegistryNotClaimable: "taken",
  CampaignRegistryNotYourTurn: "notYourTurn",
  CampaignRegistryOutsideWindow: "outsideWindow",
  CampaignRegistryPairLocked: "pairLocked",
  CampaignRegistryUnknownCampaign: "unknown",
};

export interface EvmChainAdapterOptions {
  sender?: SenderOptions;
  /** First block to follow `ParameterChanged` from (the deployment block). */
  fromBlock?: number;
}

export class EvmChainAdapter implements ChainAdapter {
  readonly sender: TxSender;
  readonly campaigns: CampaignRegistry;
  readonly reputation: ReputationOracle;
  readonly desk: DisputeDesk;
  readonly attestations: AttestationRegistry;
  readonly receipts: ReceiptRegistry;
  readonly asset: TestStablecoin;
  readonly params: Parameters;
  readonly parameters: ParametersFollower;
  /** The vault side (draw, repay), when the addresses name a `StrategyVault` and its `KeeperCapital`. */
  readonly capital: CapitalAdapter | undefined;
  private readonly interfaces: Interface[];

  private constructor(
    readonly chainId: bigint,
    readonly account: string,
    readonly addresses: ChainAddresses,
    signer: Signer,
    opts: EvmChainAdapterOptions,
  ) {
    this.campaigns = CampaignRegistry__factory.connect(addresses.campaigns, signer);
    this.reputation = ReputationOracle__factory.connect(addresses.reputation, signer);
    this.desk = DisputeDesk__factory.connect(addresses.desk, signer);
    this.attestations = AttestationRegistry__factory.connect(addresses.attestations, signer);
    this.receipts = ReceiptRegistry__factory.connect(addresses.receipts, signer);
    this.asset = TestStablecoin__factory.connect(addresses.asset, signer);
    this.params = Parameters__factory.connect(addresses.parameters, signer);
    this.interfaces = [
      this.campaigns.interface,
      this.reputation.interface,
      this.desk.interface,
      this.attestations.interface,
      this.receipts.interface,
      this.asset.interface,
    ];
    const vault = addresses.vault ? IStrategyVault__factory.connect(addresses.vault, signer) : undefined;
    const book = addresses.capitalBook ? KeeperCapital__factory.connect(addresses.capitalBook, signer) : undefined;
    if (vault) this.interfaces.push(vault.interface);
    if (book) this.interfaces.push(book.interface);
    this.sender = new TxSender(signer, { ...opts.sender, interfaces: this.interfaces });
    this.capital =
      vault && book && addresses.vault && addresses.capitalBook
        ? new EvmCapitalAdapter(
            account,
            book,
            addresses.capitalBook,
            vault,
            addresses.vault,
            this.asset,
            addresses.asset,
            this.receipts,
            this.sender,
          )
        : undefined;
    this.parameters = new ParametersFollower(addresses.parameters, this.sender.provider, opts.fromBlock ?? 0);
  }

  /** Connects `signer` (with a provider) to the system at `addresses`; validates the addresses. */
  static async connect(signer: Signer, addresses: ChainAddresses, opts: EvmChainAdapterOptions = {}) {
    const parsed = chainAddressesSchema.safeParse(addresses);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ConfigError(`chain addresses: ${issue.path.join(".")} ${issue.message}`);
    }
    if (!signer.provider) throw new ConfigError("the keeper's signer has no provider");
    const { chainId } = await signer.provider.getNetwork();
    return new EvmChainAdapter(chainId, await signer.getAddress(), parsed.data, signer, opts);
  }

  private async send(label: string, to: string, data: string): Promise<TransactionReceipt> {
    return this.sender.send(label, { to, data });
  }

  private parse(logs: readonly Log[]) {
    const out: { name: string; args: Record<string, unknown> & unknown[] }[] = [];
    for (const log of logs) {
      for (const iface of this.interfaces) {
        const parsed = (() => {
          try {
            return iface.parseLog(log);
          } catch {
            return null; // another contract's event
          }
        })();
        if (parsed) {
          out.push({ name: parsed.name, args: parsed.args as unknown as Record<string, unknown> & unknown[] });
          break;
        }
      }
    }
    return out;
  }

  async now(): Promise<bigint> {
    const block = await this.sender.withRetry("latest block", () => this.sender.provider.getBlock("latest"));
    if (!block) throw new ChainUnavailableError("no latest block");
    return BigInt(block.timestamp);
  }

  parametersSnapshot(): Promise<ParametersSnapshot> {
    return this.sender.withRetry("parameters snapshot", () => this.parameters.snapshot());
  }

  parameterChanges(): Promise<ParameterChange[]> {
    return this.sender.withRetry("parameter changes", () => this.parameters.poll());
  }

  campaignIdOf(spec: CampaignSpec, dispatch: CampaignDispatch = RACE): string {
    return campaignId(spec, dispatch);
  }

  async getCampaign(id: string): Promise<CampaignState> {
    const c = await this.sender.withRetry("campaignOf", () => this.campaigns.campaignOf(id));
    return {
      id,
      status: STATUS[Number(c.status)]!,
      mode: MODE[Number(c.mode)]!,
      publisher: c.publisher,
      publishedAt: c.publishedAt,
      claimant: c.claimant,
      claimedAt: c.claimedAt,
      claimDeadline: c.claimDeadline,
      notBefore: c.notBefore,
      notAfter: c.notAfter,
      assetPair: c.assetPair,
      strategyId: c.strategyId,
      settledReceiptId: c.settledReceiptId,
      dispatchOrder: [...c.dispatchOrder],
    };
  }

  async publishCampaign(spec: CampaignSpec, opts: PublishOptions): Promise<PublishResult> {
    const dispatch: CampaignDispatch = {
      mode: opts.mode,
      dispatchBy: opts.dispatchBy ?? "reputation",
      dispatchOrder: opts.dispatchOrder ?? [],
    };
    const id = campaignId(spec, dispatch);
    const data = this.campaigns.interface.encodeFunctionData("publish", [spec, ...dispatchArgs(dispatch)]);
    const receipt = await this.send(`publish ${id}`, this.addresses.campaigns, data);
    const created = this.parse(receipt.logs).some((e) => e.name === "CampaignPublished");
    return { id, created, txHash: receipt.hash };
  }

  async claimCampaign(id: string): Promise<ClaimResult> {
    const data = this.campaigns.interface.encodeFunctionData("claim", [id]);
    try {
      const receipt = await this.send(`claim ${id}`, this.addresses.campaigns, data);
      const ev = this.parse(receipt.logs).find((e) => e.name === "CampaignClaimed");
      return { claimed: true, deadline: (ev?.args["deadline"] as bigint | undefined) ?? 0n, txHash: receipt.hash };
    } catch (err) {
      if (err instanceof ChainRevertError && err.reason in CLAIM_REFUSALS) {
        const reason = CLAIM_REFUSALS[err.reason]!;
        if (reason === "taken") {
          const c = await this.getCampaign(id);
          if (c.status === "settled") return { claimed: false, reason: "settled", detail: err.shortMessage };
        }
        return { claimed: false, reason, detail: err.shortMessage };
      }
      if (err instanceof ChainUnavailableError && /reverted on-chain/.test(err.shortMessage)) {
        // Estimation passed but another claim was mined first (a race inside one block interval).
        const c = await this.getCampaign(id);
        if (c.claimant.toLowerCase() !== this.account.toLowerCase()) {
          return { claimed: false, reason: c.status === "settled" ? "settled" : "taken", detail: err.shortMessage };
        }
      }
      throw err;
    }
  }

  async releaseCampaign(id: string): Promise<string> {
    const data = this.campaigns.interface.encodeFunctionData("release", [id]);
    return (await this.send(`release ${id}`, this.addresses.campaigns, data)).hash;
  }

  async settleCampaign(id: string, receiptId: bigint): Promise<SettleResult> {
    const data = this.campaigns.interface.encodeFunctionData("settle", [id, receiptId]);
    const receipt = await this.send(`settle ${id}`, this.addresses.campaigns, data);
    const settled = this.parse(receipt.logs).some((e) => e.name === "CampaignSettled");
    return { settled, txHash: receipt.hash };
  }

  async stake(amount: bigint): Promise<string> {
    const approve = this.asset.interface.encodeFunctionData("approve", [this.addresses.reputation, amount]);
    await this.send("approve stake", this.addresses.asset, approve);
    const data = this.reputation.interface.encodeFunctionData("stake", [amount]);
    return (await this.send("stake", this.addresses.reputation, data)).hash;
  }

  async proposeKeeper(keeper: string): Promise<string> {
    const data = this.reputation.interface.encodeFunctionData("proposeKeeper", [keeper]);
    return (await this.send(`propose ${keeper}`, this.addresses.reputation, data)).hash;
  }

  async acceptOperator(operator: string): Promise<string> {
    const data = this.reputation.interface.encodeFunctionData("acceptOperator", [operator]);
    return (await this.send(`accept ${operator}`, this.addresses.reputation, data)).hash;
  }

  async heartbeat(): Promise<string> {
    const data = this.reputation.interface.encodeFunctionData("heartbeat");
    return (await this.send("heartbeat", this.addresses.reputation, data)).hash;
  }

  async keeperStatus(keeper: string = this.account): Promise<KeeperStatus> {
    const read = <T>(label: string, fn: () => Promise<T>) => this.sender.withRetry(label, fn);
    const [operator, attested, eligible, score, lastSeen, attestation] = await Promise.all([
      read("operatorOf", () => this.reputation.operatorOf(keeper)),
      read("isAttested", () => this.attestations.isAttested(keeper)),
      read("isEligible", () => this.reputation.isEligible(keeper)),
      read("score", () => this.reputation.score(keeper)),
      read("lastSeen", () => this.reputation.lastSeen(keeper)),
      read("attestationOf", () => this.attestations.attestationOf(keeper)),
    ]);
    const operatorActiveStake =
      operator === ZeroAddress ? 0n : (await read("stakeOf", () => this.reputation.stakeOf(operator))).active;
    return {
      keeper,
      operator,
      attested,
      eligible,
      score,
      lastSeen,
      operatorActiveStake,
      attestedAt: attestation.attestedAt,
      measurementHash: attestation.measurementHash,
    };
  }

  /** EIP-712 domain and types of `AttestationRegistry.hashVerifiedQuote`. */
  async signVerifiedQuote(fields: VerifiedQuoteFields): Promise<string> {
    return this.sender.signer.signTypedData(
      attestationDomain(this.chainId, this.addresses.attestations),
      ATTESTATION_TYPES,
      { ...fields },
    );
  }

  measurementAllowed(measurementHash: string): Promise<boolean> {
    return this.sender.withRetry("isMeasurementAllowed", () => this.params.isMeasurementAllowed(measurementHash));
  }

  async submitVerifiedQuote(fields: VerifiedQuoteFields): Promise<string> {
    const signature = await this.signVerifiedQuote(fields);
    const data = this.attestations.interface.encodeFunctionData("submitVerified", [fields, signature]);
    return (await this.send(`attest ${fields.keeper}`, this.addresses.attestations, data)).hash;
  }

  postReceipt<R>(poster: ReceiptPoster<R>, receipt: R): Promise<{ receiptId: bigint; txHash?: string }> {
    return poster.post(receipt);
  }

  async getReceipt(id: bigint): Promise<PostedReceipt> {
    const r = await this.sender.withRetry("getReceipt", () => this.receipts.getReceipt(id));
    return {
      id,
      keeper: r.keeper,
      campaignId: r.campaignId,
      traceRoot: r.traceRoot,
      leafCount: Number(r.leafCount),
      cid: r.cid,
      postedAt: r.postedAt,
    };
  }

  receiptIdByRoot(traceRoot: string): Promise<bigint> {
    return this.sender.withRetry("receiptIdByRoot", () => this.receipts.receiptIdByRoot(traceRoot));
  }
}

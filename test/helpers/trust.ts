/**
 * Trust-layer test helpers: the whole system deployed by the real deploy path, keepers onboarded for
 * real (operator stake, two-step binding, verifier-signed attestation, heartbeat), campaigns published
 * and receipts built as `@openzeppelin/merkle-tree` standard trees and signed with EIP-712.
 */
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { concat, encodeBytes32String, keccak256, toUtf8Bytes, zeroPadBytes, type Signer } from "ethers";
import { TCB_STATUS_CODE, TEE_TYPE_CODE } from "../../keeper/src/attestation/dcap.js";
import { ATTESTATION_TYPES, attestationDomain } from "../../keeper/src/attestation/record.js";
import { RECEIPT_TYPES } from "../../keeper/src/recording/receipt.js";
import { TRACE_LEAF_ENCODING, type TraceLeafStruct } from "../../keeper/src/recording/trace.js";
import { deploySystem, type System } from "../../scripts/lib/system.js";
import type {
  AttestationRegistry,
  CampaignRegistry,
  DisputeDesk,
  Parameters,
  ReceiptRegistry,
  ReputationOracle,
  TestStablecoin,
} from "../../types/ethers-contracts/index.js";

export const key = encodeBytes32String;
export const MEASUREMENT = keccak256(toUtf8Bytes("mrtd: keeper image v1"));
export const TDX = TEE_TYPE_CODE.TDX;
export const SGX = TEE_TYPE_CODE.SGX;
/**
 * TCB status codes of the on-chain `TcbStatus` enum (the keeper's DCAP module is the one definition). The keeper's
 * `Unknown` (255) has no on-chain value: the verifier never submits it (see `submitVerified_tcbUnknown_reverts`).
 */
export const TCB = (({ Unknown: _unknown, ...onChain }) => onChain)(TCB_STATUS_CODE);
/** The keeper's code for a TCB status the collateral does not name. */
export const TCB_UNKNOWN = TCB_STATUS_CODE.Unknown;
export const MIN_STAKE = 1_000n * 10n ** 6n;
export const BOND = 100n * 10n ** 6n;

/** Leaf types of a trace (`TraceLeafLib`): the keeper's recording module is the one definition. */
export const LEAF_TYPES: string[] = [...TRACE_LEAF_ENCODING];

export type Leaf = TraceLeafStruct;

export const leafValues = (l: Leaf) => [
  l.campaignId,
  l.timestamp,
  l.executionId,
  l.venue,
  l.side,
  l.price,
  l.size,
  l.fee,
  l.minPrice,
  l.maxPrice,
];

export interface Spec {
  assetPair: string;
  priceWindow: { minPrice: bigint; maxPrice: bigint; notBefore: bigint; notAfter: bigint };
  route: { strategyId: string; sourceVenue: string; targetVenue: string };
}

export interface Trust {
  ethers: HardhatEthers;
  /** Every deployed contract by name (the vault, governance, feeds...). */
  system: System;
  params: Parameters;
  asset: TestStablecoin;
  attestations: AttestationRegistry;
  receipts: ReceiptRegistry;
  reputation: ReputationOracle;
  desk: DisputeDesk;
  campaigns: CampaignRegistry;
  governance: HardhatEthersSigner;
  verifier: HardhatEthersSigner;
  keepers: HardhatEthersSigner[];
  operators: HardhatEthersSigner[];
  challenger: HardhatEthersSigner;
  stranger: HardhatEthersSigner;
  chainId: bigint;
}

/** Deploys the system and allowlists `MEASUREMENT`; approves `verifier`. No keeper is onboarded. */
export async function deployTrust(ethers: HardhatEthers): Promise<Trust> {
  // The deployer stays governance here (no timelock handover): these unit tests act as governance directly.
  const system = await deploySystem(ethers, { local: true, handOverToTimelock: false });
  const c = <T>(name: string) => system[name]!.contract as unknown as T;
  const signers = await ethers.getSigners();
  const t: Trust = {
    ethers,
    system,
    params: c<Parameters>("Parameters"),
    asset: c<TestStablecoin>("DepositAsset"),
    attestations: c<AttestationRegistry>("AttestationRegistry"),
    receipts: c<ReceiptRegistry>("ReceiptRegistry"),
    reputation: c<ReputationOracle>("ReputationOracle"),
    desk: c<DisputeDesk>("DisputeDesk"),
    campaigns: c<CampaignRegistry>("CampaignRegistry"),
    governance: signers[0]!,
    keepers: [signers[1]!, signers[2]!, signers[3]!],
    operators: [signers[4]!, signers[5]!],
    challenger: signers[6]!,
    stranger: signers[7]!,
    verifier: signers[9]!,
    chainId: (await ethers.provider.getNetwork()).chainId,
  };
  await t.params.setMeasurementAllowed(MEASUREMENT, true);
  await t.attestations.grantRole(await t.attestations.VERIFIER_ROLE(), t.verifier.address);
  return t;
}

export interface QuoteOverrides {
  keeper?: string;
  quoteHash?: string;
  teeType?: number;
  measurementHash?: string;
  tcbStatus?: number;
  reportData?: string;
  verifiedAt?: bigint;
}

let quoteCounter = 0;

/** Verified quote fields for `keeper` (report data = keeper address then zeroes, 64 bytes). */
export async function quoteFor(t: Trust, keeper: string, o: QuoteOverrides = {}) {
  const now = BigInt((await t.ethers.provider.getBlock("latest"))!.timestamp);
  return {
    keeper: o.keeper ?? keeper,
    quoteHash: o.quoteHash ?? keccak256(toUtf8Bytes(`quote ${keeper} ${++quoteCounter}`)),
    teeType: o.teeType ?? TDX,
    measurementHash: o.measurementHash ?? MEASUREMENT,
    tcbStatus: o.tcbStatus ?? TCB.UpToDate,
    reportData: o.reportData ?? zeroPadBytes(keeper, 64),
    verifiedAt: o.verifiedAt ?? now,
  };
}

/** EIP-712 signature of `quote` by `signer` for the attestation registry. */
export async function signQuote(t: Trust, signer: Signer, quote: Awaited<ReturnType<typeof quoteFor>>) {
  return signer.signTypedData(
    attestationDomain(t.chainId, await t.attestations.getAddress()),
    ATTESTATION_TYPES,
    quote,
  );
}

/** Attests `keeper` through the approved verifier. */
export async function attest(t: Trust, keeper: string, o: QuoteOverrides = {}) {
  const q = await quoteFor(t, keeper, o);
  await t.attestations.submitVerified(q, await signQuote(t, t.verifier, q));
  return q;
}

/** Full onboarding: operator stakes `stake` (none when 0), binds the keeper (two steps), attestation, heartbeat. */
export async function onboard(t: Trust, keeper: HardhatEthersSigner, operator: HardhatEthersSigner, stake = MIN_STAKE) {
  if (stake > 0n) {
    await t.asset.connect(operator).approve(await t.reputation.getAddress(), stake);
    await t.reputation.connect(operator).stake(stake);
  }
  await t.reputation.connect(operator).proposeKeeper(keeper.address);
  await t.reputation.connect(keeper).acceptOperator(operator.address);
  await attest(t, keeper.address);
  await t.reputation.connect(keeper).heartbeat();
}

let specCounter = 0n;

/** A fresh campaign spec valid for the next hour (unique per call unless `o` pins it). */
export async function specFor(t: Trust, o: Partial<{ pair: string; strategy: string; maxPrice: bigint }> = {}) {
  const now = BigInt((await t.ethers.provider.getBlock("latest"))!.timestamp);
  specCounter += 1n;
  return {
    assetPair: key(o.pair ?? "ETH/USDC"),
    priceWindow: {
      minPrice: 3_000n * 10n ** 8n,
      maxPrice: o.maxPrice ?? 3_100n * 10n ** 8n + specCounter,
      notBefore: now - 1n,
      notAfter: now + 3_600n,
    },
    route: { strategyId: key(o.strategy ?? "arbitrage"), sourceVenue: key("binance"), targetVenue: key("uniswap-v2") },
  } satisfies Spec;
}

/** Publishes a race campaign as `publisher`, returns its id. */
export async function publishRace(t: Trust, publisher: Signer, spec?: Spec): Promise<string> {
  const s = spec ?? (await specFor(t));
  const id = await t.campaigns.campaignIdOf(s, 0, 0, []);
  await t.campaigns.connect(publisher).publish(s, 0, 0, []);
  return id;
}

/** A trace of `n` trades for a campaign, every price inside its bound unless `badIndex` is given. */
export function traceFor(campaignId: string, n: number, salt = "", badIndex = -1) {
  const leaves: Leaf[] = [];
  for (let i = 0; i < n; i++) {
    leaves.push({
      campaignId,
      timestamp: 1_764_000_000n + BigInt(i),
      executionId: keccak256(toUtf8Bytes(`order ${campaignId} ${salt} ${i}`)),
      venue: key("binance"),
      side: i % 2,
      price: i === badIndex ? 2_000n * 10n ** 8n : 3_050n * 10n ** 8n,
      size: 10n ** 16n,
      fee: 1_000n,
      minPrice: 3_000n * 10n ** 8n,
      maxPrice: 3_100n * 10n ** 8n,
    });
  }
  return traceOf(leaves);
}

/** Standard tree, root and execution hash of explicit leaves. */
export function traceOf(leaves: Leaf[]) {
  const tree = StandardMerkleTree.of(leaves.map(leafValues), LEAF_TYPES);
  const executionHash = keccak256(concat(leaves.map((l) => l.executionId)));
  return { leaves, tree, root: tree.root, executionHash };
}

export interface ReceiptInput {
  keeper: string;
  campaignId: string;
  traceRoot: string;
  executionHash: string;
  leafCount: bigint;
  summary: { volume: bigint; avgPrice: bigint; pnl: bigint };
  cid: string;
  nonce: bigint;
}

export { RECEIPT_TYPES };

/** Receipt fields for a trace, with the keeper's current nonce. */
export async function receiptInput(
  t: Trust,
  keeper: string,
  campaignId: string,
  trace: { root: string; executionHash: string; leaves: unknown[] },
  leafCount?: number,
): Promise<ReceiptInput> {
  return {
    keeper,
    campaignId,
    traceRoot: trace.root,
    executionHash: trace.executionHash,
    leafCount: BigInt(leafCount ?? trace.leaves.length),
    summary: { volume: 30_500n * 10n ** 6n, avgPrice: 3_050n * 10n ** 8n, pnl: 12n * 10n ** 6n },
    cid: "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy",
    nonce: await t.receipts.nonceOf(keeper),
  };
}

/** EIP-712 signature of a receipt, for a given domain (defaults: this chain, the receipt registry). */
export async function signReceipt(
  t: Trust,
  signer: Signer,
  input: ReceiptInput,
  domain?: { chainId?: bigint; verifyingContract?: string },
) {
  return signer.signTypedData(
    {
      name: "ReceiptRegistry",
      version: "1",
      chainId: domain?.chainId ?? t.chainId,
      verifyingContract: domain?.verifyingContract ?? (await t.receipts.getAddress()),
    },
    RECEIPT_TYPES,
    input,
  );
}

/** Builds, signs and posts (relayed by `relayer`, default the keeper) a receipt; returns its id. */
export async function postReceipt(
  t: Trust,
  keeper: HardhatEthersSigner,
  campaignId: string,
  trace = traceFor(campaignId, 3),
  relayer?: Signer,
): Promise<bigint> {
  const input = await receiptInput(t, keeper.address, campaignId, trace);
  const sig = await signReceipt(t, keeper, input);
  await t.receipts.connect(relayer ?? keeper).post(input, sig);
  return t.receipts.receiptCount();
}

/** Evidence tuple for a challenge. */
export function evidence(
  kind: number,
  trace: ReturnType<typeof traceOf>,
  index: number,
  other?: { receiptId: bigint; trace: ReturnType<typeof traceOf>; index: number },
) {
  const leaf = trace.leaves[index]!;
  const otherLeaf = other ? other.trace.leaves[other.index]! : leaf;
  return {
    kind,
    leaf,
    proof: trace.tree.getProof(index),
    otherReceiptId: other?.receiptId ?? 0n,
    otherLeaf,
    otherProof: other ? other.trace.tree.getProof(other.index) : [],
  };
}

/**
 * The reputation tests' three keepers: keepers 0 and 1 under operator 0 (who stakes twice the minimum with keeper 0,
 * nothing more with keeper 1), keeper 2 under operator 1 (the minimum).
 */
export async function deployWithKeepers(ethers: HardhatEthers): Promise<Trust> {
  const t = await deployTrust(ethers);
  const [k0, k1, k2] = t.keepers;
  await onboard(t, k0!, t.operators[0]!, MIN_STAKE * 2n);
  await onboard(t, k1!, t.operators[0]!, 0n);
  await onboard(t, k2!, t.operators[1]!);
  return t;
}

/** Keeper 0 publishes, claims and posts a receipt whose trace has out-of-bound prices at leaves 1..6 (of 8). */
export async function postFraudulentReceipt(t: Trust) {
  const k0 = t.keepers[0]!;
  const id = await publishRace(t, k0);
  await t.campaigns.connect(k0).claim(id);
  const leaves = traceFor(id, 8).leaves.map((l, i) => (i >= 1 && i <= 6 ? { ...l, price: 1n } : l));
  const trace = traceOf(leaves);
  const receiptId = await postReceipt(t, k0, id, trace);
  return { id, trace, receiptId };
}

/** Sends a transaction and returns it with the token balance change of each account. */
export async function withDeltas(
  t: Trust,
  who: { getAddress(): Promise<string> }[],
  send: () => Promise<{ wait(): Promise<unknown> }>,
) {
  const addrs = await Promise.all(who.map((w) => w.getAddress()));
  const before = await Promise.all(addrs.map((a) => t.asset.balanceOf(a)));
  const tx = await send();
  await tx.wait();
  const after = await Promise.all(addrs.map((a) => t.asset.balanceOf(a)));
  return { tx, deltas: after.map((b, i) => b - before[i]!) };
}

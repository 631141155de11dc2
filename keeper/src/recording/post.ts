import type { TransactionReceipt } from "ethers";
import type { DisputeDesk, ReceiptRegistry } from "../../../types/ethers-contracts/index.js";
import { RecordingError } from "./errors.js";
import { proofForContract, type TraceProof } from "./merkle.js";
import { receiptDomain, receiptInput, type SignedReceipt } from "./receipt.js";
import { leafPriceOutOfBound } from "./trace.js";

/**
 * Chain side of the recording layer, typed with the TypeChain bindings: the registry's EIP-712 domain, posting a
 * sealed receipt (idempotent after a crash), proving a leaf with `verifyLeaf`, and filing a `PriceOutOfBound`
 * challenge with a proof the keeper (or any auditor holding the trace document) produced.
 */

/** The ReceiptRegistry's EIP-712 domain, read from the chain (chain id) and the contract (address). */
export async function receiptDomainOf(registry: ReceiptRegistry) {
  const provider = registry.runner?.provider;
  if (!provider) throw new RecordingError("the receipt registry binding has no provider");
  const { chainId } = await provider.getNetwork();
  return receiptDomain(chainId, await registry.getAddress());
}

/** `IReceiptRegistry.ReceiptInput` of a signed receipt, in the shape of the TypeChain `post` argument. */
export function postInputOf(signed: Pick<SignedReceipt, "receipt" | "keeper" | "nonce">) {
  const i = receiptInput(signed.receipt, signed.keeper, signed.nonce);
  return { ...i, leafCount: BigInt(i.leafCount) };
}

export interface PostedReceipt {
  receiptId: bigint;
  /** False when the receipt was already on-chain (a restart after the post was mined): nothing was sent. */
  sent: boolean;
  txHash?: string;
}

/**
 * Sends a `post` transaction and returns it mined (status 1): lets a keeper route the post through its own
 * per-key sender (nonce manager, retries) instead of the registry binding's runner.
 */
export type SendTransaction = (label: string, tx: { to: string; data: string }) => Promise<TransactionReceipt>;

/**
 * Posts a sealed receipt (`registry` connected to the relaying account, or sent through `send` when given;
 * anyone may relay). Before sending it
 * checks that the registry computes the same EIP-712 digest (typed data or domain drift is a bug, caught
 * before spending gas). Idempotent: when the same root is already posted by the same keeper, its id is
 * returned and nothing is sent, so a keeper restarted between "mined" and "journal updated" does not fail.
 */
export async function postSealedReceipt(
  registry: ReceiptRegistry,
  signed: SignedReceipt,
  send?: SendTransaction,
): Promise<PostedReceipt> {
  const input = postInputOf(signed);
  const existing = await registry.receiptIdByRoot(input.traceRoot);
  if (existing !== 0n) {
    const r = await registry.getReceipt(existing);
    if (r.keeper !== input.keeper || r.campaignId !== input.campaignId) {
      throw new RecordingError("this trace root was posted by another receipt", {
        details: `receipt ${existing} by ${r.keeper} for ${r.campaignId}`,
      });
    }
    return { receiptId: existing, sent: false };
  }
  const digest = await registry.hashReceipt(input);
  if (digest !== signed.digest) {
    throw new RecordingError("the registry hashes the receipt differently: typed data or domain out of date", {
      details: `signed ${signed.digest}, registry ${digest}`,
    });
  }
  if (send) {
    const data = registry.interface.encodeFunctionData("post", [input, signed.signature]);
    const mined = await send(`post receipt ${input.campaignId}`, { to: await registry.getAddress(), data });
    return { receiptId: receiptIdFrom(registry, mined), sent: true, txHash: mined.hash };
  }
  const tx = await registry.post(input, signed.signature);
  const mined = await tx.wait();
  return { receiptId: receiptIdFrom(registry, mined), sent: true, txHash: tx.hash };
}

function receiptIdFrom(registry: ReceiptRegistry, mined: TransactionReceipt | null): bigint {
  if (!mined || mined.status !== 1) throw new RecordingError("post was not mined");
  for (const log of mined.logs) {
    const parsed = registry.interface.parseLog(log);
    if (parsed?.name === "ReceiptPosted") return parsed.args.receiptId as bigint;
  }
  throw new RecordingError("post mined without a ReceiptPosted event", { details: mined.hash });
}

/** `verifyLeaf(receiptId, leafHash, proof)` on-chain for a proof produced by `TraceTree.proof`. */
export async function verifyLeafOnChain(registry: ReceiptRegistry, receiptId: bigint, p: TraceProof): Promise<boolean> {
  return registry.verifyLeaf(receiptId, p.leafHash, [...p.proof]);
}

/**
 * Files a `PriceOutOfBound` challenge against `receiptId` with the leaf and proof `p` (`desk`, the dispute desk,
 * connected to the challenger, who must have approved the bond to it). Refuses, without sending, a leaf whose
 * price is inside its bound (the desk would revert). Returns the dispute id.
 */
export async function challengePriceOutOfBound(
  desk: DisputeDesk,
  receiptId: bigint,
  p: TraceProof,
): Promise<{ disputeId: bigint; txHash: string }> {
  if (!leafPriceOutOfBound(p.leaf)) {
    throw new RecordingError("the leaf's price is inside its bound: no PriceOutOfBound evidence", {
      details: `seq ${p.seq}`,
    });
  }
  const { leaf, proof } = proofForContract(p);
  const tx = await desk.challenge(receiptId, {
    kind: 0n, // IDisputeDesk.EvidenceKind.PriceOutOfBound
    leaf,
    proof,
    otherReceiptId: 0n,
    otherLeaf: leaf,
    otherProof: [],
  });
  return disputeFrom(desk, await tx.wait(), tx.hash);
}

/**
 * Files a `DuplicateExecution` challenge: leaf `p` of `receiptId` and leaf `other` of another receipt
 * `otherReceiptId` carry the same `executionId` (one fill claimed twice; the arbiter rules which receipt is at
 * fault, both keepers are on hold meanwhile). Refuses, without sending, leaves with different execution ids or
 * the same receipt twice. Returns the dispute id.
 */
export async function challengeDuplicateExecution(
  desk: DisputeDesk,
  receiptId: bigint,
  p: TraceProof,
  otherReceiptId: bigint,
  other: TraceProof,
): Promise<{ disputeId: bigint; txHash: string }> {
  if (p.leaf[2] !== other.leaf[2]) {
    throw new RecordingError("the two leaves are different fills: no DuplicateExecution evidence", {
      details: `${p.leaf[2]} vs ${other.leaf[2]}`,
    });
  }
  if (otherReceiptId === receiptId) {
    throw new RecordingError("the other receipt must be another receipt", { details: `receipt ${receiptId}` });
  }
  const a = proofForContract(p);
  const b = proofForContract(other);
  const tx = await desk.challenge(receiptId, {
    kind: 1n, // IDisputeDesk.EvidenceKind.DuplicateExecution
    leaf: a.leaf,
    proof: a.proof,
    otherReceiptId,
    otherLeaf: b.leaf,
    otherProof: b.proof,
  });
  return disputeFrom(desk, await tx.wait(), tx.hash);
}

function disputeFrom(
  desk: DisputeDesk,
  mined: TransactionReceipt | null,
  txHash: string,
): { disputeId: bigint; txHash: string } {
  if (!mined || mined.status !== 1) throw new RecordingError("challenge was not mined", { details: txHash });
  for (const log of mined.logs) {
    const parsed = desk.interface.parseLog(log);
    if (parsed?.name === "Challenged") return { disputeId: parsed.args.disputeId as bigint, txHash };
  }
  throw new RecordingError("challenge mined without a Challenged event", { details: txHash });
}

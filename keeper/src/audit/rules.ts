/**
 * The auditor's rules, as pure functions over a posted receipt, the trace document its CID resolved to and the
 * campaign's published price window. No I/O: `auditor.ts` fetches, this decides. Rules: docs/SPECIFICATION.md
 * "Keeper node / Auditor".
 *
 * A finding is `challengeable` only when the oracle has a rule for it and the evidence will verify on-chain
 * (the document rebuilds the posted root, so its proofs place the leaf in the receipt). Everything else is
 * reported, never challenged: a challenge the oracle would refuse only wastes gas, and one it cannot check
 * would be griefing.
 */
import { summarizeTrace, type ReceiptSummary, type TraceDocument } from "../recording/receipt.js";
import { TraceTree } from "../recording/merkle.js";
import { leafPriceOutOfBound } from "../recording/trace.js";

/** A receipt as `ReceiptPosted` announced it (plus its posting time). */
export interface PostedReceiptInfo {
  receiptId: bigint;
  keeper: string;
  campaignId: string;
  traceRoot: string;
  executionHash: string;
  leafCount: number;
  summary: ReceiptSummary;
  cid: string;
  postedAt: bigint;
}

/** The campaign's published price window (8 decimals), the authoritative bound of every leaf. */
export interface PriceWindow {
  minPrice: bigint;
  maxPrice: bigint;
}

/** Where an execution id was first seen: an earlier receipt and its leaf. */
export interface ExecutionSighting {
  receiptId: bigint;
  seq: number;
}

export type Finding =
  /** A leaf priced outside the campaign's window or its own bound: `PriceOutOfBound` evidence. */
  | { rule: "priceOutOfBound"; seq: number; price: bigint; minPrice: bigint; maxPrice: bigint; challengeable: true }
  /** A leaf whose fill an earlier receipt already claimed: `DuplicateExecution` evidence. */
  | {
      rule: "duplicateExecution";
      seq: number;
      executionId: string;
      otherReceiptId: bigint;
      otherSeq: number;
      challengeable: true;
    }
  /** The document does not rebuild what was posted (root, execution hash, count, summary, campaign). */
  | { rule: "receiptMismatch"; fields: string[]; challengeable: false }
  /** One fill twice inside the same trace (no earlier receipt to cite). */
  | { rule: "duplicateWithinTrace"; seq: number; otherSeq: number; challengeable: false };

export type ChallengeableFinding = Extract<Finding, { challengeable: true }>;

export interface TraceAudit {
  findings: Finding[];
  /** The tree rebuilt from the document (proofs for evidence); undefined when the document is unusable. */
  tree: TraceTree | undefined;
  /** Execution id of every leaf, in seq order (indexed for later duplicate checks when the root matched). */
  executionIds: string[];
  /** The document rebuilds the posted root: its proofs verify on-chain. */
  rootMatches: boolean;
}

/**
 * Audits one receipt against the trace document its CID resolved to (the store already checked that the bytes
 * hash to the CID). `earlier(executionId)` answers where that fill was first seen in a receipt audited before.
 */
export function auditTrace(
  posted: PostedReceiptInfo,
  doc: TraceDocument,
  window: PriceWindow,
  earlier: (executionId: string) => ExecutionSighting | undefined,
): TraceAudit {
  const findings: Finding[] = [];
  const tree = TraceTree.fromEntries(doc.entries, doc.units);
  const mismatch: string[] = [];
  if (doc.campaignId.toLowerCase() !== posted.campaignId.toLowerCase()) mismatch.push("campaignId");
  if (tree.root !== posted.traceRoot.toLowerCase()) mismatch.push("traceRoot");
  if (tree.executionHash !== posted.executionHash.toLowerCase()) mismatch.push("executionHash");
  if (tree.leafCount !== posted.leafCount) mismatch.push("leafCount");
  const s = summarizeTrace(doc.entries, doc.units);
  if (s.volume !== posted.summary.volume) mismatch.push("volume");
  if (s.avgPrice !== posted.summary.avgPrice) mismatch.push("avgPrice");
  if (s.pnl !== posted.summary.pnl) mismatch.push("pnl");
  if (mismatch.length > 0) findings.push({ rule: "receiptMismatch", fields: mismatch, challengeable: false });
  // Evidence is only worth filing when its proof will place the leaf in the posted receipt.
  const rootMatches = !mismatch.includes("traceRoot") && !mismatch.includes("campaignId");

  const executionIds: string[] = [];
  const firstSeq = new Map<string, number>();
  for (let seq = 0; seq < tree.leafCount; seq++) {
    const leaf = tree.leaf(seq);
    const [, , executionId, , , price] = leaf;
    executionIds.push(executionId);
    const outside = price < window.minPrice || price > window.maxPrice || leafPriceOutOfBound(leaf);
    if (outside && rootMatches) {
      findings.push({
        rule: "priceOutOfBound",
        seq,
        price,
        minPrice: window.minPrice,
        maxPrice: window.maxPrice,
        challengeable: true,
      });
    }
    const within = firstSeq.get(executionId);
    if (within !== undefined) {
      findings.push({ rule: "duplicateWithinTrace", seq, otherSeq: within, challengeable: false });
      continue;
    }
    firstSeq.set(executionId, seq);
    const seen = earlier(executionId);
    if (seen && seen.receiptId < posted.receiptId && rootMatches) {
      findings.push({
        rule: "duplicateExecution",
        seq,
        executionId,
        otherReceiptId: seen.receiptId,
        otherSeq: seen.seq,
        challengeable: true,
      });
    }
  }
  return { findings, tree, executionIds, rootMatches };
}

/**
 * The one piece of evidence filed against a receipt: the first price violation (checked by the oracle against
 * the campaign's stored window, it needs nothing else), else the first duplicate execution.
 */
export function evidenceToFile(findings: readonly Finding[]): ChallengeableFinding | undefined {
  return (
    findings.find((f): f is ChallengeableFinding => f.rule === "priceOutOfBound") ??
    findings.find((f): f is ChallengeableFinding => f.rule === "duplicateExecution")
  );
}

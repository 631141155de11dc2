import { TraceTree } from "./merkle.js";
import { CAMPAIGN_A, sampleEntry } from "./test-fixtures.js";
import { TRACE_LEAF_ENCODING, executionHash, parseTraceEntry, traceLeafHash } from "./trace.js";

/**
 * The shared trace Merkle test vector (`keeper/test-data/recording/trace-vector.json`): three entries, their
 * leaf tuples (integers as decimal strings), leaf hashes, the root and every proof. The Solidity tests of the
 * ReceiptRegistry load the same file, so both sides provably encode leaves identically.
 */
export function buildTraceTestVector() {
  const entries = [0, 1, 2].map((i) => parseTraceEntry(sampleEntry(i, CAMPAIGN_A)));
  const tree = TraceTree.fromEntries(entries);
  const proofs = entries.map((_, seq) => tree.proof(seq));
  return {
    description: "Trace Merkle tree vector: leaf = keccak256(bytes.concat(keccak256(abi.encode(leaf tuple))))",
    leafEncoding: [...TRACE_LEAF_ENCODING],
    root: tree.root,
    entries,
    executionHashes: entries.map((e) => executionHash(e)),
    leaves: proofs.map((p) => p.leaf.map((v) => (typeof v === "bigint" || typeof v === "number" ? v.toString() : v))),
    leafHashes: proofs.map((p) => traceLeafHash(p.leaf)),
    proofs: proofs.map((p) => p.proof),
  };
}

import { TraceTree } from "./merkle.js";
import { CAMPAIGN_A, UNITS, sampleEntry } from "./test-fixtures.js";
import { TRACE_LEAF_ENCODING, leafPriceOutOfBound, parseTraceEntry, traceLeafHash } from "./trace.js";
import { parseUnits } from "./units.js";

/**
 * The shared trace Merkle test vector (`keeper/test-data/recording/trace-vector.json`): four entries (the last
 * one filled outside its price bound), their leaf tuples in `TraceLeafLib.TraceLeaf` order (integers as decimal
 * strings), leaf hashes, execution ids, the receipt's execution hash, the root and every proof. The Solidity
 * test `test/receipts/TraceVector.test.ts` loads the same file and checks it through `TraceLeafLib` and
 * `ReceiptRegistry.verifyLeaf`, so both sides provably encode leaves identically.
 */
export function buildTraceTestVector() {
  const entries = [0, 1, 2, 3].map((i) =>
    parseTraceEntry(i === 3 ? { ...sampleEntry(i, CAMPAIGN_A), price: "2011.25", fee: "0.1" } : sampleEntry(i)),
  );
  const tree = TraceTree.fromEntries(entries, UNITS);
  const proofs = entries.map((_, seq) => tree.proof(seq));
  return {
    description:
      "Trace Merkle tree vector: leaf = keccak256(bytes.concat(keccak256(abi.encode(TraceLeafLib.TraceLeaf)))); " +
      "executionHash = keccak256(abi.encodePacked(executionIds in seq order))",
    leafEncoding: [...TRACE_LEAF_ENCODING],
    units: parseUnits(UNITS),
    root: tree.root,
    executionHash: tree.executionHash,
    entries,
    leaves: proofs.map((p) => p.leaf.map((v) => (typeof v === "bigint" || typeof v === "number" ? v.toString() : v))),
    leafHashes: proofs.map((p) => traceLeafHash(p.leaf)),
    executionIds: proofs.map((p) => p.leaf[2]),
    priceOutOfBound: proofs.map((p) => leafPriceOutOfBound(p.leaf)),
    proofs: proofs.map((p) => p.proof),
  };
}

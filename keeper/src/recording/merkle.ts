import { SimpleMerkleTree } from "@openzeppelin/merkle-tree";
import { RecordingError } from "./errors.js";
import { MAX_TRACE_LEAVES, traceLeaf, traceLeafHash, type TraceEntry, type TraceLeaf } from "./trace.js";

/**
 * Merkle tree of an execution trace, identical to `@openzeppelin/merkle-tree`'s StandardMerkleTree over the leaf
 * tuples of `traceLeaf` with TRACE_LEAF_ENCODING: leaves are `keccak256(bytes.concat(keccak256(abi.encode(leaf))))`,
 * sorted, and pairs hashed in sorted order, so proofs verify with OpenZeppelin's `MerkleProof.verify` on-chain.
 *
 * It is built with the same package's SimpleMerkleTree over leaf hashes computed by `traceLeafHash`: the
 * StandardMerkleTree runs a generic ABI encoder per leaf (and again per proof), about 4x slower for a
 * 10,000-trade trace; the two give the same root and proofs (checked by a test).
 */
export interface TraceProof {
  seq: number;
  leaf: TraceLeaf;
  /** `keccak256(bytes.concat(keccak256(abi.encode(leaf))))`. */
  leafHash: string;
  proof: string[];
}

export class TraceTree {
  readonly tree: SimpleMerkleTree;
  readonly leafCount: number;
  readonly #leaves: TraceLeaf[];
  readonly #hashes: string[];

  private constructor(leaves: TraceLeaf[], hashes: string[]) {
    this.#leaves = leaves;
    this.#hashes = hashes;
    this.leafCount = leaves.length;
    // SimpleMerkleTree keeps values in input order: value index == seq.
    this.tree = SimpleMerkleTree.of(hashes);
  }

  /** Builds the tree of a trace; entry `i` becomes the leaf with `seq = i`. Refuses an empty trace. */
  static fromEntries(entries: readonly TraceEntry[]): TraceTree {
    if (entries.length === 0) throw new RecordingError("cannot build a Merkle tree of an empty trace");
    if (entries.length > MAX_TRACE_LEAVES) throw new RecordingError("trace too long for a uint32 leaf count");
    const leaves = entries.map((e, i) => traceLeaf(e, i));
    return new TraceTree(leaves, leaves.map(traceLeafHash));
  }

  get root(): string {
    return this.tree.root;
  }

  /** Proof of the leaf `seq`. */
  proof(seq: number): TraceProof {
    if (!Number.isInteger(seq) || seq < 0 || seq >= this.leafCount) {
      throw new RecordingError("no such leaf in the trace", { details: `seq ${seq} of ${this.leafCount}` });
    }
    return { seq, leaf: this.#leaves[seq], leafHash: this.#hashes[seq], proof: this.tree.getProof(seq) };
  }
}

/** Verifies off-chain that `leaf` is in the tree with root `root` (same check as `MerkleProof.verify`). */
export function verifyTraceProof(root: string, leaf: TraceLeaf, proof: readonly string[]): boolean {
  return SimpleMerkleTree.verify(root, traceLeafHash(leaf), [...proof]);
}

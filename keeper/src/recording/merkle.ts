import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { RecordingError } from "./errors.js";
import { MAX_TRACE_LEAVES, TRACE_LEAF_ENCODING, traceLeaf, type TraceEntry, type TraceLeaf } from "./trace.js";

/**
 * Merkle tree of an execution trace, built with `@openzeppelin/merkle-tree`'s StandardMerkleTree over the leaf
 * tuples of `traceLeaf` (see TRACE_LEAF_ENCODING): leaves are double-hashed and pairs sorted, so proofs verify
 * with OpenZeppelin's `MerkleProof.verify(proof, root, leaf)` on-chain.
 */
export interface TraceProof {
  seq: number;
  leaf: TraceLeaf;
  /** `keccak256(bytes.concat(keccak256(abi.encode(leaf))))`. */
  leafHash: string;
  proof: string[];
}

const ENCODING = [...TRACE_LEAF_ENCODING];

export class TraceTree {
  readonly tree: StandardMerkleTree<TraceLeaf>;
  readonly leafCount: number;
  /** seq -> index of the leaf in the tree's value list (the tree sorts leaves by hash internally). */
  readonly #indexBySeq: number[];

  private constructor(tree: StandardMerkleTree<TraceLeaf>, leafCount: number) {
    this.tree = tree;
    this.leafCount = leafCount;
    this.#indexBySeq = new Array<number>(leafCount);
    for (const [i, v] of tree.entries()) this.#indexBySeq[v[1]] = i;
  }

  /** Builds the tree of a trace; entry `i` becomes the leaf with `seq = i`. Refuses an empty trace. */
  static fromEntries(entries: readonly TraceEntry[]): TraceTree {
    if (entries.length === 0) throw new RecordingError("cannot build a Merkle tree of an empty trace");
    if (entries.length > MAX_TRACE_LEAVES) throw new RecordingError("trace too long for a uint32 leaf count");
    const leaves = entries.map((e, i) => traceLeaf(e, i));
    return new TraceTree(StandardMerkleTree.of(leaves, ENCODING), leaves.length);
  }

  get root(): string {
    return this.tree.root;
  }

  /** Proof of the leaf `seq`. */
  proof(seq: number): TraceProof {
    const index = this.#indexBySeq[seq];
    if (!Number.isInteger(seq) || index === undefined) {
      throw new RecordingError("no such leaf in the trace", { details: `seq ${seq} of ${this.leafCount}` });
    }
    const leaf = this.tree.at(index);
    if (!leaf) throw new RecordingError("no such leaf in the trace", { details: `seq ${seq}` });
    return { seq, leaf, leafHash: this.tree.leafHash(leaf), proof: this.tree.getProof(index) };
  }
}

/** Verifies off-chain that `leaf` is in the tree with root `root` (same check as `MerkleProof.verify`). */
export function verifyTraceProof(root: string, leaf: TraceLeaf, proof: readonly string[]): boolean {
  return StandardMerkleTree.verify(root, ENCODING, leaf, [...proof]);
}

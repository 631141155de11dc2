import { SimpleMerkleTree } from "@openzeppelin/merkle-tree";
import { RecordingError } from "./errors.js";
import {
  MAX_TRACE_LEAVES,
  leafStruct,
  traceExecutionHash,
  traceLeaf,
  traceLeafHash,
  type TraceEntry,
  type TraceLeaf,
  type TraceLeafStruct,
} from "./trace.js";
import { parseUnits, type ReceiptUnits } from "./units.js";

/**
 * Merkle tree of an execution trace, identical to `@openzeppelin/merkle-tree`'s StandardMerkleTree over the leaf
 * tuples of `traceLeaf` with TRACE_LEAF_ENCODING (= `TraceLeafLib.TraceLeaf`): leaves are
 * `keccak256(bytes.concat(keccak256(abi.encode(leaf))))`, sorted, and pairs hashed in sorted order, so proofs
 * verify with `ReceiptRegistry.verifyLeaf` (OpenZeppelin `MerkleProof`) on-chain.
 *
 * It is built with the same package's SimpleMerkleTree over leaf hashes computed by `traceLeafHash`: the
 * StandardMerkleTree runs a generic ABI encoder per leaf (and again per proof), several times slower for a
 * 10,000-trade trace; the two give the same root and proofs (checked by a test).
 */
export interface TraceProof {
  /** Position of the entry in the trace (tree-input order). */
  seq: number;
  leaf: TraceLeaf;
  /** `keccak256(bytes.concat(keccak256(abi.encode(leaf))))`, what `verifyLeaf` takes. */
  leafHash: string;
  proof: string[];
}

export class TraceTree {
  readonly tree: SimpleMerkleTree;
  readonly leafCount: number;
  /** `keccak256(abi.encodePacked(executionId_0, ..., executionId_{n-1}))`: the receipt's execution hash. */
  readonly executionHash: string;
  readonly #leaves: TraceLeaf[];
  readonly #hashes: string[];

  private constructor(leaves: TraceLeaf[], hashes: string[]) {
    this.#leaves = leaves;
    this.#hashes = hashes;
    this.leafCount = leaves.length;
    this.executionHash = traceExecutionHash(leaves.map((l) => l[2]));
    // SimpleMerkleTree keeps values in input order: value index == seq.
    this.tree = SimpleMerkleTree.of(hashes);
  }

  /** Builds the tree of a trace; entry `i` is tree input `i`. Refuses an empty trace. */
  static fromEntries(entries: readonly TraceEntry[], units: ReceiptUnits): TraceTree {
    if (entries.length === 0) throw new RecordingError("cannot build a Merkle tree of an empty trace");
    if (entries.length > MAX_TRACE_LEAVES) throw new RecordingError("trace too long for a uint32 leaf count");
    const u = parseUnits(units);
    const leaves = entries.map((e) => traceLeaf(e, u));
    return new TraceTree(leaves, leaves.map(traceLeafHash));
  }

  get root(): string {
    return this.tree.root;
  }

  /** The leaf tuple of entry `seq`. */
  leaf(seq: number): TraceLeaf {
    this.#check(seq);
    return this.#leaves[seq];
  }

  /** Proof of the leaf `seq`. */
  proof(seq: number): TraceProof {
    this.#check(seq);
    return { seq, leaf: this.#leaves[seq], leafHash: this.#hashes[seq], proof: this.tree.getProof(seq) };
  }

  #check(seq: number): void {
    if (!Number.isInteger(seq) || seq < 0 || seq >= this.leafCount) {
      throw new RecordingError("no such leaf in the trace", { details: `seq ${seq} of ${this.leafCount}` });
    }
  }
}

/** A proof in the shape of contract calls: the leaf as `TraceLeafLib.TraceLeaf`, the proof as bytes32[]. */
export function proofForContract(p: TraceProof): { leaf: TraceLeafStruct; leafHash: string; proof: string[] } {
  return { leaf: leafStruct(p.leaf), leafHash: p.leafHash, proof: [...p.proof] };
}

/** Verifies off-chain that `leaf` is in the tree with root `root` (same check as `MerkleProof.verify`). */
export function verifyTraceProof(root: string, leaf: TraceLeaf, proof: readonly string[]): boolean {
  return SimpleMerkleTree.verify(root, traceLeafHash(leaf), [...proof]);
}

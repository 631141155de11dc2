import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { concat, keccak256 } from "ethers";
import fc from "fast-check";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { RecordingError } from "./errors.js";
import { TraceTree, verifyTraceProof } from "./merkle.js";
import { CAMPAIGN_A, sampleEntry } from "./test-fixtures.js";
import { buildTraceTestVector } from "./test-vector.js";
import { TRACE_LEAF_ENCODING, parseTraceEntry, traceLeaf, traceLeafHash } from "./trace.js";

const entries = (n: number) => Array.from({ length: n }, (_, i) => parseTraceEntry(sampleEntry(i)));

/** OpenZeppelin MerkleProof.processProof, re-implemented independently: commutative keccak of sorted pairs. */
function processProof(proof: readonly string[], leafHash: string): string {
  return proof.reduce(
    (h, p) => (BigInt(h) < BigInt(p) ? keccak256(concat([h, p])) : keccak256(concat([p, h]))),
    leafHash,
  );
}

describe("TraceTree", () => {
  it("proof_verifiesForEveryLeafOffChainAndWithMerkleProofAlgorithm", () => {
    const tree = TraceTree.fromEntries(entries(37));
    assert.equal(tree.leafCount, 37);
    for (let seq = 0; seq < 37; seq++) {
      const p = tree.proof(seq);
      assert.equal(p.leaf[1], seq);
      assert.equal(p.leafHash, traceLeafHash(p.leaf));
      assert.ok(verifyTraceProof(tree.root, p.leaf, p.proof));
      assert.equal(processProof(p.proof, p.leafHash), tree.root);
    }
  });

  it("verifyTraceProof_rejectsATamperedLeaf", () => {
    const tree = TraceTree.fromEntries(entries(8));
    const p = tree.proof(3);
    const forged = traceLeaf(parseTraceEntry({ ...sampleEntry(3), price: "1" }), 3);
    assert.equal(verifyTraceProof(tree.root, forged, p.proof), false);
    const wrongSeq = traceLeaf(parseTraceEntry(sampleEntry(3)), 4);
    assert.equal(verifyTraceProof(tree.root, wrongSeq, p.proof), false);
    assert.equal(verifyTraceProof(tree.root, p.leaf, tree.proof(2).proof), false);
  });

  it("root_isDeterministicAndOrderSensitive", () => {
    const a = TraceTree.fromEntries(entries(10)).root;
    assert.equal(TraceTree.fromEntries(entries(10)).root, a);
    const swapped = entries(10);
    [swapped[0], swapped[1]] = [swapped[1], swapped[0]];
    assert.notEqual(TraceTree.fromEntries(swapped).root, a, "seq is part of the leaf");
  });

  it("fromEntries_singleLeafRootIsTheLeafHash", () => {
    const tree = TraceTree.fromEntries(entries(1));
    assert.equal(tree.root, tree.proof(0).leafHash);
    assert.deepEqual(tree.proof(0).proof, []);
  });

  it("fromEntries_refusesAnEmptyTrace", () => {
    assert.throws(() => TraceTree.fromEntries([]), RecordingError);
  });

  it("proof_unknownSeqThrows", () => {
    const tree = TraceTree.fromEntries(entries(4));
    assert.throws(() => tree.proof(4), RecordingError);
    assert.throws(() => tree.proof(-1), RecordingError);
  });

  it("proof_propertyEveryLeafOfAnyTraceVerifies", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.nat(), (n, pick) => {
        const tree = TraceTree.fromEntries(entries(n));
        const p = tree.proof(pick % n);
        return verifyTraceProof(tree.root, p.leaf, p.proof) && p.leaf[0] === CAMPAIGN_A;
      }),
      { numRuns: 25 },
    );
  });

  it("testVector_fileMatchesTheEncoding", () => {
    const file = JSON.parse(
      readFileSync(new URL("../../test-data/recording/trace-vector.json", import.meta.url), "utf8"),
    ) as unknown;
    assert.deepEqual(file, JSON.parse(JSON.stringify(buildTraceTestVector())));
  });

  it("fromEntries_identicalToOpenZeppelinStandardMerkleTree", () => {
    const es = entries(37);
    const ours = TraceTree.fromEntries(es);
    const leaves = es.map((e, i) => traceLeaf(e, i));
    const standard = StandardMerkleTree.of(leaves, [...TRACE_LEAF_ENCODING]);
    assert.equal(ours.root, standard.root);
    for (let seq = 0; seq < es.length; seq++) {
      assert.deepEqual(ours.proof(seq).proof, standard.getProof(seq));
      assert.equal(ours.proof(seq).leafHash, standard.leafHash(leaves[seq]));
      assert.ok(StandardMerkleTree.verify(ours.root, [...TRACE_LEAF_ENCODING], leaves[seq], ours.proof(seq).proof));
    }
  });
});

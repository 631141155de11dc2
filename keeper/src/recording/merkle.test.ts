import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { concat, keccak256 } from "ethers";
import fc from "fast-check";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { RecordingError } from "./errors.js";
import { TraceTree, verifyTraceProof } from "./merkle.js";
import { CAMPAIGN_A, UNITS, sampleEntry } from "./test-fixtures.js";
import { buildTraceTestVector } from "./test-vector.js";
import { TRACE_LEAF_ENCODING, parseTraceEntry, traceLeaf, traceLeafHash } from "./trace.js";
import { parseUnits } from "./units.js";

const U = parseUnits(UNITS);

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
    const tree = TraceTree.fromEntries(entries(37), UNITS);
    assert.equal(tree.leafCount, 37);
    for (let seq = 0; seq < 37; seq++) {
      const p = tree.proof(seq);
      assert.equal(p.seq, seq);
      assert.deepEqual(p.leaf, traceLeaf(parseTraceEntry(sampleEntry(seq)), U));
      assert.equal(p.leafHash, traceLeafHash(p.leaf));
      assert.ok(verifyTraceProof(tree.root, p.leaf, p.proof));
      assert.equal(processProof(p.proof, p.leafHash), tree.root);
    }
  });

  it("verifyTraceProof_rejectsATamperedLeaf", () => {
    const tree = TraceTree.fromEntries(entries(8), UNITS);
    const p = tree.proof(3);
    const forged = traceLeaf(parseTraceEntry({ ...sampleEntry(3), price: "1" }), U);
    assert.equal(verifyTraceProof(tree.root, forged, p.proof), false);
    const widened = traceLeaf(parseTraceEntry({ ...sampleEntry(3), maxPrice: "9999" }), U);
    assert.equal(verifyTraceProof(tree.root, widened, p.proof), false);
    assert.equal(verifyTraceProof(tree.root, p.leaf, tree.proof(2).proof), false);
  });

  it("executionHash_isDeterministicAndFollowsTraceOrder", () => {
    const a = TraceTree.fromEntries(entries(10), UNITS);
    assert.equal(TraceTree.fromEntries(entries(10), UNITS).root, a.root);
    const swapped = entries(10);
    [swapped[0], swapped[1]] = [swapped[1], swapped[0]];
    const b = TraceTree.fromEntries(swapped, UNITS);
    // The sorted-pair tree does not depend on input order; the execution hash does (tree-input order).
    assert.equal(b.root, a.root);
    assert.notEqual(b.executionHash, a.executionHash);
    assert.equal(a.executionHash, keccak256(concat(entries(10).map((e) => traceLeaf(e, U)[2]))));
  });

  it("fromEntries_singleLeafRootIsTheLeafHash", () => {
    const tree = TraceTree.fromEntries(entries(1), UNITS);
    assert.equal(tree.root, tree.proof(0).leafHash);
    assert.deepEqual(tree.proof(0).proof, []);
  });

  it("fromEntries_refusesAnEmptyTrace", () => {
    assert.throws(() => TraceTree.fromEntries([], UNITS), RecordingError);
  });

  it("proof_unknownSeqThrows", () => {
    const tree = TraceTree.fromEntries(entries(4), UNITS);
    assert.throws(() => tree.proof(4), RecordingError);
    assert.throws(() => tree.proof(-1), RecordingError);
  });

  it("proof_propertyEveryLeafOfAnyTraceVerifies", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.nat(), (n, pick) => {
        const tree = TraceTree.fromEntries(entries(n), UNITS);
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

  it("leafEncoding_isTheTraceLeafLibStructFieldTypes", () => {
    // Read the struct from the Solidity source, so a change there fails here too.
    const sol = readFileSync(new URL("../../../contracts/libraries/TraceLeafLib.sol", import.meta.url), "utf8");
    const body = /struct TraceLeaf \{([^}]*)\}/.exec(sol)?.[1] ?? "";
    const types = [...body.matchAll(/^\s*(\w+)\s+\w+;/gm)].map((m) => m[1]);
    assert.deepEqual(types, [...TRACE_LEAF_ENCODING]);
  });

  it("fromEntries_identicalToOpenZeppelinStandardMerkleTree", () => {
    const es = entries(37);
    const ours = TraceTree.fromEntries(es, UNITS);
    const leaves = es.map((e) => traceLeaf(e, U));
    const standard = StandardMerkleTree.of(leaves, [...TRACE_LEAF_ENCODING]);
    assert.equal(ours.root, standard.root);
    for (let seq = 0; seq < es.length; seq++) {
      assert.deepEqual(ours.proof(seq).proof, standard.getProof(seq));
      assert.equal(ours.proof(seq).leafHash, standard.leafHash(leaves[seq]));
      assert.ok(StandardMerkleTree.verify(ours.root, [...TRACE_LEAF_ENCODING], leaves[seq], ours.proof(seq).proof));
    }
  });
});

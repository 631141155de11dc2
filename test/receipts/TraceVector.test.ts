import { expect } from "chai";
import { readFileSync } from "node:fs";
import { network } from "hardhat";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import {
  deployTrust,
  onboard,
  publishRace,
  receiptInput,
  signReceipt,
  LEAF_TYPES,
  type Trust,
} from "../helpers/trust.js";
import type { TraceLeafLibHarness } from "../../types/ethers-contracts/index.js";

/**
 * The keeper's shared trace vector (`keeper/test-data/recording/trace-vector.json`, produced and checked by
 * `keeper/src/recording/merkle.test.ts`) checked against the contracts: the same leaf hashes through
 * `TraceLeafLib`, the same execution hash, the same root from `StandardMerkleTree` with the contract leaf types,
 * every proof accepted by `ReceiptRegistry.verifyLeaf`, and the out-of-bound leaf upheld as `PriceOutOfBound`
 * evidence. A drift on either side fails here or in the keeper test.
 */
interface Vector {
  leafEncoding: string[];
  root: string;
  executionHash: string;
  leaves: string[][];
  leafHashes: string[];
  executionIds: string[];
  priceOutOfBound: boolean[];
  proofs: string[][];
}

const vector = JSON.parse(
  readFileSync(new URL("../../keeper/test-data/recording/trace-vector.json", import.meta.url), "utf8"),
) as Vector;

const { ethers, networkHelpers } = await network.create();

const asStruct = (l: string[]) => ({
  campaignId: l[0]!,
  timestamp: BigInt(l[1]!),
  executionId: l[2]!,
  venue: l[3]!,
  side: Number(l[4]!),
  price: BigInt(l[5]!),
  size: BigInt(l[6]!),
  fee: BigInt(l[7]!),
  minPrice: BigInt(l[8]!),
  maxPrice: BigInt(l[9]!),
});

async function vectorFixture() {
  const t: Trust = await deployTrust(ethers);
  const k0 = t.keepers[0]!;
  await onboard(t, k0, t.operators[0]!);
  const campaignId = await publishRace(t, k0);
  await t.campaigns.connect(k0).claim(campaignId);
  const input = await receiptInput(t, k0.address, campaignId, {
    root: vector.root,
    executionHash: vector.executionHash,
    leaves: vector.leaves,
  });
  await t.receipts.connect(k0).post(input, await signReceipt(t, k0, input));
  const harness = (await ethers.deployContract("TraceLeafLibHarness")) as unknown as TraceLeafLibHarness;
  return { t, harness, receiptId: await t.receipts.receiptCount() };
}

describe("Trace vector (shared with the keeper)", function () {
  it("vector_leafTypesAreTheContractLeafTypes", function () {
    expect(vector.leafEncoding).to.deep.equal(LEAF_TYPES);
  });

  it("hash_traceLeafLibMatchesEveryVectorLeafHash", async function () {
    const { harness } = await networkHelpers.loadFixture(vectorFixture);
    for (const [i, l] of vector.leaves.entries()) {
      expect(await harness.hash(asStruct(l))).to.equal(vector.leafHashes[i]);
    }
  });

  it("root_standardMerkleTreeOfVectorLeavesMatches", function () {
    const tree = StandardMerkleTree.of(vector.leaves, LEAF_TYPES);
    expect(tree.root).to.equal(vector.root);
    for (const [i] of vector.leaves.entries()) expect(tree.getProof(i)).to.deep.equal(vector.proofs[i]);
  });

  it("executionHash_encodePackedOfVectorIdsMatches", async function () {
    const { harness } = await networkHelpers.loadFixture(vectorFixture);
    expect(vector.executionIds).to.deep.equal(vector.leaves.map((l) => l[2]));
    expect(await harness.executionHash(vector.executionIds)).to.equal(vector.executionHash);
  });

  it("verifyLeaf_everyVectorProofAcceptedAndAlteredLeafRefused", async function () {
    const { t, harness, receiptId } = await networkHelpers.loadFixture(vectorFixture);
    for (const [i, h] of vector.leafHashes.entries()) {
      expect(await t.receipts.verifyLeaf(receiptId, h, vector.proofs[i]!)).to.equal(true);
    }
    const altered = { ...asStruct(vector.leaves[0]!), fee: 0n };
    expect(await t.receipts.verifyLeaf(receiptId, await harness.hash(altered), vector.proofs[0]!)).to.equal(false);
  });

  it("priceOutOfBound_matchesVectorFlags", async function () {
    const { harness } = await networkHelpers.loadFixture(vectorFixture);
    for (const [i, l] of vector.leaves.entries()) {
      expect(await harness.priceOutOfBound(asStruct(l))).to.equal(vector.priceOutOfBound[i]);
    }
  });

  it("challenge_vectorOutOfBoundLeafIsAcceptedEvidence", async function () {
    const { t, receiptId } = await networkHelpers.loadFixture(vectorFixture);
    const bad = vector.priceOutOfBound.indexOf(true);
    expect(bad).to.be.greaterThanOrEqual(0);
    await t.asset.connect(t.challenger).approve(await t.desk.getAddress(), ethers.MaxUint256);
    const leaf = asStruct(vector.leaves[bad]!);
    await expect(
      t.desk.connect(t.challenger).challenge(receiptId, {
        kind: 0,
        leaf,
        proof: vector.proofs[bad]!,
        otherReceiptId: 0n,
        otherLeaf: leaf,
        otherProof: [],
      }),
    ).to.emit(t.desk, "Challenged");
  });
});

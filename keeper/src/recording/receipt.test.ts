import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { AbiCoder, TypedDataEncoder, Wallet, concat, keccak256, toUtf8Bytes } from "ethers";
import { ReceiptError } from "./errors.js";
import { verifyTraceProof } from "./merkle.js";
import {
  RECEIPT_TYPES,
  buildReceipt,
  checkReceiptAgainstStore,
  loadTraceDocument,
  proveTraceLeafFromStore,
  receiptDomain,
  recoverReceiptSigner,
  signReceipt,
  summarizeTrace,
} from "./receipt.js";
import { LocalDirectoryStore } from "./store/local.js";
import { CAMPAIGN_A, CAMPAIGN_B, sampleEntry } from "./test-fixtures.js";
import { executionId, parseTraceEntry, type TraceEntryInput } from "./trace.js";

const root = mkdtempSync(join(tmpdir(), "receipt-"));
after(async () => rm(root, { recursive: true, force: true }));

const USDC = { depositAsset: "USDC", depositDecimals: 6 };
let k = 0;
const fill = (patch: Partial<TraceEntryInput>) =>
  parseTraceEntry({ ...sampleEntry(0), orderId: `o${k++}`, fillId: "", fee: "0", feeAsset: "USDC", ...patch });

describe("summarizeTrace", () => {
  it("summarizeTrace_roundTripWithFeesInBothAssets", () => {
    const s = summarizeTrace(
      [
        fill({ side: "buy", price: "2000", size: "1.5", fee: "0.001", feeAsset: "ETH" }),
        fill({ side: "sell", price: "2010", size: "1.5", fee: "1.5", feeAsset: "USDC" }),
      ],
      USDC,
    );
    assert.equal(s.volume, 6015_000000n); // 3000 + 3015 USDC
    assert.equal(s.avgPrice, 2005_00000000n); // 6015 / 3 ETH, 8 decimals
    assert.equal(s.pnl, 11_500000n); // 3015 - 3000 - (0.001 ETH * 2000) - 1.5
  });

  it("summarizeTrace_marksOpenInventoryAtLastOrGivenPrice", () => {
    const trace = [fill({ side: "buy", price: "100", size: "2" }), fill({ side: "sell", price: "110", size: "1" })];
    assert.equal(summarizeTrace(trace, USDC).pnl, 20_000000n); // -200 + 110 + 1 * 110
    assert.equal(summarizeTrace(trace, { ...USDC, markPrices: { "ETH/USDC": "90" } }).pnl, 0n);
  });

  it("summarizeTrace_lossRoundsTowardsNegativeInfinity", () => {
    const trace = [fill({ side: "buy", price: "1.0000001", size: "1" }), fill({ side: "sell", price: "1", size: "1" })];
    assert.equal(summarizeTrace(trace, USDC).pnl, -1n); // -0.0000001 USDC is not rounded up to 0
  });

  it("summarizeTrace_otherFeeAssetNeedsAPrice", () => {
    const trace = [fill({ fee: "0.01", feeAsset: "BNB" })];
    assert.throws(() => summarizeTrace(trace, USDC), /fee asset has no price/);
    const s = summarizeTrace(trace, { ...USDC, feeAssetPrices: { BNB: "600" } });
    const noFee = summarizeTrace([fill({})], USDC);
    assert.equal(s.pnl, noFee.pnl - 6_000000n);
  });

  it("summarizeTrace_negativeFeeIsARebate", () => {
    const base = summarizeTrace([fill({})], USDC).pnl;
    assert.equal(summarizeTrace([fill({ fee: "-0.5" })], USDC).pnl, base + 500000n);
  });

  it("summarizeTrace_refusesPairsNotQuotedInTheDepositAsset", () => {
    assert.throws(() => summarizeTrace([fill({ pair: "ETH/BTC" })], USDC), ReceiptError);
  });

  it("summarizeTrace_refusesUint128Overflow", () => {
    assert.throws(
      () => summarizeTrace([fill({ price: "1000000000000000000000000000000", size: "10000000000" })], USDC),
      /volume overflows uint128/,
    );
  });

  it("summarizeTrace_refusesAnEmptyTrace", () => {
    assert.throws(() => summarizeTrace([], USDC), ReceiptError);
  });
});

describe("buildReceipt", () => {
  const entries = Array.from({ length: 25 }, (_, i) => parseTraceEntry(sampleEntry(i)));
  const units = { ...USDC, feeAssetPrices: {} };

  it("buildReceipt_storesTheTraceAndCommitsToIt", async () => {
    const store = new LocalDirectoryStore(join(root, "store"));
    const { receipt, tree } = await buildReceipt(entries, store, units);
    assert.equal(receipt.campaignId, CAMPAIGN_A);
    assert.equal(receipt.leafCount, 25);
    assert.equal(receipt.traceRoot, tree.root);
    assert.equal(receipt.executionHash, keccak256(concat(entries.map((e) => executionId(e)))));
    assert.equal(receipt.executionHash, tree.executionHash);
    assert.ok(await store.has(receipt.cid));
    const doc = await loadTraceDocument(store, receipt.cid);
    assert.deepEqual(doc.entries, entries, "the document keeps every field of the entries");
    assert.deepEqual(doc.units, { ...units, markPrices: {} });
    const p = tree.proof(17);
    assert.ok(verifyTraceProof(receipt.traceRoot, p.leaf, p.proof));
    assert.deepEqual(await checkReceiptAgainstStore(receipt, store, units), []);
    const fromStore = await proveTraceLeafFromStore(store, receipt.cid, 17);
    assert.equal(fromStore.root, receipt.traceRoot);
    assert.deepEqual(fromStore.entry, entries[17]);
    assert.deepEqual(fromStore.proof, p.proof);
  });

  it("checkReceiptAgainstStore_detectsAFalsifiedSummaryOrRoot", async () => {
    const store = new LocalDirectoryStore(join(root, "store2"));
    const { receipt } = await buildReceipt(entries, store, units);
    const falsified = {
      ...receipt,
      traceRoot: keccak256("0x01"),
      executionHash: keccak256("0x02"),
      summary: { ...receipt.summary, pnl: receipt.summary.pnl + 1n },
    };
    assert.deepEqual(await checkReceiptAgainstStore(falsified, store, units), ["traceRoot", "executionHash", "pnl"]);
    assert.deepEqual(await checkReceiptAgainstStore(receipt, store, { ...units, depositDecimals: 18 }), ["units"]);
    assert.deepEqual(await checkReceiptAgainstStore(receipt, store), []);
  });

  it("buildReceipt_refusesEmptyOrMixedTraces", async () => {
    const store = new LocalDirectoryStore(join(root, "store3"));
    await assert.rejects(buildReceipt([], store, units), ReceiptError);
    await assert.rejects(
      buildReceipt([entries[0], parseTraceEntry(sampleEntry(1, CAMPAIGN_B))], store, units),
      /mixes/,
    );
  });
});

describe("EIP-712 receipt signature", () => {
  const wallet = new Wallet(keccak256(toUtf8Bytes("receipt test key")));
  const registry = "0x00000000000000000000000000000000000000aa";
  const receipt = {
    campaignId: CAMPAIGN_A,
    traceRoot: keccak256("0x1234"),
    executionHash: keccak256("0x5678"),
    cid: "bagaaierasords4njcts6vs7qvdjfcvgnume4hqohf65zsfguprqphs3icwea",
    leafCount: 3,
    summary: { volume: 6015_000000n, avgPrice: 2005_00000000n, pnl: -11_500000n },
  };

  it("encodeType_matchesReceiptRegistryTypehash", () => {
    // The string of ReceiptRegistry.RECEIPT_TYPEHASH (the end-to-end test also checks hashReceipt on-chain).
    assert.equal(
      TypedDataEncoder.from(RECEIPT_TYPES).encodeType("Receipt"),
      "Receipt(address keeper,bytes32 campaignId,bytes32 traceRoot,bytes32 executionHash,uint32 leafCount," +
        "ReceiptSummary summary,string cid,uint256 nonce)ReceiptSummary(uint128 volume,uint128 avgPrice,int256 pnl)",
    );
  });

  it("signReceipt_recoversTheKeeperAndDigestMatchesManualEncoding", async () => {
    const domain = receiptDomain(31337n, registry);
    const signed = await signReceipt(wallet, domain, receipt, 5n);
    assert.equal(recoverReceiptSigner(domain, signed), wallet.address);
    const abi = AbiCoder.defaultAbiCoder();
    const summaryTypeHash = keccak256(toUtf8Bytes("ReceiptSummary(uint128 volume,uint128 avgPrice,int256 pnl)"));
    const summaryHash = keccak256(
      abi.encode(
        ["bytes32", "uint128", "uint128", "int256"],
        [summaryTypeHash, 6015_000000n, 2005_00000000n, -11_500000n],
      ),
    );
    const typeHash = keccak256(toUtf8Bytes(TypedDataEncoder.from(RECEIPT_TYPES).encodeType("Receipt")));
    const structHash = keccak256(
      abi.encode(
        ["bytes32", "address", "bytes32", "bytes32", "bytes32", "uint32", "bytes32", "bytes32", "uint256"],
        [
          typeHash,
          wallet.address,
          receipt.campaignId,
          receipt.traceRoot,
          receipt.executionHash,
          3,
          summaryHash,
          keccak256(toUtf8Bytes(receipt.cid)),
          5n,
        ],
      ),
    );
    const domainSeparator = keccak256(
      abi.encode(
        ["bytes32", "bytes32", "bytes32", "uint256", "address"],
        [
          keccak256(toUtf8Bytes("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")),
          keccak256(toUtf8Bytes("ReceiptRegistry")),
          keccak256(toUtf8Bytes("1")),
          31337n,
          registry,
        ],
      ),
    );
    assert.equal(signed.digest, keccak256(concat(["0x1901", domainSeparator, structHash])));
  });

  it("signReceipt_replayOnAnotherChainContractOrNonceRecoversSomeoneElse", async () => {
    const signed = await signReceipt(wallet, receiptDomain(31337n, registry), receipt, 5n);
    assert.notEqual(recoverReceiptSigner(receiptDomain(1n, registry), signed), wallet.address);
    assert.notEqual(recoverReceiptSigner(receiptDomain(31337n, wallet.address), signed), wallet.address);
    assert.notEqual(recoverReceiptSigner(receiptDomain(31337n, registry), { ...signed, nonce: 6n }), wallet.address);
    const tampered = { ...signed, receipt: { ...receipt, summary: { ...receipt.summary, pnl: 1n } } };
    assert.notEqual(recoverReceiptSigner(receiptDomain(31337n, registry), tampered), wallet.address);
    const otherCid = { ...signed, receipt: { ...receipt, cid: `${receipt.cid}x` } };
    assert.notEqual(recoverReceiptSigner(receiptDomain(31337n, registry), otherCid), wallet.address);
    const otherKeeper = { ...signed, keeper: registry };
    assert.notEqual(recoverReceiptSigner(receiptDomain(31337n, registry), otherKeeper), wallet.address);
  });
});

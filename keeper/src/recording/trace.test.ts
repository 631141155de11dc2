import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AbiCoder, concat, encodeBytes32String, hexlify, keccak256, toUtf8Bytes } from "ethers";
import fc from "fast-check";
import { canonicalDecimal, floorDiv, fromFixed, toFixed } from "./decimal.js";
import { ReceiptError, TraceEntryInvalidError } from "./errors.js";
import { CAMPAIGN_A, UNITS, sampleEntry } from "./test-fixtures.js";
import { parseUnits } from "./units.js";
import {
  canonicalJson,
  encodeTraceLeaf,
  executionId,
  leafPriceOutOfBound,
  parseTraceEntry,
  serializeTraceEntry,
  traceLeaf,
  traceLeafHash,
  TRACE_LEAF_ENCODING,
  traceExecutionHash,
  type TraceLeaf,
} from "./trace.js";

const U = parseUnits(UNITS);

describe("decimal", () => {
  it("canonicalDecimal_normalises_zeros_and_signs", () => {
    assert.equal(canonicalDecimal("001.500"), "1.5");
    assert.equal(canonicalDecimal("-0.000"), "0");
    assert.equal(canonicalDecimal("10"), "10");
    assert.equal(canonicalDecimal("-0.10"), "-0.1");
    assert.equal(canonicalDecimal("0.0001"), "0.0001");
  });
  it("canonicalDecimal_rejectsExponentsAndJunk", () => {
    for (const bad of ["1e5", "+1", " 1", "1.", ".5", "0x10", "NaN", "", "1,5"]) {
      assert.throws(() => canonicalDecimal(bad), /not a plain decimal/, bad);
    }
  });
  it("toFixed_fromFixed_roundTripAndRefusePrecisionLoss", () => {
    assert.equal(toFixed("1.5", 6), 1_500_000n);
    assert.equal(toFixed("-2.000001", 6), -2_000_001n);
    assert.equal(fromFixed(-2_000_001n, 6), "-2.000001");
    assert.equal(fromFixed(1_000_000_000_000_000_000n, 18), "1");
    assert.throws(() => toFixed("0.0000001", 6), /more than the 6/);
  });
  it("floorDiv_roundsTowardsNegativeInfinity", () => {
    assert.equal(floorDiv(7n, 2n), 3n);
    assert.equal(floorDiv(-7n, 2n), -4n);
    assert.equal(floorDiv(-8n, 2n), -4n);
    assert.equal(floorDiv(7n, -2n), -4n);
  });
});

describe("TraceEntry", () => {
  it("parseTraceEntry_canonicalisesDecimalsAndCampaignCase", () => {
    const e = parseTraceEntry({
      ...sampleEntry(0),
      price: "02000.500",
      campaignId: CAMPAIGN_A.toUpperCase().replace("0X", "0x"),
    });
    assert.equal(e.price, "2000.5");
    assert.equal(e.campaignId, CAMPAIGN_A);
  });
  it("parseTraceEntry_defaultsOptionalIds", () => {
    const { fillId: _f, clientOrderId: _c, ...rest } = sampleEntry(0);
    const e = parseTraceEntry(rest);
    assert.equal(e.fillId, "");
    assert.equal(e.clientOrderId, "");
  });
  it("parseTraceEntry_rejectsFloatsUnknownKeysAndBadValues", () => {
    const cases: [string, Record<string, unknown>][] = [
      ["price", { price: 2000.5 }],
      ["size", { size: "0" }],
      ["size", { size: "-1" }],
      ["price", { price: "1.0000000000000000001" }],
      ["price", { price: "2000.123456789" }],
      ["size", { size: "1.0000000000000000001" }],
      ["minPrice", { minPrice: "2020" }],
      ["maxPrice", { maxPrice: "0" }],
      ["venue", { venue: "a-venue-name-longer-than-31-bytes" }],
      ["source", { source: "otc" }],
      ["side", { side: "long" }],
      ["pair", { pair: "eth-usdc" }],
      ["timestamp", { timestamp: 1.5 }],
      ["campaignId", { campaignId: "0x1234" }],
      ["(entry)", { extra: 1 }],
    ];
    for (const [field, patch] of cases) {
      assert.throws(
        () => parseTraceEntry({ ...sampleEntry(0), ...patch }),
        (err: unknown) => err instanceof TraceEntryInvalidError && (err.details ?? "").includes(field),
        JSON.stringify(patch),
      );
    }
  });
  it("parseTraceEntry_acceptsNegativeFeeAsRebate", () => {
    assert.equal(parseTraceEntry({ ...sampleEntry(0), fee: "-0.01" }).fee, "-0.01");
  });
  it("serializeTraceEntry_isDeterministicWithSortedKeys", () => {
    const a = parseTraceEntry(sampleEntry(3));
    const shuffled = Object.fromEntries(Object.entries(sampleEntry(3)).reverse());
    const b = parseTraceEntry(shuffled);
    assert.equal(serializeTraceEntry(a), serializeTraceEntry(b));
    const keys = Object.keys(JSON.parse(serializeTraceEntry(a)) as object);
    assert.deepEqual(keys, [...keys].sort());
    assert.ok(!serializeTraceEntry(a).includes(" "));
  });
  it("canonicalJson_refusesFloatsAndBigints", () => {
    assert.throws(() => canonicalJson({ a: 0.1 }), /safe integers/);
    assert.throws(() => canonicalJson({ a: 1n }), /unsupported/);
    assert.equal(canonicalJson({ b: [1, "x", null], a: true }), '{"a":true,"b":[1,"x",null]}');
  });
});

describe("trace leaf encoding", () => {
  it("executionId_matchesSolidityAbiEncode", () => {
    const e = parseTraceEntry(sampleEntry(1));
    const abi = AbiCoder.defaultAbiCoder();
    const expected = keccak256(
      abi.encode(
        ["bytes32", "bytes32", "bytes32"],
        [keccak256(toUtf8Bytes("uniswap-v2")), keccak256(toUtf8Bytes("ord-0")), keccak256(toUtf8Bytes("1"))],
      ),
    );
    assert.equal(executionId(e), expected);
  });
  it("executionId_differsPerFillAndVenue", () => {
    const a = parseTraceEntry(sampleEntry(0));
    assert.notEqual(executionId(a), executionId({ ...a, fillId: "other" }));
    assert.notEqual(executionId(a), executionId({ ...a, venue: "kraken" }));
  });
  it("traceExecutionHash_isKeccakOfPackedIdsInOrder", () => {
    const ids = [0, 1, 2].map((i) => executionId(parseTraceEntry(sampleEntry(i))));
    const abi = AbiCoder.defaultAbiCoder();
    // abi.encodePacked(bytes32, bytes32, bytes32) == abi.encode of the same three words.
    assert.equal(traceExecutionHash(ids), keccak256(abi.encode(["bytes32", "bytes32", "bytes32"], ids)));
    assert.equal(traceExecutionHash(ids), keccak256(concat(ids)));
    assert.throws(() => traceExecutionHash([]), RangeError);
  });
  it("traceLeaf_usesContractUnits", () => {
    const e = parseTraceEntry({
      ...sampleEntry(0),
      timestamp: 1_760_000_000_999,
      price: "2000.5",
      size: "0.25",
      fee: "0.0003",
      feeAsset: "ETH",
      minPrice: "1990.12345678",
      maxPrice: "2010",
    });
    const leaf = traceLeaf(e, U);
    assert.equal(leaf.length, TRACE_LEAF_ENCODING.length);
    assert.equal(leaf[0], CAMPAIGN_A);
    assert.equal(leaf[1], 1_760_000_000n, "seconds, rounded down");
    assert.equal(leaf[2], executionId(e));
    assert.equal(leaf[3], encodeBytes32String("binance"));
    assert.equal(leaf[4], 0); // buy
    assert.equal(leaf[5], 200_050_000_000n, "price, 8 decimals");
    assert.equal(leaf[6], 250_000_000_000_000_000n, "size x 1e18");
    // 0.0003 ETH at 2000.5 = 0.60015 USDC = 600150 base units (6 decimals).
    assert.equal(leaf[7], 600_150n);
    assert.equal(leaf[8], 199_012_345_678n);
    assert.equal(leaf[9], 201_000_000_000n);
  });
  it("traceLeaf_feeRoundsUpAndRebateIsZero", () => {
    const leaf = (fee: string, feeAsset = "USDC") =>
      traceLeaf(parseTraceEntry({ ...sampleEntry(1), fee, feeAsset }), U)[7];
    assert.equal(leaf("0.25"), 250_000n);
    assert.equal(leaf("0.0000001"), 1n, "a cost below one base unit rounds up");
    assert.equal(leaf("-0.01"), 0n, "a rebate is not a cost");
    assert.equal(leaf("0"), 0n);
    const other = (p: Record<string, string>) =>
      traceLeaf(
        parseTraceEntry({ ...sampleEntry(1), fee: "2", feeAsset: "BNB" }),
        parseUnits({ ...UNITS, feeAssetPrices: p }),
      );
    assert.equal(other({ BNB: "600.5" })[7], 1_201_000_000n);
    assert.throws(() => other({}), ReceiptError);
    assert.throws(
      () => traceLeaf(parseTraceEntry({ ...sampleEntry(1), pair: "ETH/USDT", feeAsset: "USDT" }), U),
      ReceiptError,
    );
  });
  it("leafPriceOutOfBound_matchesTheBoundInclusive", () => {
    const at = (price: string) => leafPriceOutOfBound(traceLeaf(parseTraceEntry({ ...sampleEntry(0), price }), U));
    assert.equal(at("1990"), false);
    assert.equal(at("2010.5"), false);
    assert.equal(at("1989.99999999"), true);
    assert.equal(at("2010.50000001"), true);
  });
  it("traceLeafHash_testVector", () => {
    // Shared vector for the Solidity side (keeper/test-data/recording/trace-vector.json, leaf 0).
    const leaf = traceLeaf(parseTraceEntry(sampleEntry(0)), U);
    assert.equal(traceLeafHash(leaf), "0x552b9b92508adfe46c58d547772be3ef3181a6649b7089bb5e7f17124b1fc2d5");
  });

  it("encodeTraceLeaf_equalsEthersAbiEncode", () => {
    const abi = AbiCoder.defaultAbiCoder();
    const b32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => hexlify(b));
    const uint = (bits: number) => fc.bigInt({ min: 0n, max: 2n ** BigInt(bits) - 1n });
    const leafArb = fc.tuple(
      b32,
      uint(64),
      b32,
      b32,
      fc.integer({ min: 0, max: 255 }),
      uint(128),
      uint(128),
      uint(128),
      uint(128),
      uint(128),
    );
    fc.assert(
      fc.property(leafArb, (leaf) => {
        const l = leaf as unknown as TraceLeaf;
        return hexlify(encodeTraceLeaf(l)) === abi.encode([...TRACE_LEAF_ENCODING], l);
      }),
      { numRuns: 200 },
    );
  });
  it("encodeTraceLeaf_refusesOutOfRangeFields", () => {
    const leaf = traceLeaf(parseTraceEntry(sampleEntry(0)), U);
    const bad = (i: number, v: unknown) => {
      const copy = [...leaf] as unknown[];
      copy[i] = v;
      return copy as unknown as TraceLeaf;
    };
    assert.throws(() => encodeTraceLeaf(bad(1, 2n ** 64n)), RangeError);
    assert.throws(() => encodeTraceLeaf(bad(4, 256)), RangeError);
    assert.throws(() => encodeTraceLeaf(bad(5, 2n ** 128n)), RangeError);
    assert.throws(() => encodeTraceLeaf(bad(7, -1n)), RangeError);
    assert.throws(() => encodeTraceLeaf(bad(0, "0x1234")), RangeError);
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AbiCoder, hexlify, keccak256, toUtf8Bytes } from "ethers";
import fc from "fast-check";
import { canonicalDecimal, floorDiv, fromFixed, toFixed } from "./decimal.js";
import { TraceEntryInvalidError } from "./errors.js";
import { CAMPAIGN_A, sampleEntry } from "./test-fixtures.js";
import {
  canonicalJson,
  encodeTraceLeaf,
  executionHash,
  parseTraceEntry,
  serializeTraceEntry,
  traceLeaf,
  traceLeafHash,
  TRACE_LEAF_ENCODING,
  type TraceLeaf,
} from "./trace.js";

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
  it("executionHash_matchesSolidityAbiEncode", () => {
    const e = parseTraceEntry(sampleEntry(1));
    const abi = AbiCoder.defaultAbiCoder();
    const expected = keccak256(
      abi.encode(
        ["bytes32", "bytes32", "bytes32"],
        [keccak256(toUtf8Bytes("uniswap-v2")), keccak256(toUtf8Bytes("ord-0")), keccak256(toUtf8Bytes("1"))],
      ),
    );
    assert.equal(executionHash(e), expected);
  });
  it("executionHash_differsPerFill", () => {
    const a = parseTraceEntry(sampleEntry(0));
    assert.notEqual(executionHash(a), executionHash({ ...a, fillId: "other" }));
    assert.notEqual(executionHash(a), executionHash({ ...a, venue: "kraken" }));
  });
  it("traceLeaf_encodesAmountsAsWadAndCodes", () => {
    const leaf = traceLeaf(parseTraceEntry({ ...sampleEntry(0), price: "2000.5", size: "0.25", fee: "-0.001" }), 7);
    assert.equal(leaf.length, TRACE_LEAF_ENCODING.length);
    assert.equal(leaf[1], 7);
    assert.equal(leaf[6], 0); // buy
    assert.equal(leaf[7], 0); // cex
    assert.equal(leaf[8], 2000_500_000_000_000_000_000n);
    assert.equal(leaf[9], 250_000_000_000_000_000n);
    assert.equal(leaf[10], -1_000_000_000_000_000n);
  });
  it("traceLeafHash_testVector", () => {
    // Shared vector for the Solidity side (also in docs/SPECIFICATION.md).
    const leaf = traceLeaf(parseTraceEntry(sampleEntry(0)), 0);
    assert.equal(traceLeafHash(leaf), "0x2e945886d341f6f11c33fa5b15934df4052fc679ce5f7df1ddac8ecaa38e2744");
  });

  it("encodeTraceLeaf_equalsEthersAbiEncode", () => {
    const abi = AbiCoder.defaultAbiCoder();
    const b32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => hexlify(b));
    const uint = (bits: number) => fc.bigInt({ min: 0n, max: 2n ** BigInt(bits) - 1n });
    const leafArb = fc.tuple(
      b32,
      fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      uint(64),
      b32,
      b32,
      b32,
      fc.integer({ min: 0, max: 255 }),
      fc.integer({ min: 0, max: 255 }),
      uint(256),
      uint(256),
      fc.bigInt({ min: -(2n ** 255n), max: 2n ** 255n - 1n }),
      b32,
      b32,
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
    const leaf = traceLeaf(parseTraceEntry(sampleEntry(0)), 0);
    const bad = (i: number, v: unknown) => {
      const copy = [...leaf] as unknown[];
      copy[i] = v;
      return copy as unknown as TraceLeaf;
    };
    assert.throws(() => encodeTraceLeaf(bad(1, 2 ** 32)), RangeError);
    assert.throws(() => encodeTraceLeaf(bad(2, 2n ** 64n)), RangeError);
    assert.throws(() => encodeTraceLeaf(bad(8, -1n)), RangeError);
    assert.throws(() => encodeTraceLeaf(bad(10, 2n ** 255n)), RangeError);
    assert.throws(() => encodeTraceLeaf(bad(0, "0x1234")), RangeError);
  });
});

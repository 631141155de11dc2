import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { AbiCoder, concat, getAddress, hexlify, keccak256, toBeHex, zeroPadValue } from "ethers";
import {
  CAMPAIGN_ID_ABI_TYPES,
  DISPATCH_COMMITMENT_ABI_TYPES,
  campaignId,
  campaignSpecFromNames,
  dispatchArgs,
  dispatchCommitment,
  encodeCampaignSpec,
  parseCampaignSpec,
  CampaignSpecError,
  RACE,
  type CampaignDispatch,
} from "./id.js";
import { KeeperError } from "../errors.js";

interface Vector {
  name: string;
  names: { assetPair: string; strategyId: string; sourceVenue: string; targetVenue: string };
  spec: unknown;
  dispatch: CampaignDispatch;
  campaignId: string;
}

const vectors = (
  JSON.parse(readFileSync(new URL("../../../test/vectors/campaign-id.json", import.meta.url), "utf8")) as {
    vectors: Vector[];
  }
).vectors;

test("campaignId_sharedVectors_match", () => {
  assert.ok(vectors.length >= 4);
  for (const v of vectors) {
    assert.equal(campaignId(parseCampaignSpec(v.spec), v.dispatch), v.campaignId, v.name);
  }
});

test("L1_sameSpecOtherDispatchList_hasAnotherId", () => {
  const race = vectors.find((v) => v.name === "eth-usdc-arbitrage")!;
  const sole = vectors.find((v) => v.name === "eth-usdc-arbitrage-dispatch-sole-assignee")!;
  const two = vectors.find((v) => v.name === "eth-usdc-arbitrage-dispatch-two-keepers")!;
  assert.deepEqual(sole.spec, race.spec);
  assert.deepEqual(two.spec, race.spec);
  // A front-runner republishing the spec as its sole assignee creates another campaign, not the publisher's.
  assert.equal(new Set([race.campaignId, sole.campaignId, two.campaignId]).size, 3);
  // Race campaigns ignore a stray ordering rule: one id per race spec.
  const spec = parseCampaignSpec(race.spec);
  assert.equal(campaignId(spec, { mode: "race", dispatchBy: "capital" }), campaignId(spec, RACE));
  assert.equal(campaignId(spec), race.campaignId);
});

test("campaignSpecFromNames_sharedVectors_encodeNamesAsBytes32", () => {
  for (const v of vectors) {
    const spec = parseCampaignSpec(v.spec);
    const fromNames = campaignSpecFromNames({
      assetPair: v.names.assetPair,
      priceWindow: spec.priceWindow,
      route: { strategyId: v.names.strategyId, sourceVenue: v.names.sourceVenue, targetVenue: v.names.targetVenue },
    });
    assert.deepEqual(fromNames, spec, v.name);
  }
});

test("campaignId_equalsHashOfConcatenatedWords", () => {
  // abi.encode of static values is their 32-byte words back to back: recompute without the ABI coder.
  for (const v of vectors) {
    const s = parseCampaignSpec(v.spec);
    const word = (n: bigint) => zeroPadValue(toBeHex(n), 32);
    const list = v.dispatch.dispatchOrder ?? [];
    const dispatch = keccak256(
      concat([
        word(v.dispatch.mode === "race" ? 0n : 1n),
        word(v.dispatch.mode === "dispatch" && v.dispatch.dispatchBy === "capital" ? 1n : 0n),
        word(0x60n),
        word(BigInt(list.length)),
        ...list.map((a) => zeroPadValue(a, 32)),
      ]),
    );
    const packed = concat([
      s.assetPair,
      word(s.priceWindow.minPrice),
      word(s.priceWindow.maxPrice),
      word(s.priceWindow.notBefore),
      word(s.priceWindow.notAfter),
      s.route.strategyId,
      s.route.sourceVenue,
      s.route.targetVenue,
      dispatch,
    ]);
    assert.equal(keccak256(packed), v.campaignId, v.name);
  }
});

test("campaignId_oneUnitPriceChange_changesId", () => {
  const a = vectors.find((v) => v.name === "eth-usdc-arbitrage")!;
  const b = vectors.find((v) => v.name === "eth-usdc-arbitrage-max-price-plus-one")!;
  assert.notEqual(a.campaignId, b.campaignId);
});

test("parseCampaignSpec_badField_throwsCampaignSpecErrorNamingIt", () => {
  const v = vectors[0]!;
  const bad = structuredClone(v.spec) as { priceWindow: { notAfter: string } };
  bad.priceWindow.notAfter = (1n << 64n).toString();
  assert.throws(
    () => parseCampaignSpec(bad),
    (err: unknown) =>
      err instanceof CampaignSpecError &&
      err instanceof KeeperError &&
      err.shortMessage.startsWith("invalid campaign spec: priceWindow.notAfter"),
  );
  assert.throws(() => parseCampaignSpec({ ...(v.spec as object), extra: 1 }), CampaignSpecError);
});

test("campaignSpecFromNames_nameLongerThan31Bytes_throws", () => {
  assert.throws(
    () =>
      campaignSpecFromNames({
        assetPair: "A".repeat(32),
        priceWindow: { minPrice: 1n, maxPrice: 2n, notBefore: 0n, notAfter: 1n },
        route: { strategyId: "s", sourceVenue: "a", targetVenue: "b" },
      }),
    /assetPair "A{32}" does not fit in bytes32/,
  );
});

test("encodeCampaignSpec_anySpec_equalsAbiCoderEncoding", () => {
  // The id's encoding is written word by word; it must equal ethers' ABI coder for every spec and dispatch.
  const coder = AbiCoder.defaultAbiCoder();
  const rnd = (bits: number) => BigInt(`0x${randomBytes(bits / 8).toString("hex")}`);
  const word = () => hexlify(randomBytes(32));
  const max = { u128: (1n << 128n) - 1n, u64: (1n << 64n) - 1n };
  const dispatches: CampaignDispatch[] = [
    RACE,
    { mode: "dispatch", dispatchBy: "capital", dispatchOrder: [getAddress(hexlify(randomBytes(20)))] },
    { mode: "dispatch", dispatchBy: "reputation", dispatchOrder: [] },
  ];
  const specs = [
    ...vectors.map((v) => parseCampaignSpec(v.spec)),
    parseCampaignSpec({
      assetPair: word().toUpperCase().replace("0X", "0x"),
      priceWindow: { minPrice: max.u128, maxPrice: max.u128, notBefore: max.u64, notAfter: max.u64 },
      route: { strategyId: word(), sourceVenue: word(), targetVenue: word() },
    }),
    ...Array.from({ length: 50 }, () =>
      parseCampaignSpec({
        assetPair: word(),
        priceWindow: { minPrice: rnd(128), maxPrice: rnd(128), notBefore: rnd(64), notAfter: 0n },
        route: { strategyId: word(), sourceVenue: word(), targetVenue: word() },
      }),
    ),
  ];
  for (const spec of specs) {
    for (const d of dispatches) {
      const commitment = keccak256(coder.encode(DISPATCH_COMMITMENT_ABI_TYPES, dispatchArgs(d)));
      assert.equal(dispatchCommitment(d), commitment);
      const expected = coder.encode(CAMPAIGN_ID_ABI_TYPES, [
        spec.assetPair,
        [spec.priceWindow.minPrice, spec.priceWindow.maxPrice, spec.priceWindow.notBefore, spec.priceWindow.notAfter],
        [spec.route.strategyId, spec.route.sourceVenue, spec.route.targetVenue],
        commitment,
      ]);
      assert.equal(encodeCampaignSpec(spec, d), expected);
      assert.equal(campaignId(spec, d), keccak256(expected));
    }
  }
});

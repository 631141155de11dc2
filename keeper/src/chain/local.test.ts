import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ZeroHash, id as textHash } from "ethers";
import { campaignSpecFromNames, type CampaignSpec } from "../campaign/id.js";
import { ChainRevertError } from "./errors.js";
import {
  LocalChain,
  LocalChainStateError,
  LocalChainUnsupportedError,
  PARAMETER_DEFINITIONS,
  type LocalReceiptFields,
} from "./local.js";

const ROOT = join(import.meta.dirname, "../../..");
const KEEPER_A = "0x00000000000000000000000000000000000000aa";
const KEEPER_B = "0x00000000000000000000000000000000000000bb";
const T0 = 1_700_000_000n;

/** A chain on a hand-driven clock, seen by two keepers. */
function setup(parameters: Record<string, bigint> = {}) {
  const clock = { t: T0 };
  const a = new LocalChain({ account: KEEPER_A, now: () => clock.t, parameters });
  const b = a.connect(KEEPER_B);
  return { clock, a, b };
}

function spec(over: { pair?: string; notBefore?: bigint; notAfter?: bigint; strategy?: string } = {}): CampaignSpec {
  return campaignSpecFromNames({
    assetPair: over.pair ?? "BTC/USDT",
    priceWindow: {
      minPrice: 1n,
      maxPrice: 2n,
      notBefore: over.notBefore ?? T0 - 10n,
      notAfter: over.notAfter ?? T0 + 3_600n,
    },
    route: { strategyId: over.strategy ?? "arbitrage", sourceVenue: "alpha", targetVenue: "beta" },
  });
}

/** Receipt fields of a campaign (distinct root and execution per `tag`). */
const fields = (campaignId: string, tag = "1"): LocalReceiptFields => ({
  campaignId,
  traceRoot: textHash(`root ${campaignId} ${tag}`),
  executionHash: textHash(`exec ${campaignId} ${tag}`),
  leafCount: 2,
  cid: `bafy-${tag}`,
});

const poster = (chain: LocalChain) => chain.poster(async (f: LocalReceiptFields) => Promise.resolve(f));

const reverted = (reason: string) => (err: unknown) => {
  assert.ok(err instanceof ChainRevertError, String(err));
  assert.equal(err.reason, reason);
  return true;
};

/** `Parameters.sol`'s `_define(ParamKeys.X, value, min, max)` lines, evaluated, by parameter name. */
function contractDefinitions(): Record<string, { value: bigint; min: bigint; max: bigint }> {
  const source = readFileSync(join(ROOT, "contracts/governance/Parameters.sol"), "utf8");
  const keys = readFileSync(join(ROOT, "contracts/libraries/ParamKeys.sol"), "utf8");
  const names = new Map<string, string>();
  for (const m of keys.matchAll(/bytes32 internal constant (\w+) = "(\w+)";/g)) names.set(m[1]!, m[2]!);
  const constants = new Map<string, bigint>();
  for (const m of source.matchAll(/uint256 private constant (\w+) = ([\d_]+);/g)) {
    constants.set(m[1]!, BigInt(m[2]!.replaceAll("_", "")));
  }
  const units: Record<string, bigint> = { seconds: 1n, minutes: 60n, hours: 3_600n, days: 86_400n };
  const evaluate = (expr: string): bigint => {
    const e = expr.trim();
    const c = constants.get(e);
    if (c !== undefined) return c;
    const m = /^([\d_]+)(?:e(\d+))?(?:\s+(seconds|minutes|hours|days))?$/.exec(e);
    assert.ok(m, `cannot evaluate ${e}`);
    return BigInt(m[1]!.replaceAll("_", "")) * 10n ** BigInt(m[2] ?? "0") * (m[3] ? units[m[3]]! : 1n);
  };
  const out: Record<string, { value: bigint; min: bigint; max: bigint }> = {};
  for (const m of source.matchAll(/_define\(ParamKeys\.(\w+),\s*([^,]+),\s*([^,]+),\s*([^)]+)\);/g)) {
    const name = names.get(m[1]!);
    assert.ok(name, `ParamKeys.${m[1]} not found`);
    out[name] = { value: evaluate(m[2]!), min: evaluate(m[3]!), max: evaluate(m[4]!) };
  }
  return out;
}

describe("LocalChain", () => {
  it("parametersSnapshot_theParametersContractsDefaultsAndBounds", async () => {
    const defined = contractDefinitions();
    assert.ok(Object.keys(defined).length >= 40, "parsed the contract's definitions");
    assert.deepEqual({ ...PARAMETER_DEFINITIONS }, defined);
    const { a } = setup();
    const snap = await a.parametersSnapshot();
    assert.deepEqual(snap.values, Object.fromEntries(Object.entries(defined).map(([k, d]) => [k, d.value])));
  });

  it("constructor_parameterOverrides_checkedAgainstBoundsAndRules", async () => {
    const { a } = setup({ claimTtlSeconds: 30n });
    assert.equal((await a.parametersSnapshot()).values["claimTtlSeconds"], 30n);
    assert.throws(() => setup({ claimTtlSeconds: 5n }), reverted("ParametersOutOfBounds"));
    assert.throws(() => setup({ sleeveTargetBufferBps: 2_000n }), reverted("ParametersSleeveTargetsInvalid"));
    assert.throws(() => setup({ noSuchKey: 1n }), reverted("ParametersUnknownKey"));
  });

  it("setParameter_governanceChange_reportedOnceByParameterChanges", async () => {
    const { a, b } = setup();
    await a.parametersSnapshot();
    assert.deepEqual(await a.parameterChanges(), []);
    const change = a.setParameter("roiThresholdBps", 20_000n);
    assert.equal(change.oldValue, 15_000n);
    const seen = await a.parameterChanges();
    assert.deepEqual(
      seen.map((c) => [c.name, c.oldValue, c.newValue]),
      [["roiThresholdBps", 15_000n, 20_000n]],
    );
    assert.ok(seen[0]!.blockNumber > 0);
    assert.deepEqual(await a.parameterChanges(), [], "a change is reported once");
    // Another keeper on the same chain sees it too (its own cursor).
    assert.equal((await b.parameterChanges()).length, 1);
    assert.equal((await a.parametersSnapshot()).values["roiThresholdBps"], 20_000n);
  });

  it("setParameter_outOfBoundsOrBreakingARule_refusedAndNothingChanges", async () => {
    const { a } = setup();
    assert.throws(() => a.setParameter("roiThresholdBps", 9_999n), reverted("ParametersOutOfBounds"));
    assert.throws(() => a.setParameter("sleeveTargetArbitrageBps", 3_000n), reverted("ParametersSleeveTargetsInvalid"));
    assert.deepEqual(await a.parameterChanges(), []);
    assert.equal((await a.parametersSnapshot()).values["roiThresholdBps"], 15_000n);
    // Several keys at once keep the sleeve targets summing to 100%.
    const changes = a.setParameters({ sleeveTargetArbitrageBps: 3_000n, sleeveTargetMarketMakingBps: 6_000n });
    assert.equal(changes.length, 2);
  });

  it("publish_newThenDuplicateId_createdOnceThenRepublishPenalised", async () => {
    const { a, b } = setup();
    const s = spec();
    const first = await a.publishCampaign(s, { mode: "race" });
    assert.equal(first.created, true);
    assert.equal(first.id, a.campaignIdOf(s));
    const again = await b.publishCampaign(s, { mode: "race" });
    assert.equal(again.created, false, "a duplicate id is not created again (the EVM adapter's answer)");
    assert.equal(again.id, first.id);
    assert.equal(b.penaltyPointsOf(), 100n);
    const c = await a.getCampaign(first.id);
    assert.equal(c.status, "open");
    assert.equal(c.publisher.toLowerCase(), KEEPER_A);
    assert.equal(c.publishedAt, T0);
  });

  it("publish_invalidWindowOrDispatchList_reverts", async () => {
    const { a } = setup();
    await assert.rejects(
      a.publishCampaign(spec({ notAfter: T0 }), { mode: "race" }),
      reverted("CampaignRegistryInvalidWindow"),
    );
    await assert.rejects(
      a.publishCampaign(spec(), { mode: "race", dispatchOrder: [KEEPER_B] }),
      reverted("CampaignRegistryInvalidDispatchOrder"),
    );
    await assert.rejects(
      a.publishCampaign(spec(), { mode: "dispatch", dispatchOrder: [] }),
      reverted("CampaignRegistryInvalidDispatchOrder"),
    );
    await assert.rejects(
      a.publishCampaign(spec(), { mode: "dispatch", dispatchOrder: [KEEPER_B, KEEPER_B] }),
      reverted("CampaignRegistryInvalidDispatchOrder"),
    );
  });

  it("publish_beyondTheRateLimit_revertsUntilTheNextWindow", async () => {
    const { a, clock } = setup({ campaignRateLimitCount: 2n });
    await a.publishCampaign(spec({ strategy: "s1" }), { mode: "race" });
    await a.publishCampaign(spec({ strategy: "s2" }), { mode: "race" });
    await assert.rejects(
      a.publishCampaign(spec({ strategy: "s3" }), { mode: "race" }),
      reverted("CampaignRegistryRateLimited"),
    );
    clock.t += 60n;
    assert.equal((await a.publishCampaign(spec({ strategy: "s3" }), { mode: "race" })).created, true);
  });

  it("claim_race_firstClaimantWinsWithTheParametersTtl", async () => {
    const { a, b } = setup({ claimTtlSeconds: 45n });
    const { id } = await a.publishCampaign(spec(), { mode: "race" });
    const won = await b.claimCampaign(id);
    assert.deepEqual(won.claimed && won.deadline, T0 + 45n);
    const lost = await a.claimCampaign(id);
    assert.equal(lost.claimed, false);
    assert.equal(!lost.claimed && lost.reason, "taken");
    assert.match(!lost.claimed ? lost.detail : "", /CampaignRegistryNotClaimable/);
    const c = await a.getCampaign(id);
    assert.equal(c.status, "claimed");
    assert.equal(c.claimant.toLowerCase(), KEEPER_B);
    assert.equal(c.claimDeadline, T0 + 45n);
  });

  it("claim_expiredClaim_claimableAgainAndTheOldClaimantCannotPostOrSettle", async () => {
    const { a, b, clock } = setup();
    const { id } = await a.publishCampaign(spec(), { mode: "race" });
    assert.equal((await a.claimCampaign(id)).claimed, true);
    clock.t += 120n; // at the deadline: still a live claim
    assert.equal(!((await b.claimCampaign(id)) as { claimed: boolean }).claimed, true);
    clock.t += 1n; // past it
    await assert.rejects(poster(a).post(fields(id)), reverted("ReceiptRegistryNotClaimant"));
    const again = await b.claimCampaign(id);
    assert.equal(again.claimed, true);
    assert.equal((await a.getCampaign(id)).claimant.toLowerCase(), KEEPER_B);
  });

  it("claim_unknownSettledOutsideWindowNotYourTurnPairLocked_refusalsNotErrors", async () => {
    const { a, b, clock } = setup();
    const unknown = await a.claimCampaign(ZeroHash);
    assert.equal(!unknown.claimed && unknown.reason, "unknown");

    const later = await a.publishCampaign(spec({ notBefore: T0 + 100n, strategy: "later" }), { mode: "race" });
    const early = await a.claimCampaign(later.id);
    assert.equal(!early.claimed && early.reason, "outsideWindow");

    const dispatched = await a.publishCampaign(spec({ strategy: "dispatched" }), {
      mode: "dispatch",
      dispatchOrder: [KEEPER_A, KEEPER_B],
    });
    const turn = await b.claimCampaign(dispatched.id);
    assert.equal(!turn.claimed && turn.reason, "notYourTurn");

    // One claim per pair per block timestamp.
    const other = await a.publishCampaign(spec({ strategy: "other" }), { mode: "race" });
    assert.equal((await a.claimCampaign(dispatched.id)).claimed, true);
    const locked = await b.claimCampaign(other.id);
    assert.equal(!locked.claimed && locked.reason, "pairLocked");
    clock.t += 1n;
    assert.equal((await b.claimCampaign(other.id)).claimed, true);

    // Settled campaigns answer "settled".
    const { receiptId } = await poster(b).post(fields(other.id));
    assert.equal((await b.settleCampaign(other.id, receiptId)).settled, true);
    const settled = await a.claimCampaign(other.id);
    assert.equal(!settled.claimed && settled.reason, "settled");
  });

  it("release_byTheClaimantReopens_byAnotherReverts", async () => {
    const { a, b, clock } = setup();
    const { id } = await a.publishCampaign(spec(), { mode: "race" });
    await a.claimCampaign(id);
    await assert.rejects(b.releaseCampaign(id), reverted("CampaignRegistryNotClaimant"));
    await a.releaseCampaign(id);
    assert.equal((await a.getCampaign(id)).status, "open");
    await assert.rejects(a.releaseCampaign(id), reverted("CampaignRegistryNotClaimant"));
    await assert.rejects(a.releaseCampaign(textHash("nothing")), reverted("CampaignRegistryUnknownCampaign"));
    clock.t += 1n;
    assert.equal((await b.claimCampaign(id)).claimed, true);
  });

  it("settle_withItsReceipt_settledOnceAndTheReceiptKept", async () => {
    const { a, b } = setup();
    const { id } = await a.publishCampaign(spec(), { mode: "race" });
    await a.claimCampaign(id);
    const f = fields(id);
    const posted = await a.postReceipt(poster(a), f);
    assert.equal(posted.receiptId, 1n);
    assert.deepEqual(await a.getReceipt(1n), {
      id: 1n,
      keeper: a.account,
      campaignId: id,
      traceRoot: f.traceRoot,
      leafCount: 2,
      cid: "bafy-1",
      postedAt: T0,
    });
    assert.equal(await b.receiptIdByRoot(f.traceRoot), 1n);
    assert.equal(await b.receiptIdByRoot(ZeroHash), 0n);
    // Posting the same receipt again (a retry) returns its id; another execution of the same root is refused.
    assert.equal((await poster(a).post(f)).receiptId, 1n);
    assert.equal((await a.settleCampaign(id, 1n)).settled, true);
    const c = await b.getCampaign(id);
    assert.equal(c.status, "settled");
    assert.equal(c.settledReceiptId, 1n);
    // A second settle loses (recorded, not an error).
    assert.deepEqual((await a.settleCampaign(id, 1n)).settled, false);
    assert.equal(a.lostAttemptsOf(), 1);
  });

  it("settle_receiptOfAnotherKeeperOrCampaignOrUnknown_reverts", async () => {
    const { a, b, clock } = setup();
    const one = await a.publishCampaign(spec({ strategy: "one" }), { mode: "race" });
    const two = await a.publishCampaign(spec({ strategy: "two" }), { mode: "race" });
    await a.claimCampaign(one.id);
    clock.t += 1n;
    await b.claimCampaign(two.id);
    const { receiptId } = await poster(a).post(fields(one.id));
    await assert.rejects(b.settleCampaign(one.id, receiptId), reverted("CampaignRegistryReceiptMismatch"));
    await assert.rejects(a.settleCampaign(two.id, receiptId), reverted("CampaignRegistryReceiptMismatch"));
    await assert.rejects(a.settleCampaign(one.id, 9n), reverted("ReceiptRegistryUnknownReceipt"));
    await assert.rejects(a.getReceipt(0n), reverted("ReceiptRegistryUnknownReceipt"));
    // B may not post for A's claim; nor an empty trace, nor a second receipt of one execution.
    await assert.rejects(poster(b).post(fields(one.id, "b")), reverted("ReceiptRegistryNotClaimant"));
    await assert.rejects(poster(b).post({ ...fields(two.id), leafCount: 0 }), reverted("ReceiptRegistryEmptyTrace"));
    await assert.rejects(
      poster(b).post({ ...fields(two.id, "x"), executionHash: fields(one.id).executionHash }),
      reverted("ReceiptRegistryDuplicateExecution"),
    );
  });

  it("settle_afterTheClaimExpired_losesAndReopens", async () => {
    const { a, clock } = setup();
    const { id } = await a.publishCampaign(spec(), { mode: "race" });
    await a.claimCampaign(id);
    const { receiptId } = await poster(a).post(fields(id));
    clock.t += 121n;
    assert.equal((await a.settleCampaign(id, receiptId)).settled, false);
    assert.equal((await a.getCampaign(id)).status, "open");
  });

  it("heartbeat_silentKeeperIneligibleUntilItBeatsAgain", async () => {
    const { a, clock } = setup();
    const before = await a.keeperStatus();
    assert.equal(before.eligible, true);
    assert.equal(before.attested, true);
    assert.equal(before.lastSeen, T0);
    clock.t += 601n;
    assert.equal((await a.keeperStatus()).eligible, false);
    await assert.rejects(a.publishCampaign(spec(), { mode: "race" }), reverted("CampaignRegistryNotEligible"));
    await a.heartbeat();
    const after = await a.keeperStatus();
    assert.equal(after.eligible, true);
    assert.equal(after.lastSeen, T0 + 601n);
  });

  it("setKeeper_revokedOrNotAttested_stopSignalsAndRefusals", async () => {
    const { a, b } = setup();
    const { id } = await a.publishCampaign(spec(), { mode: "race" });
    a.setKeeper({ revoked: true });
    assert.equal((await a.keeperStatus()).eligible, false);
    assert.equal((await b.keeperStatus(KEEPER_A)).eligible, false, "seen by every keeper of the chain");
    await assert.rejects(a.claimCampaign(id), reverted("CampaignRegistryNotEligible"));
    b.setKeeper({ attested: false });
    const s = await b.keeperStatus();
    assert.equal(s.attested, false);
    assert.equal(s.eligible, false);
  });

  it("unsupportedOperations_oneClearError", async () => {
    const { a } = setup();
    for (const call of [
      () => a.stake(),
      () => a.proposeKeeper(),
      () => a.acceptOperator(),
      () => a.submitVerifiedQuote(),
      () => a.measurementAllowed(),
    ]) {
      await assert.rejects(call(), (err: unknown) => {
        assert.ok(err instanceof LocalChainUnsupportedError);
        assert.match(err.shortMessage, /^\w+ is not available on a local chain/);
        assert.doesNotMatch(err.message, /\n/);
        return true;
      });
    }
  });

  it("stateFile_restartedChain_resumesCampaignsReceiptsParametersAndStanding", async () => {
    const dir = mkdtempSync(join(tmpdir(), "local-chain-"));
    const file = join(dir, "paper", "chain.json");
    try {
      const clock = { t: T0 };
      const a = new LocalChain({ account: KEEPER_A, now: () => clock.t, stateFile: file });
      a.setParameter("claimTtlSeconds", 300n);
      const settled = spec();
      const open = spec({ strategy: "marketMaking" });
      const { id } = await a.publishCampaign(settled, { mode: "race" });
      const { id: openId } = await a.publishCampaign(open, { mode: "race" });
      await a.claimCampaign(id);
      const { receiptId } = await poster(a).post(fields(id));
      await a.settleCampaign(id, receiptId);
      clock.t += 5n;
      await a.heartbeat();
      // Written atomically: the state file, no temporary file left over.
      assert.ok(existsSync(file));
      assert.ok(!existsSync(`${file}.tmp`));

      // A new process: the same state file, another chain object.
      const b = new LocalChain({ account: KEEPER_A, now: () => clock.t, stateFile: file });
      assert.deepEqual(await b.getCampaign(id), await a.getCampaign(id));
      assert.equal((await b.getCampaign(id)).status, "settled");
      assert.equal((await b.getCampaign(openId)).status, "open");
      assert.deepEqual(await b.getReceipt(receiptId), await a.getReceipt(receiptId));
      assert.equal(await b.receiptIdByRoot(fields(id).traceRoot), receiptId);
      assert.equal((await b.parametersSnapshot()).values["claimTtlSeconds"], 300n);
      assert.equal((await b.keeperStatus()).lastSeen, T0 + 5n);
      // The rules go on from the kept state: a receipt of the same execution is refused, the next one takes id 2.
      assert.equal((await b.claimCampaign(id)).claimed, false);
      clock.t += 1n;
      assert.equal((await b.claimCampaign(openId)).claimed, true);
      await assert.rejects(
        poster(b).post({ ...fields(openId), executionHash: fields(id).executionHash }),
        reverted("ReceiptRegistryDuplicateExecution"),
      );
      assert.equal((await poster(b).post(fields(openId, "2"))).receiptId, receiptId + 1n);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("stateFile_unreadable_oneLineErrorNamingTheFile", () => {
    const dir = mkdtempSync(join(tmpdir(), "local-chain-"));
    const file = join(dir, "chain.json");
    try {
      writeFileSync(file, "{ not json");
      assert.throws(
        () => new LocalChain({ stateFile: file }),
        (err: unknown) =>
          err instanceof LocalChainStateError && err.message === `local chain state ${file} is not valid JSON`,
      );
      writeFileSync(file, JSON.stringify({ version: 99 }));
      assert.throws(() => new LocalChain({ stateFile: file }), /has version 99, expected 1/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("now_theInjectedClock", async () => {
    const { a, clock } = setup();
    assert.equal(await a.now(), T0);
    clock.t = T0 + 5_000n;
    assert.equal(await a.now(), T0 + 5_000n);
    const wall = new LocalChain();
    const n = Number(await wall.now());
    assert.ok(Math.abs(n - Date.now() / 1000) < 5, "default: wall time");
  });
});

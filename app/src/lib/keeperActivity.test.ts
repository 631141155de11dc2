import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { stringToHex, type Hex } from "viem";
import {
  byChainOrder,
  claimsOf,
  countSwitches,
  deriveActivity,
  IDLE,
  modeAt,
  strategyName,
  strategyOf,
  timelineOf,
  type ChainActivity,
} from "./keeperActivity";

const K1 = "0x00000000000000000000000000000000000000a1" as Hex;
const K2 = "0x00000000000000000000000000000000000000A2" as Hex; // mixed case on purpose
const sid = (s: string) => stringToHex(s, { size: 32 });
const cid = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as Hex;
/** Block b at time 100 + 10·b; log index i. */
const at = (b: number, i = 0) => ({ blockNumber: BigInt(b), logIndex: i, timestamp: 100 + 10 * b });

function empty(): ChainActivity {
  return { published: [], claimed: [], claimEnded: [], drawn: [], repaid: [], liquidated: [], receipts: [] };
}

/** Campaigns 1 (market making), 2 (arbitrage), 3 (market making), 4 (rebalance). */
function published(): ChainActivity["published"] {
  return [
    { ...at(1, 0), campaignId: cid(1), strategyId: sid("marketMaking") },
    { ...at(1, 1), campaignId: cid(2), strategyId: sid("arbitrage") },
    { ...at(1, 2), campaignId: cid(3), strategyId: sid("marketMaking") },
    { ...at(1, 3), campaignId: cid(4), strategyId: sid("rebalance") },
  ];
}

describe("strategyName", () => {
  it("strategyName_decodesTheBytes32ConventionAndKeepsOtherIdsHex", () => {
    assert.equal(strategyName(sid("marketMaking")), "marketMaking");
    assert.equal(strategyName(sid("arbitrage")), "arbitrage");
    const binary = `0xff${"00".repeat(31)}` as Hex;
    assert.equal(strategyName(binary), binary);
  });
});

describe("byChainOrder", () => {
  it("byChainOrder_sortsByBlockThenLogIndexDropsRemovedAndDuplicates", () => {
    const evs = [
      { ...at(5, 2), n: "c" },
      { ...at(3, 7), n: "a" },
      { ...at(5, 1), n: "b" },
      { ...at(5, 1), n: "b-again" }, // the same log from an overlapping page
      { ...at(4, 0), n: "reorged", removed: true },
    ];
    assert.deepEqual(
      byChainOrder(evs).map((e) => e.n),
      ["a", "b", "c"],
    );
  });
});

describe("strategyOf", () => {
  it("strategyOf_firstPublicationWinsWhateverTheInputOrder", () => {
    const m = strategyOf([
      { ...at(9), campaignId: cid(1), strategyId: sid("arbitrage") },
      { ...at(2), campaignId: cid(1), strategyId: sid("marketMaking") },
    ]);
    assert.equal(m.get(cid(1)), "marketMaking");
  });
});

describe("modes and switches", () => {
  it("countSwitches_countsChangesBetweenConsecutiveClaims", () => {
    assert.equal(countSwitches([]), 0);
    assert.equal(countSwitches(["marketMaking"]), 0);
    assert.equal(countSwitches(["marketMaking", "marketMaking"]), 0);
    assert.equal(countSwitches(["marketMaking", "arbitrage", "marketMaking", "rebalance"]), 3);
  });

  it("deriveActivity_preemptionAndResumeIsTwoSwitchesAndTheTimelineFollowsTheClaims", () => {
    const a = empty();
    a.published = published();
    // K1: market making (claim block 2, settled block 5), arbitrage (block 5, released block 7),
    // market making again (block 8, still live, deadline far).
    a.claimed = [
      { ...at(2), campaignId: cid(1), keeper: K1, deadline: 10_000 },
      { ...at(5, 1), campaignId: cid(2), keeper: K1, deadline: 10_000 },
      { ...at(8), campaignId: cid(3), keeper: K1, deadline: 10_000 },
    ];
    a.claimEnded = [
      { ...at(5, 0), campaignId: cid(1), keeper: K1 },
      { ...at(7), campaignId: cid(2), keeper: K1 },
    ];
    const [k] = deriveActivity(a, [], 100, 300);
    assert.equal(k!.keeper, K1);
    assert.equal(k!.claims, 3);
    assert.equal(k!.switches, 2);
    assert.deepEqual(k!.switchTimes, [150, 180]);
    assert.equal(k!.mode, "marketMaking");
    assert.deepEqual(k!.timeline, [
      { mode: IDLE, from: 100, to: 120 },
      { mode: "marketMaking", from: 120, to: 150 },
      { mode: "arbitrage", from: 150, to: 170 },
      { mode: IDLE, from: 170, to: 180 },
      { mode: "marketMaking", from: 180, to: 300 },
    ]);
  });

  it("deriveActivity_inputOrderDoesNotMatterAndSameBlockTiesFollowLogIndex", () => {
    const a = empty();
    a.published = published().reverse();
    // Settle of campaign 1 and claim of campaign 2 in the same block: log index orders them.
    a.claimed = [
      { ...at(8), campaignId: cid(3), keeper: K1, deadline: 10_000 },
      { ...at(5, 1), campaignId: cid(2), keeper: K1, deadline: 10_000 },
      { ...at(2), campaignId: cid(1), keeper: K1, deadline: 10_000 },
    ];
    a.claimEnded = [
      { ...at(7), campaignId: cid(2), keeper: K1 },
      { ...at(5, 0), campaignId: cid(1), keeper: K1 },
    ];
    const [k] = deriveActivity(a, [], 100, 300);
    assert.deepEqual(
      k!.claimModes.map((c) => c.mode),
      ["marketMaking", "arbitrage", "marketMaking"],
    );
    assert.equal(k!.switches, 2);
  });

  it("modeAt_overlappingClaimsTheOneTakenLastWinsAndAnExpiredClaimIsIdle", () => {
    const a = empty();
    a.published = published();
    a.claimed = [
      { ...at(2), campaignId: cid(1), keeper: K1, deadline: 1_000 }, // market making, live until 1000
      { ...at(4), campaignId: cid(2), keeper: K1, deadline: 160 }, // arbitrage on top, until its deadline
    ];
    const claims = claimsOf(K1, a, strategyOf(a.published));
    assert.equal(modeAt(claims, 130), "marketMaking");
    assert.equal(modeAt(claims, 145), "arbitrage");
    assert.equal(modeAt(claims, 160), "arbitrage", "live through its deadline");
    assert.equal(modeAt(claims, 161), "marketMaking", "back to the claim still live below it");
    assert.equal(modeAt(claims, 1_001), IDLE, "past every deadline with no end event: expired");
    assert.equal(modeAt(claims, 110), IDLE);
  });

  it("claimsOf_anEndEventBeforeTheClaimDoesNotEndAReclaim", () => {
    const a = empty();
    a.published = published();
    // K1 claims campaign 1, releases it, claims it again: the first end does not end the second claim.
    a.claimed = [
      { ...at(2), campaignId: cid(1), keeper: K1, deadline: 10_000 },
      { ...at(4), campaignId: cid(1), keeper: K1, deadline: 10_000 },
    ];
    a.claimEnded = [{ ...at(3), campaignId: cid(1), keeper: K1 }];
    const claims = claimsOf(K1, a, strategyOf(a.published));
    assert.deepEqual(
      claims.map((c) => [c.from, c.to]),
      [
        [120, 130],
        [140, 10_001],
      ],
    );
    assert.equal(modeAt(claims, 135), IDLE);
    assert.equal(countSwitches(claims.map((c) => c.mode)), 0);
  });

  it("timelineOf_overlappingClaimsTheOneTakenLastWinsThenTheOneBelowResumes", () => {
    // Market making 10..100; arbitrage claimed on top 30..50; a rebalance claimed on top 40..45: each later
    // claim wins while live, and the one below resumes when it ends.
    const claims = [
      { campaignId: cid(1), mode: "marketMaking", from: 10, to: 100 },
      { campaignId: cid(2), mode: "arbitrage", from: 30, to: 50 },
      { campaignId: cid(3), mode: "rebalance", from: 40, to: 45 },
    ];
    assert.deepEqual(timelineOf(claims, 0, 120), [
      { mode: IDLE, from: 0, to: 10 },
      { mode: "marketMaking", from: 10, to: 30 },
      { mode: "arbitrage", from: 30, to: 40 },
      { mode: "rebalance", from: 40, to: 45 },
      { mode: "arbitrage", from: 45, to: 50 },
      { mode: "marketMaking", from: 50, to: 100 },
      { mode: IDLE, from: 100, to: 120 },
    ]);
  });

  it("timelineOf_mergesEqualNeighboursAndDropsEmptySpans", () => {
    const claims = [
      { campaignId: cid(1), mode: "marketMaking", from: 10, to: 20 },
      { campaignId: cid(3), mode: "marketMaking", from: 20, to: 30 },
      { campaignId: cid(2), mode: "arbitrage", from: 30, to: 30 },
    ];
    assert.deepEqual(timelineOf(claims, 0, 40), [
      { mode: IDLE, from: 0, to: 10 },
      { mode: "marketMaking", from: 10, to: 30 },
      { mode: IDLE, from: 30, to: 40 },
    ]);
  });

  it("deriveActivity_keepsKeepersApartAndListsIdleOnes", () => {
    const a = empty();
    a.published = published();
    a.claimed = [
      { ...at(2), campaignId: cid(1), keeper: K1, deadline: 10_000 },
      { ...at(3), campaignId: cid(2), keeper: K2, deadline: 10_000 },
    ];
    const idle = "0x00000000000000000000000000000000000000b0" as Hex;
    const ks = deriveActivity(a, [idle], 100, 200);
    assert.deepEqual(
      ks.map((k) => [k.keeper, k.mode, k.switches]),
      [
        [K1, "marketMaking", 0],
        [K2.toLowerCase(), "arbitrage", 0],
        [idle, IDLE, 0],
      ],
    );
  });
});

describe("pnl per strategy type", () => {
  it("pnlByStrategy_sumsRepaymentsAndLiquidationsJoinedToTheDrawsCampaign", () => {
    const a = empty();
    a.published = published();
    a.drawn = [
      { ...at(2), drawId: 1n, keeper: K1, campaignId: cid(1), sleeve: 0, amount: 1_000n },
      { ...at(3), drawId: 2n, keeper: K1, campaignId: cid(2), sleeve: 1, amount: 500n },
      { ...at(4), drawId: 3n, keeper: K1, campaignId: cid(3), sleeve: 0, amount: 700n },
      { ...at(5), drawId: 4n, keeper: K1, campaignId: cid(2), sleeve: 1, amount: 300n },
      { ...at(5, 1), drawId: 5n, keeper: K2, campaignId: cid(1), sleeve: 0, amount: 900n },
    ];
    a.repaid = [
      // Out of order on purpose.
      { ...at(7), drawId: 3n, keeper: K1, principal: 700n, returned: 690n, profit: 0n, shortfall: 10n },
      { ...at(6), drawId: 1n, keeper: K1, principal: 1_000n, returned: 1_025n, profit: 25n, shortfall: 0n },
      { ...at(6, 1), drawId: 2n, keeper: K1, principal: 500n, returned: 540n, profit: 40n, shortfall: 0n },
      { ...at(6, 1), drawId: 2n, keeper: K1, principal: 500n, returned: 540n, profit: 40n, shortfall: 0n }, // dup
      { ...at(8), drawId: 5n, keeper: K2, principal: 900n, returned: 1_000n, profit: 100n, shortfall: 0n },
    ];
    a.liquidated = [{ ...at(9), drawId: 4n, owed: 300n, loss: 50n }];
    a.receipts = [
      { keeper: K1, campaignId: cid(1), pnl: 25n },
      { keeper: K1, campaignId: cid(4), pnl: 7n }, // rebalance draws nothing: receipt PnL only
    ];
    const [k1] = deriveActivity(a, [], 100, 300);
    const rows = Object.fromEntries(k1!.pnl.map((r) => [r.strategy, r]));
    assert.deepEqual(
      k1!.pnl.map((r) => r.strategy),
      ["marketMaking", "arbitrage", "rebalance"],
    );
    assert.equal(rows.marketMaking!.pnl, 25n - 10n);
    assert.equal(rows.marketMaking!.drawn, 1_700n);
    assert.equal(rows.marketMaking!.repaid, 2);
    assert.equal(rows.arbitrage!.pnl, 40n - 300n);
    assert.equal(rows.arbitrage!.liquidated, 1);
    assert.equal(rows.rebalance!.pnl, 0n);
    assert.equal(rows.rebalance!.receiptPnl, 7n);
    assert.equal(rows.marketMaking!.receiptPnl, 25n);
  });

  it("pnlByStrategy_aReorgedOutRepaymentDoesNotCount", () => {
    const a = empty();
    a.published = published();
    a.drawn = [{ ...at(2), drawId: 1n, keeper: K1, campaignId: cid(2), sleeve: 1, amount: 100n }];
    a.repaid = [
      { ...at(3), drawId: 1n, keeper: K1, principal: 100n, returned: 200n, profit: 100n, shortfall: 0n, removed: true },
    ];
    const [k] = deriveActivity(a, [], 100, 300);
    assert.deepEqual(
      k!.pnl.map((r) => [r.strategy, r.pnl, r.repaid]),
      [["arbitrage", 0n, 0]],
    );
  });
});

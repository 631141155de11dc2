import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { TraceTree } from "../recording/merkle.js";
import { summarizeTrace, type TraceDocument } from "../recording/receipt.js";
import { parseTraceEntry, type TraceEntryInput } from "../recording/trace.js";
import { parseUnits } from "../recording/units.js";
import { auditTrace, evidenceToFile, type PostedReceiptInfo } from "./rules.js";

const CAMPAIGN = "0x" + "11".repeat(32);
const UNITS = parseUnits({ depositAsset: "USDT", depositDecimals: 6 });
const WINDOW = { minPrice: 29_000n * 10n ** 8n, maxPrice: 31_000n * 10n ** 8n };

function entry(i: number, over: Partial<TraceEntryInput> = {}): TraceEntryInput {
  return {
    timestamp: 1_700_000_000_000 + i,
    campaignId: CAMPAIGN,
    orderId: `order-${i}`,
    fillId: "",
    clientOrderId: `c-${i}`,
    venue: "alpha",
    pair: "BTC/USDT",
    side: i % 2 === 0 ? "buy" : "sell",
    price: "30000",
    size: "0.05",
    fee: "0.5",
    feeAsset: "USDT",
    source: "cex",
    minPrice: "29000",
    maxPrice: "31000",
    ...over,
  };
}

function doc(inputs: TraceEntryInput[]): TraceDocument {
  return { campaignId: CAMPAIGN, units: UNITS, entries: inputs.map((e) => parseTraceEntry(e)) };
}

/** The receipt an honest keeper would post for `d`. */
function postedFor(d: TraceDocument, receiptId = 5n): PostedReceiptInfo {
  const tree = TraceTree.fromEntries(d.entries, d.units);
  return {
    receiptId,
    keeper: "0x" + "aa".repeat(20),
    campaignId: CAMPAIGN,
    traceRoot: tree.root,
    executionHash: tree.executionHash,
    leafCount: tree.leafCount,
    summary: summarizeTrace(d.entries, d.units),
    cid: "bagaaiera",
    postedAt: 1n,
  };
}

const nothingEarlier = () => undefined;

describe("auditTrace", () => {
  it("auditTrace_honestTrace_noFinding", () => {
    const d = doc([entry(0), entry(1)]);
    const r = auditTrace(postedFor(d), d, WINDOW, nothingEarlier);
    assert.deepEqual(r.findings, []);
    assert.equal(r.rootMatches, true);
    assert.equal(r.executionIds.length, 2);
    assert.equal(evidenceToFile(r.findings), undefined);
  });

  it("auditTrace_priceAboveCampaignWindowUnderWiderLeafBound_priceOutOfBound", () => {
    // The keeper declared a wider bound in its leaf: the campaign's stored window is authoritative.
    const d = doc([entry(0), entry(1, { price: "31500", maxPrice: "32000" })]);
    const r = auditTrace(postedFor(d), d, WINDOW, nothingEarlier);
    const f = evidenceToFile(r.findings);
    assert.equal(f?.rule, "priceOutOfBound");
    assert.equal(f?.seq, 1);
  });

  it("auditTrace_priceOutsideOwnLeafBound_priceOutOfBound", () => {
    const d = doc([entry(0, { price: "29500", minPrice: "29600" })]);
    const r = auditTrace(postedFor(d), d, WINDOW, nothingEarlier);
    assert.equal(evidenceToFile(r.findings)?.rule, "priceOutOfBound");
  });

  it("auditTrace_priceOnTheWindowEdges_noFinding", () => {
    const d = doc([entry(0, { price: "29000" }), entry(1, { price: "31000" })]);
    assert.deepEqual(auditTrace(postedFor(d), d, WINDOW, nothingEarlier).findings, []);
  });

  it("auditTrace_fillOfAnEarlierReceipt_duplicateExecution", () => {
    const d = doc([entry(0), entry(1)]);
    const probe = auditTrace(postedFor(d), d, WINDOW, nothingEarlier);
    const dup = probe.executionIds[1]!;
    const r = auditTrace(postedFor(d, 5n), d, WINDOW, (e) => (e === dup ? { receiptId: 3n, seq: 0 } : undefined));
    const f = evidenceToFile(r.findings);
    assert.equal(f?.rule, "duplicateExecution");
    assert.ok(f?.rule === "duplicateExecution" && f.otherReceiptId === 3n && f.seq === 1 && f.otherSeq === 0);
  });

  it("auditTrace_fillSeenOnlyInALaterReceipt_noFindingAgainstThisOne", () => {
    // The oracle only accepts an EARLIER receipt as the other half: the later one is the violator.
    const d = doc([entry(0)]);
    const r = auditTrace(postedFor(d, 5n), d, WINDOW, () => ({ receiptId: 9n, seq: 0 }));
    assert.deepEqual(r.findings, []);
  });

  it("auditTrace_sameFillTwiceInOneTrace_reportedNotChallengeable", () => {
    const d = doc([entry(0), entry(1, { orderId: "order-0", clientOrderId: "c-0b" })]);
    const r = auditTrace(postedFor(d), d, WINDOW, nothingEarlier);
    assert.deepEqual(
      r.findings.map((f) => [f.rule, f.challengeable]),
      [["duplicateWithinTrace", false]],
    );
    assert.equal(evidenceToFile(r.findings), undefined);
  });

  it("auditTrace_documentNotRebuildingThePostedRoot_reportedNeverChallenged", () => {
    // A violation in a document that is not the posted tree cannot be proven against the receipt: no evidence.
    const d = doc([entry(0, { price: "40000" })]);
    const posted = { ...postedFor(doc([entry(0)])) };
    const r = auditTrace(posted, d, WINDOW, nothingEarlier);
    assert.equal(r.rootMatches, false);
    assert.deepEqual(
      r.findings.map((f) => f.rule),
      ["receiptMismatch"],
    );
    assert.ok(r.findings[0]!.rule === "receiptMismatch" && r.findings[0]!.fields.includes("traceRoot"));
    assert.equal(evidenceToFile(r.findings), undefined);
  });

  it("auditTrace_summaryOverstatedButRootMatches_mismatchReportedAndPriceStillChallengeable", () => {
    const d = doc([entry(0, { price: "28000" })]);
    const posted = postedFor(d);
    const r = auditTrace(
      { ...posted, summary: { ...posted.summary, pnl: posted.summary.pnl + 1_000_000n } },
      d,
      WINDOW,
      nothingEarlier,
    );
    assert.deepEqual(
      r.findings.map((f) => f.rule),
      ["receiptMismatch", "priceOutOfBound"],
    );
    assert.equal(evidenceToFile(r.findings)?.rule, "priceOutOfBound");
  });

  it("evidenceToFile_priceAndDuplicate_pricePreferred", () => {
    const d = doc([entry(0), entry(1, { price: "35000" })]);
    const dup = auditTrace(postedFor(d), d, WINDOW, nothingEarlier).executionIds[0]!;
    const r = auditTrace(postedFor(d), d, WINDOW, (e) => (e === dup ? { receiptId: 1n, seq: 0 } : undefined));
    assert.deepEqual(
      r.findings.map((f) => f.rule),
      ["duplicateExecution", "priceOutOfBound"],
    );
    assert.equal(evidenceToFile(r.findings)?.rule, "priceOutOfBound");
  });
});

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Journal, JournalError } from "./journal.js";

const order = (id: string) => ({
  clientOrderId: id,
  campaignId: "0xc1",
  venue: "binance",
  pair: "ETH/USDT",
  side: "buy" as const,
  amount: "1.5",
  limitPrice: "2000.10",
});

describe("Journal", () => {
  it("recordDrawIntent_sameCampaignTwice_throws_andStatesOnlyMoveForward", () => {
    const j = new Journal(":memory:");
    j.recordDrawIntent({ campaignId: "0xc1", sleeve: 1, amount: 100n, drawnBefore: 40n });
    assert.throws(
      () => j.recordDrawIntent({ campaignId: "0xc1", sleeve: 1, amount: 100n, drawnBefore: 40n }),
      JournalError,
    );
    assert.equal(j.getCapital("0xc1")?.drawnBefore, 40n);
    assert.throws(() => j.moveCapital("0xc1", "repaid"), /cannot go from drawing to repaid/);
    j.moveCapital("0xc1", "drawn");
    assert.throws(() => j.moveCapital("0xc1", "unfunded"), /cannot go from drawn to unfunded/);
    j.recordUnfunded("0xc2", 1, "nothing drawable");
    assert.throws(() => j.moveCapital("0xc2", "drawn"), JournalError);
    assert.deepEqual(
      j.capitalRecords(["drawn", "unfunded"]).map((r) => [r.campaignId, r.state, r.amount]),
      [
        ["0xc1", "drawn", 100n],
        ["0xc2", "unfunded", 0n],
      ],
    );
  });

  it("capitalRecords_byStates_sameRowsAndOrderAsFilteringEveryRecord", () => {
    const j = new Journal(":memory:");
    for (let i = 0; i < 40; i++) {
      const id = `0x${i.toString(16).padStart(2, "0")}`;
      if (i % 5 === 0) {
        j.recordUnfunded(id, 1, "nothing drawable");
        continue;
      }
      j.recordDrawIntent({ campaignId: id, sleeve: i % 2, amount: BigInt(i), drawnBefore: 0n });
      if (i % 3 !== 0) j.moveCapital(id, "drawn");
    }
    const all = j.capitalRecords();
    assert.equal(all.length, 40);
    for (const states of [
      ["drawn"],
      ["drawing", "drawn"],
      ["drawn", "drawing"],
      ["unfunded", "drawn", "drawn"],
      [],
    ] as const) {
      assert.deepEqual(
        j.capitalRecords(states),
        all.filter((r) => (states as readonly string[]).includes(r.state)),
        states.join(","),
      );
    }
  });

  it("beginRepayment_groupIsAtomic_receiptReferencedOnce_abortReturnsToDrawn", () => {
    const j = new Journal(":memory:");
    for (const id of ["0xa", "0xb"]) {
      j.recordDrawIntent({ campaignId: id, sleeve: 1, amount: 10n, drawnBefore: 0n });
      j.moveCapital(id, "drawn");
    }
    j.recordDrawIntent({ campaignId: "0xc", sleeve: 1, amount: 10n, drawnBefore: 0n }); // still drawing
    // One part not drawn: nothing of the group is written.
    assert.throws(() =>
      j.beginRepayment(7n, [
        { campaignId: "0xa", returned: 12n },
        { campaignId: "0xc", returned: 10n },
      ]),
    );
    assert.equal(j.getCapital("0xa")?.state, "drawn");
    j.beginRepayment(7n, [
      { campaignId: "0xa", returned: 12n },
      { campaignId: "0xb", returned: 10n },
    ]);
    assert.throws(() => j.beginRepayment(7n, []), /already referenced/);
    assert.deepEqual(
      j.repaymentParts(7n).map((p) => [p.state, p.returned]),
      [
        ["repaying", 12n],
        ["repaying", 10n],
      ],
    );
    j.abortRepayment(7n, "refused");
    assert.equal(j.getCapital("0xa")?.state, "drawn");
    assert.equal(j.getCapital("0xa")?.repayReceiptId, undefined);
    j.beginRepayment(8n, [{ campaignId: "0xa", returned: 12n }]);
    j.finishRepayment(8n, "repay 0xtx");
    assert.equal(j.getCapital("0xa")?.state, "repaid");
    assert.equal(j.getCapital("0xb")?.state, "drawn");
  });

  it("recordOrderIntent_sameClientOrderIdTwice_throws", () => {
    const j = new Journal(":memory:");
    j.recordOrderIntent(order("a-1"));
    assert.throws(() => j.recordOrderIntent(order("a-1")), JournalError);
    assert.equal(j.unsettledOrders().length, 1);
  });

  it("recordOrderIntent_hotPathWrite_unsyncedThenFullRestoredForEveryOtherWrite", () => {
    const dir = mkdtempSync(join(tmpdir(), "journal-sync-"));
    try {
      const j = new Journal(join(dir, "j.db"));
      assert.equal(j.synchronousLevel(), 2);
      j.recordOrderIntent(order("a-1"));
      assert.equal(j.synchronousLevel(), 2);
      assert.throws(() => j.recordOrderIntent(order("a-1")), JournalError);
      assert.equal(j.synchronousLevel(), 2, "FULL restored after a refused write too");
      j.updateOrder("a-1", "sent");
      assert.equal(j.synchronousLevel(), 2);
      j.close();
      // Committed without its own fsync, and still there when the file is opened again (WAL read back).
      const again = new Journal(join(dir, "j.db"));
      assert.equal(again.getOrder("a-1")?.state, "sent");
      again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("bootNonce_eachOpenDrawsANewOne", () => {
    const nonces = new Set(Array.from({ length: 20 }, () => new Journal(":memory:").bootNonce));
    assert.equal(nonces.size, 20);
    for (const n of nonces) assert.ok(Number.isSafeInteger(n) && n > 0);
  });

  it("updateOrder_terminalStateIsFinal", () => {
    const j = new Journal(":memory:");
    j.recordOrderIntent(order("a-1"));
    j.updateOrder("a-1", "sent");
    j.updateOrder("a-1", "filled", { exchangeOrderId: "77", filled: "1.5" });
    assert.deepEqual(j.unsettledOrders(), []);
    assert.throws(() => j.updateOrder("a-1", "cancelled"), /already filled/);
    assert.equal(j.getOrder("a-1")?.exchangeOrderId, "77");
  });

  it("receipts_signedThenPosted_andNeverTwicePerCampaignOrRoot", () => {
    const j = new Journal(":memory:");
    j.recordSignedReceipt({ campaignId: "0xc1", traceRoot: "0xr1", cid: "bafy1", payload: "{}" });
    assert.throws(() => j.recordSignedReceipt({ campaignId: "0xc1", traceRoot: "0xr2", cid: "b", payload: "{}" }));
    assert.throws(() => j.recordSignedReceipt({ campaignId: "0xc2", traceRoot: "0xr1", cid: "b", payload: "{}" }));
    assert.equal(j.unpostedReceipts().length, 1);
    j.markReceiptSubmitted("0xc1", "0xtx");
    j.markReceiptPosted("0xc1", "5");
    assert.deepEqual(j.unpostedReceipts(), []);
    assert.equal(j.getReceipt("0xc1")?.receiptId, "5");
    assert.throws(() => j.markReceiptSubmitted("0xc1", "0xtx2"), /already posted/);
  });

  it("markReceiptUnpostable_neverResubmitted_andJournalsBeforeTheStateOpenWithRowsKept", () => {
    const dir = mkdtempSync(join(tmpdir(), "journal-unpostable-"));
    try {
      const path = join(dir, "old.db");
      // A journal written before the `unpostable` state: the receipts table with the narrower CHECK.
      const old = new DatabaseSync(path);
      old.exec(`CREATE TABLE receipts (campaign_id TEXT PRIMARY KEY, trace_root TEXT NOT NULL UNIQUE, cid TEXT NOT NULL,
        payload TEXT NOT NULL, state TEXT NOT NULL CHECK (state IN ('signed','submitted','posted')), tx_hash TEXT,
        receipt_id TEXT, updated_at INTEGER NOT NULL)`);
      old.exec(`INSERT INTO receipts VALUES ('0xc1', '0xr1', 'bafy1', '{}', 'signed', NULL, NULL, 1)`);
      old.exec(`INSERT INTO receipts VALUES ('0xc2', '0xr2', 'bafy2', '{}', 'posted', '0xtx', '7', 2)`);
      old.close();
      const j = new Journal(path);
      assert.equal(j.getReceipt("0xc2")?.receiptId, "7");
      assert.equal(j.unpostedReceipts().length, 1);
      j.markReceiptUnpostable("0xc1");
      assert.equal(j.getReceipt("0xc1")?.state, "unpostable");
      assert.deepEqual(j.unpostedReceipts(), []);
      assert.throws(() => j.markReceiptUnpostable("0xc2"), /already posted/);
      assert.throws(() => j.recordSignedReceipt({ campaignId: "0xc3", traceRoot: "0xr1", cid: "b", payload: "{}" }));
      j.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("advanceCampaign_neverMovesBackwards", () => {
    const j = new Journal(":memory:");
    j.advanceCampaign("0xc1", "claimed");
    assert.throws(() => j.advanceCampaign("0xc1", "published"), /cannot go back/);
    j.advanceCampaign("0xc1", "settled");
    j.advanceCampaign("0xc1", "settled");
    assert.throws(() => j.advanceCampaign("0xc1", "abandoned"), /already settled/);
  });

  it("atomically_rollsBackOnError", () => {
    const j = new Journal(":memory:");
    assert.throws(() =>
      j.atomically(() => {
        j.recordOrderIntent(order("x"));
        throw new Error("boom");
      }),
    );
    assert.equal(j.getOrder("x"), undefined);
  });

  it("kill9_midWrites_everyAcknowledgedWriteSurvives", async () => {
    const dir = mkdtempSync(join(tmpdir(), "journal-"));
    const path = join(dir, "journal.db");
    for (let round = 0; round < 3; round++) {
      const child = spawn(
        process.execPath,
        ["--import", "tsx", "--no-warnings", join(import.meta.dirname, "journal.crash-writer.ts"), path, String(round)],
        {
          stdio: ["ignore", "pipe", "inherit"],
        },
      );
      const acked: string[] = [];
      const lines = createInterface({ input: child.stdout! });
      await new Promise<void>((resolve) => {
        lines.on("line", (line) => {
          acked.push(line);
          if (acked.length === 40 + round * 17) {
            child.kill("SIGKILL");
            resolve();
          }
        });
      });
      await new Promise((r) => child.on("exit", r));
      const j = new Journal(path);
      for (const id of acked) assert.ok(j.getOrder(id), `acknowledged order ${id} lost after kill -9`);
      j.close();
    }
  });
});

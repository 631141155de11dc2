import type { DatabaseSync, StatementSync } from "node:sqlite";
import { KeeperError } from "../errors.js";
import { inTransaction, openDurableDatabase } from "../node/sqlite.js";

/**
 * The auditor's crash-safe journal (`<dataDir>/audit.db`, SQLite WAL, `synchronous = FULL`), separate from the
 * keeper's journal so `keeper audit` can run beside `keeper run`. It holds:
 *
 * - every receipt seen (`ReceiptPosted`), with its audit status and findings;
 * - the execution ids of receipts whose document rebuilt their root (duplicate-execution checks);
 * - at most ONE challenge per receipt (primary key), written as `intent` BEFORE the transaction is sent: a restart
 *   reconciles an `intent` with the chain's `Challenged` events and never files a second challenge;
 * - the block cursor of the event follower.
 */

export type AuditStatus =
  /** Seen, not audited yet. */
  | "pending"
  /** The document checks out. */
  | "clean"
  /** A challengeable violation: a challenge is planned or filed. */
  | "violating"
  /** Reported, not challengeable (the document does not rebuild the receipt, or is not a trace). */
  | "unverifiable"
  /** The trace could not be fetched (absent, store down, bytes not matching the CID): retried until the window closes. */
  | "unreachable"
  /** Posted by this auditor's own keeper key: indexed, never challenged. */
  | "own"
  /** The challenge window closed before anything could be filed. */
  | "expired";

export type ChallengeState =
  /** Journalled; the transaction may or may not have been sent. */
  | "intent"
  /** On chain, dispute pending. */
  | "filed"
  | "upheld"
  | "rejected"
  /** Refused by the oracle (the evidence was already used by another challenger, window closed). */
  | "refused";

export interface AuditedReceipt {
  receiptId: bigint;
  keeper: string;
  campaignId: string;
  cid: string;
  traceRoot: string;
  postedAt: bigint;
  status: AuditStatus;
  findings: string | null;
  attempts: number;
  updatedAt: number;
}

export interface ChallengeRecord {
  receiptId: bigint;
  kind: "priceOutOfBound" | "duplicateExecution";
  /** The finding (JSON, bigints as strings). */
  evidence: string;
  bond: bigint;
  state: ChallengeState;
  disputeId: bigint | null;
  txHash: string | null;
  detail: string | null;
  updatedAt: number;
}

export class AuditJournalError extends KeeperError {
  override name = "AuditJournalError";
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS receipts (
  receipt_id INTEGER PRIMARY KEY,
  keeper TEXT NOT NULL,
  campaign_id TEXT NOT NULL,
  cid TEXT NOT NULL,
  trace_root TEXT NOT NULL,
  posted_at INTEGER NOT NULL,
  status TEXT NOT NULL,
  findings TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS receipts_by_status ON receipts(status);
CREATE TABLE IF NOT EXISTS executions (
  execution_id TEXT NOT NULL,
  receipt_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (execution_id, receipt_id)
);
CREATE TABLE IF NOT EXISTS challenges (
  receipt_id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  evidence TEXT NOT NULL,
  bond TEXT NOT NULL,
  state TEXT NOT NULL,
  dispute_id TEXT,
  tx_hash TEXT,
  detail TEXT,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

interface ReceiptRow {
  receipt_id: number;
  keeper: string;
  campaign_id: string;
  cid: string;
  trace_root: string;
  posted_at: number;
  status: AuditStatus;
  findings: string | null;
  attempts: number;
  updated_at: number;
}

interface ChallengeRow {
  receipt_id: number;
  kind: ChallengeRecord["kind"];
  evidence: string;
  bond: string;
  state: ChallengeState;
  dispute_id: string | null;
  tx_hash: string | null;
  detail: string | null;
  updated_at: number;
}

const toReceipt = (r: ReceiptRow): AuditedReceipt => ({
  receiptId: BigInt(r.receipt_id),
  keeper: r.keeper,
  campaignId: r.campaign_id,
  cid: r.cid,
  traceRoot: r.trace_root,
  postedAt: BigInt(r.posted_at),
  status: r.status,
  findings: r.findings,
  attempts: r.attempts,
  updatedAt: r.updated_at,
});

const toChallenge = (r: ChallengeRow): ChallengeRecord => ({
  receiptId: BigInt(r.receipt_id),
  kind: r.kind,
  evidence: r.evidence,
  bond: BigInt(r.bond),
  state: r.state,
  disputeId: r.dispute_id === null ? null : BigInt(r.dispute_id),
  txHash: r.tx_hash,
  detail: r.detail,
  updatedAt: r.updated_at,
});

/** Receipt ids are sequential from 1; SQLite integers hold them exactly below 2^53. */
function id(n: bigint): number {
  if (n < 0n || n > BigInt(Number.MAX_SAFE_INTEGER)) throw new AuditJournalError(`receipt id out of range: ${n}`);
  return Number(n);
}

export class AuditJournal {
  private readonly db: DatabaseSync;
  private readonly stmts: Record<string, StatementSync>;

  constructor(
    path: string,
    private readonly now: () => number = Date.now,
  ) {
    this.db = openDurableDatabase(path, SCHEMA);
    this.stmts = {
      insertReceipt: this.db.prepare(
        `INSERT INTO receipts (receipt_id, keeper, campaign_id, cid, trace_root, posted_at, status, findings, attempts,
           updated_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', NULL, 0, ?) ON CONFLICT(receipt_id) DO NOTHING`,
      ),
      getReceipt: this.db.prepare(`SELECT * FROM receipts WHERE receipt_id = ?`),
      setStatus: this.db.prepare(
        `UPDATE receipts SET status = ?, findings = COALESCE(?, findings), attempts = attempts + ?, updated_at = ?
         WHERE receipt_id = ?`,
      ),
      byStatus: this.db.prepare(`SELECT * FROM receipts WHERE status = ? ORDER BY receipt_id`),
      countByStatus: this.db.prepare(`SELECT status, COUNT(*) AS n FROM receipts GROUP BY status`),
      insertExecution: this.db.prepare(
        `INSERT INTO executions (execution_id, receipt_id, seq) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
      ),
      firstExecution: this.db.prepare(
        `SELECT receipt_id, seq FROM executions WHERE execution_id = ? ORDER BY receipt_id LIMIT 1`,
      ),
      insertChallenge: this.db.prepare(
        `INSERT INTO challenges (receipt_id, kind, evidence, bond, state, dispute_id, tx_hash, detail, updated_at)
         VALUES (?, ?, ?, ?, 'intent', NULL, NULL, NULL, ?)`,
      ),
      getChallenge: this.db.prepare(`SELECT * FROM challenges WHERE receipt_id = ?`),
      updateChallenge: this.db.prepare(
        `UPDATE challenges SET state = ?, dispute_id = COALESCE(?, dispute_id), tx_hash = COALESCE(?, tx_hash),
           detail = COALESCE(?, detail), updated_at = ? WHERE receipt_id = ?`,
      ),
      challengesByState: this.db.prepare(`SELECT * FROM challenges WHERE state = ? ORDER BY receipt_id`),
      allChallenges: this.db.prepare(`SELECT * FROM challenges ORDER BY receipt_id`),
      lockedBond: this.db.prepare(`SELECT bond FROM challenges WHERE state IN ('intent','filed')`),
      getKv: this.db.prepare(`SELECT value FROM kv WHERE key = ?`),
      setKv: this.db.prepare(
        `INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
      ),
    };
  }

  close(): void {
    this.db.close();
  }

  // ---------------------------------------------------------------- receipts

  /** Records a receipt seen on chain (idempotent: a receipt seen again keeps its status). */
  noteReceipt(r: Omit<AuditedReceipt, "status" | "findings" | "attempts" | "updatedAt">): void {
    this.stmts.insertReceipt!.run(
      id(r.receiptId),
      r.keeper,
      r.campaignId,
      r.cid,
      r.traceRoot,
      Number(r.postedAt),
      this.now(),
    );
  }

  getReceipt(receiptId: bigint): AuditedReceipt | undefined {
    const row = this.stmts.getReceipt!.get(id(receiptId)) as ReceiptRow | undefined;
    return row && toReceipt(row);
  }

  /** Moves a receipt to `status`; `attempt` counts one more fetch attempt. */
  setStatus(receiptId: bigint, status: AuditStatus, findings?: string, attempt = false): void {
    this.stmts.setStatus!.run(status, findings ?? null, attempt ? 1 : 0, this.now(), id(receiptId));
  }

  receiptsWithStatus(status: AuditStatus): AuditedReceipt[] {
    return (this.stmts.byStatus!.all(status) as unknown as ReceiptRow[]).map(toReceipt);
  }

  /** How many receipts are in each status. */
  statusCounts(): Partial<Record<AuditStatus, number>> {
    const rows = this.stmts.countByStatus!.all() as unknown as { status: AuditStatus; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  // ---------------------------------------------------------------- executions

  /** Indexes a receipt's execution ids (only receipts whose document rebuilt their root). */
  indexExecutions(receiptId: bigint, executionIds: readonly string[]): void {
    this.atomically(() => {
      executionIds.forEach((e, seq) => this.stmts.insertExecution!.run(e.toLowerCase(), id(receiptId), seq));
    });
  }

  /** The earliest receipt (and leaf) that claimed `executionId`. */
  firstSighting(executionId: string): { receiptId: bigint; seq: number } | undefined {
    const row = this.stmts.firstExecution!.get(executionId.toLowerCase()) as
      { receipt_id: number; seq: number } | undefined;
    return row && { receiptId: BigInt(row.receipt_id), seq: row.seq };
  }

  // ---------------------------------------------------------------- challenges

  /**
   * Journals the intent to challenge `receiptId` BEFORE anything is sent. One challenge per receipt: a second
   * intent throws.
   */
  recordChallengeIntent(c: { receiptId: bigint; kind: ChallengeRecord["kind"]; evidence: string; bond: bigint }): void {
    try {
      this.stmts.insertChallenge!.run(id(c.receiptId), c.kind, c.evidence, c.bond.toString(), this.now());
    } catch (err) {
      throw new AuditJournalError(`receipt ${c.receiptId} already has a challenge`, { cause: err });
    }
  }

  getChallenge(receiptId: bigint): ChallengeRecord | undefined {
    const row = this.stmts.getChallenge!.get(id(receiptId)) as ChallengeRow | undefined;
    return row && toChallenge(row);
  }

  updateChallenge(
    receiptId: bigint,
    state: ChallengeState,
    more: { disputeId?: bigint; txHash?: string; detail?: string } = {},
  ): void {
    this.stmts.updateChallenge!.run(
      state,
      more.disputeId === undefined ? null : more.disputeId.toString(),
      more.txHash ?? null,
      more.detail ?? null,
      this.now(),
      id(receiptId),
    );
  }

  challengesInState(state: ChallengeState): ChallengeRecord[] {
    return (this.stmts.challengesByState!.all(state) as unknown as ChallengeRow[]).map(toChallenge);
  }

  challenges(): ChallengeRecord[] {
    return (this.stmts.allChallenges!.all() as unknown as ChallengeRow[]).map(toChallenge);
  }

  /** Bond of challenges journalled or pending on chain (what the budget guard counts). */
  lockedBond(): bigint {
    return (this.stmts.lockedBond!.all() as unknown as { bond: string }[]).reduce((s, r) => s + BigInt(r.bond), 0n);
  }

  // ---------------------------------------------------------------- cursor

  getCursor(key: string): string | undefined {
    return (this.stmts.getKv!.get(key) as { value: string } | undefined)?.value;
  }

  setCursor(key: string, value: string): void {
    this.stmts.setKv!.run(key, value);
  }

  atomically<T>(fn: () => T): T {
    return inTransaction(this.db, fn);
  }
}

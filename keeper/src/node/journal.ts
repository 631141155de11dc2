import type { DatabaseSync, StatementSync } from "node:sqlite";
import { KeeperError } from "../errors.js";
import { randomInt } from "node:crypto";
import { inTransaction, openDurableDatabase } from "./sqlite.js";

/**
 * The keeper's crash-safe journal (SQLite in WAL mode). Every write survives `kill -9` (a committed WAL frame is in
 * the OS's page cache, which a process crash does not lose). Writes beside a chain transaction (campaign progress,
 * capital, receipts, cursors) are `synchronous = FULL` (fsynced: they survive power loss too); order writes, on the
 * hot path between a decision and its first order, are `synchronous = NORMAL` (no fsync of their own: they become
 * durable against power loss at the next FULL write, which fsyncs the WAL up to there). Client order ids stay
 * unique across a power loss by construction, not by the journal: see `bootNonce` and docs/SPECIFICATION.md
 * "Keeper node / Journal durability". Rules that make a restart safe:
 *
 * - An order is journalled as an `intent` with its idempotent client order id BEFORE it is sent. After a
 *   crash, every order still `intent`/`sent` is reconciled by asking the venue for that client order id;
 *   it is never re-sent under a new id, so an order is never sent twice.
 * - A receipt is journalled as `signed` (with its full payload and signature) BEFORE it is submitted, and
 *   marked `posted` with its on-chain id once mined. A restart re-submits `signed`/`submitted` receipts;
 *   the registry rejects duplicates, so a receipt is neither lost nor posted twice.
 * - Campaign progress moves forward only (`CAMPAIGN_ORDER`); a stale writer cannot move it back.
 * - Vault capital: a draw is journalled `drawing` (with the vault's debt read just before) and a repayment `repaying`
 *   (its receipt and parts, in one transaction) BEFORE they are sent; states only move along `CAPITAL_MOVES`.
 */

export type OrderState =
  "intent" | "sent" | "open" | "partiallyFilled" | "filled" | "cancelled" | "rejected" | "notFound";

export const TERMINAL_ORDER_STATES: ReadonlySet<OrderState> = new Set(["filled", "cancelled", "rejected", "notFound"]);

export interface OrderRecord {
  clientOrderId: string;
  campaignId: string;
  venue: string;
  pair: string;
  side: "buy" | "sell";
  amount: string;
  limitPrice: string;
  state: OrderState;
  exchangeOrderId: string | null;
  filled: string;
  createdAt: number;
  updatedAt: number;
}

/** `unpostable`: sealed, but its campaign lost this keeper's claim before it was posted; never sent. */
export type ReceiptState = "signed" | "submitted" | "posted" | "unpostable";

export interface ReceiptRecord {
  campaignId: string;
  traceRoot: string;
  cid: string;
  /** The signed receipt as JSON (typed-data values and signature), enough to re-submit it. */
  payload: string;
  state: ReceiptState;
  txHash: string | null;
  receiptId: string | null;
  updatedAt: number;
}

export const CAMPAIGN_ORDER = ["detected", "published", "claimed", "executing", "executed", "settled"] as const;
export type CampaignProgress = (typeof CAMPAIGN_ORDER)[number] | "abandoned";

export interface CampaignRecord {
  campaignId: string;
  progress: CampaignProgress;
  detail: string | undefined;
  updatedAt: number;
}

interface CampaignRow {
  campaign_id: string;
  progress: CampaignProgress;
  detail: string | null;
  updated_at: number;
}

const toCampaign = (r: CampaignRow): CampaignRecord => ({
  campaignId: r.campaign_id,
  progress: r.progress,
  detail: r.detail ?? undefined,
  updatedAt: r.updated_at,
});

/**
 * Vault capital of one campaign: `drawing` (intent journalled, draw maybe sent) -> `drawn` | `unfunded` (no draw
 * landed); `drawn` -> `repaying` (repayment journalled, maybe sent) -> `repaid`, or back to `drawn` when the vault
 * refused it before it was sent. Amounts in deposit-asset base units.
 */
export type CapitalState = "drawing" | "drawn" | "unfunded" | "repaying" | "repaid";

const CAPITAL_MOVES: Record<CapitalState, readonly CapitalState[]> = {
  drawing: ["drawn", "unfunded"],
  drawn: ["repaying"],
  repaying: ["repaid", "drawn"],
  unfunded: [],
  repaid: [],
};

export interface CapitalRecord {
  campaignId: string;
  sleeve: number;
  /** Principal drawn for the campaign (0 when unfunded). */
  amount: bigint;
  state: CapitalState;
  /** `keeperDrawn(sleeve)` read just before the draw was sent (or, once returning, before the receipt-less return). */
  drawnBefore: bigint | undefined;
  /** The receipt the campaign's execution posted. */
  receiptId: bigint | undefined;
  /** The receipt the repayment returning this capital references (the campaign's own, or a later one). */
  repayReceiptId: bigint | undefined;
  /** This campaign's part of what the repayment returns. */
  returned: bigint | undefined;
  detail: string | undefined;
  createdAt: number;
  updatedAt: number;
}

interface CapitalRow {
  campaign_id: string;
  sleeve: number;
  amount: string;
  state: CapitalState;
  drawn_before: string | null;
  receipt_id: string | null;
  repay_receipt_id: string | null;
  returned: string | null;
  detail: string | null;
  created_at: number;
  updated_at: number;
}

const big = (v: string | null) => (v === null ? undefined : BigInt(v));
const toCapital = (r: CapitalRow): CapitalRecord => ({
  campaignId: r.campaign_id,
  sleeve: Number(r.sleeve),
  amount: BigInt(r.amount),
  state: r.state,
  drawnBefore: big(r.drawn_before),
  receiptId: big(r.receipt_id),
  repayReceiptId: big(r.repay_receipt_id),
  returned: big(r.returned),
  detail: r.detail ?? undefined,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export class JournalError extends KeeperError {
  override name = "JournalError";
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS orders (
  client_order_id TEXT PRIMARY KEY,
  campaign_id TEXT NOT NULL,
  venue TEXT NOT NULL,
  pair TEXT NOT NULL,
  side TEXT NOT NULL CHECK (side IN ('buy','sell')),
  amount TEXT NOT NULL,
  limit_price TEXT NOT NULL,
  state TEXT NOT NULL,
  exchange_order_id TEXT,
  filled TEXT NOT NULL DEFAULT '0',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_by_state ON orders(state);
CREATE TABLE IF NOT EXISTS receipts (
  campaign_id TEXT PRIMARY KEY,
  trace_root TEXT NOT NULL UNIQUE,
  cid TEXT NOT NULL,
  payload TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('signed','submitted','posted','unpostable')),
  tx_hash TEXT,
  receipt_id TEXT,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS campaigns (
  campaign_id TEXT PRIMARY KEY,
  progress TEXT NOT NULL,
  detail TEXT,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS capital (
  campaign_id TEXT PRIMARY KEY,
  sleeve INTEGER NOT NULL,
  amount TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('drawing','drawn','unfunded','repaying','repaid')),
  drawn_before TEXT,
  receipt_id TEXT,
  repay_receipt_id TEXT,
  returned TEXT,
  detail TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS capital_by_state ON capital(state);
`;

interface OrderRow {
  client_order_id: string;
  campaign_id: string;
  venue: string;
  pair: string;
  side: "buy" | "sell";
  amount: string;
  limit_price: string;
  state: OrderState;
  exchange_order_id: string | null;
  filled: string;
  created_at: number;
  updated_at: number;
}

interface ReceiptRow {
  campaign_id: string;
  trace_root: string;
  cid: string;
  payload: string;
  state: ReceiptState;
  tx_hash: string | null;
  receipt_id: string | null;
  updated_at: number;
}

function toOrder(r: OrderRow): OrderRecord {
  return {
    clientOrderId: r.client_order_id,
    campaignId: r.campaign_id,
    venue: r.venue,
    pair: r.pair,
    side: r.side,
    amount: r.amount,
    limitPrice: r.limit_price,
    state: r.state,
    exchangeOrderId: r.exchange_order_id,
    filled: r.filled,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toReceipt(r: ReceiptRow): ReceiptRecord {
  return {
    campaignId: r.campaign_id,
    traceRoot: r.trace_root,
    cid: r.cid,
    payload: r.payload,
    state: r.state,
    txHash: r.tx_hash,
    receiptId: r.receipt_id,
    updatedAt: r.updated_at,
  };
}

export class Journal {
  private readonly db: DatabaseSync;
  private readonly stmts: Record<string, StatementSync>;
  /** `capitalRecords` statements by their sorted state list. */
  private readonly capitalByStates = new Map<string, StatementSync>();
  /**
   * A random number drawn when this journal is opened (once per process start): run ids and so client order ids of the
   * runs this process starts include it, so they never repeat those of an earlier process, even when a power loss took
   * that process's last (unfsynced) order intents with it. 40 random bits: two boots collide with probability 2^-40.
   */
  readonly bootNonce: number = randomInt(1, 2 ** 40);

  /** Opens (creating if needed) the journal at `path`; `:memory:` for tests. `now` gives unix ms. */
  constructor(
    path: string,
    private readonly now: () => number = Date.now,
  ) {
    this.db = openDurableDatabase(path, SCHEMA);
    allowUnpostableReceipts(this.db);
    this.stmts = {
      insertOrder: this.db.prepare(
        `INSERT INTO orders (client_order_id, campaign_id, venue, pair, side, amount, limit_price, state,
           exchange_order_id, filled, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'intent', NULL, '0', ?, ?)`,
      ),
      getOrder: this.db.prepare(`SELECT * FROM orders WHERE client_order_id = ?`),
      updateOrder: this.db.prepare(
        `UPDATE orders SET state = ?, exchange_order_id = COALESCE(?, exchange_order_id), filled = ?, updated_at = ?
         WHERE client_order_id = ?`,
      ),
      unsettledOrders: this.db.prepare(
        `SELECT * FROM orders WHERE state NOT IN ('filled','cancelled','rejected','notFound') ORDER BY created_at`,
      ),
      ordersOfCampaign: this.db.prepare(`SELECT * FROM orders WHERE campaign_id = ? ORDER BY created_at`),
      insertReceipt: this.db.prepare(
        `INSERT INTO receipts (campaign_id, trace_root, cid, payload, state, tx_hash, receipt_id, updated_at)
         VALUES (?, ?, ?, ?, 'signed', NULL, NULL, ?)`,
      ),
      getReceipt: this.db.prepare(`SELECT * FROM receipts WHERE campaign_id = ?`),
      updateReceipt: this.db.prepare(
        `UPDATE receipts SET state = ?, tx_hash = COALESCE(?, tx_hash), receipt_id = COALESCE(?, receipt_id),
           updated_at = ? WHERE campaign_id = ?`,
      ),
      unpostedReceipts: this.db.prepare(
        `SELECT * FROM receipts WHERE state NOT IN ('posted','unpostable') ORDER BY updated_at`,
      ),
      allReceipts: this.db.prepare(`SELECT * FROM receipts ORDER BY updated_at`),
      getCampaign: this.db.prepare(`SELECT progress FROM campaigns WHERE campaign_id = ?`),
      getCampaignRow: this.db.prepare(`SELECT * FROM campaigns WHERE campaign_id = ?`),
      unfinishedCampaigns: this.db.prepare(
        `SELECT * FROM campaigns WHERE progress NOT IN ('settled','abandoned') ORDER BY updated_at`,
      ),
      upsertCampaign: this.db.prepare(
        `INSERT INTO campaigns (campaign_id, progress, detail, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(campaign_id) DO UPDATE SET progress = excluded.progress, detail = excluded.detail,
           updated_at = excluded.updated_at`,
      ),
      getKv: this.db.prepare(`SELECT value FROM kv WHERE key = ?`),
      insertCapital: this.db.prepare(
        `INSERT INTO capital (campaign_id, sleeve, amount, state, drawn_before, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      updateCapital: this.db.prepare(
        `UPDATE capital SET state = ?, detail = COALESCE(?, detail), updated_at = ? WHERE campaign_id = ?`,
      ),
      setDrawnBefore: this.db.prepare(`UPDATE capital SET drawn_before = ?, updated_at = ? WHERE campaign_id = ?`),
      setCapitalReceipt: this.db.prepare(`UPDATE capital SET receipt_id = ?, updated_at = ? WHERE campaign_id = ?`),
      beginRepayment: this.db.prepare(
        `UPDATE capital SET state = 'repaying', repay_receipt_id = ?, returned = ?, updated_at = ? WHERE campaign_id = ?`,
      ),
      abortRepayment: this.db.prepare(
        `UPDATE capital SET state = 'drawn', repay_receipt_id = NULL, returned = NULL, detail = ?, updated_at = ?
         WHERE campaign_id = ?`,
      ),
      repaymentParts: this.db.prepare(`SELECT * FROM capital WHERE repay_receipt_id = ? ORDER BY created_at`),
      getCapital: this.db.prepare(`SELECT * FROM capital WHERE campaign_id = ?`),
      allCapital: this.db.prepare(`SELECT * FROM capital ORDER BY created_at, campaign_id`),
      setKv: this.db.prepare(
        `INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
      ),
    };
  }

  close(): void {
    this.db.close();
  }

  // ---------------------------------------------------------------- orders

  /**
   * Records the intent to send an order. Must be called (and return) before the order is sent.
   * A client order id is used once: recording it again throws, so a retry cannot mint a second order.
   */
  recordOrderIntent(o: Omit<OrderRecord, "state" | "exchangeOrderId" | "filled" | "createdAt" | "updatedAt">): void {
    const t = this.now();
    try {
      this.unsynced(() =>
        this.stmts.insertOrder!.run(
          o.clientOrderId,
          o.campaignId,
          o.venue,
          o.pair,
          o.side,
          o.amount,
          o.limitPrice,
          t,
          t,
        ),
      );
    } catch (err) {
      throw new JournalError(`order ${o.clientOrderId} is already journalled`, { cause: err });
    }
  }

  /** Moves an order to a new state; terminal states are final. */
  updateOrder(
    clientOrderId: string,
    state: OrderState,
    update: { exchangeOrderId?: string; filled?: string } = {},
  ): void {
    const current = this.getOrder(clientOrderId);
    if (!current) throw new JournalError(`unknown order ${clientOrderId}`);
    if (TERMINAL_ORDER_STATES.has(current.state) && current.state !== state && !this.canSupersede(current.state)) {
      throw new JournalError(`order ${clientOrderId} is already ${current.state}; cannot become ${state}`);
    }
    this.unsynced(() =>
      this.stmts.updateOrder!.run(
        state,
        update.exchangeOrderId ?? null,
        update.filled ?? current.filled,
        this.now(),
        clientOrderId,
      ),
    );
  }

  /** The connection's `synchronous` setting now (2: FULL, 1: NORMAL). */
  synchronousLevel(): number {
    return Number((this.db.prepare("PRAGMA synchronous").get() as { synchronous: number }).synchronous);
  }

  /**
   * Runs one write with `synchronous = NORMAL` (no fsync: it survives a process crash, and power loss once the next
   * FULL write has fsynced the WAL), then restores FULL for every other write.
   */
  private unsynced<T>(write: () => T): T {
    this.db.exec("PRAGMA synchronous = NORMAL");
    try {
      return write();
    } finally {
      this.db.exec("PRAGMA synchronous = FULL");
    }
  }

  /**
   * `notFound` and `rejected` say what the venue answered then; an order with the same client order id that the
   * venue reports later (a placement that landed after all, a re-send) supersedes them.
   */
  canSupersede(state: OrderState): boolean {
    return state === "notFound" || state === "rejected";
  }

  getOrder(clientOrderId: string): OrderRecord | undefined {
    const row = this.stmts.getOrder!.get(clientOrderId) as OrderRow | undefined;
    return row ? toOrder(row) : undefined;
  }

  /** Orders whose outcome is not known yet: reconcile these with their venue after a restart. */
  unsettledOrders(): OrderRecord[] {
    return (this.stmts.unsettledOrders!.all() as unknown as OrderRow[]).map(toOrder);
  }

  ordersOfCampaign(campaignId: string): OrderRecord[] {
    return (this.stmts.ordersOfCampaign!.all(campaignId) as unknown as OrderRow[]).map(toOrder);
  }

  // ---------------------------------------------------------------- receipts

  /** Records a signed receipt before it is submitted. One receipt per campaign and per trace root. */
  recordSignedReceipt(r: { campaignId: string; traceRoot: string; cid: string; payload: string }): void {
    try {
      this.stmts.insertReceipt!.run(r.campaignId, r.traceRoot, r.cid, r.payload, this.now());
    } catch (err) {
      throw new JournalError(`a receipt for campaign ${r.campaignId} (or root ${r.traceRoot}) is already journalled`, {
        cause: err,
      });
    }
  }

  markReceiptSubmitted(campaignId: string, txHash: string): void {
    this.moveReceipt(campaignId, "submitted", txHash, null);
  }

  markReceiptPosted(campaignId: string, receiptId: string, txHash?: string): void {
    this.moveReceipt(campaignId, "posted", txHash ?? null, receiptId);
  }

  /** The receipt can never be posted (its campaign's claim lapsed first): it is never sent, nor re-submitted. */
  markReceiptUnpostable(campaignId: string): void {
    this.moveReceipt(campaignId, "unpostable", null, null);
  }

  private moveReceipt(campaignId: string, state: ReceiptState, txHash: string | null, receiptId: string | null): void {
    const current = this.getReceipt(campaignId);
    if (!current) throw new JournalError(`unknown receipt for campaign ${campaignId}`);
    if (current.state === "posted" && state !== "posted") {
      throw new JournalError(`receipt of campaign ${campaignId} is already posted`);
    }
    this.stmts.updateReceipt!.run(state, txHash, receiptId, this.now(), campaignId);
  }

  getReceipt(campaignId: string): ReceiptRecord | undefined {
    const row = this.stmts.getReceipt!.get(campaignId) as ReceiptRow | undefined;
    return row ? toReceipt(row) : undefined;
  }

  /** Receipts signed but not yet known to be on-chain (nor unpostable): re-submit these after a restart. */
  unpostedReceipts(): ReceiptRecord[] {
    return (this.stmts.unpostedReceipts!.all() as unknown as ReceiptRow[]).map(toReceipt);
  }

  receipts(): ReceiptRecord[] {
    return (this.stmts.allReceipts!.all() as unknown as ReceiptRow[]).map(toReceipt);
  }

  // ---------------------------------------------------------------- campaigns and cursors

  campaignProgress(campaignId: string): CampaignProgress | undefined {
    const row = this.stmts.getCampaign!.get(campaignId) as { progress: CampaignProgress } | undefined;
    return row?.progress;
  }

  /** A campaign's progress with its last detail (the receipt id once executed, the reason once abandoned). */
  getCampaign(campaignId: string): CampaignRecord | undefined {
    const row = this.stmts.getCampaignRow!.get(campaignId) as CampaignRow | undefined;
    return row ? toCampaign(row) : undefined;
  }

  /** Campaigns neither settled nor abandoned, oldest first: what a restart resumes. */
  unfinishedCampaigns(): CampaignRecord[] {
    return (this.stmts.unfinishedCampaigns!.all() as unknown as CampaignRow[]).map(toCampaign);
  }

  /**
   * Advances a campaign's progress. Moving backwards (or out of `settled`/`abandoned`) throws, so two
   * writers racing on one campaign cannot undo each other's progress.
   */
  advanceCampaign(campaignId: string, progress: CampaignProgress, detail?: string): void {
    const current = this.campaignProgress(campaignId);
    if (current === "settled" || current === "abandoned") {
      if (current === progress) return;
      throw new JournalError(`campaign ${campaignId} is already ${current}`);
    }
    if (current && progress !== "abandoned") {
      const from = CAMPAIGN_ORDER.indexOf(current);
      const to = CAMPAIGN_ORDER.indexOf(progress);
      if (to < from) throw new JournalError(`campaign ${campaignId} cannot go back from ${current} to ${progress}`);
    }
    this.stmts.upsertCampaign!.run(campaignId, progress, detail ?? null, this.now());
  }

  getCursor(key: string): string | undefined {
    const row = this.stmts.getKv!.get(key) as { value: string } | undefined;
    return row?.value;
  }

  setCursor(key: string, value: string): void {
    this.stmts.setKv!.run(key, value);
  }

  // ---------------------------------------------------------------- capital (vault draws and repayments)
  /**
   * Journals the intent to draw `amount` for a campaign, with what the vault said the keeper owed the sleeve just
   * before (`drawnBefore`): a restart that finds the intent compares it with the vault to learn whether the draw
   * landed. Must be called (and return) before the draw is sent; a campaign draws at most once (a second intent throws).
   */
  recordDrawIntent(r: { campaignId: string; sleeve: number; amount: bigint; drawnBefore: bigint }): void {
    const t = this.now();
    try {
      this.stmts.insertCapital!.run(
        r.campaignId,
        r.sleeve,
        r.amount.toString(),
        "drawing",
        r.drawnBefore.toString(),
        t,
        t,
      );
    } catch (err) {
      throw new JournalError(`capital of campaign ${r.campaignId} is already journalled`, { cause: err });
    }
  }

  /** Journals that a campaign runs without vault capital (nothing drawable, or the vault refused the draw). */
  recordUnfunded(campaignId: string, sleeve: number, detail: string): void {
    const current = this.getCapital(campaignId);
    if (current) {
      this.moveCapital(campaignId, "unfunded", { detail });
      return;
    }
    const t = this.now();
    this.stmts.insertCapital!.run(campaignId, sleeve, "0", "unfunded", null, t, t);
    this.stmts.updateCapital!.run("unfunded", detail, t, campaignId);
  }

  /** Moves a campaign's capital along `drawing -> drawn | unfunded`, `drawn -> repaying -> repaid | drawn`. */
  moveCapital(campaignId: string, to: CapitalState, opts: { detail?: string } = {}): void {
    const current = this.getCapital(campaignId);
    if (!current) throw new JournalError(`no capital journalled for campaign ${campaignId}`);
    if (current.state === to) return;
    if (!CAPITAL_MOVES[current.state].includes(to)) {
      throw new JournalError(`capital of campaign ${campaignId} cannot go from ${current.state} to ${to}`);
    }
    this.stmts.updateCapital!.run(to, opts.detail ?? null, this.now(), campaignId);
  }

  /** The receipt a funded campaign's execution posted (its repayment references it). */
  setCapitalReceipt(campaignId: string, receiptId: bigint): void {
    this.stmts.setCapitalReceipt!.run(receiptId.toString(), this.now(), campaignId);
  }

  /**
   * Journals, in one transaction, a repayment referencing receipt `receiptId` that returns the capital of every
   * campaign in `parts` (each `drawn`, `returned` = its share of what goes back). Called before `repay` is sent; a
   * receipt is referenced by one repayment only (the vault refuses a second use).
   */
  beginRepayment(receiptId: bigint, parts: readonly { campaignId: string; returned: bigint }[]): void {
    this.atomically(() => {
      if (this.repaymentParts(receiptId).length > 0) {
        throw new JournalError(`receipt ${receiptId} is already referenced by a repayment`);
      }
      for (const p of parts) {
        const current = this.getCapital(p.campaignId);
        if (current?.state !== "drawn") {
          throw new JournalError(`capital of campaign ${p.campaignId} is ${current?.state ?? "unknown"}, not drawn`);
        }
        this.stmts.beginRepayment!.run(receiptId.toString(), p.returned.toString(), this.now(), p.campaignId);
      }
    });
  }

  /** The campaigns whose capital the repayment referencing `receiptId` returns (any state). */
  repaymentParts(receiptId: bigint): CapitalRecord[] {
    return (this.stmts.repaymentParts!.all(receiptId.toString()) as unknown as CapitalRow[]).map(toCapital);
  }

  /**
   * Journals, before it is sent, a receipt-less return of a campaign's unused capital (`repay` with receipt id
   * `NO_RECEIPT`, principal only), with what the keeper owed the sleeve just before: a restart learns whether it
   * landed by comparing that with the vault (the receipt id cannot tell: every such return cites 0).
   */
  beginReturn(campaignId: string, keeperDrawnBefore: bigint): void {
    this.atomically(() => {
      const current = this.getCapital(campaignId);
      if (current?.state !== "drawn") {
        throw new JournalError(`capital of campaign ${campaignId} is ${current?.state ?? "unknown"}, not drawn`);
      }
      this.stmts.beginRepayment!.run("0", current.amount.toString(), this.now(), campaignId);
      this.stmts.setDrawnBefore!.run(keeperDrawnBefore.toString(), this.now(), campaignId);
    });
  }

  /** A receipt-less return was refused before it was sent: the campaign's capital is `drawn` again. */
  abortReturn(campaignId: string, detail: string): void {
    if (this.getCapital(campaignId)?.state === "repaying")
      this.stmts.abortRepayment!.run(detail, this.now(), campaignId);
  }

  /** The repayment referencing `receiptId` landed: its campaigns' capital is `repaid`. */
  finishRepayment(receiptId: bigint, detail: string): void {
    this.atomically(() => {
      for (const p of this.repaymentParts(receiptId)) this.moveCapital(p.campaignId, "repaid", { detail });
    });
  }

  /** The repayment referencing `receiptId` was refused before it was sent: its campaigns are `drawn` again. */
  abortRepayment(receiptId: bigint, detail: string): void {
    this.atomically(() => {
      for (const p of this.repaymentParts(receiptId)) {
        if (p.state !== "repaying") continue;
        this.stmts.abortRepayment!.run(detail, this.now(), p.campaignId);
      }
    });
  }

  getCapital(campaignId: string): CapitalRecord | undefined {
    const row = this.stmts.getCapital!.get(campaignId) as CapitalRow | undefined;
    return row ? toCapital(row) : undefined;
  }

  /**
   * Capital records in `states` (all when omitted), oldest first. With `states` only those rows are read (the
   * `capital_by_state` index): the capital flow asks for its open records several times a run, and a keeper's history
   * of repaid campaigns grows without bound.
   */
  capitalRecords(states?: readonly CapitalState[]): CapitalRecord[] {
    if (!states) return (this.stmts.allCapital!.all() as unknown as CapitalRow[]).map(toCapital);
    if (states.length === 0) return [];
    const key = [...new Set(states)].sort().join(",");
    let stmt = this.capitalByStates.get(key);
    if (!stmt) {
      const list = key.split(",");
      stmt = this.db.prepare(
        `SELECT * FROM capital WHERE state IN (${list.map(() => "?").join(", ")}) ORDER BY created_at, campaign_id`,
      );
      this.capitalByStates.set(key, stmt);
    }
    return (stmt.all(...key.split(",")) as unknown as CapitalRow[]).map(toCapital);
  }

  /** Runs `fn` in one transaction: all of its writes land, or none. */
  atomically<T>(fn: () => T): T {
    return inTransaction(this.db, fn);
  }
}

/**
 * Journals created before the `unpostable` receipt state: the receipts table is rebuilt with the wider CHECK (SQLite
 * cannot alter a constraint), rows unchanged, in one transaction.
 */
function allowUnpostableReceipts(db: DatabaseSync): void {
  const row = db.prepare(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'receipts'`).get() as
    { sql: string } | undefined;
  if (!row || row.sql.includes("'unpostable'")) return;
  inTransaction(db, () => {
    db.exec(`ALTER TABLE receipts RENAME TO receipts_before_unpostable`);
    db.exec(SCHEMA);
    db.exec(`INSERT INTO receipts SELECT * FROM receipts_before_unpostable`);
    db.exec(`DROP TABLE receipts_before_unpostable`);
  });
}

import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { formatUnits } from "ethers";
import type { CampaignJob } from "../campaign/dispatcher.js";
import type { ReceiptPoster } from "../chain/adapter.js";
import type { Order, Venue } from "../execution/venue.js";
import { ChainRevertError } from "../chain/errors.js";
import type { EvmChainAdapter } from "../chain/evm.js";
import { ReceiptClaimNotLiveError, RecordingError } from "./errors.js";
import { postSealedReceipt } from "./post.js";
import { receiptDomain } from "./receipt.js";
import { loadSealedReceipt, sealCampaign, sealedReceiptToJson, type SealedReceipt } from "./seal.js";
import { LocalDirectoryStore } from "./store/local.js";
import type { ContentStore } from "./store/content-store.js";
import type { TraceEntryInput } from "./trace.js";
import { TraceWriter } from "./trace-writer.js";
import { PRICE_DECIMALS, type ReceiptUnits } from "./units.js";

/**
 * The keeper node's receipt poster: a campaign's fills become trace entries (append-only, fsynced trace under
 * `<dataDir>/traces/`), the trace document goes into the content store (`<dataDir>/store/` by default), the receipt
 * is sealed (signed and written durably) and then posted with `postSealedReceipt` through the keeper's own
 * transaction sender. Rules: docs/SPECIFICATION.md "Keeper node / Receipts of the node".
 */

/** What a campaign execution hands to the poster: its fills as trace entries, in execution order. */
export interface CampaignTrace {
  campaignId: string;
  entries: TraceEntryInput[];
  /**
   * Mark prices per pair (decimal strings) of the inventory the campaign ends with (a market maker's reference mid);
   * default: the pair's last fill price. Stored with the trace's units, so auditors recompute the same PnL.
   */
  markPrices?: Record<string, string>;
}

export interface RecordingReceiptPosterOptions {
  /** The keeper's data directory: traces in `<dataDir>/traces/`, the local store in `<dataDir>/store/`. */
  dataDir: string;
  /** Content store of trace documents (default: a `LocalDirectoryStore` in `<dataDir>/store/`). */
  store?: ContentStore;
  /** Units of the receipt (default: the deposit asset is the quote asset of the traded pair, 6 decimals). */
  units?: (trace: CampaignTrace) => ReceiptUnits;
  log?: Logger;
  /**
   * The keeper's journal: a receipt is journalled `signed` once sealed and `posted` once on chain; one the dispatcher
   * journalled `unpostable` (its campaign lost the claim first) is dropped from the pending set, never sent.
   */
  journal?: ReceiptJournal;
  /** Called when a receipt is journalled `signed` and when it is `posted` (the keeper's `keeper_receipts_total`). */
  onReceipt?: (state: "signed" | "posted") => void;
}

/** The journal's receipt table, as the poster writes it. */
export interface ReceiptJournal {
  getReceipt(campaignId: string): { state: string } | undefined;
  recordSignedReceipt(r: { campaignId: string; traceRoot: string; cid: string; payload: string }): void;
  markReceiptPosted(campaignId: string, receiptId: string, txHash?: string): void;
}

const SEALED_SUFFIX = ".receipt.json";

export class RecordingReceiptPoster implements ReceiptPoster<CampaignTrace> {
  readonly traceDir: string;
  readonly store: ContentStore;
  /** Sealed receipts not (known to be) on chain yet, by receipt nonce; loaded from the trace directory once. */
  private pending: Map<bigint, SealedReceipt> | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly chain: EvmChainAdapter,
    private readonly opts: RecordingReceiptPosterOptions,
  ) {
    this.traceDir = join(opts.dataDir, "traces");
    this.store = opts.store ?? new LocalDirectoryStore(join(opts.dataDir, "store"));
  }

  /**
   * Records, seals and posts the campaign's receipt; idempotent: a campaign sealed before (a restart) posts the
   * receipt it sealed, and one already on chain returns its id without sending. One receipt at a time per keeper
   * (receipt nonces are sequential): calls are queued.
   */
  post(trace: CampaignTrace): Promise<{ receiptId: bigint; txHash?: string }> {
    const run = this.queue.then(() => this.postNow(trace));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async postNow(trace: CampaignTrace): Promise<{ receiptId: bigint; txHash?: string }> {
    const campaignId = trace.campaignId.toLowerCase();
    let sealed = await loadSealedReceipt(this.traceDir, campaignId);
    if (!sealed) await this.record(campaignId, trace.entries);
    // Receipts sealed earlier (a crash between seal and post) take their nonces first.
    await this.flushPending(campaignId);
    const nonce = await this.chain.sender.withRetry("receipt nonce", () =>
      this.chain.receipts.nonceOf(this.chain.account),
    );
    ({ sealed } = await sealCampaign({
      traceDir: this.traceDir,
      campaignId,
      store: this.store,
      units: (this.opts.units ?? defaultUnits)(trace),
      signer: this.chain.sender.signer,
      domain: receiptDomain(this.chain.chainId, this.chain.addresses.receipts),
      nonce,
    }));
    this.journalSigned(sealed);
    const pending = await this.pendingReceipts();
    pending.set(sealed.nonce, sealed);
    const posted = await this.postOne(sealed);
    pending.delete(sealed.nonce);
    return posted;
  }

  /** Appends the fills to the campaign's trace (a fill already recorded, identical, is a no-op). */
  private async record(campaignId: string, entries: readonly TraceEntryInput[]): Promise<void> {
    if (entries.length === 0)
      throw new RecordingError("a campaign trace needs at least one fill", { details: campaignId });
    const writer = await TraceWriter.open(this.traceDir, campaignId);
    try {
      for (const e of entries) await writer.append(e);
    } finally {
      await writer.close();
    }
  }

  private async postOne(sealed: SealedReceipt): Promise<{ receiptId: bigint; txHash?: string }> {
    const onChainNonce = await this.chain.sender.withRetry("receipt nonce", () =>
      this.chain.receipts.nonceOf(this.chain.account),
    );
    const existing = await this.chain.receiptIdByRoot(sealed.receipt.traceRoot);
    if (existing === 0n && sealed.nonce !== onChainNonce) {
      throw new RecordingError("sealed receipt's nonce is not the registry's next nonce: it cannot be posted", {
        details: `${sealed.receipt.campaignId}: sealed nonce ${sealed.nonce}, registry expects ${onChainNonce}`,
      });
    }
    if (existing === 0n) await this.requireLiveClaim(sealed.receipt.campaignId);
    const r = await postSealedReceipt(this.chain.receipts, sealed, (label, tx) => this.chain.sender.send(label, tx));
    this.journalPosted(sealed, r.receiptId, r.txHash);
    this.opts.log?.info(
      {
        campaignId: sealed.receipt.campaignId,
        receiptId: r.receiptId.toString(),
        cid: sealed.receipt.cid,
        sent: r.sent,
      },
      r.sent ? "receipt posted" : "receipt already on chain",
    );
    return r.txHash === undefined ? { receiptId: r.receiptId } : { receiptId: r.receiptId, txHash: r.txHash };
  }

  /**
   * The registry takes a receipt only from its campaign's live claimant: one whose claim lapsed is not sent (the
   * transaction could only revert); the dispatcher journals it unpostable once the campaign is lost for good.
   */
  private async requireLiveClaim(campaignId: string): Promise<void> {
    const c = await this.chain.getCampaign(campaignId);
    const now = await this.chain.now();
    if (
      c.status === "claimed" &&
      c.claimant.toLowerCase() === this.chain.account.toLowerCase() &&
      now <= c.claimDeadline
    )
      return;
    throw new ReceiptClaimNotLiveError("campaign's claim is not this keeper's live claim: its receipt is not sent", {
      details: `${campaignId}: ${c.status}${c.status === "claimed" ? ` by ${c.claimant} until ${c.claimDeadline}, now ${now}` : ""}`,
    });
  }

  private unpostable(campaignId: string): boolean {
    return this.opts.journal?.getReceipt(campaignId.toLowerCase())?.state === "unpostable";
  }

  private journalSigned(sealed: SealedReceipt): void {
    const { journal } = this.opts;
    const campaignId = sealed.receipt.campaignId.toLowerCase();
    if (!journal || journal.getReceipt(campaignId)) return;
    journal.recordSignedReceipt({
      campaignId,
      traceRoot: sealed.receipt.traceRoot,
      cid: sealed.receipt.cid,
      payload: sealedReceiptToJson(sealed),
    });
    this.opts.onReceipt?.("signed");
  }

  private journalPosted(sealed: SealedReceipt, receiptId: bigint, txHash: string | undefined): void {
    const { journal } = this.opts;
    const campaignId = sealed.receipt.campaignId.toLowerCase();
    if (!journal) return;
    this.journalSigned(sealed); // sealed by an earlier process that did not journal it
    if (journal.getReceipt(campaignId)?.state === "posted") return;
    journal.markReceiptPosted(campaignId, receiptId.toString(), txHash);
    this.opts.onReceipt?.("posted");
  }

  /** Sealed receipts of this data directory that are not on chain (read once, then kept in memory). */
  private async pendingReceipts(): Promise<Map<bigint, SealedReceipt>> {
    if (this.pending) return this.pending;
    const pending = new Map<bigint, SealedReceipt>();
    let names: string[] = [];
    try {
      names = await readdir(this.traceDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    for (const name of names.filter((n) => n.endsWith(SEALED_SUFFIX))) {
      const sealed = await loadSealedReceipt(this.traceDir, name.slice(0, -SEALED_SUFFIX.length));
      if (!sealed || this.unpostable(sealed.receipt.campaignId)) continue;
      if ((await this.chain.receiptIdByRoot(sealed.receipt.traceRoot)) === 0n) pending.set(sealed.nonce, sealed);
    }
    this.pending = pending;
    return pending;
  }

  /**
   * Posts, in nonce order, the sealed receipts of other campaigns that hold the registry's next nonce. One journalled
   * unpostable (the dispatcher found its campaign lost its claim, and logged it) is dropped without a transaction;
   * one whose claim is not live now is left unsent (its nonce goes to the receipt being posted); one the registry
   * still refuses is dropped with an error log. None blocks the keeper's later receipts. Transient failures propagate.
   */
  private async flushPending(except: string): Promise<void> {
    const pending = await this.pendingReceipts();
    for (;;) {
      const next = await this.chain.sender.withRetry("receipt nonce", () =>
        this.chain.receipts.nonceOf(this.chain.account),
      );
      for (const n of [...pending.keys()]) if (n < next) pending.delete(n); // posted (or superseded)
      const sealed = pending.get(next);
      if (!sealed || sealed.receipt.campaignId === except) return;
      if (this.unpostable(sealed.receipt.campaignId)) {
        pending.delete(next);
        continue;
      }
      try {
        await this.postOne(sealed);
      } catch (err) {
        if (err instanceof ReceiptClaimNotLiveError) return; // claim not live: not sent, superseded by the next receipt
        if (!(err instanceof ChainRevertError)) throw err;
        this.opts.log?.error(
          { campaignId: sealed.receipt.campaignId, nonce: sealed.nonce.toString(), err },
          "sealed receipt refused by the registry: dropped",
        );
      }
      pending.delete(next);
    }
  }
}

/** The deposit asset is the quote asset of the traded pair (venues quote in the stablecoin the vault holds). */
function defaultUnits(trace: CampaignTrace): ReceiptUnits {
  const pair = trace.entries[0]?.pair;
  const quote = pair?.split("/")[1];
  if (!quote) throw new RecordingError("a campaign trace needs at least one fill", { details: trace.campaignId });
  return { depositAsset: quote, depositDecimals: 6, ...(trace.markPrices ? { markPrices: trace.markPrices } : {}) };
}

/**
 * One trace entry per fill (the recording layer derives the leaf, the execution id and the summary from it).
 * Prices are the fill's average truncated to 8 decimals, sizes and fees exact (wad), fees in the quote asset.
 */
export function campaignTrace(job: CampaignJob, fills: Order[], venues: Record<string, Venue>): CampaignTrace {
  const w = job.spec.priceWindow;
  const entries = fills.map((o) => ({
    timestamp: o.timestamp,
    campaignId: job.id,
    orderId: o.id,
    fillId: "",
    clientOrderId: o.clientOrderId,
    venue: o.venueId,
    pair: o.pair,
    side: o.side,
    price: formatUnits(o.average / 10n ** 10n, PRICE_DECIMALS),
    size: formatUnits(o.filled, 18),
    fee: formatUnits(o.fee, 18),
    feeAsset: o.pair.split("/")[1] ?? o.pair,
    source: venues[o.venueId]?.kind ?? "cex",
    minPrice: formatUnits(w.minPrice, PRICE_DECIMALS),
    maxPrice: formatUnits(w.maxPrice, PRICE_DECIMALS),
  }));
  return { campaignId: job.id, entries };
}

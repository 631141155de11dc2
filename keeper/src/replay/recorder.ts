/**
 * Receipts of replay campaigns: each campaign's fills are appended to its trace (`<dir>/traces/`), the trace document
 * goes into a local content store (`<dir>/store/`) and the receipt (root, execution hash, leaf count, CID, summary) is
 * built exactly as the live node builds it, then kept by the replay's `LocalChain` (its receipt registry: only the
 * campaign's live claimant may post it). Nothing is signed or sent to any chain.
 */
import { join } from "node:path";
import { formatUnits } from "ethers";
import type { LocalChain, LocalReceiptFields } from "../chain/local.js";
import type { ReceiptPoster } from "../chain/adapter.js";
import type { CampaignTrace } from "../recording/poster.js";
import { buildLocalReceipt, LOCAL_DEPOSIT_DECIMALS } from "../recording/local-receipt.js";
import { LocalDirectoryStore } from "../recording/store/local.js";

/** One receipt the replay built, as the report lists it. */
export interface ReplayReceipt {
  campaignId: string;
  traceRoot: string;
  executionHash: string;
  leafCount: number;
  cid: string;
  /** Receipt summary in the deposit asset (decimal strings). */
  volume: string;
  pnl: string;
  /** Mark prices of the inventory the campaign ended with (a market maker's reference mid). */
  markPrices?: Record<string, string>;
}

export class ReplayRecorder {
  readonly store: LocalDirectoryStore;
  readonly traceDir: string;
  /** Receipts built, by campaign id (lower case). */
  readonly receipts = new Map<string, ReplayReceipt>();

  constructor(dir: string) {
    this.traceDir = join(dir, "traces");
    this.store = new LocalDirectoryStore(join(dir, "store"));
  }

  /** The poster the live keeper posts through: builds the receipt here, the local chain keeps it. */
  poster(chain: LocalChain): ReceiptPoster<CampaignTrace> {
    return chain.poster((trace: CampaignTrace) => this.build(trace));
  }

  private async build(trace: CampaignTrace): Promise<LocalReceiptFields> {
    const campaignId = trace.campaignId.toLowerCase();
    const { receipt } = await buildLocalReceipt(trace, { traceDir: this.traceDir, store: this.store });
    this.receipts.set(campaignId, {
      campaignId: receipt.campaignId,
      traceRoot: receipt.traceRoot,
      executionHash: receipt.executionHash,
      leafCount: receipt.leafCount,
      cid: receipt.cid,
      volume: formatUnits(receipt.summary.volume, LOCAL_DEPOSIT_DECIMALS),
      pnl: formatUnits(receipt.summary.pnl, LOCAL_DEPOSIT_DECIMALS),
      ...(trace.markPrices ? { markPrices: trace.markPrices } : {}),
    });
    return {
      campaignId: receipt.campaignId,
      traceRoot: receipt.traceRoot,
      leafCount: receipt.leafCount,
      cid: receipt.cid,
      executionHash: receipt.executionHash,
    };
  }
}

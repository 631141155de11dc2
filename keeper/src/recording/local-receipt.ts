/**
 * Receipts of modes that send nothing to a chain (paper, replay): the campaign's fills are appended to its trace and
 * the receipt (root, execution hash, leaf count, CID, summary) is built from them as the live node builds it, with
 * the trace document in a content store; it is never signed or posted (a `LocalChain` keeps it).
 */
import type { ContentStore } from "./store/content-store.js";
import type { CampaignTrace } from "./poster.js";
import { buildReceipt, type Receipt } from "./receipt.js";
import { parseTraceEntry, type TraceEntry, type TraceSource } from "./trace.js";
import { TraceWriter } from "./trace-writer.js";

/** Decimals of the receipt's deposit asset (the live node's default units: a 6-decimal stablecoin). */
export const LOCAL_DEPOSIT_DECIMALS = 6;

export interface LocalReceiptOptions {
  /** Directory of the append-only traces (one file per campaign). */
  traceDir: string;
  store: ContentStore;
  /** Overrides every entry's `source` (paper fills are `paper`). */
  source?: TraceSource;
}

/** Appends `trace`'s fills to its trace file and builds its unsigned receipt. */
export async function buildLocalReceipt(
  trace: CampaignTrace,
  opts: LocalReceiptOptions,
): Promise<{ entries: TraceEntry[]; receipt: Receipt }> {
  const entries = trace.entries.map((e) => parseTraceEntry(opts.source ? { ...e, source: opts.source } : e));
  const writer = await TraceWriter.open(opts.traceDir, trace.campaignId.toLowerCase());
  try {
    for (const e of entries) await writer.append(e);
  } finally {
    await writer.close();
  }
  const quote = entries[0]!.pair.split("/")[1]!;
  const { receipt } = await buildReceipt(entries, opts.store, {
    depositAsset: quote,
    depositDecimals: LOCAL_DEPOSIT_DECIMALS,
    ...(trace.markPrices ? { markPrices: trace.markPrices } : {}),
  });
  return { entries, receipt };
}

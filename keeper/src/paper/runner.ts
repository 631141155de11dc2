/**
 * Paper mode (`keeper run --paper`): the keeper's own detection and execution code (arbitrage campaigns, executor,
 * journal) over paper venues (live books, local fills), recorded as the same traces (`source: "paper"`), with a
 * receipt built (root, execution hash, summary, CID in a local paper store) but never signed or posted. Nothing is
 * sent to a chain (this module holds no chain client) or to an exchange (paper venues have no order entry).
 * Results go to `<dataDir>/paper/report.json` (PnL, fills, balances) and to the metrics. Rules:
 * docs/SPECIFICATION.md "Keeper node / Paper mode".
 */
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { formatUnits } from "ethers";
import type { Logger } from "pino";
import type { ReceiptPoster } from "../chain/adapter.js";
import { campaignId } from "../campaign/id.js";
import { fromWad } from "../execution/fixed.js";
import { NothingExecutedError } from "../campaign/dispatcher.js";
import { ArbitrageCampaigns, type ArbitrageMarketConfig } from "../node/arbitrage-campaigns.js";
import { Journal } from "../node/journal.js";
import type { Metrics } from "../node/metrics.js";
import type { CampaignTrace } from "../recording/poster.js";
import { buildReceipt, type Receipt } from "../recording/receipt.js";
import { LocalDirectoryStore } from "../recording/store/local.js";
import { parseTraceEntry, type TraceEntry } from "../recording/trace.js";
import { TraceWriter } from "../recording/trace-writer.js";
import type { PaperVenue } from "./venue.js";

export const PAPER_BANNER =
  "PAPER MODE: simulated fills against live order books; no order is sent to any exchange and no transaction to any chain";

export interface PaperCampaignReport {
  campaignId: string;
  market: string;
  fills: Pick<TraceEntry, "venue" | "side" | "price" | "size" | "fee" | "feeAsset" | "orderId" | "timestamp">[];
  receipt: {
    traceRoot: string;
    executionHash: string;
    leafCount: number;
    cid: string;
    volume: string;
    avgPrice: string;
    pnl: string;
  };
}

export interface PaperReport {
  mode: "paper";
  startedAt: string;
  updatedAt: string;
  depositDecimals: number;
  campaigns: PaperCampaignReport[];
  totals: { campaigns: number; fills: number; volume: string; pnl: string };
  balances: Record<string, Record<string, string>>;
}

/** Records a paper campaign as the live node would (append-only trace, trace document by CID), without signing. */
class PaperRecorder implements ReceiptPoster<CampaignTrace> {
  private n = 0n;
  readonly store: LocalDirectoryStore;

  constructor(
    private readonly dir: string,
    private readonly onReceipt: (trace: CampaignTrace, entries: TraceEntry[], receipt: Receipt) => Promise<void>,
  ) {
    this.store = new LocalDirectoryStore(join(dir, "store"));
  }

  async post(trace: CampaignTrace): Promise<{ receiptId: bigint }> {
    const entries = trace.entries.map((e) => parseTraceEntry({ ...e, source: "paper" }));
    const writer = await TraceWriter.open(join(this.dir, "traces"), trace.campaignId.toLowerCase());
    try {
      for (const e of entries) await writer.append(e);
    } finally {
      await writer.close();
    }
    const quote = entries[0]!.pair.split("/")[1]!;
    const { receipt } = await buildReceipt(entries, this.store, { depositAsset: quote, depositDecimals: DECIMALS });
    await this.onReceipt(trace, entries, receipt);
    return { receiptId: ++this.n };
  }
}

const DECIMALS = 6;

export interface PaperKeeperOptions {
  dataDir: string;
  venues: PaperVenue[];
  markets: ArbitrageMarketConfig[];
  log: Logger;
  metrics: Metrics;
  tickMs: number;
  bucketSeconds: bigint;
  retryBudget: number;
  now?: () => number;
}

export class PaperKeeper {
  readonly dir: string;
  readonly journal: Journal;
  private readonly campaigns: ArbitrageCampaigns;
  private readonly report: PaperReport;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** Exact totals in deposit-asset base units. */
  private pnl = 0n;
  private volume = 0n;

  constructor(private readonly opts: PaperKeeperOptions) {
    this.dir = join(opts.dataDir, "paper");
    this.log = opts.log.child({ mode: "paper" });
    // Its own journal: paper orders never mix with the live keeper's.
    this.journal = new Journal(join(this.dir, "journal.db"));
    const now = new Date(this.clock()).toISOString();
    this.report = {
      mode: "paper",
      startedAt: now,
      updatedAt: now,
      depositDecimals: DECIMALS,
      campaigns: [],
      totals: { campaigns: 0, fills: 0, volume: "0", pnl: "0" },
      balances: {},
    };
    this.campaigns = new ArbitrageCampaigns({
      journal: this.journal,
      poster: new PaperRecorder(this.dir, (t, e, r) => this.record(t, e, r)),
      markets: opts.markets,
      bucketSeconds: opts.bucketSeconds,
      execution: { retryBudget: opts.retryBudget, gasBudget: 0n },
      log: this.log,
    });
  }

  get reportPath(): string {
    return join(this.dir, "report.json");
  }

  private clock(): number {
    return (this.opts.now ?? Date.now)();
  }

  async start(): Promise<void> {
    this.log.warn({ venues: this.opts.venues.map((v) => v.id), report: this.reportPath }, PAPER_BANNER);
    await this.writeReport();
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await this.writeReport();
    this.journal.close();
    this.log.info({ totals: this.report.totals }, "paper keeper stopped");
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => this.schedule(this.opts.tickMs));
    }, ms);
  }

  /** Detects opportunities on the live books and executes each new campaign on paper; never throws. */
  async tick(): Promise<void> {
    try {
      const now = BigInt(Math.floor(this.clock() / 1000));
      for (const o of await this.campaigns.detect(now)) {
        const id = campaignId(o.spec);
        const progress = this.journal.campaignProgress(id);
        if (progress === "settled" || progress === "abandoned") continue;
        try {
          await this.campaigns.execute({ id, spec: o.spec });
          this.journal.advanceCampaign(id, "settled", "paper");
        } catch (err) {
          if (!(err instanceof NothingExecutedError)) throw err;
          this.journal.advanceCampaign(id, "abandoned", err.shortMessage);
          this.log.info({ campaignId: id, reason: err.shortMessage }, "paper campaign: nothing filled");
        }
      }
      this.opts.metrics.ticks.inc();
    } catch (err) {
      this.opts.metrics.errors.inc({ name: err instanceof Error ? err.name : "unknown" });
      this.log.error({ err }, `paper tick failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async record(trace: CampaignTrace, entries: TraceEntry[], receipt: Receipt): Promise<void> {
    const r = this.report;
    const fmt = (v: bigint) => formatUnits(v, DECIMALS);
    r.campaigns.push({
      campaignId: trace.campaignId,
      market: entries[0]!.pair,
      fills: entries.map(({ venue, side, price, size, fee, feeAsset, orderId, timestamp }) => ({
        venue,
        side,
        price,
        size,
        fee,
        feeAsset,
        orderId,
        timestamp,
      })),
      receipt: {
        traceRoot: receipt.traceRoot,
        executionHash: receipt.executionHash,
        leafCount: receipt.leafCount,
        cid: receipt.cid,
        volume: fmt(receipt.summary.volume),
        avgPrice: formatUnits(receipt.summary.avgPrice, 8),
        pnl: fmt(receipt.summary.pnl),
      },
    });
    this.pnl += receipt.summary.pnl;
    this.volume += receipt.summary.volume;
    r.totals = {
      campaigns: r.campaigns.length,
      fills: r.totals.fills + entries.length,
      volume: fmt(this.volume),
      pnl: fmt(this.pnl),
    };
    for (const e of entries) this.opts.metrics.fills.inc({ venue: e.venue });
    this.opts.metrics.pnl.set(Number(r.totals.pnl));
    this.log.info(
      { campaignId: trace.campaignId, fills: entries.length, pnl: fmt(receipt.summary.pnl), totalPnl: r.totals.pnl },
      "paper campaign executed",
    );
    await this.writeReport();
  }

  /** Writes the report atomically (temporary file, rename). */
  async writeReport(): Promise<void> {
    this.report.updatedAt = new Date(this.clock()).toISOString();
    this.report.balances = Object.fromEntries(
      this.opts.venues.map((v) => [
        v.id,
        Object.fromEntries(Object.entries(v.wallet).map(([a, w]) => [a, fromWad(w)])),
      ]),
    );
    await mkdir(this.dir, { recursive: true });
    const tmp = `${this.reportPath}.tmp`;
    await writeFile(tmp, JSON.stringify(this.report, null, 2) + "\n");
    await rename(tmp, this.reportPath);
  }
}

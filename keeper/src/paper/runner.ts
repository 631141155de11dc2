/**
 * Paper mode (`keeper run --paper`): the live keeper (`engineKeeper`: the strategy engine over the configured
 * strategies, every run a campaign, every risk control) over paper venues (live books, local fills) and a
 * `LocalChain` (campaigns published, claimed and settled in-process: no transaction is ever sent). There is no vault:
 * the engine's capital is the paper balances. Each campaign's fills are recorded as the same traces as a live keeper's
 * (`source: "paper"`), with a receipt built (root, execution hash, summary, CID in a local paper store) and kept by the
 * local chain, never signed or posted. Results go to `<dataDir>/paper/report.json` (campaigns, fills, receipts, PnL,
 * balances) and to the metrics of the live path. Rules: docs/SPECIFICATION.md "Keeper node / Paper mode".
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { decodeBytes32String, formatUnits, parseUnits } from "ethers";
import type { Logger } from "pino";
import type { ReceiptPoster } from "../chain/adapter.js";
import { LocalChain, type LocalReceiptFields } from "../chain/local.js";
import { ConfigError } from "../errors.js";
import type { Clock } from "../engine/runner.js";
import { fromWad } from "../execution/fixed.js";
import type { RiskLimits } from "../execution/limits.js";
import type { SafetyConfig } from "../execution/safety.js";
import type { CampaignTrace } from "../recording/poster.js";
import { buildLocalReceipt, LOCAL_DEPOSIT_DECIMALS } from "../recording/local-receipt.js";
import type { Receipt } from "../recording/receipt.js";
import { LocalDirectoryStore } from "../recording/store/local.js";
import type { TraceEntry } from "../recording/trace.js";
import { engineKeeper, type EngineKeeperOptions, type StrategyEntry } from "../node/engine-keeper.js";
import { Journal } from "../node/journal.js";
import { liveVenues } from "../node/live-venues.js";
import type { Metrics } from "../node/metrics.js";
import type { PaperVenue } from "./venue.js";

export const PAPER_BANNER =
  "PAPER MODE: simulated fills against live order books; no order is sent to any exchange and no transaction to any chain";

export interface PaperCampaignReport {
  campaignId: string;
  market: string;
  /** Strategy type of the run (`arbitrage`, `marketMaking`, `rebalance`), from the campaign's route. */
  strategy: string;
  fills: Pick<TraceEntry, "venue" | "side" | "price" | "size" | "fee" | "feeAsset" | "orderId" | "timestamp">[];
  receipt: {
    /** The local chain's receipt id (never on a real chain). */
    id: string;
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

export interface PaperKeeperOptions {
  /** The keeper's data directory: paper mode keeps everything under `<dataDir>/paper/`. */
  dataDir: string;
  venues: PaperVenue[];
  /** The strategies, as `keeper run` takes them from the config (`configuredStrategies`). */
  strategies: readonly StrategyEntry[];
  log: Logger;
  metrics: Metrics;
  tickMs: number;
  heartbeatSeconds?: number;
  /** Metrics server port (undefined: none). */
  metricsPort?: number;
  limits?: RiskLimits;
  safety?: Partial<SafetyConfig>;
  campaigns?: EngineKeeperOptions["campaigns"];
  /** The keeper's address (receipts name it); default the local chain's account. */
  account?: string;
  /** The local chain (tests: a driven clock, other parameters); default one on wall time with the contract's defaults. */
  chain?: LocalChain;
  clock?: Clock;
}

export class PaperKeeper {
  readonly dir: string;
  readonly journal: Journal;
  readonly chain: LocalChain;
  /** The paper venues behind the live path's bookkeeping (journal, metrics). */
  readonly venues: Record<string, PaperVenue>;
  readonly keeper: ReturnType<typeof engineKeeper>;
  private readonly report: PaperReport;
  private readonly log: Logger;
  private readonly store: LocalDirectoryStore;
  /** Exact totals in deposit-asset base units. */
  private pnl = 0n;
  private volume = 0n;
  private started = false;

  constructor(private readonly opts: PaperKeeperOptions) {
    this.dir = join(opts.dataDir, "paper");
    this.log = opts.log.child({ mode: "paper" });
    // Its own journal: paper orders, campaigns and the kill switch (`keeper pause --paper`) never mix with the live
    // keeper's.
    this.journal = new Journal(join(this.dir, "journal.db"));
    // The local chain keeps its state under the paper directory: a restarted paper keeper resumes the campaigns it
    // published, claimed and settled and the receipts it posted (its journal is kept there too).
    this.chain =
      opts.chain ??
      new LocalChain({ ...(opts.account ? { account: opts.account } : {}), stateFile: join(this.dir, "chain.json") });
    this.store = new LocalDirectoryStore(join(this.dir, "store"));
    const now = new Date(this.clock()).toISOString();
    this.report = {
      mode: "paper",
      startedAt: now,
      updatedAt: now,
      depositDecimals: LOCAL_DEPOSIT_DECIMALS,
      campaigns: [],
      totals: { campaigns: 0, fills: 0, volume: "0", pnl: "0" },
      balances: {},
    };
    // A restart goes on with the report of the campaigns before it (their receipts are on the kept local chain).
    const earlier = readEarlierReport(this.reportPath);
    if (earlier) {
      this.report.startedAt = earlier.startedAt;
      this.report.campaigns = earlier.campaigns;
      this.report.totals = earlier.totals;
      this.pnl = parseUnits(earlier.totals.pnl, LOCAL_DEPOSIT_DECIMALS);
      this.volume = parseUnits(earlier.totals.volume, LOCAL_DEPOSIT_DECIMALS);
    }
    // The live path's bookkeeping around every venue: orders journalled, fills and PnL into the metrics.
    this.venues = liveVenues(Object.fromEntries(opts.venues.map((v) => [v.id, v])), {
      journal: this.journal,
      metrics: opts.metrics,
      log: this.log,
    });
    this.keeper = engineKeeper({
      chain: this.chain,
      journal: this.journal,
      log: this.log,
      metrics: opts.metrics,
      strategies: opts.strategies,
      poster: this.poster(),
      venues: this.venues,
      tickMs: opts.tickMs,
      heartbeatSeconds: opts.heartbeatSeconds ?? 60,
      metricsPort: opts.metricsPort,
      ...(opts.limits ? { limits: opts.limits } : {}),
      ...(opts.safety ? { safety: opts.safety } : {}),
      ...(opts.campaigns ? { campaigns: opts.campaigns } : {}),
      ...(opts.clock ? { clock: opts.clock } : {}),
    });
  }

  get reportPath(): string {
    return join(this.dir, "report.json");
  }

  get metricsPort(): number | undefined {
    return this.keeper.node.metricsPort;
  }

  private clock(): number {
    return (this.opts.clock ?? Date).now();
  }

  async start(): Promise<void> {
    this.log.warn(
      { venues: this.opts.venues.map((v) => v.id), report: this.reportPath, account: this.chain.account },
      PAPER_BANNER,
    );
    await this.writeReport();
    await this.keeper.node.start();
    this.started = true;
  }

  /** Aborts the running runs (quotes cancelled, campaigns settled with what they did), writes the report. */
  async stop(): Promise<void> {
    if (this.started) await this.keeper.stop();
    this.started = false;
    await this.writeReport();
    this.journal.close();
    this.log.info({ totals: this.report.totals }, "paper keeper stopped");
  }

  /**
   * The paper recorder as the local chain's receipt poster: the campaign's fills appended to its trace (append-only,
   * `<dataDir>/paper/traces/`), the trace document put in the paper store, the receipt built and kept by the local
   * chain (under its rules: only the live claimant's), then reported; never signed, never posted to a chain.
   */
  private poster(): ReceiptPoster<CampaignTrace> {
    const built = new Map<string, { entries: TraceEntry[]; receipt: Receipt }>();
    const local = this.chain.poster(
      async (trace: CampaignTrace) => {
        const b = await this.record(trace);
        built.set(trace.campaignId, b);
        return {
          campaignId: b.receipt.campaignId,
          traceRoot: b.receipt.traceRoot,
          leafCount: b.receipt.leafCount,
          cid: b.receipt.cid,
          executionHash: b.receipt.executionHash,
        } satisfies LocalReceiptFields;
      },
      // Each receipt the local registry newly keeps, counted as a live keeper's posted receipt.
      () => this.opts.metrics.receipts.inc({ state: "posted" }),
    );
    return {
      post: async (trace) => {
        const posted = await local.post(trace);
        const b = built.get(trace.campaignId);
        built.delete(trace.campaignId);
        if (b) await this.addToReport(trace, b.entries, b.receipt, posted.receiptId);
        return posted;
      },
    };
  }

  private record(trace: CampaignTrace): Promise<{ entries: TraceEntry[]; receipt: Receipt }> {
    return buildLocalReceipt(trace, { traceDir: join(this.dir, "traces"), store: this.store, source: "paper" });
  }

  private async addToReport(
    trace: CampaignTrace,
    entries: TraceEntry[],
    receipt: Receipt,
    receiptId: bigint,
  ): Promise<void> {
    const r = this.report;
    if (r.campaigns.some((c) => c.campaignId === trace.campaignId)) return; // a retried post: reported once
    const fmt = (v: bigint) => formatUnits(v, LOCAL_DEPOSIT_DECIMALS);
    const campaign = await this.chain.getCampaign(trace.campaignId);
    r.campaigns.push({
      campaignId: trace.campaignId,
      market: entries[0]!.pair,
      strategy: decodeBytes32String(campaign.strategyId),
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
        id: receiptId.toString(),
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
    this.log.info(
      { campaignId: trace.campaignId, fills: entries.length, pnl: fmt(receipt.summary.pnl), totalPnl: r.totals.pnl },
      "paper campaign recorded",
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

/** The report an earlier run of this paper keeper left (undefined: none); one that cannot be read is an error. */
function readEarlierReport(path: string): PaperReport | undefined {
  if (!existsSync(path)) return undefined;
  let report: PaperReport;
  try {
    report = JSON.parse(readFileSync(path, "utf8")) as PaperReport;
  } catch (err) {
    throw new ConfigError(`paper report ${path} is not valid JSON (move it away to start a new paper record)`, {
      cause: err,
    });
  }
  if (
    report.mode !== "paper" ||
    !Array.isArray(report.campaigns) ||
    report.depositDecimals !== LOCAL_DEPOSIT_DECIMALS
  ) {
    throw new ConfigError(`paper report ${path} is not a paper report of this keeper version`);
  }
  return report;
}

/**
 * Paper mode in process: the live keeper (`engineKeeper`) over paper venues and a local chain, fed by in-memory
 * market data. Market making quotes and fills on paper (a campaign with a receipt kept by the local chain), a risk
 * limit refuses an oversized order before it reaches the paper venue, and the kill switch of the paper journal stops
 * new campaigns. Nothing reaches the market-data venue's order entry.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { LocalChain } from "../chain/local.js";
import { toWad } from "../execution/fixed.js";
import { DEFAULT_RISK_LIMITS_CONFIG, riskLimits } from "../execution/limits.js";
import { MemoryVenue } from "../execution/testing/memoryVenue.js";
import type { BookLevel } from "../execution/venue.js";
import { createMetrics } from "../node/metrics.js";
import { pauseKeeper, resumeKeeper } from "../node/risk.js";
import { until } from "../node/testing/until.js";
import { marketDataClient } from "./run.js";
import { PaperKeeper, type PaperReport } from "./runner.js";
import { PaperVenue } from "./venue.js";

const PAIR = "BTC/USDT";
const lv = (price: string, amount: string): BookLevel => ({ price: toWad(price), amount: toWad(amount) });

const marketMaking = (over: Record<string, unknown> = {}) => ({
  plugin: "marketMaking",
  config: {
    id: "mm-btc",
    pair: PAIR,
    venueId: "alpha",
    minHalfSpreadBps: 20,
    orderSize: "0.01",
    targetInventory: "1",
    maxInventory: "1",
    tick: "0.01",
    lot: "0.001",
    makerFeeBps: 2,
    refreshMs: 25,
    ...over,
  },
});

function setup(opts: {
  strategies: { plugin: string; config: unknown }[];
  maxOrderNotional?: string;
  /** The data directory of an earlier paper keeper (a restart); default a new one. */
  dir?: string;
  /** The paper keeper's own local chain, kept under its data directory (default: one the test holds in memory). */
  keptChain?: boolean;
  /** The engine's tick (default 20 ms). */
  tickMs?: number;
  /** The market-making campaign's quoting window (default 2 s). */
  quotingWindowSeconds?: number;
}) {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "paper-keeper-"));
  const market = new MemoryVenue(
    "alpha",
    { [PAIR]: { bids: [lv("29990", "5")], asks: [lv("30010", "5")] } },
    {},
    { takerFeeBps: 10n, lot: toWad("0.001") },
  );
  const paper = new PaperVenue(market, {
    balances: { BTC: toWad("1"), USDT: toWad("100000") },
    takerFeeBps: () => 10n,
    makerFeeBps: () => 2n,
    lot: () => toWad("0.001"),
  });
  const metrics = createMetrics({ keeper: "paper-test" });
  const keeper = new PaperKeeper({
    dataDir: dir,
    venues: [paper],
    strategies: opts.strategies,
    log: pino({ level: "silent" }),
    metrics,
    tickMs: opts.tickMs ?? 20,
    ...(opts.keptChain ? {} : { chain: new LocalChain() }),
    limits: riskLimits({ ...DEFAULT_RISK_LIMITS_CONFIG, maxOrderNotional: opts.maxOrderNotional ?? "50000" }),
    campaigns: { quotingWindowSeconds: opts.quotingWindowSeconds ?? 2, claimMarginSeconds: 1 },
  });
  let stopped = false;
  const report = () => JSON.parse(readFileSync(keeper.reportPath, "utf8")) as PaperReport;
  const counter = async (name: string, labels: Record<string, string> = {}) =>
    (await metrics.registry.getSingleMetric(name)!.get()).values
      .filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))
      .reduce((s, v) => s + v.value, 0);
  return {
    dir,
    market,
    paper,
    chain: keeper.chain,
    keeper,
    metrics,
    report,
    counter,
    async stop() {
      if (!stopped) await keeper.stop();
      stopped = true;
    },
    async close() {
      await this.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts the paper keeper and waits until its market maker's bid rests on the paper venue. */
async function startQuoting(s: ReturnType<typeof setup>): Promise<void> {
  await s.keeper.start();
  await until(
    "paper quotes resting",
    () => s.paper.orders.some((o) => o.status === "open" && o.side === "buy"),
    60_000,
  );
}

describe("paper keeper (engineKeeper over paper venues and a local chain)", () => {
  it("marketMaking_quotesAndFillsOnPaper_campaignSettledOnTheLocalChainWithItsReceipt", async () => {
    const s = setup({ strategies: [marketMaking()] });
    try {
      // The market maker's quotes rest on the paper venue (GTC, around the mid).
      await startQuoting(s);
      const bid = s.paper.orders.find((o) => o.status === "open" && o.side === "buy")!;
      assert.ok(bid.limitPrice < toWad("30000"), "a bid below the mid");
      // The live market trades down through the bid: a seller crosses it, the paper bid fills as a maker.
      s.market.books[PAIR] = { bids: [lv("29000", "5")], asks: [lv("29010", "5")] };
      await until(
        () => `a market-making campaign in the report: ${JSON.stringify(s.report().campaigns)}`,
        () => s.report().campaigns.some((c) => c.strategy === "marketMaking"),
        60_000,
      );
      const campaign = s.report().campaigns.find((c) => c.strategy === "marketMaking")!;
      assert.ok(campaign.fills.length >= 1);
      assert.ok(
        campaign.fills.some((f) => f.side === "buy" && f.orderId.startsWith("paper-alpha-")),
        JSON.stringify(campaign.fills),
      );
      // Its receipt is kept by the local chain, and the campaign settles with it there.
      const receiptId = BigInt(campaign.receipt.id);
      const kept = await s.chain.getReceipt(receiptId);
      assert.equal(kept.traceRoot, campaign.receipt.traceRoot);
      assert.equal(kept.campaignId, campaign.campaignId);
      await until("the campaign settled on the local chain", async () => {
        const c = await s.chain.getCampaign(campaign.campaignId);
        return c.status === "settled" && c.settledReceiptId === receiptId;
      });
      // The live path's metrics saw the maker fill; the market-data venue never saw an order.
      assert.ok((await s.counter("keeper_fills_total", { venue: "alpha" })) >= 1);
      // The run's own record of its campaign (the live path's count), not only the chain's.
      await until(
        () => `the run's campaign recorded: ${JSON.stringify(s.keeper.keeper.campaigns.history.map((h) => h.outcome))}`,
        async () => (await s.counter("keeper_campaigns_total", { type: "marketMaking" })) >= 1,
        30_000,
      );
      assert.ok(s.keeper.keeper.campaigns.history.some((h) => h.campaignId === campaign.campaignId));
      // Its receipt is counted as a live keeper's posted receipt (the local registry's post, on the live path).
      const posted = await s.counter("keeper_receipts_total", { state: "posted" });
      assert.ok(posted >= 1 && posted <= s.chain.ledger.receipts.length, `${posted} receipt(s) counted`);
      assert.equal(s.market.placeCalls, 0);
      assert.notEqual(s.report().balances["alpha"]!["BTC"], "1", "paper balances moved");
    } finally {
      await s.close();
    }
  });

  it("marketMaking_bookMovesBetweenTicks_requotesAroundTheNewMidNotRefusedByTheTicksOlderMid", async () => {
    // One engine tick in the whole test (the next one is a minute away): the book then moves 4% under the market
    // maker. Its next refresh reads the new book and quotes around 28,800; the safety rules' slippage band (300 bps)
    // must measure those quotes against the book the keeper read last, not the tick's 30,000 (which refused them,
    // failed the run and put market making in its failure cool-down).
    const s = setup({ strategies: [marketMaking()], tickMs: 60_000, quotingWindowSeconds: 30 });
    try {
      await startQuoting(s);
      s.market.books[PAIR] = { bids: [lv("28790", "5")], asks: [lv("28810", "5")] };
      await until(
        () =>
          `a bid requoted under the new mid: ${JSON.stringify(s.paper.orders.map((o) => [o.side, o.status, String(o.limitPrice)]))}`,
        () => s.paper.orders.some((o) => o.status === "open" && o.side === "buy" && o.limitPrice < toWad("28800")),
        60_000,
      );
      assert.deepEqual(
        s.keeper.keeper.campaigns.history.filter((h) => h.outcome !== "settled").map((h) => h.outcome),
        [],
        "no run failed",
      );
    } finally {
      await s.close();
    }
  });

  it("restart_paperKeeperRestarted_resumesItsLocalChainWithItsCampaignsAndReceipts", async () => {
    const first = setup({ strategies: [marketMaking()], keptChain: true });
    let second: ReturnType<typeof setup> | undefined;
    try {
      await startQuoting(first);
      first.market.books[PAIR] = { bids: [lv("29000", "5")], asks: [lv("29010", "5")] };
      await until(
        "a settled market-making campaign",
        async () => {
          const c = first.report().campaigns.find((x) => x.strategy === "marketMaking");
          return c !== undefined && (await first.chain.getCampaign(c.campaignId)).status === "settled";
        },
        60_000,
      );
      await first.stop();
      const receipts = first.chain.ledger.receipts.map((r) => ({ ...r }));
      const reported = first.report().campaigns;
      assert.ok(receipts.length >= 1);
      // Every receipt the local registry kept was counted, once.
      assert.equal(await first.counter("keeper_receipts_total", { state: "posted" }), receipts.length);

      // The same data directory, a new process's paper keeper: the local chain is the one it left.
      second = setup({ strategies: [marketMaking()], keptChain: true, dir: first.dir });
      assert.notEqual(second.chain, first.chain);
      for (const r of receipts) {
        assert.deepEqual(await second.chain.getReceipt(r.id), r);
        assert.equal(await second.chain.receiptIdByRoot(r.traceRoot), r.id);
        const c = await second.chain.getCampaign(r.campaignId);
        assert.equal(c.status, "settled");
        assert.equal(c.settledReceiptId, r.id);
      }
      // It runs on from there: its report keeps the earlier campaigns, a new receipt takes the next id.
      await second.keeper.start();
      assert.deepEqual(
        second.report().campaigns.map((c) => c.campaignId),
        reported.map((c) => c.campaignId),
      );
      await until(
        "quotes again after the restart",
        () => second!.paper.orders.some((o) => o.status === "open"),
        60_000,
      );
      await second.stop();
      assert.ok(second.chain.ledger.receipts.length >= receipts.length);
      assert.deepEqual(second.chain.ledger.receipts.slice(0, receipts.length), receipts);
    } finally {
      await second?.stop();
      await first.close();
    }
  });

  it("riskLimit_oversizedOrder_refusedBeforeThePaperVenue", async () => {
    // 1 BTC quotes at about 30,000 USDT each, against a maxOrderNotional of 1,000.
    const s = setup({ strategies: [marketMaking({ orderSize: "1" })], maxOrderNotional: "1000" });
    try {
      await s.keeper.start();
      await until(
        "an order refused by the risk limits",
        async () => (await s.counter("keeper_risk_refusals_total")) >= 1,
        60_000,
      );
      assert.equal(s.paper.orders.length, 0, "no paper order placed");
      assert.equal(s.market.placeCalls, 0);
      const refusals = (await s.metrics.registry.getSingleMetric("keeper_risk_refusals_total")!.get()).values;
      assert.ok(
        refusals.some((v) => v.labels["control"] === "maxOrderNotional" && v.value >= 1),
        JSON.stringify(refusals),
      );
      assert.equal(s.report().campaigns.length, 0);
    } finally {
      await s.close();
    }
  });

  it("killSwitch_pausedPaperJournal_noNewCampaignUntilResumed", async () => {
    const s = setup({ strategies: [marketMaking()] });
    try {
      pauseKeeper(s.keeper.journal, "paper check");
      await s.keeper.start();
      await until("the stop reported", async () => (await s.counter("keeper_trading_stopped")) === 1, 30_000);
      const ticks = await s.counter("keeper_ticks_total");
      await until("more ticks", async () => (await s.counter("keeper_ticks_total")) > ticks + 5, 30_000);
      assert.equal(s.paper.orders.length, 0, "no order while paused");
      assert.equal(s.chain.ledger.campaigns.size, 0, "no campaign published while paused");
      resumeKeeper(s.keeper.journal);
      await until("quotes once resumed", () => s.paper.orders.length > 0, 60_000);
    } finally {
      await s.close();
    }
  });

  it("stop_calledWhileATickReadsTheVenues_thatTickStartsNoRunAndLeavesNoQuote", async () => {
    // The race a stopping keeper must not lose: `stop()` aborts the runs and drains their campaigns while a tick is
    // still reading the venues. That tick must start nothing once its read returns, or its new run's campaign would
    // draw after the drain and be left open (unrepaid) when the keeper stops.
    const s = setup({ strategies: [marketMaking()] });
    try {
      await startQuoting(s);
      // Hold the tick's book read (not the market maker's: its run must stop) until the runs have stopped.
      const read = s.market.fetchOrderBook.bind(s.market);
      let held = 0;
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      s.market.fetchOrderBook = async (pair: string) => {
        if (new Error().stack?.includes("readMarket")) {
          held++;
          await gate;
        }
        return read(pair);
      };
      await until("the tick's book read held", () => held >= 1, 30_000);
      const seen = s.keeper.keeper.decisions.length;
      const published = s.chain.ledger.campaigns.size;
      const stopping = s.stop();
      await until("the market maker stopped", () => s.keeper.keeper.campaigns.running().length === 0, 30_000);
      await new Promise((r) => setTimeout(r, 200));
      release();
      await stopping;
      await new Promise((r) => setTimeout(r, 200));
      const after = s.keeper.keeper.decisions.slice(seen).flatMap((d) => d.actions.filter((a) => a.kind === "start"));
      assert.deepEqual(after, [], "no run started once stop() was called");
      assert.equal(s.chain.ledger.campaigns.size, published, "no campaign published once stop() was called");
      assert.deepEqual(s.keeper.keeper.campaigns.running(), [], "no campaign left running");
      assert.deepEqual(
        s.paper.orders.filter((o) => o.status === "open").map((o) => o.clientOrderId),
        [],
        "no quote left resting",
      );
    } finally {
      await s.close();
    }
  });

  it("marketDataClient_holdsNoExchangeCredentials", () => {
    for (const exchange of ["binance", "okx"] as const) {
      const client = marketDataClient({ id: "x", exchange, baseUrl: "http://127.0.0.1:1", credentials: "live-keys" });
      assert.equal(client.apiKey, "", `${exchange} apiKey`);
      assert.equal(client.secret, "", `${exchange} secret`);
      assert.ok(!client.password, `${exchange} password`);
    }
  });
});

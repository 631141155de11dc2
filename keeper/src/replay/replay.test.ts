import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { TraceTree } from "../recording/merkle.js";
import { readTraceFile, traceFileName } from "../recording/trace-writer.js";
import { parseScenario } from "../sim/scenario.js";
import { runReplay, type ReplayReport, type StrategySpec } from "./replay.js";

/** Two venues, taker flow on Binance (fills the keeper's quotes), a 60 bps gap on OKX in steps 12..20. */
const scenario = parseScenario({
  name: "replay-test",
  seed: 11,
  stepMs: 1000,
  assets: [
    { code: "BTC", decimals: 8 },
    { code: "USDT", decimals: 8 },
  ],
  markets: [
    {
      base: "BTC",
      quote: "USDT",
      tickSize: "0.01",
      stepSize: "0.00001",
      minNotional: "5",
      initialPrice: 30_000,
      volatility: 0.3,
    },
  ],
  venues: [
    {
      name: "binance",
      dialect: "binance",
      makerFeeBps: 0,
      takerFeeBps: 10,
      liquidity: { "BTC/USDT": { levels: 5, halfSpreadBps: 6, spacingBps: 5, qtyPerLevel: "0.4", growth: 0 } },
      flow: { "BTC/USDT": { ordersPerStep: 2, qtyMin: "0.01", qtyMax: "0.08" } },
    },
    {
      name: "okx",
      dialect: "okx",
      makerFeeBps: 8,
      takerFeeBps: 10,
      gaps: [{ market: "BTC/USDT", fromStep: 12, toStep: 20, bps: 60 }],
      liquidity: { "BTC/USDT": { levels: 5, halfSpreadBps: 6, spacingBps: 5, qtyPerLevel: "0.4", growth: 0 } },
    },
  ],
  accounts: [
    {
      name: "alice",
      apiKey: "replay-alice-key",
      secret: "replay-alice-secret",
      passphrase: "alice-pass",
      balances: { BTC: "3", USDT: "100000" },
    },
  ],
});

const num = (s: string | undefined): number => Number(s ?? "0");

/** What the fills say each venue's balances moved by (fees taken in the asset received). */
function deltasFromFills(r: ReplayReport): Record<string, { BTC: number; USDT: number }> {
  const out: Record<string, { BTC: number; USDT: number }> = {};
  for (const f of r.fills) {
    const d = (out[f.venue] ??= { BTC: 0, USDT: 0 });
    const sign = f.side === "buy" ? 1 : -1;
    d.BTC += sign * f.qty;
    d.USDT -= sign * f.quoteQty;
    d[f.feeAsset as "BTC" | "USDT"] -= f.fee;
  }
  return out;
}

/**
 * Every campaign of the live keeper that filled has its receipt, settled on the replay's local chain, and the receipt's
 * root is the root of the trace written into `<dir>/receipts/traces` (recomputed here from the file).
 */
async function assertReceiptsProven(r: ReplayReport, dir: string): Promise<void> {
  assert.ok(r.campaigns.length >= 1, "campaigns");
  for (const c of r.campaigns) {
    if (c.fills === 0) {
      assert.equal(c.receipt, undefined, JSON.stringify(c));
      continue;
    }
    assert.equal(c.outcome, "settled", JSON.stringify(c));
    const receipt = c.receipt!;
    assert.ok(receipt && c.receiptId !== undefined, JSON.stringify(c));
    assert.equal(receipt.leafCount, c.fills);
    const { entries } = await readTraceFile(join(dir, "receipts", "traces", traceFileName(c.campaignId.toLowerCase())));
    const units = { depositAsset: "USDT", depositDecimals: 6, markPrices: receipt.markPrices ?? {} };
    assert.equal(TraceTree.fromEntries(entries, units).root, receipt.traceRoot, `trace root of ${c.campaignId}`);
  }
  assert.equal(r.summary.settledCampaigns, r.campaigns.filter((c) => c.outcome === "settled").length);
}

describe("runReplay", () => {
  it("runReplay_shortScenario_reportMatchesTheFills", async () => {
    const dir = await mkdtemp(join(tmpdir(), "replay-"));
    try {
      const r = await runReplay({
        scenario,
        steps: 30,
        outDir: dir,
        params: { debounceSeconds: 2, switchCooldownSeconds: 0, maxSwitchesPerHour: 60, retriesPerMinutePerPair: 10 },
      });
      assert.equal(r.pnl.length, 30);
      assert.deepEqual(
        r.strategies.map((s) => s.type),
        ["arbitrage", "marketMaking"],
      );
      // The market maker's quotes met the taker flow, and the planted gap was arbitraged.
      assert.ok(
        r.fills.some((f) => f.maker && f.venue === "binance"),
        "maker fills",
      );
      const arbRuns = r.runs.filter((x) => x.strategyId.startsWith("arb-") && x.status === "succeeded");
      assert.ok(arbRuns.length >= 1, JSON.stringify(r.runs));
      assert.ok(arbRuns.every((x) => x.startStep >= 12 && x.startStep < 21));
      assert.ok(
        r.switches.some((w) => w.mode === "preempt" && w.to.startsWith("arb-")),
        JSON.stringify(r.switches),
      );
      assert.ok(
        r.fills.some((f) => f.venue === "okx" && f.side === "sell" && !f.maker),
        "arbitrage sold on OKX",
      );

      // Balances moved exactly as the fills say, on every venue (to 1e-8).
      const deltas = deltasFromFills(r);
      for (const venue of ["binance", "okx"]) {
        for (const asset of ["BTC", "USDT"] as const) {
          const moved = num(r.balances.end[venue]?.[asset]) - num(r.balances.start[venue]?.[asset]);
          assert.ok(Math.abs(moved - (deltas[venue]?.[asset] ?? 0)) < 1e-6, `${venue} ${asset}: ${moved} vs fills`);
        }
      }
      // The reported PnL is the fills' cash flows plus the inventory marked at the mids.
      let fromFills = 0;
      for (const venue of ["binance", "okx"]) {
        const startBtc = num(r.balances.start[venue]?.BTC);
        const endBtc = startBtc + (deltas[venue]?.BTC ?? 0);
        fromFills +=
          (deltas[venue]?.USDT ?? 0) +
          endBtc * num(r.mids.end[`${venue}|BTC/USDT`]) -
          startBtc * num(r.mids.start[`${venue}|BTC/USDT`]);
      }
      assert.ok(Math.abs(r.summary.pnl - fromFills) < 0.01, `report ${r.summary.pnl} vs fills ${fromFills}`);
      assert.equal(r.summary.fills, r.fills.length);
      // Realised PnL of the engine = sum of the finished runs' PnL.
      const runsPnl = r.runs.reduce((s, x) => s + (x.pnl ?? 0), 0);
      assert.ok(Math.abs(r.summary.realisedPnl - runsPnl) < 1e-6);

      // Every run was a campaign of the live keeper: the arbitrage and the market maker settled with their receipts.
      assert.deepEqual(r.errors, []);
      assert.ok(r.campaigns.some((c) => c.type === "arbitrage" && c.outcome === "settled"));
      assert.ok(r.campaigns.some((c) => c.type === "marketMaking" && c.outcome === "settled"));
      await assertReceiptsProven(r, dir);

      const json = JSON.parse(await readFile(join(dir, "report.json"), "utf8")) as ReplayReport;
      assert.equal(json.summary.pnl, r.summary.pnl);
      const html = await readFile(join(dir, "report.html"), "utf8");
      assert.match(html, /<svg[^>]*aria-label="PnL curve"/);
      assert.match(html, /<svg[^>]*aria-label="fills"/);
      assert.doesNotMatch(html, /<script|<link|src=/, "self-contained");
      assert.match(html, new RegExp(`<dd id="fills">${r.fills.length}</dd>`));
      assert.match(
        html,
        new RegExp(`<dd id="campaigns">${r.campaigns.length} \\(${r.summary.settledCampaigns}\\)</dd>`),
      );
      assert.match(html, /<h2>Campaigns<\/h2>/);
      assert.ok(r.marketMaking.length >= 1);
      assert.match(
        html,
        new RegExp(`<h2>Market making</h2>.*<td>${r.marketMaking[0]!.runId}</td><td>mm-btc-binance</td>`, "s"),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("runReplay_tightSlippageBound_everyOrderRefusedByTheSafetyRules", async () => {
    // maxSlippageBps 1: every quote (5 bps from the mid) and every arbitrage limit is outside the band.
    const r = await runReplay({
      scenario,
      steps: 16,
      params: { maxSlippageBps: 1, debounceSeconds: 2, switchCooldownSeconds: 0, failureCooldownSeconds: 0 },
    });
    assert.ok(r.runs.length >= 2, JSON.stringify(r.runs));
    assert.deepEqual(r.fills, [], "no order of the keeper reached a venue");
    assert.ok(
      r.runs.every((x) => x.status === undefined || x.status === "failed"),
      JSON.stringify(r.runs),
    );
    assert.deepEqual(r.balances.end, r.balances.start, "balances untouched (PnL is only the price moving)");
  });

  const scenarioFile = (name: string): string => fileURLToPath(new URL(`../sim/scenarios/${name}`, import.meta.url));

  it("runReplay_scenarioWithoutGaps_marketMakingEndsWithPositivePnlNetOfFeesInsideItsBand", async () => {
    const dir = await mkdtemp(join(tmpdir(), "replay-"));
    const r = await runReplay({ scenario: scenarioFile("mm-steady.json"), steps: 150, outDir: dir });
    assert.equal(r.switches.length, 0);
    assert.ok(r.runs.length >= 2 && r.runs.every((x) => x.strategyId === "mm-btc-binance"), JSON.stringify(r.runs));
    // Each run is one market-making campaign quoting for its window (60 s of scenario time, ending before its claim
    // expires), then settled with its receipt; the engine starts the next one.
    for (const x of r.runs.slice(0, -1)) {
      assert.equal(x.status, "succeeded", JSON.stringify(x));
      assert.ok(x.endStep! - x.startStep <= 60, JSON.stringify(x));
    }
    assert.deepEqual(r.errors, []);
    assert.equal(r.campaigns.length, r.runs.length);
    assert.ok(r.campaigns.every((c) => c.outcome === "settled" && c.receipt?.markPrices?.["BTC/USDT"]));
    await assertReceiptsProven(r, dir);
    await rm(dir, { recursive: true, force: true });
    const makerFills = r.fills.filter((f) => f.maker && f.venue === "binance");
    assert.ok(makerFills.length >= 50, `maker fills ${makerFills.length}`);
    // Fees were paid (2 bps maker) and are inside the PnL: balances moved exactly as the fills say, net of fees.
    assert.ok((r.summary.fees.USDT ?? 0) > 0 && (r.summary.fees.BTC ?? 0) > 0, JSON.stringify(r.summary.fees));
    const deltas = deltasFromFills(r);
    for (const asset of ["BTC", "USDT"] as const) {
      const moved = num(r.balances.end.binance?.[asset]) - num(r.balances.start.binance?.[asset]);
      assert.ok(Math.abs(moved - (deltas.binance?.[asset] ?? 0)) < 1e-6, `${asset}: ${moved} vs fills`);
    }
    // The market maker's own PnL (net of fees, inventory change at the venue's mid) is positive, and so is
    // the account's once the price drift of the BTC it held from the start is taken out.
    const mmPnl = r.marketMaking.reduce((s, m) => s + m.pnl, 0);
    assert.ok(mmPnl > 0, `market-making PnL ${mmPnl}`);
    const drift = ["binance", "okx"].reduce(
      (s, v) =>
        s + num(r.balances.start[v]?.BTC) * (num(r.mids.end[`${v}|BTC/USDT`]) - num(r.mids.start[`${v}|BTC/USDT`])),
      0,
    );
    assert.ok(r.summary.pnl - drift > 0, `account PnL ${r.summary.pnl} with a drift of ${drift}`);
    assert.ok(Math.abs(r.summary.pnl - drift - mmPnl) < 1, "the account's trading PnL is the maker's");
    // Inventory inside its band at the end of every run and after every step.
    assert.ok(r.marketMaking.length >= 1);
    for (const m of r.marketMaking) assert.ok(m.insideBand, JSON.stringify(m));
    const band = r.marketMaking[0]!.band;
    for (const p of r.pnl) {
      const btc = p.inventory.binance?.BTC ?? 0;
      assert.ok(btc >= band.min && btc <= band.max, `step ${p.step}: ${btc} outside [${band.min}, ${band.max}]`);
    }
    // The volatility the engine weighed was measured from the mids (it moves from step to step).
    const vols = new Set(r.pnl.slice(20).map((p) => p.volatilityBps["BTC/USDT"]));
    assert.ok(vols.size > 10, "measured volatility");
    assert.equal(r.summary.openOrdersAtEnd, 0);
  });

  it("runReplay_scenarioWithGaps_everySwitchPassesTheThresholdAndMarketMakingResumesWithANewBaseline", async () => {
    const r = await runReplay({ scenario: scenarioFile("mm-preempt.json"), steps: 200 });
    assert.ok(r.switches.length >= 1, "at least one switch");
    // Challenger ROI >= threshold x current ROI, with the threshold the keeper read from the chain (the default).
    for (const w of r.switches) {
      assert.equal(w.thresholdBps, 15_000);
      assert.ok(w.toRoi >= (w.thresholdBps / 10_000) * w.fromRoi, JSON.stringify(w));
    }
    const pre = r.switches.find((w) => w.mode === "preempt" && w.from.startsWith("mm-") && w.to.startsWith("arb-"));
    assert.ok(pre, JSON.stringify(r.switches));
    const first = r.runs.find((x) => x.strategyId === pre.from && x.status === "aborted");
    assert.ok(first, JSON.stringify(r.runs));
    const arb = r.runs.find((x) => x.strategyId === pre.to && x.startStep > pre.step);
    assert.ok(arb && arb.status === "succeeded", JSON.stringify(r.runs));
    const resumed = r.runs.find((x) => x.resumedFrom === first.runId);
    assert.ok(resumed && resumed.startStep >= arb.endStep!, JSON.stringify(r.runs));
    // Each run is its own campaign: the resumed run measures PnL from the account's value when it resumed
    // (after the arbitrage moved the venue's balances), and carries the earlier run's PnL only for reporting.
    const m1 = r.marketMaking.find((m) => m.runId === first.runId)!;
    const m2 = r.marketMaking.find((m) => m.runId === resumed.runId)!;
    assert.notEqual(m2.baselineValue, m1.endValue);
    assert.ok(Math.abs(m2.previousPnl - m1.pnl) < 1e-6);
    assert.ok(Math.abs(m2.startInventory - m1.endInventory) > 0.01, "the arbitrage moved the maker's inventory");
    assert.equal(r.summary.openOrdersAtEnd, 0);
    // The pre-empted market maker's campaign settled with what it did, then the arbitrage's, then the resumed one's.
    const settled = (runId: number) => r.campaigns.find((c) => c.runId === runId && c.outcome === "settled");
    assert.ok(settled(first.runId) && settled(arb.runId) && settled(resumed.runId), JSON.stringify(r.campaigns));
    assert.deepEqual(r.errors, []);
  });

  it("runReplay_thresholdRaisedOnChain_nextSwitchDecisionUsesIt", async () => {
    // Same scenario, same steps: at the chain's default (1.5x) the market maker is pre-empted when the gap has been
    // open for the debounce, by an arbitrage paying less than 5x its ROI; governance raising the threshold to 5x at
    // step 10 holds that pre-emption back, and any switch the keeper still makes passes 5x.
    const file = scenarioFile("mm-preempt.json");
    const base = await runReplay({ scenario: file, steps: 52 });
    const pre = base.switches.find((w) => w.mode === "preempt");
    assert.ok(pre && pre.thresholdBps === 15_000 && pre.toRoi < 5 * pre.fromRoi, JSON.stringify(base.switches));
    const r = await runReplay({
      scenario: file,
      steps: 52,
      parameterChanges: [{ step: 10, name: "roiThresholdBps", value: 50_000 }],
    });
    assert.deepEqual(r.parameterChanges, [{ step: 10, name: "roiThresholdBps", value: 50_000 }]);
    assert.ok(!r.switches.some((w) => w.step === pre.step), JSON.stringify(r.switches));
    for (const w of r.switches) {
      assert.ok(w.thresholdBps === 50_000 && w.toRoi >= 5 * w.fromRoi, JSON.stringify(w));
    }
    // The market maker quoted on until the replay stopped it.
    assert.ok(
      r.runs.every((x) => x.strategyId.startsWith("mm-")),
      JSON.stringify(r.runs),
    );
  });

  it("runReplay_parametersOutsideTheContractsBounds_failBeforeReplaying", async () => {
    await assert.rejects(
      runReplay({
        scenario,
        steps: 5,
        parameterChanges: [{ step: 1, name: "roiThresholdBps", value: 60_000 }],
      }),
      { message: "parameter change of roiThresholdBps: 60000 is outside the contract's 10000..50000" },
    );
    await assert.rejects(runReplay({ scenario, steps: 5, params: { maxSwitchesPerHour: 600 } }), (err: Error) => {
      assert.match(err.message, /^params: the local chain refuses them: .*ParametersOutOfBounds/);
      return true;
    });
  });

  it("runReplay_orderNotionalLimit_everyOrderRefusedByTheRiskLimits", async () => {
    // The live keeper's risk limits guard every order: no order above 100 USDT of notional reaches a venue.
    const r = await runReplay({
      scenario,
      steps: 16,
      limits: { maxOrderNotional: "100" },
      params: { debounceSeconds: 2, switchCooldownSeconds: 0, failureCooldownSeconds: 0 },
    });
    assert.ok(r.runs.length >= 2, JSON.stringify(r.runs));
    assert.deepEqual(r.fills, []);
    assert.ok(
      r.runs.some((x) => x.status === "failed" && /maxOrderNotional/.test(x.error ?? "")),
      JSON.stringify(r.runs),
    );
    assert.deepEqual(r.balances.end, r.balances.start);
  });

  it("runReplay_gapWithInventoryBands_noVenueIsDrainedAndRebalanceRestoresEachVenue", async () => {
    // 4 BTC on each venue; the 60 bps OKX gap (steps 40..80) pays to buy on Binance and sell on OKX.
    const legs = (band: boolean) =>
      ["binance", "okx"].map((venueId) => ({
        venueId,
        pair: "BTC/USDT",
        takerFeeBps: 10,
        ...(band ? { inventory: { min: "3", max: "5" } } : {}),
      }));
    const arb = (band: boolean): StrategySpec => ({
      plugin: "arbitrage",
      config: { id: "arb-btc", pair: "BTC/USDT", legs: legs(band), retryBudget: 2 },
    });
    const rebalance = (venueId: string): StrategySpec => ({
      plugin: "rebalance",
      config: {
        id: `reb-${venueId}`,
        pair: "BTC/USDT",
        venueId,
        targetBase: "4",
        band: "0.5",
        riskBps: 40,
        takerFeeBps: 10,
        maxSlippageBps: 20,
        lot: "0.00001",
      },
    });
    const file = scenarioFile("mm-preempt.json");
    // Without bands, the one gap drains OKX's BTC (the test below would fail on this run).
    const unbounded = await runReplay({ scenario: file, steps: 50, strategies: [arb(false)] });
    assert.ok(Math.min(...unbounded.pnl.map((p) => p.inventory.okx?.BTC ?? 0)) < 1, "drained without bands");

    const r = await runReplay({
      scenario: file,
      steps: 130,
      strategies: [arb(true), rebalance("binance"), rebalance("okx")],
    });
    assert.ok(r.runs.some((x) => x.strategyId === "arb-btc" && x.status === "succeeded"));
    for (const p of r.pnl) {
      for (const venue of ["binance", "okx"]) {
        const btc = p.inventory[venue]?.BTC ?? 0;
        assert.ok(btc >= 3 - 1e-9 && btc <= 5 + 1e-9, `step ${p.step} ${venue}: ${btc} BTC outside [3, 5]`);
      }
    }
    // The rebalance waits for the gap to close (it would buy OKX at its premium), then brings both back.
    const rebalances = r.runs.filter((x) => x.strategyId.startsWith("reb-") && x.status === "succeeded");
    assert.ok(rebalances.length >= 2 && rebalances.every((x) => x.startStep >= 80), JSON.stringify(r.runs));
    for (const venue of ["binance", "okx"]) {
      const btc = num(r.balances.end[venue]?.BTC);
      assert.ok(Math.abs(btc - 4) <= 0.5, `${venue} ends at ${btc} BTC, outside its rebalance band`);
    }
  });
});

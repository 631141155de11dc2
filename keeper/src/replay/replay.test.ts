import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseScenario } from "../sim/scenario.js";
import { runReplay, type ReplayReport } from "./replay.js";

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

      const json = JSON.parse(await readFile(join(dir, "report.json"), "utf8")) as ReplayReport;
      assert.equal(json.summary.pnl, r.summary.pnl);
      const html = await readFile(join(dir, "report.html"), "utf8");
      assert.match(html, /<svg[^>]*aria-label="PnL curve"/);
      assert.match(html, /<svg[^>]*aria-label="fills"/);
      assert.doesNotMatch(html, /<script|<link|src=/, "self-contained");
      assert.match(html, new RegExp(`<dd id="fills">${r.fills.length}</dd>`));
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
});

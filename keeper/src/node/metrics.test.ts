import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { localSystem, type LocalSystem } from "../chain/testing/local-system.js";
import type { RunningSimulation } from "../sim/venues.js";
import { createMetrics, serveMetrics } from "./metrics.js";
import { keeperAccount, keeperNode, plantGap, startKeeperSimulation, SYMBOL } from "./testing/local-keepers.js";
import { tapeOf } from "./testing/tape.js";
import { until } from "./testing/until.js";

/** The value of one sample line of a Prometheus text body (sum over label sets matching `labels`). */
export function metricValue(body: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of body.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

describe("metrics", () => {
  it("serveMetrics_servesPrometheusText_healthAndNotFound", async () => {
    const metrics = createMetrics({ keeper: "k1" });
    metrics.health = () => ({ healthy: false, venues: {} });
    const server = await serveMetrics(metrics, 0);
    try {
      const { port } = server.address() as AddressInfo;
      const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      assert.match(body, /keeper_healthy\{keeper="k1"\} 0/);
      assert.equal((await fetch(`http://127.0.0.1:${port}/health`)).status, 503);
      assert.equal((await fetch(`http://127.0.0.1:${port}/other`)).status, 404);
    } finally {
      server.close();
    }
  });
});

describe("metrics of the live path (finding 4)", () => {
  let sys: LocalSystem;
  let run: RunningSimulation;
  let dir: string;
  let keeper: ReturnType<typeof keeperNode>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "keeper-metrics-"));
    sys = await localSystem();
    run = await startKeeperSimulation(1);
    keeper = keeperNode(await sys.onboardKeeper(0), run, 0, join(dir, "k0"));
  });
  after(async () => {
    await keeper.node.stop();
    keeper.journal.close();
    await run.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("F4_liveCampaign_metricsJournalReceiptsMatchTheVenuesTape", async () => {
    await keeper.node.start();
    plantGap(run);
    await until(
      "a posted receipt in the journal",
      () => keeper.journal.receipts().some((r) => r.state === "posted"),
      60_000,
    );
    await until("the campaign settled", () => keeper.journal.unsettledOrders().length === 0, 60_000);
    const port = keeper.node.metricsPort!;
    const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const account = keeperAccount(0).name;
    const tapes = ["alpha", "beta"].map((v) => tapeOf(run, v, account, SYMBOL));
    const filled = tapes.reduce((n, t) => n + t.filledOrders, 0);
    assert.ok(filled >= 2, "the campaign bought and sold");
    // The live path's counters, read from /metrics, equal the venues' own tape.
    assert.equal(metricValue(body, "keeper_fills_total"), filled);
    const base = tapes.reduce((s, t) => s + t.base, 0n);
    const quote = tapes.reduce((s, t) => s + t.quote, 0n);
    const pnl = tapes.reduce((s, t) => s + t.pnl, 0n);
    assert.ok(Math.abs(metricValue(body, "keeper_filled_base_total") - Number(base) / 1e18) < 1e-9);
    assert.ok(Math.abs(metricValue(body, "keeper_filled_quote_total") - Number(quote) / 1e18) < 1e-6);
    assert.ok(Math.abs(metricValue(body, "keeper_pnl") - Number(pnl) / 1e18) < 1e-6, `pnl ${pnl}`);
    assert.ok(metricValue(body, "keeper_orders_total") >= filled);
    assert.ok(metricValue(body, "keeper_order_latency_seconds_count") >= filled);
    // Receipts: journalled (keeper status counts them) and counted.
    const posted = keeper.journal.receipts().filter((r) => r.state === "posted").length;
    assert.equal(metricValue(body, "keeper_receipts_total", { state: "posted" }), posted);
    assert.equal(metricValue(body, "keeper_healthy"), 1);
    // No order is left `intent`.
    for (const t of tapes)
      for (const id of t.clientOrderIds) assert.notEqual(keeper.journal.getOrder(id)?.state, "intent");
  });
});

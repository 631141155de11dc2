import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { localSystem, type LocalSystem } from "../chain/testing/local-system.js";
import type { RunningSimulation } from "../sim/venues.js";
import { keeperAccount, keeperNode, plantGap, startKeeperSimulation, SYMBOL } from "./testing/local-keepers.js";

const until = async (what: string, cond: () => Promise<boolean>, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe("KeeperNode: three keepers race for planted gaps", () => {
  let sys: LocalSystem;
  let run: RunningSimulation;
  let dir: string;
  let nodes: ReturnType<typeof keeperNode>[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "keepers-"));
    sys = await localSystem();
    run = await startKeeperSimulation(3);
    nodes = [];
    for (let i = 0; i < 3; i++) nodes.push(keeperNode(await sys.onboardKeeper(i), run, i, join(dir, `k${i}.db`)));
  });
  after(async () => {
    for (const n of nodes) await n.node.stop();
    for (const n of nodes) n.journal.close();
    await run.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("run_plantedGaps_eachCampaignExecutedOnceAndSettledWithItsReceipt", async () => {
    for (const n of nodes) await n.node.start();
    const chain = await sys.adapter(0);
    const settled = async () => chain.campaigns.queryFilter(chain.campaigns.filters.CampaignSettled());
    for (let gap = 0; gap < 2; gap++) {
      // Each gap at its own price: the same plan in the same time bucket is the same campaign (already settled).
      plantGap(run, gap === 0 ? "29700" : "29650");
      await until(`gap ${gap} settled`, async () => (await settled()).length >= gap + 1);
    }
    // Let the losers look again, then stop.
    await new Promise((r) => setTimeout(r, 500));
    for (const n of nodes) await n.node.stop();

    const events = await settled();
    assert.equal(events.length, 2);
    const keepers = [0, 1, 2].map((i) => keeperAccount(i).name);
    for (const e of events) {
      const id = e.args.campaignId;
      const winner = e.args.keeper;
      // Only the winner traded for this campaign, and no client order id was used twice on any venue.
      const traders = new Set<string>();
      for (const [venue, v] of run.sim.venues) {
        for (const k of keepers) {
          const orders = v.exchange.allOrders(k, SYMBOL, { limit: 1000 });
          const ids = orders.map((o) => o.clientOrderId);
          assert.equal(new Set(ids).size, ids.length, `${venue} ${k}: duplicate client order id`);
          const i = keepers.indexOf(k);
          const mine = nodes[i]!.journal.ordersOfCampaign(id);
          if (mine.length > 0) traders.add(k);
          for (const o of mine) assert.ok(["filled", "cancelled"].includes(o.state), `${o.clientOrderId} ${o.state}`);
        }
      }
      assert.equal(traders.size, 1, `campaign ${id} traded by ${[...traders].join(",")}`);
      const wi = [0, 1, 2].find(
        (i) => nodes[i]!.node.dispatcher && nodes[i]!.journal.campaignProgress(id) === "settled",
      )!;
      assert.equal((await sys.adapter(1 + wi)).account, winner);
      // The settled receipt is the winner's, with one leaf per fill.
      const c = await chain.getCampaign(id);
      const r = await chain.getReceipt(c.settledReceiptId);
      assert.equal(r.keeper, winner);
      assert.equal(r.leafCount, nodes[wi]!.journal.ordersOfCampaign(id).filter((o) => o.filled !== "0").length);
    }
    // Metrics counted ticks and heartbeats on every node; no node counted an error.
    for (const n of nodes) {
      const text = await n.metrics.registry.metrics();
      assert.match(text, /keeper_ticks_total\{[^}]*\} [1-9]/);
      assert.match(text, /keeper_heartbeats_total\{[^}]*\} 1/);
      assert.doesNotMatch(
        text,
        /keeper_errors_total\{/,
        text
          .split("\n")
          .filter((l) => l.includes("error"))
          .join("\n"),
      );
    }
  });
});

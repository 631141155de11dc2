import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { serveVerifier, VerifierService } from "../attestation/verifier-service.js";
import { localSystem, type LocalSystem } from "../chain/testing/local-system.js";
import { verifyLeafOnChain } from "../recording/post.js";
import { checkReceiptAgainstStore, proveTraceLeafFromStore } from "../recording/receipt.js";
import { loadSealedReceipt } from "../recording/seal.js";
import { LocalDirectoryStore } from "../recording/store/local.js";
import type { RunningSimulation } from "../sim/venues.js";
import { attestThroughVerifier } from "./attest.js";
import { keeperAccount, keeperNode, plantGap, startKeeperSimulation, SYMBOL } from "./testing/local-keepers.js";
import { until } from "./testing/until.js";

describe("KeeperNode: three keepers race for planted gaps", () => {
  let sys: LocalSystem;
  let run: RunningSimulation;
  let dir: string;
  let nodes: ReturnType<typeof keeperNode>[];
  /** Settled campaign -> index of the keeper that executed it (set by the first test). */
  const winners = new Map<string, number>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "keepers-"));
    sys = await localSystem();
    run = await startKeeperSimulation(3);
    nodes = [];
    for (let i = 0; i < 3; i++) nodes.push(keeperNode(await sys.onboardKeeper(i), run, i, join(dir, `k${i}`)));
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
    winners.clear();
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
      winners.set(id, wi);
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

  it("run_settledReceipt_cidResolvesInKeeperStoreAndKeeperProofVerifiesOnChain", async () => {
    assert.equal(winners.size, 2, "the race test settled two campaigns");
    const chain = await sys.adapter(0);
    for (const [id, wi] of winners) {
      const receiptId = (await chain.getCampaign(id)).settledReceiptId;
      const posted = await chain.receipts.getReceipt(receiptId);
      // The CID on chain resolves in the winner's store (<dataDir>/store), read by a fresh store instance.
      const store = new LocalDirectoryStore(join(dir, `k${wi}`, "store"));
      assert.ok(await store.has(posted.cid), `${posted.cid} in keeper ${wi}'s store`);
      // The receipt the keeper sealed before posting is the one on chain, and the store's trace rebuilds it.
      const sealed = await loadSealedReceipt(join(dir, `k${wi}`, "traces"), id);
      assert.ok(sealed, `keeper ${wi} sealed ${id}`);
      const { receipt } = sealed;
      assert.equal(receipt.traceRoot, posted.traceRoot);
      assert.equal(receipt.cid, posted.cid);
      assert.equal(await chain.receipts.receiptIdByExecutionHash(receipt.executionHash), receiptId);
      assert.deepEqual(await checkReceiptAgainstStore(receipt, store), []);
      // Every leaf's keeper-produced proof verifies against the posted root; a proof under another receipt does not.
      for (let seq = 0; seq < receipt.leafCount; seq++) {
        const proof = await proveTraceLeafFromStore(store, posted.cid, seq);
        assert.equal(proof.root, posted.traceRoot);
        assert.equal(await verifyLeafOnChain(chain.receipts, receiptId, proof), true, `leaf ${seq}`);
      }
      const other = [...winners.keys()].find((x) => x !== id)!;
      const otherId = (await chain.getCampaign(other)).settledReceiptId;
      const foreign = await proveTraceLeafFromStore(store, posted.cid, 0);
      assert.equal(await verifyLeafOnChain(chain.receipts, otherId, foreign), false);
    }
  });
});

describe("KeeperNode: attestation renewal", () => {
  let sys: LocalSystem;
  let run: RunningSimulation;
  let dir: string;
  let verifier: Server;
  let keeper: ReturnType<typeof keeperNode> | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "keeper-attest-"));
    sys = await localSystem();
    run = await startKeeperSimulation(1);
    verifier = await serveVerifier(new VerifierService(await sys.adapter(4)), 0);
  });
  after(async () => {
    await keeper?.node.stop();
    keeper?.journal.close();
    await new Promise<void>((r) => verifier.close(() => r()));
    await run.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("tick_chainTimePastHalfTheAttestationMaxAge_attestsAgainThroughTheVerifier", async () => {
    const chain = await sys.onboardKeeper(0);
    const url = `http://127.0.0.1:${(verifier.address() as AddressInfo).port}`;
    keeper = keeperNode(chain, run, 0, join(dir, "k0"), {
      attest: async () => void (await attestThroughVerifier(chain, url)),
      // Only failed attempts wait for this: renewals that succeed are never held back by it.
      attestRetryMs: 60_000,
    });
    const first = await chain.keeperStatus();
    assert.equal(first.attested, true);
    await keeper.node.start();
    // Fresh: nothing to renew.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await chain.keeperStatus()).attestedAt, first.attestedAt);
    // Two days later (max age: one day) the attestation has expired; the running keeper renews it, and again
    // after the next jump.
    let previous = first.attestedAt;
    for (let jump = 0; jump < 2; jump++) {
      await sys.advance(2 * 86_400);
      assert.equal((await chain.keeperStatus()).attested, false);
      await until(`renewal ${jump + 1}`, async () => (await chain.keeperStatus()).attested);
      const renewed = await chain.keeperStatus();
      assert.ok(renewed.attestedAt >= previous + 2n * 86_400n, `attestedAt ${renewed.attestedAt}`);
      previous = renewed.attestedAt;
      // A development quote carries its wall-clock second; the registry refuses a quote used before.
      await new Promise((r) => setTimeout(r, 1_100));
    }
    const text = await keeper.metrics.registry.metrics();
    assert.match(text, /keeper_attestations_renewed_total\{[^}]*\} 2/);
    assert.doesNotMatch(
      text,
      /keeper_errors_total\{/,
      text
        .split("\n")
        .filter((l) => l.includes("error"))
        .join("\n"),
    );
  });
});

/**
 * Keeper-level end to end, on an in-process chain with the whole system and the exchange simulator: a depositor funds
 * the vault, three keeper nodes (wired as `keeper run` wires them, vault capital on) race for planted arbitrage gaps.
 * Checks: every campaign executed once (one settlement per campaign, one trader, no client order id twice, one buy per
 * gap); every settled receipt's trace, fetched from the winner's content store by its on-chain CID, rebuilds the
 * on-chain Merkle root and a leaf's proof verifies against it; reputation counters and scores move; every funded
 * campaign's capital is repaid once with principal + its receipt's PnL and the vault's books agree with the journals;
 * after the profit unlock period the share price is higher than before.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { encodeBytes32String } from "ethers";
import type { KeeperCapital, StrategyVault } from "../../../types/ethers-contracts/index.js";
import { localSystem, type LocalSystem } from "../chain/testing/local-system.js";
import { NO_RECEIPT } from "../chain/vault.js";
import { verifyLeafOnChain } from "../recording/post.js";
import { loadTraceDocument } from "../recording/receipt.js";
import { TraceTree } from "../recording/merkle.js";
import { TRACE_LEAF_ENCODING } from "../recording/trace.js";
import { LocalDirectoryStore } from "../recording/store/local.js";
import type { RunningSimulation } from "../sim/venues.js";
import { keeperAccount, keeperNode, plantGap, startKeeperSimulation, SYMBOL } from "./testing/local-keepers.js";
import { until } from "./testing/until.js";
import { fundVault, USD } from "./testing/vault.js";

const GAPS = ["29700", "29650", "29600"];
/** 1e6 svUSD (shares have 12 decimals): the share price in deposit-asset base units per million shares. */
const PRICE_SHARES = 10n ** 18n;

describe("keepers end to end: race, receipts, reputation, vault capital", () => {
  let sys: LocalSystem;
  let run: RunningSimulation;
  let dir: string;
  let vault: StrategyVault;
  let book: KeeperCapital;
  let nodes: ReturnType<typeof keeperNode>[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "keepers-e2e-"));
    sys = await localSystem();
    run = await startKeeperSimulation(3);
    // A depositor (#10) funds the vault; the reference feed prices the simulated BTC/USDT market (flat 30 000).
    ({ vault, book } = await fundVault(sys, 200_000n * USD));
    nodes = [];
    for (let i = 0; i < 3; i++) {
      nodes.push(keeperNode(await sys.onboardKeeper(i), run, i, join(dir, `k${i}`), { capital: true }));
    }
  });
  after(async () => {
    for (const n of nodes) await n.node.stop();
    for (const n of nodes) n.journal.close();
    await run.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("run_threeKeepersPlantedGaps_executedOnceProvenScoredAndRepaidSharePriceRises", async () => {
    const chain = await sys.adapter(0);
    const keepers = await Promise.all([1, 2, 3].map((i) => sys.adapter(i)));
    const reputation = async () =>
      Promise.all(
        keepers.map(async (k) => ({
          score: await chain.reputation.score(k.account),
          health: await chain.reputation.health(k.account),
          successes: (await chain.reputation.countersOf(k.account)).successes,
        })),
      );
    const before = await reputation();
    const sharePrice0 = await vault.convertToAssets(PRICE_SHARES);

    for (const n of nodes) await n.node.start();
    const settled = async () => chain.campaigns.queryFilter(chain.campaigns.filters.CampaignSettled());
    for (const [g, price] of GAPS.entries()) {
      plantGap(run, price);
      await until(`gap ${g} settled`, async () => (await settled()).length >= g + 1);
    }
    // Every settled campaign repaid (the nodes repay on their next tick), then stop.
    const repaid = async () => book.queryFilter(book.filters.Repaid());
    await until("repayments", async () => {
      const r = await repaid();
      return (await settled()).every((s) => r.some((e) => e.args.receiptId === s.args.receiptId));
    });
    for (const n of nodes) await n.node.stop();

    // 1. Executed once: one settlement per campaign, one trader per campaign, one filled buy per planted gap.
    const events = await settled();
    assert.equal(events.length, GAPS.length, "one campaign settled per gap");
    assert.equal(new Set(events.map((e) => e.args.campaignId)).size, events.length, "no campaign settled twice");
    const names = [0, 1, 2].map((i) => keeperAccount(i).name);
    let buys = 0;
    for (const [, v] of run.sim.venues) {
      for (const k of names) {
        const orders = v.exchange.allOrders(k, SYMBOL, { limit: 1000 });
        const ids = orders.map((o) => o.clientOrderId);
        assert.equal(new Set(ids).size, ids.length, `${k}: a client order id used twice`);
        buys += orders.filter((o) => o.side === "BUY" && o.executedQty > 0n).length;
      }
    }
    assert.equal(buys, GAPS.length, "one filled buy per planted gap: no double order");

    // 2. Receipts with valid proofs: the trace behind the on-chain CID rebuilds the root; a leaf's proof verifies.
    const winnerOf = (keeper: string) => keepers.findIndex((k) => k.account === keeper);
    for (const e of events) {
      const wi = winnerOf(e.args.keeper);
      assert.ok(wi >= 0);
      const traders = nodes.filter((n) => n.journal.ordersOfCampaign(e.args.campaignId).length > 0);
      assert.ok(traders.length === 1 && traders[0] === nodes[wi], "only the winner traded the campaign");
      const posted = await chain.receipts.getReceipt(e.args.receiptId);
      const doc = await loadTraceDocument(new LocalDirectoryStore(join(dir, `k${wi}`, "store")), posted.cid);
      const tree = TraceTree.fromEntries(doc.entries, doc.units);
      assert.equal(tree.root, posted.traceRoot, "the stored trace rebuilds the on-chain root");
      assert.equal(BigInt(tree.leafCount), posted.leafCount);
      const proof = tree.proof(posted.leafCount > 1n ? 1 : 0);
      assert.equal(
        StandardMerkleTree.verify(posted.traceRoot, [...TRACE_LEAF_ENCODING], proof.leaf, [...proof.proof]),
        true,
      );
      assert.equal(await verifyLeafOnChain(chain.receipts, e.args.receiptId, proof), true, "the registry agrees");
    }

    // 3. Reputation moved: each winner's successes grew by its settlements of campaigns another operator published
    // (a success on a campaign its own operator published is not scored at once: it is queued until its receipt can
    // no longer be disputed, a day later, or ignored while one is pending) and its score changed (claim-to-settle
    // delay); every keeper stayed healthy (heartbeats).
    const after = await reputation();
    const ignored = await chain.campaigns.queryFilter(chain.campaigns.filters.SelfPublishedSuccessIgnored());
    const queued = await chain.campaigns.queryFilter(chain.campaigns.filters.SelfPublishedSuccessQueued());
    const self = new Set([...ignored, ...queued].map((e) => e.args.campaignId));
    for (const e of events) {
      const c = await chain.campaigns.campaignOf(e.args.campaignId);
      const sameOperator = c.publisherOperator === (await chain.receipts.getReceipt(e.args.receiptId)).operator;
      assert.equal(
        self.has(e.args.campaignId),
        sameOperator,
        "self-published successes are the queued or ignored ones",
      );
    }
    for (const [i, k] of keepers.entries()) {
      const wins = BigInt(events.filter((e) => e.args.keeper === k.account && !self.has(e.args.campaignId)).length);
      // Counters decay with `scoreHalfLifeSeconds` (a week): within seconds a success still weighs ~1e18.
      const grew = after[i]!.successes - before[i]!.successes;
      assert.ok(grew <= wins * 10n ** 18n && grew >= (wins * 10n ** 18n * 999n) / 1000n, `keeper ${i}: ${grew}`);
      if (wins > 0n) assert.notEqual(after[i]!.score, before[i]!.score, `keeper ${i} score moved`);
      assert.equal(after[i]!.health, 10_000n);
    }

    // 4. Capital: every settled campaign's receipt is referenced by exactly one repayment returning its principal +
    // the receipt's PnL (a profit); the vault's debts equal the journals' outstanding capital; no breaker trip.
    const repayments = await repaid();
    for (const e of events) {
      const r = repayments.filter((x) => x.args.receiptId === e.args.receiptId);
      assert.equal(r.length, 1, `receipt ${e.args.receiptId} repaid once`);
      const pnl = (await chain.receipts.getReceipt(e.args.receiptId)).summary.pnl;
      assert.ok(pnl > 0n, `an arbitrage of a planted gap makes a profit (${pnl})`);
      assert.equal(r[0]!.args.returned - r[0]!.args.principal, pnl);
      assert.ok(r[0]!.args.principal > 0n && r[0]!.args.principal <= 2_000n * USD, `${r[0]!.args.principal}`);
    }
    const withReceipt = repayments.filter((x) => x.args.receiptId !== NO_RECEIPT);
    assert.equal(withReceipt.length, events.length, "one repayment per settled campaign, none twice");
    // A keeper that drew and then lost the race returns its capital citing no receipt: principal only, no PnL.
    for (const x of repayments.filter((r) => r.args.receiptId === NO_RECEIPT)) {
      assert.equal(x.args.returned, x.args.principal, "no PnL without a receipt");
    }
    for (const [i, n] of nodes.entries()) {
      assert.equal(await book.keeperOutstanding(keepers[i]!.account), n.capital!.outstanding());
      const text = await n.metrics.registry.metrics();
      if (events.some((e) => e.args.keeper === keepers[i]!.account)) {
        assert.match(text, /keeper_capital_drawn_total\{[^}]*\} [1-9]/);
        assert.match(text, /keeper_capital_repaid_total\{[^}]*\} [1-9]/);
      }
      assert.doesNotMatch(text, /keeper_errors_total\{/);
    }
    assert.equal(await vault.breakerTripped(), false);

    // 5. The repaid profit unlocks over `profitUnlockSeconds`: afterwards the share price is higher.
    await sys.advance(Number(await chain.params.get(encodeBytes32String("profitUnlockSeconds"))) + 1);
    const sharePrice1 = await vault.convertToAssets(PRICE_SHARES);
    assert.ok(sharePrice1 > sharePrice0, `share price ${sharePrice0} -> ${sharePrice1}`);
    console.log(`share price (tUSD base units per 1e6 svUSD): ${sharePrice0} -> ${sharePrice1}`);
  });
});

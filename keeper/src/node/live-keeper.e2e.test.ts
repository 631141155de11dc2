/**
 * The live keeper end to end (the test twin of `npm start`'s keepers): the real contracts on an in-process chain, a
 * funded vault, the exchange simulator with background takers and maker fees below taker fees, and keeper nodes wired
 * as `keeper run` wires them, running market making on alpha and arbitrage between alpha and beta through the engine.
 * Each keeper settles market-making campaigns with maker fills and positive spread capture; a planted gap makes
 * arbitrage pre-empt the market maker, which resumes afterwards in a new campaign; both sleeves are drawn and
 * repaid; every settled campaign has a receipt proven against its on-chain root; a change of `roiThresholdBps` on the
 * `Parameters` contract is what the running keeper's next decision uses.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { localSystem, type LocalSystem } from "../chain/testing/local-system.js";
import { SLEEVES } from "../chain/vault.js";
import type { RunningSimulation } from "../sim/venues.js";
import {
  KeeperCapital__factory,
  MockV3Aggregator__factory,
  StrategyVault__factory,
  TestStablecoin__factory,
  type KeeperCapital,
} from "../../../types/ethers-contracts/index.js";
import { verifyLeafOnChain } from "../recording/post.js";
import { loadTraceDocument } from "../recording/receipt.js";
import { TraceTree } from "../recording/merkle.js";
import { LocalDirectoryStore } from "../recording/store/local.js";
import {
  ARBITRAGE_STRATEGY,
  MARKET_MAKING_STRATEGY,
  keeperNode,
  openGap,
  startKeeperSimulation,
} from "./testing/local-keepers.js";

const USD = 10n ** 6n;
const KEEPERS = 2;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (what: string, cond: () => Promise<boolean> | boolean, ms = 120_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
};

describe("live keeper: market making and arbitrage as campaigns", () => {
  let sys: LocalSystem;
  let run: RunningSimulation;
  let dir: string;
  let book: KeeperCapital;
  let nodes: ReturnType<typeof keeperNode>[];
  let stepper: NodeJS.Timeout | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "live-keeper-"));
    // Short governance timing (voting delay and period one epoch, a one-minute timelock): the proposal passes on the
    // running system within a few hours of chain time.
    sys = await localSystem(undefined, { governance: { votingDelay: 1, votingPeriod: 1, timelockDelaySeconds: 60 } });
    run = await startKeeperSimulation(KEEPERS, { marketMaking: true });
    const depositor = await sys.adapter(10);
    const signer = depositor.sender.signer;
    const vault = StrategyVault__factory.connect(sys.addresses.vault!, signer);
    book = KeeperCapital__factory.connect(sys.addresses.capitalBook!, signer);
    await (await TestStablecoin__factory.connect(sys.addresses.asset, signer).approve(vault, 200_000n * USD)).wait();
    await (await vault.deposit(200_000n * USD, depositor.account)).wait();
    const feed = MockV3Aggregator__factory.connect(await book.priceFeed(), signer);
    await (await feed.updateAnswer(30_000n * 10n ** 8n)).wait();
    // Short market-making windows so a few campaigns settle within the test; the run budget allows them.
    await sys.setParameter("retriesPerMinutePerPair", 60n);
    await sys.setParameter("campaignRateLimitCount", 1_000n);
    await sys.setParameter("debounceSeconds", 0n);
    await sys.setParameter("switchCooldownSeconds", 0n);
    await sys.setParameter("maxSwitchesPerHour", 60n);
    // A keeper's own market-making campaigns are self-published (not scored, M4) and a claim it releases after a
    // window without fills counts against it: reputation is not what this test is about (as in the crash test).
    await sys.setParameter("minScore", 0n);
    nodes = [];
    for (let i = 0; i < KEEPERS; i++) {
      nodes.push(
        keeperNode(await sys.onboardKeeper(i), run, i, join(dir, `k${i}`), {
          capital: true,
          strategies: [MARKET_MAKING_STRATEGY, ARBITRAGE_STRATEGY],
          campaigns: { quotingWindowSeconds: 6, claimMarginSeconds: 5 },
        }),
      );
    }
  });
  after(async () => {
    clearInterval(stepper);
    for (const n of nodes) await n.stop();
    for (const n of nodes) n.journal.close();
    await run.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    "run_marketMakingAndGaps_campaignsPerRunPreemptResumeBothSleevesReceiptsProven",
    // Within 5 minutes on a quiet machine (about 40 s here); the margin is for a busy one.
    { timeout: 480_000 },
    async () => {
      const chain = await sys.adapter(0);
      // The simulator's clock: one step (refill, background takers) every 200 ms.
      stepper = setInterval(() => run.sim.advance(1), 200);
      for (const n of nodes) await n.node.start();
      const settledMm = (n: (typeof nodes)[number]) =>
        n.keeper.campaigns.history.filter((h) => h.type === "marketMaking" && h.outcome === "settled" && h.fills > 0);
      await until("market-making campaigns with fills", () => nodes.every((n) => settledMm(n).length >= 2));

      // A gap that lasts 20 s (100 steps): arbitrage beats market making and pre-empts it (quotes cancelled, its
      // campaign settles with what it did), the arbitrage campaign runs, market making resumes in a new campaign.
      // Both keepers see the same gap and race for its campaign: a gap is opened again (up to 4 times) until a keeper
      // that pre-empted its market maker also won the arbitrage campaign.
      type Node = (typeof nodes)[number];
      const preemptedAndResumed = (n: Node) => {
        const actions = n.keeper.decisions.flatMap((d) => d.actions);
        const h = n.keeper.campaigns.history;
        for (const a of actions) {
          if (a.kind !== "switch" || a.mode !== "preempt") continue;
          // Runs in the engine's order (run ids): the pre-empted market maker's campaign settles in the background,
          // so it may finish after the arbitrage campaign that followed it.
          const mm = h.find((r) => r.type === "marketMaking" && r.runId === a.fromRunId);
          const arb = h.find((r) => r.type === "arbitrage" && r.runId > a.fromRunId && r.outcome === "settled");
          if (!mm || !arb) continue;
          const resumed = actions.find((x) => x.kind === "start" && x.resumedFrom === a.fromRunId);
          const after = h.find((r) => r.type === "marketMaking" && r.runId > arb.runId && r.outcome === "settled");
          if (resumed && after && after.campaignId !== mm.campaignId) return { preempt: a, mm, arb };
        }
        return undefined;
      };
      let winner: Node | undefined;
      for (let gap = 0; gap < 4 && !winner; gap++) {
        openGap(run, -100 - 10 * gap, 100);
        await until("the gap's arbitrage settled", () =>
          nodes.some((n) => n.keeper.campaigns.history.some((h) => h.type === "arbitrage" && h.outcome === "settled")),
        );
        try {
          await until(
            "a keeper pre-empted, traded the gap and resumed",
            () => nodes.some((n) => preemptedAndResumed(n)),
            40_000,
          );
        } catch {
          continue;
        }
        winner = nodes.find((n) => preemptedAndResumed(n));
      }
      assert.ok(winner, "a keeper's arbitrage pre-empted its quoting market maker, traded, and market making resumed");
      const { preempt } = preemptedAndResumed(winner)!;
      assert.ok(preempt.kind === "switch" && preempt.toRoi * 10_000 >= 15_000 * Math.max(preempt.fromRoi, 0));

      // Governance: a real proposal (propose, vote, queue, execute through the governor and the timelock) changes
      // roiThresholdBps; once the running keepers read it from the chain, their next switch decides with it.
      await sys.proposeParameter("roiThresholdBps", 12_345n, 10);
      await until("the keepers read the new threshold", () =>
        nodes.every((n) => n.keeper.runner.parameters.roiThresholdBps === 12_345),
      );
      const seen = nodes.map((n) => n.keeper.decisions.length);
      const nextSwitch = () =>
        nodes
          .flatMap((n, i) => n.keeper.decisions.slice(seen[i]))
          .find((d) => d.actions.some((a) => a.kind === "switch"));
      for (let gap = 0; gap < 4 && !nextSwitch(); gap++) {
        openGap(run, -150 - 10 * gap, 60);
        await until("a switch after the change", () => nextSwitch() !== undefined, 20_000).catch(() => undefined);
      }
      const decided = nextSwitch();
      assert.ok(decided, "a switch decided after the proposal executed");
      assert.equal(decided.threshold, 12_345);
      const sw = decided.actions.find((a) => a.kind === "switch")!;
      assert.ok(sw.kind === "switch" && sw.toRoi * 10_000 >= 12_345 * Math.max(sw.fromRoi, 0));

      clearInterval(stepper);
      // The governance step moved chain time hours ahead: a campaign it caught mid-run (its claim no longer live, its
      // receipt refused) is claimed again and settled by its dispatcher, or by `stop()`; `stop()` repays every draw.
      for (const n of nodes) await n.stop();

      // Every settled campaign of either type: its receipt rebuilds from the stored trace and a leaf proves on chain.
      const settled = await chain.campaigns.queryFilter(chain.campaigns.filters.CampaignSettled());
      assert.ok(settled.length >= KEEPERS * 2 + 1);
      for (const e of settled) {
        const k = nodes.findIndex((n) =>
          n.keeper.campaigns.history.some((h) => h.campaignId === e.args.campaignId && h.outcome === "settled"),
        );
        assert.ok(k >= 0, "settled by one of the keepers");
        const posted = await chain.receipts.getReceipt(e.args.receiptId);
        const doc = await loadTraceDocument(new LocalDirectoryStore(join(dir, `k${k}`, "store")), posted.cid);
        const tree = TraceTree.fromEntries(doc.entries, doc.units);
        assert.equal(tree.root, posted.traceRoot, "the stored trace rebuilds the on-chain root");
        assert.equal(await verifyLeafOnChain(chain.receipts, e.args.receiptId, tree.proof(0)), true);
      }

      // Market making earned: maker fills on both sides, sells above buys (positive spread capture).
      for (const n of nodes) {
        const mm = settledMm(n);
        assert.ok(mm.length >= 2, "market-making campaigns settled");
        let bought = 0n;
        let boughtQuote = 0n;
        let sold = 0n;
        let soldQuote = 0n;
        for (const h of mm) {
          for (const o of n.journal.ordersOfCampaign(h.campaignId)) {
            const venueOrder = await n.venues.alpha.fetchOrderByClientId(o.pair, o.clientOrderId);
            if (!venueOrder || venueOrder.filled === 0n) continue;
            if (o.side === "buy") {
              bought += venueOrder.filled;
              boughtQuote += venueOrder.cost;
            } else {
              sold += venueOrder.filled;
              soldQuote += venueOrder.cost;
            }
          }
        }
        assert.ok(bought > 0n || sold > 0n, "maker fills");
        if (bought > 0n && sold > 0n) {
          assert.ok((soldQuote * bought) / sold > boughtQuote, "average sell above average buy: spread captured");
        }
        const text = await n.metrics.registry.metrics();
        assert.match(text, /keeper_campaigns_total\{[^}]*type="marketMaking"[^}]*outcome="settled"[^}]*\} [1-9]/);
        assert.match(text, /keeper_fills_total\{[^}]*\} [1-9]/);
        assert.match(text, /keeper_receipts_total\{[^}]*state="posted"[^}]*\} [1-9]/);
      }

      // Both sleeves drawn and every draw repaid (no capital left outstanding).
      const draws = await book.queryFilter(book.filters.Drawn());
      const sleeves = new Set(draws.map((d) => Number(d.args.sleeve)));
      assert.ok(sleeves.has(SLEEVES.marketMaking) && sleeves.has(SLEEVES.arbitrage), `sleeves drawn: ${[...sleeves]}`);
      const repaid = await book.queryFilter(book.filters.Repaid());
      assert.equal(repaid.length, draws.length, "every draw repaid once");
      // What a keeper still owes is only the shortfalls of its losing campaigns, owed until their challenge windows
      // pass (`finalizeLoss`): no principal is left out.
      for (let i = 0; i < KEEPERS; i++) {
        const keeper = (await sys.adapter(i + 1)).account;
        const shortfalls = repaid
          .filter((r) => r.args.keeper === keeper)
          .reduce((sum, r) => sum + r.args.shortfall, 0n);
        assert.equal(await book.keeperOutstanding(keeper), shortfalls);
      }
    },
  );
});

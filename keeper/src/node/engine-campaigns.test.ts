/**
 * The live keeper's campaigns around a pre-emption, on the real contracts, the exchange simulator and keeper nodes
 * wired as `keeper run` wires them:
 * - the arbitrage that pre-empts a market maker publishes, claims, draws and sends its first order while the market
 *   maker's campaign is still settling (its receipt post is held until then: were the arbitrage queued behind that
 *   settlement, it would never trade and the hold would time out);
 * - an arbitrage failure's cool-down keeps arbitrage campaigns from being published (and from pre-empting the market
 *   maker), while the market maker goes on quoting and settling campaigns.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeBytes32String } from "ethers";
import { localSystem, type LocalSystem } from "../chain/testing/local-system.js";
import type { RunningSimulation } from "../sim/venues.js";
import {
  KeeperCapital__factory,
  MockV3Aggregator__factory,
  StrategyVault__factory,
  TestStablecoin__factory,
} from "../../../types/ethers-contracts/index.js";
import type { ReceiptPoster } from "../chain/adapter.js";
import type { CampaignTrace } from "../recording/poster.js";
import type { ExecutionReport } from "../execution/executor.js";
import {
  ARBITRAGE_STRATEGY,
  MARKET_MAKING_STRATEGY,
  SYMBOL,
  keeperNode,
  openGap,
  startKeeperSimulation,
} from "./testing/local-keepers.js";

const USD = 10n ** 6n;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (what: string, cond: () => Promise<boolean> | boolean, ms = 120_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
};

describe("engine campaigns: pre-emption and the safety gate on a live keeper", () => {
  let sys: LocalSystem;
  let run: RunningSimulation;
  let dir: string;
  let stepper: NodeJS.Timeout | undefined;
  const nodes: ReturnType<typeof keeperNode>[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "engine-campaigns-"));
    sys = await localSystem();
    run = await startKeeperSimulation(2, { marketMaking: true });
    const depositor = await sys.adapter(10);
    const signer = depositor.sender.signer;
    const vault = StrategyVault__factory.connect(sys.addresses.vault!, signer);
    const book = KeeperCapital__factory.connect(sys.addresses.capitalBook!, signer);
    await (await TestStablecoin__factory.connect(sys.addresses.asset, signer).approve(vault, 200_000n * USD)).wait();
    await (await vault.deposit(200_000n * USD, depositor.account)).wait();
    const feed = MockV3Aggregator__factory.connect(await book.priceFeed(), signer);
    await (await feed.updateAnswer(30_000n * 10n ** 8n)).wait();
    await sys.setParameter("retriesPerMinutePerPair", 60n);
    await sys.setParameter("campaignRateLimitCount", 1_000n);
    await sys.setParameter("debounceSeconds", 0n);
    await sys.setParameter("switchCooldownSeconds", 0n);
    await sys.setParameter("maxSwitchesPerHour", 60n);
    // Self-published campaigns are not scored (M4) and a released claim counts against a keeper: not the subject here.
    await sys.setParameter("minScore", 0n);
    stepper = setInterval(() => run.sim.advance(1), 200);
  });
  after(async () => {
    clearInterval(stepper);
    for (const n of nodes) await n.stop();
    for (const n of nodes) n.journal.close();
    await run.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    "preempt_marketMakerSettling_arbitrageSendsItsFirstOrderBeforeThatSettlementCompletes",
    { timeout: 300_000 },
    async () => {
      let hold = false;
      const held: { campaignId: string; released: "arbitrage traded" | "timeout" }[] = [];
      // Holds a market-making receipt (after the gap is opened) until an arbitrage campaign has sent its first order.
      const holding = (inner: ReceiptPoster<CampaignTrace>): ReceiptPoster<CampaignTrace> => ({
        post: async (trace) => {
          const campaigns = n.keeper.campaigns;
          const type = campaigns.running().find((c) => c.campaignId === trace.campaignId)?.type;
          if (hold && type === "marketMaking") {
            const arbitrageTraded = () =>
              campaigns.running().some((c) => c.type === "arbitrage" && c.firstOrderSeq !== undefined) ||
              campaigns.history.some((h) => h.type === "arbitrage" && h.firstOrderSeq !== undefined);
            const released = await until("an arbitrage order", arbitrageTraded, 60_000).then(
              () => "arbitrage traded" as const,
              () => "timeout" as const,
            );
            held.push({ campaignId: trace.campaignId, released });
          }
          return inner.post(trace);
        },
      });
      const n = keeperNode(await sys.onboardKeeper(0), run, 0, join(dir, "k0"), {
        capital: true,
        strategies: [MARKET_MAKING_STRATEGY, ARBITRAGE_STRATEGY],
        // A long quoting window: the gap opens while the market maker quotes.
        campaigns: { quotingWindowSeconds: 30, claimMarginSeconds: 5 },
        wrapPoster: holding,
      });
      nodes.push(n);
      await n.node.start();
      const campaigns = n.keeper.campaigns;
      // The market maker quotes in its campaign and one of its quotes has filled (so its campaign has a receipt to post).
      const quotedAndFilled = async () => {
        const c = campaigns.running().find((r) => r.type === "marketMaking" && r.firstOrderSeq !== undefined);
        if (!c) return false;
        for (const o of n.journal.ordersOfCampaign(c.campaignId).slice(-6)) {
          const placed = await n.venues.alpha.fetchOrderByClientId(o.pair, o.clientOrderId);
          if (placed && placed.filled > 0n) return true;
        }
        return false;
      };
      await until("a quote of the market maker's campaign filled", quotedAndFilled);
      hold = true;
      openGap(run, -100, 150);
      await until("a settled arbitrage campaign", () =>
        campaigns.history.some((h) => h.type === "arbitrage" && h.outcome === "settled"),
      );
      const arb = campaigns.history.find((h) => h.type === "arbitrage" && h.outcome === "settled")!;
      // The market maker it pre-empted: aborted by the engine, its campaign settled with what it did.
      const preempt = n.keeper.decisions
        .flatMap((d) => d.actions)
        .filter((a) => a.kind === "switch" && a.mode === "preempt" && a.fromRunId < arb.runId)
        .at(-1);
      assert.ok(preempt && preempt.kind === "switch", "the arbitrage run pre-empted the market maker");
      await until("the pre-empted campaign finished", () =>
        campaigns.history.some((h) => h.runId === preempt.fromRunId),
      );
      const mm = campaigns.history.find((h) => h.runId === preempt.fromRunId)!;
      assert.equal(mm.type, "marketMaking");
      assert.ok(arb.firstOrderSeq !== undefined);
      assert.ok(
        arb.firstOrderSeq < mm.finishedSeq,
        `arbitrage's first order (#${arb.firstOrderSeq}) before the pre-empted campaign finished (#${mm.finishedSeq})`,
      );
      // Its receipt was held until the arbitrage traded, and only then posted and settled.
      assert.ok(mm.fills > 0);
      assert.deepEqual(
        held.filter((h) => h.campaignId === mm.campaignId),
        [{ campaignId: mm.campaignId, released: "arbitrage traded" }],
      );
      assert.equal(mm.outcome, "settled");
      // Market making runs again after the arbitrage (resumed, or started afresh when the engine dropped the suspended
      // run: the e2e test asserts the resume), in a new campaign whose first quote comes after the pre-empted campaign
      // finished (one market-making campaign per strategy at a time).
      hold = false;
      const next = () =>
        campaigns
          .running()
          .find((c) => c.type === "marketMaking" && c.campaignId !== mm.campaignId && c.firstOrderSeq !== undefined) ??
        campaigns.history.find(
          (h) => h.type === "marketMaking" && h.runId > arb.runId && h.firstOrderSeq !== undefined,
        );
      await until("market making again in a new campaign", () => next() !== undefined);
      assert.ok(next()!.firstOrderSeq! > mm.finishedSeq, "quoting again only once the pre-empted campaign finished");
      await n.stop();
    },
  );

  it("gate_arbitrageFailureCoolingDown_noArbitrageCampaignMarketMakerKeepsSettling", { timeout: 300_000 }, async () => {
    const chain = await sys.onboardKeeper(1);
    const n = keeperNode(chain, run, 1, join(dir, "k1"), {
      capital: true,
      strategies: [MARKET_MAKING_STRATEGY, ARBITRAGE_STRATEGY],
      campaigns: { quotingWindowSeconds: 6, claimMarginSeconds: 5 },
      // A cool-down that outlasts the test.
      safety: { cooldownMs: 3_600_000 },
    });
    nodes.push(n);
    // An arbitrage execution on the pair failed: the pair cools down for arbitrage.
    const failed: ExecutionReport = {
      campaignId: "0x01",
      status: "unwound",
      orders: [],
      openFilled: 0n,
      closeFilled: 0n,
      unwound: 0n,
      residual: 0n,
      quoteDelta: 0n,
      baseDelta: 0n,
      gasSpent: 0n,
      pnl: 0n,
      retriesUsed: 0,
      events: [],
    };
    await n.keeper.safety.recordExecution(SYMBOL, failed);
    assert.match(n.keeper.safety.openingRefusal(SYMBOL) ?? "", /cooling down/);
    const from = await chain.sender.provider.getBlockNumber();
    await n.node.start();
    // A gap as wide as the one that pre-empted in the test above, for 30 s: arbitrage is refused, market making is not.
    openGap(run, -100, 150);
    const campaigns = n.keeper.campaigns;
    await until("a market-making campaign settled with fills during the cool-down", () =>
      campaigns.history.some((h) => h.type === "marketMaking" && h.outcome === "settled" && h.fills > 0),
    );
    // Let the gap run out while the market maker quotes on.
    await until("the gap over", () => run.sim.step > run.sim.venue("beta").config.gaps.at(-1)!.toStep);
    await n.stop();
    assert.deepEqual(
      campaigns.history.filter((h) => h.type === "arbitrage"),
      [],
      "no arbitrage campaign",
    );
    const published = await chain.campaigns.queryFilter(chain.campaigns.filters.CampaignPublished(), from);
    const mine = published.filter((e) => e.args.publisher === chain.account);
    assert.ok(mine.length > 0);
    for (const e of mine) assert.equal(decodeBytes32String(e.args.spec.route.strategyId), "marketMaking");
    const switches = n.keeper.decisions.flatMap((d) => d.actions).filter((a) => a.kind === "switch");
    assert.deepEqual(switches, [], "the refused arbitrage never pre-empted the market maker");
  });
});

/**
 * Standing arbitrage windows on the real contracts, the exchange simulator and a keeper node wired as `keeper run`
 * wires it: the window is published, claimed and funded before any opportunity; every planted gap then trades inside
 * it with no chain transaction between the decision and the first order; the window ends, posts one receipt holding
 * every run's fills, settles and repays the arbitrage sleeve. Plus the fresh-read cache the hot path plans on.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { localSystem, type LocalSystem } from "../chain/testing/local-system.js";
import type { RunningSimulation } from "../sim/venues.js";
import {
  KeeperCapital__factory,
  MockV3Aggregator__factory,
  StrategyVault__factory,
  TestStablecoin__factory,
} from "../../../types/ethers-contracts/index.js";
import { SLEEVES } from "../chain/vault.js";
import { FreshReads } from "./arbitrage-books.js";
import { freshWindow, planInsideWindow } from "./engine-campaigns.js";
import { venueViews } from "./engine-keeper.js";
import { ReferenceMids } from "../execution/reference.js";
import { campaignSpecFromNames } from "../campaign/id.js";
import type { Opportunity } from "../execution/arbitrage.js";
import type { OrderBook, Venue } from "../execution/venue.js";
import { toWad } from "../execution/fixed.js";
import { BOB } from "../sim/testkit.js";
import { keeperNode, plantGap, startKeeperSimulation } from "./testing/local-keepers.js";

const USD = 10n ** 6n;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (what: string, cond: () => Promise<boolean> | boolean, ms = 180_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
};

describe("FreshReads", () => {
  const book = (p: number): OrderBook => ({
    venueId: "v",
    pair: "BTC/USDT",
    timestamp: p,
    bids: [],
    asks: [{ price: toWad(String(p)), amount: toWad("1") }],
  });
  const venue = () => {
    let price = 100;
    const calls = { book: 0, balances: 0 };
    const v = {
      id: "v",
      fetchOrderBook: async () => (calls.book++, book(price++)),
      balances: async () => (calls.balances++, { USDT: { free: 1n, total: 1n } }),
      placeOrder: async () => ({}) as never,
      cancelOrder: async () => ({}) as never,
    } as unknown as Venue;
    return { v, calls };
  };

  it("serving_tickReadFresh_servedWithoutARoundTrip_staleOrAfterOwnOrder_readAgain", async () => {
    let now = 0;
    const reads = new FreshReads(100, () => now);
    const { v, calls } = venue();
    const tick = reads.recording(v);
    const run = reads.serving(v);
    const seen = await tick.fetchOrderBook("BTC/USDT", 50);
    await tick.balances();
    now = 100;
    assert.deepEqual(await run.fetchOrderBook("BTC/USDT", 50), seen);
    await run.balances();
    assert.deepEqual(calls, { book: 1, balances: 1 });
    assert.equal(reads.hits, 1);
    // Another depth is another read.
    await run.fetchOrderBook("BTC/USDT", 5);
    assert.equal(calls.book, 2);
    // Older than the bound: read again.
    now = 201;
    assert.notDeepEqual(await run.fetchOrderBook("BTC/USDT", 50), seen);
    assert.equal(calls.book, 3);
    // An own order drops the venue's reads (its balances changed).
    now = 202;
    await tick.fetchOrderBook("BTC/USDT", 50);
    await tick.balances();
    await run.placeOrder({} as never);
    await run.fetchOrderBook("BTC/USDT", 50);
    await run.balances();
    assert.deepEqual(calls, { book: 5, balances: 3 });
    assert.equal(reads.hits, 1);
  });

  it("serving_maxAgeZero_alwaysReadsTheVenue", async () => {
    const reads = new FreshReads(0, () => 0);
    const { v, calls } = venue();
    await reads.recording(v).fetchOrderBook("BTC/USDT", 50);
    await reads.serving(v).fetchOrderBook("BTC/USDT", 50);
    assert.equal(calls.book, 2);
  });
});

describe("venueViews (engine keeper)", () => {
  const book = (bid: number): OrderBook => ({
    venueId: "v",
    pair: "BTC/USDT",
    timestamp: bid,
    bids: [{ price: toWad(String(bid)), amount: toWad("1") }],
    asks: [{ price: toWad(String(bid + 2)), amount: toWad("1") }],
  });

  it("venueViews_marketMakersOrder_dropsTheArbitrageFreshReads", async () => {
    let bid = 100;
    let bookCalls = 0;
    const v = {
      id: "v",
      fetchOrderBook: async () => (bookCalls++, book(bid)),
      balances: async () => ({}),
      placeOrder: async () => ({}) as never,
      cancelOrder: async () => ({}) as never,
    } as unknown as Venue;
    const reads = new FreshReads(100, () => 0);
    const reference = new ReferenceMids();
    const views = venueViews({ v }, reads, reference, () => 0);
    await views.tick.v!.fetchOrderBook("BTC/USDT", 50);
    await views.arbitrage.v!.fetchOrderBook("BTC/USDT", 50);
    assert.equal(bookCalls, 1, "a fresh tick read is served to the arbitrage run");
    // A market maker's quote changes the venue's balances: the arbitrage run reads the venue again.
    await views.strategy.v!.placeOrder({} as never);
    bid = 200;
    assert.equal((await views.arbitrage.v!.fetchOrderBook("BTC/USDT", 50)).bids[0]!.price, toWad("200"));
    assert.equal(bookCalls, 2);
    // So does a cancel.
    await views.tick.v!.fetchOrderBook("BTC/USDT", 50);
    await views.strategy.v!.cancelOrder("BTC/USDT", "x");
    await views.arbitrage.v!.fetchOrderBook("BTC/USDT", 50);
    assert.equal(bookCalls, 4);
  });

  it("venueViews_strategyRead_feedsTheReference_servedReadDoesNot", async () => {
    let bid = 100;
    let now = 0;
    const v = {
      id: "v",
      fetchOrderBook: async () => book(bid),
    } as unknown as Venue;
    const reads = new FreshReads(100, () => 0);
    const reference = new ReferenceMids();
    const views = venueViews({ v }, reads, reference, () => now);
    // The tick's read (observed by the tick itself in the engine keeper) is kept.
    await views.tick.v!.fetchOrderBook("BTC/USDT", 50);
    // A market maker's own read feeds the reference.
    bid = 300;
    now = 5;
    await views.strategy.v!.fetchOrderBook("BTC/USDT", 5);
    assert.equal(reference.mid("v", "BTC/USDT"), toWad("301"));
    // An arbitrage run served the tick's older book at a later time does not put that older mid back.
    now = 10;
    assert.equal((await views.arbitrage.v!.fetchOrderBook("BTC/USDT", 50)).bids[0]!.price, toWad("100"));
    assert.equal(reference.mid("v", "BTC/USDT"), toWad("301"));
  });
});

describe("planInsideWindow", () => {
  const spec = campaignSpecFromNames({
    assetPair: "BTC/USDT",
    priceWindow: { minPrice: 29_000n * 10n ** 8n, maxPrice: 31_000n * 10n ** 8n, notBefore: 0n, notAfter: 100n },
    route: { strategyId: "arbitrage", sourceVenue: "alpha", targetVenue: "beta" },
  });
  const plan = (buy: string, sell: string) =>
    ({ buy: { limitPrice: toWad(buy) }, sell: { limitPrice: toWad(sell) } }) as unknown as Opportunity;

  it("planInsideWindow_limitsWithUnwindInsideBand_true_outside_false", () => {
    assert.equal(planInsideWindow(plan("29700", "29970"), spec, 100n), true);
    // 29,200 less 1% is below 29,000: an unwind could trade outside the campaign's window.
    assert.equal(planInsideWindow(plan("29200", "29970"), spec, 100n), false);
    assert.equal(planInsideWindow(plan("29700", "30800"), spec, 100n), false);
    assert.equal(planInsideWindow(plan("29700", "30600"), spec, 100n), true);
  });
});

describe("freshWindow", () => {
  const spec = campaignSpecFromNames({
    assetPair: "BTC/USDT",
    priceWindow: { notBefore: 1_000n, notAfter: 1_075n, minPrice: 28_500n * 10n ** 8n, maxPrice: 31_500n * 10n ** 8n },
    route: { strategyId: "arbitrage", sourceVenue: "alpha", targetVenue: "beta" },
  });
  const account = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

  it("freshWindow_successorArmedAtTheSameChainTimeAndBand_getsANewId_laterNotAfter", () => {
    const first = freshWindow(spec, 1_075n, account, () => false);
    assert.equal(first.opportunity.spec.priceWindow.notAfter, 1_075n);
    // The chain's latest block has not moved (nothing mined) and the market is flat: the same spec again.
    const held = new Set([first.id]);
    const second = freshWindow(spec, 1_075n, account, (id) => held.has(id));
    assert.notEqual(second.id, first.id);
    assert.equal(second.opportunity.spec.priceWindow.notAfter, 1_076n);
    held.add(second.id);
    const third = freshWindow(spec, 1_075n, account, (id) => held.has(id));
    assert.equal(third.opportunity.spec.priceWindow.notAfter, 1_077n);
    assert.equal(new Set([first.id, second.id, third.id]).size, 3);
    // Everything else in the spec is the window's.
    assert.equal(third.opportunity.spec.priceWindow.minPrice, spec.priceWindow.minPrice);
    assert.equal(third.opportunity.spec.route, spec.route);
  });
});

describe("standing arbitrage window on a live keeper", () => {
  let sys: LocalSystem;
  let run: RunningSimulation;
  let dir: string;
  let node: ReturnType<typeof keeperNode> | undefined;
  let idleNode: ReturnType<typeof keeperNode> | undefined;
  let jumpNode: ReturnType<typeof keeperNode> | undefined;
  let idleChain: Awaited<ReturnType<LocalSystem["onboardKeeper"]>> | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "arbitrage-window-"));
    sys = await localSystem();
    run = await startKeeperSimulation(2);
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
    await sys.setParameter("minScore", 0n);
    for (const v of ["alpha", "beta"]) run.sim.venues.get(v)!.exchange.deposit(BOB.name, "BTC", "100");
  });
  after(async () => {
    await node?.stop();
    node?.journal.close();
    await idleNode?.stop();
    idleNode?.journal.close();
    await jumpNode?.stop();
    jumpNode?.journal.close();
    await run.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    "standingWindow_gapsTradeWithNoChainStepBeforeTheFirstOrder_oneReceiptSettlesAndRepays",
    { timeout: 400_000 },
    async () => {
      const chain = await sys.onboardKeeper(0);
      // Chain transactions the keeper sends, and when: none may fall between a window run's decision and its order.
      const txAt: { what: string; at: number }[] = [];
      for (const m of ["publishCampaign", "claimCampaign"] as const) {
        const f = chain[m].bind(chain) as (...a: unknown[]) => Promise<unknown>;
        (chain as unknown as Record<string, unknown>)[m] = async (...a: unknown[]) => {
          txAt.push({ what: m, at: performance.now() });
          return f(...a);
        };
      }
      const draw = chain.capital!.draw.bind(chain.capital!);
      chain.capital!.draw = async (...a) => {
        txAt.push({ what: "draw", at: performance.now() });
        return draw(...a);
      };
      node = keeperNode(chain, run, 0, join(dir, "k0"), {
        capital: true,
        tickMs: 100,
        campaigns: { standingArbitrage: { drawUnits: 800n * USD, windowSeconds: 25 } },
      });
      const campaigns = node.keeper.campaigns;
      // Every order read back from a venue, with the state its window was in: a window's orders are read back after
      // each run, not all at its close (a burst that spent the venues' request budget while the successor traded).
      const readBack: { clientOrderId: string; windowState: string; final: boolean }[] = [];
      // (A node's venue is a proxy over the exchange's venue: the read is counted on the exchange's venue, under the
      // proxy's journal bookkeeping, by an own property shadowing its class's method.)
      for (const v of Object.values(node.venues)) {
        (v as { fetchOrderByClientId: Venue["fetchOrderByClientId"] }).fetchOrderByClientId = async function (
          this: Venue,
          pair: string,
          clientOrderId: string,
        ) {
          const campaign = node!.journal.getOrder(clientOrderId)?.campaignId;
          const w = campaigns.standingWindows().find((x) => x.campaignId === campaign);
          const entry = { clientOrderId, windowState: w?.state ?? "ended", final: false };
          readBack.push(entry);
          const o = await (Object.getPrototypeOf(this) as Venue).fetchOrderByClientId.call(this, pair, clientOrderId);
          entry.final = o !== undefined && o.status !== "open";
          return o;
        };
      }
      await node.node.start();
      await until("a standing window open", () => campaigns.standingWindows().some((w) => w.state === "open"));
      const window = campaigns.standingWindows().find((w) => w.state === "open")!;
      const drawn = node.journal.getCapital(window.campaignId);
      assert.equal(drawn?.sleeve, SLEEVES.arbitrage);
      assert.equal(drawn?.state, "drawn");
      assert.ok(drawn!.amount > 0n && drawn!.amount <= 800n * USD);
      const txBefore = txAt.length;
      // Two gaps, one after the other, inside the same window.
      for (const [i, venue] of (["beta", "alpha"] as const).entries()) {
        run.sim.advance(1);
        const seen = campaigns.windowRuns.length;
        const planted = performance.now();
        plantGap(run, String(29_700 - i), "0.02", venue);
        await until(`gap ${i} traded in the window`, () => campaigns.windowRuns.length > seen, 60_000);
        assert.equal(campaigns.windowRuns[seen]!.status, "succeeded");
        assert.equal(campaigns.windowRuns[seen]!.campaignId, window.campaignId);
        assert.ok(
          txAt.slice(txBefore).every((t) => t.at < planted),
          `no publish, claim or draw after gap ${i} was planted: ${JSON.stringify(txAt.slice(txBefore))}`,
        );
      }
      const orders = node.journal.ordersOfCampaign(window.campaignId);
      assert.ok(orders.filter((o) => BigInt(o.filled) > 0n).length >= 4, "both runs' fills are journalled under it");
      assert.equal(new Set(orders.map((o) => o.clientOrderId)).size, orders.length);
      // The runs' orders are read back while the window is still open; its close reads again only one whose read-back
      // did not come back final (a read that failed under load is the close's to do).
      await until("the runs' orders read back", () =>
        orders.every((o) => readBack.some((r) => r.clientOrderId === o.clientOrderId)),
      );
      const mine = (r: { clientOrderId: string }) => orders.some((o) => o.clientOrderId === r.clientOrderId);
      // The window ends on its own: one receipt with every fill, settled on chain, the sleeve repaid.
      await until("the window settled", () => campaigns.windowHistory.some((w) => w.campaignId === window.campaignId));
      const record = campaigns.windowHistory.find((w) => w.campaignId === window.campaignId)!;
      assert.equal(record.outcome, "settled");
      assert.equal(record.runs, 2);
      const reads = readBack.filter(mine);
      const finalWhileOpen = (id: string) =>
        reads.filter((r) => r.clientOrderId === id && r.windowState === "open" && r.final).length;
      assert.ok(
        orders.some((o) => finalWhileOpen(o.clientOrderId) > 0),
        `read back while the window was open: ${JSON.stringify(reads)}`,
      );
      // (A run may look its own order up too: a placement that timed out under load is adopted by its client id.)
      for (const o of orders) {
        if (finalWhileOpen(o.clientOrderId) > 0) {
          assert.ok(
            !reads.some((r) => r.clientOrderId === o.clientOrderId && r.windowState !== "open"),
            `${o.clientOrderId}, read back final, is not read again at the close: ${JSON.stringify(reads)}`,
          );
        }
      }
      const onChain = await chain.getCampaign(window.campaignId);
      assert.equal(onChain.status, "settled");
      await until("the window's capital repaid", () => node!.journal.getCapital(window.campaignId)?.state === "repaid");
      // It had fills: its successor was armed (before it ended: the hand-over), whatever that one did since.
      assert.ok(
        campaigns.windowHistory.some((w) => w.campaignId !== window.campaignId) ||
          campaigns.standingWindows().some((w) => w.campaignId !== window.campaignId),
      );
      // Shutdown ends the open windows: each settles (or is released) and repays before the node stops.
      await node.stop();
      assert.equal(campaigns.standingWindows().length, 0);
      for (const w of campaigns.windowHistory) {
        const cap = node.journal.getCapital(w.campaignId);
        assert.ok(cap === undefined || cap.state === "repaid" || cap.state === "unfunded", `${w.campaignId} repaid`);
      }
    },
  );

  it(
    "standingWindow_hoarding_idleWindowReleasedAndRouteNotArmedAgainUntilAnOpportunity",
    { timeout: 400_000 },
    async () => {
      run.sim.advance(1);
      const chain = await sys.onboardKeeper(1);
      idleChain = chain;
      idleNode = keeperNode(chain, run, 1, join(dir, "k1"), {
        capital: true,
        tickMs: 100,
        campaigns: { standingArbitrage: { drawUnits: 800n * USD, windowSeconds: 8 }, claimMarginSeconds: 5 },
      });
      const campaigns = idleNode.keeper.campaigns;
      await idleNode.node.start();
      await until("an idle window ended", () => campaigns.windowHistory.length > 0);
      const idle = campaigns.windowHistory[0]!;
      assert.equal(idle.fills, 0);
      // Released: the claim is given back (a failure on the keeper's record), the principal repaid.
      assert.equal(idle.outcome, "abandoned");
      assert.notEqual((await chain.getCampaign(idle.campaignId)).status, "claimed");
      await until("the idle window's principal repaid", () => {
        const c = idleNode!.journal.getCapital(idle.campaignId);
        return c === undefined || c.state === "repaid" || c.state === "unfunded";
      });
      // A window that took no run got no successor; its route is not armed again while the market shows nothing.
      assert.equal(campaigns.windowHistory.length, 1);
      assert.equal(campaigns.standingWindows().length, 0);
      const ended = campaigns.windowHistory.length;
      await sleep(3_000);
      assert.equal(campaigns.standingWindows().length, 0, "an idle route is not armed again without an opportunity");
      assert.equal(campaigns.windowHistory.length, ended);
      // An opportunity arms the route again.
      plantGap(run, "29690", "0.02", "beta");
      await until("the route armed again", () => campaigns.standingWindows().length > 0, 60_000);
    },
  );

  it(
    "standingWindow_chainTimeJumpsPastItsStop_windowEndsAtOnceNotAfterItsWallClockSpan",
    { timeout: 400_000 },
    async () => {
      // Keeper 1 again, on a new data dir, with windows that would take runs for up to 105 s of wall time.
      await idleNode!.stop();
      idleNode!.journal.close();
      idleNode = undefined;
      run.sim.advance(1);
      jumpNode = keeperNode(idleChain!, run, 1, join(dir, "k1-jump"), {
        capital: true,
        tickMs: 100,
        campaigns: { standingArbitrage: { drawUnits: 800n * USD, windowSeconds: 120 } },
      });
      const campaigns = jumpNode.keeper.campaigns;
      await jumpNode.node.start();
      await until("a standing window open", () => campaigns.standingWindows().some((w) => w.state === "open"));
      const window = campaigns.standingWindows().find((w) => w.state === "open")!;
      // The chain's clock moves past the window's claim (a node's time jump): its orders may no longer go.
      await sys.provider.send("evm_increaseTime", [200]);
      await sys.provider.send("evm_mine", []);
      const jumped = performance.now();
      await until(
        "the window ended by chain time",
        () => campaigns.windowHistory.some((w) => w.campaignId === window.campaignId),
        60_000,
      );
      assert.ok(performance.now() - jumped < 60_000, "ended long before its wall-clock span");
      assert.ok(!campaigns.standingWindows().some((w) => w.campaignId === window.campaignId));
      assert.equal(campaigns.windowHistory.find((w) => w.campaignId === window.campaignId)!.runs, 0);
    },
  );
});

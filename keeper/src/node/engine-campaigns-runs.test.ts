/**
 * One engine run as one campaign, driven by hand (no timers, no engine loop): `EngineCampaigns` with the real
 * dispatcher over a local chain, a journal and an in-memory venue, and an inner strategy whose every step the test
 * releases. A run whose strategy throws after one of its orders filled still ends in the same step: its fills get
 * their receipt, its campaign settles, the run's record and `keeper_campaigns_total` say so, and the engine gets a
 * failed result (before, the run threw, its campaign was left to the dispatcher's tick and no record ever came).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keccak256, toUtf8Bytes } from "ethers";
import { CampaignDispatcher } from "../campaign/dispatcher.js";
import { campaignSpecFromNames } from "../campaign/id.js";
import { LocalChain, type LocalReceiptFields } from "../chain/local.js";
import { DEFAULT_ENGINE_PARAMETERS } from "../engine/parameters.js";
import type { ExecutionContext, Strategy } from "../engine/strategy.js";
import type { ExecutionResult } from "../engine/types.js";
import { ExecutionError } from "../execution/errors.js";
import { toWad } from "../execution/fixed.js";
import { readMarket, type ExecutionMarket } from "../execution/strategies/market.js";
import { MemoryVenue } from "../execution/testing/memoryVenue.js";
import type { BookLevel } from "../execution/venue.js";
import type { CampaignTrace } from "../recording/poster.js";
import { EngineCampaigns } from "./engine-campaigns.js";
import { Journal } from "./journal.js";
import { createMetrics } from "./metrics.js";
import { until } from "./testing/until.js";

const PAIR = "BTC/USDT";
const lv = (price: string, amount: string): BookLevel => ({ price: toWad(price), amount: toWad(amount) });

/** A promise and its resolve: a step of the run the test releases by hand. */
function gate<T = void>() {
  let open!: (v: T) => void;
  const promise = new Promise<T>((r) => (open = r));
  return { promise, open };
}

function receiptFields(trace: CampaignTrace): LocalReceiptFields {
  const digest = keccak256(toUtf8Bytes(JSON.stringify(trace.entries.map((e) => e.orderId))));
  return {
    campaignId: trace.campaignId,
    traceRoot: digest,
    leafCount: trace.entries.length,
    cid: `local-${digest.slice(2, 10)}`,
    executionHash: keccak256(toUtf8Bytes(`exec:${digest}`)),
  };
}

function setup(
  opts: { now?: () => bigint; after?: (ms: number, fn: () => void) => () => void; bootNonce?: number } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), "engine-campaigns-runs-"));
  const journal = new Journal(join(dir, "journal.db"));
  const chain = new LocalChain(opts.now ? { now: opts.now } : {});
  const venue = new MemoryVenue(
    "alpha",
    { [PAIR]: { bids: [lv("29990", "5")], asks: [lv("30010", "5")] } },
    { BTC: toWad("1"), USDT: toWad("100000") },
    { takerFeeBps: 10n, lot: toWad("0.001") },
  );
  const metrics = createMetrics({ keeper: "runs-test" });
  const settlements: { strategyId: string; ok: boolean }[] = [];
  const late: { dispatcher?: CampaignDispatcher } = {};
  const campaigns = new EngineCampaigns({
    chain,
    journal,
    poster: chain.poster(async (trace: CampaignTrace) => Promise.resolve(receiptFields(trace))),
    venues: { alpha: venue },
    dispatcher: () => late.dispatcher!,
    metrics,
    quotingWindowSeconds: 60,
    claimMarginSeconds: 5,
    onSettlement: (strategyId, ok) => settlements.push({ strategyId, ok }),
    ...(opts.after ? { after: opts.after } : {}),
    ...(opts.bootNonce === undefined ? {} : { bootNonce: opts.bootNonce }),
  });
  late.dispatcher = new CampaignDispatcher({
    chain,
    journal,
    execution: campaigns,
    parameters: () => Object.fromEntries(chain.ledger.values),
  });
  const counter = async (labels: Record<string, string>) =>
    (await metrics.campaigns.get()).values
      .filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k as "type"] === x))
      .reduce((s, v) => s + v.value, 0);
  return {
    dir,
    journal,
    chain,
    venue,
    campaigns,
    dispatcher: () => late.dispatcher!,
    settlements,
    counter,
    market: (): Promise<ExecutionMarket> =>
      readMarket([{ venue, options: { pair: PAIR, takerFeeBps: 10n } }], Date.now()),
    close() {
      journal.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A market maker driven by hand: its run buys 0.01 BTC at the ask (a fill, journalled under the campaign through the
 * guard), tells the test (`filled`), then waits for `release` and throws what it is given (a guard refusing the next
 * quote) or returns.
 */
function handMaker(s: ReturnType<typeof setup>) {
  const filled = gate();
  const release = gate<Error | undefined>();
  const inner: Strategy<ExecutionMarket> = {
    id: "mm-hand",
    type: "marketMaking",
    pair: PAIR,
    estimatedROI: () => ({ expectedProfit: toWad("10"), estimatedCost: toWad("1"), capitalLocked: toWad("600") }),
    canInterruptCurrent: () => false,
    exec: async (ctx: ExecutionContext): Promise<ExecutionResult> => {
      const guard = s.campaigns.guard("mm-hand", ctx);
      const req = {
        pair: PAIR,
        side: "buy" as const,
        amount: toWad("0.01"),
        limitPrice: toWad("30010"),
        timeInForce: "GTC" as const,
        clientOrderId: `hand-${ctx.runId}-1`,
      };
      await guard({ ...req, venueId: "alpha", purpose: "open" });
      await s.venue.placeOrder(req);
      filled.open();
      const err = await release.promise;
      if (err) throw err;
      return { status: "succeeded", pnl: 0n, slippageBps: 0 };
    },
  };
  return { inner, filled, release };
}

const ctxOf = (runId: number, signal = new AbortController().signal): ExecutionContext => ({
  signal,
  runId,
  capital: toWad("600"),
  params: DEFAULT_ENGINE_PARAMETERS,
  startedAt: Date.now(),
});

describe("engine campaigns: a run's campaign always ends in its run", () => {
  it("exec_runOfItsOwnCampaign_tradesUnderARunIdFromTheBootNonce", async () => {
    // Two processes (two journals' nonces) run engine run 1 at the same start time: their client order ids differ, so
    // a restarted process never reuses the id of an order intent a power loss took from the one before.
    const ids: string[] = [];
    for (const bootNonce of [7, 8]) {
      const s = setup({ bootNonce });
      try {
        const hand = handMaker(s);
        const wrapped = s.campaigns.wrap(hand.inner, { venueId: "alpha" });
        assert.ok(wrapped.estimatedROI(await s.market()));
        const run = wrapped.exec({ ...ctxOf(1), startedAt: 1_000 });
        await hand.filled.promise;
        hand.release.open(undefined);
        assert.equal((await run).status, "succeeded");
        const rec = s.campaigns.history[0]!;
        assert.equal(rec.runId, 1, "the engine's run id stays the record's");
        const orders = s.journal.ordersOfCampaign(rec.campaignId);
        assert.equal(orders.length, 1);
        assert.equal(orders[0]!.clientOrderId, `hand-${bootNonce * 4096 + 1}-1`);
        ids.push(orders[0]!.clientOrderId);
      } finally {
        s.close();
      }
    }
    assert.notEqual(ids[0], ids[1]);
  });

  it("exec_strategyThrowsAfterAFill_campaignSettlesWithItsReceiptAndTheRunIsRecorded", async () => {
    const s = setup();
    try {
      const hand = handMaker(s);
      const wrapped = s.campaigns.wrap(hand.inner, { venueId: "alpha" });
      assert.ok(wrapped.estimatedROI(await s.market()));
      const run = wrapped.exec(ctxOf(1)).then(
        (r) => ({ ok: true as const, r }),
        (err: unknown) => ({ ok: false as const, err }),
      );
      await hand.filled.promise;
      // The venue refuses the next quote (the safety rules' price check, a venue error): the strategy throws.
      hand.release.open(new ExecutionError("mm-hand: quote refused by the safety rules"));
      const out = await run;
      assert.ok(out.ok, `the run ends with a result, not a throw: ${out.ok ? "" : String(out.err)}`);
      assert.equal(out.r.status, "failed");
      assert.match(String(out.r.error?.message), /refused by the safety rules/);
      // Its campaign settled with the fill's receipt, in this run (no tick of the dispatcher was needed).
      assert.equal(s.campaigns.history.length, 1, "the run's campaign is recorded");
      const rec = s.campaigns.history[0]!;
      assert.equal(rec.outcome, "settled");
      assert.equal(rec.status, "failed");
      assert.equal(rec.fills, 1);
      assert.ok(rec.receiptId !== undefined && rec.receiptId > 0n);
      const c = await s.chain.getCampaign(rec.campaignId);
      assert.equal(c.status, "settled");
      assert.equal(c.settledReceiptId, rec.receiptId);
      assert.equal(await s.counter({ type: "marketMaking", outcome: "settled" }), 1);
      assert.deepEqual(s.settlements, [{ strategyId: "mm-hand", ok: true }]);
      assert.deepEqual(s.campaigns.running(), []);
    } finally {
      s.close();
    }
  });

  it("exec_settlementThrows_runRecordedAndCountedBeforeTheErrorReachesTheEngine", async () => {
    const s = setup();
    try {
      const hand = handMaker(s);
      const wrapped = s.campaigns.wrap(hand.inner, { venueId: "alpha" });
      assert.ok(wrapped.estimatedROI(await s.market()));
      const run = wrapped.exec(ctxOf(1)).then(
        (r) => ({ ok: true as const, r }),
        (err: unknown) => ({ ok: false as const, err }),
      );
      await hand.filled.promise;
      // The keeper loses its attestation before the receipt is posted: the post reverts (not a "nothing executed").
      s.chain.setKeeper({ attested: false });
      hand.release.open(undefined);
      const out = await run;
      assert.ok(!out.ok, "the settlement's error reaches the engine");
      assert.match(String(out.err), /NotAttested/);
      assert.equal(s.campaigns.history.length, 1, "the run's campaign is recorded even so");
      assert.equal(s.campaigns.history[0]!.outcome, "error");
      assert.equal(await s.counter({ type: "marketMaking", outcome: "error" }), 1);
      assert.deepEqual(s.campaigns.running(), []);
    } finally {
      s.close();
    }
  });

  it("recover_keeperStopping_campaignWithoutFillsGivenBackNotTradedAgain", async () => {
    // A campaign left executing with an order whose outcome was never read (a venue error), its run gone: recovery
    // reads the order back (unknown to the venue: nothing filled) and trades the arbitrage again, unless the keeper
    // is stopping.
    for (const stopping of [false, true]) {
      const s = setup();
      try {
        let trades = 0;
        const inner: Strategy<ExecutionMarket> = {
          id: "arb-hand",
          type: "arbitrage",
          pair: PAIR,
          estimatedROI: () => null,
          canInterruptCurrent: () => true,
          exec: async () => {
            trades++;
            return { status: "succeeded", pnl: 0n, slippageBps: 0 };
          },
        };
        s.campaigns.wrap(inner, { venueId: "alpha", venues: ["alpha"] });
        const spec = campaignSpecFromNames({
          assetPair: PAIR,
          priceWindow: { minPrice: 1n, maxPrice: 2n, notBefore: 0n, notAfter: 2n ** 40n },
          route: { strategyId: "arbitrage", sourceVenue: "alpha", targetVenue: "alpha" },
        });
        const id = keccak256(toUtf8Bytes(`recover ${String(stopping)}`));
        s.journal.setCursor(
          `engine-run:${id}`,
          JSON.stringify({ strategyId: "arb-hand", capital: "600n", need: "0n" }),
        );
        s.journal.recordOrderIntent({
          clientOrderId: `lost-${String(stopping)}`,
          campaignId: id,
          venue: "alpha",
          pair: PAIR,
          side: "buy",
          amount: String(toWad("0.01")),
          limitPrice: String(toWad("30010")),
        });
        if (stopping) s.campaigns.shutdown();
        await assert.rejects(
          s.campaigns.execute({ id, spec }),
          stopping ? /no fill, and the keeper is stopping/ : /nothing filled/,
        );
        assert.equal(trades, stopping ? 0 : 1);
      } finally {
        s.close();
      }
    }
  });

  it("quotingWindow_chainTimeJumpsPastTheClaimsMargin_quotingEndsAtTheNextTickNotAfterItsWallSpan", async () => {
    // A market maker quotes until its quoting window ends (60 s of wall time here); the chain's clock jumps by a day
    // (a node's time jump): the next tick's chain time ends the window, not the wall-clock timer a minute later.
    let nowSec = 1_800_000_000n;
    const s = setup({ now: () => nowSec });
    try {
      let quoting = false;
      const inner: Strategy<ExecutionMarket> = {
        id: "mm-wait",
        type: "marketMaking",
        pair: PAIR,
        estimatedROI: () => ({ expectedProfit: toWad("10"), estimatedCost: toWad("1"), capitalLocked: toWad("600") }),
        canInterruptCurrent: () => false,
        exec: async (ctx: ExecutionContext): Promise<ExecutionResult> => {
          quoting = true;
          await new Promise<void>((r) =>
            ctx.signal.aborted ? r() : ctx.signal.addEventListener("abort", () => r(), { once: true }),
          );
          return { status: "aborted", pnl: 0n, slippageBps: 0 };
        },
      };
      const wrapped = s.campaigns.wrap(inner, { venueId: "alpha" });
      assert.ok(wrapped.estimatedROI(await s.market()));
      const run = wrapped.exec(ctxOf(1)).then(
        () => "ended",
        () => "ended",
      );
      await until("quoting", () => quoting, 30_000, 5);
      // A tick inside the window changes nothing.
      s.campaigns.observeTime(nowSec + 1n);
      const early = await Promise.race([run, new Promise((r) => setTimeout(() => r("quoting"), 300))]);
      assert.equal(early, "quoting");
      nowSec += 86_400n;
      const jumped = Date.now();
      s.campaigns.observeTime(nowSec);
      assert.equal(await run, "ended");
      assert.ok(Date.now() - jumped < 30_000, "ended by the tick, not by the 60-s wall-clock window");
    } finally {
      s.close();
    }
  });

  it("claimRetry_claimRefusedForNow_waitsOnTheKeepersClockNotWallTime", async () => {
    // The keeper's clock (replay: scenario time) and its timers, stepped by the test.
    let nowSec = 1_800_000_000n;
    const timers: { ms: number; fn: () => void }[] = [];
    const s = setup({
      now: () => nowSec,
      after: (ms, fn) => {
        const t = { ms, fn };
        timers.push(t);
        return () => timers.splice(timers.indexOf(t), 1);
      },
    });
    try {
      // Another keeper claimed a campaign on the pair in this very second: a claim on the pair is refused for now.
      const other = s.chain.connect("0x000000000000000000000000000000000000b0b0");
      const spec = campaignSpecFromNames({
        assetPair: PAIR,
        priceWindow: { minPrice: 1n, maxPrice: 10n ** 12n, notBefore: nowSec, notAfter: nowSec + 600n },
        route: { strategyId: "arbitrage", sourceVenue: "beta", targetVenue: "gamma" },
      });
      await other.publishCampaign(spec, { mode: "race" });
      assert.equal((await other.claimCampaign(s.chain.campaignIdOf(spec))).claimed, true);

      const hand = handMaker(s);
      const wrapped = s.campaigns.wrap(hand.inner, { venueId: "alpha" });
      assert.ok(wrapped.estimatedROI(await s.market()));
      const run = wrapped.exec(ctxOf(1));
      // The refused claim is tried again after 500 ms of the keeper's clock: a timer of `after`, not of the wall.
      await until("the claim retry waits on the keeper's timer", () => timers.some((t) => t.ms === 500), 30_000, 5);
      const id = s.campaigns.running()[0]!.campaignId;
      assert.equal((await s.chain.getCampaign(id)).status, "open", "not claimed while the keeper's clock stands");
      // The keeper's clock moves on a second: the retry claims the campaign and the run trades.
      nowSec += 1n;
      timers
        .splice(
          timers.findIndex((t) => t.ms === 500),
          1,
        )[0]!
        .fn();
      await hand.filled.promise;
      assert.equal((await s.chain.getCampaign(id)).status, "claimed");
      hand.release.open(undefined);
      const result = await run;
      assert.equal(result.status, "succeeded");
      assert.equal(s.campaigns.history[0]?.outcome, "settled");
    } finally {
      s.close();
    }
  });
});

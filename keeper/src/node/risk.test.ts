/**
 * The live keeper's risk controls (issue 15, findings 1, 3 and 7) on the arbitrage campaigns with in-memory venues:
 * exposure blocking and flattening, the kill switch through the data dir's journal, the chain's stop signals
 * (including the "nothing drawable" path of a paused vault), the daily loss across a restart, the execution
 * deadline taken from the claim.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { Writable } from "node:stream";
import { campaignId } from "../campaign/id.js";
import type { KeeperStatus } from "../chain/adapter.js";
import type { CapitalAdapter } from "../chain/vault.js";
import { InvalidOrderError, VenueTimeoutError } from "../execution/errors.js";
import { fromWad, toWad } from "../execution/fixed.js";
import { DEFAULT_RISK_LIMITS_CONFIG, riskLimits } from "../execution/limits.js";
import { MemoryVenue } from "../execution/testing/memoryVenue.js";
import { virtualTime } from "../execution/testing/virtualTime.js";
import type { BookLevel } from "../execution/venue.js";
import type { CampaignTrace } from "../recording/poster.js";
import { NothingExecutedError } from "../campaign/dispatcher.js";
import { ArbitrageCampaigns } from "./arbitrage-campaigns.js";
import { DEFAULT_SAFETY, GatedExecution } from "./risk.js";
import { SafetyRules } from "../execution/safety.js";
import { CapitalFlow, FundedExecution } from "./capital.js";
import { buildCli } from "./cli.js";
import { Journal } from "./journal.js";
import { createMetrics } from "./metrics.js";
import { RiskControls, RiskStopError, exposures, pauseState } from "./risk.js";

const lv = (price: string, amount: string): BookLevel => ({ price: toWad(price), amount: toWad(amount) });
const LOT = toWad("0.001");
const MARKET = "ETH/USD";

function venues() {
  const cheap = new MemoryVenue(
    "cheap",
    { [MARKET]: { bids: [lv("1995", "10")], asks: [lv("2000", "1"), lv("2001", "1"), lv("2050", "10")] } },
    { ETH: 0n, USD: toWad("100000") },
    { lot: LOT, buyFeeInBase: true },
  );
  const rich = new MemoryVenue(
    "rich",
    { [MARKET]: { bids: [lv("2020", "1"), lv("2015", "1"), lv("1990", "10")], asks: [lv("2025", "10")] } },
    { ETH: toWad("10"), USD: toWad("100000") },
    { lot: LOT },
  );
  return { cheap, rich };
}

const eligible: KeeperStatus = {
  keeper: "0xk",
  operator: "0xo",
  attested: true,
  eligible: true,
  score: 1n,
  lastSeen: 0n,
  operatorActiveStake: 1n,
  attestedAt: 0n,
  measurementHash: "0x",
};

/** Error-level log lines, captured. */
function capturedLog() {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
      done();
    },
  });
  return { log: pino({ level: "debug" }, stream), lines };
}

function setup(
  opts: { dir?: string; status?: () => KeeperStatus; vaultStop?: () => string | undefined; safety?: boolean } = {},
) {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "risk-"));
  const journal = new Journal(join(dir, "journal.db"));
  const { cheap, rich } = venues();
  const metrics = createMetrics({ keeper: "t" });
  const { log, lines } = capturedLog();
  const t = virtualTime(Date.UTC(2026, 11, 4, 12));
  const posted: CampaignTrace[] = [];
  const risk = new RiskControls({
    journal,
    limits: riskLimits(),
    venues: { cheap, rich },
    chain: { keeperStatus: async () => (opts.status ?? (() => eligible))() },
    vault: { stopReason: async () => opts.vaultStop?.() },
    log,
    metrics,
    clock: t.clock,
    flattenEveryMs: 0,
  });
  const ref: { campaigns?: ArbitrageCampaigns } = {};
  const safety = opts.safety
    ? new SafetyRules(
        { ...DEFAULT_SAFETY, maxLoss: toWad("5000") },
        (v, p) => ref.campaigns?.referencePrice(v, p),
        t.clock,
      )
    : undefined;
  const campaigns = new ArbitrageCampaigns({
    markets: [
      {
        market: MARKET,
        venues: [
          { venue: cheap, pair: MARKET, lot: LOT, takerFeeBps: 10n },
          { venue: rich, pair: MARKET, lot: LOT, takerFeeBps: 10n },
        ],
      },
    ],
    journal,
    poster: { post: async (trace) => (posted.push(trace), { receiptId: BigInt(posted.length) }) },
    execution: { retryBudget: 1, gasBudget: 0n, clock: t.clock, sleep: t.sleep },
    risk,
    safety,
    log,
    clock: t.clock,
  });
  ref.campaigns = campaigns;
  return { dir, journal, cheap, rich, metrics, lines, risk, campaigns, t, posted };
}

const guarded = (r: RiskControls, o: Parameters<RiskControls["guard"]>[0]) => Promise.resolve(r.guard(o));

const gauge = async (m: ReturnType<typeof createMetrics>, name: string) =>
  (await m.registry.getSingleMetric(name)!.get()).values.reduce((s, v) => s + v.value, 0);

async function detectOne(s: ReturnType<typeof setup>) {
  const found = await s.campaigns.detect(1_800_000_000n);
  return found.map((o) => ({ id: campaignId(o.spec), spec: o.spec }));
}

describe("risk controls", () => {
  it("issue15_1_exposedExecution_errorLineMetricAndMarketBlockedUntilFlat", async () => {
    const s = setup();
    const [job] = await detectOne(s);
    assert.ok(job, "the gap is a campaign");
    // The sell venue is down and the buy venue's bids are gone: nothing can close the bought ETH.
    for (let i = 0; i < 20; i++) s.rich.script.push({ kind: "throw", error: new InvalidOrderError("rich", "halted") });
    s.cheap.books[MARKET].bids = [lv("1500", "100")];
    await s.campaigns.execute(job);
    const open = exposures(s.journal);
    assert.equal(open.length, 1);
    assert.equal(open[0]!.venueId, "cheap");
    assert.equal(open[0]!.side, "sell");
    // What the account holds (the buy's fee was taken in ETH), not the gross fill.
    assert.equal(BigInt(open[0]!.amount), s.cheap.wallet["ETH"]);
    assert.ok(
      s.lines.some((l) => l.level >= 50 && /exposed: .* left open on cheap/.test(l.msg)),
      "an error line",
    );
    assert.equal(await gauge(s.metrics, "keeper_exposed_positions"), 1);
    // Its size, for the dashboard: the base held, long (to sell) on the venue, as the exposition text shows it.
    const text = await s.metrics.registry.metrics();
    assert.match(
      text,
      new RegExp(
        `^keeper_exposed_base\\{market="ETH/USD",venue="cheap",asset="ETH",position="long",keeper="t"\\} ${fromWad(s.cheap.wallet["ETH"]!)}$`,
        "m",
      ),
    );
    // Blocked: the gap is still there, but no campaign on the market.
    s.rich.script.length = 0;
    assert.deepEqual(await detectOne(s), []);
    // The guard refuses an opening order on the pair too.
    await assert.rejects(
      guarded(s.risk, {
        pair: MARKET,
        side: "buy",
        amount: LOT,
        limitPrice: toWad("2000"),
        timeInForce: "IOC",
        clientOrderId: "x",
        venueId: "cheap",
        purpose: "open",
      }),
      /left exposed on cheap/,
    );
    // The book comes back: flattening sells what is held, the block lifts.
    s.cheap.books[MARKET].bids = [lv("1995", "10")];
    assert.equal(await s.risk.flatten(), 0);
    assert.ok((s.cheap.wallet["ETH"] ?? 0n) < LOT);
    assert.equal(await gauge(s.metrics, "keeper_exposed_positions"), 0);
    assert.doesNotMatch(await s.metrics.registry.metrics(), /^keeper_exposed_base\{/m, "no size left once flat");
    s.cheap.books[MARKET].asks = [lv("2000", "1"), lv("2001", "1"), lv("2050", "10")]; // and the gap
    assert.equal((await detectOne(s)).length, 1, "campaigns on the market again once flat");
  });

  it("issue15_7_keeperPauseThroughTheDataDir_stopsNewCampaignsAndOrders_survivesRestart_resumeLifts", async () => {
    const s = setup();
    assert.equal((await detectOne(s)).length, 1);
    // Another process (the CLI) pauses the keeper through its data dir.
    await buildCli().parseAsync(["node", "keeper", "pause", "--data-dir", s.dir, "--reason", "operator check"]);
    assert.equal(pauseState(s.journal)?.reason, "operator check");
    assert.deepEqual(await detectOne(s), [], "no campaign while paused");
    await assert.rejects(
      guarded(s.risk, {
        pair: MARKET,
        side: "buy",
        amount: LOT,
        limitPrice: toWad("2000"),
        timeInForce: "IOC",
        clientOrderId: "x",
        venueId: "cheap",
        purpose: "open",
      }),
      /paused by keeper pause: operator check/,
    );
    // Closing orders still go.
    await s.risk.guard({
      pair: MARKET,
      side: "sell",
      amount: LOT,
      limitPrice: toWad("1900"),
      timeInForce: "IOC",
      clientOrderId: "y",
      venueId: "cheap",
      purpose: "unwind",
    });
    assert.equal(await gauge(s.metrics, "keeper_trading_stopped"), 1);
    // Why, for the dashboard: the control and the reason the operator gave.
    const why = (await s.metrics.registry.getSingleMetric("keeper_trading_stop_reason")!.get()).values;
    assert.deepEqual(
      why.map((v) => [v.labels, v.value]),
      [[{ control: "pause", reason: "paused by keeper pause: operator check" }, 1]],
    );
    const refusals = (await s.metrics.registry.getSingleMetric("keeper_risk_refusals_total")!.get()).values;
    assert.ok(
      refusals.some((v) => v.labels["control"] === "pause" && v.value >= 1),
      JSON.stringify(refusals),
    );
    // A restart stays paused.
    s.journal.close();
    const again = setup({ dir: s.dir });
    assert.deepEqual(await detectOne(again), []);
    await buildCli().parseAsync(["node", "keeper", "resume", "--data-dir", s.dir]);
    assert.equal((await detectOne(again)).length, 1);
    assert.equal(await gauge(again.metrics, "keeper_trading_stopped"), 0);
    assert.equal(await gauge(again.metrics, "keeper_trading_stop_reason"), 0, "no reason once resumed");
    again.journal.close();
  });

  for (const [name, signal] of [
    ["keeperRevoked", { status: () => ({ ...eligible, eligible: false }) }],
    ["attestationExpired", { status: () => ({ ...eligible, attested: false }) }],
    ["vaultPaused", { vaultStop: () => "vault paused" }],
  ] as const) {
    it(`issue15_7_chainStopSignal_${name}_gateRefusesBeforeFundingAndGuardRefusesOpeningOrders`, async () => {
      let stop = false;
      const s = setup({
        status: () => (stop && "status" in signal ? signal.status() : eligible),
        vaultStop: () => (stop && "vaultStop" in signal ? signal.vaultStop() : undefined),
      });
      const [job] = await detectOne(s);
      assert.ok(job);
      stop = true;
      // The vault says nothing is drawable (it is paused, or the keeper lost eligibility): before, the campaign
      // then traded the keeper's own capital. Now the gate refuses it before any draw or order.
      const vault = {
        account: "0xk",
        drawable: async () => 0n,
        drawIdOf: async () => 0n,
        drawOf: async () => assert.fail("no draw to read"),
        rebalanceIfNeeded: async () => false,
        draw: async () => assert.fail("no draw"),
        repay: async () => assert.fail("no repay"),
        finalizeLossIfDue: async () => false,
        depositBalance: async () => 0n,
        receiptPnl: async () => 0n,
      } satisfies CapitalAdapter;
      const flow = new CapitalFlow({ capital: vault, journal: s.journal, sleeve: 1 });
      const gated = new GatedExecution(new FundedExecution(s.campaigns, flow), s.risk, s.journal);
      await assert.rejects(gated.execute(job), RiskStopError);
      assert.equal(s.cheap.placeCalls + s.rich.placeCalls, 0, "no order sent");
      assert.equal(s.journal.getCapital(job.id), undefined, "no capital step");
      await s.risk.refreshSignals(true);
      await assert.rejects(
        guarded(s.risk, {
          pair: MARKET,
          side: "buy",
          amount: LOT,
          limitPrice: toWad("2000"),
          timeInForce: "IOC",
          clientOrderId: "x",
          venueId: "cheap",
          purpose: "open",
        }),
        /chain stop signal/,
      );
      assert.deepEqual(await detectOne(s), []);
    });
  }

  it("issue15_7_dailyLoss_journalledPnlSurvivesRestart_refusesNewCampaigns", async () => {
    const s = setup();
    const [job] = await detectOne(s);
    assert.ok(job);
    // A losing campaign: the close venue is halted, the unwind sells back lower (a loss, inside the bound).
    for (let i = 0; i < 20; i++) s.rich.script.push({ kind: "throw", error: new InvalidOrderError("rich", "halted") });
    await s.campaigns.execute(job);
    const loss = -s.risk.dailyPnl();
    assert.ok(loss > 0n, "the day shows the loss");
    s.rich.script.length = 0;
    s.journal.close();
    // Restart with a daily loss limit just under what was lost: still refused.
    const again = setup({ dir: s.dir });
    const tight = new RiskControls({
      journal: again.journal,
      limits: riskLimits({ ...DEFAULT_RISK_LIMITS_CONFIG, maxDailyLoss: "1" }),
      venues: {},
      clock: again.t.clock,
    });
    assert.equal(tight.dailyPnl(), -loss, "the day's PnL was read back from the journal");
    await assert.rejects(
      guarded(tight, {
        pair: MARKET,
        side: "buy",
        amount: LOT,
        limitPrice: toWad("2000"),
        timeInForce: "IOC",
        clientOrderId: "x",
        venueId: "cheap",
        purpose: "open",
      }),
      /daily loss [\d.]+ reached maxDailyLoss 1/,
    );
    again.journal.close();
  });

  it("recordPnl_marketMakingLoss_countsAgainstMaxDailyLoss", async () => {
    const s = setup();
    const risk = new RiskControls({
      journal: s.journal,
      limits: riskLimits({ ...DEFAULT_RISK_LIMITS_CONFIG, maxDailyLoss: "100" }),
      venues: {},
      clock: s.t.clock,
    });
    const order = {
      pair: MARKET,
      side: "buy" as const,
      amount: LOT,
      limitPrice: toWad("2000"),
      timeInForce: "IOC" as const,
      clientOrderId: "x",
      venueId: "cheap",
      purpose: "open" as const,
    };
    risk.recordPnl(toWad("-60"));
    await guarded(risk, order); // 60 lost: inside the limit
    risk.recordPnl(toWad("-40"));
    assert.equal(risk.dailyPnl(), toWad("-100"));
    await assert.rejects(guarded(risk, order), /daily loss 100(\.0+)? reached maxDailyLoss 100/);
    s.journal.close();
  });

  it("issue15_7_execute_safetyRulesOnEveryLiveOrder_coolDownAfterAFailedExecutionRefusesTheNextOpen", async () => {
    const s = setup({ safety: true });
    const [job] = await detectOne(s);
    assert.ok(job);
    for (let i = 0; i < 20; i++) s.rich.script.push({ kind: "throw", error: new InvalidOrderError("rich", "halted") });
    await s.campaigns.execute(job); // unwound: the pair cools down for 5 s
    s.rich.script.length = 0;
    s.cheap.books[MARKET].asks = [lv("2000", "1"), lv("2001", "1"), lv("2050", "10")];
    const [next] = await s.campaigns
      .detect(1_800_000_100n)
      .then((o) => o.map((x) => ({ id: campaignId(x.spec), spec: x.spec })));
    assert.ok(next);
    const calls = s.cheap.placeCalls;
    await assert.rejects(s.campaigns.execute(next), /nothing filled/);
    assert.equal(s.cheap.placeCalls, calls, "the opening order was refused before it was sent");
    s.t.advance(5_000);
    const [third] = await s.campaigns
      .detect(1_800_000_200n)
      .then((o) => o.map((x) => ({ id: campaignId(x.spec), spec: x.spec })));
    await s.campaigns.execute(third!);
    assert.ok(s.cheap.placeCalls > calls, "trades again after the cool-down");
  });

  it("issue15_3_execute_claimInsideTheMargin_tradesNothing_andDeadlineStopsATimingOutVenue", async () => {
    const s = setup();
    const [job] = await detectOne(s);
    assert.ok(job);
    await assert.rejects(
      s.campaigns.execute({ ...job, claimDeadline: 1_000n, chainNow: 980n }),
      (e: unknown) => e instanceof NothingExecutedError && /inside the execution margin of 30 s/.test(e.message),
    );
    assert.equal(s.cheap.placeCalls + s.rich.placeCalls, 0);
    // 120 s of claim: the close venue times out after 25 s each time; orders stop 30 s before the claim expires.
    const start = s.t.clock.now();
    const sentAt: number[] = [];
    s.rich.placeOrder = async () => {
      sentAt.push(s.t.clock.now() - start);
      s.t.advance(25_000);
      throw new VenueTimeoutError("rich", "timeout");
    };
    await s.campaigns.execute({ ...job, claimDeadline: 1_120n, chainNow: 1_000n }).catch(() => undefined);
    assert.ok(sentAt.length > 0);
    assert.ok(
      sentAt.every((at) => at < 90_000),
      `sent at ${sentAt}`,
    );
    assert.ok(s.t.clock.now() - start < 120_000, "done before the claim expired");
  });
});

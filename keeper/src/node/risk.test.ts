/**
 * The live keeper's risk controls (issue 15, findings 1, 3 and 7) on the live path itself: `engineKeeper` (the engine
 * over an arbitrage strategy, every run a campaign) over in-memory venues and a `LocalChain`, ticked by hand on a
 * virtual engine clock. Exposure blocking and flattening, the kill switch through the data dir's journal, the chain's
 * stop signals (keeper revoked, attestation expired, vault paused: no draw, no order), the daily loss across a
 * restart, the safety rules' cool-down, a claim that leaves no time inside the execution margin.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fromWad, toWad } from "../execution/fixed.js";
import { DEFAULT_RISK_LIMITS_CONFIG, riskLimits } from "../execution/limits.js";
import { buildCli } from "./cli.js";
import { RiskControls, exposures, pauseState } from "./risk.js";
import { ASKS, LOT, MARKET, gauge, guarded, halt, lv, openOrder, setup, show } from "./testing/risk-keeper.js";
import { until } from "./testing/until.js";

describe("risk controls (the live keeper over a local chain)", () => {
  it("issue15_1_exposedExecution_errorLineMetricAndMarketBlockedUntilFlat", async () => {
    const s = setup();
    // The sell venue is down and, once the buy filled, the buy venue's bids are gone: nothing can close the bought ETH
    // (neither the unwind nor the node's flattening after each tick).
    halt(s.rich);
    const place = s.cheap.placeOrder.bind(s.cheap);
    s.cheap.placeOrder = async (req) => {
      const o = await place(req);
      s.cheap.books[MARKET].bids = [];
      return o;
    };
    await s.campaignsDone(1);
    const open = exposures(s.journal);
    assert.equal(open.length, 1, show(s.keeper.campaigns.history));
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
    // Blocked: the gap is still there (the sell venue answers again), but no campaign on the market is published.
    s.rich.script.length = 0;
    const published = s.chain.ledger.campaigns.size;
    s.t.advance(60_000); // past the engine's failure cool-down
    for (let i = 0; i < 5; i++) await s.tick();
    assert.equal(s.chain.ledger.campaigns.size, published, "no campaign while exposed");
    // The guard refuses an opening order on the pair too.
    await assert.rejects(guarded(s.risk, openOrder), /left exposed on cheap/);
    // The book comes back: flattening sells what is held, the block lifts. (Flattening runs at most one round per
    // 5 s of the keeper's clock, and the ticks above just ran one at this instant: the next round is 5 s later.)
    s.cheap.placeOrder = place;
    s.cheap.books[MARKET].bids = [lv("1995", "10")];
    s.t.advance(5_000);
    assert.equal(await s.risk.flatten(), 0);
    assert.ok((s.cheap.wallet["ETH"] ?? 0n) < LOT);
    assert.equal(await gauge(s.metrics, "keeper_exposed_positions"), 0);
    assert.doesNotMatch(await s.metrics.registry.metrics(), /^keeper_exposed_base\{/m, "no size left once flat");
    // Unblocked: the market's block is gone and the live guard (the one every strategy order goes through) lets an
    // opening order on the pair through again. (Whether the engine then re-plans the gap at once is not this
    // finding's: after the exposed run it sometimes stays idle; see the branch report.)
    assert.equal(s.risk.blockedReason(MARKET), undefined);
    await guarded(s.risk, openOrder);
    await s.keeper.stop();
    s.journal.close();
  });

  it("flatten_collapsedBook_waitsPastTheEntryFloor_pairStaysBlocked_sellsOnceTheBookRecovers", async () => {
    const s = setup();
    // Bought 2 ETH at 2000-2001 on cheap, the sell venue halted: the unwind cannot sell either (cheap's bids vanish
    // right after the buy), so the execution ends exposed, long ETH on cheap.
    halt(s.rich);
    const place = s.cheap.placeOrder.bind(s.cheap);
    s.cheap.placeOrder = async (req) => {
      const o = await place(req);
      s.cheap.books[MARKET].bids = [];
      return o;
    };
    await s.campaignsDone(1);
    s.cheap.placeOrder = place;
    const [open] = exposures(s.journal);
    assert.ok(open, show(s.keeper.campaigns.history));
    const held = s.cheap.wallet["ETH"]!;
    // The book collapses: the best bid is 25% under the entry. Before, the keeper sold into it at up to 100 bps under
    // that bid (a realised loss of about 500 USD per ETH). Now nothing is sent, an error line says why, the pair stays
    // blocked and the position open.
    s.cheap.books[MARKET].bids = [lv("1500", "10")];
    const placed = s.cheap.placeCalls;
    const usd = s.cheap.wallet["USD"]!;
    for (let i = 0; i < 3; i++) {
      s.t.advance(5_000);
      assert.equal(await s.risk.flatten(), 1);
    }
    assert.equal(s.cheap.placeCalls, placed, "no order into the collapsed book");
    assert.equal(s.cheap.wallet["ETH"], held);
    assert.equal(s.cheap.wallet["USD"], usd);
    // The floor's reference, journalled with the exposure: the buy's average fill (2 ETH at 2000-2001).
    assert.ok(BigInt(open.reference!) >= toWad("2000") && BigInt(open.reference!) <= toWad("2001"), open.reference);
    const waits = s.lines.filter((l) => /flattening ETH\/USD on cheap waits: best bid 1500/.test(l.msg));
    assert.equal(waits.filter((l) => l.level >= 50).length, 1, "one error line per wait");
    assert.match(
      waits[0]!.msg,
      /past 198\d(\.\d+)? \(entry 200\d(\.\d+)? - 100 bps\); new campaigns on ETH\/USD stay blocked/,
    );
    assert.equal(await gauge(s.metrics, "keeper_exposed_positions"), 1);
    await assert.rejects(guarded(s.risk, openOrder), /left exposed on cheap/);
    // A bid at the floor's edge but a book that goes deeper: the order's limit stops at the floor (1980.x), so only the
    // levels at or above it fill.
    s.cheap.books[MARKET].bids = [lv("1985", "0.5"), lv("1900", "10")];
    s.t.advance(5_000);
    assert.equal(await s.risk.flatten(), 1, "still open: the rest is below the floor");
    assert.equal(s.cheap.wallet["ETH"], held - toWad("0.5"));
    assert.equal(BigInt(exposures(s.journal)[0]!.amount), held - toWad("0.5"));
    // The book recovers: the rest is sold, the block lifts.
    s.cheap.books[MARKET].bids = [lv("1995", "10")];
    s.t.advance(5_000);
    assert.equal(await s.risk.flatten(), 0);
    assert.ok((s.cheap.wallet["ETH"] ?? 0n) < LOT);
    assert.equal(await gauge(s.metrics, "keeper_exposed_positions"), 0);
    assert.equal(s.risk.blockedReason(MARKET), undefined);
    await s.keeper.stop();
    s.journal.close();
  });

  it("issue15_7_keeperPauseThroughTheDataDir_stopsNewCampaignsAndOrders_survivesRestart_resumeLifts", async () => {
    const s = setup();
    // Another process (the CLI) pauses the keeper through its data dir.
    await buildCli().parseAsync(["node", "keeper", "pause", "--data-dir", s.dir, "--reason", "operator check"]);
    assert.equal(pauseState(s.journal)?.reason, "operator check");
    for (let i = 0; i < 5; i++) await s.tick();
    assert.equal(s.chain.ledger.campaigns.size, 0, "no campaign while paused");
    assert.equal(s.cheap.placeCalls + s.rich.placeCalls, 0);
    await assert.rejects(guarded(s.risk, openOrder), /paused by keeper pause: operator check/);
    // Closing orders still go.
    await s.risk.guard({
      ...openOrder,
      side: "sell",
      limitPrice: toWad("1900"),
      clientOrderId: "y",
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
    await s.keeper.stop();
    s.journal.close();
    const again = setup({ dir: s.dir });
    for (let i = 0; i < 5; i++) await again.tick();
    assert.equal(again.chain.ledger.campaigns.size, 0, "still paused after a restart");
    await buildCli().parseAsync(["node", "keeper", "resume", "--data-dir", s.dir]);
    await again.campaignsDone(1);
    assert.ok(again.chain.ledger.campaigns.size >= 1, "campaigns once resumed");
    assert.equal(await gauge(again.metrics, "keeper_trading_stopped"), 0);
    assert.equal(await gauge(again.metrics, "keeper_trading_stop_reason"), 0, "no reason once resumed");
    await again.keeper.stop();
    again.journal.close();
  });

  for (const name of ["keeperRevoked", "attestationExpired", "vaultPaused"] as const) {
    it(`issue15_7_chainStopSignal_${name}_noCampaignNoDrawNoOrder_andGuardRefusesOpeningOrders`, async () => {
      let stop = false;
      // The vault says nothing is drawable (it is paused, or the keeper lost eligibility): before, a campaign then
      // traded the keeper's own capital. Now no campaign is published, nothing drawn, no order sent.
      const s = setup({ vaultStop: () => (stop && name === "vaultPaused" ? "vault paused" : undefined) });
      stop = true;
      if (name === "keeperRevoked") s.chain.setKeeper({ revoked: true });
      if (name === "attestationExpired") s.chain.setKeeper({ attested: false });
      for (let i = 0; i < 5; i++) await s.tick();
      assert.equal(s.chain.ledger.campaigns.size, 0, "no campaign published");
      assert.equal(s.cheap.placeCalls + s.rich.placeCalls, 0, "no order sent");
      await s.risk.refreshSignals(true);
      await assert.rejects(guarded(s.risk, openOrder), /chain stop signal/);
      assert.equal(await gauge(s.metrics, "keeper_trading_stopped"), 1);
      await s.keeper.stop();
      s.journal.close();
    });
  }

  it("issue15_7_dailyLoss_journalledPnlSurvivesRestart_refusesNewCampaigns", async () => {
    const s = setup();
    // A losing campaign: the close venue is halted, the unwind sells back lower (a loss, inside the bound).
    halt(s.rich);
    await s.campaignsDone(1);
    const loss = -s.risk.dailyPnl();
    assert.ok(loss > 0n, "the day shows the loss");
    s.rich.script.length = 0;
    await s.keeper.stop();
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
    await assert.rejects(guarded(tight, openOrder), /daily loss [\d.]+ reached maxDailyLoss 1/);
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
    risk.recordPnl(toWad("-60"));
    await guarded(risk, openOrder); // 60 lost: inside the limit
    risk.recordPnl(toWad("-40"));
    assert.equal(risk.dailyPnl(), toWad("-100"));
    await assert.rejects(guarded(risk, openOrder), /daily loss 100(\.0+)? reached maxDailyLoss 100/);
    s.journal.close();
  });

  it("issue15_7_execute_safetyRulesOnEveryLiveOrder_coolDownAfterAFailedExecutionRefusesTheNextOpen", async () => {
    const s = setup();
    halt(s.rich);
    await s.campaignsDone(1); // unwound: the pair cools down for 5 s
    // The live keeper's guard chain refuses the next opening order on the pair during the cool-down...
    await assert.rejects(async () => s.keeper.safety.guard(openOrder), /ETH\/USD cooling down/);
    // ...and once the cool-downs are over (the safety rules' and the engine's), it trades again: both legs fill.
    s.rich.script.length = 0;
    s.cheap.books[MARKET].asks = ASKS();
    s.t.advance(60_000);
    await until(
      () => `a campaign with both legs filled: ${show(s.keeper.campaigns.history)}`,
      async () => (await s.tick(), s.keeper.campaigns.history.some((h) => h.fills >= 2)),
      60_000,
      100,
    );
    await s.keeper.stop();
    s.journal.close();
  });

  it("issue15_3_execute_claimInsideTheMargin_tradesNothing", async () => {
    // A claim of 20 s against an execution margin of 30 s: the campaign is claimed, but no order is sent.
    const s = setup({ claimTtlSeconds: 20n });
    await s.campaignsDone(1);
    assert.equal(s.cheap.placeCalls + s.rich.placeCalls, 0);
    assert.ok(
      s.lines.some((l) => /inside the execution margin of 30 s/.test(l.msg)) ||
        s.keeper.campaigns.history[0]!.outcome !== "settled",
      show(s.keeper.campaigns.history),
    );
    assert.equal(s.posted.length, 0, "no receipt");
    await s.keeper.stop();
    s.journal.close();
  });
});

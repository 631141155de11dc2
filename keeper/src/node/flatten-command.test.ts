/**
 * An exposure that waits (issue 15): its age on the live path (`keeper_exposure_age_seconds`, `/health`, `keeper
 * status`), the keeper unhealthy past `risk.maxExposureWaitSeconds` and healthy again once flat, and `keeper flatten`
 * (the operator's consent to a bounded loss) delivered through the data dir's journal to the live keeper's flatten
 * path: one order per consent, never past the accepted loss, never a second order after a crash, nothing for a stale,
 * repeated or misdirected command. Over `engineKeeper` with in-memory venues and a `LocalChain` (testing/risk-keeper.ts).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toWad } from "../execution/fixed.js";
import { BPS } from "../execution/fixed.js";
import { buildCli } from "./cli.js";
import { serveMetrics } from "./metrics.js";
import { RiskControls, exposures, flattenConsentKey, type Exposure } from "./risk.js";
import { MARKET, gauge, halt, lv, setup, show } from "./testing/risk-keeper.js";

/** A keeper left long ETH on `cheap` (about 2 ETH bought at 2000-2001, the sell venue halted, cheap's bids gone). */
async function exposedKeeper(opts: Parameters<typeof setup>[0] = {}) {
  const s = setup(opts);
  halt(s.rich);
  const place = s.cheap.placeOrder.bind(s.cheap);
  s.cheap.placeOrder = async (req) => {
    const o = await place(req);
    s.cheap.books[MARKET].bids = [];
    return o;
  };
  await s.campaignsDone(1);
  s.cheap.placeOrder = place;
  const [exposure] = exposures(s.journal);
  assert.ok(exposure, show(s.keeper.campaigns.history));
  const round = async () => {
    s.t.advance(5_000);
    return s.risk.flatten();
  };
  const close = async () => {
    await s.keeper.stop();
    s.journal.close();
  };
  return { ...s, exposure, reference: BigInt(exposure.reference!), place, round, close };
}

/** Runs a `keeper` command line; returns what it printed. */
async function cli(...args: string[]): Promise<string> {
  const out: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => void out.push(a.join(" "));
  try {
    await buildCli().parseAsync(["node", "keeper", ...args]);
  } finally {
    console.log = log;
  }
  return out.join("\n");
}

const flattenCmd = (dir: string, bps: number, pair = MARKET, venue = "cheap") =>
  cli("flatten", "--pair", pair, "--venue", venue, "--accept-loss-bps", String(bps), "--data-dir", dir);

/** Rejects with exactly one line matching `re` (the message the CLI prints after `error: `). */
const failsWith = (p: Promise<unknown>, re: RegExp) =>
  assert.rejects(p, (err: Error) => {
    assert.match(err.message, re);
    return true;
  });

const floorAt = (reference: bigint, bps: bigint) => (reference * (BPS - bps)) / BPS;

describe("an exposure that waits: age, health, keeper flatten", () => {
  it("flatten_operatorConsent_oneOrderWithinTheAcceptedLoss_staleAndRepeatedCommandsSendNothing", async () => {
    const s = await exposedKeeper();
    const held = s.cheap.wallet["ETH"]!;
    // The book collapses 25%: flattening waits at the unwind bound (entry - 100 bps).
    s.cheap.books[MARKET].bids = [lv("1500", "0.3"), lv("1200", "10")];
    const orders = s.cheap.orders.length;
    assert.equal(await s.round(), 1);
    assert.equal(s.cheap.orders.length, orders, "no order into the collapsed book");
    // A consent of 20%: the best bid (1500) is still past entry - 2000 bps (about 1600): nothing sent, one error
    // line naming the operator's bound.
    const said = await flattenCmd(s.dir, 2_000);
    assert.match(said, /flatten consent for cheap ETH\/USD long .* ETH, entry 200\d.*: one order, at most 2000 bps/);
    assert.equal(await s.round(), 1);
    assert.equal(await s.round(), 1);
    assert.equal(s.cheap.orders.length, orders);
    const waits = s.lines.filter((l) => l.level >= 50 && /accepted by the operator/.test(l.msg));
    assert.equal(waits.length, 1, "one error line for the consent's wait");
    // 30%, given twice before the keeper's next round: one order, its limit never under entry - 3000 bps, and only the
    // 0.3 ETH at 1500 fills (not the level at 1200, which is past the accepted loss).
    await flattenCmd(s.dir, 3_000);
    await flattenCmd(s.dir, 3_000);
    const stale = s.journal.getCursor(flattenConsentKey(s.exposure))!;
    assert.equal(await s.round(), 1);
    assert.equal(s.cheap.orders.length, orders + 1, "one order");
    const order = s.cheap.orders.at(-1)!;
    assert.ok(order.limitPrice >= floorAt(s.reference, 3_000n), `limit ${order.limitPrice} within the accepted loss`);
    assert.equal(order.filled, toWad("0.3"));
    assert.equal(s.cheap.wallet["ETH"], held - toWad("0.3"));
    assert.equal(BigInt(exposures(s.journal)[0]!.amount), held - toWad("0.3"));
    assert.equal(s.journal.getOrder(order.clientOrderId)?.state, "cancelled", "journalled, IOC rest cancelled");
    // The consent is used up: a book back at 1450 gets no order without a new one, and the old consent written again
    // (a stale command, a replay of the journal row) matches nothing.
    s.cheap.books[MARKET].bids = [lv("1450", "0.2"), lv("1200", "10")];
    assert.equal(await s.round(), 1);
    s.journal.setCursor(flattenConsentKey(s.exposure), stale);
    assert.equal(await s.round(), 1);
    assert.equal(s.cheap.orders.length, orders + 1, "no second order under one consent");
    // A new consent sends one more order.
    await flattenCmd(s.dir, 3_000);
    assert.equal(await s.round(), 1);
    assert.equal(s.cheap.orders.length, orders + 2);
    assert.equal(s.cheap.wallet["ETH"], held - toWad("0.5"));
    await s.close();
  });

  it("flatten_crashAfterTheOrderWentOut_restartBooksItsFill_noSecondOrder_neverSellsMoreThanHeld", async () => {
    const s = await exposedKeeper();
    const held = s.cheap.wallet["ETH"]!;
    s.cheap.books[MARKET].bids = [lv("1500", "10")];
    await flattenCmd(s.dir, 3_000);
    // The process dies right after the venue took the order (before its outcome is journalled).
    const place = s.cheap.placeOrder.bind(s.cheap);
    s.cheap.placeOrder = async (req) => {
      await place(req);
      throw new Error("killed");
    };
    await assert.rejects(s.round(), /killed/);
    s.cheap.placeOrder = place;
    assert.equal(s.cheap.wallet["ETH"] ?? 0n, 0n, "the venue sold what was held");
    const orders = s.cheap.orders.length;
    assert.ok(exposures(s.journal)[0]!.pending, "the order is journalled with its exposure");
    // A restart (new risk controls over the same journal), the operator repeating the command: the next round looks
    // the order up, books its fill and sends nothing; the exposure is flat.
    const again = new RiskControls({ journal: s.journal, limits: s.risk.limits, venues: { cheap: s.cheap } });
    await flattenCmd(s.dir, 3_000);
    assert.equal(await again.flatten(), 0);
    assert.equal(s.cheap.orders.length, orders, "no second order");
    assert.equal(exposures(s.journal).length, 0);
    const sold = s.cheap.orders.at(-1)!;
    assert.equal(sold.filled, held, "never more than held");
    assert.equal(s.journal.getOrder(sold.clientOrderId)?.state, "filled");
    await s.close();
  });

  it("flatten_wrongPairVenueOrDataDir_oneLineError_nothingWritten_anotherKeepersJournalUntouched", async () => {
    const a = await exposedKeeper();
    await assert.rejects(flattenCmd(a.dir, 500, "BTC/USDT"), (err: Error) => {
      assert.equal(
        err.message,
        `no open exposure on cheap BTC/USDT in ${join(a.dir, "journal.db")} (open: cheap ETH/USD)`,
      );
      return true;
    });
    await failsWith(
      flattenCmd(a.dir, 500, MARKET, "rich"),
      /^no open exposure on rich ETH\/USD in .* \(open: cheap ETH\/USD\)$/,
    );
    await failsWith(flattenCmd(a.dir, 500, "eth-usd"), /^--pair eth-usd must look like BTC\/USDT$/);
    assert.equal(a.journal.getCursor(flattenConsentKey(a.exposure)), undefined, "no consent written");
    const nowhere = join(mkdtempSync(join(tmpdir(), "flatten-")), "typo");
    await failsWith(
      flattenCmd(nowhere, 500),
      /^no keeper journal at .*typo\/journal\.db \(check --data-dir or --config\)$/,
    );
    assert.equal(existsSync(nowhere), false, "no journal created");
    // Keeper B (its own data dir, nothing open): the command aimed at it fails and keeper A sends nothing.
    const b = setup();
    await b.tick();
    await failsWith(flattenCmd(b.dir, 3_000), /no open exposure on cheap ETH\/USD in .* \(none open\)/);
    // A's consent copied into B's journal, or B's exposure named by A's consent, matches nothing.
    a.cheap.books[MARKET].bids = [lv("1500", "10")];
    const orders = a.cheap.orders.length;
    b.journal.setCursor(flattenConsentKey(a.exposure), JSON.stringify({ ...a.exposure, acceptLossBps: 3_000 }));
    assert.equal(await a.round(), 1);
    assert.equal(a.cheap.orders.length, orders);
    await b.keeper.stop();
    b.journal.close();
    await a.close();
  });

  it("health_exposureOlderThanMaxWait_unhealthy503AndAgeMetric_oneErrorLinePerMinute_recoversWhenFlat", async () => {
    const s = await exposedKeeper({ maxExposureWaitSeconds: 120 });
    const server = await serveMetrics(s.metrics, 0);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const health = async () => {
      const res = await fetch(`${url}/health`);
      return {
        code: res.status,
        body: (await res.json()) as { healthy: boolean; exposures: { ageSeconds: number; overdue: boolean }[] },
      };
    };
    const age = async () => {
      const m =
        /^keeper_exposure_age_seconds\{market="ETH\/USD",venue="cheap",pair="ETH\/USD",keeper="t"\} (\d+)$/m.exec(
          await (await fetch(`${url}/metrics`)).text(),
        );
      return m ? Number(m[1]) : undefined;
    };
    try {
      s.cheap.books[MARKET].bids = [lv("1500", "10")];
      const start = (await age())!;
      assert.ok(start < 120, `young: ${start}`);
      assert.equal((await health()).code, 200);
      // 2 minutes of waiting at the unwind bound (ticks every 5 s): unhealthy, the age on /metrics and /health.
      for (let i = 0; i < 25; i++) await s.round();
      assert.equal(await age(), start + 125);
      let h = await health();
      assert.equal(h.code, 503, JSON.stringify(h.body));
      assert.equal(h.body.healthy, false);
      assert.equal(h.body.exposures[0]!.overdue, true);
      assert.equal(await gauge(s.metrics, "keeper_healthy"), 0);
      assert.equal(s.health.healthy(), false, "the node claims nothing new");
      // One error line per minute, not per tick or scrape.
      for (let i = 0; i < 11; i++) {
        await s.tick();
        await health();
        s.t.advance(5_000);
      }
      const alerts = s.lines.filter((l) => l.level >= 50 && /keeper unhealthy: exposure .* open \d+ s/.test(l.msg));
      assert.equal(alerts.length, 1, alerts.map((l) => l.msg).join("\n"));
      assert.match(alerts[0]!.msg, /keeper flatten --pair ETH\/USD --venue cheap --accept-loss-bps N$/);
      s.t.advance(5_000);
      await health();
      assert.equal(s.lines.filter((l) => l.level >= 50 && /keeper unhealthy: exposure/.test(l.msg)).length, 2);
      // The operator consents; the next round flattens; healthy again, no age left.
      await flattenCmd(s.dir, 3_000);
      assert.equal(await s.round(), 0);
      h = await health();
      assert.equal(h.code, 200);
      assert.deepEqual(h.body.exposures, []);
      assert.equal(await age(), undefined);
      assert.equal(await gauge(s.metrics, "keeper_healthy"), 1);
      assert.ok(s.lines.some((l) => /keeper healthy again: no exposure open past/.test(l.msg)));
    } finally {
      server.close();
      await s.close();
    }
  });

  it("flatten_shortExposure_consentBoundsTheBuyBackAboveTheEntry", async () => {
    // A short left open (0.5 ETH to buy back on `cheap`, entry 2000) while the asks jumped to 2500.
    const s = setup();
    await s.tick();
    const short: Exposure = {
      campaignId: "short-1",
      market: MARKET,
      venueId: "cheap",
      pair: MARKET,
      side: "buy",
      amount: toWad("0.5").toString(),
      at: s.t.clock.now(),
      attempts: 0,
      reference: toWad("2000").toString(),
    };
    s.journal.setCursor("risk:exposures", JSON.stringify([short]));
    s.cheap.books[MARKET].asks = [lv("2500", "0.5"), lv("2700", "10")];
    const orders = s.cheap.orders.length;
    const round = async () => (s.t.advance(5_000), s.risk.flatten());
    assert.equal(await round(), 1);
    // 10%: the floor is 2200, the ask 2500 is past it: nothing.
    await flattenCmd(s.dir, 1_000);
    assert.equal(await round(), 1);
    assert.equal(s.cheap.orders.length, orders);
    // 30%: the floor is 2600; the limit (ask + 100 bps = 2525) stays under it, the 2700 level is never bought.
    await flattenCmd(s.dir, 3_000);
    await round();
    const order = s.cheap.orders.at(-1)!;
    assert.equal(s.cheap.orders.length, orders + 1);
    assert.ok(order.limitPrice <= toWad("2600"), `limit ${order.limitPrice}`);
    assert.equal(order.filled, toWad("0.5"));
    // The venue took its fee in ETH: what is still short is exactly that fee.
    assert.equal(BigInt(exposures(s.journal)[0]?.amount ?? "0"), order.feeBase ?? 0n);
    await s.keeper.stop();
    s.journal.close();
  });

  it("status_listsEachExposure_pairVenueAssetAmountEntryAndAge", async () => {
    const s = await exposedKeeper();
    const text = await cli("status", "--data-dir", s.dir);
    assert.match(
      text,
      /exposed positions: 1\n {2}cheap ETH\/USD long \d+\.\d+ ETH, entry 200\d(\.\d+)?, open \d+ s \(campaign arb-eth:\S+\)/,
    );
    const json = JSON.parse(await cli("status", "--data-dir", s.dir, "--json")) as {
      exposures: { asset: string; entryPrice: string; ageSeconds: number; venue: string; pair: string }[];
    };
    assert.equal(json.exposures[0]!.asset, "ETH");
    assert.equal(json.exposures[0]!.venue, "cheap");
    assert.ok(json.exposures[0]!.ageSeconds >= 0);
    await s.close();
  });
});

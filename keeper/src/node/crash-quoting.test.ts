/**
 * Crash test, quoting: a market-making keeper (`keeper run`, a separate process, quotes resting on the venue while it
 * runs) is killed with SIGKILL 20 times while it quotes and restarted on the same data directory each time. After
 * every restart: no quote of the dead process is left resting, no client order id was used twice at any venue, no
 * campaign of the dead process trades again and none settles twice. Its own system, so that it runs beside
 * `crash.test.ts` (the arbitrage kills) instead of after it.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { Journal } from "./journal.js";
import { MARKET_MAKING_STRATEGY, SYMBOL, writeKeeperRunConfig } from "./testing/local-keepers.js";
import { crashSystem, PASSPHRASE, type CrashSystem } from "./testing/crash.js";

const KILLS = 20;
/**
 * How often a wait polls. Each poll of the settle wait opens the journal and reads the chain: at 25 ms the test process
 * competed for the CPU with the keeper it waits for (the kill points come from random delays, not from polling).
 */
const POLL_MS = 100;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (what: string | (() => string), cond: () => Promise<boolean> | boolean, ms = 120_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${typeof what === "string" ? what : what()}`);
    await sleep(POLL_MS);
  }
};

describe("keeper crash safety (kill -9) while quoting", () => {
  let s: CrashSystem;

  before(async () => {
    s = await crashSystem("crash-mm-");
  });

  after(async () => {
    await s?.close();
  });

  it("run_quotingKeeperKilled20Times_noQuoteOfTheDeadLeftNoClientIdTwiceNoCampaignTwice", async () => {
    // A keeper market making on alpha (quotes resting while it runs), killed while it quotes.
    const configPath = writeKeeperRunConfig(join(s.dir, "quoting.json"), {
      name: "keeper0",
      i: 0,
      run: s.run,
      chain: s.chain,
      dataDir: join(s.dir, "data-mm"),
      passphrase: PASSPHRASE,
      extra: {
        tickMs: 50,
        heartbeatSeconds: 60,
        logLevel: "info",
        strategies: [
          {
            ...MARKET_MAKING_STRATEGY,
            config: { ...(MARKET_MAKING_STRATEGY.config as Record<string, unknown>), refreshMs: 1_000 },
          },
        ],
        campaigns: { quotingWindowSeconds: 20, claimMarginSeconds: 15, priceBandBps: 500 },
      },
    });
    const alpha = s.run.sim.venues.get("alpha")!.exchange;
    const beta = s.run.sim.venues.get("beta")!.exchange;
    const resting = () => [...alpha.openOrders("keeper0", SYMBOL), ...beta.openOrders("keeper0", SYMBOL)];
    let killedQuoting = 0;
    /** Seconds spent in each phase over all rounds (printed at the end: where the test's time goes). */
    const phases = { quoting: 0, start: 0, cancelled: 0, checks: 0 };
    let mark = performance.now();
    const lap = (phase: keyof typeof phases) => {
      const now = performance.now();
      phases[phase] += (now - mark) / 1000;
      mark = now;
    };
    let c = await s.start(configPath);
    for (let round = 0; round < KILLS; round++) {
      await until(`round ${round}: quoting`, () => alpha.openOrders("keeper0", SYMBOL).length > 0, 120_000);
      lap("quoting");
      await sleep(Math.floor(Math.random() * 400));
      await s.kill9(c);
      const dead = new Set(resting().map((o) => o.clientOrderId));
      if (dead.size > 0) killedQuoting++;
      // Orders per campaign the dead process journalled: a restart never trades one of these campaigns again.
      const before = new Map<string, number>();
      {
        const j = new Journal(join(s.dir, "data-mm", "journal.db"));
        try {
          for (const id of new Set(j.unsettledOrders().map((o) => o.campaignId))) {
            before.set(id, j.ordersOfCampaign(id).length);
          }
        } finally {
          j.close();
        }
      }
      mark = performance.now();
      c = await s.start(configPath);
      lap("start");
      // 1. No quote of the dead process rests on any venue once the restarted keeper has recovered its campaign.
      await until(
        `round ${round}: the dead process's quotes cancelled`,
        () => !resting().some((o) => dead.has(o.clientOrderId)),
        120_000,
      );
      lap("cancelled");
      // 2. No client order id twice at any venue.
      for (const venue of [alpha, beta]) {
        const ids = venue.allOrders("keeper0", SYMBOL, { limit: 5000 }).map((o) => o.clientOrderId);
        assert.equal(new Set(ids).size, ids.length, `round ${round}: duplicate client order id`);
      }
      // 3. No campaign executes twice: a campaign of the dead process gets no new order after the restart, and no
      // campaign settles twice on chain.
      const j = new Journal(join(s.dir, "data-mm", "journal.db"));
      try {
        for (const [id, n] of before) {
          assert.equal(j.ordersOfCampaign(id).length, n, `round ${round}: ${id} traded again after the restart`);
        }
      } finally {
        j.close();
      }
      const chain = await s.sys.adapter(1);
      const settled = await chain.campaigns.queryFilter(chain.campaigns.filters.CampaignSettled());
      const ids = settled.map((e) => e.args.campaignId);
      assert.equal(new Set(ids).size, ids.length, `round ${round}: a campaign settled twice`);
      lap("checks");
    }
    console.log(
      `seconds in all rounds: ${JSON.stringify(phases, (_k, v: unknown) => (typeof v === "number" ? +v.toFixed(1) : v))}`,
    );
    await s.kill9(c);
    // Killed while quotes rested (not between a cancel and the next quote) in most rounds: the check above bit.
    assert.ok(killedQuoting >= KILLS / 2, `killed with quotes resting in ${killedQuoting} of ${KILLS} rounds`);
  });
});

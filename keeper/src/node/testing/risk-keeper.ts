/**
 * The live keeper over in-memory venues and a `LocalChain`, ticked by hand on a virtual engine clock, for the risk
 * controls' tests (risk.test.ts, flatten-command.test.ts): an arbitrage strategy between a cheap and a rich venue.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { id as textHash } from "ethers";
import pino from "pino";
import { LocalChain } from "../../chain/local.js";
import type { CapitalAdapter } from "../../chain/vault.js";
import { InvalidOrderError } from "../../execution/errors.js";
import { toWad } from "../../execution/fixed.js";
import { DEFAULT_RISK_LIMITS_CONFIG, riskLimits } from "../../execution/limits.js";
import { MemoryVenue } from "../../execution/testing/memoryVenue.js";
import { virtualTime } from "../../execution/testing/virtualTime.js";
import type { BookLevel } from "../../execution/venue.js";
import type { CampaignTrace } from "../../recording/poster.js";
import { engineKeeper } from "../engine-keeper.js";
import { Journal } from "../journal.js";
import { createMetrics } from "../metrics.js";
import { KeeperHealth } from "../health.js";
import { exposures, type RiskControls } from "../risk.js";
import { until } from "./until.js";

export const lv = (price: string, amount: string): BookLevel => ({ price: toWad(price), amount: toWad(amount) });
export const LOT = toWad("0.001");
export const MARKET = "ETH/USD";
export const ASKS = () => [lv("2000", "1"), lv("2001", "1"), lv("2050", "10")];

export function venues() {
  const cheap = new MemoryVenue(
    "cheap",
    { [MARKET]: { bids: [lv("1995", "10")], asks: ASKS() } },
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

/** Log lines, captured. */
export function capturedLog() {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
      done();
    },
  });
  return { log: pino({ level: "debug" }, stream), lines };
}

/** A vault that must never be drawn from (the stop signals refuse a campaign before its draw). */
export function untouchableVault(stopReason: () => string | undefined): CapitalAdapter {
  return {
    account: "0x00000000000000000000000000000000000000aa",
    drawable: async () => 0n,
    drawIdOf: async () => 0n,
    drawOf: async () => assert.fail("no draw to read"),
    rebalanceIfNeeded: async () => false,
    draw: async () => assert.fail("no draw"),
    repay: async () => assert.fail("no repay"),
    finalizeLossIfDue: async () => false,
    depositBalance: async () => 0n,
    receiptPnl: async () => 0n,
    stopReason: async () => stopReason(),
  };
}

/** Receipt fields of a trace (distinct per campaign and fills). */
export const receiptFields = (trace: CampaignTrace) => {
  const digest = textHash(JSON.stringify(trace.entries));
  return {
    campaignId: trace.campaignId,
    traceRoot: textHash(`root ${trace.campaignId} ${digest}`),
    executionHash: textHash(`exec ${trace.campaignId} ${digest}`),
    leafCount: trace.entries.length,
    cid: `local-${digest.slice(2, 10)}`,
  };
};

export function setup(
  opts: {
    dir?: string;
    vaultStop?: () => string | undefined;
    claimTtlSeconds?: bigint;
    dailyLoss?: string;
    maxExposureWaitSeconds?: number;
  } = {},
) {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "risk-"));
  const journal = new Journal(join(dir, "journal.db"));
  const { cheap, rich } = venues();
  const metrics = createMetrics({ keeper: "t" });
  const { log, lines } = capturedLog();
  const t = virtualTime(Date.UTC(2026, 11, 4, 12));
  const chain = new LocalChain({
    parameters: opts.claimTtlSeconds === undefined ? {} : { claimTtlSeconds: opts.claimTtlSeconds },
  });
  const posted: CampaignTrace[] = [];
  // Health as `keeper run` wires it: the venues and the journal's exposures, read by /health, the gauges and the node.
  const health = new KeeperHealth(
    { cheap, rich },
    {
      log,
      exposures: () => exposures(journal),
      maxExposureWaitSeconds: opts.maxExposureWaitSeconds,
      clock: t.clock,
    },
  );
  metrics.health = () => health.status();
  const keeper = engineKeeper({
    chain,
    journal,
    log,
    metrics,
    venues: { cheap, rich },
    strategies: [
      {
        plugin: "arbitrage",
        config: {
          id: "arb-eth",
          pair: MARKET,
          legs: [
            { venueId: "cheap", pair: MARKET, takerFeeBps: 10 },
            { venueId: "rich", pair: MARKET, takerFeeBps: 10 },
          ],
          retryBudget: 1,
        },
      },
    ],
    poster: chain.poster(async (trace: CampaignTrace) => (posted.push(trace), Promise.resolve(receiptFields(trace)))),
    vault: opts.vaultStop ? untouchableVault(opts.vaultStop) : undefined,
    limits: riskLimits({ ...DEFAULT_RISK_LIMITS_CONFIG, maxDailyLoss: opts.dailyLoss ?? "5000" }),
    // Ticked by hand below.
    tickMs: 3_600_000,
    healthy: () => health.healthy(),
    heartbeatSeconds: 3_600,
    clock: t.clock,
  });
  // Started once (recovery, the chain's parameters, a heartbeat), then ticked by hand.
  let started: Promise<void> | undefined;
  const tick = async () => {
    await (started ??= keeper.node.start());
    await keeper.node.tick();
  };
  /** Ticks until the engine's runs have offered `n` campaigns in all (and each finished). */
  const campaignsDone = async (n: number) => {
    await until(
      () => `${n} campaign(s) finished: ${show(keeper.campaigns.history.map((h) => h.outcome))}`,
      async () => {
        if (keeper.campaigns.history.length >= n) return true;
        await tick();
        return keeper.campaigns.history.length >= n;
      },
      60_000,
      100,
    );
  };
  return {
    dir,
    journal,
    cheap,
    rich,
    metrics,
    health,
    lines,
    chain,
    keeper,
    risk: keeper.risk,
    t,
    posted,
    tick,
    campaignsDone,
  };
}

/** JSON with bigints, for assertion messages. */
export const show = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x));

export const openOrder = {
  pair: MARKET,
  side: "buy" as const,
  amount: LOT,
  limitPrice: toWad("2000"),
  timeInForce: "IOC" as const,
  clientOrderId: "x",
  venueId: "cheap",
  purpose: "open" as const,
};

export const guarded = (r: RiskControls, o: Parameters<RiskControls["guard"]>[0]) => Promise.resolve(r.guard(o));

export const gauge = async (m: ReturnType<typeof createMetrics>, name: string) =>
  (await m.registry.getSingleMetric(name)!.get()).values.reduce((s, v) => s + v.value, 0);

/** The sell venue halted: every order refused (the buy venue keeps what it bought). */
export const halt = (v: MemoryVenue) => {
  for (let i = 0; i < 40; i++) v.script.push({ kind: "throw", error: new InvalidOrderError(v.id, "halted") });
};

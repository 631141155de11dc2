/**
 * Soak: three keeper nodes (wired as `keeper run` wires them: live-path journal and metrics, health, ccxt venues with
 * `keeper run`'s request budget and tick) on an in-process chain race for arbitrage gaps planted on the two simulated
 * venues every few seconds, with faults injected through each venue's `POST /sim/faults` for `--minutes` (5xx 10%,
 * 429 5%, timeouts after execution 3%, partial fills 20%, and a per-IP/per-key rate limit the three keepers share),
 * then a quiet phase with the rate limit only. Prints and returns:
 *
 * - positions left exposed at the end (net base across both venues per keeper, from the venues' own tape),
 * - client order ids used twice (tape), settled campaigns without an on-chain receipt, fills without a settled receipt,
 * - each keeper's metrics (`/metrics`: fills, base and quote volume, PnL) against the venues' tape,
 * - wedge detection (a keeper whose venue calls kept failing for 60 s while the venues answered others),
 * - after the faults stop: when each keeper is healthy again (`/health` 200) and when it fills again.
 *
 *   node_modules/.bin/node --import tsx scripts/bench/soak.ts [--minutes 20] [--quiet-seconds 90] [--log-dir DIR]
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { pino } from "pino";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { localSystem } from "../../keeper/src/chain/testing/local-system.js";
import type { RunningSimulation } from "../../keeper/src/sim/venues.js";
import { BOB } from "../../keeper/src/sim/testkit.js";
import {
  keeperAccount,
  keeperNode,
  plantGap,
  startKeeperSimulation,
  SYMBOL,
} from "../../keeper/src/node/testing/local-keepers.js";
import { tapeOf } from "../../keeper/src/node/testing/tape.js";

export interface SoakOptions {
  /** Minutes of faults (default 20). */
  faultMinutes: number;
  /** Seconds without faults at the end (default 90). */
  quietSeconds: number;
  /** The faults of the fault phase (default `FAULTS`). */
  faults?: typeof FAULTS;
  /**
   * End the quiet phase as soon as every keeper is healthy and racing again, instead of after `quietSeconds` (which
   * then only bounds the wait). The 2-minute variant in `npm test` asserts recovery within a minute and nothing that
   * needs the rest of the minute; the bench keeps the full quiet phase for its quiet-tick and stop figures.
   */
  endQuietOnRecovery?: boolean;
  /** A gap every this many seconds (default 6). */
  gapEverySeconds?: number;
  log?: (line: string) => void;
  /**
   * Directory the keepers' logs are written to (`keeper<i>.log`, pino JSON at debug level) and kept after the run
   * (a failed soak is diagnosed from them). Default: no logs.
   */
  logDir?: string;
}

export interface KeeperSoakResult {
  keeper: string;
  /** Net base across both venues (from the tape), and the part of it the venues kept as fees in base. */
  netBase: number;
  baseFees: number;
  /** Net base not explained by fees taken in base: a leg left open. */
  exposedBase: number;
  duplicateClientIds: number;
  fills: { metric: number; tape: number };
  baseVolume: { metric: number; tape: number };
  quoteVolume: { metric: number; tape: number };
  pnl: { metric: number; tape: number };
  settled: number;
  settledWithoutReceipt: number;
  filledWithoutReceipt: number;
  wedged: boolean;
  /** Longest time (seconds) the keeper completed no tick (a tick stuck on a call) during the whole soak. */
  longestStallSeconds: number;
  /** Ticks the keeper completed during the quiet phase. */
  quietTicks: number;
  /**
   * Seconds of the quiet phase during which the keeper's own risk controls stopped new campaigns (a chain stop
   * signal such as "keeper not eligible", or a pause): it cannot trade again while they hold.
   */
  stoppedQuietSeconds: number;
  /** Its on-chain standing at the end: eligible, score (bps), failures + expiries, republish penalty points. */
  chainStanding: { eligible: boolean; score: number; failures: number; penaltyPoints: number };
  /** Longest run of failing venue calls (seconds) during the whole soak. */
  longestOutageSeconds: number;
  /** Seconds after the faults stopped until `/health` said 200 (0: never unhealthy). */
  healthyAgainSeconds: number | null;
  /** Seconds after the faults stopped until the keeper's next dispatch outcome (it races for campaigns again). */
  racingAgainSeconds: number | null;
  /** Seconds after the faults stopped until the keeper's next fill (null: none: another keeper won every race). */
  tradedAgainSeconds: number | null;
}

export interface SoakResult {
  keepers: KeeperSoakResult[];
  /** Each keeper's log file (empty without `logDir`). */
  logs: string[];
  gaps: number;
  faultsInjected: Record<string, number>;
}

export const FAULTS: {
  rules: Record<string, unknown>[];
  rateLimit: { capacity: number; refillPerSecond: number; banAfterViolations: number; banMs: number };
} = {
  rules: [
    { kind: "http5xx", probability: 0.1, status: 503 },
    { kind: "rateLimit", probability: 0.05, retryAfterSeconds: 1 },
    { kind: "timeout", probability: 0.03, mode: "afterExecute", hangMs: 4_000, endpoints: ["createOrder"] },
    { kind: "partialFill", probability: 0.2, fillRatio: 0.5 },
  ],
  // The venue's own limit, shared by the three keepers on one IP for public calls (each key for private ones).
  rateLimit: { capacity: 20, refillPerSecond: 10, banAfterViolations: 10, banMs: 5_000 },
};
const QUIET = { rules: [], rateLimit: FAULTS.rateLimit };

async function configureFaults(run: RunningSimulation, body: unknown): Promise<void> {
  for (const url of run.urls.values()) {
    const res = await fetch(`${url}/sim/faults`, { method: "POST", body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`POST ${url}/sim/faults: ${res.status} ${await res.text()}`);
  }
}

function metric(body: string, name: string): number {
  let sum = 0;
  for (const line of body.split("\n")) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `))
      sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

const wad = (x: bigint) => Number(x) / 1e18;

export async function runSoak(opts: SoakOptions): Promise<SoakResult> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const dir = mkdtempSync(join(tmpdir(), "soak-"));
  const sys = await localSystem();
  const run = await startKeeperSimulation(3);
  const nodes: ReturnType<typeof keeperNode>[] = [];
  const accounts: string[] = [];
  const logs: string[] = [];
  const logStreams: ReturnType<typeof pino.destination>[] = [];
  if (opts.logDir) mkdirSync(opts.logDir, { recursive: true });
  for (let i = 0; i < 3; i++) {
    const adapter = await sys.onboardKeeper(i);
    accounts.push(adapter.account);
    const n = keeperNode(adapter, run, i, join(dir, `k${i}`), {
      tickMs: 500,
      budget: { capacity: 20, refillPerSecond: 10 },
    });
    if (opts.logDir) {
      // The test node logs nowhere by default: point its logger (no child loggers are made from it) at a file.
      const file = join(opts.logDir, `${keeperAccount(i).name}.log`);
      const stream = pino.destination({ dest: file, sync: true });
      (n.log as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] = stream;
      n.log.level = "debug";
      logs.push(file);
      logStreams.push(stream);
    }
    nodes.push(n);
  }
  // Wedge and outage watch: every second, each keeper's venue health.
  const outageStart: (number | undefined)[] = [undefined, undefined, undefined];
  const longest = [0, 0, 0];
  const wedged = [false, false, false];
  // Stall watch: when each keeper last completed a tick.
  const ticksOf = async (i: number) => (await nodes[i]!.metrics.ticks.get()).values[0]?.value ?? 0;
  const lastTicks = [0, 0, 0];
  const lastTickAt = [Date.now(), Date.now(), Date.now()];
  const longestStall = [0, 0, 0];
  const watch = setInterval(() => {
    const now = Date.now();
    void Promise.all(
      nodes.map(async (_, i) => {
        const ticks = await ticksOf(i);
        if (ticks !== lastTicks[i]) {
          lastTicks[i] = ticks;
          lastTickAt[i] = now;
        } else longestStall[i] = Math.max(longestStall[i]!, (now - lastTickAt[i]!) / 1000);
      }),
    );
    nodes.forEach((n, i) => {
      const down = !n.health.status().healthy;
      if (down) outageStart[i] ??= now;
      else outageStart[i] = undefined;
      const s = outageStart[i];
      if (s !== undefined) {
        longest[i] = Math.max(longest[i]!, (now - s) / 1000);
        if (now - s > 60_000) wedged[i] = true;
      }
    });
  }, 1_000);
  let gaps = 0;
  let gapTimer: NodeJS.Timeout | undefined;
  const plant = () => {
    const venue = gaps % 2 === 0 ? "beta" : "alpha";
    for (const v of ["alpha", "beta"]) run.sim.venues.get(v)!.exchange.deposit(BOB.name, "BTC", "3");
    run.sim.advance(1); // the background makers re-quote: the previous gap's books come back
    plantGap(run, gaps % 3 === 0 ? "29700" : gaps % 3 === 1 ? "29650" : "29600", "0.05", venue);
    gaps++;
  };
  try {
    await configureFaults(run, opts.faults ?? FAULTS);
    for (const n of nodes) await n.node.start();
    plant();
    gapTimer = setInterval(plant, (opts.gapEverySeconds ?? 6) * 1_000);
    const faultEnd = Date.now() + opts.faultMinutes * 60_000;
    while (Date.now() < faultEnd) {
      await new Promise((r) => setTimeout(r, Math.min(30_000, faultEnd - Date.now())));
      const settled = nodes.map((n) => n.journal.receipts().filter((r) => r.state === "posted").length);
      log(
        `[soak] ${Math.round((faultEnd - Date.now()) / 1000)} s of faults left; gaps ${gaps}; receipts ${settled.join("/")}`,
      );
    }
    await configureFaults(run, QUIET);
    const quietAt = Date.now();
    const ticksAtQuiet = await Promise.all(nodes.map((_, i) => ticksOf(i)));
    log(`[soak] faults stopped at ${quietAt} (rate limit kept); quiet for ${opts.quietSeconds} s`);
    const healthyAgain: (number | null)[] = [null, null, null];
    const racingAgain: (number | null)[] = [null, null, null];
    const decisions = async (i: number) => metric(await nodes[i]!.metrics.registry.metrics(), "keeper_decisions_total");
    const decisionsAt = await Promise.all(nodes.map((_, i) => decisions(i)));
    const tradedAgain: (number | null)[] = [null, null, null];
    const quietEnd = quietAt + opts.quietSeconds * 1_000;
    const stoppedQuiet = [0, 0, 0];
    const stoppedNow = async (i: number) => ((await nodes[i]!.metrics.tradingStopped.get()).values[0]?.value ?? 0) > 0;
    let sampledAt = Date.now();
    const fillsAt = nodes.map((_, i) => tapeFills(run, i));
    const recovered = () => healthyAgain.every((t) => t !== null) && racingAgain.every((t) => t !== null);
    while (Date.now() < quietEnd && !(opts.endQuietOnRecovery && recovered())) {
      await new Promise((r) => setTimeout(r, 500));
      const sampled = Date.now();
      for (const [i] of nodes.entries()) if (await stoppedNow(i)) stoppedQuiet[i]! += (sampled - sampledAt) / 1000;
      sampledAt = sampled;
      for (const [i, n] of nodes.entries()) {
        const t = (Date.now() - quietAt) / 1000;
        if (healthyAgain[i] === null) {
          const res = await fetch(`http://127.0.0.1:${n.node.metricsPort}/health`);
          if (res.status === 200) healthyAgain[i] = t;
        }
        if (tradedAgain[i] === null && tapeFills(run, i) > fillsAt[i]!) tradedAgain[i] = t;
        if (racingAgain[i] === null && (await decisions(i)) > decisionsAt[i]!) racingAgain[i] = t;
      }
    }
    const quietTicks = await Promise.all(nodes.map(async (_, i) => (await ticksOf(i)) - ticksAtQuiet[i]!));
    clearInterval(gapTimer);
    gapTimer = undefined;
    // Let campaigns in flight finish (receipts posted, orders settled) before counting.
    const drainEnd = Date.now() + 30_000;
    while (
      Date.now() < drainEnd &&
      nodes.some((n) => n.journal.unsettledOrders().length > 0 || n.journal.unfinishedCampaigns().length > 0)
    ) {
      await new Promise((r) => setTimeout(r, 500));
    }
    for (const n of nodes) await n.node.stop();
    clearInterval(watch);

    const chain = await sys.adapter(0);
    const keepers: KeeperSoakResult[] = [];
    for (const [i, n] of nodes.entries()) {
      const name = keeperAccount(i).name;
      const tapes = ["alpha", "beta"].map((v) => tapeOf(run, v, name, SYMBOL));
      const body = await n.metrics.registry.metrics();
      const ids = tapes.flatMap((t) => t.clientOrderIds);
      let settled = 0;
      let settledWithoutReceipt = 0;
      let filledWithoutReceipt = 0;
      const me = accounts[i]!.toLowerCase();
      const campaigns = new Set(
        ids.map((id) => n.journal.getOrder(id)?.campaignId).filter((c): c is string => c !== undefined),
      );
      for (const id of campaigns) {
        const c = await chain.getCampaign(id);
        const receiptOnChain = async () =>
          c.settledReceiptId !== 0n && (await chain.getReceipt(c.settledReceiptId)).keeper.toLowerCase() === me;
        if (n.journal.campaignProgress(id) === "settled") {
          settled++;
          if (c.status !== "settled" || !(await receiptOnChain())) settledWithoutReceipt++;
        }
        const filled = n.journal.ordersOfCampaign(id).some((o) => BigInt(o.filled) > 0n);
        const posted = n.journal.getReceipt(id.toLowerCase())?.state === "posted";
        if (filled && !posted) filledWithoutReceipt++;
      }
      const counters = await chain.reputation.countersOf(accounts[i]!);
      const chainStanding = {
        eligible: await chain.reputation.isEligible(accounts[i]!),
        score: Number(await chain.reputation.score(accounts[i]!)),
        failures: wad(counters.failures + counters.expiries),
        penaltyPoints: Number(await chain.campaigns.penaltyPointsOf(accounts[i]!)),
      };
      keepers.push({
        keeper: name,
        netBase: wad(tapes.reduce((s, t) => s + t.netBase, 0n)),
        baseFees: wad(tapes.reduce((s, t) => s + t.baseFees, 0n)),
        exposedBase: wad(tapes.reduce((s, t) => s + t.netBase + t.baseFees, 0n)),
        duplicateClientIds: ids.length - new Set(ids).size,
        fills: { metric: metric(body, "keeper_fills_total"), tape: tapes.reduce((s, t) => s + t.filledOrders, 0) },
        baseVolume: {
          metric: metric(body, "keeper_filled_base_total"),
          tape: wad(tapes.reduce((s, t) => s + t.base, 0n)),
        },
        quoteVolume: {
          metric: metric(body, "keeper_filled_quote_total"),
          tape: wad(tapes.reduce((s, t) => s + t.quote, 0n)),
        },
        pnl: { metric: metric(body, "keeper_pnl"), tape: wad(tapes.reduce((s, t) => s + t.pnl, 0n)) },
        settled,
        settledWithoutReceipt,
        filledWithoutReceipt,
        wedged: wedged[i]!,
        longestStallSeconds: longestStall[i]!,
        quietTicks: quietTicks[i]!,
        stoppedQuietSeconds: Math.round(stoppedQuiet[i]!),
        chainStanding,
        longestOutageSeconds: longest[i]!,
        healthyAgainSeconds: healthyAgain[i]!,
        racingAgainSeconds: racingAgain[i]!,
        tradedAgainSeconds: tradedAgain[i]!,
      });
    }
    const faultsInjected: Record<string, number> = {};
    for (const s of run.servers.values())
      for (const [k, v] of Object.entries(s.faults.stats.injected)) faultsInjected[k] = (faultsInjected[k] ?? 0) + v;
    return { keepers, gaps, faultsInjected, logs };
  } finally {
    clearInterval(watch);
    if (gapTimer) clearInterval(gapTimer);
    for (const n of nodes) await n.node.stop();
    for (const n of nodes) n.journal.close();
    for (const s of logStreams) s.flushSync();
    await run.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Orders of keeper `i` with at least one trade, on both venues. */
function tapeFills(run: RunningSimulation, i: number): number {
  return ["alpha", "beta"].reduce((n, v) => n + tapeOf(run, v, keeperAccount(i).name, SYMBOL).filledOrders, 0);
}

/** The last `lines` lines of each keeper log, for a failure message. */
export function soakLogTails(r: SoakResult, lines = 60): string {
  return r.logs
    .map((file) => {
      const all = readFileSync(file, "utf8").trimEnd().split("\n");
      return `--- ${file} (last ${Math.min(lines, all.length)} of ${all.length} lines)\n${all.slice(-lines).join("\n")}`;
    })
    .join("\n");
}

export function formatSoak(r: SoakResult): string {
  const lines = [
    `gaps planted ${r.gaps}; faults injected ${JSON.stringify(r.faultsInjected)}`,
    "| keeper | net BTC (fees in BTC) | exposed BTC | dup ids | fills metric/tape | base vol metric/tape | quote vol metric/tape | PnL metric/tape | settled | settled w/o receipt | fills w/o receipt | wedged | longest stall s | quiet ticks | stopped in quiet s | eligible (score, failures, penalty pts) | longest outage s | healthy again s | racing again s | traded again s |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const k of r.keepers)
    lines.push(
      `| ${k.keeper} | ${k.netBase.toFixed(8)} (${k.baseFees.toFixed(8)}) | ${k.exposedBase.toFixed(8)} | ${k.duplicateClientIds} | ${k.fills.metric}/${k.fills.tape} | ${k.baseVolume.metric.toFixed(8)}/${k.baseVolume.tape.toFixed(8)} | ${k.quoteVolume.metric.toFixed(6)}/${k.quoteVolume.tape.toFixed(6)} | ${k.pnl.metric.toFixed(6)}/${k.pnl.tape.toFixed(6)} | ${k.settled} | ${k.settledWithoutReceipt} | ${k.filledWithoutReceipt} | ${k.wedged ? "yes" : "no"} | ${k.longestStallSeconds.toFixed(0)} | ${k.quietTicks} | ${k.stoppedQuietSeconds} | ${k.chainStanding.eligible ? "yes" : "no"} (${k.chainStanding.score}, ${k.chainStanding.failures.toFixed(2)}, ${k.chainStanding.penaltyPoints}) | ${k.longestOutageSeconds.toFixed(0)} | ${k.healthyAgainSeconds ?? "never"} | ${k.racingAgainSeconds ?? "never"} | ${k.tradedAgainSeconds ?? "none"} |`,
    );
  return lines.join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const arg = (name: string, fallback: number): number => {
    const i = process.argv.indexOf(`--${name}`);
    const v = i < 0 ? fallback : Number(process.argv[i + 1]);
    if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
    return v;
  };
  const logAt = process.argv.indexOf("--log-dir");
  const result = await runSoak({
    faultMinutes: arg("minutes", 20),
    quietSeconds: arg("quiet-seconds", 90),
    logDir: logAt < 0 ? undefined : process.argv[logAt + 1],
  });
  console.log(formatSoak(result));
  process.exit(0);
}

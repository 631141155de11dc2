/**
 * Opportunity-to-first-order through the live keeper loop (issue 14), on loopback. Prints figures; asserts nothing.
 *
 * The system: `hardhat node` in its own process on 127.0.0.1 (as `npm start` runs the chain) with the whole system
 * deployed and a funded vault; the exchange simulator (two Binance-dialect venues, `alpha` and `beta`, over HTTP) in a
 * process of its own, as `npm start` runs it (`lib/sim-process.ts`: its HTTP handling is not on the keeper's loop);
 * one keeper node wired as `keeper run` wires it (`engineKeeper` through `keeperNode`: the engine over the arbitrage
 * plugin, every run a campaign published, claimed, funded from the vault's arbitrage sleeve, traded through
 * `ccxt.binance`, posted and repaid; `keeper run`'s tick of 500 ms and request budget of 20, 10/s per venue).
 * Each sample plants one arbitrage gap (the simulator's `plantGap`, alternating venues and prices), then waits
 * for the campaign to settle and repay before the next. Samples start at least 1.05 s apart, so the governed
 * run budget (`retriesPerMinutePerPair`, raised to its maximum of 60) and the safety rules' 60 orders a minute
 * per venue and pair are never what a sample waits for.
 *
 * Instants of one sample (performance.now(), one clock):
 *  - opportunity: the tick's read of both books and balances over HTTP returns (`observe.read`) with the planted gap
 *    in it: the keeper holds the opportunity;
 *  - decision: that tick's engine (or a later one's) returns the `start` of the arbitrage run;
 *  - published / claimed / drawn: `publishCampaign`, `claimCampaign` and the vault `draw` return (mined);
 *  - first order: the first order request's headers are written to the venue's socket (undici's
 *    `undici:client:sendHeaders` diagnostics channel, `POST .../order`): the request leaves the keeper.
 * The poll delay (planting to the next tick's read) is the tick period and is not in any figure.
 *
 * The keeper runs in this process: give it `npm start`'s keepers' Node options (`KEEPER_NODE_OPTIONS`), as below. Its
 * event-loop thread gets `npm start`'s `eventLoopNice` where the machine allows it (`--event-loop-nice=N` to choose,
 * `=0` for the priority it was started with; `--realtime`: SCHED_FIFO, for comparison). The first line printed says
 * which young-generation size and which event-loop priority it ran with. Per path it reports the CPU time of the
 * event-loop thread and of the whole process; `--thread-stats` adds each thread's run and run-queue time (Linux).
 *
 *   node_modules/.bin/node --max-semi-space-size=64 --expose-gc --import tsx scripts/bench/live-keeper.ts [--samples 200]
 *     [--warmup 10] [--tick-ms 500] [--per-opportunity] [--window-seconds 60] [--event-loop-nice=N] [--realtime]
 *     [--thread-stats]
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { subscribe } from "node:diagnostics_channel";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance, PerformanceObserver, type PerformanceEntry } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { localSystem } from "../../keeper/src/chain/testing/local-system.js";
import type { EngineAction } from "../../keeper/src/engine/types.js";
import type { TickInput } from "../../keeper/src/engine/runner.js";
import type { ExecutionMarket } from "../../keeper/src/execution/strategies/market.js";
import { snapshotKey } from "../../keeper/src/execution/strategies/market.js";
import { toWad } from "../../keeper/src/execution/fixed.js";
import { BOB } from "../../keeper/src/sim/testkit.js";
import { keeperAccount, keeperNode, SYMBOL } from "../../keeper/src/node/testing/local-keepers.js";
import { mayUseNice, setEventLoopNice } from "../../keeper/src/node/priority.js";
import { KEEPER_EVENT_LOOP_NICE } from "../lib/keepers.js";
import {
  KeeperCapital__factory,
  MockV3Aggregator__factory,
  StrategyVault__factory,
  TestStablecoin__factory,
} from "../../types/ethers-contracts/index.js";
import { SEGMENTS, summarise, type SampleInstants } from "../lib/latency.js";
import { startSimulationProcess } from "./lib/sim-process.js";

const { values } = parseArgs({
  options: {
    samples: { type: "string", default: "200" },
    warmup: { type: "string", default: "10" },
    "tick-ms": { type: "string", default: "500" },
    // Every arbitrage run publishes and claims its own campaign (the path before standing windows).
    "per-opportunity": { type: "boolean", default: false },
    "window-seconds": { type: "string", default: "60" },
    // Linux: each thread's run and run-queue time between opportunity and first order (/proc schedstat; the reads
    // themselves add about 0.1 ms to the path).
    "thread-stats": { type: "boolean", default: false },
    // Linux: the keeper's event-loop thread at real-time priority (SCHED_FIFO 10, `chrt`; needs CAP_SYS_NICE).
    realtime: { type: "boolean", default: false },
    // The keeper's event-loop thread at this nice value (config `eventLoopNice`); default: as `npm start` sets it
    // (KEEPER_EVENT_LOOP_NICE where the machine allows it). `--event-loop-nice=0`: the priority it was started with.
    "event-loop-nice": { type: "string" },
  },
});
const positive = (name: string, v: string | undefined): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got ${v}`);
  return n;
};
const SAMPLES = positive("samples", values.samples);
const WARMUP = Number(values.warmup);
const TICK_MS = positive("tick-ms", values["tick-ms"]);
const STANDING = !values["per-opportunity"];
const WINDOW_SECONDS = positive("window-seconds", values["window-seconds"]);
const EVENT_LOOP_NICE = ((v) => {
  if (v === undefined) return mayUseNice(KEEPER_EVENT_LOOP_NICE) ? KEEPER_EVENT_LOOP_NICE : undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < -20 || n > 19)
    throw new Error(`--event-loop-nice must be an integer -20..19, got ${v}`);
  return n === 0 ? undefined : n;
})(values["event-loop-nice"]);
if (!Number.isInteger(WARMUP) || WARMUP < 0) throw new Error(`--warmup must be an integer >= 0, got ${values.warmup}`);

const USD = 10n ** 6n;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** `hardhat node` on loopback in its own process, as `npm start` runs it; resolves once it answers. */
async function startChain(port: number): Promise<ChildProcess> {
  const child = spawn("node_modules/.bin/hardhat", ["node", "--hostname", "127.0.0.1", "--port", String(port)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-4_000)));
  child.stderr!.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-4_000)));
  const end = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`hardhat node exited (${child.exitCode}): ${output}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      if (r.ok) return child;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) throw new Error(`hardhat node on port ${port} did not answer within 120 s: ${output}`);
    await sleep(250);
  }
}

/** The sample being measured: hooks fill its instants once each. */
let current: (SampleInstants & { gapVenue: string; gapPrice: bigint; planted: number }) | undefined;

/** CPU time (user + system, µs) of this thread (the keeper's event loop) and of the whole process (all its threads). */
const threadCpuMicros = (): number => {
  const c = process.threadCpuUsage();
  return c.user + c.system;
};
const processCpuMicros = (): number => {
  const c = process.cpuUsage();
  return c.user + c.system;
};
/** Run and run-queue wait time (ns) of each of this process's threads (Linux `/proc/self/task/<tid>/schedstat`). */
const THREAD_STATS = values["thread-stats"];
type ThreadTimes = Map<string, { run: number; wait: number }>;
const threadTimes = (): ThreadTimes => {
  const out: ThreadTimes = new Map();
  for (const tid of readdirSync("/proc/self/task")) {
    try {
      const [run, wait] = readFileSync(`/proc/self/task/${tid}/schedstat`, "utf8").split(" ").map(Number);
      out.set(tid, { run: run!, wait: wait! });
    } catch {
      // the thread ended
    }
  }
  return out;
};
const threadsAt = new WeakMap<SampleInstants, ThreadTimes>();
/** Per sample: the main thread's run and run-queue wait, and the other threads' run time (ms), on the path. */
const threadsOnPath = new WeakMap<SampleInstants, { mainRun: number; mainWait: number; others: string }>();
const diffThreads = (before: ThreadTimes, after: ThreadTimes) => {
  const main = String(process.pid);
  const d = (tid: string) => {
    const a = after.get(tid)!;
    const b = before.get(tid) ?? { run: 0, wait: 0 };
    return { run: (a.run - b.run) / 1e6, wait: (a.wait - b.wait) / 1e6 };
  };
  const others = [...after.keys()]
    .filter((t) => t !== main)
    .map((t) => ({ t, ...d(t) }))
    .filter((x) => x.run >= 0.05)
    .sort((x, y) => y.run - x.run)
    .map((x) => `${x.t} ${threadName(x.t)} ${x.run.toFixed(2)}`)
    .join(", ");
  return { mainRun: d(main).run, mainWait: d(main).wait, others };
};
const threadName = (tid: string): string => {
  try {
    return readFileSync(`/proc/self/task/${tid}/comm`, "utf8").trim();
  } catch {
    return "?";
  }
};

/** Both CPU times (µs) read at each sample's opportunity. */
const cpuAtOpportunity = new WeakMap<SampleInstants, { thread: number; process: number }>();

/** Whether an undici diagnostics message is about an order request (`POST .../order`). */
const isOrder = (message: unknown): boolean => {
  const { request } = message as { request: { method: string; path: string } };
  return request.method === "POST" && /\/order(\?|$)/.test(request.path);
};

// The first order request created by the HTTP client (undici), once the exchange client built and signed it.
subscribe("undici:request:create", (message) => {
  const t = performance.now();
  if (!isOrder(message)) return;
  if (current && current.decision !== undefined && current.requestCreated === undefined) current.requestCreated = t;
});

// Connections the keeper opened to a venue while a sample's first order was on its way (before its headers left).
let connectsOnPath = 0;
subscribe("undici:client:beforeConnect", () => {
  if (current && current.decision !== undefined && current.firstOrder === undefined) connectsOnPath++;
});

// The first order request leaving the keeper: undici writes its headers to the venue's socket.
subscribe("undici:client:sendHeaders", (message) => {
  const t = performance.now();
  if (!isOrder(message)) return;
  if (current && current.decision !== undefined && current.firstOrder === undefined) {
    current.firstOrder = t;
    const at = cpuAtOpportunity.get(current);
    if (at) {
      current.pathThreadCpu = (threadCpuMicros() - at.thread) / 1_000;
      current.pathProcessCpu = (processCpuMicros() - at.process) / 1_000;
    }
    const before = threadsAt.get(current);
    if (before) threadsOnPath.set(current, diffThreads(before, threadTimes()));
  }
});

// Garbage-collection pauses of this process (the keeper's): each sample counts those overlapping its path.
const gcPauses: { start: number; end: number }[] = [];
// Every pause of the run by kind (perf_hooks' NODE_PERFORMANCE_GC_*: 1 minor, 2 major, 4 incremental, 8 weak callbacks).
const gcKinds = new Map<number, { n: number; ms: number; max: number }>();
new PerformanceObserver((list) => {
  for (const e of list.getEntries() as PerformanceEntry[]) {
    gcPauses.push({ start: e.startTime, end: e.startTime + e.duration });
    const kind = (e as { detail?: { kind?: number } }).detail?.kind ?? 0;
    const k = gcKinds.get(kind) ?? { n: 0, ms: 0, max: 0 };
    gcKinds.set(kind, { n: k.n + 1, ms: k.ms + e.duration, max: Math.max(k.max, e.duration) });
  }
}).observe({ entryTypes: ["gc"] });
const GC_KIND: Record<number, string> = { 1: "minor", 2: "major", 4: "incremental", 8: "weak callbacks" };
const gcBetween = (from: number, to: number): number =>
  gcPauses.reduce((sum, g) => sum + Math.max(0, Math.min(to, g.end) - Math.max(from, g.start)), 0);

async function main(): Promise<void> {
  const load0 = loadavg();
  console.log(
    `live keeper bench: node ${process.version}, ${cpus().length} CPUs, load average ${load0.map((l) => l.toFixed(2)).join(" ")}, ` +
      `${SAMPLES} samples after ${WARMUP} warm-up, tick ${TICK_MS} ms, ` +
      (STANDING ? `standing arbitrage windows of ${WINDOW_SECONDS} s` : "a campaign per opportunity") +
      `, semi-space ${[...process.execArgv, process.env["NODE_OPTIONS"] ?? ""].join(" ").match(/--max-semi-space-size=\d+/)?.[0] ?? "default (16 MB)"}` +
      `, young generation collected between ticks: ${typeof (globalThis as { gc?: unknown }).gc === "function" ? "yes" : "no (no --expose-gc)"}` +
      `, event-loop thread: ${values.realtime ? "SCHED_FIFO 10" : EVENT_LOOP_NICE !== undefined ? `nice ${EVENT_LOOP_NICE}` : "default priority"}`,
  );
  const dir = mkdtempSync(join(tmpdir(), "bench-live-keeper-"));
  const port = await freePort();
  const chainProcess = await startChain(port);
  try {
    const sys = await localSystem(`http://127.0.0.1:${port}`);
    // Governance settings that would otherwise be what samples wait for (one gap a second for minutes): the
    // creation rate limit and the engine's run budget per pair at their maxima; the lone keeper publishes its own
    // campaigns, which are not scored (M4), so `minScore` 0 keeps it eligible.
    await sys.setParameter("campaignRateLimitCount", 1_000n);
    await sys.setParameter("retriesPerMinutePerPair", 60n);
    await sys.setParameter("minScore", 0n);
    // A depositor funds the vault; the reference feed prices the simulated market (flat 30 000).
    const depositor = await sys.adapter(10);
    const signer = depositor.sender.signer;
    const vault = StrategyVault__factory.connect(sys.addresses.vault!, signer);
    const book = KeeperCapital__factory.connect(sys.addresses.capitalBook!, signer);
    await (await TestStablecoin__factory.connect(sys.addresses.asset, signer).approve(vault, 200_000n * USD)).wait();
    await (await vault.deposit(200_000n * USD, depositor.account)).wait();
    const feed = MockV3Aggregator__factory.connect(await book.priceFeed(), signer);
    await (await feed.updateAnswer(30_000n * 10n ** 8n)).wait();

    const run = await startSimulationProcess(1);
    // Enough for every sample: BOB plants each gap (a 2.5 BTC market sell, then the gap), the keeper trades both ways.
    for (const v of ["alpha", "beta"]) {
      await run.deposit(v, BOB.name, "BTC", "10000");
      // 5 BTC (150,000 tUSD) a venue: inside the default maxInventoryNotional (500,000), which sizes every plan.
      await run.deposit(v, keeperAccount(0).name, "BTC", "5");
      await run.deposit(v, keeperAccount(0).name, "USDT", "10000000");
    }
    const chain = await sys.onboardKeeper(0);
    // The operator's stake bounds what its keeper may draw (capitalStakeMultipleBps): staked as `npm start` stakes
    // its operators (35,000 tUSD), so a window draws the 5,000 it asks for, not what the onboarding minimum allows.
    await (await sys.adapter(5)).stake(34_000n * USD);
    // Timing hooks on the instances this bench owns (nothing in the keeper changes): the chain adapter's publish and
    // claim, the vault adapter's draw, the engine runner's tick.
    const publish = chain.publishCampaign.bind(chain);
    chain.publishCampaign = async (...args) => {
      const r = await publish(...args);
      if (current?.decision !== undefined) current.published ??= performance.now();
      return r;
    };
    const claim = chain.claimCampaign.bind(chain);
    chain.claimCampaign = async (...args) => {
      const r = await claim(...args);
      if (current?.decision !== undefined && r.claimed) current.claimed ??= performance.now();
      return r;
    };
    const capital = chain.capital!;
    const draw = capital.draw.bind(capital);
    capital.draw = async (...args) => {
      const r = await draw(...args);
      if (current?.decision !== undefined) current.drawn ??= performance.now();
      return r;
    };
    // The opportunity: the first read returning with the planted gap in its market.
    const read = (market: ExecutionMarket) => {
      const s = current;
      if (!s || s.opportunity !== undefined) return;
      const snap = market.snapshots.get(snapshotKey(s.gapVenue, SYMBOL));
      const ask = snap?.liquidity.kind === "book" ? snap.liquidity.asks[0]?.price : undefined;
      if (ask !== undefined && ask <= s.gapPrice) {
        s.opportunity = performance.now();
        cpuAtOpportunity.set(s, { thread: threadCpuMicros(), process: processCpuMicros() });
        if (THREAD_STATS) threadsAt.set(s, threadTimes());
      }
    };
    const node = keeperNode(chain, run, 0, join(dir, "k0"), {
      observe: { read },
      capital: true,
      tickMs: TICK_MS,
      budget: { capacity: 20, refillPerSecond: 10 },
      // As `keeper run` configures it: a standing window per arbitrage route drawing 5,000 tUSD of the sleeve.
      ...(STANDING
        ? { campaigns: { standingArbitrage: { drawUnits: 5_000n * USD, windowSeconds: WINDOW_SECONDS } } }
        : {}),
    });
    // Journal calls (SQLite, synchronous = FULL: each write waits for its fsync) between the decision and the first
    // order, timed on the node's journal instance (outermost calls only).
    const journal = node.journal as unknown as Record<string, unknown>;
    let depth = 0;
    // Journal calls on the path by method (all samples, warm-up included).
    const journalBy = new Map<string, { calls: number; ms: number; max: number }>();
    for (const m of Object.getOwnPropertyNames(Object.getPrototypeOf(journal))) {
      const f = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(journal), m)?.value as unknown;
      if (m === "constructor" || typeof f !== "function") continue;
      journal[m] = (...args: unknown[]) => {
        const t0 = performance.now();
        depth++;
        try {
          return (f as (...a: unknown[]) => unknown).apply(journal, args);
        } finally {
          depth--;
          const s = current;
          if (depth === 0 && s?.decision !== undefined && s.firstOrder === undefined) {
            const dt = performance.now() - t0;
            if (m === "recordOrderIntent") s.intent ??= performance.now();
            const by = journalBy.get(m) ?? { calls: 0, ms: 0, max: 0 };
            journalBy.set(m, { calls: by.calls + 1, ms: by.ms + dt, max: Math.max(by.max, dt) });
            if (s.drawn === undefined) s.journalBeforeDraw = (s.journalBeforeDraw ?? 0) + dt;
            else s.journalAfterDraw = (s.journalAfterDraw ?? 0) + dt;
          }
        }
      };
    }
    const runner = node.keeper.runner;
    const tick = runner.tick.bind(runner);
    runner.tick = (input: TickInput<ExecutionMarket>): readonly EngineAction[] => {
      const cpu0 = process.cpuUsage();
      const s = current;
      const actions = tick(input);
      if (s && s.opportunity !== undefined && s.decision === undefined && actions.some((a) => a.kind === "start")) {
        s.decision = performance.now();
        const cpu = process.cpuUsage(cpu0);
        s.decideCpu = (cpu.user + cpu.system) / 1_000;
      }
      return actions;
    };

    await node.node.start();
    if (values.realtime) execFileSync("chrt", ["-f", "-p", "10", String(process.pid)]);
    if (EVENT_LOOP_NICE !== undefined) setEventLoopNice(EVENT_LOOP_NICE);
    const history = node.keeper.campaigns.history;
    const windowRuns = node.keeper.campaigns.windowRuns;
    if (STANDING) {
      // The first window is armed by the first tick: samples start once it is open.
      const end = Date.now() + 120_000;
      while (!node.keeper.campaigns.standingWindows().some((w) => w.state === "open")) {
        if (Date.now() > end) throw new Error("no standing arbitrage window opened within 120 s");
        await sleep(50);
      }
    }
    const measured: SampleInstants[] = [];
    const outcomes = new Map<string, number>();
    let lastPlant = 0;
    for (let i = 0; i < WARMUP + SAMPLES; i++) {
      // The makers re-quote both venues (what the previous gap and BOB's market sell took).
      await run.advance(1);
      const wait = lastPlant + 1_050 - performance.now();
      if (wait > 0) await sleep(wait);
      const gapVenue = i % 2 === 0 ? "beta" : "alpha";
      const price = 29_700 - (i % 97);
      const seen = history.filter((h) => h.type === "arbitrage" && h.runId > 0).length;
      const seenInWindow = windowRuns.length;
      const ownRuns = () => history.filter((h) => h.type === "arbitrage" && h.runId > 0).length;
      current = { gapVenue, gapPrice: toWad(String(price)), planted: performance.now() };
      lastPlant = current.planted;
      await run.plantGap(String(price), "0.05", gapVenue);
      const end = Date.now() + 60_000;
      while (ownRuns() === seen && windowRuns.length === seenInWindow) {
        if (Date.now() > end) throw new Error(`sample ${i}: the gap at ${gapVenue} ${price} was not traded in 60 s`);
        await sleep(5);
      }
      const s = current;
      // The sample is over: a publish, claim or draw returning from now on (a successor window arming) is no one's.
      current = undefined;
      if (windowRuns.length > seenInWindow) {
        // Traded inside the standing window: no chain step on its path; its campaign settles when the window ends.
        const record = windowRuns[seenInWindow]!;
        const key = `in window/${record.status}`;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        delete s.published;
        delete s.claimed;
        s.drawn = s.decision;
        s.journalAfterDraw = (s.journalAfterDraw ?? 0) + (s.journalBeforeDraw ?? 0);
        delete s.journalBeforeDraw;
        if (i >= WARMUP && record.status === "succeeded") measured.push(s);
      } else {
        const record = history.filter((h) => h.type === "arbitrage" && h.runId > 0)[seen]!;
        const key = `own campaign ${record.outcome}/${record.status ?? "-"}`;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        if (i >= WARMUP && record.outcome === "settled") measured.push(s);
      }
      if ((i + 1) % 50 === 0) console.log(`  ${i + 1} gaps planted, ${measured.length} measured samples`);
    }
    current = undefined;
    // Ends the standing windows: each posts its receipt, settles and repays before the node stops.
    await node.stop();
    const windowsBy = new Map<string, number>();
    for (const w of node.keeper.campaigns.windowHistory) windowsBy.set(w.outcome, (windowsBy.get(w.outcome) ?? 0) + 1);
    node.journal.close();
    await run.close();

    const load1 = loadavg();
    console.log(
      `\nsamples: ${[...outcomes].map(([k, n]) => `${k} ${n}`).join(", ")}; standing windows: ` +
        `${[...windowsBy].map(([k, n]) => `${k} ${n}`).join(", ") || "none"}; ` +
        `tick reads reused by runs ${node.keeper.reads.hits}, read again ${node.keeper.reads.misses}; ` +
        `load average at the end ${load1.map((l) => l.toFixed(2)).join(" ")}`,
    );
    for (const s of measured) {
      if (s.opportunity !== undefined && s.firstOrder !== undefined) s.gcPause = gcBetween(s.opportunity, s.firstOrder);
    }
    const rows = summarise(measured);
    console.log(`\nsegment (ms, ${measured.length} settled samples)              p50      p99      max`);
    for (const seg of SEGMENTS) {
      const r = rows.get(seg.name);
      if (!r) continue;
      console.log(
        `  ${seg.label.padEnd(48)} ${r.p50.toFixed(2).padStart(7)}  ${r.p99.toFixed(2).padStart(7)}  ${r.max.toFixed(2).padStart(7)}` +
          (r.n === measured.length ? "" : `   (${r.n} samples)`),
      );
    }
    console.log(
      `\ngarbage collection over the run: ` +
        [...gcKinds]
          .map(([k, g]) => `${GC_KIND[k] ?? k} ${g.n} pauses, ${g.ms.toFixed(0)} ms (max ${g.max.toFixed(1)})`)
          .join("; "),
    );
    const budgets = (["alpha", "beta"] as const).map((v) => {
      const b = (node.venues[v] as unknown as { opts: { budget: { waitedMs: number; granted: number } } }).opts.budget;
      return `${v} ${b.granted} requests, ${b.waitedMs} ms waited`;
    });
    console.log(`\nrequest budgets over the run: ${budgets.join("; ")}`);
    console.log(`\nconnections opened between a decision and its first order: ${connectsOnPath}`);
    console.log("\njournal calls between decision and first order, by method: calls, total ms, max ms");
    for (const [m, by] of [...journalBy].sort((a, b) => b[1].ms - a[1].ms)) {
      console.log(
        `  ${m.padEnd(28)} ${String(by.calls).padStart(6)} ${by.ms.toFixed(1).padStart(8)} ${by.max.toFixed(2).padStart(7)}`,
      );
    }
    // The slowest samples, instant by instant: what their tail was made of.
    const total = (s: SampleInstants) => (s.firstOrder ?? 0) - (s.opportunity ?? 0);
    console.log(
      "\nslowest samples (ms): total = decide (CPU) + decision -> order (journal); GC pauses on the path; CPU time " +
        "between opportunity and first order of the main thread and of the whole process (all threads)",
    );
    for (const s of [...measured].sort((a, b) => total(b) - total(a)).slice(0, 8)) {
      const f = (v: number | undefined) => (v ?? Number.NaN).toFixed(2);
      console.log(
        `  ${f(total(s))} = ${f((s.decision ?? 0) - (s.opportunity ?? 0))} (${f(s.decideCpu)}) + ` +
          `${f((s.firstOrder ?? 0) - (s.decision ?? 0))} (${f((s.journalBeforeDraw ?? 0) + (s.journalAfterDraw ?? 0))}); GC ${f(s.gcPause)}; ` +
          `CPU on the path: main thread ${f(s.pathThreadCpu)}, process ${f(s.pathProcessCpu)}`,
      );
      const t = threadsOnPath.get(s);
      if (t)
        console.log(
          `      main thread ran ${t.mainRun.toFixed(2)}, waited runnable ${t.mainWait.toFixed(2)}; ` +
            `other threads ran: ${t.others || "-"}`,
        );
    }
  } finally {
    chainProcess.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
process.exit(0);

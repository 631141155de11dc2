/**
 * Strategy engine benchmark: the cost of one `decide` tick.
 *
 *   npx tsx scripts/bench/engine.ts            (defaults: 1,000 candidates across 50 markets)
 *   npx tsx scripts/bench/engine.ts --ticks 50000
 *
 * Each tick feeds the engine a fresh snapshot (candidate ROIs move from tick to tick, runs start, finish,
 * get replaced or pre-empted, breakers see PnL and slippage), so every branch of the state machine is on
 * the measured path. Snapshots are generated before timing; only `decide` is timed (process.hrtime).
 * Prints decisions per second, p50/p99/max tick latency, then the mean tick time at several candidate
 * counts to show how the cost grows with candidates.
 */
import { cpus, loadavg } from "node:os";
import { decide, initialEngineState, type EngineSnapshot, type EngineState } from "../../keeper/src/engine/engine.js";
import { VolatilityEstimator } from "../../keeper/src/engine/estimators.js";
import { ChainEngineParameters, DEFAULT_ENGINE_PARAMETERS } from "../../keeper/src/engine/parameters.js";
import { EngineRunner } from "../../keeper/src/engine/runner.js";
import type { ExecutionContext, Strategy } from "../../keeper/src/engine/strategy.js";
import type {
  Candidate,
  EngineEvent,
  ExecutionResult,
  RoiEstimate,
  StrategyType,
} from "../../keeper/src/engine/types.js";

const MARKETS = 50;
const VARIANTS = 64;

/** Deterministic PRNG (mulberry32), so every run measures the same work. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeVariants(candidates: number, seed: number): { variants: Candidate[][]; volatility: Map<string, number> } {
  const rnd = prng(seed);
  const pairs = Array.from({ length: MARKETS }, (_, i) => `TK${i}/USDC`);
  const volatility = new Map(pairs.map((p) => [p, Math.floor(rnd() * 1_500)]));
  const base = Array.from({ length: candidates }, (_, i) => {
    const r = rnd();
    const type: StrategyType = r < 0.4 ? "marketMaking" : r < 0.9 ? "arbitrage" : "rebalance";
    return {
      strategyId: `${type}-${i}`,
      type,
      pair: pairs[i % MARKETS]!,
      capital: BigInt(1_000 + Math.floor(rnd() * 200_000)) * 1_000_000n,
      edgeBps: Math.floor(rnd() * 80) - 20,
      interrupt: type === "arbitrage" && rnd() < 0.2,
    };
  });
  const variants = Array.from({ length: VARIANTS }, () =>
    base.map((b): Candidate => {
      const edge = b.edgeBps + Math.floor(rnd() * 5) - 2;
      return {
        strategyId: b.strategyId,
        type: b.type,
        pair: b.pair,
        expectedProfit: (b.capital * BigInt(Math.max(edge, 0) + 5)) / 10_000n,
        estimatedCost: (b.capital * 5n) / 10_000n,
        capitalLocked: b.capital,
        utilisation: b.type === "marketMaking" ? 0.6 : 1,
        canInterrupt: b.interrupt,
      };
    }),
  );
  return { variants, volatility };
}

interface Stats {
  ticks: number;
  totalNs: bigint;
  /** Wall-clock time per tick, us. */
  samples: Float64Array;
  /** CPU time (user + system) of this process per tick, us: excludes time the OS ran other processes. */
  cpuSamples: Float64Array;
  starts: number;
  switches: number;
}

/** Runs `ticks` ticks (after `warmup`) and returns per-tick latencies in microseconds. */
function runTicks(candidates: number, ticks: number, warmup: number): Stats {
  const { variants, volatility } = makeVariants(candidates, 42);
  const rnd = prng(7);
  let state: EngineState = initialEngineState();
  let now = 1_700_000_000_000;
  let runningFor = 0;
  const samples = new Float64Array(ticks);
  const cpuSamples = new Float64Array(ticks);
  let totalNs = 0n;
  let starts = 0;
  let switches = 0;
  for (let i = 0; i < warmup + ticks; i++) {
    now += 100;
    // The executor: a stopping run reports `aborted` at the next tick; a market maker runs until aborted;
    // other runs finish after ~3 s.
    const events: EngineEvent[] = [];
    const active = state.active;
    if (active !== null) {
      runningFor++;
      if (active.status === "stopping" || (active.type !== "marketMaking" && runningFor > 30)) {
        const aborted = active.status === "stopping";
        events.push({
          kind: "runFinished",
          runId: active.runId,
          result: {
            status: aborted ? "aborted" : rnd() < 0.9 ? "succeeded" : "failed",
            pnl: BigInt(Math.floor(rnd() * 2_000_000) - 800_000),
            slippageBps: Math.floor(rnd() * 40),
            resumeState: aborted ? { quotes: 3 } : undefined,
          },
        });
        runningFor = 0;
      }
    }
    // Every 40 s an opportunity spikes to 10x its usual edge for 15 s (long enough to pass the debounce),
    // so the measured path includes switches, not only starts.
    let tickCandidates = variants[i % VARIANTS]!;
    if (i % 400 < 150) {
      const k = Math.floor(i / 400) % candidates;
      const c = tickCandidates[k]!;
      tickCandidates = tickCandidates.slice();
      tickCandidates[k] = { ...c, expectedProfit: c.capitalLocked / 50n, canInterrupt: true };
    }
    const snap: EngineSnapshot = {
      now,
      params: DEFAULT_ENGINE_PARAMETERS,
      pool: 10_000_000_000_000n,
      candidates: tickCandidates,
      volatilityBps: volatility,
      events,
      markToMarketPnl: 0n,
    };
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const d = decide(state, snap);
    const dt = process.hrtime.bigint() - t0;
    const cpu = process.cpuUsage(c0);
    state = d.state;
    if (i >= warmup) {
      samples[i - warmup] = Number(dt) / 1_000;
      cpuSamples[i - warmup] = cpu.user + cpu.system;
      totalNs += dt;
      for (const a of d.actions) {
        if (a.kind === "start") starts++;
        else if (a.kind === "switch") switches++;
      }
    }
  }
  return { ticks, totalNs, samples, cpuSamples, starts, switches };
}

/** A strategy for the runner bench: its estimate is read from the current variant; runs end when due. */
class BenchStrategy implements Strategy {
  constructor(
    readonly id: string,
    readonly type: StrategyType,
    readonly pair: string,
    private readonly index: number,
    private readonly feed: BenchFeed,
  ) {}
  estimatedROI(): RoiEstimate {
    return this.feed.current[this.index]!;
  }
  canInterruptCurrent(): boolean {
    return this.feed.current[this.index]!.canInterrupt === true;
  }
  exec(ctx: ExecutionContext): Promise<ExecutionResult> {
    return new Promise((resolve) => {
      ctx.signal.addEventListener("abort", () =>
        resolve({ status: "aborted", pnl: 0n, slippageBps: 0, resumeState: { quotes: 3 } }),
      );
      // Market makers run until aborted; other runs end ~30 ticks later.
      if (this.type !== "marketMaking") {
        this.feed.due.push({
          at: this.feed.tick + 30,
          finish: () => resolve({ status: "succeeded", pnl: 1_000n, slippageBps: 5 }),
        });
      }
    });
  }
}

interface BenchFeed {
  current: readonly Candidate[];
  tick: number;
  due: { at: number; finish: () => void }[];
}

/** Full runner ticks: 1,000 `Strategy` objects asked for estimates, `decide`, actions carried out. */
async function runRunnerTicks(
  candidates: number,
  ticks: number,
  warmup: number,
): Promise<{ wall: Float64Array; cpu: Float64Array }> {
  const { variants, volatility } = makeVariants(candidates, 42);
  const feed: BenchFeed = { current: variants[0]!, tick: 0, due: [] };
  const strategies = variants[0]!.map((c, i) => new BenchStrategy(c.strategyId, c.type, c.pair, i, feed));
  let now = 1_700_000_000_000;
  // The live inputs on the measured path: parameters read from the chain source every tick, volatility
  // measured from one mid per market per tick (EWMA), utilisation carried in the estimates.
  const chain = new ChainEngineParameters();
  chain.onParameters({ roiThresholdBps: 15_000n, heartbeatMaxAgeSeconds: 300n });
  const estimator = new VolatilityEstimator({ minSamples: 1 });
  const pairs = [...volatility.keys()];
  const mids = pairs.map((_, k) => 100 + k);
  const runner = new EngineRunner({ strategies, clock: { now: () => now }, parameters: chain });
  const samples = new Float64Array(ticks);
  const cpuSamples = new Float64Array(ticks);
  for (let i = 0; i < warmup + ticks; i++) {
    now += 100;
    feed.tick = i;
    feed.current = variants[i % VARIANTS]!;
    const due = feed.due.filter((d) => d.at <= i);
    feed.due = feed.due.filter((d) => d.at > i);
    for (const d of due) d.finish();
    await new Promise((r) => setImmediate(r)); // let finished runs reach the runner's inbox
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < pairs.length; k++) {
      mids[k] = mids[k]! * (1 + ((i * 7 + k) % 11) * 1e-5 - 5e-5);
      estimator.observe(pairs[k]!, mids[k]!, now);
    }
    runner.tick({ market: { volatilityBps: estimator.snapshot() }, pool: 10_000_000_000_000n });
    const dt = process.hrtime.bigint() - t0;
    const cpu = process.cpuUsage(c0);
    if (i >= warmup) {
      samples[i - warmup] = Number(dt) / 1_000;
      cpuSamples[i - warmup] = cpu.user + cpu.system;
    }
  }
  await runner.stop();
  return { wall: samples, cpu: cpuSamples };
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const arg = process.argv.indexOf("--ticks");
  const ticks = arg > 0 ? Number(process.argv[arg + 1]) : 20_000;
  if (!Number.isInteger(ticks) || ticks <= 0)
    throw new Error(`--ticks must be a positive integer, got ${process.argv[arg + 1]}`);

  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
  console.log(
    `strategy engine bench: node ${process.version}, ${cpus().length} CPUs, load average ${load}, ${MARKETS} markets, default parameters`,
  );
  const main = runTicks(1_000, ticks, 2_000);
  const sorted = Float64Array.from(main.samples).sort();
  const meanUs = Number(main.totalNs) / 1_000 / main.ticks;
  console.log(
    `\n1,000 candidates, ${main.ticks} ticks (after 2,000 warm-up), ${main.starts} starts, ${main.switches} switches`,
  );
  console.log(`  decisions/s (ticks/s): ${Math.round(1e6 / meanUs).toLocaleString("en-US")}`);
  console.log(`  candidates evaluated/s: ${Math.round((1e6 / meanUs) * 1_000).toLocaleString("en-US")}`);
  console.log(
    `  tick latency (wall): mean ${meanUs.toFixed(1)} us, p50 ${percentile(sorted, 50).toFixed(1)} us, p99 ${percentile(sorted, 99).toFixed(1)} us, max ${sorted[sorted.length - 1]!.toFixed(1)} us`,
  );
  const cpuSorted = Float64Array.from(main.cpuSamples).sort();
  console.log(
    `  tick CPU time:        p50 ${percentile(cpuSorted, 50).toFixed(0)} us, p99 ${percentile(cpuSorted, 99).toFixed(0)} us (wall minus time the OS gave other processes)`,
  );

  const runnerRun = await runRunnerTicks(1_000, Math.min(ticks, 10_000), 1_000);
  const full = Float64Array.from(runnerRun.wall).sort();
  const fullCpu = Float64Array.from(runnerRun.cpu).sort();
  console.log(
    `\nrunner tick (volatility measured from 50 mids, parameters from the chain source, 1,000 Strategy objects -> estimates -> decide -> actions), ${full.length} ticks:`,
  );
  console.log(
    `  wall p50 ${percentile(full, 50).toFixed(1)} us, p99 ${percentile(full, 99).toFixed(1)} us; CPU p50 ${percentile(fullCpu, 50).toFixed(0)} us, p99 ${percentile(fullCpu, 99).toFixed(0)} us`,
  );

  console.log("\nscaling (median tick time, robust to other processes; ratio to 250 candidates)");
  console.log("  candidates   p50 wall us   p50 CPU us   p99 CPU us   ratio   ns/candidate");
  let base = 0;
  for (const n of [250, 500, 1_000, 2_000, 4_000]) {
    const s = runTicks(n, Math.max(2_000, Math.floor((ticks * 1_000) / n / 2)), 1_000);
    const wall = Float64Array.from(s.samples).sort();
    const cpu = Float64Array.from(s.cpuSamples).sort();
    const p50 = percentile(wall, 50);
    if (base === 0) base = p50;
    console.log(
      `  ${String(n).padStart(10)}   ${p50.toFixed(1).padStart(11)}   ${percentile(cpu, 50).toFixed(0).padStart(10)}   ${percentile(cpu, 99).toFixed(0).padStart(10)}   ${(p50 / base).toFixed(2).padStart(5)}   ${((p50 * 1_000) / n).toFixed(0).padStart(12)}`,
    );
  }
}

await main();

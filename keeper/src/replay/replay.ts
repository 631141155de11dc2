/**
 * `keeper replay`: the engine and the execution layer over an exchange-simulator scenario, stepped by
 * hand. Each step: read every venue (real ccxt clients against the simulator), tick the engine (which
 * starts, aborts and switches strategy runs), let the runs work until each has finished or is waiting
 * for the next step, then advance the simulation one step. The report holds the PnL curve (mark to
 * market of the keeper's account over all venues at each venue's mid), every fill of the account (read
 * from the simulator's tape), every switch and breaker trip and every run's result.
 *
 * Time: the engine runs on scenario time (`start + step x stepMs`); the simulator and the ccxt clients
 * run on wall time (request signatures carry wall-clock timestamps).
 */
import { readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { SingleBar } from "cli-progress";
import { HOUR_MS, VolatilityEstimator } from "../engine/estimators.js";
import { EngineRunner } from "../engine/runner.js";
import { parseEngineParameters, type EngineParametersInput } from "../engine/parameters.js";
import type { Strategy } from "../engine/strategy.js";
import type { EngineAction } from "../engine/types.js";
import { KeeperError } from "../errors.js";
import { RequestBudgets } from "../execution/budget.js";
import { guardForRun } from "../execution/engineGuard.js";
import { SafetyRules } from "../execution/safety.js";
import { WAD, fromWad, wadToNumber } from "../execution/fixed.js";
import {
  readMarket,
  midOf,
  snapshotKey,
  withMeasuredVolatility,
  type ExecutionMarket,
} from "../execution/strategies/market.js";
import { STRATEGY_PLUGINS, type PluginContext } from "../execution/strategies/plugin.js";
import { simVenue } from "../execution/simVenue.js";
import type { Venue } from "../execution/venue.js";
import { formatTrim } from "../sim/money.js";
import { parseScenario, type AccountConfig, type Scenario } from "../sim/scenario.js";
import { startSimulation } from "../sim/venues.js";
import { renderReportHtml } from "./html.js";

export class ReplayError extends KeeperError {
  override name = "ReplayError";
}

export interface StrategySpec {
  /** Plugin id: `arbitrage`, `marketMaking` or `rebalance`. */
  plugin: string;
  config: unknown;
}

export interface ReplayOptions {
  /** Scenario file (JSON) or an already parsed scenario. */
  scenario: string | Scenario;
  steps: number;
  /** Account of the scenario the keeper trades as (default: the first). */
  account?: string;
  /** Strategies (default: arbitrage across all venues and market making on the first, per market). */
  strategies?: StrategySpec[];
  params?: EngineParametersInput;
  /** Directory for `report.json` and `report.html` (nothing written when omitted). */
  outDir?: string;
  /** Show a progress bar on stderr. */
  progress?: boolean;
  /** Longest a step may wait for the runs to settle (default 60 s). */
  stepTimeoutMs?: number;
}

export interface ReplayFill {
  step: number;
  venue: string;
  symbol: string;
  side: "buy" | "sell";
  price: number;
  qty: number;
  quoteQty: number;
  fee: number;
  feeAsset: string;
  maker: boolean;
  clientOrderId: string;
}

export interface ReplayReport {
  scenario: string;
  steps: number;
  stepMs: number;
  account: string;
  strategies: { id: string; type: string; pair: string }[];
  /**
   * Mark-to-market PnL (quote units) after each step, from `startValue`; the account's balances per venue
   * and asset after the step; the volatility the engine saw at the step (bps over one hour, measured).
   */
  pnl: {
    step: number;
    value: number;
    pnl: number;
    realised: number;
    inventory: Record<string, Record<string, number>>;
    volatilityBps: Record<string, number>;
  }[];
  fills: ReplayFill[];
  switches: { step: number; mode: string; from: string; to: string; fromRoi: number; toRoi: number }[];
  /** Engine breakers (`drawdown`, `slippage`) and the execution layer's circuit breaker (`execution`, with its reason). */
  breakerTrips: { step: number; breaker: string; pair: string; valueBps: number; until: number; reason?: string }[];
  runs: {
    runId: number;
    strategyId: string;
    startStep: number;
    endStep?: number;
    status?: string;
    pnl?: number;
    /** The pre-empted run this one resumes. */
    resumedFrom?: number;
  }[];
  /**
   * Every market-making run: its PnL baseline (the account's value on its venue when it started), its
   * PnL net of fees with the inventory marked at the venue's mid, and its inventory against its band.
   */
  marketMaking: {
    strategyId: string;
    runId: number;
    status: string;
    baselineValue: number;
    endValue: number;
    pnl: number;
    previousPnl: number;
    startInventory: number;
    endInventory: number;
    band: { min: number; max: number };
    insideBand: boolean;
    refreshes: number;
  }[];
  /** Balances of the account at the start and the end, per venue and asset (decimal strings). */
  balances: { start: Record<string, Record<string, string>>; end: Record<string, Record<string, string>> };
  /** Each venue's mid per market at the start and the end (decimal strings). */
  mids: { start: Record<string, string>; end: Record<string, string> };
  summary: {
    startValue: number;
    endValue: number;
    pnl: number;
    realisedPnl: number;
    fills: number;
    volume: number;
    fees: Record<string, number>;
    switches: number;
    breakerTrips: number;
    runs: number;
    /** Orders of the account still resting on any venue after the replay stopped (quotes are cancelled: 0). */
    openOrdersAtEnd: number;
  };
}

const quoteOf = (s: Scenario): string => {
  const quotes = new Set(s.markets.map((m) => m.quote));
  if (quotes.size !== 1)
    throw new ReplayError("replay needs every market to share one quote asset", { details: [...quotes].join(", ") });
  return [...quotes][0]!;
};

/** Default strategies: per market, arbitrage across every venue and market making on the first venue. */
function defaultStrategies(s: Scenario, account: AccountConfig): StrategySpec[] {
  const out: StrategySpec[] = [];
  for (const m of s.markets) {
    const pair = `${m.base}/${m.quote}`;
    const held = Number(account.balances[m.base] ?? "0");
    if (s.venues.length >= 2)
      out.push({
        plugin: "arbitrage",
        config: {
          id: `arb-${m.base.toLowerCase()}`,
          pair,
          // Each venue's base stays within half its starting holding of it: one gap cannot drain a venue.
          legs: s.venues.map((v) => ({
            venueId: v.name,
            pair,
            takerFeeBps: v.takerFeeBps,
            inventory: { min: decimal(held / 2, m.stepSize), max: decimal((held * 3) / 2, m.stepSize) },
          })),
          retryBudget: 2,
        },
      });
    const v = s.venues[0]!;
    const liq = v.liquidity[pair];
    const size = liq ? Number(liq.qtyPerLevel) / 4 : Math.max(held / 20, Number(m.stepSize));
    const halfSpread = Math.max(1, Math.floor((liq?.halfSpreadBps ?? 10) - 1));
    out.push({
      plugin: "marketMaking",
      config: {
        id: `mm-${m.base.toLowerCase()}-${v.name}`,
        pair,
        venueId: v.name,
        // Just inside the background maker's spread (so the taker flow meets the keeper's quotes first),
        // unless the maker fee, the adverse-selection buffer and one step's volatility need more.
        minHalfSpreadBps: halfSpread,
        // At the edge of the inventory band the quotes lean by one half-spread toward flat.
        skewBps: halfSpread,
        adverseSelectionBps: 1,
        volSpreadFactorBps: 10_000,
        priceToleranceBps: 1,
        refreshMs: s.stepMs,
        orderSize: decimal(size, m.stepSize),
        targetInventory: decimal(held, m.stepSize),
        maxInventory: decimal(Math.max(held / 2, size * 4), m.stepSize),
        tick: m.tickSize,
        lot: m.stepSize,
        makerFeeBps: Math.ceil(v.makerFeeBps),
        expectedRoundTrips: 1,
      },
    });
  }
  return out;
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ReplayError(`cannot read scenario file ${path}`, { cause: err });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ReplayError(`scenario file ${path} is not JSON`, { cause: err, details: String(err) });
  }
}

/** A non-negative number as a decimal string on the grid of `step` (rounded down). */
function decimal(n: number, step: string): string {
  const d = step.includes(".") ? step.split(".")[1]!.length : 0;
  const f = 10 ** d;
  return (Math.floor(n * f) / f).toFixed(d);
}

export async function runReplay(opts: ReplayOptions): Promise<ReplayReport> {
  const scenario = typeof opts.scenario === "string" ? parseScenario(readJson(opts.scenario)) : opts.scenario;
  const account = opts.account ? scenario.accounts.find((a) => a.name === opts.account) : scenario.accounts[0];
  if (!account) throw new ReplayError(`scenario ${scenario.name} has no account ${opts.account ?? "(none)"}`);
  if (!Number.isInteger(opts.steps) || opts.steps <= 0) throw new ReplayError(`steps must be a positive integer`);
  const params = parseEngineParameters(opts.params ?? {});
  const quote = quoteOf(scenario);
  const pairs = scenario.markets.map((m) => `${m.base}/${m.quote}`);
  const run = await startSimulation(scenario);
  const t0 = Date.now();
  let step = 0;
  const clock = { now: () => t0 + step * scenario.stepMs };
  const bar = opts.progress
    ? new SingleBar({
        format: "replay [{bar}] {value}/{total} steps | PnL {pnl} | fills {fills}",
        stream: process.stderr,
      })
    : undefined;
  try {
    const budgets = new RequestBudgets({ capacity: 200, refillPerSecond: 200 });
    const venues: Record<string, Venue> = {};
    for (const v of scenario.venues) {
      venues[v.name] = await simVenue(run, {
        venue: v.name,
        dialect: v.dialect,
        account,
        budget: budgets.for(v.name),
        takerFeeBps: v.takerFeeBps,
        policy: { baseMs: 50, maxRetries: 6 },
      });
    }
    // Market-making runs wait for the next step between refreshes.
    const parked = new Set<() => void>();
    const waitForRefresh = (signal: AbortSignal): Promise<void> =>
      new Promise((resolve) => {
        const done = (): void => {
          parked.delete(done);
          signal.removeEventListener("abort", done);
          resolve();
        };
        if (signal.aborted) return resolve();
        parked.add(done);
        signal.addEventListener("abort", done, { once: true });
      });
    let lastMarket: ExecutionMarket | undefined; // the reference prices of SafetyRules
    const sources = scenario.venues.flatMap((v) =>
      pairs.map((pair) => ({ venue: venues[v.name]!, options: { pair } })),
    );
    // Volatility measured from the mids the keeper reads (EWMA of log returns, bps over one hour); the
    // scenario's configured GBM volatility stands in only until the estimator has seen ten returns.
    const volatility = new VolatilityEstimator({
      prior: new Map(
        scenario.markets.map((m) => [
          `${m.base}/${m.quote}`,
          m.volatility * Math.sqrt(HOUR_MS / (365 * 24 * HOUR_MS)) * 10_000,
        ]),
      ),
    });
    const read = async (): Promise<ExecutionMarket> =>
      withMeasuredVolatility(await readMarket(sources, clock.now()), volatility);
    /** The account's value in quote at each venue's mid, and its balances. */
    const valueOf = async (market: ExecutionMarket) => {
      let value = 0n;
      const balances: Record<string, Record<string, string>> = {};
      for (const [name, venue] of Object.entries(venues)) {
        const b = await venue.balances();
        balances[name] = Object.fromEntries(Object.entries(b).map(([a, x]) => [a, fromWad(x.total)]));
        value += b[quote]?.total ?? 0n;
        for (const pair of pairs) {
          const base = pair.split("/")[0]!;
          const mid = midOf(market.snapshots.get(snapshotKey(name, pair)));
          if (mid === undefined) throw new ReplayError(`no mid for ${pair} on ${name} at step ${step}`);
          value += ((b[base]?.total ?? 0n) * mid) / WAD;
        }
      }
      return { value, balances };
    };
    const midsOf = (market: ExecutionMarket): Record<string, string> =>
      Object.fromEntries([...market.snapshots].map(([k, s]) => [k, fromWad(midOf(s) ?? 0n)]));

    const firstMarket = await read();
    const first = await valueOf(firstMarket);
    const startValue = first.value;
    const pool = startValue;
    lastMarket = firstMarket;
    // The guard reads the engine's state, and the engine needs the strategies the guard protects.
    const engine: { runner?: EngineRunner<ExecutionMarket> } = {};
    const source = { state: () => engine.runner!.engineState, params: () => engine.runner!.parameters };
    // The execution layer's per-order rules, next to the engine's: price band around the venue's last
    // mid, orders per venue and pair per minute, cool-down after an incomplete execution, and the
    // circuit breaker (loss beyond the drawdown bound of the pool, exposure, a fill past the band).
    const executionTrips: { step: number; reason: string }[] = [];
    const safety = new SafetyRules(
      {
        cooldownMs: params.failureCooldownSeconds * 1000,
        maxOrdersPerMinute: 600,
        maxSlippageBps: BigInt(params.maxSlippageBps),
        maxLoss: (pool * BigInt(params.pnlDrawdownBps)) / 10_000n,
      },
      (venueId, pair) => midOf(lastMarket?.snapshots.get(snapshotKey(venueId, pair))),
      clock,
    );
    safety.onTrip((reason) => {
      executionTrips.push({ step, reason });
    });
    const report: ReplayReport = {
      scenario: scenario.name,
      steps: opts.steps,
      stepMs: scenario.stepMs,
      account: account.name,
      strategies: [],
      pnl: [],
      fills: [],
      switches: [],
      breakerTrips: [],
      runs: [],
      marketMaking: [],
      balances: { start: {}, end: {} },
      mids: { start: {}, end: {} },
      summary: {
        startValue: 0,
        endValue: 0,
        pnl: 0,
        realisedPnl: 0,
        fills: 0,
        volume: 0,
        fees: {},
        switches: 0,
        breakerTrips: 0,
        runs: 0,
        openOrdersAtEnd: 0,
      },
    };
    const ctx: Omit<PluginContext, "config"> = {
      venues,
      waitForRefresh,
      guard: (strategyId) => guardForRun(source, safety, { strategyId, clock }),
      onReport: (_id, pair, report) => safety.recordExecution(pair, report),
      onMarketMakingRun: (strategyId, m) =>
        report.marketMaking.push({
          strategyId,
          runId: m.runId,
          status: m.status,
          baselineValue: wadToNumber(m.baselineValue),
          endValue: wadToNumber(m.endValue),
          pnl: wadToNumber(m.pnl),
          previousPnl: wadToNumber(m.previousPnl),
          startInventory: wadToNumber(m.startInventory),
          endInventory: wadToNumber(m.endInventory),
          band: { min: wadToNumber(m.band.min), max: wadToNumber(m.band.max) },
          insideBand: m.insideBand,
          refreshes: m.refreshes,
        }),
    };
    const specs = opts.strategies ?? defaultStrategies(scenario, account);
    const strategies: Strategy<ExecutionMarket>[] = specs.map((s) => {
      const plugin = STRATEGY_PLUGINS.get(s.plugin);
      if (!plugin)
        throw new ReplayError(`unknown strategy plugin ${s.plugin}`, {
          details: [...STRATEGY_PLUGINS.keys()].join(", "),
        });
      return plugin.create({ ...ctx, config: s.config });
    });
    report.strategies = strategies.map((s) => ({ id: s.id, type: s.type, pair: s.pair }));

    const runsById = new Map<number, ReplayReport["runs"][number]>();
    /** PnL of every finished run (the engine's realised PnL, including results no tick has taken yet). */
    let realisedPnl = 0n;
    const runner = new EngineRunner<ExecutionMarket>({
      strategies,
      clock,
      params,
      onRunFinished: (runId, _id, result) => {
        realisedPnl += result.pnl;
        const r = runsById.get(runId);
        if (r) Object.assign(r, { endStep: step, status: result.status, pnl: wadToNumber(result.pnl) });
      },
    });
    engine.runner = runner;

    const settle = async (): Promise<void> => {
      const deadline = Date.now() + (opts.stepTimeoutMs ?? 60_000);
      while (runner.runningCount > parked.size) {
        if (Date.now() > deadline) throw new ReplayError(`runs did not settle within a step (step ${step})`);
        await new Promise((r) => setTimeout(r, 1));
      }
    };

    report.balances.start = first.balances;
    report.mids.start = midsOf(firstMarket);
    const lastTrade = new Map<string, number>();
    bar?.start(opts.steps, 0, { pnl: "0", fills: 0 });

    let market = firstMarket;
    for (step = 0; step < opts.steps; step++) {
      if (step > 0) market = await read();
      lastMarket = market;
      const { value } = await valueOf(market);
      const realised = runner.engineState.realisedPnl;
      const actions = runner.tick({ market, pool, markToMarketPnl: value - startValue - realised });
      record(actions, step);
      await settle();
      run.sim.advance(1);
      for (const release of [...parked]) release();
      await settle();
      collectFills(step);
      for (const trip of executionTrips.splice(0)) {
        report.breakerTrips.push({
          step: trip.step,
          breaker: "execution",
          pair: "*",
          valueBps: 0,
          until: 0,
          reason: trip.reason,
        });
      }
      const after = await valueOf(await readMarket(sources, clock.now()));
      report.pnl.push({
        step,
        value: wadToNumber(after.value),
        pnl: wadToNumber(after.value - startValue),
        realised: wadToNumber(realisedPnl),
        inventory: Object.fromEntries(
          Object.entries(after.balances).map(([v, b]) => [
            v,
            Object.fromEntries(Object.entries(b).map(([a, x]) => [a, Number(x)])),
          ]),
        ),
        volatilityBps: Object.fromEntries(market.volatilityBps),
      });
      bar?.update(step + 1, { pnl: wadToNumber(after.value - startValue).toFixed(2), fills: report.fills.length });
    }
    await runner.stop();
    // The last tick sees every finished run (and no run is left open).
    collectFills(opts.steps - 1);
    const finalMarket = await readMarket(sources, clock.now());
    const last = await valueOf(finalMarket);
    report.balances.end = last.balances;
    report.mids.end = midsOf(finalMarket);
    report.summary = {
      startValue: wadToNumber(startValue),
      endValue: wadToNumber(last.value),
      pnl: wadToNumber(last.value - startValue),
      realisedPnl: wadToNumber(realisedPnl),
      fills: report.fills.length,
      volume: report.fills.reduce((s, f) => s + f.quoteQty, 0),
      fees: report.fills.reduce<Record<string, number>>(
        (acc, f) => ({ ...acc, [f.feeAsset]: (acc[f.feeAsset] ?? 0) + f.fee }),
        {},
      ),
      switches: report.switches.length,
      breakerTrips: report.breakerTrips.length,
      runs: report.runs.length,
      openOrdersAtEnd: [...run.sim.venues.values()].reduce((n, v) => n + v.exchange.openOrders(account.name).length, 0),
    };
    if (opts.outDir) {
      await mkdir(opts.outDir, { recursive: true });
      await writeFile(join(opts.outDir, "report.json"), JSON.stringify(report, null, 2));
      await writeFile(join(opts.outDir, "report.html"), renderReportHtml(report));
    }
    return report;

    function record(actions: readonly EngineAction[], at: number): void {
      for (const a of actions) {
        if (a.kind === "start") {
          const r = {
            runId: a.runId,
            strategyId: a.strategyId,
            startStep: at,
            ...(a.resumedFrom === undefined ? {} : { resumedFrom: a.resumedFrom }),
          };
          runsById.set(a.runId, r);
          report.runs.push(r);
        } else if (a.kind === "switch") {
          report.switches.push({
            step: at,
            mode: a.mode,
            from: a.fromStrategyId,
            to: a.toStrategyId,
            fromRoi: a.fromRoi,
            toRoi: a.toRoi,
          });
        } else if (a.kind === "breakerTripped") {
          report.breakerTrips.push({
            step: at,
            breaker: a.breaker,
            pair: a.pair,
            valueBps: a.valueBps,
            until: a.until,
          });
        }
      }
    }

    /** New trades of the account on every venue, from the simulator's tape. */
    function collectFills(at: number): void {
      for (const [name, v] of run.sim.venues) {
        const ex = v.exchange;
        for (const m of ex.markets()) {
          const key = `${name}|${m.symbol}`;
          const from = (lastTrade.get(key) ?? -1) + 1;
          for (const tr of ex.myTrades(account!.name, m.symbol, { fromId: from, limit: 100_000 })) {
            lastTrade.set(key, Math.max(lastTrade.get(key) ?? -1, tr.tradeId));
            const feeAsset = ex.asset(tr.commissionAsset);
            report.fills.push({
              step: at,
              venue: name,
              symbol: m.symbol,
              side: tr.side === "BUY" ? "buy" : "sell",
              price: Number(formatTrim(tr.price, m.priceDecimals)),
              qty: Number(formatTrim(tr.qty, m.qtyDecimals)),
              quoteQty: Number(formatTrim(tr.quoteQty, m.quote.decimals)),
              fee: Number(formatTrim(tr.commission, feeAsset.decimals)),
              feeAsset: tr.commissionAsset,
              maker: tr.isMaker,
              clientOrderId: tr.clientOrderId,
            });
          }
        }
      }
    }
  } finally {
    bar?.stop();
    await run.close();
  }
}

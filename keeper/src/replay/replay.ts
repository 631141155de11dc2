/**
 * `keeper replay`: the live keeper (`engineKeeper`, exactly as `keeper run` assembles it: the engine over the strategy
 * plugins, every run a campaign, the risk controls and safety rules) over an exchange-simulator scenario, on scenario
 * time, stepped by hand. The venues are real ccxt clients against the simulator; the chain is an in-process
 * `LocalChain` on the same clock (campaigns published, claimed and settled under the contracts' rules, the
 * `Parameters` defaults with the replay's overrides); receipts are built into `<outDir>/receipts` and kept by the
 * local chain, never signed or sent. Each step: tick the keeper node (it reads every venue, ticks the engine, which
 * starts, aborts and switches runs), let the runs work until each has finished or waits for the next step, advance
 * the simulation one step (and the clock: quoting windows end on it), release the market makers, record. The report
 * holds the PnL curve (mark to market of the keeper's account over all venues at each venue's mid), every fill of the
 * account (read from the simulator's tape), every switch with both ROIs and the threshold, breaker trips, runs,
 * campaigns with their receipts.
 *
 * Time: keeper, engine, chain and simulator run on scenario time (`start + step x stepMs`); only the ccxt
 * signatures carry wall-clock timestamps (the simulator checks them against the wall clock).
 */
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SingleBar } from "cli-progress";
import { LocalChain, PARAMETER_DEFINITIONS } from "../chain/local.js";
import { ON_CHAIN_PARAMETER_KEYS, parseEngineParameters, type EngineParametersInput } from "../engine/parameters.js";
import type { EngineAction } from "../engine/types.js";
import { KeeperError } from "../errors.js";
import { RequestBudgets } from "../execution/budget.js";
import { WAD, fromWad, wadToNumber } from "../execution/fixed.js";
import { readMarket, midOf, snapshotKey, type ExecutionMarket } from "../execution/strategies/market.js";
import { simVenue } from "../execution/simVenue.js";
import type { Venue } from "../execution/venue.js";
import { riskLimits, riskLimitsSchema, type RiskLimitsConfig } from "../execution/limits.js";
import { STRATEGY_PLUGINS } from "../execution/strategies/plugin.js";
import { engineKeeper } from "../node/engine-keeper.js";
import { Journal } from "../node/journal.js";
import { createLogger } from "../node/logger.js";
import { createMetrics } from "../node/metrics.js";
import { formatTrim } from "../sim/money.js";
import { parseScenario, type Scenario } from "../sim/scenario.js";
import { startSimulation } from "../sim/venues.js";
import { renderReportHtml } from "./html.js";
import { ReplayError, defaultStrategies, quoteOf, readJson, type StrategySpec } from "./defaults.js";
import { ReplayRecorder } from "./recorder.js";
import { ScenarioTimers, logStream, tracked } from "./stepping.js";
import type { ReplayReport } from "./report.js";

export type { ReplayFill, ReplayReport } from "./report.js";
export { ReplayError, type StrategySpec } from "./defaults.js";

export interface ReplayOptions {
  /** Scenario file (JSON) or an already parsed scenario. */
  scenario: string | Scenario;
  steps: number;
  /** Account of the scenario the keeper trades as (default: the first). */
  account?: string;
  /** Strategies (default: arbitrage across all venues and market making on the first, per market). */
  strategies?: StrategySpec[];
  /**
   * Engine parameters: those with a `Parameters` key are the local chain's values (the keeper reads them from it, as
   * from the contract), the engine-only ones the keeper's own settings.
   */
  params?: EngineParametersInput;
  /**
   * The keeper's risk limits (the keeper config's `risk` block). Defaults scale with the account: one order or
   * campaign up to the account's starting value, inventory up to twice it, a daily loss of `pnlDrawdownBps` of it;
   * the profit floors are the keeper config's defaults.
   */
  limits?: Partial<RiskLimitsConfig>;
  /** Directory for `report.json`, `report.html`, `keeper.log` and `receipts/` (nothing kept when omitted). */
  outDir?: string;
  /** Show a progress bar on stderr. */
  progress?: boolean;
  /** Longest a step may wait for the runs to settle (default 60 s). */
  stepTimeoutMs?: number;
  /**
   * Governance changes on the local chain (`Parameters` keys), each made before the keeper's tick of its step: the
   * running keeper picks it up from the chain as it would a passed proposal.
   */
  parameterChanges?: { step: number; name: string; value: number }[];
  /** Market-making quoting window per campaign, scenario seconds (default 60, as `keeper run`). */
  quotingWindowSeconds?: number;
}

/** The risk limits of the replayed keeper: `limits` over defaults scaled to the account's starting value (quote wad). */
function replayLimits(limits: Partial<RiskLimitsConfig> | undefined, startValue: bigint, drawdownBps: number) {
  const scaled = {
    maxOrderNotional: fromWad(startValue),
    maxCampaignNotional: fromWad(startValue),
    maxInventoryNotional: fromWad(2n * startValue),
    maxDailyLoss: fromWad((startValue * BigInt(drawdownBps)) / 10_000n),
  };
  const parsed = riskLimitsSchema.safeParse({ ...scaled, ...limits });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ReplayError(`invalid risk limit ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`);
  }
  return riskLimits(parsed.data);
}

export async function runReplay(opts: ReplayOptions): Promise<ReplayReport> {
  const scenario = typeof opts.scenario === "string" ? parseScenario(readJson(opts.scenario)) : opts.scenario;
  const account = opts.account ? scenario.accounts.find((a) => a.name === opts.account) : scenario.accounts[0];
  if (!account) throw new ReplayError(`scenario ${scenario.name} has no account ${opts.account ?? "(none)"}`);
  if (!Number.isInteger(opts.steps) || opts.steps <= 0) throw new ReplayError(`steps must be a positive integer`);
  // Every engine parameter validated; the on-chain ones become the local chain's `Parameters` values.
  const params = parseEngineParameters(opts.params ?? {});
  const chainParams: Record<string, bigint> = {};
  for (const key of ON_CHAIN_PARAMETER_KEYS) {
    if (opts.params?.[key] !== undefined) chainParams[key] = BigInt(params[key]);
  }
  for (const c of opts.parameterChanges ?? []) {
    const d = PARAMETER_DEFINITIONS[c.name];
    if (!d) throw new ReplayError(`parameter change: unknown parameter ${c.name}`);
    if (!Number.isInteger(c.step) || c.step < 0 || c.step >= opts.steps)
      throw new ReplayError(`parameter change of ${c.name}: step ${c.step} is outside 0..${opts.steps - 1}`);
    if (!Number.isInteger(c.value) || BigInt(c.value) < d.min || BigInt(c.value) > d.max)
      throw new ReplayError(`parameter change of ${c.name}: ${c.value} is outside the contract's ${d.min}..${d.max}`);
  }
  const quote = quoteOf(scenario);
  const pairs = scenario.markets.map((m) => `${m.base}/${m.quote}`);
  // Scenario time: the simulator's, the keeper's, the engine's and the chain's clock.
  const t0 = Math.floor(Date.now() / 1000) * 1000;
  const sim: { step: () => number } = { step: () => 0 };
  const clock = { now: () => t0 + sim.step() * scenario.stepMs };
  // The chain (its `Parameters` checked against the contract's bounds before anything starts).
  let chain: LocalChain;
  try {
    chain = new LocalChain({ now: () => BigInt(Math.floor(clock.now() / 1000)), parameters: chainParams });
  } catch (err) {
    const why = err instanceof KeeperError ? err.shortMessage : String(err);
    throw new ReplayError(`params: the local chain refuses them: ${why}`, { cause: err });
  }
  const run = await startSimulation(scenario, { now: clock.now });
  sim.step = () => run.sim.step;
  const dir = opts.outDir ?? (await mkdtemp(join(tmpdir(), "keeper-replay-")));
  const journal = new Journal(":memory:", clock.now);
  const bar = opts.progress
    ? new SingleBar({
        format: "replay [{bar}] {value}/{total} steps | PnL {pnl} | fills {fills}",
        stream: process.stderr,
      })
    : undefined;
  const logLines: string[] = [];
  const errors: string[] = [];
  try {
    await mkdir(dir, { recursive: true });
    const budgets = new RequestBudgets({ capacity: 200, refillPerSecond: 200 });
    const inflight = { n: 0 };
    const venues: Record<string, Venue> = {};
    for (const v of scenario.venues) {
      const venue = await simVenue(run, {
        venue: v.name,
        dialect: v.dialect,
        account,
        budget: budgets.for(v.name),
        takerFeeBps: v.takerFeeBps,
        policy: { baseMs: 50, maxRetries: 6 },
      });
      venues[v.name] = tracked(venue, inflight);
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
    const allSources = scenario.venues.flatMap((v) =>
      pairs.map((pair) => ({ venue: venues[v.name]!, options: { pair } })),
    );
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
          if (mid === undefined) throw new ReplayError(`no mid for ${pair} on ${name} at step ${run.sim.step}`);
          value += ((b[base]?.total ?? 0n) * mid) / WAD;
        }
      }
      return { value, balances };
    };
    const midsOf = (market: ExecutionMarket): Record<string, string> =>
      Object.fromEntries([...market.snapshots].map(([k, s]) => [k, fromWad(midOf(s) ?? 0n)]));

    const firstMarket = await readMarket(allSources, clock.now());
    const first = await valueOf(firstMarket);
    const startValue = first.value;
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
      campaigns: [],
      parameterChanges: [],
      balances: { start: first.balances, end: {} },
      mids: { start: midsOf(firstMarket), end: {} },
      errors,
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
        campaigns: 0,
        settledCampaigns: 0,
        errors: 0,
        openOrdersAtEnd: 0,
      },
    };

    // The live keeper, as `keeper run` builds it, over the simulator's venues and a local chain on scenario time.
    // Receipts of this replay only (an earlier replay into the same directory leaves its own).
    await rm(join(dir, "receipts"), { recursive: true, force: true });
    const recorder = new ReplayRecorder(join(dir, "receipts"));
    const timers = new ScenarioTimers(clock.now);
    const log = createLogger({ name: "keeper", level: "info", keeper: "replay" }, logStream(errors, logLines));
    const specs = opts.strategies ?? defaultStrategies(scenario, account);
    const runsById = new Map<number, ReplayReport["runs"][number]>();
    /** PnL of every finished run (the engine's realised PnL, including results no tick has taken yet). */
    let realisedPnl = 0n;
    let step = 0;
    let lastVolatility: Record<string, number> = {};
    const keeper = engineKeeper({
      chain,
      journal,
      log,
      metrics: createMetrics({ keeper: "replay" }),
      venues,
      strategies: specs,
      poster: recorder.poster(chain),
      clock,
      manualTicks: true,
      tickMs: scenario.stepMs,
      heartbeatSeconds: 60,
      engineBase: params,
      limits: replayLimits(opts.limits, startValue, params.pnlDrawdownBps),
      // The execution layer's per-order rules: price band of the engine's `maxSlippageBps` around the venue's last
      // mid, 600 orders per venue and pair per minute, cool-down after an incomplete execution of the engine's
      // `failureCooldownSeconds`, and the loss breaker at the drawdown bound of the account's starting value.
      safety: {
        cooldownMs: params.failureCooldownSeconds * 1000,
        maxOrdersPerMinute: 600,
        maxSlippageBps: BigInt(params.maxSlippageBps),
        maxLoss: (startValue * BigInt(params.pnlDrawdownBps)) / 10_000n,
      },
      campaigns: { quotingWindowSeconds: opts.quotingWindowSeconds ?? 60, after: timers.after },
      waitForRefresh,
      observe: {
        tick: (market, actions, thresholdBps) => {
          lastVolatility = Object.fromEntries(market.volatilityBps);
          record(actions, thresholdBps);
        },
        runFinished: (runId, _id, result) => {
          realisedPnl += result.pnl;
          const r = runsById.get(runId);
          if (r) {
            Object.assign(r, { endStep: step, status: result.status, pnl: wadToNumber(result.pnl) });
            if (result.error) r.error = result.error.message.split("\n")[0];
          }
        },
        marketMakingRun: (strategyId, m) =>
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
      },
    });
    const { runner, node } = keeper;
    const executionTrips: { step: number; reason: string }[] = [];
    keeper.safety.onTrip((reason) => {
      executionTrips.push({ step, reason });
    });
    report.strategies = specs.map((s) => {
      const c = s.config as { id: string; pair: string };
      return { id: c.id, type: STRATEGY_PLUGINS.get(s.plugin)?.type ?? s.plugin, pair: c.pair };
    });

    /** Until every run has finished or waits for the next step, and no venue call of the keeper is in flight. */
    const settle = async (): Promise<void> => {
      const deadline = Date.now() + (opts.stepTimeoutMs ?? 60_000);
      // Quiet for a few turns of the event loop (a run's next call follows the previous one's answer within them).
      let quiet = 0;
      while (quiet < 5) {
        if (Date.now() > deadline) throw new ReplayError(`runs did not settle within a step (step ${step})`);
        const busy = runner.runningCount > parked.size || inflight.n > 0;
        await new Promise((r) => (busy ? setTimeout(r, 1) : setImmediate(r)));
        quiet = busy ? 0 : quiet + 1;
      }
    };

    const lastTrade = new Map<string, number>();
    bar?.start(opts.steps, 0, { pnl: "0", fills: 0 });
    await node.start();
    for (step = 0; step < opts.steps; step++) {
      for (const c of opts.parameterChanges ?? []) {
        if (c.step !== step) continue;
        chain.setParameter(c.name, BigInt(c.value));
        report.parameterChanges.push({ ...c });
      }
      await node.tick();
      await settle();
      run.sim.advance(1);
      timers.fireDue();
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
      const after = await valueOf(await readMarket(allSources, clock.now()));
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
        volatilityBps: lastVolatility,
      });
      bar?.update(step + 1, { pnl: wadToNumber(after.value - startValue).toFixed(2), fills: report.fills.length });
    }
    step = opts.steps - 1;
    // Stop as the live keeper stops: runs aborted (quotes cancelled, campaigns settled with what they did).
    await keeper.stop();
    await settle();
    collectFills(step);
    const finalMarket = await readMarket(allSources, clock.now());
    const last = await valueOf(finalMarket);
    report.balances.end = last.balances;
    report.mids.end = midsOf(finalMarket);
    for (const c of keeper.campaigns.history) {
      const receipt = recorder.receipts.get(c.campaignId.toLowerCase());
      report.campaigns.push({
        campaignId: c.campaignId,
        strategyId: c.strategyId,
        type: c.type,
        runId: c.runId,
        outcome: c.outcome,
        ...(c.status === undefined ? {} : { status: c.status }),
        fills: c.fills,
        ...(c.receiptId === undefined ? {} : { receiptId: Number(c.receiptId) }),
        ...(receipt ? { receipt } : {}),
      });
    }
    let settled = 0;
    for (const c of report.campaigns) if ((await chain.getCampaign(c.campaignId)).status === "settled") settled++;
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
      campaigns: report.campaigns.length,
      settledCampaigns: settled,
      errors: errors.length,
      openOrdersAtEnd: [...run.sim.venues.values()].reduce((n, v) => n + v.exchange.openOrders(account.name).length, 0),
    };
    if (opts.outDir) {
      await writeFile(join(opts.outDir, "report.json"), JSON.stringify(report, null, 2));
      await writeFile(join(opts.outDir, "report.html"), renderReportHtml(report));
      await writeFile(join(opts.outDir, "keeper.log"), logLines.join("\n") + "\n");
    }
    return report;

    function record(actions: readonly EngineAction[], thresholdBps: number): void {
      for (const a of actions) {
        if (a.kind === "start") {
          const r = {
            runId: a.runId,
            strategyId: a.strategyId,
            startStep: step,
            ...(a.resumedFrom === undefined ? {} : { resumedFrom: a.resumedFrom }),
          };
          runsById.set(a.runId, r);
          report.runs.push(r);
        } else if (a.kind === "switch") {
          report.switches.push({
            step,
            mode: a.mode,
            from: a.fromStrategyId,
            to: a.toStrategyId,
            fromRoi: a.fromRoi,
            toRoi: a.toRoi,
            thresholdBps,
          });
        } else if (a.kind === "breakerTripped") {
          report.breakerTrips.push({ step, breaker: a.breaker, pair: a.pair, valueBps: a.valueBps, until: a.until });
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
    journal.close();
    await run.close();
    if (!opts.outDir) await rm(dir, { recursive: true, force: true });
  }
}

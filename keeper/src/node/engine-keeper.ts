/**
 * The live keeper as `keeper run` assembles it (and the tests, through the same function): the strategy engine
 * (`EngineRunner`) over the strategies the config lists (plugins with validated settings), every run a campaign
 * (`EngineCampaigns`) drawing from its own sleeve, parameters from the `Parameters` contract every tick, volatility
 * measured from the mids the keeper reads, success rate from settled campaigns; the node ticks it. `keeper replay`
 * runs this same keeper over the simulator's venues and a `LocalChain` on scenario time (`replay/replay.ts`: injected
 * clock, manual ticks, scenario-time quoting windows, observers for its report). Rules: docs/SPECIFICATION.md
 * "Keeper node / Live keeper".
 */
import type { CapitalAdapter } from "../chain/vault.js";
import { SLEEVES } from "../chain/vault.js";
import { VolatilityEstimator } from "../engine/estimators.js";
import { ChainEngineParameters, type EngineParameters } from "../engine/parameters.js";
import { EngineRunner, type Clock } from "../engine/runner.js";
import type { Strategy } from "../engine/strategy.js";
import type { EngineAction, ExecutionResult } from "../engine/types.js";
import { engineGuard } from "../execution/engineGuard.js";
import { SafetyRules, composeGuards, type SafetyConfig } from "../execution/safety.js";
import { maxPlanAmount, riskLimits, type RiskLimits } from "../execution/limits.js";
import { ReferenceMids, observingVenue } from "../execution/reference.js";
import type { PluginContext } from "../execution/strategies/plugin.js";
import { DEFAULT_SAFETY, GatedExecution, RiskControls } from "./risk.js";
import {
  STRATEGY_PLUGINS,
  readMarket,
  type ExecutionMarket,
  type MarketSource,
} from "../execution/strategies/index.js";
import { withMeasuredVolatility } from "../execution/strategies/market.js";
import { ConfigError } from "../errors.js";
import type { ReceiptPoster } from "../chain/adapter.js";
import type { CampaignTrace } from "../recording/poster.js";
import { FreshReads } from "./arbitrage-books.js";
import { CapitalFlow } from "./capital.js";
import { EngineCampaigns, type EngineCampaignOptions, type RunRoute } from "./engine-campaigns.js";
import { KeeperNode, type KeeperNodeOptions } from "./keeper.js";

/** One strategy the keeper runs: a plugin id and that plugin's own settings. */
export interface StrategyEntry {
  plugin: string;
  config: unknown;
}

export interface EngineKeeperOptions extends Omit<
  KeeperNodeOptions,
  "source" | "execution" | "capital" | "onParameters" | "risk"
> {
  /** Risk limits (default: `riskLimits()`, the configuration's defaults). */
  limits?: RiskLimits;
  /** The execution layer's safety rules on every order (default `DEFAULT_SAFETY`). */
  safety?: Partial<SafetyConfig>;
  strategies: readonly StrategyEntry[];
  poster: ReceiptPoster<CampaignTrace>;
  /** The vault the keeper draws from; undefined: it trades its own capital only. */
  vault?: CapitalAdapter;
  campaigns?: Pick<
    EngineCampaignOptions,
    | "quotingWindowSeconds"
    | "claimMarginSeconds"
    | "priceBandBps"
    | "bucketSeconds"
    | "unwindSlippageBps"
    | "after"
    | "standingArbitrage"
  > & {
    /**
     * An arbitrage run trades on the books its deciding tick read when they are at most this old (ms), without
     * reading the venues again; older books are read again. 0: always read again. Default 100 with standing arbitrage
     * windows, else 0.
     */
    bookMaxAgeMs?: number;
  };
  clock?: Clock;
  /** The engine-only parameters (no `Parameters` key) the chain's values are merged over (default: the defaults). */
  engineBase?: EngineParameters;
  /** Waits between market-making refreshes (default: the plugin's `refreshMs` of wall time; replay: one step). */
  waitForRefresh?: PluginContext["waitForRefresh"];
  /**
   * Observers of the live path (replay's report, the live-keeper bench): every market the tick read as its read
   * returns, every engine tick with the market it decided on, every run's end.
   */
  observe?: {
    read?: (market: ExecutionMarket) => void;
    tick?: (market: ExecutionMarket, actions: readonly EngineAction[], thresholdBps: number) => void;
    runFinished?: (runId: number, strategyId: string, result: ExecutionResult) => void;
    marketMakingRun?: PluginContext["onMarketMakingRun"];
  };
}

const wallClock: Clock = { now: () => Date.now() };

/** The route venue of a non-arbitrage plugin's settings (`venueId`). */
function routeOf(entry: StrategyEntry): RunRoute | undefined {
  const c = entry.config as { venueId?: unknown; legs?: { venueId: string }[] } | undefined;
  if (Array.isArray(c?.legs) && c.legs.length >= 2) {
    return { venueId: c.legs[0]!.venueId, venues: c.legs.map((l) => l.venueId) };
  }
  return typeof c?.venueId === "string" ? { venueId: c.venueId } : undefined;
}

/** Snapshot sources the strategies read (every venue/pair any of them names). */
function marketSources(entries: readonly StrategyEntry[], venues: KeeperNodeOptions["venues"]): MarketSource[] {
  const seen = new Map<string, MarketSource>();
  const add = (venueId: string, pair: string, market: string, takerFeeBps?: number) => {
    const venue = venues[venueId];
    if (!venue) throw new ConfigError(`strategies: venue ${venueId} is not configured`);
    // A leg's configured taker fee, for venues that do not expose one (as the strategy's own snapshots use it).
    const fee = takerFeeBps === undefined ? {} : { takerFeeBps: BigInt(takerFeeBps) };
    seen.set(`${venueId}|${pair}`, { venue, options: { pair, market, ...fee } });
  };
  for (const e of entries) {
    const c = e.config as {
      pair: string;
      venueId?: string;
      legs?: { venueId: string; pair: string; takerFeeBps?: number }[];
    };
    if (c.legs) for (const l of c.legs) add(l.venueId, l.pair, c.pair, l.takerFeeBps);
    if (c.venueId) add(c.venueId, c.pair, c.pair);
  }
  return [...seen.values()];
}

type Venues = KeeperNodeOptions["venues"];

/**
 * How the tick and the strategies see the venues: the tick's reads are kept (`reads`); an arbitrage run is served them
 * while fresh; every other strategy reads its venue itself, its reads kept too. Any order placed or cancelled through
 * a strategy's view drops its venue's kept reads (its balances changed). A strategy's own book reads feed the reference
 * price (a read served from the tick's is not a new read: the tick observes its reads itself).
 */
export function venueViews(
  venues: Venues,
  reads: FreshReads,
  reference: ReferenceMids,
  now: () => number,
): { tick: Venues; arbitrage: Venues; strategy: Venues } {
  const observed = Object.entries(venues).map(([id, v]) => [id, observingVenue(v, reference, now)] as const);
  return {
    tick: Object.fromEntries(Object.entries(venues).map(([id, v]) => [id, reads.recording(v)])),
    arbitrage: Object.fromEntries(observed.map(([id, v]) => [id, reads.serving(v)])),
    strategy: Object.fromEntries(observed.map(([id, v]) => [id, reads.recording(v)])),
  };
}

export function engineKeeper(opts: EngineKeeperOptions) {
  const {
    strategies: entries,
    poster,
    vault,
    campaigns: campaignSettings,
    clock = wallClock,
    limits = riskLimits(),
    safety: safetyConfig,
    engineBase,
    waitForRefresh,
    observe,
    ...nodeOptions
  } = opts;
  const { journal, log, metrics, venues, chain } = nodeOptions;
  const { bookMaxAgeMs: maxAge, ...campaignOptions } = campaignSettings ?? {};
  const bookMaxAgeMs = maxAge ?? (campaignOptions.standingArbitrage ? 100 : 0);
  // The tick's reads are kept; an arbitrage run that starts within `bookMaxAgeMs` of them plans on them.
  const reads = new FreshReads(bookMaxAgeMs);
  // Risk controls of the live path (docs/SPECIFICATION.md "Keeper node / Risk controls"): the safety rules and the
  // limits guard every order of every strategy; stop signals and exposures gate every campaign before it draws.
  // The safety rules' reference price: the newest book read of the pair on the venue, the tick's or a strategy's own.
  const reference = new ReferenceMids();
  const safety = new SafetyRules(
    { ...DEFAULT_SAFETY, ...safetyConfig, maxLoss: safetyConfig?.maxLoss ?? limits.maxDailyLoss },
    (venueId, pair) => reference.mid(venueId, pair),
    clock,
  );
  const views = venueViews(venues, reads, reference, () => clock.now());
  const risk = new RiskControls({
    journal,
    limits,
    venues,
    chain,
    vault,
    log,
    metrics,
    clock,
    unwindSlippageBps: campaignSettings?.unwindSlippageBps,
    onAllFlat: () => {
      if (safety.tripped?.reason.includes("exposed")) safety.reset();
    },
  });
  const flows: Partial<Record<number, CapitalFlow>> = {};
  if (vault) {
    for (const sleeve of [SLEEVES.marketMaking, SLEEVES.arbitrage]) {
      flows[sleeve] = new CapitalFlow({ capital: vault, journal, sleeve, log, metrics });
    }
  }
  const parameters = new ChainEngineParameters({
    ...(engineBase ? { base: engineBase } : {}),
    onError: (err) => log.error({ err }, `engine parameters refused: ${err.shortMessage}`),
  });
  // Built below; the campaigns and guards reach them through this holder once they exist.
  const late: { node?: KeeperNode; runner?: EngineRunner<ExecutionMarket> } = {};
  const campaigns = new EngineCampaigns({
    chain,
    journal,
    poster,
    venues,
    log,
    metrics,
    capital: flows,
    dispatcher: () => late.node!.dispatcher,
    executionMarginSeconds: limits.executionMarginSeconds,
    // The chain's stop signals read now (not up to `signalRefreshMs` old) before a campaign is published.
    gate: async (pair) => {
      await risk.refreshSignals(true);
      return risk.stopReason() ?? risk.blockedReason(pair);
    },
    // The safety rules: a tripped breaker, or (arbitrage, rebalance) the pair's cool-down after a failed execution or a
    // venue over its order rate, would refuse the run's first order, and a claim taken only to be released is a
    // failure on chain. A market maker's quotes are not held back by a taker's cool-down (`guardFor` below).
    refusal: (pair, run) => safety.openingRefusal(pair, { cooldown: run.type !== "marketMaking", venues: run.venues }),
    onSettlement: (strategyId, ok) => late.runner?.recordSettlement(strategyId, ok),
    // Inside a standing window: the stop signals and exposures the keeper holds (refreshed every tick), no chain read.
    heldGate: (pair) => risk.stopReason() ?? risk.blockedReason(pair),
    bootNonce: journal.bootNonce,
    ...campaignOptions,
  });
  const typeOf = new Map<string, string>();
  const strategies: Strategy<ExecutionMarket>[] = entries.map((e) => {
    const plugin = STRATEGY_PLUGINS.get(e.plugin);
    if (!plugin) {
      throw new ConfigError(
        `strategies: unknown plugin ${e.plugin} (known: ${[...STRATEGY_PLUGINS.keys()].join(", ")})`,
      );
    }
    const inner = plugin.create({
      // Arbitrage plans on the tick's books when they are fresh; every other strategy reads its venue itself, and its
      // orders drop the kept reads of that venue (its balances changed) as the arbitrage's own do.
      venues: e.plugin.toLowerCase().includes("arbitrage") ? views.arbitrage : views.strategy,
      config: e.config,
      ...(waitForRefresh ? { waitForRefresh } : {}),
      guard: (strategyId, ctx) =>
        composeGuards(
          engineGuard(
            { state: () => late.runner!.engineState, params: () => late.runner!.parameters },
            { strategyId, clock },
          ),
          safety.guardFor({ cooldown: typeOf.get(strategyId) !== "marketMaking" }),
          risk.guard,
          campaigns.guard(strategyId, ctx),
        ),
      // Plans sized inside the risk limits (order and campaign notional, inventory held on the buy venue), and every
      // execution booked: its PnL into the day's loss limit, an exposed residual into the exposures, the safety
      // rules' cool-down and loss breaker.
      maxArbitrageAmount: (plan, snapshots) => {
        const base = plan.buy.pair.split("/")[0]!;
        const held = snapshots.find((s) => s.venueId === plan.buy.venueId)?.baseAvailable;
        return maxPlanAmount(limits, plan.buy.limitPrice, base, held, plan.sell.limitPrice);
      },
      onReport: async (_id, pair, report, plan) => {
        risk.recordExecution(plan, report);
        await safety.recordExecution(pair, report);
      },
      onMarketMakingRun: (id, stats) => {
        metrics.strategyPnlMarked.set({ type: "marketMaking" }, Number(stats.pnl) / 1e18);
        // The run traded under a campaign run id (`EngineCampaigns.nextRunId`): reported under the engine's.
        observe?.marketMakingRun?.(id, { ...stats, runId: campaigns.engineRunId(stats.runId) });
      },
    });
    typeOf.set(inner.id, inner.type);
    return campaigns.wrap(inner, routeOf(e));
  });
  const engineRunner = new EngineRunner<ExecutionMarket>({
    strategies,
    clock,
    parameters,
    outcomes: "settlements",
    onRunFinished: (_runId, strategyId, result) => {
      const type = typeOf.get(strategyId) ?? "unknown";
      metrics.strategyPnl.inc({ type }, Number(result.pnl) / 1e18);
      metrics.runs.inc({ type, status: result.status });
      // Arbitrage executions are booked by `onReport`; a market-making run's marked PnL is booked here, so its losses
      // count against `maxDailyLoss` too.
      if (type === "marketMaking") risk.recordPnl(result.pnl);
      observe?.runFinished?.(_runId, strategyId, result);
    },
    onStrategyError: (id, err) =>
      log.warn({ err, strategy: id }, `strategy ${id} sat out the tick: ${err.shortMessage}`),
  });
  const sources = marketSources(entries, views.tick);
  const volatility = new VolatilityEstimator();
  const decisions: { at: number; actions: readonly EngineAction[]; threshold: number }[] = [];
  late.runner = engineRunner;
  let stopping = false;
  const keeperNode = new KeeperNode({
    ...nodeOptions,
    onParameters: parameters.onParameters,
    capital: vault ? Object.values(flows).filter((f): f is CapitalFlow => f !== undefined) : undefined,
    // Stop signals and exposures refuse a campaign before it draws capital or trades.
    execution: new GatedExecution(campaigns, risk, journal),
    risk,
    backgroundDispatch: true,
    source: {
      // One engine tick: read the venues, measure volatility, decide; runs go on in the background.
      async detect(nowSec: bigint) {
        if (stopping || sources.length === 0) return [];
        campaigns.observeTime(nowSec);
        const readAt = clock.now();
        const market = withMeasuredVolatility(await readMarket(sources, readAt), volatility);
        observe?.read?.(market);
        // The read's connections go back to their venues' pools one event-loop turn after their responses (undici
        // checks an idle kept-alive socket before reusing it): a run deciding in this turn would send its first order
        // on a new connection (a TCP connect, a TLS handshake on a real venue). One turn later it reuses one.
        await new Promise<void>((resolve) => setImmediate(resolve));
        // `stop()` ran while the venues were read: this tick starts nothing (no window armed, no run started), or that
        // run's campaign would draw after `stop()` stopped the runs and drained their campaigns, and stay unrepaid.
        if (stopping) return [];
        for (const s of market.snapshots.values()) {
          if (s.liquidity.kind === "book")
            reference.observe(s.venueId, s.pair, s.liquidity.bids, s.liquidity.asks, readAt);
        }
        // A stop signal (kill switch, vault paused, key revoked, attestation expired) stops new runs at once.
        const stop = risk.stopReason();
        if (stop) {
          campaigns.closeWindows();
          await engineRunner.stop();
          return [];
        }
        // Standing arbitrage windows are armed ahead of their opportunities (one per route, re-armed before it ends).
        campaigns.armWindows(market);
        let pool = 0n;
        for (const s of market.snapshots.values()) pool += s.quoteAvailable;
        const actions = engineRunner.tick({ market, pool });
        const threshold = engineRunner.parameters.roiThresholdBps;
        observe?.tick?.(market, actions, threshold);
        for (const a of actions) {
          if (a.kind === "switch") metrics.switches.inc({ mode: a.mode, to: typeOf.get(a.toStrategyId) ?? "unknown" });
          if (a.kind === "start") metrics.decisions.inc({ kind: "start", strategy: a.strategyId });
        }
        if (actions.some((a) => a.kind === "switch" || a.kind === "start" || a.kind === "abort")) {
          decisions.push({ at: clock.now(), actions, threshold });
          if (decisions.length > 1_000) decisions.shift();
        }
        const active = engineRunner.engineState.active;
        for (const t of ["marketMaking", "arbitrage", "rebalance"]) {
          metrics.mode.set({ type: t }, active?.type === t ? 1 : 0);
        }
        return [];
      },
      foreground: () => campaigns.windowRunsDone(),
    },
  });
  late.node = keeperNode;
  return {
    node: keeperNode,
    risk,
    safety,
    runner: engineRunner,
    campaigns,
    capital: flows,
    parameters,
    reads,
    decisions,
    /** Aborts the running runs (quotes cancelled, campaigns settled with what they did), then stops the node. */
    async stop(): Promise<void> {
      stopping = true;
      campaigns.shutdown();
      await engineRunner.stop();
      // A run aborted after its quotes were cancelled returns before its campaign has settled: that settlement (receipt,
      // settle, repay) finishes before the node stops.
      await campaigns.drain();
      await keeperNode.stop();
    },
  };
}

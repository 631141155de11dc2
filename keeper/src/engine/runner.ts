import { ConfigError, KeeperError } from "../errors.js";
import { decide, initialEngineState, type EngineState } from "./engine.js";
import { EngineError } from "./errors.js";
import { DEFAULT_ENGINE_PARAMETERS, type EngineParameters, type ParametersSource } from "./parameters.js";
import type { MarketView, RunView, Strategy } from "./strategy.js";
import type { Candidate, EngineAction, EngineEvent, ExecutionResult } from "./types.js";

/** Time source, ms. Injected so tests and simulations drive time. */
export interface Clock {
  now(): number;
}

export interface TickInput<M extends MarketView> {
  readonly market: M;
  /** Capital the keeper works with now, deposit-asset units. */
  readonly pool: bigint;
  /** Unrealised PnL of the open run, deposit-asset units (0 when unknown or none). */
  readonly markToMarketPnl?: bigint;
  /** Operator reset of the breakers, applied at this tick. */
  readonly resetBreakers?: boolean;
}

export interface EngineRunnerOptions<M extends MarketView> {
  readonly strategies: readonly Strategy<M>[];
  readonly clock: Clock;
  readonly params?: EngineParameters;
  /**
   * Read at the start of every tick (e.g. `ChainEngineParameters`, fed by the chain): the tick decides
   * with what it returns. Takes precedence over `params` and `setParameters`.
   */
  readonly parameters?: ParametersSource;
  readonly state?: EngineState;
  /**
   * `runs` (default): the success weight counts each finished run's status. `settlements`: it counts only
   * what `recordSettlement` reports (a live keeper, once each run's campaign has settled on chain).
   */
  readonly outcomes?: "runs" | "settlements";
  /** Called with each finished run's result (before the next tick feeds it to the engine). */
  readonly onRunFinished?: (runId: number, strategyId: string, result: ExecutionResult) => void;
  /**
   * Called when a strategy's `estimatedROI` or `canInterruptCurrent` throws: that strategy sits out the
   * tick and the others go on. Without this hook the error is thrown from `tick` (never swallowed).
   */
  readonly onStrategyError?: (strategyId: string, error: EngineError) => void;
}

interface InFlight {
  readonly strategyId: string;
  readonly controller: AbortController;
  readonly done: Promise<void>;
}

/**
 * Drives the pure engine: each `tick` asks every strategy for its estimate, calls `decide`, and carries
 * the actions out: `start` launches `strategy.exec` with a fresh AbortController, `abort` aborts that
 * controller. Runs finish asynchronously; their results queue up and are fed to the next tick. This is the
 * only place that awaits `exec`; time comes from the injected clock.
 *
 * Abort-and-resume: the engine aborts a market-making run with reason `preempt`; the strategy resolves
 * `{ status: "aborted", resumeState }`; the next tick starts the pre-empting run; when that run's result
 * arrives, a later tick starts the market maker again with `ctx.resumeState`.
 */
export class EngineRunner<M extends MarketView = MarketView> {
  private state: EngineState;
  private params: EngineParameters;
  private readonly source?: ParametersSource;
  private readonly outcomesFromSettlements: boolean;
  private readonly strategies: ReadonlyMap<string, Strategy<M>>;
  private readonly clock: Clock;
  private readonly onRunFinished?: EngineRunnerOptions<M>["onRunFinished"];
  private readonly onStrategyError?: EngineRunnerOptions<M>["onStrategyError"];
  private readonly inbox: EngineEvent[] = [];
  private readonly inFlight = new Map<number, InFlight>();
  private finishWaiters: (() => void)[] = [];
  private readonly hookErrors: EngineError[] = [];
  private lastNow = Number.NEGATIVE_INFINITY;

  constructor(opts: EngineRunnerOptions<M>) {
    const byId = new Map<string, Strategy<M>>();
    for (const s of opts.strategies) {
      if (byId.has(s.id)) throw new ConfigError(`duplicate strategy id ${s.id}`);
      byId.set(s.id, s);
    }
    this.strategies = byId;
    this.clock = opts.clock;
    this.source = opts.parameters;
    this.outcomesFromSettlements = opts.outcomes === "settlements";
    this.params = opts.parameters?.current() ?? opts.params ?? DEFAULT_ENGINE_PARAMETERS;
    this.state = opts.state ?? initialEngineState();
    this.onRunFinished = opts.onRunFinished;
    this.onStrategyError = opts.onStrategyError;
  }

  get engineState(): EngineState {
    return this.state;
  }

  get parameters(): EngineParameters {
    return this.params;
  }

  /** Number of `exec` calls still running (including ones asked to abort). */
  get runningCount(): number {
    return this.inFlight.size;
  }

  /** New parameters (already validated by `parseEngineParameters`), used from the next tick on. */
  setParameters(params: EngineParameters): void {
    this.params = params;
  }

  /** One decision step. Synchronous: it launches runs but does not wait for them. */
  tick(input: TickInput<M>): readonly EngineAction[] {
    const hookError = this.hookErrors.shift();
    if (hookError !== undefined) throw hookError;
    const now = this.clock.now();
    if (now < this.lastNow) throw new EngineError(`clock went backwards: ${now} < ${this.lastNow}`);
    this.lastNow = now;
    if (this.source !== undefined) this.params = this.source.current();
    // Results leave the inbox only once the engine has taken them (a throwing tick loses none).
    const taken = this.inbox.length;
    const events = this.inbox.slice(0, taken);
    if (input.resetBreakers === true) events.push({ kind: "resetBreakers" });

    const active = this.state.active;
    const current: RunView | null =
      active === null
        ? null
        : { runId: active.runId, strategyId: active.strategyId, type: active.type, pair: active.pair, roi: active.roi };
    const candidates: Candidate[] = [];
    for (const s of this.strategies.values()) {
      let candidate: Candidate | null;
      try {
        const est = s.estimatedROI(input.market);
        candidate =
          est === null
            ? null
            : {
                ...est,
                strategyId: s.id,
                type: s.type,
                pair: s.pair,
                canInterrupt:
                  current !== null && current.strategyId !== s.id && s.canInterruptCurrent(current, input.market),
              };
      } catch (err) {
        const error = new EngineError(`strategy ${s.id} failed to estimate`, { cause: err });
        if (this.onStrategyError === undefined) throw error;
        this.onStrategyError(s.id, error);
        continue;
      }
      if (candidate !== null) candidates.push(candidate);
    }

    const { state, actions } = decide(this.state, {
      now,
      params: this.params,
      pool: input.pool,
      candidates,
      volatilityBps: input.market.volatilityBps,
      events,
      markToMarketPnl: input.markToMarketPnl,
      outcomesFromSettlements: this.outcomesFromSettlements,
    });
    this.state = state;
    this.inbox.splice(0, taken);

    for (const action of actions) {
      if (action.kind === "start") this.launch(action, now);
      else if (action.kind === "abort") {
        const run = this.inFlight.get(action.runId);
        if (run === undefined) throw new EngineError(`engine aborted run ${action.runId}, which is not running`);
        run.controller.abort(new EngineError(`run ${action.runId} aborted: ${action.reason}`));
      }
    }
    return actions;
  }

  /** A run's campaign settled: its outcome feeds the success weight from the next tick (with `outcomes: "settlements"`). */
  recordSettlement(strategyId: string, succeeded: boolean): void {
    this.inbox.push({ kind: "settled", strategyId, succeeded });
  }

  /** Resolves when some running `exec` finishes (at once when none runs). */
  nextFinish(): Promise<void> {
    if (this.inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.finishWaiters.push(resolve));
  }

  /** Resolves when every running `exec` has finished (their results wait for the next tick). */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight.values()].map((r) => r.done));
  }

  /** Aborts every running `exec` (shutdown) and waits for them. */
  async stop(): Promise<void> {
    for (const run of this.inFlight.values()) run.controller.abort(new EngineError("runner stopped"));
    await this.settle();
  }

  private launch(action: Extract<EngineAction, { kind: "start" }>, now: number): void {
    const strategy = this.strategies.get(action.strategyId);
    if (strategy === undefined) throw new EngineError(`engine started unknown strategy ${action.strategyId}`);
    const controller = new AbortController();
    const done = this.execute(strategy, action, controller, now);
    this.inFlight.set(action.runId, { strategyId: strategy.id, controller, done });
  }

  private async execute(
    strategy: Strategy<M>,
    action: Extract<EngineAction, { kind: "start" }>,
    controller: AbortController,
    now: number,
  ): Promise<void> {
    let result: ExecutionResult;
    try {
      result = await strategy.exec({
        signal: controller.signal,
        runId: action.runId,
        capital: action.capital,
        resumeState: action.resumeState,
        params: this.params,
        startedAt: now,
      });
      const problem = invalidResult(result);
      if (problem !== null) {
        result = {
          status: "failed",
          pnl: typeof result?.pnl === "bigint" ? result.pnl : 0n,
          slippageBps: 0,
          error: new EngineError(`strategy ${strategy.id} run ${action.runId} returned an invalid result`, {
            details: problem,
          }),
        };
      }
    } catch (err) {
      const error =
        err instanceof KeeperError
          ? err
          : new EngineError(`strategy ${strategy.id} run ${action.runId} threw`, { cause: err });
      result = { status: controller.signal.aborted ? "aborted" : "failed", pnl: 0n, slippageBps: 0, error };
    }
    this.inFlight.delete(action.runId);
    this.inbox.push({ kind: "runFinished", runId: action.runId, result });
    try {
      this.onRunFinished?.(action.runId, strategy.id, result);
    } catch (err) {
      // Thrown from the next tick: nothing awaits this promise, so throwing here would go unhandled.
      this.hookErrors.push(new EngineError(`onRunFinished hook threw for run ${action.runId}`, { cause: err }));
    }
    const waiters = this.finishWaiters;
    this.finishWaiters = [];
    for (const w of waiters) w();
  }
}

const STATUSES: ReadonlySet<string> = new Set(["succeeded", "failed", "aborted"]);

/** Why a value from `exec` is not an `ExecutionResult`, or null when it is one. */
function invalidResult(r: ExecutionResult | undefined): string | null {
  if (typeof r !== "object" || r === null) return `expected an object, got ${r === null ? "null" : typeof r}`;
  if (!STATUSES.has(r.status)) return `status ${String(r.status)} is not succeeded, failed or aborted`;
  if (typeof r.pnl !== "bigint") return `pnl must be a bigint, got ${typeof r.pnl}`;
  if (typeof r.slippageBps !== "number" || !Number.isFinite(r.slippageBps) || r.slippageBps < 0) {
    return `slippageBps must be a finite number >= 0, got ${String(r.slippageBps)}`;
  }
  return null;
}

import type { EngineParameters } from "./parameters.js";
import type { ExecutionResult, RoiEstimate, StrategyType } from "./types.js";

/** What a strategy sees of the market: at least each pair's volatility; adapters add books, reserves... */
export interface MarketView {
  readonly volatilityBps: ReadonlyMap<string, number>;
}

/** The run a challenger would interrupt. */
export interface RunView {
  readonly runId: number;
  readonly strategyId: string;
  readonly type: StrategyType;
  readonly pair: string;
  readonly roi: number;
}

/** Everything `exec` gets. `signal` aborts the run: stop quoting/trading, then resolve `aborted`. */
export interface ExecutionContext {
  readonly signal: AbortSignal;
  readonly runId: number;
  /** Capital granted (the strategy's need capped by its sleeve), deposit-asset units. */
  readonly capital: bigint;
  /** What this strategy returned when it was pre-empted, when this run resumes it. */
  readonly resumeState?: unknown;
  readonly params: EngineParameters;
  /** Engine time when the run started (ms, from the runner's clock). */
  readonly startedAt: number;
  /**
   * Clock time (ms) at which the run's orders must stop (a live keeper: a margin before its campaign's claim
   * expires); undefined: none.
   */
  readonly deadline?: number;
}

/**
 * A strategy: decides nothing about switching (the engine does), only estimates and executes.
 * `estimatedROI` and `canInterruptCurrent` must be pure and fast (they run for every strategy every tick);
 * `exec` does the I/O and must honour `ctx.signal`: when it aborts, return `{ status: "aborted", resumeState }`
 * promptly (a market maker hands back its open state so it can resume after a pre-empting arbitrage).
 */
export interface Strategy<M extends MarketView = MarketView> {
  readonly id: string;
  readonly type: StrategyType;
  /** Trade pair the strategy works on (safety rules are keyed by it). */
  readonly pair: string;
  /** The current opportunity, or null when there is none. The engine turns it into a weighted ROI. */
  estimatedROI(market: M): RoiEstimate | null;
  /** Whether this strategy, if it wins a switch, may pre-empt `current` (abort now, resume it after). */
  canInterruptCurrent(current: RunView, market: M): boolean;
  exec(ctx: ExecutionContext): Promise<ExecutionResult>;
}

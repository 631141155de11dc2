import type { KeeperError } from "../errors.js";

/** Strategy kinds the engine switches between. */
export const STRATEGY_TYPES = ["marketMaking", "arbitrage", "rebalance"] as const;
export type StrategyType = (typeof STRATEGY_TYPES)[number];

/** Engine state machine: the type of the run holding the slot, or `idle`. */
export type EngineMode = StrategyType | "idle";

/** Capital sleeves of the pool. Market making and arbitrage are capped; the buffer takes the remainder. */
export type Sleeve = "marketMaking" | "arbitrage" | "buffer";

/** Amounts in deposit-asset units (bigint, so sums are exact). */
export type SleeveAmounts = Readonly<Record<Sleeve, bigint>>;
/** Weights in basis points, summing to 10_000. */
export type SleeveTargets = Readonly<Record<Sleeve, number>>;

/** What a strategy reports about its current opportunity (see `roi.ts` for how it becomes an ROI). */
export interface RoiEstimate {
  /** Gross profit expected from the run, deposit-asset units. */
  readonly expectedProfit: bigint;
  /** Fees, gas, bridge and hedging costs of the run, deposit-asset units. */
  readonly estimatedCost: bigint;
  /** Capital the run locks while it lasts, deposit-asset units (> 0). */
  readonly capitalLocked: bigint;
  /** Share (0..1] of the locked capital that actually works over the run; 1 when omitted. */
  readonly utilisation?: number;
}

/** One strategy's opportunity in one tick: the engine's input about it. */
export interface Candidate extends RoiEstimate {
  readonly strategyId: string;
  readonly type: StrategyType;
  /** Trade pair (market) the run trades, e.g. `ETH/USDC`; safety rules are keyed by it. */
  readonly pair: string;
  /** The strategy says it may pre-empt the current run (abort it now, resume it after). */
  readonly canInterrupt?: boolean;
}

/** How a run ended. `aborted` = stopped through its AbortSignal (it may hand back a resume state). */
export type ExecutionStatus = "succeeded" | "failed" | "aborted";

/** What `Strategy.exec` resolves to. */
export interface ExecutionResult {
  readonly status: ExecutionStatus;
  /** Realised profit (negative = loss) of the run, deposit-asset units. */
  readonly pnl: bigint;
  /** Worst slippage of the run against its quote, basis points (0 when it did not trade). */
  readonly slippageBps: number;
  /** For an aborted run: what it needs to resume where it stopped (open quotes, inventory...). */
  readonly resumeState?: unknown;
  /** For a failed run: why. */
  readonly error?: KeeperError;
}

/**
 * Why the engine aborts a run: replaced by a better one, pre-empted (to resume later), paused by the
 * drawdown breaker, or a market maker whose opportunity stayed gone or unprofitable for the debounce time.
 */
export type AbortReason = "switch" | "preempt" | "breaker" | "unprofitable";

/** Input events, processed in order at the start of a tick. */
export type EngineEvent =
  | { readonly kind: "runFinished"; readonly runId: number; readonly result: ExecutionResult }
  /** Operator (or governance) reset: clears tripped breakers now and restarts the high-water mark. */
  | { readonly kind: "resetBreakers" }
  /**
   * A run's campaign settled (receipt posted and repaid = succeeded; expired, exposed or unrepaid =
   * failed): the outcome the success weight counts when the engine takes outcomes from settlements.
   */
  | { readonly kind: "settled"; readonly strategyId: string; readonly succeeded: boolean };

/** Output: decisions as data; the runner (or any executor) carries them out. */
export type EngineAction =
  | {
      readonly kind: "start";
      readonly runId: number;
      readonly strategyId: string;
      readonly type: StrategyType;
      readonly pair: string;
      /** Capital granted to the run: the candidate's need capped by its sleeve. */
      readonly capital: bigint;
      readonly roi: number;
      /** Set when this start resumes a pre-empted run; pass it to the strategy. */
      readonly resumeState?: unknown;
      readonly resumedFrom?: number;
    }
  | { readonly kind: "abort"; readonly runId: number; readonly reason: AbortReason }
  | {
      readonly kind: "switch";
      readonly mode: "replace" | "preempt";
      readonly fromRunId: number;
      readonly fromStrategyId: string;
      readonly fromRoi: number;
      readonly toStrategyId: string;
      readonly toRoi: number;
    }
  /** A pre-empted run was dropped instead of resumed (its opportunity is gone or it is blocked). */
  | { readonly kind: "discard"; readonly runId: number; readonly strategyId: string; readonly reason: string }
  | {
      readonly kind: "breakerTripped";
      readonly breaker: "drawdown" | "slippage";
      /** Pair for the slippage breaker; `*` for the keeper-wide drawdown breaker. */
      readonly pair: string;
      readonly until: number;
      readonly valueBps: number;
    }
  | {
      readonly kind: "breakerResumed";
      readonly breaker: "drawdown" | "slippage";
      readonly pair: string;
      readonly reason: "cooldownElapsed" | "reset";
    }
  | { readonly kind: "allocation"; readonly targets: SleeveTargets; readonly amounts: SleeveAmounts };

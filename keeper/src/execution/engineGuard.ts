/**
 * The strategy engine's safety rules (`engine/safety/`) as an `OrderGuard`: every order a strategy
 * sends is checked against the engine's current state, so a breaker that trips or a cool-down that
 * starts while a run is under way stops its next order, not only its next run.
 *
 * | engine rule (state field)      | refuses an opening order when                                           |
 * | ------------------------------ | ----------------------------------------------------------------------- |
 * | drawdown breaker (`drawdown`)  | the keeper is paused                                                    |
 * | slippage breaker (`slippage`)  | the order's pair is tripped (and its cool-down has not elapsed)         |
 * | failure cool-down (`failures`) | the order's strategy failed less than `failureCooldownSeconds` ago      |
 * | retry budget (`retries`)       | the pair has more run attempts in the last minute than the budget allows |
 *
 * The retry budget counts runs, and the engine records a run's own attempt when it starts it, so an
 * order is refused only when the window holds *more* than `retriesPerMinutePerPair` attempts (the
 * budget was lowered, or runs were started outside the engine's rules). Hedge and unwind orders always
 * pass: they close a position, and refusing them would leave a leg orphaned.
 *
 * `guardForRun` composes this with the execution layer's `SafetyRules` (`composeGuards`): engine rules
 * first, then the per-order rules (price band, orders per minute, keeper-wide circuit breaker).
 */
import type { EngineState } from "../engine/engine.js";
import type { EngineParameters } from "../engine/parameters.js";
import { isPaused } from "../engine/safety/drawdownBreaker.js";
import { isCoolingDown } from "../engine/safety/failureCooldown.js";
import { attemptsInWindow } from "../engine/safety/retryBudget.js";
import { isPairTripped } from "../engine/safety/slippageBreaker.js";
import type { Clock } from "./budget.js";
import type { OrderGuard } from "./executor.js";
import { SafetyRefusedError, composeGuards, type SafetyRules } from "./safety.js";

/** What the guard reads of the engine, each time an order is checked. */
export interface EngineSafetySource {
  state(): EngineState;
  params(): EngineParameters;
}

export interface EngineGuardOptions {
  /** The strategy sending the orders (failure cool-down key). */
  strategyId: string;
  /** The engine pair of an order (default: the order's own pair). */
  pairOf?: (venueId: string, pair: string) => string;
  clock: Clock;
}

/** An `OrderGuard` enforcing the engine's four safety rules on every order. */
export function engineGuard(source: EngineSafetySource, opts: EngineGuardOptions): OrderGuard {
  // async: a refusal is a rejected promise, like every other guard's.
  return async (order) => {
    await Promise.resolve();
    if (order.purpose === "hedge" || order.purpose === "unwind") return;
    const state = source.state();
    const params = source.params();
    const now = opts.clock.now();
    const pair = opts.pairOf ? opts.pairOf(order.venueId, order.pair) : order.pair;
    if (isPaused(state.drawdown)) {
      throw new SafetyRefusedError(`engine paused by the drawdown breaker since ${state.drawdown.trippedAt}`);
    }
    const trippedAt = state.slippage.get(pair);
    if (isPairTripped(state.slippage, pair) && now < (trippedAt ?? 0) + params.breakerCooldownSeconds * 1000) {
      throw new SafetyRefusedError(`slippage breaker of ${pair} tripped at ${trippedAt}`);
    }
    if (isCoolingDown(state.failures, opts.strategyId, now, params.failureCooldownSeconds)) {
      throw new SafetyRefusedError(`${opts.strategyId} is in its failure cool-down`);
    }
    const attempts = attemptsInWindow(state.retries, pair, now);
    if (attempts > params.retriesPerMinutePerPair) {
      throw new SafetyRefusedError(
        `${attempts} run attempts on ${pair} in the last minute (budget ${params.retriesPerMinutePerPair})`,
      );
    }
  };
}

/** The guard a strategy's run uses: the engine's rules, then the execution layer's `SafetyRules`. */
export function guardForRun(
  source: EngineSafetySource,
  rules: SafetyRules | undefined,
  opts: EngineGuardOptions,
): OrderGuard {
  const engine = engineGuard(source, opts);
  return rules ? composeGuards(engine, rules.guard) : engine;
}

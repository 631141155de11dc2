/**
 * Strategy engine: pure decisions (`decide`), the capital allocator, the safety rules, the ROI model,
 * runtime parameters, and the `EngineRunner` that carries decisions out against `Strategy` objects.
 */
export { decide, initialEngineState } from "./engine.js";
export type { ActiveRun, Decision, EngineSnapshot, EngineState, SuspendedRun } from "./engine.js";
export { EngineRunner } from "./runner.js";
export type { Clock, EngineRunnerOptions, TickInput } from "./runner.js";
export type { ExecutionContext, MarketView, RunView, Strategy } from "./strategy.js";
export { STRATEGY_TYPES } from "./types.js";
export type {
  AbortReason,
  Candidate,
  EngineAction,
  EngineEvent,
  EngineMode,
  ExecutionResult,
  ExecutionStatus,
  RoiEstimate,
  Sleeve,
  SleeveAmounts,
  SleeveTargets,
  StrategyType,
} from "./types.js";
export {
  BPS,
  DEFAULT_ENGINE_PARAMETERS,
  EngineParameters,
  ON_CHAIN_PARAMETER_KEYS,
  engineParametersFromChain,
  parseEngineParameters,
} from "./parameters.js";
export type { EngineParametersInput } from "./parameters.js";
export { allocate, capToSleeve, rebalanceTargets, sleeveOf, targetsFromParameters } from "./allocator.js";
export {
  SUCCESS_DECAY,
  fundedRoi,
  recordOutcome,
  roiWeight,
  successWeight,
  utilisationWeight,
  volatilityWeight,
  weightedRoi,
} from "./roi.js";
export type { SuccessStats } from "./roi.js";
export {
  INITIAL_SWITCH_STATE,
  evaluateSwitch,
  passesThreshold,
  recordSwitch,
  switchesInLastHour,
} from "./switching.js";
export type { SwitchState, SwitchVerdict } from "./switching.js";
export { QueueBuilder, TYPE_PRIORITY, compareEntries } from "./queue.js";
export type { QueueEntry } from "./queue.js";
export * from "./safety/failureCooldown.js";
export * from "./safety/retryBudget.js";
export * from "./safety/slippageBreaker.js";
export * from "./safety/drawdownBreaker.js";
export { EngineError } from "./errors.js";
export { deserializeEngineState, serializeEngineState } from "./codec.js";

import { BPS } from "./parameters.js";

/**
 * Switch gate: whether the engine may replace (or pre-empt) the running strategy with a challenger.
 * All four must hold, checked in this order:
 *
 * 1. threshold: challengerROI > 0 and challengerROI * 10_000 >= roiThresholdBps * max(currentROI, 0)
 *    (with 15_000: the challenger must pay at least 1.5x the current run; a current run at or below zero
 *    is beaten by any positive challenger);
 * 2. debounce: the same challenger has passed (1) continuously for `debounceSeconds` (anti-flapping: a
 *    one-tick spike does not switch);
 * 3. cool-down: at least `switchCooldownSeconds` since the last switch;
 * 4. frequency: fewer than `maxSwitchesPerHour` switches in the rolling hour `(now - 3600 s, now]`.
 *
 * A switch is a change of running strategy chosen by this comparator. Starting from idle, resuming a
 * pre-empted run and stopping on a breaker are not switches.
 */
export interface SwitchState {
  readonly lastSwitchAt: number | null;
  /** Times of the switches of the last hour, oldest first. */
  readonly recent: readonly number[];
  /** The challenger being debounced and since when it has continuously passed the threshold. */
  readonly challenger: { readonly strategyId: string; readonly since: number } | null;
}

export const INITIAL_SWITCH_STATE: SwitchState = { lastSwitchAt: null, recent: [], challenger: null };
export const HOUR_MS = 3_600_000;

export type SwitchVerdict =
  "allowed" | "noChallenger" | "belowThreshold" | "debouncing" | "coolingDown" | "frequencyCap";

export interface SwitchParams {
  readonly roiThresholdBps: number;
  readonly switchCooldownSeconds: number;
  readonly maxSwitchesPerHour: number;
  readonly debounceSeconds: number;
}

export function passesThreshold(challengerRoi: number, currentRoi: number, roiThresholdBps: number): boolean {
  return challengerRoi > 0 && challengerRoi * BPS >= roiThresholdBps * Math.max(currentRoi, 0);
}

export function switchesInLastHour(state: SwitchState, now: number): number {
  let n = 0;
  for (let i = state.recent.length - 1; i >= 0; i--) {
    if (state.recent[i]! > now - HOUR_MS) n++;
    else break;
  }
  return n;
}

export function cooldownElapsed(state: SwitchState, now: number, cooldownSeconds: number): boolean {
  return state.lastSwitchAt === null || now >= state.lastSwitchAt + cooldownSeconds * 1000;
}

/** Evaluates the gate and updates the debounce tracking (the only state it changes). */
export function evaluateSwitch(
  state: SwitchState,
  challenger: { readonly strategyId: string; readonly roi: number } | null,
  currentRoi: number,
  now: number,
  params: SwitchParams,
): { state: SwitchState; verdict: SwitchVerdict } {
  if (challenger === null || !passesThreshold(challenger.roi, currentRoi, params.roiThresholdBps)) {
    const next = state.challenger === null ? state : { ...state, challenger: null };
    return { state: next, verdict: challenger === null ? "noChallenger" : "belowThreshold" };
  }
  let next = state;
  if (state.challenger === null || state.challenger.strategyId !== challenger.strategyId) {
    next = { ...state, challenger: { strategyId: challenger.strategyId, since: now } };
  }
  if (now < next.challenger!.since + params.debounceSeconds * 1000) return { state: next, verdict: "debouncing" };
  if (!cooldownElapsed(next, now, params.switchCooldownSeconds)) return { state: next, verdict: "coolingDown" };
  if (switchesInLastHour(next, now) >= params.maxSwitchesPerHour) return { state: next, verdict: "frequencyCap" };
  return { state: next, verdict: "allowed" };
}

/** Records a switch at `now`: restarts the cool-down, counts it in the hour, clears the debounce. */
export function recordSwitch(state: SwitchState, now: number): SwitchState {
  const recent = state.recent.filter((t) => t > now - HOUR_MS);
  recent.push(now);
  return { lastSwitchAt: now, recent, challenger: null };
}

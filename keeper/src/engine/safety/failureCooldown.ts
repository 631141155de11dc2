/**
 * Failure cool-down: after a run of a strategy fails, that strategy is not started again until
 * `failureCooldownSeconds` have passed. State = when each strategy last failed; the check uses the current
 * parameter, so a governance change applies at the next tick.
 */
export type FailureCooldownState = ReadonlyMap<string, number>;

export const EMPTY_FAILURE_COOLDOWN: FailureCooldownState = new Map();

export function recordFailure(state: FailureCooldownState, key: string, now: number): FailureCooldownState {
  const next = new Map(state);
  next.set(key, now);
  return next;
}

export function isCoolingDown(state: FailureCooldownState, key: string, now: number, cooldownSeconds: number): boolean {
  const failedAt = state.get(key);
  return failedAt !== undefined && now < failedAt + cooldownSeconds * 1000;
}

/** Drops entries whose cool-down has elapsed (keeps the state small; same answers as before). */
export function pruneFailures(state: FailureCooldownState, now: number, cooldownSeconds: number): FailureCooldownState {
  let next: Map<string, number> | undefined;
  for (const [key, failedAt] of state) {
    if (now >= failedAt + cooldownSeconds * 1000) {
      next ??= new Map(state);
      next.delete(key);
    }
  }
  return next ?? state;
}

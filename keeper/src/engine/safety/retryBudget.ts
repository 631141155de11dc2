/**
 * Retry budget: at most `retriesPerMinutePerPair` run attempts (first tries and retries alike) per trade
 * pair in any sliding 60-second window `(now - 60 s, now]`. State = attempt times per pair, oldest first.
 */
export type RetryBudgetState = ReadonlyMap<string, readonly number[]>;

export const EMPTY_RETRY_BUDGET: RetryBudgetState = new Map();
export const RETRY_WINDOW_MS = 60_000;

export function attemptsInWindow(state: RetryBudgetState, pair: string, now: number): number {
  const times = state.get(pair);
  if (times === undefined) return 0;
  let n = 0;
  for (let i = times.length - 1; i >= 0; i--) {
    if (times[i]! > now - RETRY_WINDOW_MS) n++;
    else break;
  }
  return n;
}

export function canAttempt(state: RetryBudgetState, pair: string, now: number, limit: number): boolean {
  return attemptsInWindow(state, pair, now) < limit;
}

/** Records an attempt at `now` (times must not go backwards) and forgets attempts outside the window. */
export function recordAttempt(state: RetryBudgetState, pair: string, now: number): RetryBudgetState {
  const times = state.get(pair) ?? [];
  const kept = times.filter((t) => t > now - RETRY_WINDOW_MS);
  kept.push(now);
  const next = new Map(state);
  next.set(pair, kept);
  return next;
}

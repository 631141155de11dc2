/**
 * Slippage breaker, per trade pair: a run whose slippage against its quote exceeds `maxSlippageBps`
 * (equal is accepted) trips the breaker of its pair; no run starts on that pair until
 * `breakerCooldownSeconds` have passed (then it resumes by rule) or an operator reset clears it.
 * State = when each pair's breaker tripped.
 */
export type SlippageBreakerState = ReadonlyMap<string, number>;

export const EMPTY_SLIPPAGE_BREAKER: SlippageBreakerState = new Map();

export function observeSlippage(
  state: SlippageBreakerState,
  pair: string,
  slippageBps: number,
  now: number,
  maxSlippageBps: number,
): { state: SlippageBreakerState; tripped: boolean } {
  if (!(slippageBps > maxSlippageBps)) return { state, tripped: false };
  const next = new Map(state);
  next.set(pair, now);
  return { state: next, tripped: true };
}

export function isPairTripped(state: SlippageBreakerState, pair: string): boolean {
  return state.has(pair);
}

/** Releases every pair whose cool-down has elapsed; returns the released pairs in a stable order. */
export function releaseElapsed(
  state: SlippageBreakerState,
  now: number,
  cooldownSeconds: number,
): { state: SlippageBreakerState; released: string[] } {
  const released: string[] = [];
  for (const [pair, trippedAt] of state) if (now >= trippedAt + cooldownSeconds * 1000) released.push(pair);
  if (released.length === 0) return { state, released };
  const next = new Map(state);
  for (const pair of released) next.delete(pair);
  released.sort();
  return { state: next, released };
}

import { BPS } from "../parameters.js";

/**
 * PnL drawdown breaker, keeper-wide, trailing the high-water mark.
 *
 * PnL = realised PnL of finished runs + mark-to-market PnL of the open run (deposit-asset units). The
 * breaker tracks the peak of that PnL curve and measures the drop from the peak against the capital:
 *
 *   drawdownBps = (peakPnl - pnl) * 10_000 / pool          trips when drawdownBps >= pnlDrawdownBps
 *
 * Measuring on PnL (not on pool value) keeps deposits and withdrawals from looking like gains or losses.
 *
 * Pause and resume rule: a trip pauses the keeper (no run starts; the open run is aborted). The pause
 * lasts `breakerCooldownSeconds`; when it has elapsed trading resumes by itself and the peak restarts at
 * the PnL of that moment, so the resumed keeper gets a fresh `pnlDrawdownBps` from where it stands and is
 * paused again if it loses that much more. It does not also wait for PnL to recover: while paused it does
 * not trade, so realised PnL cannot recover and such a rule would stop the keeper for good. An operator
 * reset (`resetBreakers`) resumes at once with the same peak restart.
 */
export interface DrawdownState {
  /** Highest PnL seen since start or since the last resume; null before the first observation. */
  readonly peakPnl: bigint | null;
  /** When the breaker tripped (ms), or null when trading. */
  readonly trippedAt: number | null;
}

export const INITIAL_DRAWDOWN: DrawdownState = { peakPnl: null, trippedAt: null };

export function drawdownBps(peakPnl: bigint, pnl: bigint, pool: bigint): number {
  if (pnl >= peakPnl || pool <= 0n) return 0;
  const dd = ((peakPnl - pnl) * BigInt(BPS)) / pool;
  return dd > BigInt(BPS * 100) ? BPS * 100 : Number(dd);
}

export type DrawdownEvent =
  | { readonly kind: "tripped"; readonly drawdownBps: number; readonly until: number }
  | { readonly kind: "resumed" }
  | null;

/** Feeds the PnL at `now`; returns the new state and whether the breaker tripped or resumed. */
export function updateDrawdown(
  state: DrawdownState,
  pnl: bigint,
  pool: bigint,
  now: number,
  params: { readonly pnlDrawdownBps: number; readonly breakerCooldownSeconds: number },
): { state: DrawdownState; event: DrawdownEvent } {
  if (state.trippedAt !== null) {
    if (now < state.trippedAt + params.breakerCooldownSeconds * 1000) return { state, event: null };
    return { state: { peakPnl: pnl, trippedAt: null }, event: { kind: "resumed" } };
  }
  const peak = state.peakPnl === null || pnl > state.peakPnl ? pnl : state.peakPnl;
  const dd = drawdownBps(peak, pnl, pool);
  if (dd >= params.pnlDrawdownBps) {
    return {
      state: { peakPnl: peak, trippedAt: now },
      event: { kind: "tripped", drawdownBps: dd, until: now + params.breakerCooldownSeconds * 1000 },
    };
  }
  if (peak === state.peakPnl) return { state, event: null };
  return { state: { peakPnl: peak, trippedAt: null }, event: null };
}

/** Operator reset: resume now, peak restarts at the current PnL. */
export function resetDrawdown(pnl: bigint): DrawdownState {
  return { peakPnl: pnl, trippedAt: null };
}

export function isPaused(state: DrawdownState): boolean {
  return state.trippedAt !== null;
}

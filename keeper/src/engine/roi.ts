import type { RoiEstimate } from "./types.js";

/**
 * ROI model.
 *
 *   rawROI      = (expectedProfit - estimatedCost) / capitalLocked
 *   weightedROI = rawROI * wVolatility * wSuccess * wUtilisation      (when rawROI > 0; a loss is not discounted)
 *
 * ROIs are plain ratios per run (0.001 = 10 bps of the locked capital). Amounts stay bigint up to this
 * point and become numbers only for the ratio, so no precision matters for decisions.
 */

/** Outcome history of one strategy, as exponentially decayed counts (recent runs weigh most). */
export interface SuccessStats {
  readonly successes: number;
  readonly attempts: number;
}

/** Each new outcome multiplies the weight of older ones by this (half-weight after ~6.6 runs). */
export const SUCCESS_DECAY = 0.9;

/** Adds one finished run (succeeded or failed; aborted runs are not outcomes and are not recorded). */
export function recordOutcome(stats: SuccessStats | undefined, succeeded: boolean): SuccessStats {
  const s = stats ?? { successes: 0, attempts: 0 };
  return {
    successes: s.successes * SUCCESS_DECAY + (succeeded ? 1 : 0),
    attempts: s.attempts * SUCCESS_DECAY + 1,
  };
}

/**
 * ROI of a run funded with `funded` (<= capitalLocked) instead of its full need: profit scales with the
 * funded share, costs (fees, gas) do not, so a partly funded opportunity is worth less per unit.
 * With `funded = capitalLocked` this is exactly `(expectedProfit - estimatedCost) / capitalLocked`.
 */
export function fundedRoi(est: RoiEstimate, funded: bigint = est.capitalLocked): number {
  const capital = Number(est.capitalLocked);
  const f = Number(funded < est.capitalLocked ? funded : est.capitalLocked);
  if (!(capital > 0) || !(f > 0)) return Number.NEGATIVE_INFINITY;
  if (f === capital) return Number(est.expectedProfit - est.estimatedCost) / capital;
  return ((Number(est.expectedProfit) * f) / capital - Number(est.estimatedCost)) / f;
}

/**
 * Volatility weight: 1 / (1 + volatility / reference). Higher volatility widens the spread of outcomes
 * (adverse selection for market making, leg risk between the two sides of an arbitrage), so the same
 * expected ROI is worth less; at `volatility = reference` the ROI is halved. Unknown volatility counts
 * as the reference (missing data never makes a market look safer).
 */
export function volatilityWeight(volatilityBps: number | undefined, referenceBps: number): number {
  const v = volatilityBps === undefined || !(volatilityBps >= 0) ? referenceBps : volatilityBps;
  return 1 / (1 + v / referenceBps);
}

/**
 * Success weight: (successes + 2) / (attempts + 2), a smoothed success rate. A strategy with no history
 * gets 1 (no penalty before evidence); each failure lowers it, successes bring it back. Expected profit
 * is only earned when the run succeeds, so ROI is scaled by how often this strategy's runs do.
 */
export function successWeight(stats: SuccessStats | undefined): number {
  if (stats === undefined) return 1;
  return (stats.successes + 2) / (stats.attempts + 2);
}

/**
 * Capital utilisation weight: the share of locked capital that actually works (a market maker whose
 * inventory sits idle half the time utilises 0.5). Capital that sits idle could serve another sleeve or
 * withdrawals, so ROI is scaled by it. Clamped to [0, 1]; 1 when the strategy does not say.
 */
export function utilisationWeight(utilisation: number | undefined): number {
  if (utilisation === undefined) return 1;
  if (!(utilisation > 0)) return 0;
  return utilisation > 1 ? 1 : utilisation;
}

/** Product of the three weights (the engine computes it once per candidate per tick). */
export function roiWeight(
  volatilityBps: number | undefined,
  stats: SuccessStats | undefined,
  utilisation: number | undefined,
  volatilityReferenceBps: number,
): number {
  return (
    volatilityWeight(volatilityBps, volatilityReferenceBps) * successWeight(stats) * utilisationWeight(utilisation)
  );
}

/** The engine's ROI for one candidate: raw ROI at the funded capital, times the three weights. */
export function weightedRoi(
  est: RoiEstimate,
  funded: bigint,
  volatilityBps: number | undefined,
  stats: SuccessStats | undefined,
  volatilityReferenceBps: number,
): number {
  const raw = fundedRoi(est, funded);
  if (!(raw > 0)) return raw;
  return raw * roiWeight(volatilityBps, stats, est.utilisation, volatilityReferenceBps);
}

import { BPS, type EngineParameters } from "./parameters.js";
import type { SleeveAmounts, SleeveTargets, StrategyType } from "./types.js";

/**
 * Capital allocator.
 *
 * Slicing: the market-making and arbitrage sleeves get `floor(pool * targetBps / 10_000)` each; that
 * floor is also their cap. The buffer gets the rest, `pool - marketMaking - arbitrage`, so the three
 * always sum to the pool exactly and the rounding remainder (at most 2 units) lands, deterministically, in
 * the idle buffer, never in a risk-taking sleeve.
 *
 * Rebalancer: moves weight between the two trading sleeves toward the one whose market scores better,
 * by at most `rebalanceBoundBps` either way (the governance bound); the buffer's target never moves, so
 * withdrawals stay served. Integer basis points throughout.
 */

export function targetsFromParameters(p: EngineParameters): SleeveTargets {
  return {
    marketMaking: p.sleeveTargetMarketMakingBps,
    arbitrage: p.sleeveTargetArbitrageBps,
    buffer: p.sleeveTargetBufferBps,
  };
}

/**
 * Splits `pool` by `targets` (which must sum to 10_000, as parameters enforce). Trading sleeves are rounded
 * down; the buffer takes the remainder.
 */
export function allocate(pool: bigint, targets: SleeveTargets): SleeveAmounts {
  if (pool <= 0n) return { marketMaking: 0n, arbitrage: 0n, buffer: 0n };
  const marketMaking = (pool * BigInt(targets.marketMaking)) / BigInt(BPS);
  const arbitrage = (pool * BigInt(targets.arbitrage)) / BigInt(BPS);
  return { marketMaking, arbitrage, buffer: pool - marketMaking - arbitrage };
}

/**
 * Market scores of the two trading sleeves (e.g. the best weighted ROI of each type this tick; negative
 * or missing counts as 0). Returns targets tilted toward the better one:
 *
 *   shift = round(bound * (scoreArb - scoreMM) / (scoreArb + scoreMM))      in [-bound, +bound]
 *   marketMaking' = marketMaking - shift,  arbitrage' = arbitrage + shift     (each kept within [0, 10_000])
 *
 * Equal scores (or both zero) leave the governance targets unchanged.
 */
export function rebalanceTargets(
  base: SleeveTargets,
  scores: { readonly marketMaking: number; readonly arbitrage: number },
  boundBps: number,
): SleeveTargets {
  const mm = scores.marketMaking > 0 && Number.isFinite(scores.marketMaking) ? scores.marketMaking : 0;
  const arb = scores.arbitrage > 0 && Number.isFinite(scores.arbitrage) ? scores.arbitrage : 0;
  if (mm + arb === 0 || boundBps <= 0) return base;
  let shift = Math.round((boundBps * (arb - mm)) / (arb + mm));
  // Keep both trading sleeves non-negative: a shift cannot take more than a sleeve holds.
  if (shift > base.marketMaking) shift = base.marketMaking;
  if (-shift > base.arbitrage) shift = -base.arbitrage;
  if (shift === 0) return base;
  return { marketMaking: base.marketMaking - shift, arbitrage: base.arbitrage + shift, buffer: base.buffer };
}

/** The sleeve that funds a strategy type: rebalance runs move idle capital, so the buffer funds them. */
export function sleeveOf(type: StrategyType): keyof SleeveAmounts {
  return type === "rebalance" ? "buffer" : type;
}

/** Capital a run may use: its need, capped by its sleeve. */
export function capToSleeve(need: bigint, type: StrategyType, amounts: SleeveAmounts): bigint {
  const cap = amounts[sleeveOf(type)];
  return need < cap ? need : cap;
}

/**
 * The gas limit of every transaction the app sends: the estimate times a margin, plus a fixed headroom, so it still
 * holds when the state moves between the estimate and inclusion (the first mint or burn of a vote epoch costs about
 * 31,000 gas more than the next). Same rule as the keeper's `keeper/src/chain/gas.ts`.
 */
export const GAS_MARGIN_BPS = 2_000n;
export const GAS_HEADROOM = 60_000n;

export function gasLimitFor(estimate: bigint): bigint {
  return (estimate * (10_000n + GAS_MARGIN_BPS)) / 10_000n + GAS_HEADROOM;
}

/** Seconds in a 365-day year: the base of the annualised figures. */
export const YEAR_SECONDS = 365 * 24 * 3600;

export interface PricePoint {
  timestamp: number;
  price: number;
}

/** Simple returns between consecutive points whose time differs (same-second points are skipped). */
export function returns(points: readonly PricePoint[]): { r: number; dt: number }[] {
  const out: { r: number; dt: number }[] = [];
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    const dt = b.timestamp - a.timestamp;
    if (dt <= 0 || a.price <= 0) continue;
    out.push({ r: b.price / a.price - 1, dt });
  }
  return out;
}

/**
 * Volatility of the share price: the standard deviation of log returns per second of elapsed time,
 * scaled to a year (√(Σ ln(1+r)² / Σ dt) · √year, the usual realised-volatility estimator for uneven
 * sampling). Null with fewer than two returns.
 */
export function annualisedVolatility(points: readonly PricePoint[]): number | null {
  const rs = returns(points);
  if (rs.length < 2) return null;
  let sq = 0;
  let time = 0;
  for (const { r, dt } of rs) {
    sq += Math.log(1 + r) ** 2;
    time += dt;
  }
  return Math.sqrt(sq / time) * Math.sqrt(YEAR_SECONDS);
}

/**
 * Shortest window a realised APY is quoted over: compounding a shorter one to a year turns noise into absurd figures
 * (0.04 % over 158 s would read 1.4e36 %).
 */
export const MIN_APY_WINDOW_SECONDS = 86_400;

/**
 * Realised APY from two share prices `seconds` apart, compounded: (p1/p0)^(year/seconds) − 1.
 * Null when the window is shorter than `MIN_APY_WINDOW_SECONDS` or a price is not positive.
 */
export function realisedApy(p0: number, p1: number, seconds: number): number | null {
  if (seconds < MIN_APY_WINDOW_SECONDS || p0 <= 0 || p1 <= 0) return null;
  return Math.pow(p1 / p0, YEAR_SECONDS / seconds) - 1;
}

/** `count` block numbers evenly spread over [from, to], both ends included, increasing and unique. */
export function sampleBlocks(from: bigint, to: bigint, count: number): bigint[] {
  if (to < from || count < 1) return [];
  const span = to - from;
  if (count === 1 || span === 0n) return [to];
  const n = BigInt(count - 1);
  const out = new Set<bigint>();
  for (let i = 0n; i <= n; i++) out.add(from + (span * i) / n);
  return [...out];
}

/**
 * Live inputs of the ROI weights, measured from what the keeper sees (pure: no I/O, time passed in).
 *
 * Volatility (`VolatilityEstimator`): an exponentially weighted moving average (EWMA, RiskMetrics style)
 * of the variance rate of log returns of the mids, one sample per reading:
 *
 *   r_i      = ln(mid_i / mid_{i-1})                      (log return between two readings)
 *   rate_i   = r_i^2 / (t_i - t_{i-1})                    (variance per millisecond; readings may be uneven)
 *   v_i      = lambda x v_{i-1} + (1 - lambda) x rate_i   (v_1 = rate_1; lambda = 0.94 by default)
 *   sigma_H  = sqrt(v x H) x 10_000                       (bps over the horizon H, default one hour)
 *
 * Units: `volatilityBps(pair)` is the standard deviation of the log price over `horizonMs` (one hour by
 * default), in basis points; the engine's `volatilityReferenceBps` is in the same unit. Scale to another
 * interval T with sigma_T = sigma_H x sqrt(T / H) (the market maker does, for one refresh interval).
 * Until `minSamples` returns were seen, the pair reports its `prior` (if any) or nothing, and the engine
 * then treats the volatility as unknown (weighted as its reference: missing data never looks safer).
 *
 * Utilisation (`UtilisationTracker`): EWMA of samples of capital working / capital drawn, each clamped to
 * [0, 1]; undefined until the first sample (the engine's weight is then 1).
 */

export const HOUR_MS = 3_600_000;

export interface VolatilityEstimatorOptions {
  /** Decay of the EWMA per sample, in (0, 1) (0.94: half-weight after ~11 samples). */
  readonly lambda?: number;
  /** Horizon of the reported volatility, ms (default one hour). */
  readonly horizonMs?: number;
  /** Returns needed before the estimate replaces the prior (default 10). */
  readonly minSamples?: number;
  /** Volatility (bps over the horizon) reported per pair until enough samples were seen. */
  readonly prior?: ReadonlyMap<string, number>;
}

interface PairVol {
  lastMid: number;
  lastAt: number;
  rate: number;
  samples: number;
}

export class VolatilityEstimator {
  private readonly lambda: number;
  private readonly horizonMs: number;
  private readonly minSamples: number;
  private readonly prior: ReadonlyMap<string, number>;
  private readonly pairs = new Map<string, PairVol>();

  constructor(opts: VolatilityEstimatorOptions = {}) {
    this.lambda = opts.lambda ?? 0.94;
    this.horizonMs = opts.horizonMs ?? HOUR_MS;
    this.minSamples = opts.minSamples ?? 10;
    this.prior = opts.prior ?? new Map();
    if (!(this.lambda > 0 && this.lambda < 1)) throw new RangeError(`lambda must be in (0, 1), got ${this.lambda}`);
    if (!(this.horizonMs > 0)) throw new RangeError(`horizonMs must be > 0, got ${this.horizonMs}`);
  }

  /**
   * One reading of `pair`'s mid at time `at` (ms). A reading at the same or an earlier time than the last
   * one, or a non-positive mid, adds no sample (a mid that did not move between two times adds a zero).
   */
  observe(pair: string, mid: number, at: number): void {
    if (!(mid > 0) || !Number.isFinite(mid)) return;
    const p = this.pairs.get(pair);
    if (p === undefined) {
      this.pairs.set(pair, { lastMid: mid, lastAt: at, rate: 0, samples: 0 });
      return;
    }
    const dt = at - p.lastAt;
    if (!(dt > 0)) return;
    const r = Math.log(mid / p.lastMid);
    const rate = (r * r) / dt;
    p.rate = p.samples === 0 ? rate : this.lambda * p.rate + (1 - this.lambda) * rate;
    p.samples++;
    p.lastMid = mid;
    p.lastAt = at;
  }

  /** Volatility of `pair` over the horizon (bps), or the prior / undefined before `minSamples` returns. */
  volatilityBps(pair: string): number | undefined {
    const p = this.pairs.get(pair);
    if (p === undefined || p.samples < this.minSamples) return this.prior.get(pair);
    return Math.sqrt(p.rate * this.horizonMs) * 10_000;
  }

  /** Returns seen for `pair`. */
  samples(pair: string): number {
    return this.pairs.get(pair)?.samples ?? 0;
  }

  /** Every pair's current volatility (pairs without an estimate or prior are left out). */
  snapshot(): ReadonlyMap<string, number> {
    const out = new Map<string, number>();
    for (const pair of new Set([...this.pairs.keys(), ...this.prior.keys()])) {
      const v = this.volatilityBps(pair);
      if (v !== undefined) out.set(pair, v);
    }
    return out;
  }
}

/** Volatility over `intervalMs` from volatility over `horizonMs` (square-root-of-time scaling). */
export function scaleVolatility(bps: number, intervalMs: number, horizonMs: number = HOUR_MS): number {
  return bps * Math.sqrt(intervalMs / horizonMs);
}

/** EWMA of capital working / capital drawn, samples clamped to [0, 1]. */
export class UtilisationTracker {
  private ewma: number | undefined;

  constructor(private readonly lambda = 0.8) {
    if (!(lambda >= 0 && lambda < 1)) throw new RangeError(`lambda must be in [0, 1), got ${lambda}`);
  }

  /** One sample: `working` of `drawn` capital was at work (drawn <= 0 adds nothing). */
  record(working: bigint, drawn: bigint): void {
    if (drawn <= 0n) return;
    const w = working <= 0n ? 0 : working >= drawn ? 1 : Number((working * 1_000_000n) / drawn) / 1_000_000;
    this.ewma = this.ewma === undefined ? w : this.lambda * this.ewma + (1 - this.lambda) * w;
  }

  /** The current estimate, or undefined before the first sample. */
  get value(): number | undefined {
    return this.ewma;
  }
}

/**
 * The reputation score recomputed off-chain, step for step as `ReputationMath` (see
 * docs/SPECIFICATION.md): anyone can rebuild a keeper's score from the `OutcomeRecorded` and
 * `DisputeResolved` events and the block times.
 */
export const WAD = 10n ** 18n;

const FACTORS = [
  707106781186547524n,
  840896415253714543n,
  917004043204671231n,
  957603280698573646n,
  978572062087700134n,
  989228013193975484n,
  994599423483633175n,
  997296056085470126n,
  998647112890970173n,
  999323327502650752n,
  999661606496243683n,
  999830788931929063n,
  999915390886613497n,
  999957694548431132n,
  999978847050491929n,
  999989423469314464n,
];

/** `value * 2^(-elapsed / halfLife)`, quantised as on-chain. */
export function decay(value: bigint, elapsed: bigint, halfLife: bigint): bigint {
  if (value === 0n || elapsed === 0n) return value;
  const halvings = elapsed / halfLife;
  if (halvings > 127n) return 0n;
  let v = value >> halvings;
  const frac = ((elapsed % halfLife) << 16n) / halfLife;
  for (let i = 0; i < 16; i++) {
    if ((frac & (1n << BigInt(15 - i))) !== 0n) v = (v * FACTORS[i]!) / WAD;
  }
  return v;
}

export interface Counters {
  successes: bigint;
  failures: bigint;
  expiries: bigint;
  frauds: bigint;
  delaySum: bigint;
  updatedAt: bigint;
}

export const emptyCounters = (): Counters => ({
  successes: 0n,
  failures: 0n,
  expiries: 0n,
  frauds: 0n,
  delaySum: 0n,
  updatedAt: 0n,
});

/** Counters decayed to `now`. */
export function decayTo(c: Counters, now: bigint, halfLife: bigint): Counters {
  const elapsed = now - c.updatedAt;
  if (c.updatedAt === 0n || elapsed === 0n) return { ...c, updatedAt: now };
  return {
    successes: decay(c.successes, elapsed, halfLife),
    failures: decay(c.failures, elapsed, halfLife),
    expiries: decay(c.expiries, elapsed, halfLife),
    frauds: decay(c.frauds, elapsed, halfLife),
    delaySum: decay(c.delaySum, elapsed, halfLife),
    updatedAt: now,
  };
}

/** Score in bps of decayed counters with reference delay `refDelay` (the claim TTL). */
export function score(c: Counters, refDelay: bigint): bigint {
  const prior = 4n * WAD; // ReputationMath.PRIOR_SUCCESSES
  const rate = ((c.successes + prior) * WAD) / (c.successes + c.failures + c.expiries + prior);
  const avgDelay = c.successes === 0n ? 0n : c.delaySum / c.successes;
  let penalty = (avgDelay * WAD) / (2n * refDelay);
  if (penalty > WAD / 2n) penalty = WAD / 2n;
  const delayFactor = WAD - penalty;
  const fraudFactor = (WAD * WAD) / (WAD + 4n * c.frauds);
  return (((((10_000n * rate) / WAD) * delayFactor) / WAD) * fraudFactor) / WAD;
}

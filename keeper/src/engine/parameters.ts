import { z } from "zod";
import { ConfigError } from "../errors.js";

/** Basis points in a whole (10_000 bps = 100%). */
export const BPS = 10_000;

const int = (min: number, max: number) => z.number().int().min(min).max(max);

/** Upper bound of `failureCooldownSeconds` (the engine keeps failures this long). */
export const MAX_FAILURE_COOLDOWN_SECONDS = 86_400;

/**
 * Every threshold the engine reads, validated. Field names are EXACTLY the on-chain `ParamKeys` names
 * (`contracts/libraries/ParamKeys.sol`), so a `Parameters` contract read maps one-to-one; fields marked
 * "engine-only" have no on-chain key yet and come from the keeper's own configuration.
 *
 * The snapshot can change between two ticks: the engine reads it from each tick's input and keeps no copy.
 * Defaults equal the `Parameters` contract's defaults; bounds contain its bounds, so every value the chain
 * accepts also parses here.
 */
export const EngineParameters = z
  .object({
    /** Challenger ROI must reach this fraction of the current run's ROI to switch (15_000 = 1.5x). */
    roiThresholdBps: int(BPS, 100 * BPS).default(15_000),
    /** Minimum time between two switches. */
    switchCooldownSeconds: int(0, 86_400).default(60),
    /** Most switches in any rolling hour. */
    maxSwitchesPerHour: int(1, 3_600).default(6),
    /** A challenger must stay the best (and past the threshold) this long before a switch. */
    debounceSeconds: int(0, 3_600).default(10),
    /** Largest accepted slippage of a run against its quote; above it the pair's breaker trips. */
    maxSlippageBps: int(1, BPS).default(50),
    /** Run attempts (first tries and retries alike) allowed per trade pair in any rolling minute (0 = none). */
    retriesPerMinutePerPair: int(0, 600).default(3),
    /** Largest drawdown of equity from its high-water mark before the keeper pauses. */
    pnlDrawdownBps: int(1, BPS).default(500),
    /** Pause length after a breaker trips; trading resumes by rule once it has elapsed. */
    breakerCooldownSeconds: int(0, 7 * 86_400).default(300),
    /** Target weight of the market-making sleeve (the three targets sum to 10_000). */
    sleeveTargetMarketMakingBps: int(0, BPS).default(7_000),
    /** Target weight of the arbitrage sleeve. */
    sleeveTargetArbitrageBps: int(0, BPS).default(2_000),
    /** Target weight of the idle buffer (serves withdrawals; also funds rebalance runs). */
    sleeveTargetBufferBps: int(0, BPS).default(1_000),

    /** Engine-only: weighted ROI a candidate must exceed to run at all (0 = any positive ROI). */
    minRoiBps: int(0, BPS).default(0),
    /** Engine-only: a strategy whose run failed is not started again for this long. */
    failureCooldownSeconds: int(0, MAX_FAILURE_COOLDOWN_SECONDS).default(30),
    /** Engine-only: most the rebalancer may move weight between the two trading sleeves. */
    rebalanceBoundBps: int(0, 5_000).default(1_000),
    /** Engine-only: market volatility at which the volatility weight halves an ROI. */
    volatilityReferenceBps: int(1, BPS).default(500),
    /** Engine-only: length of the priority queue of waiting strategies. */
    maxQueueLength: int(1, 1_024).default(16),
  })
  .strict()
  .superRefine((p, ctx) => {
    const sum = p.sleeveTargetMarketMakingBps + p.sleeveTargetArbitrageBps + p.sleeveTargetBufferBps;
    if (sum !== BPS) {
      ctx.addIssue({
        code: "custom",
        path: ["sleeveTargetMarketMakingBps"],
        message: `sleeveTargetMarketMakingBps + sleeveTargetArbitrageBps + sleeveTargetBufferBps must be ${BPS}, got ${sum}`,
      });
    }
  });

export type EngineParameters = Readonly<z.output<typeof EngineParameters>>;
export type EngineParametersInput = z.input<typeof EngineParameters>;

/** Names of the fields that have an on-chain `ParamKeys` key (the rest are engine-only). */
export const ON_CHAIN_PARAMETER_KEYS = [
  "roiThresholdBps",
  "switchCooldownSeconds",
  "maxSwitchesPerHour",
  "debounceSeconds",
  "maxSlippageBps",
  "retriesPerMinutePerPair",
  "pnlDrawdownBps",
  "breakerCooldownSeconds",
  "sleeveTargetMarketMakingBps",
  "sleeveTargetArbitrageBps",
  "sleeveTargetBufferBps",
] as const satisfies readonly (keyof EngineParameters)[];

/**
 * Validates `input` (missing fields take their defaults) and returns frozen parameters. Throws `ConfigError`
 * naming the first bad field, e.g. `invalid engine parameter maxSlippageBps: Too big: expected number to be <=10000`.
 */
export function parseEngineParameters(input: unknown): EngineParameters {
  const parsed = EngineParameters.safeParse(input ?? {});
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const field = first?.path.length ? first.path.join(".") : "(root)";
    throw new ConfigError(`invalid engine parameter ${field}: ${first?.message ?? "invalid"}`, {
      cause: parsed.error,
      details: parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; "),
    });
  }
  return Object.freeze(parsed.data);
}

/**
 * Builds parameters from on-chain values (`Parameters.get(key)` returns uint256, so bigint) merged over
 * `base`. Unknown keys are refused; values too large for a JS number are reported as out of range.
 */
export function engineParametersFromChain(
  values: Readonly<Record<string, bigint>>,
  base: EngineParameters = DEFAULT_ENGINE_PARAMETERS,
): EngineParameters {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(values)) {
    if (!(ON_CHAIN_PARAMETER_KEYS as readonly string[]).includes(key)) {
      throw new ConfigError(`invalid engine parameter ${key}: not an on-chain engine parameter key`);
    }
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < 0n) {
      throw new ConfigError(`invalid engine parameter ${key}: value ${value} out of range`);
    }
    merged[key] = Number(value);
  }
  return parseEngineParameters(merged);
}

/** The default snapshot (the design's values: 1.5x threshold, sleeves 70 / 20 / 10). */
export const DEFAULT_ENGINE_PARAMETERS: EngineParameters = parseEngineParameters({});

/** Where a runner reads its parameters at every tick. */
export interface ParametersSource {
  current(): EngineParameters;
}

/**
 * The engine's parameters as the `Parameters` contract sets them, for a runner to read every tick.
 * `onParameters` takes what the keeper node reads from the chain (its first snapshot and every change,
 * all keys of the contract: keys that are not engine parameters are ignored), merges the engine keys over
 * `base` (the keeper's own engine-only settings) and validates them. A value outside the engine's bounds
 * keeps the last good parameters and is reported to `onError` (thrown when there is no hook).
 *
 * Wiring: `new KeeperNode({ ..., onParameters: chainParams.onParameters })` and
 * `new EngineRunner({ ..., parameters: chainParams })`: the runner's next tick decides with the new values.
 */
export class ChainEngineParameters implements ParametersSource {
  private params: EngineParameters;
  private readonly base: EngineParameters;
  private readonly onError?: (err: ConfigError) => void;

  constructor(opts: { base?: EngineParameters; onError?: (err: ConfigError) => void } = {}) {
    this.base = opts.base ?? DEFAULT_ENGINE_PARAMETERS;
    this.params = this.base;
    this.onError = opts.onError;
  }

  current(): EngineParameters {
    return this.params;
  }

  /** Every parameter the node read from the chain (a snapshot or after a change). */
  readonly onParameters = (values: Readonly<Record<string, bigint>>): void => {
    const engine: Record<string, bigint> = {};
    for (const key of ON_CHAIN_PARAMETER_KEYS) {
      const v = values[key];
      if (v !== undefined) engine[key] = v;
    }
    try {
      this.params = engineParametersFromChain(engine, this.base);
    } catch (err) {
      if (!(err instanceof ConfigError) || this.onError === undefined) throw err;
      this.onError(err);
    }
  };
}

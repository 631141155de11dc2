/**
 * A request budget shared by everything that talks to one exchange (a token bucket), and retries with
 * exponential back-off and jitter on rate limits (429), bans (418) and unavailability (5xx, network).
 * Clock, sleep and randomness are injected, so tests run on a virtual clock.
 */
import { z } from "zod";
import { ConfigError } from "../errors.js";
import { RateLimitedError, VenueBannedError, VenueError } from "./errors.js";

export interface Clock {
  now(): number;
}
export type Sleep = (ms: number) => Promise<void>;

export const systemClock: Clock = { now: () => Date.now() };
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export const RequestBudgetConfig = z.object({
  /** Most requests that may go in one burst. */
  capacity: z.number().positive(),
  /** Sustained requests per second. */
  refillPerSecond: z.number().positive(),
  /** How long everything waits after a ban (418) that came without a Retry-After. */
  banMs: z.number().int().nonnegative().default(60_000),
});
export type RequestBudgetConfig = z.input<typeof RequestBudgetConfig>;

/**
 * Token bucket: `acquire(cost)` waits until `cost` tokens are there. A rate-limit answer empties the
 * bucket (`drain`), a ban blocks every caller until it ends (`blockUntil`), because the exchange counts
 * requests per account or IP, not per caller.
 */
export class RequestBudget {
  readonly capacity: number;
  readonly refillPerSecond: number;
  readonly banMs: number;
  private tokens: number;
  private lastRefill: number;
  private blockedUntil = 0;
  /** Requests let through since creation (for metrics and tests). */
  granted = 0;
  /** Milliseconds callers spent waiting in `acquire`. */
  waitedMs = 0;

  constructor(
    config: RequestBudgetConfig,
    private readonly clock: Clock = systemClock,
    private readonly sleep: Sleep = realSleep,
  ) {
    const parsed = RequestBudgetConfig.safeParse(config);
    if (!parsed.success) throw new ConfigError("invalid request budget", { details: z.prettifyError(parsed.error) });
    this.capacity = parsed.data.capacity;
    this.refillPerSecond = parsed.data.refillPerSecond;
    this.banMs = parsed.data.banMs;
    this.tokens = this.capacity;
    this.lastRefill = clock.now();
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.lastRefill);
    this.tokens = Math.min(this.capacity, this.tokens + (elapsed * this.refillPerSecond) / 1000);
    this.lastRefill = now;
  }

  /** Tokens available now (after refilling). */
  available(): number {
    this.refill();
    return this.tokens;
  }

  /** Millisecond timestamp until which every request waits (0 when not banned). */
  bannedUntil(): number {
    return this.blockedUntil;
  }

  /** Waits for `cost` tokens (and for the end of any ban), then takes them. */
  async acquire(cost = 1): Promise<void> {
    if (cost > this.capacity) throw new ConfigError(`request cost ${cost} exceeds budget capacity ${this.capacity}`);
    for (;;) {
      const now = this.clock.now();
      if (now < this.blockedUntil) {
        await this.pause(this.blockedUntil - now);
        continue;
      }
      this.refill();
      if (this.tokens >= cost) {
        this.tokens -= cost;
        this.granted += 1;
        return;
      }
      await this.pause(Math.ceil(((cost - this.tokens) * 1000) / this.refillPerSecond));
    }
  }

  private async pause(ms: number): Promise<void> {
    this.waitedMs += ms;
    await this.sleep(ms);
  }

  /** The exchange said we are over its limit: nothing is left until the bucket refills. */
  drain(): void {
    this.refill();
    this.tokens = 0;
  }

  /** Blocks every caller until `timestamp` (a ban). */
  blockUntil(timestamp: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, timestamp);
    this.tokens = 0;
    this.lastRefill = Math.max(this.lastRefill, timestamp);
  }
}

/** One budget per exchange (or per API key): every venue and loop that talks to it gets the same one. */
export class RequestBudgets {
  private readonly byKey = new Map<string, RequestBudget>();

  constructor(
    private readonly defaults: RequestBudgetConfig,
    private readonly clock: Clock = systemClock,
    private readonly sleep: Sleep = realSleep,
  ) {}

  for(key: string, config: RequestBudgetConfig = this.defaults): RequestBudget {
    let budget = this.byKey.get(key);
    if (!budget) {
      budget = new RequestBudget(config, this.clock, this.sleep);
      this.byKey.set(key, budget);
    }
    return budget;
  }
}

export const BackoffPolicy = z.object({
  /** First back-off in milliseconds; attempt n waits about base * 2^n. */
  baseMs: z.number().int().positive().default(250),
  maxMs: z.number().int().positive().default(30_000),
  /** Retries after the first attempt. */
  maxRetries: z.number().int().nonnegative().default(5),
});
export type BackoffPolicy = z.output<typeof BackoffPolicy>;

/**
 * Exponential back-off with "equal jitter": half the capped exponential delay, plus a random part of
 * the other half, so concurrent clients spread out but the wait still grows with each attempt.
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const capped = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
  return Math.round(capped / 2 + random() * (capped / 2));
}

export interface RetryOptions {
  budget: RequestBudget;
  policy: BackoffPolicy;
  clock?: Clock;
  sleep?: Sleep;
  random?: () => number;
  /** Whether to try again after `err` (default: the error's `retryable` flag, only for VenueErrors). */
  shouldRetry?: (err: unknown) => boolean;
  /** Called before each back-off sleep (for logs and metrics). */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  /** Clock ms: no retry whose back-off (or ban) ends at or after it; the last error is rethrown (a caller's deadline). */
  notAfter?: number;
}

/**
 * Runs `fn(attempt)` under the budget; on a retryable venue error, feeds the error back into the budget
 * (429 drains it, 418 blocks it) and tries again after a back-off, at most `policy.maxRetries` times and never
 * past `notAfter`.
 * The last error is rethrown unchanged.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const clock = opts.clock ?? systemClock;
  const sleep = opts.sleep ?? realSleep;
  const shouldRetry = opts.shouldRetry ?? ((err: unknown) => err instanceof VenueError && err.retryable);
  for (let attempt = 0; ; attempt++) {
    await opts.budget.acquire();
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= opts.policy.maxRetries || !shouldRetry(err)) throw err;
      let delay = backoffDelayMs(attempt, opts.policy, opts.random);
      let resumeAt = clock.now() + delay;
      if (err instanceof VenueBannedError) {
        const wait = err.retryAfterMs ?? opts.budget.banMs;
        opts.budget.blockUntil(clock.now() + wait);
        delay = 0; // acquire() waits out the ban
        resumeAt = clock.now() + wait;
      } else if (err instanceof RateLimitedError) {
        opts.budget.drain();
        if (err.retryAfterMs !== undefined) delay = Math.max(delay, err.retryAfterMs);
        resumeAt = clock.now() + delay;
      }
      if (opts.notAfter !== undefined && resumeAt >= opts.notAfter) throw err;
      opts.onRetry?.(err, attempt, delay);
      if (delay > 0) await sleep(delay);
    }
  }
}

/**
 * Fault injection and rate limiting for one simulated venue. Decisions are drawn from the venue's own
 * seeded stream, so the same request sequence meets the same faults. Rules can be replaced at run time
 * (tests switch faults on for one call and off again).
 */
import { Prng } from "./prng.js";
import { faultsSchema, type Endpoint, type FaultRule, type FaultsConfig } from "./scenario.js";

/** What the server does with one request, decided before it is handled. */
export type FaultDecision =
  | { kind: "none" }
  | { kind: "http5xx"; status: number }
  | { kind: "rateLimit"; retryAfterSeconds: number }
  | { kind: "timeout"; mode: "beforeExecute" | "afterExecute"; hangMs: number }
  | { kind: "reject" }
  | { kind: "partialFill"; fillRatio: number };

export interface FaultStats {
  requests: number;
  injected: Record<FaultRule["kind"], number>;
}

export class FaultInjector {
  private config: FaultsConfig;
  private readonly rng: Prng;
  private fired: number[] = [];
  readonly stats: FaultStats = {
    requests: 0,
    injected: { http5xx: 0, rateLimit: 0, timeout: 0, reject: 0, partialFill: 0 },
  };

  constructor(seed: number, venue: string, config: FaultsConfig) {
    this.rng = new Prng(seed, `faults:${venue}`);
    this.config = config;
    this.fired = config.rules.map(() => 0);
  }

  /** Replaces the fault configuration (validated); counters of `maxTimes` restart. */
  configure(input: unknown): void {
    this.config = faultsSchema.parse(input);
    this.fired = this.config.rules.map(() => 0);
  }

  get rateLimit(): FaultsConfig["rateLimit"] {
    return this.config.rateLimit;
  }

  /** Added latency for the next request (ms). */
  latencyMs(): number {
    const { min, max } = this.config.latencyMs;
    return max === 0 ? 0 : this.rng.uniform(min, max);
  }

  /** The first rule that matches `endpoint` and fires decides the request's fate. */
  decide(endpoint: Endpoint): FaultDecision {
    this.stats.requests++;
    for (let i = 0; i < this.config.rules.length; i++) {
      const r = this.config.rules[i]!;
      if (r.endpoints !== undefined && !r.endpoints.includes(endpoint)) continue;
      if (r.kind === "reject" || r.kind === "partialFill") if (endpoint !== "createOrder") continue;
      if (r.maxTimes !== undefined && this.fired[i]! >= r.maxTimes) continue;
      if (!this.rng.chance(r.probability)) continue;
      this.fired[i]!++;
      this.stats.injected[r.kind]++;
      switch (r.kind) {
        case "http5xx":
          return { kind: "http5xx", status: r.status };
        case "rateLimit":
          return { kind: "rateLimit", retryAfterSeconds: r.retryAfterSeconds };
        case "timeout":
          return { kind: "timeout", mode: r.mode, hangMs: r.hangMs };
        case "reject":
          return { kind: "reject" };
        case "partialFill":
          return { kind: "partialFill", fillRatio: r.fillRatio };
      }
    }
    return { kind: "none" };
  }
}

export type RateDecision =
  { kind: "ok" } | { kind: "limited"; retryAfterMs: number } | { kind: "banned"; untilMs: number };

/**
 * Token bucket per client key (API key, or IP for public calls), with Binance's escalation: a client
 * that keeps calling through its 429s is banned for a while (HTTP 418 on Binance).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number; violations: number; bannedUntil: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  check(key: string, cfg: FaultsConfig["rateLimit"], weight = 1): RateDecision {
    if (!cfg) return { kind: "ok" };
    const now = this.now();
    let b = this.buckets.get(key);
    if (!b) this.buckets.set(key, (b = { tokens: cfg.capacity, at: now, violations: 0, bannedUntil: 0 }));
    if (b.bannedUntil > now) return { kind: "banned", untilMs: b.bannedUntil };
    b.tokens = Math.min(cfg.capacity, b.tokens + ((now - b.at) / 1000) * cfg.refillPerSecond);
    b.at = now;
    if (b.tokens >= weight) {
      b.tokens -= weight;
      if (b.tokens >= cfg.capacity / 2) b.violations = 0;
      return { kind: "ok" };
    }
    b.violations++;
    if (b.violations >= cfg.banAfterViolations) {
      b.bannedUntil = now + cfg.banMs;
      b.violations = 0;
      return { kind: "banned", untilMs: b.bannedUntil };
    }
    return { kind: "limited", retryAfterMs: Math.ceil(((weight - b.tokens) / cfg.refillPerSecond) * 1000) };
  }
}

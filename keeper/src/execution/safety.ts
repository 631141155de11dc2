/**
 * Safety rules checked on every order before it is sent (an `OrderGuard` for the executor and the
 * market maker), and the circuit breaker:
 * - cool-down: after a failed execution on a pair, no new taking order on that pair for `cooldownMs` (a market
 *   maker's resting quotes are not held back by it: `guardFor({ cooldown: false })`);
 * - rate: at most `maxOrdersPerMinute` orders per venue and pair in any sliding 60 s window;
 * - slippage: an order's limit may not be further than `maxSlippageBps` from the reference price;
 * - breaker: trips on a realised loss beyond `maxLoss` (quote units, cumulative since the last reset),
 *   on a fill whose price strayed beyond `maxSlippageBps` from the reference, or on an exposed
 *   execution; while tripped only hedge and unwind orders pass (they close risk, never open it),
 *   and `onTrip` listeners run (e.g. the market maker cancels all its quotes).
 * The cool-down and the per-minute order count are the engine's own units (`engine/safety/`), keyed
 * here by pair and by venue|pair; the engine's rules themselves join through `engineGuard.ts`
 * (`composeGuards`).
 */
import { z } from "zod";
import { EMPTY_FAILURE_COOLDOWN, isCoolingDown, recordFailure } from "../engine/safety/failureCooldown.js";
import { EMPTY_RETRY_BUDGET, attemptsInWindow, canAttempt, recordAttempt } from "../engine/safety/retryBudget.js";
import { ConfigError } from "../errors.js";
import { type Clock, systemClock } from "./budget.js";
import { ExecutionError } from "./errors.js";
import { BPS } from "./fixed.js";
import type { ExecutionReport, LegPurpose, OrderGuard } from "./executor.js";
import type { Order, OrderRequest } from "./venue.js";

export class SafetyRefusedError extends ExecutionError {
  override name = "SafetyRefusedError";
}

export const SafetyConfig = z.object({
  cooldownMs: z.number().int().nonnegative(),
  maxOrdersPerMinute: z.number().int().positive(),
  maxSlippageBps: z.bigint().positive(),
  maxLoss: z.bigint().nonnegative(),
});
export type SafetyConfig = z.infer<typeof SafetyConfig>;

/** Runs guards in order; the first refusal wins. */
export function composeGuards(...guards: OrderGuard[]): OrderGuard {
  return async (order) => {
    for (const guard of guards) await guard(order);
  };
}

/** What `openingRefusal` checks besides the breaker. */
export interface OpeningCheck {
  /** The pair's cool-down after a failed execution (default true; false for a market maker's quotes). */
  cooldown?: boolean;
  /** Venues the run will send orders to: each venue|pair must be under `maxOrdersPerMinute`. */
  venues?: readonly string[];
}

export class SafetyRules {
  readonly config: SafetyConfig;
  private readonly clock: Clock;
  private failures = EMPTY_FAILURE_COOLDOWN;
  private sent = EMPTY_RETRY_BUDGET;
  private readonly listeners: ((reason: string) => void | Promise<void>)[] = [];
  realisedPnl = 0n;
  tripped?: { reason: string; at: number };

  constructor(
    config: SafetyConfig,
    /** Reference (mid) price of a pair on a venue, or undefined when unknown. */
    private readonly referencePrice: (venueId: string, pair: string) => bigint | undefined,
    clock: Clock = systemClock,
  ) {
    const parsed = SafetyConfig.safeParse(config);
    if (!parsed.success) throw new ConfigError("invalid safety rules", { details: z.prettifyError(parsed.error) });
    this.config = parsed.data;
    this.clock = clock;
  }

  onTrip(listener: (reason: string) => void | Promise<void>): void {
    this.listeners.push(listener);
  }

  async trip(reason: string): Promise<void> {
    if (this.tripped) return;
    this.tripped = { reason, at: this.clock.now() };
    for (const listener of this.listeners) await listener(reason);
  }

  /** Governance/guardian action: clears the breaker and the loss counter. */
  reset(): void {
    this.tripped = undefined;
    this.realisedPnl = 0n;
  }

  /**
   * Why an opening order on `pair` would be refused now whatever its price and size (breaker tripped, the pair
   * cooling down after a failed execution, a venue of the run over its order rate), or undefined. The live keeper's
   * campaign gate asks this before a run publishes its campaign: a campaign claimed and then refused by the guard is
   * released, which the chain records as a failure.
   */
  openingRefusal(pair: string, opts: OpeningCheck = {}): string | undefined {
    if (this.tripped) return `circuit breaker tripped: ${this.tripped.reason}`;
    const now = this.clock.now();
    if ((opts.cooldown ?? true) && isCoolingDown(this.failures, pair, now, this.config.cooldownMs / 1000)) {
      const until = (this.failures.get(pair) ?? now) + this.config.cooldownMs;
      return `${pair} cooling down for ${until - now} ms after a failure`;
    }
    for (const venueId of opts.venues ?? []) {
      const key = `${venueId}|${pair}`;
      if (!canAttempt(this.sent, key, now, this.config.maxOrdersPerMinute)) {
        return `${attemptsInWindow(this.sent, key, now)} orders on ${key} in the last minute (max ${this.config.maxOrdersPerMinute})`;
      }
    }
    return undefined;
  }

  /** The guard of taking strategies (arbitrage, rebalance): every rule. */
  readonly guard: OrderGuard = this.guardFor({ cooldown: true });

  /**
   * A guard: throws SafetyRefusedError when an order breaks a rule; records it otherwise. `cooldown: false` (a market
   * maker's quotes) leaves out the pair's cool-down after a failed execution; the breaker, the rate and the slippage
   * bound still apply.
   */
  guardFor(opts: { cooldown: boolean }): OrderGuard {
    return (order) => this.check(order, opts.cooldown);
  }

  private check(order: OrderRequest & { venueId: string; purpose: LegPurpose }, cooldown: boolean): void {
    const closing = order.purpose === "hedge" || order.purpose === "unwind";
    const key = `${order.venueId}|${order.pair}`;
    const now = this.clock.now();
    if (this.tripped && !closing) throw new SafetyRefusedError(`circuit breaker tripped: ${this.tripped.reason}`);
    if (!closing && order.purpose !== "bridge") {
      const refusal = this.openingRefusal(order.pair, { cooldown });
      if (refusal) throw new SafetyRefusedError(refusal);
      const ref = this.referencePrice(order.venueId, order.pair);
      if (ref !== undefined && ref > 0n) {
        const diff = order.limitPrice > ref ? order.limitPrice - ref : ref - order.limitPrice;
        if ((diff * BPS) / ref > this.config.maxSlippageBps) {
          throw new SafetyRefusedError(
            `limit ${order.limitPrice} is more than ${this.config.maxSlippageBps} bps from ${ref}`,
          );
        }
      }
    }
    if (!closing && !canAttempt(this.sent, key, now, this.config.maxOrdersPerMinute)) {
      throw new SafetyRefusedError(
        `${attemptsInWindow(this.sent, key, now)} orders on ${key} in the last minute (max ${this.config.maxOrdersPerMinute})`,
      );
    }
    this.sent = recordAttempt(this.sent, key, now);
  }

  /** Feeds a fill back: a price beyond the slippage bound from the reference trips the breaker. */
  async recordFill(order: Order): Promise<void> {
    const ref = this.referencePrice(order.venueId, order.pair);
    if (order.filled === 0n || ref === undefined || ref === 0n) return;
    const diff = order.average > ref ? order.average - ref : ref - order.average;
    if ((diff * BPS) / ref > this.config.maxSlippageBps) {
      await this.trip(
        `fill at ${order.average} on ${order.venueId} ${order.pair} slipped beyond ${this.config.maxSlippageBps} bps`,
      );
    }
  }

  /** Feeds an execution back: failures start the pair's cool-down; losses and exposure may trip the breaker. */
  async recordExecution(pair: string, report: ExecutionReport): Promise<void> {
    this.realisedPnl += report.pnl;
    const failed = report.status !== "completed";
    if (failed) this.failures = recordFailure(this.failures, pair, this.clock.now());
    for (const order of report.orders) if (order.purpose !== "bridge") await this.recordFill(order);
    if (report.status === "exposed") await this.trip(`execution ${report.campaignId} left ${report.residual} exposed`);
    if (-this.realisedPnl > this.config.maxLoss)
      await this.trip(`realised loss ${-this.realisedPnl} beyond ${this.config.maxLoss}`);
  }
}

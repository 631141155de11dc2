import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { initialEngineState, type EngineState } from "../engine/engine.js";
import { DEFAULT_ENGINE_PARAMETERS, parseEngineParameters, type EngineParameters } from "../engine/parameters.js";
import { updateDrawdown } from "../engine/safety/drawdownBreaker.js";
import { recordFailure } from "../engine/safety/failureCooldown.js";
import { recordAttempt } from "../engine/safety/retryBudget.js";
import { observeSlippage } from "../engine/safety/slippageBreaker.js";
import { engineGuard, guardForRun } from "./engineGuard.js";
import type { LegPurpose } from "./executor.js";
import { toWad } from "./fixed.js";
import { SafetyRefusedError, SafetyRules } from "./safety.js";
import { virtualTime } from "./testing/virtualTime.js";

const PAIR = "BTC/USDT";
const order = (purpose: LegPurpose = "open", limit = "30000") => ({
  venueId: "binance",
  pair: PAIR,
  side: "buy" as const,
  amount: toWad("0.1"),
  limitPrice: toWad(limit),
  timeInForce: "IOC" as const,
  clientOrderId: "k1",
  purpose,
});

function setup(
  mutate: (s: EngineState, now: number) => EngineState,
  params: EngineParameters = DEFAULT_ENGINE_PARAMETERS,
) {
  const t = virtualTime();
  const state = mutate(initialEngineState(), t.clock.now());
  const guard = engineGuard({ state: () => state, params: () => params }, { strategyId: "arb-1", clock: t.clock });
  return { guard, t };
}

async function refused(p: unknown, pattern: RegExp): Promise<void> {
  await assert.rejects(
    async () => p,
    (err: unknown) => err instanceof SafetyRefusedError && pattern.test(err.message),
  );
}

describe("engineGuard", () => {
  it("guard_quietEngine_passes", async () => {
    const { guard } = setup((s) => s);
    await guard(order());
  });

  it("guard_drawdownBreakerTripped_refusesOpeningButPassesHedge", async () => {
    const { guard } = setup((s, now) => {
      const p = { pnlDrawdownBps: 500, breakerCooldownSeconds: 300 };
      const peak = updateDrawdown(s.drawdown, 1_000n, 10_000n, now, p).state;
      return { ...s, drawdown: updateDrawdown(peak, 0n, 10_000n, now, p).state };
    });
    await refused(guard(order()), /drawdown/);
    await guard(order("hedge"));
    await guard(order("unwind"));
  });

  it("guard_slippageBreakerOfPair_refusesUntilCooldownElapsed", async () => {
    const { guard, t } = setup((s, now) => ({
      ...s,
      slippage: observeSlippage(s.slippage, PAIR, 80, now, 50).state,
    }));
    await refused(guard(order()), /slippage breaker of BTC\/USDT/);
    await guard({ ...order(), pair: "ETH/USDT" });
    t.advance(DEFAULT_ENGINE_PARAMETERS.breakerCooldownSeconds * 1000);
    await guard(order());
  });

  it("guard_strategyInFailureCooldown_refuses", async () => {
    const { guard, t } = setup((s, now) => ({ ...s, failures: recordFailure(s.failures, "arb-1", now) }));
    await refused(guard(order()), /failure cool-down/);
    t.advance(DEFAULT_ENGINE_PARAMETERS.failureCooldownSeconds * 1000);
    await guard(order());
  });

  it("guard_retryBudgetOverspent_refuses", async () => {
    const params = parseEngineParameters({ retriesPerMinutePerPair: 2 });
    const two = setup(
      (s, now) => ({ ...s, retries: recordAttempt(recordAttempt(s.retries, PAIR, now - 1), PAIR, now) }),
      params,
    );
    await two.guard(order()); // the run's own attempt is inside the budget
    const three = setup(
      (s, now) => ({
        ...s,
        retries: recordAttempt(recordAttempt(recordAttempt(s.retries, PAIR, now - 2), PAIR, now - 1), PAIR, now),
      }),
      params,
    );
    await refused(three.guard(order()), /3 run attempts on BTC\/USDT/);
  });

  it("guardForRun_composesWithSafetyRules_engineFirstThenPriceBand", async () => {
    const t = virtualTime();
    const rules = new SafetyRules(
      { cooldownMs: 1_000, maxOrdersPerMinute: 2, maxSlippageBps: 50n, maxLoss: toWad("100") },
      () => toWad("30000"),
      t.clock,
    );
    let state = initialEngineState();
    const guard = guardForRun({ state: () => state, params: () => DEFAULT_ENGINE_PARAMETERS }, rules, {
      strategyId: "arb-1",
      clock: t.clock,
    });
    await refused(guard(order("open", "30300")), /bps from/); // execution rule: price band
    await guard(order());
    await guard(order());
    await refused(guard(order()), /orders on binance\|BTC\/USDT/); // execution rule: orders per minute
    state = { ...state, failures: recordFailure(state.failures, "arb-1", t.clock.now()) };
    await refused(guard(order()), /failure cool-down/); // engine rule checked first
  });
});

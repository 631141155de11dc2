import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "../errors.js";
import { EngineError } from "./errors.js";
import { ChainEngineParameters, parseEngineParameters } from "./parameters.js";
import { EngineRunner, type Clock } from "./runner.js";
import type { ExecutionContext, MarketView, RunView, Strategy } from "./strategy.js";
import type { ExecutionResult, RoiEstimate, StrategyType } from "./types.js";

class ManualClock implements Clock {
  constructor(public t = 0) {}
  now(): number {
    return this.t;
  }
}

interface Market extends MarketView {
  readonly arbEdgeBps: number;
}

const market = (arbEdgeBps: number): Market => ({
  volatilityBps: new Map([
    ["ETH/USDC", 0],
    ["BTC/USDC", 0],
  ]),
  arbEdgeBps,
});

/** A market maker that quotes until aborted, then hands back how many quotes it has placed so far. */
class QuotingMarketMaker implements Strategy<Market> {
  readonly type: StrategyType = "marketMaking";
  readonly pair = "ETH/USDC";
  readonly contexts: ExecutionContext[] = [];
  constructor(readonly id: string) {}
  estimatedROI(): RoiEstimate {
    return { expectedProfit: 100n, estimatedCost: 0n, capitalLocked: 10_000n };
  }
  canInterruptCurrent(): boolean {
    return false;
  }
  exec(ctx: ExecutionContext): Promise<ExecutionResult> {
    this.contexts.push(ctx);
    const previous = (ctx.resumeState as { quotes: number } | undefined)?.quotes ?? 0;
    return new Promise((resolve) => {
      ctx.signal.addEventListener("abort", () =>
        resolve({ status: "aborted", pnl: 3n, slippageBps: 0, resumeState: { quotes: previous + 5 } }),
      );
    });
  }
}

/** An arbitrage whose opportunity follows the market and whose run completes when the test says so. */
class ControlledArbitrage implements Strategy<Market> {
  readonly type: StrategyType = "arbitrage";
  readonly pair = "BTC/USDC";
  readonly interrupted: RunView[] = [];
  private finish?: (r: ExecutionResult) => void;
  constructor(
    readonly id: string,
    private readonly mode: "resolve" | "throw" = "resolve",
  ) {}
  estimatedROI(m: Market): RoiEstimate | null {
    if (m.arbEdgeBps <= 0) return null;
    return { expectedProfit: BigInt(m.arbEdgeBps), estimatedCost: 0n, capitalLocked: 10_000n };
  }
  canInterruptCurrent(current: RunView): boolean {
    this.interrupted.push(current);
    return current.type === "marketMaking";
  }
  exec(): Promise<ExecutionResult> {
    if (this.mode === "throw") return Promise.reject(new TypeError("venue unreachable"));
    return new Promise((resolve) => (this.finish = resolve));
  }
  complete(pnl: bigint): void {
    assert.ok(this.finish, "not running");
    this.finish({ status: "succeeded", pnl, slippageBps: 2 });
    this.finish = undefined;
  }
}

const params = parseEngineParameters({ debounceSeconds: 0, switchCooldownSeconds: 0 });

describe("EngineRunner", () => {
  it("abortAndResume_preemptsMarketMakingThroughAbortSignal_resumesWithState", async () => {
    const clock = new ManualClock(1_000);
    const mm = new QuotingMarketMaker("mm-1");
    const arb = new ControlledArbitrage("arb-1");
    const finished: [number, string, string][] = [];
    const runner = new EngineRunner<Market>({
      strategies: [mm, arb],
      clock,
      params,
      onRunFinished: (runId, id, r) => finished.push([runId, id, r.status]),
    });

    let actions = runner.tick({ market: market(0), pool: 1_000_000n });
    assert.deepEqual(
      actions.filter((a) => a.kind === "start").map((a) => a.kind === "start" && a.strategyId),
      ["mm-1"],
    );
    assert.equal(runner.engineState.mode, "marketMaking");

    // An arbitrage worth 3x appears: it pre-empts the market maker through its AbortSignal.
    clock.t = 2_000;
    actions = runner.tick({ market: market(300), pool: 1_000_000n });
    assert.deepEqual(
      actions.filter((a) => a.kind !== "allocation").map((a) => a.kind),
      ["switch", "abort"],
    );
    assert.equal(mm.contexts[0]!.signal.aborted, true);
    assert.equal(arb.interrupted[0]?.strategyId, "mm-1");
    await runner.nextFinish();
    assert.deepEqual(finished, [[1, "mm-1", "aborted"]]);

    clock.t = 2_100;
    actions = runner.tick({ market: market(300), pool: 1_000_000n });
    assert.equal(
      actions.find((a) => a.kind === "start")?.kind === "start" && actions.find((a) => a.kind === "start")!.strategyId,
      "arb-1",
    );
    assert.equal(runner.engineState.mode, "arbitrage");
    assert.equal(runner.engineState.suspended?.strategyId, "mm-1");

    // The arbitrage completes; the market maker resumes where it stopped.
    arb.complete(40n);
    await runner.nextFinish();
    clock.t = 2_200;
    actions = runner.tick({ market: market(0), pool: 1_000_000n });
    const resumed = actions.find((a) => a.kind === "start");
    assert.ok(resumed?.kind === "start");
    assert.equal(resumed.strategyId, "mm-1");
    assert.equal(resumed.resumedFrom, 1);
    assert.deepEqual(mm.contexts[1]!.resumeState, { quotes: 5 });
    assert.equal(mm.contexts[1]!.startedAt, 2_200, "time comes from the injected clock");
    assert.equal(runner.engineState.realisedPnl, 43n);

    await runner.stop();
    assert.equal(runner.runningCount, 0);
  });

  it("execThrows_recordedAsFailedWithCause_strategyCoolsDown", async () => {
    const clock = new ManualClock(0);
    const bad = new ControlledArbitrage("arb-bad", "throw");
    const results: ExecutionResult[] = [];
    const runner = new EngineRunner<Market>({
      strategies: [bad],
      clock,
      params,
      onRunFinished: (_id, _s, r) => results.push(r),
    });
    runner.tick({ market: market(100), pool: 1_000_000n });
    await runner.settle();
    assert.equal(results[0]?.status, "failed");
    assert.ok(results[0]?.error instanceof EngineError);
    assert.ok(results[0]?.error?.walk((e) => e instanceof TypeError));
    clock.t = 1_000;
    const actions = runner.tick({ market: market(100), pool: 1_000_000n });
    assert.equal(actions.filter((a) => a.kind === "start").length, 0, "failure cool-down");
    assert.equal(runner.engineState.stats.get("arb-bad")?.attempts, 1);
  });

  it("setParameters_appliesFromNextTick", async () => {
    const clock = new ManualClock(0);
    const mm = new QuotingMarketMaker("mm-1");
    const arb = new ControlledArbitrage("arb-1");
    const runner = new EngineRunner<Market>({ strategies: [mm, arb], clock, params });
    runner.tick({ market: market(0), pool: 1_000_000n });
    runner.setParameters(parseEngineParameters({ ...params, roiThresholdBps: 40_000 }));
    clock.t = 1;
    runner.tick({ market: market(300), pool: 1_000_000n });
    assert.equal(runner.engineState.lastVerdict, "belowThreshold", "3x is below the new 4x threshold");
    await runner.stop();
  });

  it("estimateThrows_withHook_strategySitsOut_othersRun", async () => {
    const broken: Strategy<Market> = {
      id: "broken",
      type: "arbitrage",
      pair: "BTC/USDC",
      estimatedROI: () => {
        throw new RangeError("bad book");
      },
      canInterruptCurrent: () => false,
      exec: () => Promise.reject(new Error("never called")),
    };
    const errors: [string, EngineError][] = [];
    const mm = new QuotingMarketMaker("mm-1");
    const runner = new EngineRunner<Market>({
      strategies: [broken, mm],
      clock: new ManualClock(0),
      params,
      onStrategyError: (id, e) => errors.push([id, e]),
    });
    const actions = runner.tick({ market: market(0), pool: 1_000_000n });
    assert.equal(actions.find((a) => a.kind === "start")?.kind === "start", true);
    assert.equal(errors[0]?.[0], "broken");
    assert.ok(errors[0]?.[1].walk((e) => e instanceof RangeError));
    await runner.stop();
  });

  it("estimateThrows_withoutHook_tickThrows_resultsKept", async () => {
    let fail = false;
    const flaky: Strategy<Market> = {
      id: "flaky",
      type: "arbitrage",
      pair: "BTC/USDC",
      estimatedROI: () => {
        if (fail) throw new RangeError("bad book");
        return { expectedProfit: 100n, estimatedCost: 0n, capitalLocked: 10_000n };
      },
      canInterruptCurrent: () => false,
      exec: async () => ({ status: "succeeded", pnl: 7n, slippageBps: 0 }),
    };
    const clock = new ManualClock(0);
    const runner = new EngineRunner<Market>({ strategies: [flaky], clock, params });
    runner.tick({ market: market(0), pool: 1_000_000n });
    await runner.settle();
    fail = true;
    clock.t = 1;
    assert.throws(() => runner.tick({ market: market(0), pool: 1_000_000n }), EngineError);
    fail = false;
    clock.t = 2;
    runner.tick({ market: market(0), pool: 1_000_000n });
    assert.equal(runner.engineState.realisedPnl, 7n, "the run's result survived the failed tick");
    await runner.stop();
  });

  it("execInvalidResult_recordedAsFailed", async () => {
    const sloppy: Strategy<Market> = {
      id: "sloppy",
      type: "arbitrage",
      pair: "BTC/USDC",
      estimatedROI: () => ({ expectedProfit: 100n, estimatedCost: 0n, capitalLocked: 10_000n }),
      canInterruptCurrent: () => false,
      exec: async () => ({ status: "succeeded", pnl: 5 as unknown as bigint, slippageBps: 0 }),
    };
    const results: ExecutionResult[] = [];
    const clock = new ManualClock(0);
    const runner = new EngineRunner<Market>({
      strategies: [sloppy],
      clock,
      params,
      onRunFinished: (_r, _s, r) => results.push(r),
    });
    runner.tick({ market: market(0), pool: 1_000_000n });
    await runner.settle();
    assert.equal(results[0]?.status, "failed");
    assert.match(results[0]?.error?.details ?? "", /pnl must be a bigint/);
    clock.t = 1;
    runner.tick({ market: market(0), pool: 1_000_000n });
    assert.equal(runner.engineState.realisedPnl, 0n);
  });

  it("onRunFinishedThrows_reportedAtNextTick", async () => {
    const clock = new ManualClock(0);
    const arb = new ControlledArbitrage("arb-1");
    const runner = new EngineRunner<Market>({
      strategies: [arb],
      clock,
      params,
      onRunFinished: () => {
        throw new RangeError("log sink down");
      },
    });
    runner.tick({ market: market(100), pool: 1_000_000n });
    arb.complete(1n);
    await runner.settle();
    clock.t = 1;
    assert.throws(
      () => runner.tick({ market: market(100), pool: 1_000_000n }),
      (e: unknown) => e instanceof EngineError && e.walk((x) => x instanceof RangeError) !== undefined,
    );
    runner.tick({ market: market(0), pool: 1_000_000n });
    assert.equal(runner.engineState.realisedPnl, 1n, "the result itself was kept");
  });

  it("constructor_duplicateIds_throwsConfigError", () => {
    assert.throws(
      () =>
        new EngineRunner({
          strategies: [new QuotingMarketMaker("x"), new QuotingMarketMaker("x")],
          clock: new ManualClock(),
        }),
      ConfigError,
    );
  });

  it("tick_clockBackwards_throwsEngineError", () => {
    const clock = new ManualClock(10);
    const runner = new EngineRunner<Market>({ strategies: [], clock });
    runner.tick({ market: market(0), pool: 0n });
    clock.t = 9;
    assert.throws(() => runner.tick({ market: market(0), pool: 0n }), EngineError);
  });

  it("parametersSource_governanceRaisesThenLowersRoiThreshold_nextSwitchDecisionUsesIt", async () => {
    // The market maker's ROI is 100 / 10_000; an arbitrage at 180 is 1.8x: below a 2x threshold, above 1.5x.
    const chain = new ChainEngineParameters({ base: params });
    chain.onParameters({ roiThresholdBps: 20_000n, heartbeatMaxAgeSeconds: 300n });
    const clock = new ManualClock(1_000);
    const mm = new QuotingMarketMaker("mm-1");
    const arb = new ControlledArbitrage("arb-1");
    const runner = new EngineRunner<Market>({ strategies: [mm, arb], clock, parameters: chain });
    runner.tick({ market: market(0), pool: 1_000_000n });
    assert.equal(runner.engineState.mode, "marketMaking");
    clock.t = 2_000;
    let actions = runner.tick({ market: market(180), pool: 1_000_000n });
    assert.equal(runner.parameters.roiThresholdBps, 20_000);
    assert.equal(
      actions.some((a) => a.kind === "switch"),
      false,
    );
    assert.equal(runner.engineState.lastVerdict, "belowThreshold");
    // Governance lowers it to 1.5x: the node hands the change over, the next tick switches.
    chain.onParameters({ roiThresholdBps: 15_000n, heartbeatMaxAgeSeconds: 300n });
    clock.t = 3_000;
    actions = runner.tick({ market: market(180), pool: 1_000_000n });
    const sw = actions.find((a) => a.kind === "switch");
    assert.ok(sw && sw.kind === "switch" && sw.toRoi >= 1.5 * sw.fromRoi && sw.toRoi < 2 * sw.fromRoi);
    await runner.stop();
  });

  it("chainEngineParameters_valueOutOfBounds_keepsLastGoodAndReports", () => {
    const errors: string[] = [];
    const chain = new ChainEngineParameters({ onError: (e) => errors.push(e.message) });
    chain.onParameters({ roiThresholdBps: 12_000n });
    chain.onParameters({ roiThresholdBps: 5_000n }); // below 1x: the engine refuses it
    assert.equal(chain.current().roiThresholdBps, 12_000);
    assert.match(errors[0] ?? "", /roiThresholdBps/);
    assert.throws(() => new ChainEngineParameters().onParameters({ maxSlippageBps: 0n }), ConfigError);
  });

  it("outcomesFromSettlements_successWeightCountsSettledCampaignsNotRunStatus", async () => {
    const clock = new ManualClock(1_000);
    const arb = new ControlledArbitrage("arb-1");
    const runner = new EngineRunner<Market>({ strategies: [arb], clock, params, outcomes: "settlements" });
    runner.tick({ market: market(100), pool: 1_000_000n });
    arb.complete(5n);
    await runner.settle();
    clock.t = 2_000;
    runner.tick({ market: market(0), pool: 1_000_000n });
    assert.equal(runner.engineState.stats.get("arb-1"), undefined, "a finished run is not yet an outcome");
    runner.recordSettlement("arb-1", false);
    clock.t = 3_000;
    runner.tick({ market: market(0), pool: 1_000_000n });
    assert.deepEqual(runner.engineState.stats.get("arb-1"), { successes: 0, attempts: 1 });
    await runner.stop();
  });
});

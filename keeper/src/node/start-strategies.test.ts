/**
 * `npm start`'s market maker (scripts/lib/keepers.ts) stays a candidate of the engine once the keeper measures the
 * market's volatility (issue 14): its estimate charges one refresh interval's sigma as adverse selection on both
 * fills, so its half-spread must widen by that sigma, or the measured volatility eats its edge, its ROI drops to 0 or
 * below and the engine stops it as unprofitable and never starts (or resumes) it again, not even between gaps.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { keeperStrategies } from "../../../scripts/lib/keepers.js";
import { decide, initialEngineState } from "../engine/engine.js";
import { DEFAULT_ENGINE_PARAMETERS } from "../engine/parameters.js";
import type { VenueSnapshot } from "../execution/arbitrage.js";
import { toWad } from "../execution/fixed.js";
import { snapshotKey, type ExecutionMarket } from "../execution/strategies/market.js";
import { STRATEGY_PLUGINS } from "../execution/strategies/plugin.js";
import type { Venue } from "../execution/venue.js";

const PAIR = "ETH/USDT";

function binance(mid: string): VenueSnapshot {
  const m = toWad(mid);
  return {
    venueId: "binance",
    kind: "cex",
    market: PAIR,
    pair: PAIR,
    liquidity: {
      kind: "book",
      bids: [{ price: m - toWad("0.5"), amount: toWad("10") }],
      asks: [{ price: m + toWad("0.5"), amount: toWad("10") }],
      takerFeeBps: 10n,
    },
    gasCostPerOrder: 0n,
    lot: toWad("0.0001"),
    baseAvailable: toWad("50"),
    quoteAvailable: toWad("150000"),
  };
}

// Hourly volatility as the keeper measured it in `npm start`: quiet (~40 bps), just after an OKX gap (~500 bps).
for (const hourlyBps of [40, 120, 500]) {
  test(`npmStartMarketMaker_measuredVolatility${hourlyBps}Bps_roiPositiveAndEngineStartsIt`, () => {
    const entry = keeperStrategies().find((e) => e.plugin === "marketMaking")!;
    const mm = STRATEGY_PLUGINS.get("marketMaking")!.create({
      venues: { binance: { id: "binance" } as Venue },
      config: entry.config,
    });
    const snap = binance("3000");
    const vol = new Map([
      [snapshotKey("binance", PAIR), hourlyBps],
      [PAIR, hourlyBps],
    ]);
    const market: ExecutionMarket = {
      now: 1_000_000,
      volatilityBps: vol,
      snapshots: new Map([[snapshotKey("binance", PAIR), snap]]),
    };
    const est = mm.estimatedROI(market);
    assert.ok(est !== null, "an estimate");
    assert.ok(
      est.expectedProfit > est.estimatedCost,
      `profit ${est.expectedProfit} > cost ${est.estimatedCost} at ${hourlyBps} bps/h`,
    );
    // The engine, idle (e.g. after the pre-empting arbitrage run finished), starts market making again.
    const { actions } = decide(initialEngineState(), {
      now: 1_000_000,
      params: DEFAULT_ENGINE_PARAMETERS,
      pool: toWad("150000"),
      candidates: [{ ...est, strategyId: mm.id, type: mm.type, pair: mm.pair }],
      volatilityBps: vol,
    });
    assert.ok(
      actions.some((a) => a.kind === "start" && a.strategyId === mm.id),
      `engine starts ${mm.id}: ${JSON.stringify(actions.map((a) => a.kind))}`,
    );
  });
}

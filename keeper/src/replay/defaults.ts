/** The replay's defaults: the strategies it runs when none are given, the scenario file reader. */
import { readFileSync } from "node:fs";
import type { AccountConfig, Scenario } from "../sim/scenario.js";
import { KeeperError } from "../errors.js";

export class ReplayError extends KeeperError {
  override name = "ReplayError";
}

export interface StrategySpec {
  /** Plugin id: `arbitrage`, `marketMaking` or `rebalance`. */
  plugin: string;
  config: unknown;
}

export const quoteOf = (s: Scenario): string => {
  const quotes = new Set(s.markets.map((m) => m.quote));
  if (quotes.size !== 1)
    throw new ReplayError("replay needs every market to share one quote asset", { details: [...quotes].join(", ") });
  return [...quotes][0]!;
};

/** Default strategies: per market, arbitrage across every venue and market making on the first venue. */
export function defaultStrategies(s: Scenario, account: AccountConfig): StrategySpec[] {
  const out: StrategySpec[] = [];
  for (const m of s.markets) {
    const pair = `${m.base}/${m.quote}`;
    const held = Number(account.balances[m.base] ?? "0");
    if (s.venues.length >= 2)
      out.push({
        plugin: "arbitrage",
        config: {
          id: `arb-${m.base.toLowerCase()}`,
          pair,
          // Each venue's base stays within half its starting holding of it: one gap cannot drain a venue.
          legs: s.venues.map((v) => ({
            venueId: v.name,
            pair,
            takerFeeBps: v.takerFeeBps,
            inventory: { min: decimal(held / 2, m.stepSize), max: decimal((held * 3) / 2, m.stepSize) },
          })),
          retryBudget: 2,
        },
      });
    const v = s.venues[0]!;
    const liq = v.liquidity[pair];
    const size = liq ? Number(liq.qtyPerLevel) / 4 : Math.max(held / 20, Number(m.stepSize));
    const halfSpread = Math.max(1, Math.floor((liq?.halfSpreadBps ?? 10) - 1));
    out.push({
      plugin: "marketMaking",
      config: {
        id: `mm-${m.base.toLowerCase()}-${v.name}`,
        pair,
        venueId: v.name,
        // Just inside the background maker's spread (so the taker flow meets the keeper's quotes first),
        // unless the maker fee, the adverse-selection buffer and one step's volatility need more.
        minHalfSpreadBps: halfSpread,
        // At the edge of the inventory band the quotes lean by one half-spread toward flat.
        skewBps: halfSpread,
        adverseSelectionBps: 1,
        volSpreadFactorBps: 10_000,
        priceToleranceBps: 1,
        refreshMs: s.stepMs,
        orderSize: decimal(size, m.stepSize),
        targetInventory: decimal(held, m.stepSize),
        maxInventory: decimal(Math.max(held / 2, size * 4), m.stepSize),
        tick: m.tickSize,
        lot: m.stepSize,
        makerFeeBps: Math.ceil(v.makerFeeBps),
        expectedRoundTrips: 1,
      },
    });
  }
  return out;
}

export function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ReplayError(`cannot read scenario file ${path}`, { cause: err });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ReplayError(`scenario file ${path} is not JSON`, { cause: err, details: String(err) });
  }
}

/** A non-negative number as a decimal string on the grid of `step` (rounded down). */
function decimal(n: number, step: string): string {
  const d = step.includes(".") ? step.split(".")[1]!.length : 0;
  const f = 10 ** d;
  return (Math.floor(n * f) / f).toFixed(d);
}

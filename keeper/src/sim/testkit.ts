/**
 * Helpers shared by the simulator's integration tests (and usable by other modules' tests): a small
 * deterministic scenario with a Binance-dialect and an OKX-dialect venue (ccxt clients: testclient.ts).
 */
import { parseScenario, type AccountConfig, type ScenarioInput } from "./scenario.js";
import { startSimulation, type RunningSimulation } from "./venues.js";

export const ALICE: AccountConfig = {
  name: "alice",
  apiKey: "test-alice-key",
  secret: "test-alice-secret",
  passphrase: "alice-pass",
  balances: { BTC: "2", USDT: "100000" },
};
export const BOB: AccountConfig = {
  name: "bob",
  apiKey: "test-bob-key",
  secret: "test-bob-secret",
  passphrase: "bob-pass",
  balances: { BTC: "2", USDT: "100000" },
};

export type Dialect = "binance" | "okx";
export const DIALECTS: Dialect[] = ["binance", "okx"];

/**
 * BTC/USDT at a flat 30 000 (no volatility); each venue's background maker quotes 5 levels of 0.5 BTC,
 * 10 bps apart from 10 bps off the mid: asks 30030, 30060, ... and bids 29970, 29940, ...
 * Fees: maker 10 bps, taker 20 bps on both venues. Venue names equal their dialect.
 */
export function testScenarioInput(
  venueOverrides: Partial<Record<Dialect, Record<string, unknown>>> = {},
): ScenarioInput {
  const liquidity = { "BTC/USDT": { levels: 5, halfSpreadBps: 10, spacingBps: 10, qtyPerLevel: "0.5", growth: 0 } };
  return {
    name: "test",
    seed: 7,
    assets: [
      { code: "BTC", decimals: 8 },
      { code: "USDT", decimals: 8 },
    ],
    markets: [
      {
        base: "BTC",
        quote: "USDT",
        tickSize: "0.01",
        stepSize: "0.00001",
        minNotional: "5",
        initialPrice: 30_000,
        volatility: 0,
      },
    ],
    venues: DIALECTS.map((d) => ({
      name: d,
      dialect: d,
      makerFeeBps: 10,
      takerFeeBps: 20,
      liquidity,
      ...venueOverrides[d],
    })),
    accounts: [ALICE, BOB],
  };
}

export async function startTestSimulation(
  venueOverrides: Partial<Record<Dialect, Record<string, unknown>>> = {},
): Promise<RunningSimulation> {
  return startSimulation(parseScenario(testScenarioInput(venueOverrides)));
}

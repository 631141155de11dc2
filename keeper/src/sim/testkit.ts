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

/**
 * The venue-wide consistency rules after any sequence of requests and faults: for every asset,
 * deposits equal all free + locked balances (fees included), and every account's locked balance
 * equals the holds of its open orders.
 */
export function consistencyProblems(run: RunningSimulation): string[] {
  const problems: string[] = [];
  for (const [name, v] of run.sim.venues) {
    const ex = v.exchange;
    for (const a of ex.assetList()) {
      const s = ex.supply(a.code);
      if (s.held !== s.deposited) problems.push(`${name} ${a.code}: held ${s.held} != deposited ${s.deposited}`);
    }
    for (const account of ex.accounts()) {
      const holds = new Map<string, bigint>();
      for (const o of ex.openOrders(account)) {
        const m = ex.market(o.symbol);
        const asset = o.side === "BUY" ? m.quote.code : m.base.code;
        holds.set(asset, (holds.get(asset) ?? 0n) + o.hold);
      }
      for (const b of ex.balances(account)) {
        if (b.locked !== (holds.get(b.asset) ?? 0n)) problems.push(`${name} ${account} ${b.asset}: locked != holds`);
        if (b.free < 0n || b.locked < 0n) problems.push(`${name} ${account} ${b.asset}: negative balance`);
      }
    }
  }
  return problems;
}

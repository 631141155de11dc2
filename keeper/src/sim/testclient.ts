/** Real, unmodified ccxt clients for the test scenario of testkit.ts. */
import ccxt, { type Exchange as CcxtExchange } from "ccxt";
import { ccxtSimConfig } from "./client.js";
import type { AccountConfig } from "./scenario.js";
import { ALICE, type Dialect } from "./testkit.js";
import type { RunningSimulation } from "./venues.js";

/** A real, unmodified ccxt client for `dialect` pointed at the running simulation. */
export function client(
  run: RunningSimulation,
  dialect: Dialect,
  account: Pick<AccountConfig, "apiKey" | "secret" | "passphrase"> = ALICE,
  extra: Record<string, unknown> = {},
): CcxtExchange {
  const cfg = {
    ...ccxtSimConfig(dialect, run.urls.get(dialect)!, account),
    enableRateLimit: false,
    timeout: 3_000,
    ...extra,
  };
  return dialect === "binance" ? new ccxt.binance(cfg) : new ccxt.okx(cfg);
}

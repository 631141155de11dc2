/**
 * `CcxtVenue`s over real, unmodified `ccxt.binance` / `ccxt.okx` clients pointed at a running exchange
 * simulator (`../sim`). Used by `keeper replay`, the benchmark and the integration tests.
 */
import ccxt, { type Exchange as CcxtExchange } from "ccxt";
import { ccxtSimConfig } from "../sim/client.js";
import type { AccountConfig } from "../sim/scenario.js";
import type { RunningSimulation } from "../sim/venues.js";
import type { BackoffPolicy, Clock, RequestBudget, Sleep } from "./budget.js";
import { CcxtVenue } from "./ccxtVenue.js";

export type SimDialect = "binance" | "okx";

export interface SimVenueOptions {
  /** Simulator venue name (its URL is looked up in `run.urls`). */
  venue: string;
  dialect: SimDialect;
  account: Pick<AccountConfig, "apiKey" | "secret" | "passphrase">;
  budget: RequestBudget;
  /** Venue id for the keeper (default: the simulator venue name). */
  id?: string;
  clock?: Clock;
  sleep?: Sleep;
  policy?: Partial<BackoffPolicy>;
  /** ccxt's own request timeout in ms (default 3 000). */
  timeoutMs?: number;
  /** The simulator's taker fee; ccxt's market data carries ccxt's defaults, not the venue's rate. */
  takerFeeBps?: number;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

/** A real ccxt client for one simulated venue. */
export function simCcxtClient(
  run: RunningSimulation,
  venue: string,
  dialect: SimDialect,
  account: SimVenueOptions["account"],
  timeoutMs = 3_000,
): CcxtExchange {
  const url = run.urls.get(venue);
  if (!url) throw new RangeError(`simulation has no venue ${venue}`);
  const base = ccxtSimConfig(dialect, url, account);
  // Binance's widest receive window: on a busy machine a signed request may wait long before the venue reads it.
  const options = dialect === "binance" ? { ...base.options, recvWindow: 60_000 } : base.options;
  const cfg = { ...base, options, enableRateLimit: false, timeout: timeoutMs };
  return dialect === "binance" ? new ccxt.binance(cfg) : new ccxt.okx(cfg);
}

/** A `CcxtVenue` on a simulated venue (markets loaded). */
export async function simVenue(run: RunningSimulation, o: SimVenueOptions): Promise<CcxtVenue> {
  const client = simCcxtClient(run, o.venue, o.dialect, o.account, o.timeoutMs);
  // ccxt signs with the wall clock, as against a real venue; the simulator checks signatures against its wall
  // clock (`StartOptions.wallNow`), whatever the test's virtual clock (`o.clock`) says.
  const v = new CcxtVenue(client, {
    id: o.id ?? o.venue,
    budget: o.budget,
    clock: o.clock,
    sleep: o.sleep,
    policy: o.policy,
    takerFeeBps: o.takerFeeBps,
    onRetry: o.onRetry,
    random: () => 0.5,
  });
  await v.init();
  return v;
}

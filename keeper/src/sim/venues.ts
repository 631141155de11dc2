/**
 * Assembles a running simulation: the scenario's market model plus one HTTP server per venue, each
 * speaking its venue's dialect over the shared matching engine.
 */
import { FaultInjector } from "./faults.js";
import { BinanceAdapter } from "./http/binance.js";
import { OkxAdapter } from "./http/okx.js";
import { VenueServer, type AdapterContext, type DialectAdapter, type SimControl } from "./http/server.js";
import { Simulation } from "./market.js";
import type { Scenario } from "./scenario.js";

export interface RunningSimulation {
  sim: Simulation;
  servers: Map<string, VenueServer>;
  /** Base URL per venue name. */
  urls: Map<string, string>;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Port per venue name; missing venues listen on an ephemeral port. */
  ports?: Record<string, number>;
  host?: string;
  /** The simulation's clock (default `Date.now`); a test may run it virtually. */
  now?: () => number;
  /**
   * The venues' wall clock (default `Date.now`): `/time` and the freshness check of signed requests. It stays the
   * process's clock when `now` is virtual, since ccxt signs with the wall clock, as it does against a real venue.
   */
  wallNow?: () => number;
}

export function createAdapter(dialect: "binance" | "okx", ctx: AdapterContext): DialectAdapter {
  return dialect === "binance" ? new BinanceAdapter(ctx) : new OkxAdapter(ctx);
}

/** Builds the simulation and starts every venue's server on loopback. */
export async function startSimulation(scenario: Scenario, opts: StartOptions = {}): Promise<RunningSimulation> {
  const now = opts.now ?? Date.now;
  const wallNow = opts.wallNow ?? Date.now;
  const sim = new Simulation(scenario, { now });
  const servers = new Map<string, VenueServer>();
  const urls = new Map<string, string>();
  const symbols = scenario.markets.map((m) => `${m.base}/${m.quote}`);
  const control = (venue: string): SimControl => ({
    health: () => ({ venue, step: sim.step }),
    state: () => ({
      step: sim.step,
      fair: Object.fromEntries(symbols.map((s) => [s, sim.fairPrice(s)])),
      mids: Object.fromEntries(
        [...sim.venues.keys()].map((v) => [v, Object.fromEntries(symbols.map((s) => [s, sim.venueMid(v, s)]))]),
      ),
    }),
    advance: (steps) => sim.advance(steps),
  });
  try {
    for (const [name, venue] of sim.venues) {
      const adapter = createAdapter(venue.config.dialect, {
        exchange: venue.exchange,
        accounts: scenario.accounts,
        now,
        wallNow,
      });
      const server = new VenueServer({
        adapter,
        faults: new FaultInjector(scenario.seed, name, venue.config.faults),
        control: control(name),
        now,
      });
      servers.set(name, server);
      urls.set(name, await server.listen(opts.ports?.[name] ?? 0, opts.host ?? "127.0.0.1"));
    }
  } catch (err) {
    // Close what already listens, then report the original failure (a close failure would only hide it).
    await Promise.allSettled([...servers.values()].map((s) => s.close()));
    throw err;
  }
  return {
    sim,
    servers,
    urls,
    close: async () => {
      await Promise.all([...servers.values()].map((s) => s.close()));
    },
  };
}

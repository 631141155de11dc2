import { createServer, type Server } from "node:http";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { HealthStatus } from "./health.js";
import type { ExposureView } from "./risk.js";

/** The keeper's Prometheus metrics; one registry per keeper process (or per test). */
export function createMetrics(labels: { keeper: string }) {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  collectDefaultMetrics({ register: registry });
  /** The keeper's health probe (`KeeperHealth.status`), read by `/health` and the health gauges; unset: healthy. */
  let health: (() => HealthStatus) | undefined;
  /** The open exposures (`RiskControls`, from the journal), read by `keeper_exposure_age_seconds` at each scrape. */
  let exposures: (() => ExposureView[]) | undefined;
  const m = {
    registry,
    get health() {
      return health;
    },
    set health(probe: (() => HealthStatus) | undefined) {
      health = probe;
    },
    get exposures() {
      return exposures;
    },
    set exposures(probe: (() => ExposureView[]) | undefined) {
      exposures = probe;
    },
    healthy: new Gauge({
      name: "keeper_healthy",
      help: "1 while every venue answers, 0 while one is down (the keeper claims no new campaign)",
      registers: [registry],
      collect() {
        this.set(health === undefined || health().healthy ? 1 : 0);
      },
    }),
    venueUp: new Gauge({
      name: "keeper_venue_up",
      help: "1 while the venue answers, 0 after `failuresToDown` calls in a row failed after their retries",
      labelNames: ["venue"] as const,
      registers: [registry],
      collect() {
        for (const [venue, v] of Object.entries(health?.().venues ?? {})) this.set({ venue }, v.up ? 1 : 0);
      },
    }),
    ticks: new Counter({ name: "keeper_ticks_total", help: "Engine ticks run", registers: [registry] }),
    decisions: new Counter({
      name: "keeper_decisions_total",
      help: "Engine decisions by kind (switch, run, abort, queue, hold)",
      labelNames: ["kind", "strategy"] as const,
      registers: [registry],
    }),
    orders: new Counter({
      name: "keeper_orders_total",
      help: "Orders sent, by venue, side and outcome",
      labelNames: ["venue", "side", "outcome"] as const,
      registers: [registry],
    }),
    fills: new Counter({
      name: "keeper_fills_total",
      help: "Orders that filled (in part or whole), by venue",
      labelNames: ["venue"] as const,
      registers: [registry],
    }),
    filledBase: new Counter({
      name: "keeper_filled_base_total",
      help: "Base asset filled, by venue and side (the venue's own figures)",
      labelNames: ["venue", "side"] as const,
      registers: [registry],
    }),
    filledQuote: new Counter({
      name: "keeper_filled_quote_total",
      help: "Quote notional filled before fees, by venue and side",
      labelNames: ["venue", "side"] as const,
      registers: [registry],
    }),
    pnl: new Gauge({
      name: "keeper_pnl",
      help: "Quote value of the keeper's fills: sell notionals - buy notionals - fees (realised PnL once flat)",
      registers: [registry],
    }),
    receipts: new Counter({
      name: "keeper_receipts_total",
      help: "Receipts by state (signed: sealed and journalled; posted: on chain)",
      labelNames: ["state"] as const,
      registers: [registry],
    }),
    errors: new Counter({
      name: "keeper_errors_total",
      help: "Errors caught by the keeper loop, by error name",
      labelNames: ["name"] as const,
      registers: [registry],
    }),
    capitalDrawn: new Counter({
      name: "keeper_capital_drawn_total",
      help: "Vault capital drawn, in deposit-asset units (6 decimals applied)",
      labelNames: ["sleeve"] as const,
      registers: [registry],
    }),
    capitalRepaid: new Counter({
      name: "keeper_capital_repaid_total",
      help: "Vault capital repaid (principal), in deposit-asset units",
      labelNames: ["sleeve"] as const,
      registers: [registry],
    }),
    capitalReturned: new Counter({
      name: "keeper_capital_returned_total",
      help: "Assets returned to the vault (principal + PnL), in deposit-asset units",
      labelNames: ["sleeve"] as const,
      registers: [registry],
    }),
    capitalOutstanding: new Gauge({
      name: "keeper_capital_outstanding",
      help: "Vault capital drawn and not yet repaid (journal), in deposit-asset units",
      labelNames: ["sleeve"] as const,
      registers: [registry],
    }),
    mode: new Gauge({
      name: "keeper_mode",
      help: "1 for the strategy type the engine runs now, 0 for the others",
      labelNames: ["type"] as const,
      registers: [registry],
    }),
    switches: new Counter({
      name: "keeper_switches_total",
      help: "Engine switches, by mode (replace, preempt) and the strategy type switched to",
      labelNames: ["mode", "to"] as const,
      registers: [registry],
    }),
    runs: new Counter({
      name: "keeper_runs_total",
      help: "Engine runs finished, by strategy type and status",
      labelNames: ["type", "status"] as const,
      registers: [registry],
    }),
    campaigns: new Counter({
      name: "keeper_campaigns_total",
      help: "Campaigns of engine runs, by strategy type and dispatch outcome",
      labelNames: ["type", "outcome"] as const,
      registers: [registry],
    }),
    strategyPnl: new Gauge({
      name: "keeper_strategy_pnl",
      help: "Realised PnL of finished runs per strategy type (quote asset; may go down)",
      labelNames: ["type"] as const,
      registers: [registry],
    }),
    strategyPnlMarked: new Gauge({
      name: "keeper_strategy_last_run_pnl",
      help: "Marked PnL of the last finished run per strategy type (quote asset)",
      labelNames: ["type"] as const,
      registers: [registry],
    }),
    strategyVolume: new Counter({
      name: "keeper_strategy_volume_total",
      help: "Filled notional per strategy type (quote asset)",
      labelNames: ["type"] as const,
      registers: [registry],
    }),
    heartbeats: new Counter({ name: "keeper_heartbeats_total", help: "Heartbeats sent", registers: [registry] }),
    attestations: new Counter({
      name: "keeper_attestations_renewed_total",
      help: "Attestations renewed by the running keeper before they expired",
      registers: [registry],
    }),
    tickLatency: new Histogram({
      name: "keeper_tick_duration_seconds",
      help: "Engine tick latency",
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05],
      registers: [registry],
    }),
    orderLatency: new Histogram({
      name: "keeper_order_latency_seconds",
      help: "Opportunity to order acknowledgement",
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    // Risk controls (docs/SPECIFICATION.md "Keeper node / Risk controls").
    exposedPositions: new Gauge({
      name: "keeper_exposed_positions",
      help: "Positions an execution left open (exposed), by market and venue; campaigns on the market are blocked until flat",
      labelNames: ["market", "venue"] as const,
      registers: [registry],
    }),
    exposureAge: new Gauge({
      name: "keeper_exposure_age_seconds",
      help: "Seconds each open exposure has been waiting to be flattened, by market, venue and pair; /health fails past risk.maxExposureWaitSeconds",
      labelNames: ["market", "venue", "pair"] as const,
      registers: [registry],
      collect() {
        this.reset();
        // Two exposures of one market, venue and pair: the oldest is what an operator must act on.
        const oldest = new Map<string, ExposureView>();
        for (const e of exposures?.() ?? []) {
          const key = `${e.market}|${e.venue}|${e.pair}`;
          if ((oldest.get(key)?.ageSeconds ?? -1) < e.ageSeconds) oldest.set(key, e);
        }
        for (const e of oldest.values()) this.set({ market: e.market, venue: e.venue, pair: e.pair }, e.ageSeconds);
      },
    }),
    riskRefusals: new Counter({
      name: "keeper_risk_refusals_total",
      help: "Campaigns and orders refused by a risk control, by control (limit name, pause, chainStop, exposure)",
      labelNames: ["control"] as const,
      registers: [registry],
    }),
    tradingStopped: new Gauge({
      name: "keeper_trading_stopped",
      help: "1 while new campaigns and opening orders are stopped (keeper pause or a chain stop signal)",
      registers: [registry],
    }),
    // Read by the risk dashboard (app/src/server/keeperMetrics.ts): who this endpoint is, what is open, why stopped.
    info: new Gauge({
      name: "keeper_info",
      help: "1, labelled with the keeper's chain account (the address the dashboard knows it by)",
      labelNames: ["account"] as const,
      registers: [registry],
    }),
    exposedBase: new Gauge({
      name: "keeper_exposed_base",
      help: "Base asset an execution left open, by market, venue, asset and position (long: to sell, short: to buy)",
      labelNames: ["market", "venue", "asset", "position"] as const,
      registers: [registry],
    }),
    stopReason: new Gauge({
      name: "keeper_trading_stop_reason",
      help: "1 for why new orders are stopped now, by control (pause, chainStop) and reason; no sample when trading",
      labelNames: ["control", "reason"] as const,
      registers: [registry],
    }),
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * Serves `GET /metrics` (Prometheus text format) and `GET /health` (JSON; 200 when healthy, 503 when a venue is down)
 * on loopback; resolves once listening.
 */
export async function serveMetrics(metrics: Metrics, port: number, host = "127.0.0.1"): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method === "GET" && req.url === "/health") {
      const status = metrics.health?.() ?? { healthy: true, venues: {} };
      res.writeHead(status.healthy ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify(status));
      return;
    }
    if (req.method !== "GET" || req.url !== "/metrics") {
      res.writeHead(404).end("not found\n");
      return;
    }
    metrics.registry.metrics().then(
      (body) => res.writeHead(200, { "content-type": metrics.registry.contentType }).end(body),
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

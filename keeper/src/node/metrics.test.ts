import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { createMetrics, serveMetrics } from "./metrics.js";

describe("metrics", () => {
  it("serveMetrics_exposesKeeperCountersInPrometheusFormat", async () => {
    const metrics = createMetrics({ keeper: "k1" });
    metrics.ticks.inc(3);
    metrics.orders.inc({ venue: "binance", side: "buy", outcome: "filled" });
    metrics.tickLatency.observe(0.0004);
    const server = await serveMetrics(metrics, 0);
    try {
      const { port } = server.address() as AddressInfo;
      const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      assert.match(body, /keeper_ticks_total\{keeper="k1"\} 3/);
      assert.match(body, /keeper_orders_total\{venue="binance",side="buy",outcome="filled",keeper="k1"\} 1/);
      assert.match(body, /keeper_tick_duration_seconds_bucket\{le="0.0005",keeper="k1"\} 1/);
      assert.equal((await fetch(`http://127.0.0.1:${port}/other`)).status, 404);
    } finally {
      server.close();
    }
  });
});

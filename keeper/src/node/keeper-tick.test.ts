/**
 * The node's tick around its source: work `detect` started in the foreground (a live keeper's arbitrage runs inside
 * their standing windows) has the event loop to itself until it is done; the rest of the tick (offers, dispatch,
 * repayments, leaf reveals, flattening) waits for it instead of interleaving journal reads and chain calls with it.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import pino from "pino";
import { LocalChain } from "../chain/local.js";
import { Journal } from "./journal.js";
import { KeeperNode } from "./keeper.js";
import { createMetrics } from "./metrics.js";

describe("KeeperNode tick", () => {
  it("tick_foregroundWorkInFlight_restOfTheTickWaitsForIt", async () => {
    const journal = new Journal(":memory:");
    let release!: () => void;
    const foreground = new Promise<void>((r) => (release = r));
    const steps: string[] = [];
    const node = new KeeperNode({
      chain: new LocalChain(),
      journal,
      log: pino({ level: "silent" }),
      metrics: createMetrics({ keeper: "tick-test" }),
      source: {
        detect: async () => {
          steps.push("detect");
          return [];
        },
        foreground: async () => {
          await foreground;
          steps.push("foreground done");
        },
      },
      execution: {
        execute: () => Promise.reject(new Error("no campaign in this test")),
      },
      venues: {},
      tickMs: 60_000,
      heartbeatSeconds: 60,
      availability: { tick: async () => steps.push("availability") },
      manualTicks: true,
    });
    try {
      await node.start();
      const tick = node.tick();
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(steps, ["detect"], "nothing after detect while its foreground work runs");
      release();
      await tick;
      assert.deepEqual(steps, ["detect", "foreground done", "availability"]);
    } finally {
      await node.stop();
      journal.close();
    }
  });
});

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Venue } from "../execution/venue.js";
import { ScenarioTimers, logStream, tracked } from "./stepping.js";

describe("replay stepping", () => {
  it("ScenarioTimers_after_firesOnceTheScenarioClockPassedItUnlessCancelled", () => {
    let now = 1_000;
    const timers = new ScenarioTimers(() => now);
    const fired: string[] = [];
    timers.after(60_000, () => fired.push("window"));
    const cancel = timers.after(30_000, () => fired.push("cancelled"));
    cancel();
    now += 59_000;
    timers.fireDue();
    assert.deepEqual(fired, []);
    now += 1_000;
    timers.fireDue();
    timers.fireDue();
    assert.deepEqual(fired, ["window"]);
  });

  it("tracked_venueCalls_countedWhileInFlight", async () => {
    let release!: () => void;
    const venue = {
      id: "v",
      fetchOrderBook: () => new Promise<void>((r) => (release = r)),
      fail: () => Promise.reject(new Error("down")),
    } as unknown as Venue & { fail(): Promise<void> };
    const inflight = { n: 0 };
    const v = tracked(venue, inflight) as typeof venue;
    assert.equal(v.id, "v");
    const book = v.fetchOrderBook("BTC/USDT");
    assert.equal(inflight.n, 1);
    release();
    await book;
    assert.equal(inflight.n, 0);
    await assert.rejects(v.fail(), /down/);
    assert.equal(inflight.n, 0);
  });

  it("logStream_errorLines_collectedOneLineEach", async () => {
    const errors: string[] = [];
    const lines: string[] = [];
    const s = logStream(errors, lines);
    await new Promise<void>((r) =>
      s.write(
        `${JSON.stringify({ level: 30, msg: "ok" })}\n${JSON.stringify({ level: 50, msg: "tick failed" })}\n`,
        () => r(),
      ),
    );
    assert.deepEqual(errors, ["tick failed"]);
    assert.equal(lines.length, 2);
  });
});

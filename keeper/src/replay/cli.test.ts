import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ReplayReport } from "./replay.js";

const KEEPER = join(import.meta.dirname, "../../bin/keeper.mjs");
const SCENARIOS = join(import.meta.dirname, "../sim/scenarios");

function keeper(...args: string[]) {
  const r = spawnSync(process.execPath, [KEEPER, ...args], { encoding: "utf8", env: { ...process.env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("keeper CLI: replay", () => {
  it("replay_scenarioWithGap_writesTheReportOfTheLiveKeeper", async () => {
    const out = await mkdtemp(join(tmpdir(), "replay-cli-"));
    try {
      const { code, stdout, stderr } = keeper(
        "replay",
        join(SCENARIOS, "mm-preempt.json"),
        "--steps",
        "55",
        "--out",
        out,
      );
      assert.equal(code, 0, stderr);
      assert.match(stdout, /^replay mm-preempt: 55 steps, PnL -?\d+\.\d\d, \d+ fills, \d+ runs, \d+ switches, /m);
      assert.match(stdout, /\d+ campaigns \(\d+ settled with receipts\)/);
      const r = JSON.parse(await readFile(join(out, "report.json"), "utf8")) as ReplayReport;
      assert.equal(r.pnl.length, 55);
      // The market maker quoted, was pre-empted by the gap's arbitrage past the chain's threshold, both settled.
      assert.ok(r.fills.some((f) => f.maker));
      assert.ok(r.switches.length >= 1);
      for (const w of r.switches) assert.ok(w.toRoi >= (w.thresholdBps / 10_000) * w.fromRoi, JSON.stringify(w));
      assert.ok(r.campaigns.some((c) => c.type === "marketMaking" && c.outcome === "settled" && c.receipt));
      assert.ok(r.campaigns.some((c) => c.type === "arbitrage" && c.outcome === "settled" && c.receipt));
      assert.deepEqual(r.errors, []);
      for (const f of ["report.html", "keeper.log", "receipts/traces", "receipts/store"]) {
        assert.ok(existsSync(join(out, f)), f);
      }
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it("replay_missingScenarioFile_failsInOneLine", () => {
    const { code, stderr } = keeper("replay", "/nonexistent/scenario.json", "--steps", "2", "--out", tmpdir());
    assert.equal(code, 1);
    assert.equal(stderr.trim(), "error: cannot read scenario file /nonexistent/scenario.json");
  });
});

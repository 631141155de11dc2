/**
 * The 2-minute variant of `scripts/bench/soak.ts` (three keepers, faults through `/sim/faults`, then a quiet phase
 * with the venues' rate limit only). Asserts the soak's figures, none of them a timing: no leg left open, no client
 * order id used twice, every settled campaign with its on-chain receipt and every fill under a posted receipt, the
 * metrics equal to the venues' tape, no keeper wedged, every keeper healthy and racing again within a minute.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatSoak, runSoak, soakLogTails, type SoakResult } from "../../../scripts/bench/soak.js";

describe("soak (2 minutes of faults)", () => {
  it("soak_threeKeepersFaultsThenQuiet_noExposureNoDuplicatesReceiptsMetricsMatchTapeRecovery", async () => {
    // Each keeper's log is kept: on a failure its path and its last lines are printed, and the files are left.
    const logDir = mkdtempSync(join(tmpdir(), "soak-logs-"));
    // The quiet phase ends once every keeper is healthy and racing again (at most the minute it is allowed).
    const r = await runSoak({ faultMinutes: 2, quietSeconds: 60, endQuietOnRecovery: true, log: () => {}, logDir });
    try {
      checkSoak(r);
    } catch (err) {
      console.error(`${formatSoak(r)}\nkeeper logs kept in ${logDir}\n${soakLogTails(r)}`);
      throw err;
    }
    rmSync(logDir, { recursive: true, force: true });
  });
});

function checkSoak(r: SoakResult): void {
  const table = formatSoak(r);
  assert.ok(r.gaps >= 10, table);
  assert.ok(r.keepers.reduce((n, k) => n + k.settled, 0) >= 3, `campaigns settled under faults\n${table}`);
  for (const k of r.keepers) {
    // A leg left open is at least a partial fill of a planted gap (0.05 BTC x 50%); fee dust is explained apart.
    assert.ok(Math.abs(k.exposedBase) < 0.001, `${k.keeper} exposed\n${table}`);
    assert.equal(k.duplicateClientIds, 0, table);
    assert.equal(k.settledWithoutReceipt, 0, table);
    assert.equal(k.filledWithoutReceipt, 0, table);
    assert.equal(k.fills.metric, k.fills.tape, table);
    assert.ok(Math.abs(k.baseVolume.metric - k.baseVolume.tape) < 1e-9, table);
    assert.ok(Math.abs(k.quoteVolume.metric - k.quoteVolume.tape) < 1e-6, table);
    assert.ok(Math.abs(k.pnl.metric - k.pnl.tape) < 1e-6, table);
    assert.equal(k.wedged, false, table);
    assert.ok(k.healthyAgainSeconds !== null && k.healthyAgainSeconds <= 60, table);
    assert.ok(k.racingAgainSeconds !== null && k.racingAgainSeconds <= 60, table);
  }
}

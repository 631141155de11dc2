import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const KEEPER = join(import.meta.dirname, "../../bin/keeper.mjs");
const QUOTES = join(import.meta.dirname, "../../test-data/dcap");

function keeper(...args: string[]) {
  const r = spawnSync(process.execPath, [KEEPER, ...args], { encoding: "utf8", env: { ...process.env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("keeper CLI", () => {
  it("help_listsEveryCommand", () => {
    const { code, stdout } = keeper("--help");
    assert.equal(code, 0);
    for (const c of ["secrets", "status", "verify-quote"]) assert.match(stdout, new RegExp(`\\b${c}\\b`));
  });

  it("verifyQuote_sampleAtPinnedTime_printsUpToDate", () => {
    const { code, stdout } = keeper("verify-quote", join(QUOTES, "tdx_quote"), "--at", "1750377600");
    assert.equal(code, 0);
    const result = JSON.parse(stdout) as { ok: boolean; quote: { tcbStatus: string; teeType: string } };
    assert.equal(result.ok, true);
    assert.equal(result.quote.teeType, "TDX");
    assert.equal(result.quote.tcbStatus, "UpToDate");
  });

  it("verifyQuote_outsideCollateralWindow_exits1WithReason", () => {
    const { code, stdout } = keeper("verify-quote", join(QUOTES, "tdx_quote"), "--at", "1790000000");
    assert.equal(code, 1);
    assert.equal((JSON.parse(stdout) as { error: { reason: string } }).error.reason, "collateral-window");
  });

  it("verifyQuote_badOption_failsInOneLine", () => {
    const { code, stderr } = keeper("verify-quote", join(QUOTES, "tdx_quote"), "--at", "yesterday");
    assert.equal(code, 1);
    assert.match(stderr, /must be a positive integer/);
  });

  it("secretsCheck_withoutPassphrase_failsInOneLine", () => {
    const env = { ...process.env };
    delete env["KEEPER_CREDENTIALS_PASSPHRASE"];
    const r = spawnSync(process.execPath, [KEEPER, "secrets", "check", "/nonexistent"], { encoding: "utf8", env });
    assert.equal(r.status, 1);
    assert.equal(r.stderr.trim(), "error: KEEPER_CREDENTIALS_PASSPHRASE is not set");
  });
});

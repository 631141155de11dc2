import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const KEEPER = join(import.meta.dirname, "../../bin/keeper.mjs");

function keeper(...args: string[]) {
  const r = spawnSync(process.execPath, [KEEPER, ...args], { encoding: "utf8", env: { ...process.env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("keeper CLI: audit and paper", () => {
  it("help_listsAuditAndRunPaper", () => {
    assert.match(keeper("--help").stdout, /\baudit\b/);
    assert.match(keeper("run", "--help").stdout, /--paper/);
    assert.match(keeper("audit", "--help").stdout, /--once/);
  });

  it("audit_badAuditSection_failsInOneLineNamingTheField", () => {
    const path = join(mkdtempSync(join(tmpdir(), "audit-cli-")), "keeper.json");
    writeFileSync(
      path,
      JSON.stringify({
        name: "k",
        chain: { rpcUrl: "http://127.0.0.1:1", deployment: "d.json" },
        pairs: ["BTC/USDT"],
        privateKey: "0x" + "ab".repeat(32),
        audit: { enabled: true, maxBond: "lots" },
      }),
    );
    const { code, stderr } = keeper("audit", "--config", path);
    assert.equal(code, 1);
    assert.match(stderr.trim(), /^error: config .*: audit\.maxBond must be a decimal amount/);
  });
});

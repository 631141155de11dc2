import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../errors.js";
import { loadKeeperConfig } from "../node/config.js";
import { maxBondUnits } from "./config.js";

function load(extra: Record<string, unknown>) {
  const path = join(mkdtempSync(join(tmpdir(), "audit-cfg-")), "keeper.json");
  writeFileSync(
    path,
    JSON.stringify({
      name: "k",
      chain: { rpcUrl: "http://127.0.0.1:8545", deployment: "d.json" },
      pairs: ["BTC/USDT"],
      privateKey: "0x" + "ab".repeat(32),
      ...extra,
    }),
  );
  return loadKeeperConfig(path, {});
}

describe("audit configuration", () => {
  it("loadKeeperConfig_noAuditSection_disabledWithZeroBudget", () => {
    const cfg = load({});
    assert.equal(cfg.audit.enabled, false);
    assert.equal(maxBondUnits(cfg.audit), 0n);
  });

  it("loadKeeperConfig_auditEnabled_maxBondInDepositUnits", () => {
    const cfg = load({ audit: { enabled: true, maxBond: "250.5", pollMs: 500 } });
    assert.equal(cfg.audit.enabled, true);
    assert.equal(maxBondUnits(cfg.audit), 250_500_000n);
    assert.equal(cfg.audit.pollMs, 500);
  });

  it("loadKeeperConfig_badMaxBond_namesTheField", () => {
    assert.throws(
      () => load({ audit: { enabled: true, maxBond: "-1" } }),
      (err: unknown) => err instanceof ConfigError && /audit\.maxBond must be a decimal amount/.test(err.message),
    );
  });

  it("loadKeeperConfig_unknownAuditKey_refused", () => {
    assert.throws(() => load({ audit: { enabled: true, maxbond: "10" } }), /audit/);
  });
});

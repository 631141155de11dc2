import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadKeeperConfig } from "./config.js";
import { campaignSettings } from "./run.js";
import { ConfigError } from "../errors.js";

const KEY = "0x" + "ab".repeat(32);

function file(content: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), "cfg-")), "keeper.json");
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

const base = {
  name: "keeper-1",
  chain: { rpcUrl: "http://127.0.0.1:8545", deployment: "deployments/localhost.json" },
  pairs: ["ETH/USDT"],
};

describe("loadKeeperConfig", () => {
  it("fileAndEnv_mergedWithDefaults", () => {
    const cfg = loadKeeperConfig(file(base), { KEEPER_PRIVATE_KEY: KEY, KEEPER_METRICS_PORT: "9464" });
    assert.equal(cfg.privateKey, KEY);
    assert.equal(cfg.metricsPort, 9464);
    assert.equal(cfg.mode, "live");
    assert.equal(cfg.tickMs, 500);
  });

  it("badEnvKey_namesTheVariableWithoutEchoingIt", () => {
    assert.throws(
      () => loadKeeperConfig(file(base), { KEEPER_PRIVATE_KEY: "0xsecretbutshort" }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /KEEPER_PRIVATE_KEY \(environment\) must be 0x followed by 64 hex digits/);
        assert.ok(!err.message.includes("secretbutshort"));
        return true;
      },
    );
  });

  it("badField_namesTheField", () => {
    assert.throws(
      () => loadKeeperConfig(file({ ...base, pairs: ["eth-usdt"] }), { KEEPER_PRIVATE_KEY: KEY }),
      /pairs.0 must look like ETH\/USDT/,
    );
  });

  it("invalidJson_saysSo", () => {
    assert.throws(() => loadKeeperConfig(file("{ nope"), {}), /is not valid JSON/);
  });

  it("missingFile_saysSo", () => {
    assert.throws(() => loadKeeperConfig("/nonexistent/keeper.json", {}), /cannot read config file/);
  });
});

describe("loadKeeperConfig strict keys (finding 6)", () => {
  it("F6_unknownKey_refusedNamingItWithTheNearestKnownKey", () => {
    assert.throws(
      () => loadKeeperConfig(file({ ...base, tickMS: 200 }), { KEEPER_PRIVATE_KEY: KEY }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /unknown key "tickMS" \(did you mean "tickMs"\?\)/);
        assert.ok(!err.message.includes("\n"), "one line");
        return true;
      },
    );
  });

  it("F6_unknownNestedKey_namesItsPlace", () => {
    assert.throws(
      () => loadKeeperConfig(file({ ...base, arbitrage: { bucketSecs: 30 } }), { KEEPER_PRIVATE_KEY: KEY }),
      /unknown key "bucketSecs" in arbitrage/,
    );
  });
});

describe("loadKeeperConfig standing arbitrage windows", () => {
  it("standingWindows_offByDefault_perOpportunityCampaigns", () => {
    const cfg = loadKeeperConfig(file(base), { KEEPER_PRIVATE_KEY: KEY });
    assert.deepEqual(cfg.arbitrage.standingWindows, {
      enabled: false,
      drawAmount: "5000",
      windowSeconds: 60,
      armLeadSeconds: 10,
      bookMaxAgeMs: 100,
    });
    const settings = campaignSettings(cfg);
    assert.equal(settings.standingArbitrage, undefined);
    assert.equal(settings.bookMaxAgeMs, 0);
  });

  it("standingWindows_enabled_reachTheEngineKeeperInDepositUnits", () => {
    const arbitrage = { standingWindows: { enabled: true, drawAmount: "1234.5", windowSeconds: 30 } };
    const cfg = loadKeeperConfig(file({ ...base, arbitrage }), { KEEPER_PRIVATE_KEY: KEY });
    const settings = campaignSettings(cfg);
    assert.deepEqual(settings.standingArbitrage, { drawUnits: 1_234_500_000n, windowSeconds: 30, armLeadSeconds: 10 });
    assert.equal(settings.bookMaxAgeMs, 100);
    assert.equal(cfg.arbitrage.bucketSeconds, 60);
  });

  it("standingWindows_zeroDraw_refusedNamingTheField", () => {
    const arbitrage = { standingWindows: { enabled: true, drawAmount: "0.000" } };
    assert.throws(
      () => loadKeeperConfig(file({ ...base, arbitrage }), { KEEPER_PRIVATE_KEY: KEY }),
      /arbitrage\.standingWindows\.drawAmount must be more than 0/,
    );
  });

  it("standingWindows_unknownKey_refused", () => {
    const arbitrage = { standingWindows: { enabled: true, drawUnits: "100" } };
    assert.throws(
      () => loadKeeperConfig(file({ ...base, arbitrage }), { KEEPER_PRIVATE_KEY: KEY }),
      /unknown key "drawUnits" in arbitrage\.standingWindows/,
    );
  });

  it("standingWindows_windowShorterThanTheExecutionMargin_refusedNamingTheFields", () => {
    const config = {
      ...base,
      arbitrage: { standingWindows: { enabled: true, windowSeconds: 10 } },
      campaigns: { claimMarginSeconds: 5 },
      risk: { executionMarginSeconds: 20 },
    };
    assert.throws(
      () => loadKeeperConfig(file(config), { KEEPER_PRIVATE_KEY: KEY }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(
          err.message,
          /arbitrage\.standingWindows\.windowSeconds 10 \+ campaigns\.claimMarginSeconds 5 must exceed risk\.executionMarginSeconds 20/,
        );
        return true;
      },
    );
  });
});

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ConfigError } from "../errors.js";
import {
  DEFAULT_ENGINE_PARAMETERS,
  ON_CHAIN_PARAMETER_KEYS,
  engineParametersFromChain,
  parseEngineParameters,
} from "./parameters.js";

describe("EngineParameters", () => {
  it("defaults_matchDesign", () => {
    assert.equal(DEFAULT_ENGINE_PARAMETERS.roiThresholdBps, 15_000);
    assert.equal(DEFAULT_ENGINE_PARAMETERS.sleeveTargetMarketMakingBps, 7_000);
    assert.equal(DEFAULT_ENGINE_PARAMETERS.sleeveTargetArbitrageBps, 2_000);
    assert.equal(DEFAULT_ENGINE_PARAMETERS.sleeveTargetBufferBps, 1_000);
    assert.ok(Object.isFrozen(DEFAULT_ENGINE_PARAMETERS));
  });

  it("onChainKeys_matchParamKeysSol", () => {
    const sol = readFileSync(new URL("../../../contracts/libraries/ParamKeys.sol", import.meta.url), "utf8");
    for (const key of ON_CHAIN_PARAMETER_KEYS) {
      assert.match(sol, new RegExp(`= "${key}";`), `${key} is not a ParamKeys key`);
      assert.ok(key in DEFAULT_ENGINE_PARAMETERS);
    }
  });

  it("parse_partialInput_fillsDefaults", () => {
    const p = parseEngineParameters({ maxSlippageBps: 30 });
    assert.equal(p.maxSlippageBps, 30);
    assert.equal(p.debounceSeconds, DEFAULT_ENGINE_PARAMETERS.debounceSeconds);
  });

  it("parse_outOfBounds_throwsConfigErrorNamingField", () => {
    assert.throws(
      () => parseEngineParameters({ maxSlippageBps: 20_000 }),
      (e: unknown) => e instanceof ConfigError && /maxSlippageBps/.test(e.shortMessage),
    );
    assert.throws(
      () => parseEngineParameters({ roiThresholdBps: 9_999 }),
      (e: unknown) => e instanceof ConfigError && /roiThresholdBps/.test(e.shortMessage),
    );
  });

  it("parse_nonInteger_throwsConfigError", () => {
    assert.throws(
      () => parseEngineParameters({ debounceSeconds: 1.5 }),
      (e: unknown) => e instanceof ConfigError && /debounceSeconds/.test(e.shortMessage),
    );
    assert.throws(
      () => parseEngineParameters({ switchCooldownSeconds: "60" }),
      (e: unknown) => e instanceof ConfigError && /switchCooldownSeconds/.test(e.shortMessage),
    );
  });

  it("parse_unknownField_throwsConfigError", () => {
    assert.throws(() => parseEngineParameters({ roiTreshold: 1 }), ConfigError);
  });

  it("parse_sleevesNotSummingTo10000_throwsConfigError", () => {
    assert.throws(
      () => parseEngineParameters({ sleeveTargetMarketMakingBps: 6_000 }),
      (e: unknown) => e instanceof ConfigError && /sleeveTarget.*must be 10000, got 9000/.test(e.shortMessage),
    );
  });

  it("fromChain_bigintValues_parsed", () => {
    const p = engineParametersFromChain({ roiThresholdBps: 20_000n, maxSwitchesPerHour: 4n });
    assert.equal(p.roiThresholdBps, 20_000);
    assert.equal(p.maxSwitchesPerHour, 4);
    assert.equal(p.minRoiBps, DEFAULT_ENGINE_PARAMETERS.minRoiBps);
  });

  it("fromChain_unknownOrHugeKey_throwsConfigError", () => {
    assert.throws(() => engineParametersFromChain({ keeperCapBps: 1n }), /keeperCapBps/);
    assert.throws(() => engineParametersFromChain({ debounceSeconds: 2n ** 255n }), /debounceSeconds/);
  });
});

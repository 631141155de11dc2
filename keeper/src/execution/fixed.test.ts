import { test } from "node:test";
import assert from "node:assert/strict";
import {
  divRound,
  fromWad,
  numberToDecimalString,
  roundToStep,
  toWad,
  unitsToWad,
  wadOfFloat,
  wadToUnits,
  WAD,
} from "./fixed.js";
import { ConfigError } from "../errors.js";

test("toWad_decimalStringsAndNumbers_exact", () => {
  assert.equal(toWad("1.5"), 15n * 10n ** 17n);
  assert.equal(toWad(0.1), 10n ** 17n);
  assert.equal(toWad("-0.000000000000000001"), -1n);
  assert.equal(toWad(1e-7), 10n ** 11n);
  assert.equal(toWad(1.23e21), 1230n * 10n ** 36n);
});

test("toWad_tooManyDecimalsOrGarbage_throws", () => {
  assert.throws(() => toWad("0.0000000000000000001"), ConfigError);
  assert.throws(() => toWad("1e5"), ConfigError);
  assert.throws(() => toWad(Number.NaN), ConfigError);
});

test("fromWad_roundTrips", () => {
  for (const s of ["0", "1", "2000.25", "-3.000000000000000001", "123456789.123456789"])
    assert.equal(fromWad(toWad(s)), s);
  assert.equal(numberToDecimalString(1.5e-10), "0.00000000015");
});

test("divRound_directions", () => {
  assert.equal(divRound(7n, 2n, "down"), 3n);
  assert.equal(divRound(7n, 2n, "up"), 4n);
  assert.equal(divRound(-7n, 2n, "down"), -4n);
  assert.equal(divRound(-7n, 2n, "up"), -3n);
});

test("units_6decimals_exactBothWays", () => {
  assert.equal(unitsToWad(1_500_000n, 6), toWad("1.5"));
  assert.equal(wadToUnits(toWad("1.5000001"), 6, "down"), 1_500_000n);
  assert.equal(wadToUnits(toWad("1.5000001"), 6, "up"), 1_500_001n);
  assert.equal(roundToStep(toWad("1.237"), toWad("0.01"), "down"), toWad("1.23"));
  assert.equal(roundToStep(toWad("1.231"), toWad("0.01"), "up"), toWad("1.24"));
  assert.equal(WAD, 10n ** 18n);
});

test("wadOfFloat_floatNoisePastThe18thDecimal_roundsInsteadOfThrowing", () => {
  // A fee summed over trades in ccxt's floats (what failed every market-making run of the replay).
  assert.equal(wadOfFloat(0.000022080000000000002), 22_080_000_000_000n);
  assert.equal(wadOfFloat(0.1 + 0.2), 300_000_000_000_000_040n);
  assert.equal(wadOfFloat(1.5e-18), 2n);
  assert.equal(wadOfFloat(-1.5e-18), -2n);
  assert.equal(wadOfFloat(2.5), toWad("2.5"));
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  annualisedVolatility,
  MIN_APY_WINDOW_SECONDS,
  realisedApy,
  returns,
  sampleBlocks,
  YEAR_SECONDS,
} from "./stats";

describe("returns", () => {
  it("returns_skipsPointsWithoutElapsedTime", () => {
    const r = returns([
      { timestamp: 0, price: 1 },
      { timestamp: 0, price: 2 },
      { timestamp: 10, price: 2.2 },
    ]);
    assert.equal(r.length, 1);
    assert.ok(Math.abs(r[0]!.r - 0.1) < 1e-12);
    assert.equal(r[0]!.dt, 10);
  });
});

describe("annualisedVolatility", () => {
  it("annualisedVolatility_flatPriceIsZero", () => {
    const pts = [0, 1, 2, 3].map((i) => ({ timestamp: i * 60, price: 1.05 }));
    assert.equal(annualisedVolatility(pts), 0);
  });
  it("annualisedVolatility_matchesHandComputedValue", () => {
    // Alternating ±1% every hour: each log return is ln(1.01) or ln(1/1.01), same magnitude.
    const prices = [1, 1.01, 1, 1.01, 1];
    const pts = prices.map((price, i) => ({ timestamp: i * 3600, price }));
    const expected = Math.abs(Math.log(1.01)) * Math.sqrt(YEAR_SECONDS / 3600);
    assert.ok(Math.abs(annualisedVolatility(pts)! - expected) < 1e-12);
  });
  it("annualisedVolatility_needsTwoReturns", () => {
    assert.equal(
      annualisedVolatility([
        { timestamp: 0, price: 1 },
        { timestamp: 1, price: 2 },
      ]),
      null,
    );
  });
});

describe("realisedApy", () => {
  it("realisedApy_oneYearAtTenPercentIsTenPercent", () => {
    assert.ok(Math.abs(realisedApy(1, 1.1, YEAR_SECONDS)! - 0.1) < 1e-12);
  });
  it("realisedApy_compoundsShortIntervals", () => {
    // 1% over half a year compounds to 1.01^2 − 1.
    assert.ok(Math.abs(realisedApy(1, 1.01, YEAR_SECONDS / 2)! - (1.01 ** 2 - 1)) < 1e-12);
  });
  it("realisedApy_emptyIntervalIsNull", () => {
    assert.equal(realisedApy(1, 1.1, 0), null);
  });
  it("realisedApy_windowShorterThanADayIsNullNotAnAbsurdFigure", () => {
    assert.equal(realisedApy(1, 1.000394, 158), null);
    assert.equal(realisedApy(1, 1.000394, MIN_APY_WINDOW_SECONDS - 1), null);
    assert.ok(realisedApy(1, 1.000394, MIN_APY_WINDOW_SECONDS)! < 0.16);
  });
});

describe("sampleBlocks", () => {
  it("sampleBlocks_includesBothEnds", () => {
    assert.deepEqual(sampleBlocks(10n, 20n, 3), [10n, 15n, 20n]);
  });
  it("sampleBlocks_dedupesWhenRangeIsShort", () => {
    assert.deepEqual(sampleBlocks(5n, 6n, 5), [5n, 6n]);
  });
  it("sampleBlocks_emptyWhenReversed", () => {
    assert.deepEqual(sampleBlocks(6n, 5n, 5), []);
  });
});

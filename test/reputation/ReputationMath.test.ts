import { expect } from "chai";
import fc from "fast-check";
import { decay, score, emptyCounters, WAD } from "./scoreModel.js";

// Pure checks of the score formula as specified (the contract is checked against this model in
// ReputationOracle.test.ts, score_recomputedFromEventsInTypeScript).
describe("ReputationMath (model)", function () {
  it("decay_tracksExactExponentialWithin1e-4", function () {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 * 86_400 }), fc.integer({ min: 3_600, max: 30 * 86_400 }), (t, h) => {
        const got = Number(decay(WAD, BigInt(t), BigInt(h))) / 1e18;
        const exact = Math.pow(2, -t / h);
        expect(Math.abs(got - exact)).to.be.lessThan(1e-4 + exact * 1e-4);
      }),
      { numRuns: 500 },
    );
  });

  it("decay_wholeHalfLivesHalveExactly", function () {
    expect(decay(8n * WAD, 3n * 100n, 100n)).to.equal(WAD);
    expect(decay(WAD, 128n * 10n, 10n)).to.equal(0n);
  });

  it("score_boundsAndMonotonicity", function () {
    const c = emptyCounters();
    expect(score(c, 120n)).to.equal(10_000n);
    // Four virtual successes: one failure costs a fifth, four net failures halve a new keeper's score.
    expect(score({ ...c, failures: WAD }, 120n)).to.equal(8_000n);
    expect(score({ ...c, failures: 4n * WAD }, 120n)).to.equal(5_000n);
    expect(score({ ...c, frauds: WAD }, 120n)).to.equal(2_000n);
    // Slow settlement costs at most half.
    expect(score({ ...c, successes: WAD, delaySum: 10_000n * WAD }, 120n)).to.equal(5_000n);
    expect(score({ ...c, successes: WAD, delaySum: 60n * WAD }, 120n)).to.equal(7_500n);
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 100n * WAD }), fc.bigInt({ min: 0n, max: 100n * WAD }), (s, f) => {
        const base = score({ ...c, successes: s, failures: f }, 120n);
        expect(base).to.be.at.most(10_000n);
        expect(score({ ...c, successes: s, failures: f + WAD }, 120n)).to.be.at.most(base);
        expect(score({ ...c, successes: s + WAD, failures: f }, 120n)).to.be.at.least(base);
      }),
      { numRuns: 200 },
    );
  });
});

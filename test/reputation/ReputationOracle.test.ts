import { expect } from "chai";
import { network } from "hardhat";
import fc from "fast-check";
import { keccak256, toUtf8Bytes } from "ethers";
import {
  attest,
  deployTrust,
  deployWithKeepers,
  postFraudulentReceipt,
  withDeltas,
  publishRace,
  postReceipt,
  traceFor,
  evidence,
  specFor,
  key,
  MIN_STAKE,
  type Trust,
} from "../helpers/trust.js";
import { decayTo, emptyCounters, score as modelScore, WAD, type Counters } from "./scoreModel.js";

const { ethers, networkHelpers } = await network.create();

const PRICE_OUT_OF_BOUND = 0;
const DAY = 86_400;
const UNBONDING = 7 * DAY;

async function keepersFixture() {
  const t: Trust = await deployWithKeepers(ethers);
  await t.asset.connect(t.challenger).approve(await t.desk.getAddress(), ethers.MaxUint256);
  return t;
}

/** Keeper 0 posted a receipt whose trace has out-of-bound prices at leaves 1..6 (of 8). */
async function fraudFixture() {
  const t = await keepersFixture();
  return { t, ...(await postFraudulentReceipt(t)) };
}

describe("ReputationOracle", function () {
  describe("stake", function () {
    it("stake_pullsTokensAndEmits", async function () {
      const t = await networkHelpers.loadFixture(keepersFixture);
      const op = t.operators[1]!;
      await t.asset.connect(op).approve(await t.reputation.getAddress(), 5n);
      const { tx, deltas } = await withDeltas(t, [op, t.reputation], () => t.reputation.connect(op).stake(5n));
      await expect(tx)
        .to.emit(t.reputation, "Staked")
        .withArgs(op.address, 5n, MIN_STAKE + 5n);
      expect(deltas).to.deep.equal([-5n, 5n]);
      await expect(t.reputation.connect(op).stake(0n)).to.be.revertedWithCustomError(
        t.reputation,
        "ReputationOracleZeroAmount",
      );
    });

    it("requestUnstake_moreThanActive_reverts", async function () {
      const t = await networkHelpers.loadFixture(keepersFixture);
      const op = t.operators[1]!;
      await expect(t.reputation.connect(op).requestUnstake(MIN_STAKE + 1n))
        .to.be.revertedWithCustomError(t.reputation, "ReputationOracleInsufficientStake")
        .withArgs(op.address, MIN_STAKE + 1n, MIN_STAKE);
    });

    it("withdraw_onlyAfterUnbonding_andUnbondingStakeStopsCounting", async function () {
      const t = await networkHelpers.loadFixture(keepersFixture);
      const op = t.operators[1]!;
      const k2 = t.keepers[2]!.address;
      expect(await t.reputation.isEligible(k2)).to.equal(true);
      await expect(t.reputation.connect(op).requestUnstake(1n)).to.emit(t.reputation, "UnstakeRequested");
      expect(await t.reputation.isEligible(k2)).to.equal(false);
      const unlockAt = (await t.reputation.stakeOf(op.address)).unlockAt;
      await expect(t.reputation.connect(op).withdraw())
        .to.be.revertedWithCustomError(t.reputation, "ReputationOracleStillBonded")
        .withArgs(op.address, unlockAt);
      await networkHelpers.time.increaseTo(unlockAt);
      const { tx, deltas } = await withDeltas(t, [op], () => t.reputation.connect(op).withdraw());
      await expect(tx).to.emit(t.reputation, "Withdrawn").withArgs(op.address, 1n);
      expect(deltas).to.deep.equal([1n]);
      await expect(t.reputation.connect(op).withdraw()).to.be.revertedWithCustomError(
        t.reputation,
        "ReputationOracleZeroAmount",
      );
    });

    it("withdraw_whileDisputePending_reverts", async function () {
      const { t, trace, receiptId } = await networkHelpers.loadFixture(fraudFixture);
      const op = t.operators[0]!;
      await t.desk.connect(t.challenger).challenge(receiptId, evidence(PRICE_OUT_OF_BOUND, trace, 1));
      await t.reputation.connect(op).requestUnstake(MIN_STAKE);
      await networkHelpers.time.increase(UNBONDING);
      await expect(t.reputation.connect(op).withdraw())
        .to.be.revertedWithCustomError(t.reputation, "ReputationOracleDisputesPending")
        .withArgs(op.address, 1);
    });
  });

  describe("keepers", function () {
    it("acceptOperator_withoutProposal_reverts", async function () {
      const t = await networkHelpers.loadFixture(keepersFixture);
      await expect(t.reputation.connect(t.stranger).acceptOperator(t.operators[0]!.address))
        .to.be.revertedWithCustomError(t.reputation, "ReputationOracleNotProposed")
        .withArgs(t.stranger.address, t.operators[0]!.address);
    });

    it("proposeKeeper_alreadyBound_reverts", async function () {
      const t = await networkHelpers.loadFixture(keepersFixture);
      await expect(t.reputation.connect(t.operators[1]!).proposeKeeper(t.keepers[0]!.address))
        .to.be.revertedWithCustomError(t.reputation, "ReputationOracleKeeperBound")
        .withArgs(t.keepers[0]!.address, t.operators[0]!.address);
    });

    it("removeKeeper_onlyItsOperator_releasesKeeper", async function () {
      const t = await networkHelpers.loadFixture(keepersFixture);
      const k1 = t.keepers[1]!.address;
      await expect(t.reputation.connect(t.operators[1]!).removeKeeper(k1))
        .to.be.revertedWithCustomError(t.reputation, "ReputationOracleNotOperator")
        .withArgs(k1, t.operators[1]!.address);
      await expect(t.reputation.connect(t.operators[0]!).removeKeeper(k1))
        .to.emit(t.reputation, "KeeperBound")
        .withArgs(k1, ethers.ZeroAddress);
      expect(await t.reputation.operatorOf(k1)).to.equal(ethers.ZeroAddress);
      expect(await t.reputation.isEligible(k1)).to.equal(false);
    });
  });

  describe("eligibility and health", function () {
    it("isEligible_eachConditionRequired", async function () {
      const t = await networkHelpers.loadFixture(keepersFixture);
      const k2 = t.keepers[2]!;
      expect(await t.reputation.isEligible(k2.address)).to.equal(true);
      expect(await t.reputation.isEligible(t.stranger.address)).to.equal(false); // no operator
      // Minimum stake raised above the operator's stake.
      await t.params.set(key("minStake"), MIN_STAKE + 1n);
      expect(await t.reputation.isEligible(k2.address)).to.equal(false);
      await t.params.set(key("minStake"), MIN_STAKE);
      // Minimum score above the keeper's.
      await t.params.set(key("minScore"), 8_000);
      expect(await t.reputation.isEligible(k2.address)).to.equal(true);
      await t.reputation.grantRole(await t.reputation.REPORTER_ROLE(), t.governance.address);
      // A failure and an expiry: 4 / (4 + 2) = 6,666 (four virtual successes).
      await t.reputation.recordOutcome(k2.address, 1, 0);
      await t.reputation.recordOutcome(k2.address, 2, 0);
      expect(await t.reputation.isEligible(k2.address)).to.equal(false);
      await t.params.set(key("minScore"), 5_000);
      expect(await t.reputation.isEligible(k2.address)).to.equal(true);
      // Operator revoked by governance.
      await t.reputation.setOperatorRevoked(t.operators[1]!.address, true);
      expect(await t.reputation.isEligible(k2.address)).to.equal(false);
      await t.reputation.setOperatorRevoked(t.operators[1]!.address, false);
      // Attestation revoked.
      await t.attestations.setRevoked(k2.address, true);
      expect(await t.reputation.isEligible(k2.address)).to.equal(false);
      await t.attestations.setRevoked(k2.address, false);
      // Heartbeat older than the max age (10 minutes).
      await networkHelpers.time.increase(601);
      expect(await t.reputation.isEligible(k2.address)).to.equal(false);
      await t.reputation.connect(k2).heartbeat();
      expect(await t.reputation.isEligible(k2.address)).to.equal(true);
    });

    it("setOperatorRevoked_governanceOnly", async function () {
      const t = await networkHelpers.loadFixture(keepersFixture);
      await expect(
        t.reputation.connect(t.stranger).setOperatorRevoked(t.operators[0]!.address, true),
      ).to.be.revertedWithCustomError(t.reputation, "AccessControlUnauthorizedAccount");
      await expect(t.reputation.setOperatorRevoked(t.operators[0]!.address, true))
        .to.emit(t.reputation, "OperatorRevocationChanged")
        .withArgs(t.operators[0]!.address, true);
      expect(await t.reputation.isEligible(t.keepers[0]!.address)).to.equal(false);
      expect(await t.reputation.isEligible(t.keepers[1]!.address)).to.equal(false);
    });

    it("lastSeen_receiptCountsAsHeartbeat", async function () {
      const t = await networkHelpers.loadFixture(keepersFixture);
      const k0 = t.keepers[0]!;
      const id = await publishRace(t, k0);
      await t.campaigns.connect(k0).claim(id);
      await networkHelpers.time.increase(100);
      await postReceipt(t, k0, id);
      expect(await t.reputation.lastSeen(k0.address)).to.equal(BigInt(await networkHelpers.time.latest()));
    });

    it("health_fullWhileFreshThenLinearToZero", async function () {
      const t = await networkHelpers.loadFixture(keepersFixture);
      const k2 = t.keepers[2]!;
      await t.reputation.connect(k2).heartbeat();
      const seen = BigInt(await networkHelpers.time.latest());
      expect(await t.reputation.health(k2.address)).to.equal(10_000n);
      await networkHelpers.time.increaseTo(seen + 600n + 300n);
      expect(await t.reputation.health(k2.address)).to.equal(5_000n);
      await networkHelpers.time.increaseTo(seen + 1_200n);
      expect(await t.reputation.health(k2.address)).to.equal(0n);
      expect(await t.reputation.health(t.stranger.address)).to.equal(0n);
    });

    it("recordOutcome_nonReporter_reverts", async function () {
      const t = await networkHelpers.loadFixture(keepersFixture);
      await expect(
        t.reputation.connect(t.keepers[0]!).recordOutcome(t.keepers[0]!.address, 0, 0),
      ).to.be.revertedWithCustomError(t.reputation, "AccessControlUnauthorizedAccount");
    });
  });

  describe("score", function () {
    it("score_newKeeper_is10000", async function () {
      const t = await networkHelpers.loadFixture(keepersFixture);
      expect(await t.reputation.score(t.stranger.address)).to.equal(10_000n);
    });

    it("score_olderOutcomesWeighLess", async function () {
      const t = await networkHelpers.loadFixture(keepersFixture);
      const k = t.keepers[2]!.address;
      await t.reputation.grantRole(await t.reputation.REPORTER_ROLE(), t.governance.address);
      await t.reputation.recordOutcome(k, 1, 0);
      await t.reputation.recordOutcome(k, 2, 0);
      const fresh = await t.reputation.score(k);
      expect(fresh).to.equal(6_666n); // (0 + 4) / (2 + 4): four virtual successes
      await networkHelpers.time.increase(7 * DAY); // one half-life
      expect((await t.reputation.countersOf(k)).failures).to.equal(WAD / 2n);
      expect(await t.reputation.score(k)).to.equal(8_000n); // 4 / (1 + 4)
      await networkHelpers.time.increase(70 * DAY);
      expect(await t.reputation.score(k)).to.be.greaterThan(9_980n);
    });

    it("score_recomputedFromEventsInTypeScript", async function () {
      this.timeout(60_000);
      const t = await networkHelpers.loadFixture(keepersFixture);
      await t.reputation.grantRole(await t.reputation.REPORTER_ROLE(), t.governance.address);
      const halfLife = await t.params.get(key("scoreHalfLifeSeconds"));
      const ttl = await t.params.get(key("claimTtlSeconds"));
      let n = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({
              outcome: fc.integer({ min: 0, max: 2 }),
              delay: fc.integer({ min: 0, max: 400 }),
              gap: fc.integer({ min: 1, max: 20 * DAY }),
            }),
            { minLength: 1, maxLength: 12 },
          ),
          async (steps) => {
            const keeper = ethers.getAddress(keccak256(toUtf8Bytes(`model ${n++}`)).slice(0, 42));
            let model: Counters = emptyCounters();
            for (const s of steps) {
              await networkHelpers.time.increase(s.gap);
              const tx = await t.reputation.recordOutcome(keeper, s.outcome, s.delay);
              const at = BigInt((await tx.getBlock())!.timestamp);
              model = decayTo(model, at, halfLife);
              if (s.outcome === 0) {
                model.successes += WAD;
                model.delaySum += BigInt(s.delay) * WAD;
              } else if (s.outcome === 1) model.failures += WAD;
              else model.expiries += WAD;
            }
            await networkHelpers.time.increase(12_345);
            await networkHelpers.mine();
            const now = BigInt(await networkHelpers.time.latest());
            const expected = modelScore(decayTo(model, now, halfLife), ttl);
            expect(await t.reputation.score(keeper)).to.equal(expected);
          },
        ),
        { numRuns: 15 },
      );
    });

    it("rewardWeight_scoreWhenEligibleElseZero", async function () {
      const t = await networkHelpers.loadFixture(keepersFixture);
      expect(await t.reputation.rewardWeight(t.keepers[2]!.address)).to.equal(10_000n);
      await t.attestations.setRevoked(t.keepers[2]!.address, true);
      expect(await t.reputation.rewardWeight(t.keepers[2]!.address)).to.equal(0n);
    });
  });

  describe("rewards", function () {
    it("payReward_creditsOperatorWhoClaims", async function () {
      const t = await networkHelpers.loadFixture(keepersFixture);
      const payer = t.stranger;
      await t.asset.connect(payer).approve(await t.reputation.getAddress(), 70n);
      await expect(t.reputation.connect(payer).payReward(t.keepers[1]!.address, 70n))
        .to.emit(t.reputation, "RewardPaid")
        .withArgs(t.keepers[1]!.address, t.operators[0]!.address, 70n);
      expect(await t.reputation.rewardsOf(t.operators[0]!.address)).to.equal(70n);
      const { deltas } = await withDeltas(t, [t.operators[0]!], () =>
        t.reputation.connect(t.operators[0]!).claimRewards(),
      );
      expect(deltas).to.deep.equal([70n]);
      await expect(t.reputation.connect(t.operators[0]!).claimRewards()).to.be.revertedWithCustomError(
        t.reputation,
        "ReputationOracleZeroAmount",
      );
      await expect(t.reputation.connect(payer).payReward(t.stranger.address, 1n))
        .to.be.revertedWithCustomError(t.reputation, "ReputationOracleNoOperator")
        .withArgs(t.stranger.address);
    });
  });

  it("setSlashReceiver_governanceOnlyNonZero", async function () {
    const t = await networkHelpers.loadFixture(keepersFixture);
    await expect(t.reputation.setSlashReceiver(ethers.ZeroAddress)).to.be.revertedWithCustomError(
      t.reputation,
      "ReputationOracleZeroAddress",
    );
    await expect(t.reputation.connect(t.stranger).setSlashReceiver(t.stranger.address)).to.be.revertedWithCustomError(
      t.reputation,
      "AccessControlUnauthorizedAccount",
    );
    await expect(t.reputation.setSlashReceiver(t.stranger.address))
      .to.emit(t.reputation, "SlashReceiverChanged")
      .withArgs(t.governance.address, t.stranger.address);
    expect(await t.reputation.slashReceiver()).to.equal(t.stranger.address);
  });

  it("property_totalStakeConservedAcrossSlashesAndRewards", async function () {
    this.timeout(120_000);
    const { t, trace, receiptId } = await networkHelpers.loadFixture(fraudFixture);
    const oracle = await t.reputation.getAddress();
    const ops = t.operators;
    for (const op of ops) await t.asset.connect(op).approve(oracle, ethers.MaxUint256);
    await t.asset.connect(t.stranger).approve(oracle, ethers.MaxUint256);
    // Fraudulent receipts to challenge: the fixture's (bad leaves 1..6), then fresh ones when its window closes.
    let pool = { receiptId, trace, next: 1, last: 6 };
    let fresh = 0;
    const freshFraud = async () => {
      for (const k of t.keepers) {
        await t.reputation.connect(k).heartbeat();
        await attest(t, k.address).catch(() => undefined); // already attested this second
        if (!(await t.reputation.isEligible(k.address))) continue;
        const id = await publishRace(t, k, await specFor(t, { pair: `F${fresh++}` }));
        await t.campaigns.connect(k).claim(id);
        const bad = traceFor(id, 4, `fresh ${fresh}`, 1);
        return { receiptId: await postReceipt(t, k, id, bad), trace: bad, next: 1, last: 1 };
      }
      return undefined;
    };
    const succeeded = new Map<string, number>();
    const ghost = { deposited: (await t.reputation.stakeTotals())[0] };
    const op = fc.record({
      kind: fc.constantFrom("stake", "unstake", "withdraw", "wait", "challenge", "resolve", "reward", "claim"),
      who: fc.integer({ min: 0, max: 1 }),
      amount: fc.bigInt({ min: 1n, max: 3_000n * 10n ** 6n }),
      upheld: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 3, maxLength: 15 }), async (steps) => {
        for (const s of steps) {
          const who = ops[s.who]!;
          try {
            if (s.kind === "stake") {
              await t.reputation.connect(who).stake(s.amount);
              ghost.deposited += s.amount;
            } else if (s.kind === "unstake") await t.reputation.connect(who).requestUnstake(s.amount);
            else if (s.kind === "withdraw") {
              await networkHelpers.time.increase(UNBONDING);
              await t.reputation.connect(who).withdraw();
            } else if (s.kind === "wait") await networkHelpers.time.increase(UNBONDING / 2);
            else if (s.kind === "challenge") {
              const postedAt = (await t.receipts.getReceipt(pool.receiptId)).postedAt;
              const closed = BigInt(await networkHelpers.time.latest()) + 1n > postedAt + BigInt(DAY);
              if (closed || pool.next > pool.last) {
                const next = await freshFraud();
                if (!next) continue;
                pool = next;
              }
              await t.desk
                .connect(t.challenger)
                .challenge(pool.receiptId, evidence(PRICE_OUT_OF_BOUND, pool.trace, pool.next++));
            } else if (s.kind === "resolve") {
              // Disputes are independent: rule on any pending one (here the oldest still pending).
              const [count] = await t.desk.counts();
              let id = 1n;
              while (id <= count && (await t.desk.disputeOf(id)).status !== 1n) id++;
              if (id > count) continue;
              await t.desk.resolve(id, s.upheld ? 1 : 0);
            } else if (s.kind === "reward")
              await t.reputation.connect(t.stranger).payReward(t.keepers[s.who * 2]!.address, s.amount);
            else if (s.kind === "claim") await t.reputation.connect(who).claimRewards();
            succeeded.set(s.kind, (succeeded.get(s.kind) ?? 0) + 1);
          } catch (err) {
            expect(String(err)).to.match(/ReputationOracle|DisputeDesk|ERC20/);
          }
        }
        const [deposited, active, unbonding, slashed, withdrawn] = await t.reputation.stakeTotals();
        expect(deposited).to.equal(ghost.deposited);
        expect(deposited).to.equal(active + unbonding + slashed + withdrawn);
        let sumStakes = 0n;
        let rewards = 0n;
        for (const o of ops) {
          const st = await t.reputation.stakeOf(o.address);
          sumStakes += st.active + st.unbonding;
          rewards += await t.reputation.rewardsOf(o.address);
        }
        expect(sumStakes).to.equal(active + unbonding);
        const [count] = await t.desk.counts();
        let bonds = 0n;
        for (let id = 1n; id <= count; id++) {
          const d = await t.desk.disputeOf(id);
          if (d.status === 1n) bonds += d.bond;
        }
        expect(await t.asset.balanceOf(oracle)).to.equal(active + unbonding + rewards);
        expect(await t.asset.balanceOf(await t.desk.getAddress())).to.equal(bonds);
      }),
      { numRuns: 20, seed: 20261125 },
    );
    // The runs moved stake every way: staked, slashed, rewarded, withdrawn.
    for (const kind of ["stake", "unstake", "withdraw", "challenge", "resolve", "reward", "claim"]) {
      expect(succeeded.get(kind) ?? 0, kind).to.be.greaterThan(0);
    }
    expect((await t.reputation.stakeTotals())[3]).to.be.greaterThan(0n);
  });
});

describe("ReputationOracle with a hostile stake token", function () {
  async function hostileFixture() {
    const t: Trust = await deployTrust(ethers);
    const token = await ethers.deployContract("ReentrantToken");
    const oracle = await ethers.deployContract("ReputationOracle", [
      await token.getAddress(),
      await t.params.getAddress(),
      await t.attestations.getAddress(),
      await t.receipts.getAddress(),
      t.governance.address,
      t.governance.address,
    ]);
    // The token itself is the operator of keeper 0 and is credited a reward.
    const keeper = t.keepers[0]!;
    await token.execute(
      await oracle.getAddress(),
      oracle.interface.encodeFunctionData("proposeKeeper", [keeper.address]),
    );
    await oracle.connect(keeper).acceptOperator(await token.getAddress());
    await token.mint(t.stranger.address, 1_000n);
    await token.connect(t.stranger).approve(await oracle.getAddress(), 1_000n);
    await oracle.connect(t.stranger).payReward(keeper.address, 1_000n);
    await token.mint(await token.getAddress(), 10n ** 12n);
    return { t, token, oracle };
  }

  it("claimRewards_reenteredFromTokenTransfer_reverts", async function () {
    const { token, oracle } = await networkHelpers.loadFixture(hostileFixture);
    const claim = oracle.interface.encodeFunctionData("claimRewards");
    await token.arm(await oracle.getAddress(), claim);
    await expect(token.execute(await oracle.getAddress(), claim)).to.be.revertedWithCustomError(
      oracle,
      "ReentrancyGuardReentrantCall",
    );
    expect(await oracle.rewardsOf(await token.getAddress())).to.equal(1_000n);
    expect(await token.balanceOf(await oracle.getAddress())).to.equal(1_000n);
  });

  it("stake_reenteringWithdraw_reverts", async function () {
    const { token, oracle } = await networkHelpers.loadFixture(hostileFixture);
    const addr = await oracle.getAddress();
    await token.execute(await token.getAddress(), token.interface.encodeFunctionData("approve", [addr, 10n ** 12n]));
    await token.arm(addr, oracle.interface.encodeFunctionData("withdraw"));
    await expect(
      token.execute(addr, oracle.interface.encodeFunctionData("stake", [MIN_STAKE])),
    ).to.be.revertedWithCustomError(oracle, "ReentrancyGuardReentrantCall");
    expect((await oracle.stakeTotals())[0]).to.equal(0n);
  });
});

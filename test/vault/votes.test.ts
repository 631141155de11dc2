import { expect } from "chai";
import { network } from "hardhat";
import fc from "fast-check";
import { ZeroAddress } from "ethers";
import { deployVault, USD } from "./fixtures.js";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;
const HOUR = 3_600;
const DAY = 86_400;

async function votesFixture() {
  return deployVault(ethers);
}

type F = Awaited<ReturnType<typeof votesFixture>>;

/** Start right after the top of an hour, so that a few quick transactions stay in one epoch. */
async function toTopOfHour() {
  await time.increaseTo(Math.ceil(((await time.latest()) + 1) / HOUR) * HOUR);
}

const epochNow = async () => BigInt(Math.floor((await time.latest()) / HOUR));

/** One step of a random history of share movements, delegations, locks and time. */
type Action =
  | { kind: "deposit"; user: number; amount: bigint }
  | { kind: "redeem"; user: number; permille: number }
  | { kind: "transfer"; user: number; to: number; permille: number }
  | { kind: "delegate"; user: number; to: number }
  | { kind: "lock"; user: number; permille: number }
  | { kind: "flash"; user: number; amount: bigint }
  | { kind: "wait"; seconds: number };

const user = fc.integer({ min: 0, max: 2 });
const permille = fc.integer({ min: 1, max: 1_000 });
const amount = fc.bigInt({ min: 1n, max: 50_000n * USD });
const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant("deposit" as const), user, amount }),
  fc.record({ kind: fc.constant("redeem" as const), user, permille }),
  fc.record({ kind: fc.constant("transfer" as const), user, to: user, permille }),
  // to = 3: delegate to the zero address (undelegate).
  fc.record({ kind: fc.constant("delegate" as const), user, to: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ kind: fc.constant("lock" as const), user, permille }),
  // A deposit redeemed right after (same epoch unless an hour boundary falls between the two blocks).
  fc.record({ kind: fc.constant("flash" as const), user, amount }),
  // Mostly within the epoch, sometimes across one or several epochs.
  fc.record({
    kind: fc.constant("wait" as const),
    seconds: fc.oneof(fc.integer({ min: 1, max: 600 }), fc.integer({ min: HOUR, max: 5 * HOUR })),
  }),
);

const part = (x: bigint, pm: number) => (x * BigInt(pm)) / 1_000n;

/** Reference: the supply and every account's votes after each transaction, with the epoch it was mined in. */
interface Snapshot {
  epoch: bigint;
  supply: bigint;
  votes: Map<string, bigint>;
}

class Reference {
  readonly history: Snapshot[] = [];
  readonly delegateOf = new Map<string, string>();

  constructor(private readonly f: F) {}

  /** Reads the token's balances (OpenZeppelin ERC20) and derives votes from the reference's own delegations. */
  async record(): Promise<void> {
    const { vault } = this.f;
    const votes = new Map<string, bigint>();
    for (const u of this.users()) {
      const to = this.delegateOf.get(u) ?? ZeroAddress;
      if (to === ZeroAddress) continue;
      votes.set(to, (votes.get(to) ?? 0n) + (await vault.balanceOf(u)));
    }
    this.history.push({ epoch: await epochNow(), supply: await vault.totalSupply(), votes });
  }

  /** State at the end of `epoch`: after the last transaction mined in it or before. */
  at(epoch: bigint): Snapshot | undefined {
    let found: Snapshot | undefined;
    for (const s of this.history) if (s.epoch <= epoch) found = s;
    return found;
  }

  users(): string[] {
    return [this.f.alice.address, this.f.bob.address, this.f.stranger.address];
  }
}

async function apply(f: F, ref: Reference, a: Action): Promise<void> {
  const users = [f.alice, f.bob, f.stranger];
  const { vault } = f;
  const u = users["user" in a ? a.user : 0]!;
  switch (a.kind) {
    case "deposit":
      await vault.connect(u).deposit(a.amount, u.address);
      break;
    case "redeem": {
      const shares = part(await vault.maxRedeem(u.address), a.permille);
      if (shares === 0n) return;
      await vault.connect(u).redeem(shares, u.address, u.address);
      break;
    }
    case "transfer": {
      const free = (await vault.balanceOf(u.address)) - (await vault.lockedShares(u.address));
      await vault.connect(u).transfer(users[a.to]!.address, part(free, a.permille));
      break;
    }
    case "delegate": {
      const to = a.to === 3 ? ZeroAddress : users[a.to]!.address;
      await vault.connect(u).delegate(to);
      ref.delegateOf.set(u.address, to);
      break;
    }
    case "lock": {
      const free = (await vault.balanceOf(u.address)) - (await vault.lockedShares(u.address));
      const shares = part(free, a.permille);
      if (shares === 0n) return;
      await vault.connect(u).lock(shares, 1);
      break;
    }
    case "flash": {
      const shares = await vault.connect(u).deposit.staticCall(a.amount, u.address);
      await vault.connect(u).deposit(a.amount, u.address);
      await ref.record();
      await vault.connect(u).redeem(shares, u.address, u.address);
      break;
    }
    case "wait":
      await time.increase(a.seconds);
      return;
  }
  await ref.record();
}

describe("StrategyVault votes", function () {
  it("getPastTotalSupplyAndVotes_randomHistories_matchReferenceAtEveryPastEpoch", async function () {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 14 }), async (actions) => {
        const f = await networkHelpers.loadFixture(votesFixture);
        const from = (await epochNow()) - 1n;
        const ref = new Reference(f);
        for (const a of actions) await apply(f, ref, a);
        await time.increase(HOUR); // the last epoch becomes a past one
        const until = await f.vault.clock();
        for (let t = from; t < until; t++) {
          const s = ref.at(t);
          expect(await f.vault.getPastTotalSupply(t), `supply at ${t}`).to.equal(s?.supply ?? 0n);
          for (const a of ref.users()) {
            const expected = s?.votes.get(a) ?? 0n;
            expect(await f.vault.getPastVotes(a, t), `votes of ${a} at ${t}`).to.equal(expected);
          }
        }
        const latest = ref.history.at(-1);
        expect(await f.vault.totalSupply()).to.equal(latest?.supply ?? 0n);
        for (const a of ref.users()) {
          expect(await f.vault.getVotes(a)).to.equal(latest?.votes.get(a) ?? 0n);
          expect(await f.vault.delegates(a)).to.equal(ref.delegateOf.get(a) ?? ZeroAddress);
        }
      }),
      { numRuns: 40 },
    );
  });

  it("getPastTotalSupply_beforeFirstDeposit_isZero", async function () {
    const { vault, alice } = await networkHelpers.loadFixture(votesFixture);
    await toTopOfHour();
    const before = await vault.clock();
    await vault.connect(alice).deposit(1_000n * USD, alice.address);
    await time.increase(HOUR);
    expect(await vault.getPastTotalSupply(before - 1n)).to.equal(0n);
    expect(await vault.getPastTotalSupply(before)).to.equal(await vault.totalSupply());
  });

  it("getPastTotalSupply_currentOrFutureEpoch_reverts", async function () {
    const { vault } = await networkHelpers.loadFixture(votesFixture);
    const now = await vault.clock();
    await expect(vault.getPastTotalSupply(now))
      .to.be.revertedWithCustomError(vault, "ERC5805FutureLookup")
      .withArgs(now, now);
    await expect(vault.getPastTotalSupply(now + 5n)).to.be.revertedWithCustomError(vault, "ERC5805FutureLookup");
  });

  it("getPastTotalSupply_manyChangesInOneEpoch_isTheSupplyAtTheEpochsEnd", async function () {
    // Threat: the supply is recorded before an epoch's first change; the epoch's own value must still be
    // the supply after its last change, not the one recorded at its start.
    const { vault, alice, bob } = await networkHelpers.loadFixture(votesFixture);
    await vault.connect(bob).deposit(1_000n * USD, bob.address);
    await time.increase(HOUR);
    await toTopOfHour();
    const epoch = await vault.clock();
    const before = await vault.totalSupply();
    await vault.connect(alice).deposit(5_000n * USD, alice.address);
    await vault.connect(alice).redeem((await vault.balanceOf(alice.address)) / 2n, alice.address, alice.address);
    await vault.connect(alice).deposit(700n * USD, alice.address);
    const end = await vault.totalSupply();
    await time.increase(HOUR);
    expect(await vault.getPastTotalSupply(epoch - 1n)).to.equal(before);
    expect(await vault.getPastTotalSupply(epoch)).to.equal(end);
    await vault.connect(bob).redeem(await vault.balanceOf(bob.address), bob.address, bob.address);
    await time.increase(3 * HOUR);
    expect(await vault.getPastTotalSupply(epoch)).to.equal(end);
    const after = await vault.totalSupply();
    expect(after).to.be.lessThan(end);
    expect(await vault.getPastTotalSupply(epoch + 1n)).to.equal(after);
    expect(await vault.getPastTotalSupply((await vault.clock()) - 1n)).to.equal(after);
  });

  it("getPastTotalSupply_flashDepositWithinAnEpoch_leavesEveryPastEpochUnchanged", async function () {
    // Threat: inflating the supply an epoch reports (quorum) with capital held only within the epoch.
    const { vault, alice, stranger } = await networkHelpers.loadFixture(votesFixture);
    await vault.connect(alice).deposit(1_000n * USD, alice.address);
    await time.increase(HOUR);
    await toTopOfHour();
    const epoch = await vault.clock();
    const supply = await vault.totalSupply();
    const shares = await vault.connect(stranger).deposit.staticCall(900_000n * USD, stranger.address);
    await vault.connect(stranger).deposit(900_000n * USD, stranger.address);
    await vault.connect(stranger).delegate(stranger.address);
    await vault.connect(stranger).redeem(shares, stranger.address, stranger.address);
    await time.increase(HOUR);
    expect(await vault.getPastTotalSupply(epoch - 1n)).to.equal(supply);
    expect(await vault.getPastTotalSupply(epoch)).to.equal(supply);
    expect(await vault.getPastVotes(stranger.address, epoch)).to.equal(0n);
  });

  it("delegate_afterLock_keepsTheLockBinding", async function () {
    // Delegate and lock flag share one slot: writing one must not clear the other.
    const { vault, alice, bob } = await networkHelpers.loadFixture(votesFixture);
    await vault.connect(alice).deposit(1_000n * USD, alice.address);
    const shares = await vault.balanceOf(alice.address);
    await vault.connect(alice).lock(shares - 10n, 1);
    await vault.connect(alice).delegate(bob.address);
    expect(await vault.delegates(alice.address)).to.equal(bob.address);
    expect(await vault.getVotes(bob.address)).to.equal(shares);
    await expect(vault.connect(alice).transfer(bob.address, 11n))
      .to.be.revertedWithCustomError(vault, "StrategyVaultSharesLocked")
      .withArgs(alice.address, 11n, 10n);
    expect(await vault.maxRedeem(alice.address)).to.equal(10n);
  });

  it("lock_afterDelegate_keepsTheDelegate", async function () {
    const { vault, alice, bob } = await networkHelpers.loadFixture(votesFixture);
    await vault.connect(alice).deposit(1_000n * USD, alice.address);
    await vault.connect(alice).delegate(bob.address);
    const shares = await vault.balanceOf(alice.address);
    await vault.connect(alice).lock(shares / 2n, 2);
    expect(await vault.delegates(alice.address)).to.equal(bob.address);
    await vault.connect(alice).transfer(bob.address, shares / 4n);
    expect(await vault.getVotes(bob.address)).to.equal(shares - shares / 4n);
  });

  it("unlock_oneOfTwoLocks_theOtherStillBinds", async function () {
    const { vault, alice, bob } = await networkHelpers.loadFixture(votesFixture);
    await vault.connect(alice).deposit(1_000n * USD, alice.address);
    const shares = await vault.balanceOf(alice.address);
    await vault.connect(alice).lock(1_000n, 1);
    await vault.connect(alice).lock(2_000n, 2);
    await time.increase(31 * DAY); // tier 1 (30 days) has expired, tier 2 (90 days) has not
    await vault.connect(alice).unlock(1n);
    expect(await vault.lockedShares(alice.address)).to.equal(2_000n);
    await expect(vault.connect(alice).transfer(bob.address, shares - 1_999n)).to.be.revertedWithCustomError(
      vault,
      "StrategyVaultSharesLocked",
    );
    await expect(
      vault.connect(alice).redeem(shares - 1_999n, alice.address, alice.address),
    ).to.be.revertedWithCustomError(vault, "ERC4626ExceededMaxRedeem");
    await vault.connect(alice).transfer(bob.address, shares - 2_000n);
  });

  it("unlock_lastLock_sharesMoveAndLockingAgainBindsAgain", async function () {
    const { vault, alice, bob } = await networkHelpers.loadFixture(votesFixture);
    await vault.connect(alice).deposit(1_000n * USD, alice.address);
    await vault.connect(alice).lock(1_000n, 1);
    await time.increase(31 * DAY);
    await vault.connect(bob).unlock(1n);
    const shares = await vault.balanceOf(alice.address);
    expect(await vault.maxRedeem(alice.address)).to.equal(shares);
    await vault.connect(alice).lock(500n, 1);
    await expect(vault.connect(alice).transfer(bob.address, shares)).to.be.revertedWithCustomError(
      vault,
      "StrategyVaultSharesLocked",
    );
  });

  it("transfer_sharesFromALockedAccount_receiverIsNotBound", async function () {
    const { vault, alice, bob, stranger } = await networkHelpers.loadFixture(votesFixture);
    await vault.connect(alice).deposit(1_000n * USD, alice.address);
    const shares = await vault.balanceOf(alice.address);
    await vault.connect(alice).lock(shares / 2n, 1);
    await vault.connect(alice).transfer(bob.address, shares / 2n);
    await vault.connect(bob).transfer(stranger.address, shares / 2n);
    expect(await vault.balanceOf(stranger.address)).to.equal(shares / 2n);
  });

  it("delegates_zeroAddress_isZero", async function () {
    const { vault } = await networkHelpers.loadFixture(votesFixture);
    expect(await vault.delegates(ZeroAddress)).to.equal(ZeroAddress);
  });
});

import { expect } from "chai";
import { network } from "hardhat";
import { id as hashText } from "ethers";
import { deployLocalSystem } from "../helpers/fixtures.js";
import { DEFAULT_GOVERNANCE, handOverTrustLayer } from "../../scripts/lib/system.js";
import type {
  DisputeDesk,
  KeeperCapital,
  Parameters,
  ReputationOracle,
  StrategyVault,
  TestStablecoin,
  VaultGovernor,
  VaultTimelock,
} from "../../types/ethers-contracts/index.js";
import { key, USD } from "../vault/fixtures.js";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;
const HOUR = 3_600;

/** The real deploy path; alice and bob deposit and delegate to themselves, one epoch passes. */
async function governedSystem() {
  const system = await deployLocalSystem(ethers);
  const [deployer, alice, bob, attacker] = await ethers.getSigners();
  const vault = system["StrategyVault"]!.contract as unknown as StrategyVault;
  const asset = system["DepositAsset"]!.contract as unknown as TestStablecoin;
  const params = system["Parameters"]!.contract as unknown as Parameters;
  const governor = system["VaultGovernor"]!.contract as unknown as VaultGovernor;
  const timelock = system["VaultTimelock"]!.contract as unknown as VaultTimelock;
  for (const [s, amount] of [
    [alice!, 10_000n * USD],
    [bob!, 3_000n * USD],
  ] as const) {
    await asset.connect(s).approve(await vault.getAddress(), amount);
    await vault.connect(s).deposit(amount, s.address);
    await vault.connect(s).delegate(s.address);
  }
  await time.increase(HOUR);
  return {
    system,
    vault,
    asset,
    params,
    governor,
    timelock,
    deployer: deployer!,
    alice: alice!,
    bob: bob!,
    attacker: attacker!,
  };
}

type Fixture = Awaited<ReturnType<typeof governedSystem>>;

async function propose(f: Fixture, calls: { target: string; data: string }[], description: string) {
  const targets = calls.map((c) => c.target);
  const values = calls.map(() => 0n);
  const datas = calls.map((c) => c.data);
  await f.governor.connect(f.alice).propose(targets, values, datas, description);
  const proposalId = await f.governor.hashProposal(targets, values, datas, hashText(description));
  return { proposalId, targets, values, datas, descriptionHash: hashText(description) };
}

describe("Governance", function () {
  it("deploySystem_timelockOwnsParametersVaultAndUpkeep", async function () {
    const f = await networkHelpers.loadFixture(governedSystem);
    const timelockAddress = await f.timelock.getAddress();
    expect(await f.params.owner()).to.equal(timelockAddress);
    expect(await f.vault.owner()).to.equal(timelockAddress);
    const upkeep = f.system["VaultUpkeep"]!.contract as unknown as { owner(): Promise<string> };
    expect(await upkeep.owner()).to.equal(timelockAddress);
    expect(await f.timelock.hasRole(await f.timelock.PROPOSER_ROLE(), await f.governor.getAddress())).to.equal(true);
    expect(await f.timelock.hasRole(await f.timelock.DEFAULT_ADMIN_ROLE(), f.deployer.address)).to.equal(false);
    expect(await f.governor.token()).to.equal(await f.vault.getAddress());
    expect(await f.governor.votingPeriod()).to.equal(BigInt(DEFAULT_GOVERNANCE.votingPeriod));
  });

  it("deploySystem_trustLayer_governanceRolesWithTimelockAndSlashesToVault", async function () {
    const f = await networkHelpers.loadFixture(governedSystem);
    const timelock = await f.timelock.getAddress();
    const reputation = f.system["ReputationOracle"]!.contract as unknown as ReputationOracle;
    expect(await reputation.slashReceiver()).to.equal(await f.vault.getAddress());
    const desk = f.system["DisputeDesk"]!.contract as unknown as DisputeDesk;
    expect(await desk.hasRole(await desk.ARBITER_ROLE(), timelock)).to.equal(true);
    expect(await desk.hasRole(await desk.ARBITER_ROLE(), f.deployer.address)).to.equal(false);
    for (const name of ["AttestationRegistry", "ReceiptRegistry", "ReputationOracle", "DisputeDesk"]) {
      const c = f.system[name]!.contract as unknown as ReputationOracle;
      expect(await c.hasRole(ethers.ZeroHash, timelock), name).to.equal(true);
      expect(await c.hasRole(ethers.ZeroHash, f.deployer.address), name).to.equal(false);
    }
  });

  it("deploySystem_capitalBookSources_areTheTrustLayerOrUnset", async function () {
    const f = await networkHelpers.loadFixture(governedSystem);
    const capital = f.system["KeeperCapital"]!.contract as unknown as KeeperCapital;
    expect(await f.vault.capitalBook()).to.equal(await capital.getAddress());
    expect(await capital.owner()).to.equal(await f.timelock.getAddress());
    if (f.system["ReputationOracle"]) {
      expect(await capital.eligibility()).to.equal(await f.system["ReputationOracle"].contract.getAddress());
    } else {
      expect(await capital.eligibility()).to.equal(ethers.ZeroAddress);
    }
    // Locally the capital book bounds receipts by the reference feed of the market the keepers trade.
    expect(await capital.priceFeed()).to.equal(await f.system["ReferencePriceFeed"]!.contract.getAddress());
  });

  it("set_byDeployerAfterHandover_reverts", async function () {
    const f = await networkHelpers.loadFixture(governedSystem);
    await expect(f.params.connect(f.deployer).set(key("maxSlippageBps"), 80))
      .to.be.revertedWithCustomError(f.params, "OwnableUnauthorizedAccount")
      .withArgs(f.deployer.address);
    await expect(f.vault.connect(f.deployer).setCapitalBook(f.deployer.address)).to.be.revertedWithCustomError(
      f.vault,
      "OwnableUnauthorizedAccount",
    );
  });

  it("proposal_proposeVoteQueueExecute_changesThreshold", async function () {
    const f = await networkHelpers.loadFixture(governedSystem);
    const paramsAddress = await f.params.getAddress();
    const p = await propose(
      f,
      [
        { target: paramsAddress, data: f.params.interface.encodeFunctionData("set", [key("maxSlippageBps"), 80n]) },
        {
          target: await f.vault.getAddress(),
          data: f.vault.interface.encodeFunctionData("setCapitalBook", [f.bob.address]),
        },
      ],
      "Raise max slippage to 0.8% and set the capital book",
    );
    expect(await f.governor.state(p.proposalId)).to.equal(0n); // Pending
    await time.increase((DEFAULT_GOVERNANCE.votingDelay + 1) * HOUR);
    expect(await f.governor.state(p.proposalId)).to.equal(1n); // Active
    await expect(f.governor.connect(f.alice).castVote(p.proposalId, 1))
      .to.emit(f.governor, "VoteCast")
      .withArgs(f.alice.address, p.proposalId, 1, await f.vault.balanceOf(f.alice.address), "");
    await f.governor.connect(f.bob).castVote(p.proposalId, 0);
    await time.increase(DEFAULT_GOVERNANCE.votingPeriod * HOUR);
    expect(await f.governor.state(p.proposalId)).to.equal(4n); // Succeeded
    await f.governor.queue(p.targets, p.values, p.datas, p.descriptionHash);
    expect(await f.governor.state(p.proposalId)).to.equal(5n); // Queued
    await expect(f.governor.execute(p.targets, p.values, p.datas, p.descriptionHash)).to.be.revertedWithCustomError(
      f.timelock,
      "TimelockUnexpectedOperationState",
    );
    await time.increase(DEFAULT_GOVERNANCE.timelockDelaySeconds);
    await expect(f.governor.execute(p.targets, p.values, p.datas, p.descriptionHash))
      .to.emit(f.params, "ParameterChanged")
      .withArgs(key("maxSlippageBps"), 50n, 80n);
    expect(await f.params.get(key("maxSlippageBps"))).to.equal(80n);
    expect(await f.vault.capitalBook()).to.equal(f.bob.address);
    expect(await f.governor.state(p.proposalId)).to.equal(7n); // Executed
  });

  it("proposal_minorityFor_isDefeated", async function () {
    const f = await networkHelpers.loadFixture(governedSystem);
    const p = await propose(
      f,
      [
        {
          target: await f.params.getAddress(),
          data: f.params.interface.encodeFunctionData("set", [key("minScore"), 1n]),
        },
      ],
      "Lower the minimum score",
    );
    await time.increase((DEFAULT_GOVERNANCE.votingDelay + 1) * HOUR);
    await f.governor.connect(f.bob).castVote(p.proposalId, 1);
    await f.governor.connect(f.alice).castVote(p.proposalId, 0);
    await time.increase(DEFAULT_GOVERNANCE.votingPeriod * HOUR);
    expect(await f.governor.state(p.proposalId)).to.equal(3n); // Defeated
  });

  it("execute_parameterOutOfBounds_revertsAndKeepsValue", async function () {
    const f = await networkHelpers.loadFixture(governedSystem);
    const p = await propose(
      f,
      [
        {
          target: await f.params.getAddress(),
          data: f.params.interface.encodeFunctionData("set", [key("maxSlippageBps"), 5_000n]),
        },
      ],
      "Max slippage 50%",
    );
    await time.increase((DEFAULT_GOVERNANCE.votingDelay + 1) * HOUR);
    await f.governor.connect(f.alice).castVote(p.proposalId, 1);
    await time.increase(DEFAULT_GOVERNANCE.votingPeriod * HOUR);
    await f.governor.queue(p.targets, p.values, p.datas, p.descriptionHash);
    await time.increase(DEFAULT_GOVERNANCE.timelockDelaySeconds);
    await expect(f.governor.execute(p.targets, p.values, p.datas, p.descriptionHash))
      .to.be.revertedWithCustomError(f.params, "ParametersOutOfBounds")
      .withArgs(key("maxSlippageBps"), 5_000n, 1n, 1_000n);
    expect(await f.params.get(key("maxSlippageBps"))).to.equal(50n);
  });

  it("castVote_flashDepositInOneTransaction_countsZero", async function () {
    const f = await networkHelpers.loadFixture(governedSystem);
    const p = await propose(
      f,
      [
        {
          target: await f.params.getAddress(),
          data: f.params.interface.encodeFunctionData("set", [key("minScore"), 1n]),
        },
      ],
      "Lower the minimum score",
    );
    await time.increase((DEFAULT_GOVERNANCE.votingDelay + 1) * HOUR);
    const voter = await ethers.deployContract("FlashVoter");
    await f.asset.mint(await voter.getAddress(), 1_000_000n * USD); // far more than all depositors
    const weight = await voter.attack.staticCall(
      await f.vault.getAddress(),
      await f.governor.getAddress(),
      p.proposalId,
    );
    expect(weight).to.equal(0n);
    await voter.attack(await f.vault.getAddress(), await f.governor.getAddress(), p.proposalId);
    const votes = await f.governor.proposalVotes(p.proposalId);
    expect(votes.forVotes).to.equal(0n);
  });

  it("castVote_depositAfterSnapshot_countsZero", async function () {
    const f = await networkHelpers.loadFixture(governedSystem);
    const p = await propose(
      f,
      [
        {
          target: await f.params.getAddress(),
          data: f.params.interface.encodeFunctionData("set", [key("minScore"), 1n]),
        },
      ],
      "Lower the minimum score",
    );
    await time.increase((DEFAULT_GOVERNANCE.votingDelay + 1) * HOUR);
    await f.asset.connect(f.attacker).approve(await f.vault.getAddress(), 500_000n * USD);
    await f.vault.connect(f.attacker).deposit(500_000n * USD, f.attacker.address);
    await f.vault.connect(f.attacker).delegate(f.attacker.address);
    await time.increase(HOUR);
    await expect(f.governor.connect(f.attacker).castVote(p.proposalId, 1))
      .to.emit(f.governor, "VoteCast")
      .withArgs(f.attacker.address, p.proposalId, 1, 0n, "");
  });

  it("quorum_isFractionOfSupplyAtSnapshot", async function () {
    const f = await networkHelpers.loadFixture(governedSystem);
    const snapshot = (await f.vault.clock()) - 1n;
    const supply = await f.vault.getPastTotalSupply(snapshot);
    expect(supply).to.equal(await f.vault.totalSupply());
    expect(await f.governor.quorum(snapshot)).to.equal((supply * 4n) / 100n);
  });

  it("quorum_flashDepositInSnapshotEpoch_doesNotInflateIt", async function () {
    // Threat: a large deposit redeemed within the proposal's snapshot epoch raising the quorum (blocking a
    // proposal) or its own weight. The vault records the supply once per epoch; the epoch's value is its end.
    const f = await networkHelpers.loadFixture(governedSystem);
    const p = await propose(
      f,
      [
        {
          target: await f.params.getAddress(),
          data: f.params.interface.encodeFunctionData("set", [key("minScore"), 1n]),
        },
      ],
      "Lower the minimum score",
    );
    const snapshot = await f.governor.proposalSnapshot(p.proposalId);
    const honest = await f.vault.totalSupply();
    await time.increaseTo(snapshot * BigInt(HOUR) + 60n); // inside the snapshot epoch
    expect(await f.vault.clock()).to.equal(snapshot);
    await f.asset.connect(f.attacker).approve(await f.vault.getAddress(), 900_000n * USD);
    await f.vault.connect(f.attacker).deposit(900_000n * USD, f.attacker.address);
    await f.vault.connect(f.attacker).delegate(f.attacker.address);
    await f.vault
      .connect(f.attacker)
      .redeem(await f.vault.balanceOf(f.attacker.address), f.attacker.address, f.attacker.address);
    expect(await f.vault.clock()).to.equal(snapshot);
    await time.increase(HOUR);
    expect(await f.vault.getPastTotalSupply(snapshot)).to.equal(honest);
    expect(await f.governor.quorum(snapshot)).to.equal((honest * 4n) / 100n);
    expect(await f.vault.getPastVotes(f.attacker.address, snapshot)).to.equal(0n);
  });
});

describe("handOverTrustLayer", function () {
  async function rolesFixture() {
    const [deployer, timelock, vault] = await ethers.getSigners();
    const reputation = await ethers.deployContract("TestRoleHolder", [deployer!.address]);
    const receipts = await ethers.deployContract("TestRoleHolder", [deployer!.address]);
    return { deployer: deployer!, timelock: timelock!, vault: vault!, reputation, receipts };
  }

  it("handOverTrustLayer_movesGovernanceRolesAndPointsSlashesAtVault", async function () {
    const { deployer, timelock, vault, reputation, receipts } = await networkHelpers.loadFixture(rolesFixture);
    await handOverTrustLayer(
      {
        ReputationOracle: { artifact: "TestRoleHolder", contract: reputation },
        ReceiptRegistry: { artifact: "TestRoleHolder", contract: receipts },
      },
      deployer.address,
      timelock.address,
      vault.address,
    );
    expect(await reputation.slashReceiver()).to.equal(vault.address);
    for (const c of [reputation, receipts]) {
      for (const role of [await c.DEFAULT_ADMIN_ROLE(), await c.ARBITER_ROLE()]) {
        expect(await c.hasRole(role, timelock.address)).to.equal(true);
        expect(await c.hasRole(role, deployer.address)).to.equal(false);
      }
      // Operational roles stay where the trust layer's deploy step put them.
      expect(await c.hasRole(await c.VERIFIER_ROLE(), deployer.address)).to.equal(true);
    }
  });
});

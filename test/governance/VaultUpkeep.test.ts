import { expect } from "chai";
import { network } from "hardhat";
import { AbiCoder, ZeroHash, id as hashText } from "ethers";
import { deployVault, USD } from "../vault/fixtures.js";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;
const coder = AbiCoder.defaultAbiCoder();

async function upkeepFixture() {
  const f = await deployVault(ethers);
  const upkeep = await ethers.deployContract("VaultUpkeep", [await f.vault.getAddress(), f.owner.address]);
  const claims = await ethers.deployContract("TestStaleClaimSource");
  return { ...f, upkeep, claims };
}

describe("VaultUpkeep", function () {
  it("checkUpkeep_nothingDue_returnsFalse", async function () {
    const { upkeep } = await networkHelpers.loadFixture(upkeepFixture);
    const [needed, data] = await upkeep.checkUpkeep("0x");
    expect(needed).to.equal(false);
    expect(coder.decode(["bool", "bytes32[]"], data)[0]).to.equal(false);
  });

  it("performUpkeep_nothingDue_reverts", async function () {
    const { upkeep } = await networkHelpers.loadFixture(upkeepFixture);
    await expect(upkeep.performUpkeep(coder.encode(["bool", "bytes32[]"], [true, []]))).to.be.revertedWithCustomError(
      upkeep,
      "VaultUpkeepNothingToDo",
    );
  });

  it("performUpkeep_bufferOffTarget_rebalances", async function () {
    const { upkeep, vault, alice, stranger } = await networkHelpers.loadFixture(upkeepFixture);
    await vault.connect(alice).deposit(10_000n * USD, alice.address);
    const [needed, data] = await upkeep.checkUpkeep("0x");
    expect(needed).to.equal(true);
    await expect(upkeep.connect(stranger).performUpkeep(data))
      .to.emit(upkeep, "UpkeepPerformed")
      .withArgs(true, 0n)
      .and.to.emit(vault, "Rebalanced");
    expect(await vault.sleeveAssets(2)).to.equal(1_000n * USD);
    // A replay of the same performData finds nothing left to do.
    await expect(upkeep.performUpkeep(data)).to.be.revertedWithCustomError(upkeep, "VaultUpkeepNothingToDo");
  });

  it("performUpkeep_staleClaims_expiresThemThroughTheSource", async function () {
    const { upkeep, claims, owner } = await networkHelpers.loadFixture(upkeepFixture);
    await expect(upkeep.connect(owner).setClaimSource(await claims.getAddress()))
      .to.emit(upkeep, "ClaimSourceSet")
      .withArgs(await claims.getAddress());
    const now = await time.latest();
    await claims.addClaim(hashText("a"), now + 10);
    await claims.addClaim(hashText("b"), now + 1_000);
    expect((await upkeep.checkUpkeep("0x"))[0]).to.equal(false);
    await time.increase(20);
    const [needed, data] = await upkeep.checkUpkeep("0x");
    expect(needed).to.equal(true);
    expect(coder.decode(["bool", "bytes32[]"], data)[1]).to.deep.equal([hashText("a")]);
    await expect(upkeep.performUpkeep(data)).to.emit(upkeep, "UpkeepPerformed").withArgs(false, 1n);
    expect(await claims.expired(hashText("a"))).to.equal(true);
    expect(await claims.expired(hashText("b"))).to.equal(false);
  });

  it("performUpkeep_forgedClaimIds_expireNothing", async function () {
    const { upkeep, claims, owner } = await networkHelpers.loadFixture(upkeepFixture);
    await upkeep.connect(owner).setClaimSource(await claims.getAddress());
    await claims.addClaim(hashText("b"), (await time.latest()) + 1_000);
    const forged = coder.encode(["bool", "bytes32[]"], [false, [hashText("b"), ZeroHash]]);
    await expect(upkeep.performUpkeep(forged)).to.be.revertedWithCustomError(upkeep, "VaultUpkeepNothingToDo");
  });

  it("setClaimSource_byStranger_reverts", async function () {
    const { upkeep, stranger } = await networkHelpers.loadFixture(upkeepFixture);
    await expect(upkeep.connect(stranger).setClaimSource(stranger.address))
      .to.be.revertedWithCustomError(upkeep, "OwnableUnauthorizedAccount")
      .withArgs(stranger.address);
  });

  it("constructor_zeroVault_reverts", async function () {
    const { owner } = await networkHelpers.loadFixture(upkeepFixture);
    const factory = await ethers.getContractFactory("VaultUpkeep");
    await expect(factory.deploy(ethers.ZeroAddress, owner.address)).to.be.revertedWithCustomError(
      factory,
      "VaultUpkeepZeroAddress",
    );
  });
});

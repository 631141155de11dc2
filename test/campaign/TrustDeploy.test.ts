import { expect } from "chai";
import { network } from "hardhat";
import { deployTrust, type Trust } from "../helpers/trust.js";

const { ethers, networkHelpers } = await network.create();

async function trustFixture(): Promise<Trust> {
  return deployTrust(ethers);
}

describe("deploySystem trust layer", function () {
  it("deploySystem_local_wiresTrustLayerRoles", async function () {
    const t = await networkHelpers.loadFixture(trustFixture);
    const gov = t.governance.address;
    const admin = ethers.ZeroHash;
    expect(await t.receipts.campaignRegistry()).to.equal(await t.campaigns.getAddress());
    expect(await t.reputation.hasRole(await t.reputation.REPORTER_ROLE(), await t.campaigns.getAddress())).to.equal(
      true,
    );
    expect(await t.reputation.hasRole(await t.reputation.REPORTER_ROLE(), gov)).to.equal(false);
    // Governance roles start with the deployer, to be moved to the timelock.
    expect(await t.reputation.hasRole(admin, gov)).to.equal(true);
    expect(await t.desk.hasRole(await t.desk.ARBITER_ROLE(), gov)).to.equal(true);
    expect(await t.desk.hasRole(admin, gov)).to.equal(true);
    // The desk drives the oracle's slashes; the receipt registry snapshots the oracle's bindings.
    expect(await t.reputation.disputeDesk()).to.equal(await t.desk.getAddress());
    expect(await t.receipts.operatorSource()).to.equal(await t.reputation.getAddress());
    expect(await t.desk.ORACLE()).to.equal(await t.reputation.getAddress());
    expect(await t.attestations.hasRole(admin, gov)).to.equal(true);
    expect(await t.receipts.hasRole(admin, gov)).to.equal(true);
    expect(await t.reputation.slashReceiver()).to.equal(gov);
    // Every contract reads the same Parameters and the same stake token.
    const params = await t.params.getAddress();
    expect(await t.attestations.PARAMETERS()).to.equal(params);
    expect(await t.reputation.PARAMETERS()).to.equal(params);
    expect(await t.campaigns.PARAMETERS()).to.equal(params);
    expect(await t.reputation.STAKE_TOKEN()).to.equal(await t.asset.getAddress());
    expect(await t.reputation.RECEIPTS()).to.equal(await t.receipts.getAddress());
    expect(await t.campaigns.REPUTATION()).to.equal(await t.reputation.getAddress());
    expect(await t.receipts.ATTESTATIONS()).to.equal(await t.attestations.getAddress());
  });
});

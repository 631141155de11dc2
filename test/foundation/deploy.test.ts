import { expect } from "chai";
import { network } from "hardhat";
import { deployLocalSystem } from "../helpers/fixtures.js";
import { DEFAULT_DEV_FUNDING } from "../../scripts/lib/system.js";
import { readRemoteEnv } from "../../scripts/lib/env.js";
import type { TestStablecoin } from "../../types/ethers-contracts/index.js";

describe("deploy", function () {
  it("deploySystem_local_fundsEveryDevelopmentAccount", async function () {
    const { ethers, networkHelpers } = await network.create();
    const fixture = async function localSystem() {
      return deployLocalSystem(ethers);
    };
    const system = await networkHelpers.loadFixture(fixture);
    const asset = system["DepositAsset"]!.contract as unknown as TestStablecoin;
    expect(await asset.decimals()).to.equal(6n);
    for (const signer of await ethers.getSigners()) {
      expect(await asset.balanceOf(signer.address)).to.equal(DEFAULT_DEV_FUNDING);
    }
  });

  it("mint_aboveMax_reverts", async function () {
    const { ethers } = await network.create();
    const asset = await ethers.deployContract("TestStablecoin");
    const max = await asset.MAX_MINT();
    const [alice] = await ethers.getSigners();
    await expect(asset.mint(alice!.address, max + 1n))
      .to.be.revertedWithCustomError(asset, "TestStablecoinMintTooLarge")
      .withArgs(max + 1n, max);
  });
});

describe("remote network environment", function () {
  const good = {
    REMOTE_RPC_URL: "https://rpc.example.org",
    DEPLOYER_PRIVATE_KEY: "0x" + "11".repeat(32),
    DEPOSIT_ASSET: "0x" + "22".repeat(20),
  };

  it("readRemoteEnv_valid_returnsValues", function () {
    expect(readRemoteEnv(good)).to.deep.equal(good);
  });

  for (const [name, bad, message] of [
    ["REMOTE_RPC_URL", undefined, "REMOTE_RPC_URL is not set"],
    ["REMOTE_RPC_URL", "localhost:8545", "REMOTE_RPC_URL must be an http(s) URL"],
    ["DEPLOYER_PRIVATE_KEY", "0x1234", "DEPLOYER_PRIVATE_KEY must be 0x followed by 64 hex digits"],
    ["DEPOSIT_ASSET", "usdc", "DEPOSIT_ASSET must be a 0x-prefixed 20-byte address"],
  ] as const) {
    it(`readRemoteEnv_${name}_${bad ?? "missing"}_namesVariableInOneLine`, function () {
      const env: Record<string, string | undefined> = { ...good, [name]: bad };
      expect(() => readRemoteEnv(env)).to.throw(message);
      try {
        readRemoteEnv(env);
      } catch (err) {
        expect((err as Error).message).to.not.include("\n");
        expect((err as Error).message).to.not.include(good.DEPLOYER_PRIVATE_KEY);
      }
    });
  }
});

describe("deploy: local trust set-up", function () {
  it("deploySystem_local_allowlistsDevMeasurementAndApprovesVerifierBeforeHandover", async function () {
    const { ethers } = await network.create();
    const system = await deployLocalSystem(ethers);
    const { DEVELOPMENT_MEASUREMENT } = await import("../../keeper/src/attestation/development.js");
    const { LOCAL_VERIFIER_INDEX } = await import("../../scripts/lib/system.js");
    const params = system["Parameters"]!.contract as unknown as { isMeasurementAllowed(m: string): Promise<boolean> };
    expect(await params.isMeasurementAllowed(DEVELOPMENT_MEASUREMENT)).to.equal(true);
    const registry = system["AttestationRegistry"]!.contract as unknown as {
      VERIFIER_ROLE(): Promise<string>;
      hasRole(role: string, account: string): Promise<boolean>;
    };
    const verifier = (await ethers.getSigners())[LOCAL_VERIFIER_INDEX]!;
    expect(await registry.hasRole(await registry.VERIFIER_ROLE(), verifier.address)).to.equal(true);
  });
});

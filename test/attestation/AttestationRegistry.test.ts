import { expect } from "chai";
import { network } from "hardhat";
import { keccak256, toUtf8Bytes, zeroPadBytes, hexlify, randomBytes } from "ethers";
import {
  deployTrust,
  attest,
  quoteFor,
  signQuote,
  MEASUREMENT,
  TCB,
  TCB_UNKNOWN,
  TDX,
  SGX,
  type Trust,
} from "../helpers/trust.js";

const { ethers, networkHelpers } = await network.create();

async function trustFixture(): Promise<Trust> {
  return deployTrust(ethers);
}

describe("AttestationRegistry", function () {
  it("submitVerified_approvedVerifier_recordsAndAttests", async function () {
    const t = await networkHelpers.loadFixture(trustFixture);
    const keeper = t.keepers[0]!.address;
    const q = await quoteFor(t, keeper);
    // Anyone may relay the verifier's signature.
    await expect(t.attestations.connect(t.stranger).submitVerified(q, await signQuote(t, t.verifier, q)))
      .to.emit(t.attestations, "AttestationRecorded")
      .withArgs(keeper, q.quoteHash, TDX, MEASUREMENT, TCB.UpToDate, q.verifiedAt, t.verifier.address);
    expect(await t.attestations.isAttested(keeper)).to.equal(true);
    const a = await t.attestations.attestationOf(keeper);
    expect(a.reportDataHash).to.equal(keccak256(q.reportData));
    expect(a.verifier).to.equal(t.verifier.address);
  });

  it("submitVerified_unapprovedSigner_reverts", async function () {
    const t = await networkHelpers.loadFixture(trustFixture);
    const q = await quoteFor(t, t.keepers[0]!.address);
    await expect(t.attestations.submitVerified(q, await signQuote(t, t.stranger, q)))
      .to.be.revertedWithCustomError(t.attestations, "AttestationRegistryVerifierNotApproved")
      .withArgs(t.stranger.address);
  });

  it("submitVerified_keeperSignsItsOwnQuote_reverts", async function () {
    const t = await networkHelpers.loadFixture(trustFixture);
    const q = await quoteFor(t, t.keepers[0]!.address);
    await expect(t.attestations.submitVerified(q, await signQuote(t, t.keepers[0]!, q))).to.be.revertedWithCustomError(
      t.attestations,
      "AttestationRegistryVerifierNotApproved",
    );
  });

  it("submitVerified_reportDataBindsAnotherAddress_reverts", async function () {
    const t = await networkHelpers.loadFixture(trustFixture);
    const [k0, k1] = t.keepers;
    // A genuine quote of keeper 1 presented as keeper 0's attestation.
    const q = await quoteFor(t, k0!.address, { reportData: zeroPadBytes(k1!.address, 64) });
    await expect(t.attestations.submitVerified(q, await signQuote(t, t.verifier, q)))
      .to.be.revertedWithCustomError(t.attestations, "AttestationRegistryReportDataMismatch")
      .withArgs(k0!.address, k1!.address);
  });

  it("submitVerified_reportDataTooShort_reverts", async function () {
    const t = await networkHelpers.loadFixture(trustFixture);
    const q = await quoteFor(t, t.keepers[0]!.address, { reportData: hexlify(randomBytes(19)) });
    await expect(t.attestations.submitVerified(q, await signQuote(t, t.verifier, q)))
      .to.be.revertedWithCustomError(t.attestations, "AttestationRegistryReportDataTooShort")
      .withArgs(19);
  });

  it("submitVerified_unlistedMeasurement_reverts", async function () {
    const t = await networkHelpers.loadFixture(trustFixture);
    const rogue = keccak256(toUtf8Bytes("mrtd: modified image"));
    const q = await quoteFor(t, t.keepers[0]!.address, { measurementHash: rogue });
    await expect(t.attestations.submitVerified(q, await signQuote(t, t.verifier, q)))
      .to.be.revertedWithCustomError(t.attestations, "AttestationRegistryMeasurementNotAllowed")
      .withArgs(rogue);
  });

  it("isAttested_measurementRemovedFromAllowlist_false", async function () {
    const t = await networkHelpers.loadFixture(trustFixture);
    const keeper = t.keepers[0]!.address;
    await attest(t, keeper);
    await t.params.setMeasurementAllowed(MEASUREMENT, false);
    expect(await t.attestations.isAttested(keeper)).to.equal(false);
  });

  it("isAttested_olderThanMaxAge_false", async function () {
    const t = await networkHelpers.loadFixture(trustFixture);
    const keeper = t.keepers[0]!.address;
    const q = await attest(t, keeper);
    const maxAge = await t.params.get(ethers.encodeBytes32String("attestationMaxAgeSeconds"));
    await networkHelpers.time.increaseTo(q.verifiedAt + maxAge);
    expect(await t.attestations.isAttested(keeper)).to.equal(true);
    await networkHelpers.time.increase(1);
    expect(await t.attestations.isAttested(keeper)).to.equal(false);
  });

  it("submitVerified_staleOrFutureVerification_reverts", async function () {
    const t = await networkHelpers.loadFixture(trustFixture);
    const keeper = t.keepers[0]!.address;
    const now = BigInt(await networkHelpers.time.latest());
    const old = await quoteFor(t, keeper, { verifiedAt: now - 86_400n - 10n });
    await expect(t.attestations.submitVerified(old, await signQuote(t, t.verifier, old))).to.be.revertedWithCustomError(
      t.attestations,
      "AttestationRegistryStale",
    );
    const future = await quoteFor(t, keeper, { verifiedAt: now + 3_600n });
    await expect(
      t.attestations.submitVerified(future, await signQuote(t, t.verifier, future)),
    ).to.be.revertedWithCustomError(t.attestations, "AttestationRegistryStale");
  });

  for (const [name, status] of Object.entries(TCB)) {
    const accepted = status <= TCB.ConfigurationAndSWHardeningNeeded;
    it(`submitVerified_tcb${name}_${accepted ? "accepted" : "rejected"}`, async function () {
      const t = await networkHelpers.loadFixture(trustFixture);
      const q = await quoteFor(t, t.keepers[0]!.address, { tcbStatus: status, teeType: SGX });
      const tx = t.attestations.submitVerified(q, await signQuote(t, t.verifier, q));
      if (accepted) {
        await expect(tx).to.emit(t.attestations, "AttestationRecorded");
        expect(await t.attestations.isAttested(q.keeper)).to.equal(true);
      } else {
        await expect(tx)
          .to.be.revertedWithCustomError(t.attestations, "AttestationRegistryTcbStatusRejected")
          .withArgs(status);
      }
      expect(await t.attestations.isTcbAccepted(status)).to.equal(accepted);
    });
  }

  it("submitVerified_tcbUnknown_revertsAndRecordsNothing", async function () {
    // The keeper's `Unknown` code (255) is outside the on-chain enum: the call cannot even be decoded.
    const t = await networkHelpers.loadFixture(trustFixture);
    const q = await quoteFor(t, t.keepers[0]!.address, { tcbStatus: TCB_UNKNOWN, teeType: SGX });
    await expect(t.attestations.submitVerified(q, await signQuote(t, t.verifier, q))).to.be.revert(ethers);
    expect(await t.attestations.isAttested(q.keeper)).to.equal(false);
  });

  it("submitVerified_teeTypeNone_reverts", async function () {
    const t = await networkHelpers.loadFixture(trustFixture);
    const q = await quoteFor(t, t.keepers[0]!.address, { teeType: 0 });
    await expect(t.attestations.submitVerified(q, await signQuote(t, t.verifier, q)))
      .to.be.revertedWithCustomError(t.attestations, "AttestationRegistryTeeTypeInvalid")
      .withArgs(0);
  });

  it("submitVerified_replayedSignature_reverts", async function () {
    const t = await networkHelpers.loadFixture(trustFixture);
    const q = await quoteFor(t, t.keepers[0]!.address);
    const sig = await signQuote(t, t.verifier, q);
    await t.attestations.submitVerified(q, sig);
    await expect(t.attestations.submitVerified(q, sig))
      .to.be.revertedWithCustomError(t.attestations, "AttestationRegistryNotNewer")
      .withArgs(q.verifiedAt, q.verifiedAt);
  });

  it("submitVerified_sameQuoteVerifiedAgainLater_reverts", async function () {
    const t = await networkHelpers.loadFixture(trustFixture);
    const q = await attest(t, t.keepers[0]!.address);
    await networkHelpers.time.increase(60);
    const again = await quoteFor(t, t.keepers[0]!.address, { quoteHash: q.quoteHash });
    await expect(t.attestations.submitVerified(again, await signQuote(t, t.verifier, again)))
      .to.be.revertedWithCustomError(t.attestations, "AttestationRegistryQuoteReused")
      .withArgs(q.quoteHash);
  });

  it("submitVerified_signatureForAnotherRegistry_reverts", async function () {
    const t = await networkHelpers.loadFixture(trustFixture);
    const other = await ethers.deployContract("AttestationRegistry", [await t.params.getAddress(), t.governance]);
    await other.grantRole(await other.VERIFIER_ROLE(), t.verifier.address);
    const q = await quoteFor(t, t.keepers[0]!.address);
    const sigForThis = await signQuote(t, t.verifier, q);
    await expect(other.submitVerified(q, sigForThis)).to.be.revertedWithCustomError(
      other,
      "AttestationRegistryVerifierNotApproved",
    );
  });

  it("setRevoked_governanceOnly_revokedKeeperNotAttested", async function () {
    const t = await networkHelpers.loadFixture(trustFixture);
    const keeper = t.keepers[0]!.address;
    await attest(t, keeper);
    await expect(t.attestations.connect(t.stranger).setRevoked(keeper, true)).to.be.revertedWithCustomError(
      t.attestations,
      "AccessControlUnauthorizedAccount",
    );
    await expect(t.attestations.setRevoked(keeper, true))
      .to.emit(t.attestations, "KeeperRevocationChanged")
      .withArgs(keeper, true);
    expect(await t.attestations.isAttested(keeper)).to.equal(false);
    // A fresh attestation does not lift a revocation.
    await networkHelpers.time.increase(10);
    await attest(t, keeper);
    expect(await t.attestations.isAttested(keeper)).to.equal(false);
    await t.attestations.setRevoked(keeper, false);
    expect(await t.attestations.isAttested(keeper)).to.equal(true);
  });

  it("grantRole_verifierApprovalAndTransferToTimelock_governanceOnly", async function () {
    const t = await networkHelpers.loadFixture(trustFixture);
    const role = await t.attestations.VERIFIER_ROLE();
    await expect(t.attestations.connect(t.stranger).grantRole(role, t.stranger.address)).to.be.revertedWithCustomError(
      t.attestations,
      "AccessControlUnauthorizedAccount",
    );
    // Hand governance to a "timelock" (any address), then the deployer loses it.
    const admin = await t.attestations.DEFAULT_ADMIN_ROLE();
    await t.attestations.grantRole(admin, t.stranger.address);
    await t.attestations.renounceRole(admin, t.governance.address);
    await expect(t.attestations.setRevoked(t.keepers[0]!.address, true)).to.be.revertedWithCustomError(
      t.attestations,
      "AccessControlUnauthorizedAccount",
    );
    await t.attestations.connect(t.stranger).revokeRole(role, t.verifier.address);
    const q = await quoteFor(t, t.keepers[0]!.address);
    await expect(t.attestations.submitVerified(q, await signQuote(t, t.verifier, q))).to.be.revertedWithCustomError(
      t.attestations,
      "AttestationRegistryVerifierNotApproved",
    );
  });

  it("L10_revokedVerifier_attestationsStopCounting", async function () {
    const t = await networkHelpers.loadFixture(trustFixture);
    const keeper = t.keepers[0]!.address;
    const q = await quoteFor(t, keeper);
    await t.attestations.submitVerified(q, await signQuote(t, t.verifier, q));
    expect(await t.attestations.isAttested(keeper)).to.equal(true);
    await t.attestations.revokeRole(await t.attestations.VERIFIER_ROLE(), t.verifier.address);
    expect(await t.attestations.isAttested(keeper)).to.equal(false);
    // Re-approving the verifier restores what it signed.
    await t.attestations.grantRole(await t.attestations.VERIFIER_ROLE(), t.verifier.address);
    expect(await t.attestations.isAttested(keeper)).to.equal(true);
  });

  it("L10_replacedQuoteVerifier_attestationsStopCounting", async function () {
    const t = await networkHelpers.loadFixture(trustFixture);
    const verifier = await ethers.deployContract("TestQuoteVerifier");
    await t.attestations.setQuoteVerifier(verifier);
    const keeper = t.keepers[1]!.address;
    const quote = hexlify(randomBytes(600));
    await verifier.setFields(quote, {
      teeType: TDX,
      tcbStatus: TCB.UpToDate,
      measurementHash: MEASUREMENT,
      reportData: zeroPadBytes(keeper, 64),
    });
    await t.attestations.submitQuote(quote);
    expect(await t.attestations.isAttested(keeper)).to.equal(true);
    await t.attestations.setQuoteVerifier(ethers.ZeroAddress);
    expect(await t.attestations.isAttested(keeper)).to.equal(false);
  });

  it("deploySystem_wiresTheOnChainDcapVerifier", async function () {
    const t = await networkHelpers.loadFixture(trustFixture);
    const verifier = await ethers.getContractAt("DcapQuoteVerifier", await t.attestations.quoteVerifier());
    expect(await verifier.certificates()).to.equal(await t.system["DcapCertificateRegistry"]!.contract.getAddress());
    expect(await verifier.collateral()).to.equal(await t.system["DcapCollateralRegistry"]!.contract.getAddress());
  });

  it("submitQuote_noVerifierConfigured_reverts", async function () {
    const t = await networkHelpers.loadFixture(trustFixture);
    await t.attestations.setQuoteVerifier(ethers.ZeroAddress);
    await expect(t.attestations.submitQuote("0x1234")).to.be.revertedWithCustomError(
      t.attestations,
      "AttestationRegistryNoQuoteVerifier",
    );
  });

  it("submitQuote_onChainVerifier_recordsBoundKeeper", async function () {
    const t = await networkHelpers.loadFixture(trustFixture);
    const verifier = await ethers.deployContract("TestQuoteVerifier");
    await expect(t.attestations.connect(t.stranger).setQuoteVerifier(verifier)).to.be.revertedWithCustomError(
      t.attestations,
      "AccessControlUnauthorizedAccount",
    );
    const deployed = await t.attestations.quoteVerifier();
    await expect(t.attestations.setQuoteVerifier(verifier))
      .to.emit(t.attestations, "QuoteVerifierChanged")
      .withArgs(deployed, await verifier.getAddress());
    const keeper = t.keepers[1]!.address;
    const quote = hexlify(randomBytes(600));
    await verifier.setFields(quote, {
      teeType: TDX,
      tcbStatus: TCB.SWHardeningNeeded,
      measurementHash: MEASUREMENT,
      reportData: zeroPadBytes(keeper, 64),
    });
    await expect(t.attestations.connect(t.stranger).submitQuote(quote))
      .to.emit(t.attestations, "AttestationRecorded")
      .withArgs(
        keeper,
        keccak256(quote),
        TDX,
        MEASUREMENT,
        TCB.SWHardeningNeeded,
        await networkHelpers.time.latest().then((x) => BigInt(x) + 1n),
        await verifier.getAddress(),
      );
    expect(await t.attestations.isAttested(keeper)).to.equal(true);
    // The same quote cannot refresh the attestation later.
    await expect(t.attestations.submitQuote(quote)).to.be.revertedWithCustomError(
      t.attestations,
      "AttestationRegistryQuoteReused",
    );
    // A quote the verifier rejects is not recorded.
    await expect(t.attestations.submitQuote("0xdead")).to.be.revertedWithCustomError(
      verifier,
      "TestQuoteVerifierUnknownQuote",
    );
  });

  it("submitQuote_outOfDateTcbOrUnlistedMeasurement_reverts", async function () {
    const t = await networkHelpers.loadFixture(trustFixture);
    const verifier = await ethers.deployContract("TestQuoteVerifier");
    await t.attestations.setQuoteVerifier(verifier);
    const keeper = t.keepers[1]!.address;
    const q1 = hexlify(randomBytes(100));
    await verifier.setFields(q1, {
      teeType: TDX,
      tcbStatus: TCB.OutOfDate,
      measurementHash: MEASUREMENT,
      reportData: zeroPadBytes(keeper, 64),
    });
    await expect(t.attestations.submitQuote(q1)).to.be.revertedWithCustomError(
      t.attestations,
      "AttestationRegistryTcbStatusRejected",
    );
    const q2 = hexlify(randomBytes(100));
    await verifier.setFields(q2, {
      teeType: TDX,
      tcbStatus: TCB.UpToDate,
      measurementHash: keccak256("0x01"),
      reportData: zeroPadBytes(keeper, 64),
    });
    await expect(t.attestations.submitQuote(q2)).to.be.revertedWithCustomError(
      t.attestations,
      "AttestationRegistryMeasurementNotAllowed",
    );
  });
});

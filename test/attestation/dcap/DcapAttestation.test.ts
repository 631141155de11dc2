import { expect } from "chai";
import { getAddress, hexlify, keccak256 } from "ethers";
import { verify as qvlVerify } from "@phala/dcap-qvl";
import { SGX, TDX, TDX_OUTDATED } from "./samples.js";
import { dcapChainAt, submitCollateral } from "./fixture.js";

/**
 * The attestation registry with the on-chain DCAP verifier and no account holding VERIFIER_ROLE. The samples'
 * report data binds whatever key the party that produced them chose (their first 20 bytes read as an address):
 * no local keeper key can equal it without a TEE, so the registry-level binding is exercised with the sample's
 * own report data: the attestation is recorded for the address the quote binds, never for the submitter.
 */
async function registryWith(sample = TDX()) {
  const c = await dcapChainAt(sample);
  await submitCollateral(c, sample);
  const [governance, submitter] = await c.ethers.getSigners();
  const params = await c.ethers.deployContract("Parameters", [governance!.address]);
  const registry = await c.ethers.deployContract("AttestationRegistry", [
    await params.getAddress(),
    governance!.address,
  ]);
  await registry.setQuoteVerifier(await c.verifier.getAddress());
  return { ...c, params, registry, submitter: submitter! };
}

function reportOf(quote: Uint8Array, at: number) {
  const r = qvlVerify(quote, TDX().collateral, at);
  const td = r.report.asTd10()!;
  return { measurementHash: keccak256(td.mrTd), reportData: hexlify(td.reportData) };
}

describe("AttestationRegistry with DcapQuoteVerifier", function () {
  this.timeout(300_000);

  it("submitQuote_realTdxQuote_recordsTheBoundAddress", async function () {
    const s = TDX();
    const c = await registryWith(s);
    const { measurementHash, reportData } = reportOf(s.quote, s.at);
    await c.params.setMeasurementAllowed(measurementHash, true);
    const bound = getAddress(reportData.slice(0, 42));
    expect(await c.registry.hasRole(await c.registry.VERIFIER_ROLE(), c.submitter.address)).to.equal(false);
    const at = (await c.networkHelpers.time.latest()) + 1;
    await c.networkHelpers.time.setNextBlockTimestamp(at);
    await expect(c.registry.connect(c.submitter).submitQuote(s.quote))
      .to.emit(c.registry, "AttestationRecorded")
      .withArgs(bound, keccak256(s.quote), 2, measurementHash, 0, at, await c.verifier.getAddress());
    expect(await c.registry.isAttested(bound)).to.equal(true);
    // The submitter (or any other key) gains nothing: the quote binds only the address in its report data.
    expect(await c.registry.isAttested(c.submitter.address)).to.equal(false);
    // The same quote cannot be replayed.
    await expect(c.registry.submitQuote(s.quote)).to.be.revertedWithCustomError(
      c.registry,
      "AttestationRegistryQuoteReused",
    );
  });

  it("submitQuote_measurementNotAllowed_reverts", async function () {
    const s = TDX();
    const c = await registryWith(s);
    await expect(c.registry.submitQuote(s.quote)).to.be.revertedWithCustomError(
      c.registry,
      "AttestationRegistryMeasurementNotAllowed",
    );
  });

  it("submitQuote_sgxQuote_recordsConfigurationAndSWHardeningNeeded", async function () {
    const s = SGX();
    const c = await registryWith(s);
    const sgx = qvlVerify(s.quote, s.collateral, s.at).report.asSgx()!;
    await c.params.setMeasurementAllowed(keccak256(sgx.mrEnclave), true);
    await c.registry.submitQuote(s.quote);
    const bound = getAddress(hexlify(sgx.reportData).slice(0, 42));
    const a = await c.registry.attestationOf(bound);
    expect(a.tcbStatus).to.equal(3n);
    expect(a.teeType).to.equal(1n);
  });

  it("submitQuote_outdatedPlatform_reverts", async function () {
    // The outdated sample's TCB is below every level of its collateral: refused, as dcap-qvl refuses it.
    const s = TDX_OUTDATED();
    const c = await registryWith(s);
    await expect(c.registry.submitQuote(s.quote)).to.be.revertedWithCustomError(
      c.verifier,
      "DcapQuoteVerifierTcbLevelNotFound",
    );
  });
});

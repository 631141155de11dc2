import { expect } from "chai";
import { network } from "hardhat";
import { verify as qvlVerify } from "@phala/dcap-qvl";
import { hexlify, keccak256 } from "ethers";
import { ALL_SAMPLES, SGX, TDX, hex, utf8, type Sample } from "./samples.js";

const TCB_CODE: Record<string, number> = {
  UpToDate: 0,
  SWHardeningNeeded: 1,
  ConfigurationNeeded: 2,
  ConfigurationAndSWHardeningNeeded: 3,
  OutOfDate: 4,
  OutOfDateConfigurationNeeded: 5,
  Revoked: 6,
};

/** A fresh chain whose clock starts a day before the sample's pinned time, then set exactly to it. */
async function chainAt(s: Sample) {
  const conn = await network.create({
    override: { initialDate: new Date((s.at - 86400) * 1000).toISOString() },
  });
  const { ethers, networkHelpers } = conn;
  const certs = await ethers.deployContract("DcapCertificateRegistry");
  const collateral = await ethers.deployContract("DcapCollateralRegistry", [await certs.getAddress()]);
  const verifier = await ethers.deployContract("DcapQuoteVerifier", [
    await certs.getAddress(),
    await collateral.getAddress(),
  ]);
  await networkHelpers.time.increaseTo(s.at);
  return { conn, ethers, networkHelpers, certs, collateral, verifier };
}

async function submitCollateral(c: Awaited<ReturnType<typeof chainAt>>, s: Sample) {
  const col = s.collateral;
  await (await c.certs.submitRootCrl(hex(col.root_ca_crl))).wait();
  await (await c.certs.submitPckCrl(hex(col.pck_crl), utf8(col.pck_crl_issuer_chain))).wait();
  await (
    await c.collateral.submitTcbInfo(utf8(col.tcb_info), hex(col.tcb_info_signature), utf8(col.tcb_info_issuer_chain))
  ).wait();
  await (
    await c.collateral.submitQeIdentity(
      utf8(col.qe_identity),
      hex(col.qe_identity_signature),
      utf8(col.qe_identity_issuer_chain),
    )
  ).wait();
}

describe("DcapQuoteVerifier", function () {
  this.timeout(300_000);

  for (const s of ALL_SAMPLES()) {
    it(`verifyQuote_${s.name}_matchesDcapQvl`, async function () {
      const c = await chainAt(s);
      await submitCollateral(c, s);
      let expected: { teeType: number; status: number; measurementHash: string; reportData: string } | Error;
      try {
        const r = qvlVerify(s.quote, s.collateral, s.at);
        const sgx = r.report.asSgx();
        const td = r.report.asTd10();
        expected = {
          teeType: sgx ? 1 : 2,
          status: TCB_CODE[r.status]!,
          measurementHash: keccak256(sgx ? sgx.mrEnclave : td!.mrTd),
          reportData: hexlify(sgx ? sgx.reportData : td!.reportData),
        };
      } catch (err) {
        expected = err as Error;
      }
      // The block that executes the call is the next one: pin its timestamp to the sample's time.
      if (expected instanceof Error) {
        expect(expected.message).to.equal("No matching TCB level found");
        await expect(c.verifier.verifyQuote(s.quote)).to.be.revertedWithCustomError(
          c.verifier,
          "DcapQuoteVerifierTcbLevelNotFound",
        );
        return;
      }
      const f = await c.verifier.verifyQuote.staticCall(s.quote);
      expect(Number(f.teeType)).to.equal(expected.teeType);
      expect(Number(f.tcbStatus)).to.equal(expected.status);
      expect(f.measurementHash).to.equal(expected.measurementHash);
      expect(f.reportData).to.equal(expected.reportData);
      const tx = await c.verifier.verifyQuote(s.quote);
      const rc = await tx.wait();
      console.log(`      ${s.name}: first verification gas ${rc!.gasUsed}`);
      const rc2 = await (await c.verifier.verifyQuote(s.quote)).wait();
      console.log(`      ${s.name}: repeat verification gas ${rc2!.gasUsed}`);
    });
  }
  void SGX;
  void TDX;
});

import { expect } from "chai";
import { generateKeyPairSync, sign, X509Certificate, type KeyObject } from "node:crypto";
import { DcapQuote } from "./quote-layout.js";
import { SGX, TDX, hex, pemBlocks, quotePem, utf8, withPemChain } from "./samples.js";
import { dcapChainAt, submitCollateral, type DcapChain } from "./fixture.js";

const flip = (q: Uint8Array, at: number) => {
  const c = new Uint8Array(q);
  c[at] = c[at]! ^ 0x01;
  return c;
};

/** DER length bytes. */
function derLen(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x100) return Buffer.from([0x81, n]);
  return Buffer.from([0x82, n >> 8, n & 0xff]);
}
const tlv = (tag: number, body: Buffer) => Buffer.concat([Buffer.from([tag]), derLen(body.length), body]);

/** Re-signs certificate `der` with `key` (ecdsa-with-SHA256), optionally replacing its subject public key. */
function resign(der: Buffer, key: KeyObject, newPublicKey?: Buffer, oldPublicKey?: Buffer): Buffer {
  // Outer SEQUENCE header, then the TBS SEQUENCE.
  const outerHeader = der[1]! & 0x80 ? 2 + (der[1]! & 0x7f) : 2;
  const tbsLenBytes = der[outerHeader + 1]! & 0x80 ? der[outerHeader + 1]! & 0x7f : 0;
  const tbsLen = tbsLenBytes
    ? der.subarray(outerHeader + 2, outerHeader + 2 + tbsLenBytes).reduce((a, b) => a * 256 + b, 0)
    : der[outerHeader + 1]!;
  const tbsEnd = outerHeader + 2 + tbsLenBytes + tbsLen;
  const tbs = Buffer.from(der.subarray(outerHeader, tbsEnd));
  if (newPublicKey && oldPublicKey) {
    const at = tbs.indexOf(oldPublicKey);
    if (at < 0) throw new Error("public key not found in the certificate");
    newPublicKey.copy(tbs, at);
  }
  const sigAlg = Buffer.from("300a06082a8648ce3d040302", "hex");
  const signature = sign("sha256", tbs, key);
  return tlv(0x30, Buffer.concat([tbs, sigAlg, tlv(0x03, Buffer.concat([Buffer.from([0]), signature]))]));
}

const toPem = (der: Buffer) =>
  `-----BEGIN CERTIFICATE-----\n${der
    .toString("base64")
    .match(/.{1,64}/g)!
    .join("\n")}\n-----END CERTIFICATE-----\n`;
const rawKey = (k: KeyObject) => k.export({ format: "der", type: "spki" }).subarray(-65);

describe("DcapQuoteVerifier negative", function () {
  this.timeout(300_000);
  let c: DcapChain;
  const s = TDX();
  const layout = DcapQuote.layout(s.quote);

  before(async function () {
    c = await dcapChainAt(s);
    await submitCollateral(c, s);
  });

  const cases: [string, number, string][] = [
    ["header", 30, "DcapQuoteVerifierQuoteSignatureInvalid"],
    ["body", 48 + 200, "DcapQuoteVerifierQuoteSignatureInvalid"],
    ["quoteSignature", layout.signature + 5, "DcapQuoteVerifierQuoteSignatureInvalid"],
    ["attestationKey", layout.attestKey + 5, "DcapQuoteVerifierQeReportDataMismatch"],
    ["qeReport", layout.qeReport + 100, "DcapQuoteVerifierQeReportSignatureInvalid"],
    ["qeReportSignature", layout.qeReportSignature + 5, "DcapQuoteVerifierQeReportSignatureInvalid"],
    ["qeAuthData", layout.qeAuth + 3, "DcapQuoteVerifierQeReportDataMismatch"],
  ];
  for (const [region, at, error] of cases) {
    it(`verifyQuote_flippedByteIn_${region}_reverts`, async function () {
      await expect(c.verifier.verifyQuote(flip(s.quote, at))).to.be.revertedWithCustomError(c.verifier, error);
    });
  }

  it("verifyQuote_flippedByteInPckCertificate_reverts", async function () {
    const [leaf, ca, root] = pemBlocks(quotePem(s.quote));
    const der = Buffer.from(new X509Certificate(leaf!).raw);
    der[300] = der[300]! ^ 0x01; // inside the TBS (subject public key area)
    const q = withPemChain(s.quote, toPem(der) + ca + root);
    await expect(c.verifier.verifyQuote(q)).to.be.revertedWithCustomError(
      c.certs,
      "DcapCertificateRegistrySignatureInvalid",
    );
  });

  it("verifyQuote_pckChainWithAnotherCa_reverts", async function () {
    // The TDX PCK certificate (Platform CA) presented with the SGX sample's Processor CA.
    const [leaf, , root] = pemBlocks(quotePem(s.quote));
    const [, otherCa] = pemBlocks(quotePem(SGX().quote));
    await expect(c.verifier.verifyQuote(withPemChain(s.quote, leaf! + otherCa! + root!))).to.be.revertedWithCustomError(
      c.certs,
      "DcapCertificateRegistryIssuerMismatch",
    );
  });

  it("verifyQuote_nonCaCertificateAsPckCa_reverts", async function () {
    // Intel's TCB signing certificate is issued by the root but is no CA: it cannot stand for the PCK CA.
    const [leaf, , root] = pemBlocks(quotePem(s.quote));
    const [tcbSigner] = pemBlocks(s.collateral.tcb_info_issuer_chain);
    await expect(c.verifier.verifyQuote(withPemChain(s.quote, leaf! + tcbSigner! + root!)))
      .to.be.revertedWithCustomError(c.certs, "DcapCertificateRegistryCaFlag")
      .withArgs(false);
  });

  it("verifyQuote_anotherPlatformsValidChain_reverts", async function () {
    // A complete, valid Intel chain of another platform: its PCK key did not sign this QE report.
    await submitCollateral(c, SGX(), ["rootCrl", "tcbInfo", "qeIdentity"]);
    await expect(c.verifier.verifyQuote(withPemChain(s.quote, quotePem(SGX().quote)))).to.be.revertedWithCustomError(
      c.verifier,
      "DcapQuoteVerifierQeReportSignatureInvalid",
    );
  });

  it("verifyQuote_chainFromAnotherRoot_reverts", async function () {
    // A self-signed root with Intel's root name and a fresh key; the PCK CA re-signed by it.
    const [leaf, ca, root] = pemBlocks(quotePem(s.quote));
    const fake = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const rootDer = Buffer.from(new X509Certificate(root!).raw);
    const intelKey = rawKey(new X509Certificate(root!).publicKey);
    const fakeRoot = resign(rootDer, fake.privateKey, rawKey(fake.publicKey), intelKey);
    const fakeCa = resign(Buffer.from(new X509Certificate(ca!).raw), fake.privateKey);
    const q = withPemChain(s.quote, leaf! + toPem(fakeCa) + toPem(fakeRoot));
    await expect(c.verifier.verifyQuote(q)).to.be.revertedWithCustomError(
      c.certs,
      "DcapCertificateRegistryUntrustedRoot",
    );
    // The fake CA under Intel's real root fails its signature check.
    const q2 = withPemChain(s.quote, leaf! + toPem(fakeCa) + root!);
    await expect(c.verifier.verifyQuote(q2)).to.be.revertedWithCustomError(
      c.certs,
      "DcapCertificateRegistrySignatureInvalid",
    );
  });

  it("submitTcbInfo_signedByAnotherKey_reverts", async function () {
    const fake = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const sig = sign("sha256", Buffer.from(s.collateral.tcb_info), { key: fake.privateKey, dsaEncoding: "ieee-p1363" });
    await expect(
      c.collateral.submitTcbInfo(utf8(s.collateral.tcb_info), sig, utf8(s.collateral.tcb_info_issuer_chain)),
    ).to.be.revertedWithCustomError(c.collateral, "DcapCollateralRegistrySignatureInvalid");
    // Intel's signature over a modified document.
    const edited = s.collateral.tcb_info.replace('"tcbStatus":"OutOfDate"', '"tcbStatus":"UpToDate"');
    await expect(
      c.collateral.submitTcbInfo(
        utf8(edited),
        hex(s.collateral.tcb_info_signature),
        utf8(s.collateral.tcb_info_issuer_chain),
      ),
    ).to.be.revertedWithCustomError(c.collateral, "DcapCollateralRegistrySignatureInvalid");
  });

  it("submitPckCrl_revokedSerials_areStoredAndChecked", async function () {
    // The TDX sample's Platform CA CRL lists 44 revoked PCK certificates: each is recorded as revoked; the
    // sample's own PCK certificate is not (no Intel CRL revokes a sample platform, so an end-to-end revoked
    // quote cannot be built from real data without Intel's keys).
    const crl = await c.certs.crlOf(await caKeyHash(c, s.quote));
    expect(crl.crlHash).to.not.equal(`0x${"0".repeat(64)}`);
    const listed = "6FC34E5023E728923435D61AA4B83C618166AD35";
    const serialHash = c.ethers.keccak256(`0x${listed}`);
    expect(await c.certs.isRevoked(await caKeyHash(c, s.quote), serialHash)).to.equal(true);
  });

  it("verifyQuote_withoutCrl_reverts", async function () {
    const fresh = await dcapChainAt(s);
    await submitCollateral(fresh, s, ["pckCrl"]);
    await expect(fresh.verifier.verifyQuote(s.quote)).to.be.revertedWithCustomError(
      fresh.certs,
      "DcapCertificateRegistryCrlMissing",
    );
  });

  it("verifyQuote_withoutQeIdentity_reverts", async function () {
    const fresh = await dcapChainAt(s);
    await submitCollateral(fresh, s, ["qeIdentity"]);
    await expect(fresh.verifier.verifyQuote(s.quote))
      .to.be.revertedWithCustomError(fresh.verifier, "DcapQuoteVerifierCollateralMissing")
      .withArgs(1);
  });

  it("verifyQuote_expiredPckCrl_reverts", async function () {
    const fresh = await dcapChainAt(s);
    await submitCollateral(fresh, s);
    // The Platform CA CRL's nextUpdate is 2025-07-19T10:00:35Z.
    await fresh.networkHelpers.time.increaseTo(Date.parse("2025-07-19T10:05:00Z") / 1000);
    await expect(fresh.verifier.verifyQuote(s.quote)).to.be.revertedWithCustomError(
      fresh.certs,
      "DcapCertificateRegistryCrlExpired",
    );
  });

  it("verifyQuote_expiredQeIdentity_reverts", async function () {
    const sgx = SGX();
    const fresh = await dcapChainAt(sgx);
    await submitCollateral(fresh, sgx);
    // SGX: QE identity expires 2025-07-19T10:01:18Z, the Processor CA CRL at 10:23:18, the TCB info at 10:56:11.
    await fresh.networkHelpers.time.setNextBlockTimestamp(Date.parse("2025-07-19T10:10:00Z") / 1000);
    await expect(fresh.verifier.verifyQuote(sgx.quote))
      .to.be.revertedWithCustomError(fresh.verifier, "DcapQuoteVerifierCollateralExpired")
      .withArgs(
        1,
        Date.parse("2025-06-19T10:01:18Z") / 1000,
        Date.parse("2025-07-19T10:01:18Z") / 1000,
        Date.parse("2025-07-19T10:10:00Z") / 1000,
      );
  });

  it("submitTcbInfo_expired_reverts", async function () {
    const fresh = await dcapChainAt(s);
    await fresh.certs.submitRootCrl(hex(s.collateral.root_ca_crl));
    await fresh.networkHelpers.time.increaseTo(Date.parse("2025-07-19T10:20:00Z") / 1000);
    await expect(
      fresh.collateral.submitTcbInfo(
        utf8(s.collateral.tcb_info),
        hex(s.collateral.tcb_info_signature),
        utf8(s.collateral.tcb_info_issuer_chain),
      ),
    ).to.be.revertedWithCustomError(fresh.collateral, "DcapCollateralRegistryExpired");
  });

  it("submitTcbInfo_sameIssueAgain_reverts", async function () {
    await expect(
      c.collateral.submitTcbInfo(
        utf8(s.collateral.tcb_info),
        hex(s.collateral.tcb_info_signature),
        utf8(s.collateral.tcb_info_issuer_chain),
      ),
    ).to.be.revertedWithCustomError(c.collateral, "DcapCollateralRegistryNotNewer");
  });

  it("verifyQuote_truncated_reverts", async function () {
    await expect(c.verifier.verifyQuote(s.quote.subarray(0, 1000))).to.be.revertedWithCustomError(
      c.verifier,
      "DcapQuoteVerifierTruncated",
    );
  });
});

async function caKeyHash(c: DcapChain, quote: Uint8Array): Promise<string> {
  const [, ca] = pemBlocks(quotePem(quote));
  const raw = rawKey(new X509Certificate(ca!).publicKey);
  return c.ethers.keccak256(
    c.ethers.AbiCoder.defaultAbiCoder().encode(["bytes32", "bytes32"], [raw.subarray(1, 33), raw.subarray(33)]),
  );
}

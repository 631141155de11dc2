import { expect } from "chai";
import { network } from "hardhat";
import { X509Certificate } from "node:crypto";
import { hexlify, keccak256, toUtf8Bytes, toUtf8String } from "ethers";
import { SGX, TDX, hex, pemBlocks, quotePem } from "./samples.js";

const { ethers } = await network.create();
const harness = await ethers.deployContract("DcapLibrariesHarness");
const der = (pem: string) => new Uint8Array(new X509Certificate(pem).raw);
const rawKey = (pem: string) =>
  new X509Certificate(pem).publicKey.export({ format: "der", type: "spki" }).subarray(-64);

describe("DCAP libraries", function () {
  it("nodeAt_longFormLength_readsContentBounds", async function () {
    // SEQUENCE with a 2-byte length (0x82 0x01 0x00) then 256 content bytes.
    const buf = new Uint8Array([0x30, 0x82, 0x01, 0x00, ...new Uint8Array(256)]);
    const n = await harness.node(buf, 0);
    expect([n.tag, n.content, n.end]).to.deep.equal([0x30n, 4n, 260n]);
  });

  it("nodeAt_lengthPastBuffer_reverts", async function () {
    await expect(harness.node(new Uint8Array([0x30, 0x05, 0x00]), 0)).to.be.revertedWithCustomError(
      harness,
      "Asn1DerMalformed",
    );
  });

  it("parseCertificate_everyCertificateOfTheSamples_matchesNodeCrypto", async function () {
    for (const s of [SGX(), TDX()]) {
      for (const pem of [...pemBlocks(quotePem(s.quote)), ...pemBlocks(s.collateral.tcb_info_issuer_chain)]) {
        const x = new X509Certificate(pem);
        const c = await harness.parseCertificate(der(pem));
        const key = rawKey(pem);
        expect(c.keyX).to.equal(hexlify(key.subarray(0, 32)));
        expect(c.keyY).to.equal(hexlify(key.subarray(32)));
        expect(Number(c.notBefore)).to.equal(Date.parse(x.validFrom) / 1000);
        expect(Number(c.notAfter)).to.equal(Date.parse(x.validTo) / 1000);
        // Serial: DER content bytes (a leading 0x00 when the high bit is set).
        const serial = x.serialNumber.length % 2 ? `0${x.serialNumber}` : x.serialNumber;
        const content = parseInt(serial.slice(0, 2), 16) >= 0x80 ? `00${serial}` : serial;
        expect(c.serialHash).to.equal(keccak256(`0x${content}`));
        expect(await harness.isCa(der(pem))).to.equal(x.ca);
      }
    }
  });

  it("parseCrl_sampleCrls_countsAndDates", async function () {
    const crl = await harness.parseCrl(hex(TDX().collateral.pck_crl));
    expect(Number(crl.thisUpdate)).to.equal(Date.parse("2025-06-19T10:00:35Z") / 1000);
    expect(Number(crl.nextUpdate)).to.equal(Date.parse("2025-07-19T10:00:35Z") / 1000);
    expect(crl.revokedEnd).to.be.greaterThan(crl.revokedStart);
    const empty = await harness.parseCrl(hex(SGX().collateral.pck_crl));
    expect(empty.revokedEnd).to.equal(0n);
  });

  it("pckPlatform_samplePckCertificates_matchDcapQvl", async function () {
    type Ext = Uint8Array;
    const { utils } = (await import("@phala/dcap-qvl")) as unknown as {
      utils: {
        getIntelExtension(d: Buffer): Ext;
        getFmspc(e: Ext): Uint8Array;
        getCpuSvn(e: Ext): Uint8Array;
        getPceSvn(e: Ext): number;
      };
    };
    for (const s of [SGX(), TDX()]) {
      const [leaf] = pemBlocks(quotePem(s.quote));
      const p = await harness.pckPlatform(der(leaf!));
      const ext = utils.getIntelExtension(Buffer.from(der(leaf!)));
      expect(p.fmspc).to.equal(hexlify(utils.getFmspc(ext)));
      expect(p.cpuSvn).to.equal(hexlify(utils.getCpuSvn(ext)));
      expect(Number(p.pceSvn)).to.equal(utils.getPceSvn(ext));
    }
  });

  it("pemDecode_sampleChain_equalsBase64Decoding", async function () {
    const pem = quotePem(TDX().quote);
    const ders = await harness.pemDecode(toUtf8Bytes(pem));
    expect(ders.map((d: string) => d)).to.deep.equal(pemBlocks(pem).map((b) => hexlify(der(b))));
  });

  it("isoToUnix_dates_matchDateParse", async function () {
    for (const d of ["1970-01-01T00:00:00Z", "2000-02-29T12:34:56Z", "2025-06-19T10:16:03Z", "2049-12-31T23:59:59Z"]) {
      expect(Number(await harness.isoToUnix(toUtf8Bytes(d)))).to.equal(Date.parse(d) / 1000);
    }
    await expect(harness.isoToUnix(toUtf8Bytes("2025-06-19 10:16:03Z"))).to.be.revertedWithCustomError(
      harness,
      "DateTimeMalformed",
    );
  });

  it("jsonValue_nestedAndEscaped_findsOwnMembersOnly", async function () {
    const json = '{"a":{"tcbLevels":[1]},"s":"x\\"}\\"tcbLevels\\":","tcbLevels":[{"b":2},[3]],"n":17}';
    const get = async (k: string) => {
      const [found, v] = await harness.jsonValue(toUtf8Bytes(json), toUtf8Bytes(k));
      return found ? toUtf8String(v) : undefined;
    };
    expect(await get("tcbLevels")).to.equal('[{"b":2},[3]]');
    expect(await get("n")).to.equal("17");
    expect(await get("b")).to.equal(undefined);
    await expect(harness.jsonValue(toUtf8Bytes('{"a":1'), toUtf8Bytes("z"))).to.be.revertedWithCustomError(
      harness,
      "JsonScannerMalformed",
    );
  });
});

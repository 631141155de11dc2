import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { AbiCoder, TypedDataEncoder, Wallet, concat, keccak256, toUtf8Bytes } from "ethers";
import { ConfigError } from "../errors.js";
import { DEVELOPMENT_MEASUREMENT, DevelopmentQuoteProvider } from "./development.js";
import { buildReportData } from "./report-data.js";
import { parseCollateral, verifyDcapQuote } from "./dcap.js";
import { AttestationError } from "./errors.js";
import {
  ATTESTATION_TYPES,
  attestationDomain,
  developmentAttestationRecord,
  recoverAttestationSigner,
  signAttestationRecord,
  toAttestationRecord,
} from "./record.js";
import { BUNDLED_DCAP_DIR } from "./samples.js";

const quote = new Uint8Array(readFileSync(join(BUNDLED_DCAP_DIR, "tdx_quote")));
const collateral = parseCollateral(
  JSON.parse(readFileSync(join(BUNDLED_DCAP_DIR, "tdx_quote_collateral.json"), "utf8")),
);
const BOUND = "0x9a9d48e7f6799642d3d1b34e1e5e1742d4bb02dd";

describe("attestation record", () => {
  it("toAttestationRecord_carriesTheVerifiedFields", () => {
    const v = verifyDcapQuote(quote, { collateral, nowSecs: 1750377600, expectedAddress: BOUND });
    const r = toAttestationRecord(v);
    assert.equal(r.keeper.toLowerCase(), BOUND);
    assert.equal(r.quoteHash, keccak256(quote));
    assert.equal(r.teeType, 2);
    assert.equal(r.tcbStatus, 0);
    assert.equal(r.measurementHash, v.measurementHash);
    assert.equal(r.reportData, v.reportData);
    assert.equal(r.reportData.length, 2 + 128);
    assert.equal(r.verifiedAt, 1750377600n);
  });

  it("toAttestationRecord_refusesAQuoteWhoseBindingWasNotChecked", () => {
    const v = verifyDcapQuote(quote, { collateral, nowSecs: 1750377600 });
    assert.throws(() => toAttestationRecord(v), AttestationError);
  });

  it("signAttestationRecord_recoversTheVerifierAndRefusesReplayElsewhere", async () => {
    const verifier = Wallet.createRandom();
    const registry = Wallet.createRandom().address;
    const record = toAttestationRecord(
      verifyDcapQuote(quote, { collateral, nowSecs: 1750377600, expectedAddress: BOUND }),
    );
    const signed = await signAttestationRecord(verifier, attestationDomain(31337n, registry), record);
    assert.equal(recoverAttestationSigner(attestationDomain(31337n, registry), signed), verifier.address);
    assert.notEqual(recoverAttestationSigner(attestationDomain(1n, registry), signed), verifier.address);
    const otherKeeper = { ...signed, record: { ...record, keeper: registry } };
    assert.notEqual(recoverAttestationSigner(attestationDomain(31337n, registry), otherKeeper), verifier.address);
  });

  it("encodeType_isAttestationRegistryVerifiedQuoteAndDigestMatchesManualEncoding", async () => {
    const typeString =
      "VerifiedQuote(address keeper,bytes32 quoteHash,uint8 teeType,bytes32 measurementHash,uint8 tcbStatus," +
      "bytes reportData,uint64 verifiedAt)";
    assert.equal(TypedDataEncoder.from(ATTESTATION_TYPES).encodeType("VerifiedQuote"), typeString);
    const verifier = Wallet.createRandom();
    const registry = Wallet.createRandom().address;
    const record = toAttestationRecord(
      verifyDcapQuote(quote, { collateral, nowSecs: 1750377600, expectedAddress: BOUND }),
    );
    const signed = await signAttestationRecord(verifier, attestationDomain(31337n, registry), record);
    const abi = AbiCoder.defaultAbiCoder();
    const structHash = keccak256(
      abi.encode(
        ["bytes32", "address", "bytes32", "uint8", "bytes32", "uint8", "bytes32", "uint64"],
        [
          keccak256(toUtf8Bytes(typeString)),
          record.keeper,
          record.quoteHash,
          record.teeType,
          record.measurementHash,
          record.tcbStatus,
          keccak256(record.reportData),
          record.verifiedAt,
        ],
      ),
    );
    const domainSeparator = TypedDataEncoder.hashDomain(attestationDomain(31337n, registry));
    assert.equal(signed.digest, keccak256(concat(["0x1901", domainSeparator, structHash])));
  });

  it("developmentAttestationRecord_localChainOnlyAndBindsTheKeeper", async () => {
    const keeper = Wallet.createRandom().address;
    const dev = await new DevelopmentQuoteProvider({ chainId: 31337, now: () => 1 }).getQuote(buildReportData(keeper));
    const r = developmentAttestationRecord(dev.quote, { chainId: 31337, expectedAddress: keeper, verifiedAt: 7n });
    assert.equal(r.keeper, keeper);
    assert.equal(r.measurementHash, DEVELOPMENT_MEASUREMENT);
    assert.equal(r.teeType, 2);
    assert.equal(r.quoteHash, keccak256(dev.quote));
    assert.throws(
      () => developmentAttestationRecord(dev.quote, { chainId: 1, expectedAddress: keeper, verifiedAt: 7n }),
      ConfigError,
    );
    assert.throws(
      () => developmentAttestationRecord(dev.quote, { chainId: 1337, expectedAddress: keeper, verifiedAt: 7n }),
      AttestationError,
    );
    assert.throws(
      () => developmentAttestationRecord(dev.quote, { chainId: 31337, expectedAddress: BOUND, verifiedAt: 7n }),
      AttestationError,
    );
    assert.throws(
      () => developmentAttestationRecord(quote, { chainId: 31337, expectedAddress: BOUND, verifiedAt: 7n }),
      AttestationError,
    );
  });
});

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { TypedDataEncoder, Wallet, keccak256 } from "ethers";
import { parseCollateral, verifyDcapQuote } from "./dcap.js";
import { AttestationError } from "./errors.js";
import {
  ATTESTATION_TYPES,
  attestationDomain,
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
    assert.equal(r.reportDataHash, keccak256(v.reportData));
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
    const signed = await signAttestationRecord(verifier, attestationDomain(31337n, registry), record, 1n);
    assert.equal(recoverAttestationSigner(attestationDomain(31337n, registry), signed), verifier.address);
    assert.notEqual(recoverAttestationSigner(attestationDomain(1n, registry), signed), verifier.address);
    assert.notEqual(
      recoverAttestationSigner(attestationDomain(31337n, registry), { ...signed, nonce: 2n }),
      verifier.address,
    );
    assert.equal(
      TypedDataEncoder.from(ATTESTATION_TYPES).encodeType("AttestationVerified"),
      "AttestationVerified(address keeper,bytes32 quoteHash,uint8 teeType,bytes32 measurementHash,uint8 tcbStatus,bytes32 reportDataHash,uint64 verifiedAt,uint256 nonce)",
    );
  });
});

/**
 * A keeper on a local chain attests and renews through the on-chain DCAP verifier (deployed and wired by the
 * deploy path), with collateral from the local PCCS, and no account holding VERIFIER_ROLE.
 *
 * Honest limits: there is no TEE here, so the quotes are the real Intel-signed samples, played by a provider that
 * returns recorded quotes. Their report data binds a key chosen by whoever produced them, not this keeper's key
 * (no keeper key can match it without the TEE): the attestation is recorded for the address each quote binds,
 * which is what the registry must do. A real TDX keeper's quotes bind its own address (`buildReportData`).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { getAddress, hexlify, keccak256 } from "ethers";
import {
  IDcapCertificateRegistry__factory,
  IDcapQuoteVerifier__factory,
  Parameters__factory,
} from "../../../types/ethers-contracts/index.js";
import { localSystem, type LocalSystem } from "../chain/testing/local-system.js";
import { attestKeeper, renewalAttestation } from "../node/attest.js";
import { AttestationError } from "./errors.js";
import { PccsClient } from "./pccs.js";
import { startLocalPccs, type LocalPccs } from "./pccs-server.js";
import type { QuoteProvider } from "./quote-provider.js";
import { BUNDLED_DCAP_DIR, DCAP_SAMPLES, sharedDcapDir } from "./samples.js";
import { parseDcapQuote, reportBody } from "./dcap.js";

/** keccak256(abi.encode(x, y)) of Intel's SGX Root CA key (`DcapCertificateRegistry.rootKeyHash()`). */
const ROOT_KEY_HASH = keccak256(
  "0x0ba9c4c0c0c86193a3fe23d6b02cda10a8bbd4e88e48b4458561a36e705525f567918e2edc88e40d860bd0cc4ee26aacc988e505a953558c453f6b0904ae7394",
);
const dir = sharedDcapDir() ?? BUNDLED_DCAP_DIR;
const quoteOf = (name: string) =>
  new Uint8Array(readFileSync(join(dir, DCAP_SAMPLES.find((s) => s.name === name)!.quoteFile)));

/** Returns a recorded real quote whatever report data is asked for (stands in for a TEE; see above). */
function recordedQuote(quote: Uint8Array): QuoteProvider {
  return {
    type: "tdx",
    isAvailable: async () => true,
    getQuote: async () => ({
      type: "tdx",
      quote,
      reportData: reportBody(parseDcapQuote(quote).report).reportData,
      provider: "recorded sample",
    }),
  };
}

const bound = (quote: Uint8Array) =>
  getAddress(hexlify(reportBody(parseDcapQuote(quote).report).reportData.subarray(0, 20)));
const measurement = (quote: Uint8Array) => keccak256(reportBody(parseDcapQuote(quote).report).measurement);

describe("keeper attestation through the on-chain DCAP verifier", () => {
  let sys: LocalSystem;
  let pccs: LocalPccs;
  before(async () => {
    // 2025-06-20T00:00Z: inside the samples' collateral window.
    sys = await localSystem(undefined, { initialDate: new Date("2025-06-20T00:00:00Z"), grantVerifier: false });
    pccs = await startLocalPccs({ samples: ["sgx", "tdx"] });
    const governance = await sys.adapter(0);
    const params = Parameters__factory.connect(sys.addresses.parameters, governance.sender.signer);
    for (const name of ["tdx", "sgx"])
      await (await params.setMeasurementAllowed(measurement(quoteOf(name)), true)).wait();
  });
  after(() => pccs.close());

  it("attestKeeper_realQuote_collateralFromPccsOnChain_noVerifierRole", async () => {
    const keeper = await sys.adapter(1);
    const registry = keeper.attestations;
    assert.notEqual(await registry.quoteVerifier(), "0x0000000000000000000000000000000000000000");
    const role = await registry.VERIFIER_ROLE();
    for (let i = 0; i < 20; i++) assert.equal(await registry.hasRole(role, (await sys.adapter(i)).account), false);

    const tdx = quoteOf("tdx");
    const first = await attestKeeper(keeper, {
      pccs: new PccsClient({ url: pccs.url }),
      quoteProvider: recordedQuote(tdx),
    });
    assert.equal(first.path, "onchain");
    assert.deepEqual(first.collateralSubmitted, ["rootCrl", "pckCrl", "tcbInfo", "qeIdentity"]);
    assert.equal(getAddress(first.keeper), bound(tdx));
    assert.equal(await registry.isAttested(bound(tdx)), true);
    const a = await registry.attestationOf(bound(tdx));
    assert.equal(a.verifier, await registry.quoteVerifier());

    // The same quote again is refused on-chain, with a one-line reason.
    await assert.rejects(
      attestKeeper(keeper, { pccs: new PccsClient({ url: pccs.url }), quoteProvider: recordedQuote(tdx) }),
      (err: unknown) => err instanceof AttestationError && /AttestationRegistryQuoteReused/.test(err.message),
    );
  });

  it("renewalAttestation_keeperRun_sendsCollateralWhereMissing", async () => {
    const keeper = await sys.adapter(2);
    // What `keeper run` renews with (config: pccsUrl, no verifierUrl). The renewal quote is another real one.
    const renew = renewalAttestation(keeper, { pccsUrl: pccs.url }, recordedQuote(quoteOf("sgx")))!;
    await sys.advance(3_600);
    await renew();
    const sgx = quoteOf("sgx");
    assert.equal(await keeper.attestations.isAttested(bound(sgx)), true);
    // The root CRL was on-chain already (first test): stored once; the SGX platform's PCK CRL added.
    const verifier = IDcapQuoteVerifier__factory.connect(await keeper.attestations.quoteVerifier(), sys.provider);
    const certs = IDcapCertificateRegistry__factory.connect(await verifier.certificates(), sys.provider);
    const stored = await certs.queryFilter(certs.filters.CrlStored(), 0);
    assert.equal(stored.filter((e) => e.args.issuerKeyHash === ROOT_KEY_HASH).length, 1);
    assert.equal(stored.length, 3);
    const a = await keeper.attestations.attestationOf(bound(sgx));
    assert.equal(a.tcbStatus, 3n); // ConfigurationAndSWHardeningNeeded, as dcap-qvl reports it
  });
});

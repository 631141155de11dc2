import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { hexlify, keccak256 } from "ethers";
import { localSystem, type LocalSystem } from "../chain/testing/local-system.js";
import { parseCollateral, verifyDcapQuote } from "./dcap.js";
import { DEVELOPMENT_MEASUREMENT, DevelopmentQuoteProvider } from "./development.js";
import { QuoteRejectedError } from "./errors.js";
import { quoteForKeeper } from "./quote-provider.js";
import { BUNDLED_DCAP_DIR, DCAP_SAMPLES, sharedDcapDir } from "./samples.js";
import { requestAttestation, serveVerifier, verifyKeeperQuote, VerifierService } from "./verifier-service.js";

const rejectedWith = (reason: string) => (err: unknown) => err instanceof QuoteRejectedError && err.reason === reason;

describe("verifyKeeperQuote (pure)", () => {
  const dir = sharedDcapDir() ?? BUNDLED_DCAP_DIR;
  const tdx = DCAP_SAMPLES.find((s) => s.name === "tdx")!;
  const quote = new Uint8Array(readFileSync(join(dir, tdx.quoteFile)));
  const collateral = parseCollateral(JSON.parse(readFileSync(join(dir, tdx.collateralFile), "utf8")));
  // The keeper address the sample's report data happens to bind.
  const bound = verifyDcapQuote(quote, { collateral, nowSecs: tdx.at }).boundAddress;

  it("verifyKeeperQuote_realTdxQuoteAllowlisted_returnsTheVerifiedFields", async () => {
    const fields = await verifyKeeperQuote(quote, {
      chainId: 1n,
      now: BigInt(tdx.at),
      keeper: bound,
      collateral,
      isMeasurementAllowed: async () => true,
    });
    assert.equal(fields.teeType, 2);
    assert.equal(fields.tcbStatus, 0);
    assert.equal(fields.quoteHash, keccak256(quote));
    assert.equal(fields.verifiedAt, BigInt(tdx.at));
    assert.equal(fields.keeper, bound);
  });

  it("verifyKeeperQuote_measurementNotAllowlisted_rejected", async () => {
    const ctx = {
      chainId: 1n,
      now: BigInt(tdx.at),
      keeper: bound,
      collateral,
      isMeasurementAllowed: async () => false,
    };
    await assert.rejects(verifyKeeperQuote(quote, ctx), rejectedWith("measurement"));
  });

  it("verifyKeeperQuote_quoteBindsAnotherKeeper_rejected", async () => {
    const ctx = {
      chainId: 1n,
      now: BigInt(tdx.at),
      keeper: "0x0000000000000000000000000000000000000001",
      collateral,
      isMeasurementAllowed: async () => true,
    };
    await assert.rejects(verifyKeeperQuote(quote, ctx), rejectedWith("report-data"));
  });

  it("verifyKeeperQuote_flippedByte_rejected", async () => {
    const bad = new Uint8Array(quote);
    bad[48 + 136]! ^= 0x01; // inside the signed TD report (MRTD)
    const ctx = { chainId: 1n, now: BigInt(tdx.at), keeper: bound, collateral, isMeasurementAllowed: async () => true };
    await assert.rejects(verifyKeeperQuote(bad, ctx), rejectedWith("dcap"));
  });

  it("verifyKeeperQuote_developmentQuoteOnNonLocalChain_rejected", async () => {
    const dev = await new DevelopmentQuoteProvider({ chainId: 31337 }).getQuote(new Uint8Array(64));
    const ctx = { chainId: 1n, now: 1n, keeper: bound, isMeasurementAllowed: async () => true };
    await assert.rejects(verifyKeeperQuote(dev.quote, ctx), rejectedWith("development-quote"));
  });
});

describe("VerifierService (in-process chain)", () => {
  let sys: LocalSystem;
  let server: Server;
  let url: string;
  before(async () => {
    sys = await localSystem();
    server = await serveVerifier(new VerifierService(await sys.adapter(4)), 0);
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  it("attest_developmentQuoteOnLocalChain_recordsAttestationOnChain", async () => {
    const keeper = await sys.adapter(1);
    assert.equal((await keeper.keeperStatus()).attested, false);
    const q = await quoteForKeeper(new DevelopmentQuoteProvider({ chainId: Number(keeper.chainId) }), keeper.account);
    const answer = await requestAttestation(url, { keeper: keeper.account, quote: hexlify(q.quote) });
    assert.match(answer.txHash, /^0x[0-9a-f]{64}$/);
    const status = await keeper.keeperStatus();
    assert.equal(status.attested, true);
    assert.equal(status.measurementHash, DEVELOPMENT_MEASUREMENT);
  });

  it("attest_quoteBindingAnotherAddress_refusedWith422AndNothingPosted", async () => {
    const [k2, k3] = [await sys.adapter(2), await sys.adapter(3)];
    const q = await quoteForKeeper(new DevelopmentQuoteProvider({ chainId: Number(k2.chainId) }), k3.account);
    await assert.rejects(requestAttestation(url, { keeper: k2.account, quote: hexlify(q.quote) }), /does not bind/);
    assert.equal((await k2.keeperStatus()).attested, false);
  });

  it("attest_developmentMeasurementNotAllowlisted_refused", async () => {
    const gov = await sys.adapter(0);
    await (await gov.params.setMeasurementAllowed(DEVELOPMENT_MEASUREMENT, false)).wait();
    const k3 = await sys.adapter(3);
    const q = await quoteForKeeper(new DevelopmentQuoteProvider({ chainId: Number(k3.chainId) }), k3.account);
    await assert.rejects(requestAttestation(url, { keeper: k3.account, quote: hexlify(q.quote) }), /allowlist/);
    await (await gov.params.setMeasurementAllowed(DEVELOPMENT_MEASUREMENT, true)).wait();
  });
});

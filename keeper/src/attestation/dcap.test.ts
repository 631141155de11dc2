import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { verify as rawVerify } from "@phala/dcap-qvl";
import { Wallet, getAddress, keccak256 } from "ethers";
import {
  collateralWindow,
  parseCollateral,
  parseDcapQuote,
  reportBody,
  verifyDcapQuote,
  type VerifyQuoteOptions,
} from "./dcap.js";
import { DevelopmentQuoteProvider } from "./development.js";
import { QuoteRejectedError, type QuoteRejection } from "./errors.js";
import { buildReportData } from "./report-data.js";
import { BUNDLED_DCAP_DIR, DCAP_SAMPLES, sharedDcapDir } from "./samples.js";

const load = (name: string) => {
  const s = DCAP_SAMPLES.find((x) => x.name === name);
  if (!s) throw new Error(name);
  return {
    sample: s,
    quote: new Uint8Array(readFileSync(join(BUNDLED_DCAP_DIR, s.quoteFile))),
    collateral: parseCollateral(JSON.parse(readFileSync(join(BUNDLED_DCAP_DIR, s.collateralFile), "utf8"))),
  };
};
const sgx = load("sgx");
const tdx = load("tdx");
const outdated = load("tdx-outdated");

/** The address the TDX sample's report data carries in bytes 0..20 under our layout. */
const TDX_SAMPLE_BOUND = getAddress("0x9a9d48e7f6799642d3d1b34e1e5e1742d4bb02dd");

function rejects(fn: () => unknown, reason: QuoteRejection, detail?: RegExp) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof QuoteRejectedError, `expected QuoteRejectedError, got ${String(err)}`);
    assert.equal(err.reason, reason, err.message);
    if (detail) assert.match(err.message, detail);
    return true;
  });
}

describe("verifyDcapQuote on the real samples", () => {
  it("verifyDcapQuote_sgxSampleAtPinnedTime", () => {
    const v = verifyDcapQuote(sgx.quote, { collateral: sgx.collateral, nowSecs: sgx.sample.at });
    assert.equal(v.teeType, "SGX");
    assert.equal(v.reportType, "sgx");
    assert.equal(v.quoteVersion, 3);
    assert.equal(v.tcbStatus, "ConfigurationAndSWHardeningNeeded");
    assert.deepEqual(v.advisoryIds, ["INTEL-SA-00289", "INTEL-SA-00615"]);
    assert.equal(v.measurement.length, 2 + 64); // MRENCLAVE, 32 bytes
    assert.equal(v.measurementHash, keccak256(v.measurement));
    assert.ok(Buffer.from(v.reportData.slice(2), "hex").toString("latin1").startsWith("Hello, world!"));
    assert.equal(v.quoteHash, keccak256(sgx.quote));
    assert.equal(v.measurementAllowed, null);
    assert.equal(v.addressBound, null);
  });

  it("verifyDcapQuote_tdxSampleAtPinnedTime", () => {
    const v = verifyDcapQuote(tdx.quote, { collateral: tdx.collateral, nowSecs: tdx.sample.at });
    assert.equal(v.teeType, "TDX");
    assert.equal(v.reportType, "td10");
    assert.equal(v.quoteVersion, 4);
    assert.equal(v.tcbStatus, "UpToDate");
    assert.deepEqual(v.advisoryIds, []);
    assert.equal(v.measurement.length, 2 + 96); // MRTD, 48 bytes
    assert.equal(v.boundAddress, TDX_SAMPLE_BOUND);
    assert.ok(v.collateralWindow.notBefore <= tdx.sample.at && tdx.sample.at <= v.collateralWindow.notAfter);
  });

  it("verifyDcapQuote_outdatedTdxSampleFailsAsDocumented", () => {
    rejects(
      () => verifyDcapQuote(outdated.quote, { collateral: outdated.collateral, nowSecs: outdated.sample.at }),
      "dcap",
      /DCAP verification failed/,
    );
    try {
      verifyDcapQuote(outdated.quote, { collateral: outdated.collateral, nowSecs: outdated.sample.at });
    } catch (err) {
      assert.match((err as QuoteRejectedError).details ?? "", /No matching TCB level found/);
    }
  });

  it("verifyDcapQuote_flippedByteIsRejected", () => {
    // The report body (TD report / enclave report), the report data, and the quote signature.
    for (const [q, c, at, offsets] of [
      [tdx.quote, tdx.collateral, tdx.sample.at, [48 + 136, 48 + 520 + 5, 640]],
      [sgx.quote, sgx.collateral, sgx.sample.at, [48 + 64, 48 + 320 + 1, 440]],
    ] as const) {
      for (const off of offsets) {
        const flipped = new Uint8Array(q);
        flipped[off] ^= 0x01;
        assert.throws(
          () => verifyDcapQuote(flipped, { collateral: c, nowSecs: at }),
          (err: unknown) => err instanceof QuoteRejectedError && ["dcap", "malformed"].includes(err.reason),
          `offset ${off}`,
        );
      }
    }
  });

  it("verifyDcapQuote_expiredCollateralIsRejected", () => {
    const w = collateralWindow(tdx.collateral);
    rejects(
      () => verifyDcapQuote(tdx.quote, { collateral: tdx.collateral, nowSecs: w.notAfter + 1 }),
      "collateral-window",
    );
    rejects(
      () => verifyDcapQuote(tdx.quote, { collateral: tdx.collateral, nowSecs: w.notBefore - 1 }),
      "collateral-window",
    );
    // The library refuses it too: our window check is a clearer first line, not the only one.
    assert.throws(() => rawVerify(tdx.quote, tdx.collateral, w.notAfter + 1), /expired/);
    // Collateral of another quote (SGX collateral for the TDX quote) does not verify either.
    rejects(() => verifyDcapQuote(tdx.quote, { collateral: sgx.collateral, nowSecs: tdx.sample.at }), "dcap");
  });

  it("verifyDcapQuote_collateralWithExtendedValidityIsRejected", () => {
    // An attacker stretches the TCB info's nextUpdate to make stale collateral look current: the window check
    // passes, but Intel's signature over the TCB info no longer verifies.
    const w = collateralWindow(tdx.collateral);
    const tcb = JSON.parse(tdx.collateral.tcb_info) as { nextUpdate: string };
    const qe = JSON.parse(tdx.collateral.qe_identity) as { nextUpdate: string };
    tcb.nextUpdate = "2030-01-01T00:00:00Z";
    qe.nextUpdate = "2030-01-01T00:00:00Z";
    const stretched = { ...tdx.collateral, tcb_info: JSON.stringify(tcb), qe_identity: JSON.stringify(qe) };
    assert.ok(collateralWindow(stretched).notAfter > w.notAfter);
    rejects(() => verifyDcapQuote(tdx.quote, { collateral: stretched, nowSecs: tdx.sample.at }), "dcap");
    rejects(() => verifyDcapQuote(tdx.quote, { collateral: stretched, nowSecs: w.notAfter + 86400 }), "dcap");
  });

  it("verifyDcapQuote_unlistedMeasurementIsRejected", () => {
    const v = verifyDcapQuote(tdx.quote, { collateral: tdx.collateral, nowSecs: tdx.sample.at });
    const base: VerifyQuoteOptions = { collateral: tdx.collateral, nowSecs: tdx.sample.at };
    rejects(
      () =>
        verifyDcapQuote(tdx.quote, {
          ...base,
          allowedMeasurements: new Set([keccak256("0x00"), sgxMeasurementHash()]),
        }),
      "measurement",
    );
    rejects(() => verifyDcapQuote(tdx.quote, { ...base, allowedMeasurements: new Set() }), "measurement");
    const ok = verifyDcapQuote(tdx.quote, {
      ...base,
      allowedMeasurements: new Set([v.measurementHash.toUpperCase().replace("0X", "0x")]),
    });
    assert.equal(ok.measurementAllowed, true);
    assert.equal(
      verifyDcapQuote(tdx.quote, { ...base, allowedMeasurements: new Set([v.measurement]) }).measurementAllowed,
      true,
    );
  });

  it("verifyDcapQuote_quoteBindingAnotherAddressIsRejected", () => {
    const base: VerifyQuoteOptions = { collateral: tdx.collateral, nowSecs: tdx.sample.at };
    const keeper = Wallet.createRandom().address;
    rejects(() => verifyDcapQuote(tdx.quote, { ...base, expectedAddress: keeper }), "report-data", /bind/);
    assert.equal(
      verifyDcapQuote(tdx.quote, { ...base, expectedAddress: TDX_SAMPLE_BOUND.toLowerCase() }).addressBound,
      true,
    );
    // The SGX sample carries "Hello, world!": it binds no keeper at all.
    rejects(
      () => verifyDcapQuote(sgx.quote, { collateral: sgx.collateral, nowSecs: sgx.sample.at, expectedAddress: keeper }),
      "report-data",
    );
  });

  it("verifyDcapQuote_wrongNonceIsRejected", () => {
    const base: VerifyQuoteOptions = { collateral: tdx.collateral, nowSecs: tdx.sample.at };
    const v = verifyDcapQuote(tdx.quote, base);
    assert.equal(
      verifyDcapQuote(tdx.quote, { ...base, expectedNonce: v.reportDataNonce }).reportDataNonce,
      v.reportDataNonce,
    );
    rejects(() => verifyDcapQuote(tdx.quote, { ...base, expectedNonce: keccak256("0x01") }), "report-data", /nonce/);
  });

  it("verifyDcapQuote_tcbStatusOutsideTheAcceptedSetIsRejected", () => {
    rejects(
      () =>
        verifyDcapQuote(sgx.quote, {
          collateral: sgx.collateral,
          nowSecs: sgx.sample.at,
          acceptedTcbStatuses: ["UpToDate"],
        }),
      "tcb-status",
      /ConfigurationAndSWHardeningNeeded/,
    );
  });

  it("verifyDcapQuote_developmentQuoteIsNeverValid", async () => {
    const dev = await new DevelopmentQuoteProvider({ chainId: 31337 }).getQuote(buildReportData(TDX_SAMPLE_BOUND));
    rejects(
      () => verifyDcapQuote(dev.quote, { collateral: tdx.collateral, nowSecs: tdx.sample.at }),
      "development-quote",
    );
    assert.throws(() => rawVerify(dev.quote, tdx.collateral, tdx.sample.at)); // the library refuses it on its own too
  });

  it("reportBody_readsTdx15Bodies", () => {
    // The outdated sample is a v5 quote with a TD 1.5 report: its fields come from the embedded TD 1.0 base.
    const q = parseDcapQuote(outdated.quote);
    assert.equal(q.header.version, 5);
    assert.equal(q.report.type, "td15");
    const body = reportBody(q.report);
    assert.equal(body.measurement.length, 48);
    assert.equal(body.reportData.length, 64);
    assert.equal(Buffer.from(body.reportData.subarray(0, 4)).toString("hex"), "d2142b64");
  });

  it("verifyDcapQuote_truncatedQuoteIsMalformed", () => {
    rejects(
      () => verifyDcapQuote(tdx.quote.subarray(0, 100), { collateral: tdx.collateral, nowSecs: tdx.sample.at }),
      "malformed",
    );
  });

  it("samples_bundledCopyMatchesSharedData", (t) => {
    const shared = sharedDcapDir();
    if (!shared) {
      t.skip("../shared/data/dcap is not beside the repository here");
      return;
    }
    for (const s of DCAP_SAMPLES) {
      for (const f of [s.quoteFile, s.collateralFile]) {
        assert.deepEqual(readFileSync(join(BUNDLED_DCAP_DIR, f)), readFileSync(join(shared, f)), f);
      }
    }
  });
});

function sgxMeasurementHash(): string {
  return verifyDcapQuote(sgx.quote, { collateral: sgx.collateral, nowSecs: sgx.sample.at }).measurementHash;
}

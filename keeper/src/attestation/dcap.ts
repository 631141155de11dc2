import { createRequire } from "node:module";
import type * as DcapQvl from "@phala/dcap-qvl";
import type { Collateral, Quote, Report, TcbStatus } from "@phala/dcap-qvl";
import { getAddress, hexlify, isHexString, keccak256 } from "ethers";
import { z } from "zod";
import { ConfigError } from "../errors.js";
import { isDevelopmentQuote } from "./development.js";
import { QuoteRejectedError } from "./errors.js";
import { parseReportData } from "./report-data.js";

/**
 * Verification of Intel DCAP quotes (SGX and TDX) with `@phala/dcap-qvl`, offline: the caller supplies the
 * collateral (PCK CRLs, TCB info, QE identity, all signed by Intel) and an explicit verification time, so the
 * result is reproducible and tests never depend on the clock. On top of the library's checks (signatures,
 * certificate chain to Intel's root CA, CRLs, QE identity, TCB level matching), this module checks the
 * collateral's validity window itself, the accepted TCB statuses, the measurement allowlist and the keeper
 * address bound in the report data.
 */

export const TCB_STATUSES = [
  "UpToDate",
  "SWHardeningNeeded",
  "ConfigurationNeeded",
  "ConfigurationAndSWHardeningNeeded",
  "OutOfDate",
  "OutOfDateConfigurationNeeded",
  "Revoked",
  "Unknown",
] as const satisfies readonly TcbStatus[];

/** Accepted unless told otherwise: every status except Revoked (and Unknown, which is not a verdict). */
export const DEFAULT_ACCEPTED_TCB_STATUSES: readonly TcbStatus[] = TCB_STATUSES.filter(
  (s) => s !== "Revoked" && s !== "Unknown",
);

/** Proposed on-chain codes (AttestationRegistry): TEE type and TCB status as uint8. */
export const TEE_TYPE_CODE = { SGX: 1, TDX: 2 } as const;
export const TCB_STATUS_CODE: Record<TcbStatus, number> = {
  UpToDate: 0,
  SWHardeningNeeded: 1,
  ConfigurationNeeded: 2,
  ConfigurationAndSWHardeningNeeded: 3,
  OutOfDate: 4,
  OutOfDateConfigurationNeeded: 5,
  Revoked: 6,
  Unknown: 255,
};

const bytesField = z.union([z.string(), z.array(z.number().int().min(0).max(255))]);
export const CollateralSchema = z.object({
  pck_crl_issuer_chain: z.string(),
  root_ca_crl: bytesField,
  pck_crl: bytesField,
  tcb_info_issuer_chain: z.string(),
  tcb_info: z.string(),
  tcb_info_signature: bytesField,
  qe_identity_issuer_chain: z.string(),
  qe_identity: z.string(),
  qe_identity_signature: bytesField,
});

/** Validates a collateral object (e.g. parsed from a `*_collateral.json` file). */
export function parseCollateral(input: unknown): Collateral {
  const r = CollateralSchema.safeParse(input);
  if (!r.success) {
    const details = r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new ConfigError("invalid DCAP collateral", { details, cause: r.error });
  }
  return r.data;
}

/** The time window (unix seconds) in which the collateral's TCB info and QE identity are both current. */
export function collateralWindow(collateral: Collateral): { notBefore: number; notAfter: number } {
  const dates = (json: string, what: string) => {
    let parsed: { issueDate?: unknown; nextUpdate?: unknown };
    try {
      parsed = JSON.parse(json) as typeof parsed;
    } catch (err) {
      throw new QuoteRejectedError("collateral-window", `collateral ${what} is not JSON`, { cause: err });
    }
    const from = Date.parse(String(parsed.issueDate));
    const to = Date.parse(String(parsed.nextUpdate));
    if (!Number.isFinite(from) || !Number.isFinite(to)) {
      throw new QuoteRejectedError("collateral-window", `collateral ${what} has no valid issueDate/nextUpdate`);
    }
    return [from / 1000, to / 1000] as const;
  };
  const [tf, tt] = dates(collateral.tcb_info, "tcb_info");
  const [qf, qt] = dates(collateral.qe_identity, "qe_identity");
  return { notBefore: Math.max(tf, qf), notAfter: Math.min(tt, qt) };
}

export interface VerifyQuoteOptions {
  collateral: Collateral;
  /** Verification time, unix seconds. Always explicit: collateral is only valid inside its window. */
  nowSecs: number;
  /** The keeper address the report data must bind (bytes 0..20). */
  expectedAddress?: string;
  /** The verifier's freshness nonce the report data must carry (bytes 32..64). */
  expectedNonce?: string;
  /** Allowed measurements: keccak256 hashes of MRTD/MRENCLAVE (or the raw measurement hex), any case. */
  allowedMeasurements?: ReadonlySet<string>;
  acceptedTcbStatuses?: readonly TcbStatus[];
}

export interface VerifiedQuote {
  teeType: "SGX" | "TDX";
  quoteVersion: number;
  /** Body layout: SGX enclave report, TDX 1.0 or TDX 1.5 TD report. */
  reportType: "sgx" | "td10" | "td15";
  /** keccak256 of the raw quote bytes (what the registry records). */
  quoteHash: string;
  /** MRTD (48 bytes, TDX) or MRENCLAVE (32 bytes, SGX), hex. */
  measurement: string;
  /** keccak256(measurement): the bytes32 the governance allowlist holds. */
  measurementHash: string;
  /** MRSIGNER (SGX) or MRSIGNERSEAM (TDX), hex. */
  signer: string;
  tcbStatus: TcbStatus;
  advisoryIds: string[];
  /** The 64 bytes of report data, hex. */
  reportData: string;
  /** The address in report data bytes 0..20 (checksummed). */
  boundAddress: string;
  /** Report data bytes 32..64. */
  reportDataNonce: string;
  /** Whether the measurement is on the allowlist (null when no allowlist was given). */
  measurementAllowed: boolean | null;
  /** Whether the report data binds the expected address (null when none was given). */
  addressBound: boolean | null;
  /** Verification time used, unix seconds. */
  verifiedAt: number;
  collateralWindow: { notBefore: number; notAfter: number };
  /** Platform PPID from the PCK certificate, hex. */
  ppid: string;
}

const toHex = (b: Uint8Array) => hexlify(b);

let qvl: typeof DcapQvl | undefined;
/**
 * `@phala/dcap-qvl`, loaded at the first quote parsed: every keeper command imports this module, and most starts (a
 * development attestation, a keeper that does not verify) never parse one. The package is CommonJS only (`main`, no
 * `exports`), so `require` loads the very module `import` would.
 */
function dcapQvl(): typeof DcapQvl {
  return (qvl ??= createRequire(import.meta.url)("@phala/dcap-qvl") as typeof DcapQvl);
}

/** Parses a quote's header and body; `QuoteRejectedError("malformed")` when it is not an SGX/TDX quote. */
export function parseDcapQuote(quote: Uint8Array): Quote {
  try {
    return dcapQvl().Quote.parse(quote);
  } catch (err) {
    throw new QuoteRejectedError("malformed", "not a parsable DCAP quote", {
      details: err instanceof Error ? err.message : String(err),
      cause: err,
    });
  }
}

/** Measurement, signer and report data of a quote's report body. */
export function reportBody(report: Report): { measurement: Uint8Array; signer: Uint8Array; reportData: Uint8Array } {
  const sgx = report.asSgx();
  if (sgx) return { measurement: sgx.mrEnclave, signer: sgx.mrSigner, reportData: sgx.reportData };
  const td = report.asTd10() ?? report.asTd15()?.base;
  if (!td) throw new QuoteRejectedError("malformed", `unknown report type ${report.type}`);
  return { measurement: td.mrTd, signer: td.mrSignerSeam, reportData: td.reportData };
}

/**
 * Verifies a DCAP quote and extracts the fields the AttestationRegistry records. Throws `QuoteRejectedError`
 * with the failing check as `reason`; the checks run in this order: development quote, parse, collateral
 * window, DCAP verification, TCB status, measurement allowlist, report-data binding.
 */
export function verifyDcapQuote(quote: Uint8Array, opts: VerifyQuoteOptions): VerifiedQuote {
  if (!Number.isFinite(opts.nowSecs) || opts.nowSecs <= 0) {
    throw new ConfigError("verification time must be explicit unix seconds", { details: String(opts.nowSecs) });
  }
  if (isDevelopmentQuote(quote)) {
    throw new QuoteRejectedError("development-quote", "development quote: produced without a TEE, never valid");
  }
  const parsed = parseDcapQuote(quote);
  const window = collateralWindow(opts.collateral);
  if (opts.nowSecs < window.notBefore || opts.nowSecs > window.notAfter) {
    throw new QuoteRejectedError("collateral-window", "verification time is outside the collateral's validity window", {
      details: `t=${opts.nowSecs}, window ${new Date(window.notBefore * 1000).toISOString()}..${new Date(window.notAfter * 1000).toISOString()}`,
    });
  }
  let verified: ReturnType<typeof DcapQvl.verify>;
  try {
    verified = dcapQvl().verify(quote, opts.collateral, opts.nowSecs);
  } catch (err) {
    throw new QuoteRejectedError("dcap", "DCAP verification failed", {
      details: err instanceof Error ? err.message : String(err),
      cause: err,
    });
  }
  const accepted = opts.acceptedTcbStatuses ?? DEFAULT_ACCEPTED_TCB_STATUSES;
  if (!accepted.includes(verified.status)) {
    throw new QuoteRejectedError("tcb-status", `TCB status ${verified.status} is not accepted`, {
      details: `accepted: ${accepted.join(", ")}; advisories: ${verified.advisory_ids.join(", ") || "none"}`,
    });
  }
  // Fields come from the verified report (the library's parse of the signed bytes), not from our own parse.
  const body = reportBody(verified.report);
  const measurement = toHex(body.measurement);
  const measurementHash = keccak256(body.measurement);
  let measurementAllowed: boolean | null = null;
  if (opts.allowedMeasurements) {
    const allow = new Set([...opts.allowedMeasurements].map((m) => m.toLowerCase()));
    measurementAllowed = allow.has(measurementHash) || allow.has(measurement);
    if (!measurementAllowed) {
      throw new QuoteRejectedError("measurement", "measurement is not on the allowlist", {
        details: `${verified.report.isSgx() ? "MRENCLAVE" : "MRTD"} ${measurement} (hash ${measurementHash})`,
      });
    }
  }
  const rd = parseReportData(body.reportData);
  let addressBound: boolean | null = null;
  if (opts.expectedAddress !== undefined) {
    addressBound = rd.address === getAddress(opts.expectedAddress);
    if (!addressBound) {
      throw new QuoteRejectedError("report-data", "quote does not bind the expected keeper address", {
        details: `report data binds ${rd.address}, expected ${getAddress(opts.expectedAddress)}`,
      });
    }
  }
  if (opts.expectedNonce !== undefined) {
    if (!isHexString(opts.expectedNonce, 32)) throw new ConfigError("expected nonce must be 32 bytes hex");
    if (rd.nonce !== opts.expectedNonce.toLowerCase()) {
      throw new QuoteRejectedError("report-data", "quote does not carry the expected nonce", {
        details: `got ${rd.nonce}, expected ${opts.expectedNonce}`,
      });
    }
  }
  return {
    teeType: verified.report.isSgx() ? "SGX" : "TDX",
    quoteVersion: parsed.header.version,
    reportType: verified.report.type,
    quoteHash: keccak256(quote),
    measurement,
    measurementHash,
    signer: toHex(body.signer),
    tcbStatus: verified.status,
    advisoryIds: [...verified.advisory_ids],
    reportData: toHex(body.reportData),
    boundAddress: rd.address,
    reportDataNonce: rd.nonce,
    measurementAllowed,
    addressBound,
    verifiedAt: opts.nowSecs,
    collateralWindow: window,
    ppid: toHex(verified.ppid),
  };
}

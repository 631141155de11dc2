import {
  getAddress,
  hexlify,
  keccak256,
  TypedDataEncoder,
  verifyTypedData,
  type TypedDataDomain,
  type TypedDataField,
} from "ethers";
import { ConfigError } from "../errors.js";
import type { TypedDataSigner } from "../recording/receipt.js";
import { TCB_STATUS_CODE, TEE_TYPE_CODE, type VerifiedQuote } from "./dcap.js";
import { DEVELOPMENT_MEASUREMENT, LOCAL_CHAIN_IDS, parseDevelopmentQuote } from "./development.js";
import { AttestationError } from "./errors.js";
import { REPORT_DATA_LENGTH, parseReportData } from "./report-data.js";

/**
 * What a governance-approved verifier signs and posts to the AttestationRegistry after `verifyDcapQuote`
 * accepted a keeper's quote: exactly `IAttestationRegistry.VerifiedQuote`. Only quotes whose report data was
 * checked against the keeper's address can become a record.
 */
export interface AttestationRecord {
  keeper: string;
  /** keccak256 of the raw quote. */
  quoteHash: string;
  /** `IAttestationRegistry.TeeType`: 1 = SGX, 2 = TDX (0 = None is never recorded). */
  teeType: number;
  /** keccak256(MRTD or MRENCLAVE): the allowlist key (`Parameters.isMeasurementAllowed`). */
  measurementHash: string;
  /** `IAttestationRegistry.TcbStatus`: 0 UpToDate ... 6 Revoked (the registry accepts 0..3). */
  tcbStatus: number;
  /** The quote's 64 bytes of report data, hex (bytes 0..20: the keeper address). */
  reportData: string;
  /** Verification time, unix seconds (the registry wants it within the max attestation age and newer than the last). */
  verifiedAt: bigint;
}

/** The record of a quote `verifyDcapQuote` accepted with `expectedAddress` set. */
export function toAttestationRecord(v: VerifiedQuote): AttestationRecord {
  if (v.addressBound !== true) {
    throw new AttestationError("the quote's report data was not checked against the keeper address", {
      details: "verify with expectedAddress before recording an attestation",
    });
  }
  const tcbStatus = TCB_STATUS_CODE[v.tcbStatus];
  if (tcbStatus > TCB_STATUS_CODE.Revoked) {
    throw new AttestationError("a quote with an unknown TCB status cannot be recorded", { details: v.tcbStatus });
  }
  return {
    keeper: getAddress(v.boundAddress),
    quoteHash: v.quoteHash,
    teeType: TEE_TYPE_CODE[v.teeType],
    measurementHash: v.measurementHash,
    tcbStatus,
    reportData: v.reportData,
    verifiedAt: BigInt(v.verifiedAt),
  };
}

/**
 * DEVELOPMENT ONLY, local chains only (31337, 1337): the record a development verifier makes of a
 * `DevelopmentQuoteProvider` quote, which no DCAP verification can accept. It is recorded as TDX, UpToDate,
 * with `measurementHash = DEVELOPMENT_MEASUREMENT`, so it counts only where governance allowlisted that
 * pseudo-measurement (local deployments). The quote must be a development quote of the same chain binding
 * `expectedAddress`.
 */
export function developmentAttestationRecord(
  quote: Uint8Array,
  opts: { chainId: number; expectedAddress: string; verifiedAt: bigint },
): AttestationRecord {
  if (!LOCAL_CHAIN_IDS.includes(opts.chainId)) {
    throw new ConfigError("development attestations are refused on non-local chains", {
      details: `chain id ${opts.chainId}`,
    });
  }
  const dev = parseDevelopmentQuote(quote);
  if (dev === undefined) throw new AttestationError("not a development quote");
  if (dev.chainId !== opts.chainId) {
    throw new AttestationError("development quote of another chain", { details: `${dev.chainId}` });
  }
  const reportData = Uint8Array.from(Buffer.from(dev.reportData.replace(/^0x/, ""), "hex"));
  if (
    reportData.length !== REPORT_DATA_LENGTH ||
    parseReportData(reportData).address !== getAddress(opts.expectedAddress)
  ) {
    throw new AttestationError("development quote does not bind the keeper address", { details: opts.expectedAddress });
  }
  return {
    keeper: getAddress(opts.expectedAddress),
    quoteHash: keccak256(quote),
    teeType: TEE_TYPE_CODE.TDX,
    measurementHash: DEVELOPMENT_MEASUREMENT,
    tcbStatus: TCB_STATUS_CODE.UpToDate,
    reportData: hexlify(reportData),
    verifiedAt: opts.verifiedAt,
  };
}

/**
 * `AttestationRegistry.VERIFIED_QUOTE_TYPEHASH`:
 * `VerifiedQuote(address keeper,bytes32 quoteHash,uint8 teeType,bytes32 measurementHash,uint8 tcbStatus,bytes reportData,uint64 verifiedAt)`
 * under the domain { name: "AttestationRegistry", version: "1", chainId, verifyingContract }. Replay is
 * prevented by the registry itself: `verifiedAt` must be newer than the keeper's record and a quote hash is
 * accepted once.
 */
export const ATTESTATION_TYPES: Record<string, TypedDataField[]> = {
  VerifiedQuote: [
    { name: "keeper", type: "address" },
    { name: "quoteHash", type: "bytes32" },
    { name: "teeType", type: "uint8" },
    { name: "measurementHash", type: "bytes32" },
    { name: "tcbStatus", type: "uint8" },
    { name: "reportData", type: "bytes" },
    { name: "verifiedAt", type: "uint64" },
  ],
};

export function attestationDomain(chainId: bigint | number, verifyingContract: string): TypedDataDomain {
  return { name: "AttestationRegistry", version: "1", chainId, verifyingContract };
}

export interface SignedAttestation {
  record: AttestationRecord;
  /** The EIP-712 digest (`AttestationRegistry.hashVerifiedQuote`). */
  digest: string;
  signature: string;
}

/** The verifier signs a record (the message is the record itself). */
export async function signAttestationRecord(
  signer: TypedDataSigner,
  domain: TypedDataDomain,
  record: AttestationRecord,
): Promise<SignedAttestation> {
  const signature = await signer.signTypedData(domain, ATTESTATION_TYPES, { ...record });
  return { record, digest: TypedDataEncoder.hash(domain, ATTESTATION_TYPES, record), signature };
}

/** The address that signed `signed` under `domain` (what the registry's ECDSA.recover returns). */
export function recoverAttestationSigner(
  domain: TypedDataDomain,
  signed: Pick<SignedAttestation, "record" | "signature">,
): string {
  return verifyTypedData(domain, ATTESTATION_TYPES, signed.record, signed.signature);
}

import { keccak256, TypedDataEncoder, verifyTypedData, type TypedDataDomain, type TypedDataField } from "ethers";
import type { TypedDataSigner } from "../recording/receipt.js";
import { TCB_STATUS_CODE, TEE_TYPE_CODE, type VerifiedQuote } from "./dcap.js";
import { AttestationError } from "./errors.js";

/**
 * What a governance-approved verifier posts to the AttestationRegistry after `verifyDcapQuote` accepted a
 * keeper's quote (proposal, to be aligned with the contract at merge). Only quotes whose report data was checked
 * against the keeper's address can become a record.
 */
export interface AttestationRecord {
  keeper: string;
  /** keccak256 of the raw quote. */
  quoteHash: string;
  /** TEE_TYPE_CODE: 1 = SGX, 2 = TDX. */
  teeType: number;
  /** keccak256(MRTD or MRENCLAVE): the allowlist key. */
  measurementHash: string;
  /** TCB_STATUS_CODE (0 = UpToDate ... 6 = Revoked). */
  tcbStatus: number;
  /** keccak256 of the 64 bytes of report data. */
  reportDataHash: string;
  /** Verification time, unix seconds. */
  verifiedAt: bigint;
}

export function toAttestationRecord(v: VerifiedQuote): AttestationRecord {
  if (v.addressBound !== true) {
    throw new AttestationError("the quote's report data was not checked against the keeper address", {
      details: "verify with expectedAddress before recording an attestation",
    });
  }
  return {
    keeper: v.boundAddress,
    quoteHash: v.quoteHash,
    teeType: TEE_TYPE_CODE[v.teeType],
    measurementHash: v.measurementHash,
    tcbStatus: TCB_STATUS_CODE[v.tcbStatus],
    reportDataHash: keccak256(v.reportData),
    verifiedAt: BigInt(v.verifiedAt),
  };
}

/**
 * Proposed typed data for a verifier's signed posting:
 * `AttestationVerified(address keeper,bytes32 quoteHash,uint8 teeType,bytes32 measurementHash,uint8 tcbStatus,bytes32 reportDataHash,uint64 verifiedAt,uint256 nonce)`
 * under the domain { name: "AttestationRegistry", version: "1", chainId, verifyingContract }.
 */
export const ATTESTATION_TYPES: Record<string, TypedDataField[]> = {
  AttestationVerified: [
    { name: "keeper", type: "address" },
    { name: "quoteHash", type: "bytes32" },
    { name: "teeType", type: "uint8" },
    { name: "measurementHash", type: "bytes32" },
    { name: "tcbStatus", type: "uint8" },
    { name: "reportDataHash", type: "bytes32" },
    { name: "verifiedAt", type: "uint64" },
    { name: "nonce", type: "uint256" },
  ],
};

export function attestationDomain(chainId: bigint | number, verifyingContract: string): TypedDataDomain {
  return { name: "AttestationRegistry", version: "1", chainId, verifyingContract };
}

export async function signAttestationRecord(
  signer: TypedDataSigner,
  domain: TypedDataDomain,
  record: AttestationRecord,
  nonce: bigint,
  types: Record<string, TypedDataField[]> = ATTESTATION_TYPES,
): Promise<{ record: AttestationRecord; nonce: bigint; digest: string; signature: string }> {
  const message = { ...record, nonce };
  const signature = await signer.signTypedData(domain, types, message);
  return { record, nonce, digest: TypedDataEncoder.hash(domain, types, message), signature };
}

export function recoverAttestationSigner(
  domain: TypedDataDomain,
  signed: { record: AttestationRecord; nonce: bigint; signature: string },
  types: Record<string, TypedDataField[]> = ATTESTATION_TYPES,
): string {
  return verifyTypedData(domain, types, { ...signed.record, nonce: signed.nonce }, signed.signature);
}

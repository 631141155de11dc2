import { getAddress, hexlify, isAddress, isHexString } from "ethers";
import { AttestationError } from "./errors.js";

/**
 * Layout of the 64-byte TEE report data (TDX `REPORTDATA`, SGX `report_data`) a keeper's quote carries:
 *
 * | bytes   | content                                                                          |
 * | ------- | -------------------------------------------------------------------------------- |
 * | 0..20   | the keeper's EVM address (20 bytes, left-aligned: Solidity `bytes20(reportData)`) |
 * | 20..32  | zero (reserved)                                                                  |
 * | 32..64  | a 32-byte nonce chosen by the verifier (freshness challenge), or zero            |
 *
 * A quote binds a keeper when bytes 0..20 equal its address; the verifier may also demand its nonce.
 */
export const REPORT_DATA_LENGTH = 64;

export interface ReportDataFields {
  /** Checksummed address found in bytes 0..20. */
  address: string;
  /** Bytes 20..32 as hex (zero in reports this keeper produces). */
  reserved: string;
  /** Bytes 32..64 as hex. */
  nonce: string;
}

/** Builds report data binding `address` with `nonce` (bytes32 hex, default zero). */
export function buildReportData(address: string, nonce = `0x${"00".repeat(32)}`): Uint8Array {
  if (!isAddress(address)) throw new AttestationError("report data needs a valid EVM address", { details: address });
  if (!isHexString(nonce, 32)) throw new AttestationError("report data nonce must be 32 bytes hex", { details: nonce });
  const out = new Uint8Array(REPORT_DATA_LENGTH);
  out.set(Buffer.from(getAddress(address).slice(2), "hex"), 0);
  out.set(Buffer.from(nonce.slice(2), "hex"), 32);
  return out;
}

/** Splits 64 bytes of report data into the fields above. */
export function parseReportData(reportData: Uint8Array): ReportDataFields {
  if (reportData.length !== REPORT_DATA_LENGTH) {
    throw new AttestationError("report data must be 64 bytes", { details: `${reportData.length} bytes` });
  }
  return {
    address: getAddress(hexlify(reportData.subarray(0, 20))),
    reserved: hexlify(reportData.subarray(20, 32)),
    nonce: hexlify(reportData.subarray(32, 64)),
  };
}

/** True when the report data binds `address` (bytes 0..20 equal it). */
export function reportDataBinds(reportData: Uint8Array, address: string): boolean {
  return parseReportData(reportData).address === getAddress(address);
}

import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { toUtf8Bytes } from "ethers";

/**
 * The real DCAP samples (Phala-Network/dcap-qvl `sample/`, MIT) in `../shared/data/dcap` (beside the repository)
 * or the keeper's bundled copy, with the pinned times at which their collateral is current.
 */
export interface Collateral {
  pck_crl_issuer_chain: string;
  root_ca_crl: string;
  pck_crl: string;
  tcb_info_issuer_chain: string;
  tcb_info: string;
  tcb_info_signature: string;
  qe_identity_issuer_chain: string;
  qe_identity: string;
  qe_identity_signature: string;
}

export interface Sample {
  name: string;
  quote: Uint8Array;
  collateral: Collateral;
  /** Verification time (unix seconds) inside the collateral window. */
  at: number;
}

const here = dirname(fileURLToPath(import.meta.url));
const shared = resolve(here, "..", "..", "..", "..", "..", "shared", "data", "dcap");
const bundled = resolve(here, "..", "..", "..", "keeper", "test-data", "dcap");

function dir(): string {
  try {
    readFileSync(join(shared, "README.md"));
    return shared;
  } catch {
    return bundled;
  }
}

export function loadSample(name: string, quoteFile: string, collateralFile: string, at: number): Sample {
  const d = dir();
  return {
    name,
    quote: new Uint8Array(readFileSync(join(d, quoteFile))),
    collateral: JSON.parse(readFileSync(join(d, collateralFile), "utf8")) as Collateral,
    at,
  };
}

export const SGX = () => loadSample("sgx", "sgx_quote", "sgx_quote_collateral.json", 1750377600);
export const TDX = () => loadSample("tdx", "tdx_quote", "tdx_quote_collateral.json", 1750377600);
export const TDX_OUTDATED = () =>
  loadSample("tdx-outdated", "tdx_quote_outdated", "tdx_quote_outdated_collateral.json", 1772323200);
export const ALL_SAMPLES = () => [SGX(), TDX(), TDX_OUTDATED()];

export const hex = (s: string) => (s.startsWith("0x") ? s : `0x${s}`);
export const utf8 = (s: string) => toUtf8Bytes(s);

/** The quote's certification data (type 5 PEM chain): offsets inside the quote. */
export function pemChainOffsets(quote: Uint8Array): { start: number; length: number; lengthFields: number[] } {
  const view = Buffer.from(quote);
  const version = view.readUInt16LE(0);
  const body = version === 3 ? 384 : 584;
  let o = 48 + body;
  const sigLenField = o;
  o += 4 + 128;
  const lengthFields = [sigLenField];
  if (version === 4) {
    lengthFields.push(o + 2);
    o += 6;
  }
  o += 384 + 64;
  const authLen = view.readUInt16LE(o);
  o += 2 + authLen;
  lengthFields.push(o + 2);
  const length = view.readUInt32LE(o + 2);
  return { start: o + 6, length, lengthFields };
}

/** A copy of `quote` whose PEM chain is replaced by `pem` (every enclosing length field adjusted). */
export function withPemChain(quote: Uint8Array, pem: string): Uint8Array {
  const { start, length, lengthFields } = pemChainOffsets(quote);
  const newPem = Buffer.from(pem, "utf8");
  const delta = newPem.length - length;
  const out = Buffer.concat([
    Buffer.from(quote.subarray(0, start)),
    newPem,
    Buffer.from(quote.subarray(start + length)),
  ]);
  for (const f of lengthFields) out.writeUInt32LE(out.readUInt32LE(f) + delta, f);
  return new Uint8Array(out);
}

/** The PEM blocks of a chain. */
export function pemBlocks(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/g) ?? [];
}

export function quotePem(quote: Uint8Array): string {
  const { start, length } = pemChainOffsets(quote);
  return Buffer.from(quote.subarray(start, start + length)).toString("utf8");
}

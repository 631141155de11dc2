/**
 * DCAP collateral from a PCCS (or Intel's PCS), API v4 shapes:
 *
 * - `GET /{sgx|tdx}/certification/v4/tcb?fmspc=<hex>` -> `{"tcbInfo":{...},"signature":"<hex>"}`, issuer chain in
 *   `TCB-Info-Issuer-Chain` (or `SGX-TCB-Info-Issuer-Chain`);
 * - `GET /{sgx|tdx}/certification/v4/qe/identity` -> `{"enclaveIdentity":{...},"signature":"<hex>"}`, issuer
 *   chain in `SGX-Enclave-Identity-Issuer-Chain`;
 * - `GET /sgx/certification/v4/pckcrl?ca=processor|platform&encoding=der` -> DER bytes, issuer chain in
 *   `SGX-PCK-CRL-Issuer-Chain`;
 * - `GET /sgx/certification/v4/rootcacrl` -> the root CA CRL as hex.
 *
 * Issuer chains are URL-encoded PEM. The signed JSON objects are taken byte for byte from the response (Intel
 * signs those exact bytes), never re-serialised. Responses are cached until the earliest `nextUpdate` of what
 * they carry (or `maxCacheMs`), so renewals do not refetch current collateral.
 */
import { X509Certificate } from "node:crypto";
import { hexlify } from "ethers";
import { z } from "zod";
import { AttestationError } from "./errors.js";
import type { Collateral } from "@phala/dcap-qvl";

/** A PCCS request or response that could not be used; the message names the URL. */
export class PccsError extends AttestationError {
  override name = "PccsError";
}

export type Tee = "sgx" | "tdx";
export type PckCa = "processor" | "platform";

/** What selects a quote's collateral: TEE, FMSPC and the CA that issued its PCK certificate. */
export interface QuotePlatform {
  tee: Tee;
  fmspc: string;
  ca: PckCa;
  /** The quote's PEM PCK chain (certification data type 5). */
  pckChain: string;
}

/** Reads TEE type, PCK chain, FMSPC and issuing CA from a DCAP quote (SGX v3, TDX v4/v5). */
export function quotePlatform(quote: Uint8Array): QuotePlatform {
  const b = Buffer.from(quote);
  if (b.length < 48) throw new PccsError("not a DCAP quote: shorter than its header");
  const version = b.readUInt16LE(0);
  const tee: Tee = b.readUInt32LE(4) === 0x81 ? "tdx" : "sgx";
  let o = version === 5 ? 54 + b.readUInt32LE(50) : 48 + (tee === "sgx" ? 384 : 584);
  o += 4 + 128;
  if (version >= 4) o += 6;
  o += 384 + 64;
  if (o + 2 > b.length) throw new PccsError("not a DCAP quote: truncated signature data");
  o += 2 + b.readUInt16LE(o);
  if (o + 6 > b.length || b.readUInt16LE(o) !== 5) {
    throw new PccsError("the quote carries no PEM PCK chain (certification data type 5)");
  }
  const pckChain = b.subarray(o + 6, o + 6 + b.readUInt32LE(o + 2)).toString("utf8");
  const first = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(pckChain);
  if (!first) throw new PccsError("the quote's PCK chain holds no certificate");
  const cert = new X509Certificate(first[0]);
  const ca: PckCa = cert.issuer.includes("Processor") ? "processor" : "platform";
  return { tee, fmspc: fmspcOf(new Uint8Array(cert.raw)), ca, pckChain };
}

/** FMSPC (hex, upper case) from a PCK certificate's SGX extension (OID 1.2.840.113741.1.13.1.4). */
export function fmspcOf(der: Uint8Array): string {
  const oid = Buffer.from("060a2a864886f84d010d0104", "hex");
  const at = Buffer.from(der).indexOf(oid);
  if (at < 0) throw new PccsError("the PCK certificate has no FMSPC");
  const v = at + oid.length;
  if (der[v] !== 0x04 || der[v + 1] !== 6) throw new PccsError("the PCK certificate's FMSPC is malformed");
  return Buffer.from(der.subarray(v + 2, v + 8))
    .toString("hex")
    .toUpperCase();
}

/** The raw text of the top-level member `key` of a JSON object (the bytes Intel signed), or undefined. */
export function rawJsonMember(body: string, key: string): string | undefined {
  const needle = `"${key}":`;
  let depth = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '"') {
      if (depth === 1 && body.startsWith(needle, i))
        return body.slice(i + needle.length, endOfValue(body, i + needle.length));
      i = endOfString(body, i) - 1;
    } else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") depth--;
  }
  return undefined;
}

function endOfString(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    if (s[j] === "\\") j++;
    else if (s[j] === '"') return j + 1;
  }
  throw new PccsError("unterminated JSON string in a PCCS response");
}

function endOfValue(s: string, i: number): number {
  let depth = 0;
  for (let j = i; j < s.length; j++) {
    const c = s[j];
    if (c === '"') {
      j = endOfString(s, j) - 1;
      if (depth === 0) return j + 1;
    } else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) return j + 1;
    } else if (depth === 0 && c === ",") return j;
  }
  throw new PccsError("unterminated JSON value in a PCCS response");
}

const signedSchema = z.object({ signature: z.string().regex(/^[0-9a-fA-F]{128}$/) });

export interface PccsClientOptions {
  /** Base URL (`https://pccs.example:8081`, with or without `/sgx/certification/v4`). */
  url: string;
  /** Upper bound on how long a response is reused (default 1 hour). */
  maxCacheMs?: number;
  fetch?: typeof globalThis.fetch;
  /** Clock for the cache (default `Date.now`). */
  now?: () => number;
}

interface Cached<T> {
  value: T;
  until: number;
}

/** Fetches and caches DCAP collateral; `collateralFor(quote)` gives everything `verify`/the chain needs. */
export class PccsClient {
  private readonly base: string;
  private readonly cache = new Map<string, Cached<unknown>>();
  private readonly fetchFn: typeof globalThis.fetch;
  private readonly now: () => number;
  /** Requests actually sent (cache misses), for tests and metrics. */
  requests = 0;

  constructor(private readonly opts: PccsClientOptions) {
    this.base = opts.url.replace(/\/$/, "").replace(/\/(sgx|tdx)\/certification\/v4$/, "");
    this.fetchFn = opts.fetch ?? globalThis.fetch;
    this.now = opts.now ?? Date.now;
  }

  /** The collateral of a quote (TCB info for its FMSPC, QE identity, PCK CRL of its CA, root CA CRL). */
  async collateralFor(quote: Uint8Array): Promise<Collateral> {
    const p = quotePlatform(quote);
    const [tcb, qe, pckCrl, rootCrl] = await Promise.all([
      this.signedJson(`${p.tee}/certification/v4/tcb?fmspc=${p.fmspc}`, "tcbInfo", [
        "TCB-Info-Issuer-Chain",
        "SGX-TCB-Info-Issuer-Chain",
      ]),
      this.signedJson(`${p.tee}/certification/v4/qe/identity`, "enclaveIdentity", [
        "SGX-Enclave-Identity-Issuer-Chain",
      ]),
      this.binary(`sgx/certification/v4/pckcrl?ca=${p.ca}&encoding=der`, "SGX-PCK-CRL-Issuer-Chain"),
      this.hexBody("sgx/certification/v4/rootcacrl"),
    ]);
    return {
      pck_crl_issuer_chain: pckCrl.chain,
      root_ca_crl: rootCrl,
      pck_crl: pckCrl.hex,
      tcb_info_issuer_chain: tcb.chain,
      tcb_info: tcb.raw,
      tcb_info_signature: tcb.signature,
      qe_identity_issuer_chain: qe.chain,
      qe_identity: qe.raw,
      qe_identity_signature: qe.signature,
    };
  }

  private async cached<T>(path: string, load: () => Promise<{ value: T; nextUpdate?: number }>): Promise<T> {
    const hit = this.cache.get(path) as Cached<T> | undefined;
    if (hit && hit.until > this.now()) return hit.value;
    const { value, nextUpdate } = await load();
    const max = this.now() + (this.opts.maxCacheMs ?? 3_600_000);
    this.cache.set(path, { value, until: nextUpdate !== undefined ? Math.min(max, nextUpdate) : max });
    return value;
  }

  private async get(path: string): Promise<Response> {
    const url = `${this.base}/${path}`;
    this.requests++;
    let res: Response;
    try {
      res = await this.fetchFn(url);
    } catch (err) {
      throw new PccsError(`PCCS unreachable: GET ${url}`, { cause: err });
    }
    if (!res.ok) throw new PccsError(`PCCS answered ${res.status} to GET ${url}`);
    return res;
  }

  private header(res: Response, names: string[], path: string): string {
    for (const n of names) {
      const v = res.headers.get(n);
      if (v) return decodeURIComponent(v);
    }
    throw new PccsError(`PCCS response to ${this.base}/${path} has no ${names[0]} header`);
  }

  private signedJson(path: string, member: string, chainHeaders: string[]) {
    return this.cached(path, async () => {
      const res = await this.get(path);
      const body = await res.text();
      const raw = rawJsonMember(body, member);
      let signature: string;
      try {
        signature = signedSchema.parse(JSON.parse(body)).signature.toLowerCase();
      } catch (err) {
        throw new PccsError(`PCCS response to ${this.base}/${path} has no 64-byte hex signature`, { cause: err });
      }
      if (!raw) throw new PccsError(`PCCS response to ${this.base}/${path} has no "${member}" object`);
      const nextUpdate = Date.parse(String((JSON.parse(raw) as { nextUpdate?: unknown }).nextUpdate));
      return {
        value: { raw, signature, chain: this.header(res, chainHeaders, path) },
        nextUpdate: Number.isFinite(nextUpdate) ? nextUpdate : undefined,
      };
    });
  }

  private binary(path: string, chainHeader: string) {
    return this.cached(path, async () => {
      const res = await this.get(path);
      const bytes = new Uint8Array(await res.arrayBuffer());
      return { value: { hex: hexlify(bytes).slice(2), chain: this.header(res, [chainHeader], path) } };
    });
  }

  private hexBody(path: string) {
    return this.cached(path, async () => {
      const res = await this.get(path);
      const text = (await res.text()).trim();
      if (!/^([0-9a-fA-F]{2})+$/.test(text)) throw new PccsError(`PCCS response to ${this.base}/${path} is not hex`);
      return { value: text.toLowerCase() };
    });
  }
}

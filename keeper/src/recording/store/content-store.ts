import { CID } from "multiformats/cid";
import * as json from "multiformats/codecs/json";
import * as raw from "multiformats/codecs/raw";
import { sha256 } from "multiformats/hashes/sha2";
import { ContentIntegrityError } from "../errors.js";

/**
 * Content-addressed storage of traces (and any other blob): the address of some bytes is their CIDv1
 * (sha2-256 multihash, `raw` or `json` codec, base32 string form "bafk..." / "bagaaiera..."), so the same bytes
 * get the same id in every backend and on IPFS. `get` re-hashes what the backend returns and refuses bytes that
 * do not match the CID: a backend is trusted for availability, never for integrity.
 */
export interface ContentStore {
  /** Stores `bytes` (idempotent) and returns their CID string. */
  put(bytes: Uint8Array, codec?: ContentCodec): Promise<string>;
  /** The bytes stored under `cid`; `ContentNotFoundError` when absent, `ContentIntegrityError` when damaged. */
  get(cid: string): Promise<Uint8Array>;
  /** Whether an object is stored under `cid` (does not verify its content). */
  has(cid: string): Promise<boolean>;
}

export type ContentCodec = "raw" | "json";

const CODEC_CODES: Record<ContentCodec, number> = { raw: raw.code, json: json.code };

/** The CIDv1 (sha2-256) of `bytes` under `codec` (default `raw`). */
export async function computeCid(bytes: Uint8Array, codec: ContentCodec = "raw"): Promise<CID> {
  if (codec === "json") {
    try {
      JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    } catch (err) {
      throw new ContentIntegrityError("bytes stored with the json codec must be UTF-8 JSON", { cause: err });
    }
  }
  return CID.createV1(CODEC_CODES[codec], await sha256.digest(bytes));
}

/** Parses a CID string and checks it is one this store produces (v1, raw/json, sha2-256). */
export function parseStoreCid(cid: string): CID {
  let parsed: CID;
  try {
    parsed = CID.parse(cid);
  } catch (err) {
    throw new ContentIntegrityError("not a valid CID string", { details: cid, cause: err });
  }
  if (
    parsed.version !== 1 ||
    !Object.values(CODEC_CODES).includes(parsed.code) ||
    parsed.multihash.code !== sha256.code
  ) {
    throw new ContentIntegrityError("unsupported CID: expected CIDv1, raw or json codec, sha2-256", { details: cid });
  }
  if (parsed.toString() !== cid) {
    throw new ContentIntegrityError("CID must be in its canonical base32 string form", { details: cid });
  }
  return parsed;
}

/** Throws `ContentIntegrityError` unless `bytes` hash to `cid`. */
export async function assertCidMatches(cid: string, bytes: Uint8Array): Promise<void> {
  const expected = parseStoreCid(cid);
  const digest = await sha256.digest(bytes);
  const a = digest.digest;
  const b = expected.multihash.digest;
  if (a.length !== b.length || !a.every((v, i) => v === b[i])) {
    throw new ContentIntegrityError("stored content does not match its CID", { details: cid });
  }
}

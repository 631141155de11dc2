import { concat, getBytes, keccak256, toUtf8Bytes } from "ethers";
import { z } from "zod";
import { DecimalFormatError, WAD_DECIMALS, canonicalDecimal, toFixed } from "./decimal.js";
import { TraceEntryInvalidError } from "./errors.js";

/**
 * One execution (fill) in a campaign's trace. Amounts are decimal strings (never JS numbers), validated and
 * put in canonical form by the schema, so the same trade always serialises and hashes the same way.
 */

export const TRACE_SOURCES = ["cex", "dex", "bridge", "paper"] as const;
export type TraceSource = (typeof TRACE_SOURCES)[number];
export const TRACE_SIDES = ["buy", "sell"] as const;
export type TraceSide = (typeof TRACE_SIDES)[number];

/** Largest accepted timestamp (ms): JS safe integers, well inside uint64. */
const MAX_TIMESTAMP_MS = Number.MAX_SAFE_INTEGER;
const BYTES32_RE = /^0x[0-9a-fA-F]{64}$/;
const NO_CONTROL_RE = /^[^\u0000-\u001f\u007f]*$/;

function decimalField(opts: { positive: boolean }) {
  return z.string().transform((raw, ctx) => {
    let canonical: string;
    try {
      canonical = canonicalDecimal(raw);
      toFixed(canonical, WAD_DECIMALS);
    } catch (err) {
      ctx.addIssue({ code: "custom", message: err instanceof DecimalFormatError ? err.message : String(err) });
      return z.NEVER;
    }
    if (opts.positive && (canonical === "0" || canonical.startsWith("-"))) {
      ctx.addIssue({ code: "custom", message: `must be > 0, got ${canonical}` });
      return z.NEVER;
    }
    return canonical;
  });
}

const idString = (max: number, min: number) =>
  z.string().min(min).max(max).regex(NO_CONTROL_RE, "must not contain control characters");

export const TraceEntrySchema = z
  .object({
    /** Time of the fill, milliseconds since the Unix epoch (venue time when the venue reports it). */
    timestamp: z.number().int().min(0).max(MAX_TIMESTAMP_MS),
    /** The campaign this execution belongs to (bytes32 hex, stored lower-case). */
    campaignId: z
      .string()
      .regex(BYTES32_RE, "must be a 0x-prefixed 32-byte hex string")
      .transform((s) => s.toLowerCase()),
    /** Venue order id (CEX) or transaction hash (DEX, bridge) of the execution. */
    orderId: idString(256, 1),
    /** Venue trade id of one partial fill of `orderId` (or a DEX log index); "" when the order filled at once. */
    fillId: idString(256, 0).default(""),
    /** The keeper's own idempotency key for the order (the journal uses it to never send an order twice). */
    clientOrderId: idString(256, 0).default(""),
    /** Venue identifier, lower-case: "binance", "uniswap-v2", "bridge:hop"... */
    venue: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[a-z0-9][a-z0-9._:-]*$/, "must be lower-case [a-z0-9._:-]"),
    /** "BASE/QUOTE", upper-case: "ETH/USDC". */
    pair: z.string().regex(/^[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}$/, "must look like BASE/QUOTE (upper-case)"),
    side: z.enum(TRACE_SIDES),
    /** Quote-asset units per base-asset unit, decimal string, > 0, at most 18 fractional digits. */
    price: decimalField({ positive: true }),
    /** Base-asset quantity, decimal string, > 0, at most 18 fractional digits. */
    size: decimalField({ positive: true }),
    /** Fee paid in `feeAsset`; negative for a maker rebate. At most 18 fractional digits. */
    fee: decimalField({ positive: false }),
    feeAsset: z.string().regex(/^[A-Z0-9]{1,20}$/, "must be an upper-case asset symbol"),
    source: z.enum(TRACE_SOURCES),
  })
  .strict();

/** A validated trace entry in canonical form. */
export type TraceEntry = z.output<typeof TraceEntrySchema>;
/** What callers may pass in (decimals in any plain form, optional ids omitted). */
export type TraceEntryInput = z.input<typeof TraceEntrySchema>;

/** Validates and canonicalises one entry; throws `TraceEntryInvalidError` listing every problem. */
export function parseTraceEntry(input: unknown): TraceEntry {
  const r = TraceEntrySchema.safeParse(input);
  if (!r.success) {
    const details = r.error.issues.map((i) => `${i.path.join(".") || "(entry)"}: ${i.message}`).join("; ");
    throw new TraceEntryInvalidError("invalid trace entry", { details, cause: r.error });
  }
  return r.data;
}

/**
 * Deterministic JSON: object keys sorted by UTF-16 code unit order, no whitespace, only strings, booleans,
 * null, arrays, plain objects and safe integers (floats and bigints are refused: amounts must be strings).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new TypeError(`canonicalJson: only safe integers allowed, got ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(",")}}`;
  }
  throw new TypeError(`canonicalJson: unsupported value of type ${typeof value}`);
}

/** The canonical serialisation of one entry (one JSONL line, without the newline). */
export function serializeTraceEntry(entry: TraceEntry): string {
  return canonicalJson(entry);
}

// ---------------------------------------------------------------------------------------------------------------
// Solidity-side encoding
// ---------------------------------------------------------------------------------------------------------------

/** keccak256 of a string's UTF-8 bytes, as Solidity's `keccak256(bytes(s))`. */
export function hashString(s: string): string {
  return keccak256(toUtf8Bytes(s));
}

// Venue, pair and asset names repeat across a trace: their hashes are memoised (bounded).
const symbolHashes = new Map<string, string>();
function hashSymbol(s: string): string {
  let h = symbolHashes.get(s);
  if (h === undefined) {
    if (symbolHashes.size >= 4096) symbolHashes.clear();
    h = hashString(s);
    symbolHashes.set(s, h);
  }
  return h;
}

/** `venueId = keccak256(bytes(venue))`. */
export const venueId = (venue: string): string => hashSymbol(venue);
/** `pairId = keccak256(bytes(pair))`, pair as "BASE/QUOTE". */
export const pairId = (pair: string): string => hashSymbol(pair);

/**
 * The execution hash identifies one fill across all traces (the ReceiptRegistry rejects a repeated one):
 * `keccak256(abi.encode(bytes32 venueId, bytes32 keccak256(bytes(orderId)), bytes32 keccak256(bytes(fillId))))`.
 */
export function executionHash(e: Pick<TraceEntry, "venue" | "orderId" | "fillId">): string {
  // abi.encode of three bytes32 values is their plain concatenation.
  return keccak256(concat([venueId(e.venue), hashString(e.orderId), hashString(e.fillId)]));
}

export const SIDE_CODE: Record<TraceSide, number> = { buy: 0, sell: 1 };
export const SOURCE_CODE: Record<TraceSource, number> = { cex: 0, dex: 1, bridge: 2, paper: 3 };

/**
 * Leaf tuple of the trace Merkle tree, in this order (Solidity: a struct of these static fields, so
 * `abi.encode(leafStruct)` yields exactly these 13 words):
 * `(bytes32 campaignId, uint32 seq, uint64 timestampMs, bytes32 executionHash, bytes32 venueId, bytes32 pairId,
 *   uint8 side, uint8 source, uint256 priceWad, uint256 sizeWad, int256 feeWad, bytes32 feeAssetId,
 *   bytes32 clientOrderIdHash)`
 * and `leaf = keccak256(bytes.concat(keccak256(abi.encode(...))))` (OpenZeppelin StandardMerkleTree).
 */
export const TRACE_LEAF_ENCODING = [
  "bytes32",
  "uint32",
  "uint64",
  "bytes32",
  "bytes32",
  "bytes32",
  "uint8",
  "uint8",
  "uint256",
  "uint256",
  "int256",
  "bytes32",
  "bytes32",
] as const;

export type TraceLeaf = [
  campaignId: string,
  seq: number,
  timestampMs: bigint,
  executionHash: string,
  venueId: string,
  pairId: string,
  side: number,
  source: number,
  priceWad: bigint,
  sizeWad: bigint,
  feeWad: bigint,
  feeAssetId: string,
  clientOrderIdHash: string,
];

/** Largest `seq` a leaf can carry (uint32). */
export const MAX_TRACE_LEAVES = 2 ** 32 - 1;

/** The leaf tuple of entry number `seq` (0-based position in the trace). */
export function traceLeaf(entry: TraceEntry, seq: number): TraceLeaf {
  if (!Number.isInteger(seq) || seq < 0 || seq >= MAX_TRACE_LEAVES) throw new RangeError(`bad leaf seq ${seq}`);
  return [
    entry.campaignId,
    seq,
    BigInt(entry.timestamp),
    executionHash(entry),
    venueId(entry.venue),
    pairId(entry.pair),
    SIDE_CODE[entry.side],
    SOURCE_CODE[entry.source],
    toFixed(entry.price, WAD_DECIMALS),
    toFixed(entry.size, WAD_DECIMALS),
    toFixed(entry.fee, WAD_DECIMALS),
    hashSymbol(entry.feeAsset),
    hashString(entry.clientOrderId),
  ];
}

const TWO_256 = 2n ** 256n;

function putWord(out: Uint8Array, index: number, value: bigint, type: string): void {
  const bits = type === "int256" ? 255 : Number(type.slice(4));
  if (type === "int256" ? value < -(2n ** 255n) || value >= 2n ** 255n : value < 0n || value >= 2n ** BigInt(bits)) {
    throw new RangeError(`leaf field ${index} out of range for ${type}: ${value}`);
  }
  let v = value < 0n ? TWO_256 + value : value;
  for (let b = 31; b >= 0 && v > 0n; b--) {
    out[index * 32 + b] = Number(v & 0xffn);
    v >>= 8n;
  }
}

/**
 * `abi.encode` of a leaf tuple. Every field is a static 32-byte word, so the encoding is the 13 words in order
 * (bytes32 as is; uints big-endian, left-padded; int256 two's complement). Written out instead of going through
 * a generic ABI coder because it runs once per trade (a test checks it against ethers' AbiCoder).
 */
export function encodeTraceLeaf(leaf: TraceLeaf): Uint8Array {
  const out = new Uint8Array(TRACE_LEAF_ENCODING.length * 32);
  TRACE_LEAF_ENCODING.forEach((type, i) => {
    const v = leaf[i];
    if (type === "bytes32") {
      const bytes = getBytes(v as string);
      if (bytes.length !== 32) throw new RangeError(`leaf field ${i} is not 32 bytes`);
      out.set(bytes, i * 32);
    } else {
      putWord(out, i, BigInt(v), type);
    }
  });
  return out;
}

/** The leaf hash, exactly as Solidity computes it: `keccak256(bytes.concat(keccak256(abi.encode(leaf))))`. */
export function traceLeafHash(leaf: TraceLeaf): string {
  return keccak256(keccak256(encodeTraceLeaf(leaf)));
}

import { concat, encodeBytes32String, getBytes, keccak256, toUtf8Bytes } from "ethers";
import { z } from "zod";
import { DecimalFormatError, WAD, WAD_DECIMALS, canonicalDecimal, fromFixed, toFixed } from "./decimal.js";
import { ReceiptError, TraceEntryInvalidError } from "./errors.js";
import { PRICE_DECIMALS, SIZE_DECIMALS, type ResolvedUnits } from "./units.js";

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

function decimalField(opts: { positive: boolean; decimals: number }) {
  return z.string().transform((raw, ctx) => {
    let canonical: string;
    try {
      canonical = canonicalDecimal(raw);
      toFixed(canonical, opts.decimals);
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

function boundsOrdered(min: string, max: string): boolean {
  try {
    return toFixed(min, PRICE_DECIMALS) <= toFixed(max, PRICE_DECIMALS);
  } catch {
    return true; // the field itself already carries the precise error
  }
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
    /** At most 31 characters: the leaf carries it as `encodeBytes32String(venue)`. */
    venue: z
      .string()
      .min(1)
      .max(31)
      .regex(/^[a-z0-9][a-z0-9._:-]*$/, "must be lower-case [a-z0-9._:-]"),
    /** "BASE/QUOTE", upper-case: "ETH/USDC". */
    pair: z.string().regex(/^[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}$/, "must look like BASE/QUOTE (upper-case)"),
    side: z.enum(TRACE_SIDES),
    /** Quote-asset units per base-asset unit, decimal string, > 0, at most 8 fractional digits (leaf: x 1e8). */
    price: decimalField({ positive: true, decimals: PRICE_DECIMALS }),
    /** Base-asset quantity, decimal string, > 0, at most 18 fractional digits (leaf: x 1e18). */
    size: decimalField({ positive: true, decimals: SIZE_DECIMALS }),
    /** Fee paid in `feeAsset`; negative for a maker rebate. At most 18 fractional digits. */
    fee: decimalField({ positive: false, decimals: WAD_DECIMALS }),
    feeAsset: z.string().regex(/^[A-Z0-9]{1,20}$/, "must be an upper-case asset symbol"),
    source: z.enum(TRACE_SOURCES),
    /** Lowest price the trade was allowed to fill at: the campaign's `priceWindow.minPrice`, at most 8 decimals. */
    minPrice: decimalField({ positive: true, decimals: PRICE_DECIMALS }),
    /** Highest price the trade was allowed to fill at: the campaign's `priceWindow.maxPrice`. */
    maxPrice: decimalField({ positive: true, decimals: PRICE_DECIMALS }),
  })
  .strict()
  .refine((e) => boundsOrdered(e.minPrice, e.maxPrice), {
    message: "minPrice must not exceed maxPrice",
    path: ["minPrice"],
  });

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
// Solidity-side encoding: exactly `TraceLeafLib.TraceLeaf` (contracts/libraries/TraceLeafLib.sol)
// ---------------------------------------------------------------------------------------------------------------

/** keccak256 of a string's UTF-8 bytes, as Solidity's `keccak256(bytes(s))`. */
export function hashString(s: string): string {
  return keccak256(toUtf8Bytes(s));
}

// Venue names repeat across a trace: their hashes and bytes32 forms are memoised (bounded).
const symbolCache = new Map<string, string>();
function memo(key: string, compute: () => string): string {
  let v = symbolCache.get(key);
  if (v === undefined) {
    if (symbolCache.size >= 4096) symbolCache.clear();
    v = compute();
    symbolCache.set(key, v);
  }
  return v;
}

/** The leaf's `venue`: `encodeBytes32String(venue)` (the name's UTF-8 bytes, right-padded with zeros). */
export const venueKey = (venue: string): string => memo(`k:${venue}`, () => encodeBytes32String(venue));

/**
 * The leaf's `executionId`: identifies one real fill across every trace (the reputation oracle's
 * `DuplicateExecution` evidence is two leaves carrying the same one):
 * `keccak256(abi.encode(keccak256(bytes(venue)), keccak256(bytes(orderId)), keccak256(bytes(fillId))))`.
 * The venue is inside (two venues may reuse an order id) and so is the fill id (one order may fill in parts).
 */
export function executionId(e: Pick<TraceEntry, "venue" | "orderId" | "fillId">): string {
  // abi.encode of three bytes32 values is their plain concatenation.
  const venueHash = memo(`h:${e.venue}`, () => hashString(e.venue));
  return keccak256(concat([venueHash, hashString(e.orderId), hashString(e.fillId)]));
}

/**
 * The receipt's `executionHash`: `keccak256(abi.encodePacked(executionId_0, ..., executionId_{n-1}))` over the
 * leaves in tree-input order (trace order, `seq`), as `IReceiptRegistry.ReceiptInput.executionHash`.
 */
export function traceExecutionHash(executionIds: readonly string[]): string {
  if (executionIds.length === 0) throw new RangeError("an empty trace has no execution hash");
  return keccak256(concat([...executionIds]));
}

export const SIDE_CODE: Record<TraceSide, number> = { buy: 0, sell: 1 };

/**
 * Leaf types of the trace Merkle tree: `TraceLeafLib.TraceLeaf`
 * `(bytes32 campaignId, uint64 timestamp, bytes32 executionId, bytes32 venue, uint8 side, uint128 price,
 *   uint128 size, uint128 fee, uint128 minPrice, uint128 maxPrice)`, and
 * `leaf = keccak256(bytes.concat(keccak256(abi.encode(...))))` (OpenZeppelin StandardMerkleTree).
 */
export const TRACE_LEAF_ENCODING = [
  "bytes32",
  "uint64",
  "bytes32",
  "bytes32",
  "uint8",
  "uint128",
  "uint128",
  "uint128",
  "uint128",
  "uint128",
] as const;

/** A leaf as a tuple, in `TRACE_LEAF_ENCODING` order (what `StandardMerkleTree.of` takes). */
export type TraceLeaf = [
  campaignId: string,
  timestamp: bigint,
  executionId: string,
  venue: string,
  side: number,
  price: bigint,
  size: bigint,
  fee: bigint,
  minPrice: bigint,
  maxPrice: bigint,
];

/** A leaf as the struct `TraceLeafLib.TraceLeaf` (what a contract call such as `challenge` takes). */
export interface TraceLeafStruct {
  campaignId: string;
  timestamp: bigint;
  executionId: string;
  venue: string;
  side: number;
  price: bigint;
  size: bigint;
  fee: bigint;
  minPrice: bigint;
  maxPrice: bigint;
}

export function leafStruct(l: TraceLeaf): TraceLeafStruct {
  const [campaignId, timestamp, execId, venue, side, price, size, fee, minPrice, maxPrice] = l;
  return { campaignId, timestamp, executionId: execId, venue, side, price, size, fee, minPrice, maxPrice };
}

/** Largest number of leaves of one trace (the receipt's `uint32 leafCount`). */
export const MAX_TRACE_LEAVES = 2 ** 32 - 1;

/**
 * The fee of `e` in quote-asset units with 36 decimals (wad x wad): a quote-asset fee as is, a base-asset fee
 * at the fill price, any other asset at `units.feeAssetPrices`. Negative for a rebate. The pair must be quoted
 * in the deposit asset.
 */
export function feeInQuote36(e: TraceEntry, units: ResolvedUnits): bigint {
  const [base, quote] = e.pair.split("/");
  if (quote !== units.depositAsset) {
    throw new ReceiptError("pair is not quoted in the deposit asset", {
      details: `${e.pair} vs ${units.depositAsset}`,
    });
  }
  const f = toFixed(e.fee, WAD_DECIMALS);
  if (e.feeAsset === quote) return f * WAD;
  if (e.feeAsset === base) return f * toFixed(e.price, WAD_DECIMALS);
  const price = units.feeAssetPrices[e.feeAsset];
  if (price === undefined) {
    throw new ReceiptError("fee asset has no price in the deposit asset", {
      details: `${e.feeAsset}: pass units.feeAssetPrices["${e.feeAsset}"]`,
    });
  }
  try {
    return f * toFixed(price, WAD_DECIMALS);
  } catch (err) {
    throw new ReceiptError(`invalid fee asset price of ${e.feeAsset}`, { details: price, cause: err });
  }
}

/**
 * The leaf of one entry, in the units of `TraceLeafLib` (docs/SPECIFICATION.md, "Receipts"):
 * - `timestamp`: unix **seconds**, `floor(entry.timestamp / 1000)` (the trace document keeps milliseconds);
 * - `price`, `minPrice`, `maxPrice`: 8 decimals (exact: entries carry at most 8 fractional digits);
 * - `size`: base-asset amount x 1e18 (exact);
 * - `fee`: the fee converted to the deposit asset (see `feeInQuote36`), in its smallest unit, rounded **up**
 *   (a cost is never understated); a net rebate is 0 (the leaf's fee is unsigned; the rebate stays in the trace
 *   document and in the receipt's pnl).
 * Pair, fee asset, source, client order id and the millisecond time are in the trace document (stored by CID),
 * not in the leaf: the leaf commits to the economic fields the contracts check.
 */
export function traceLeaf(entry: TraceEntry, units: ResolvedUnits): TraceLeaf {
  const fee36 = feeInQuote36(entry, units);
  const scale = 10n ** BigInt(2 * WAD_DECIMALS - units.depositDecimals);
  const fee = fee36 <= 0n ? 0n : (fee36 + scale - 1n) / scale;
  return [
    entry.campaignId,
    BigInt(Math.floor(entry.timestamp / 1000)),
    executionId(entry),
    venueKey(entry.venue),
    SIDE_CODE[entry.side],
    toFixed(entry.price, PRICE_DECIMALS),
    toFixed(entry.size, SIZE_DECIMALS),
    fee,
    toFixed(entry.minPrice, PRICE_DECIMALS),
    toFixed(entry.maxPrice, PRICE_DECIMALS),
  ];
}

function putWord(out: Uint8Array, index: number, value: bigint, type: string): void {
  const bits = BigInt(type.slice(4));
  if (value < 0n || value >= 1n << bits) throw new RangeError(`leaf field ${index} out of range for ${type}: ${value}`);
  let v = value;
  for (let b = 31; b >= 0 && v > 0n; b--) {
    out[index * 32 + b] = Number(v & 0xffn);
    v >>= 8n;
  }
}

/**
 * `abi.encode` of a leaf tuple. Every field is a static 32-byte word, so the encoding is the 10 words in order
 * (bytes32 as is; uints big-endian, left-padded). Written out instead of going through a generic ABI coder
 * because it runs once per trade (tests check it against ethers' AbiCoder and `StandardMerkleTree`).
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

/** The leaf hash, exactly as `TraceLeafLib.hash`: `keccak256(bytes.concat(keccak256(abi.encode(leaf))))`. */
export function traceLeafHash(leaf: TraceLeaf): string {
  return keccak256(keccak256(encodeTraceLeaf(leaf)));
}

/** True when the leaf's price lies outside its own bound (`TraceLeafLib.priceOutOfBound`). */
export function leafPriceOutOfBound(leaf: TraceLeaf): boolean {
  return leaf[5] < leaf[8] || leaf[5] > leaf[9];
}

/**
 * The `minPrice`/`maxPrice` entry fields of a campaign's `priceWindow` (8-decimal integers, as
 * `CampaignRegistry` stores them): what the keeper writes into every entry of the campaign's trace.
 */
export function boundsOfPriceWindow(w: { minPrice: bigint; maxPrice: bigint }): { minPrice: string; maxPrice: string } {
  return { minPrice: fromFixed(w.minPrice, PRICE_DECIMALS), maxPrice: fromFixed(w.maxPrice, PRICE_DECIMALS) };
}

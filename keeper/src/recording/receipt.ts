import { TypedDataEncoder, verifyTypedData, type TypedDataDomain, type TypedDataField } from "ethers";
import { z } from "zod";
import { WAD, WAD_DECIMALS, floorDiv, toFixed } from "./decimal.js";
import { ReceiptError, RecordingError } from "./errors.js";
import { TraceTree, type TraceProof } from "./merkle.js";
import type { ContentStore } from "./store/content-store.js";
import { TRACE_LEAF_ENCODING, canonicalJson, hashString, parseTraceEntry, type TraceEntry } from "./trace.js";

/**
 * Receipts: the on-chain summary of one campaign's trace. The trace document goes to the content store, its
 * Merkle root and CID (hashed) are signed with EIP-712 by the keeper's attested key, and the ReceiptRegistry
 * stores them. Every amount is a bigint; units are documented on each field.
 */

/** Aggregates of a trace, as stored on-chain (`IReceiptView.ReceiptSummary`). */
export interface ReceiptSummary {
  /** Traded notional, buys + sells, in deposit-asset base units (e.g. 6 decimals for USDC). uint128. */
  volume: bigint;
  /** Volume-weighted average price of all fills: quote units per base unit, 8 decimals. uint128. */
  avgPrice: bigint;
  /** Realised profit (negative: loss) in deposit-asset base units, inventory marked to market, fees deducted. int256. */
  pnl: bigint;
}

export interface Receipt {
  campaignId: string;
  /** Merkle root of the trace (StandardMerkleTree over TRACE_LEAF_ENCODING leaves). */
  traceRoot: string;
  /** CIDv1 of the trace document in the content store. */
  cid: string;
  /** `keccak256(bytes(cid))`: what the EIP-712 struct signs (the registry stores the string and checks its hash). */
  cidHash: string;
  leafCount: number;
  summary: ReceiptSummary;
}

export const AVG_PRICE_DECIMALS = 8;
const UINT128_MAX = 2n ** 128n - 1n;
const INT256_MAX = 2n ** 255n - 1n;

export const ReceiptUnitsSchema = z
  .object({
    /** Symbol of the vault's deposit asset; every traded pair must be quoted in it ("ETH/USDC" for "USDC"). */
    depositAsset: z.string().regex(/^[A-Z0-9]{1,20}$/),
    /** Decimals of the deposit asset's on-chain unit (USDC: 6). */
    depositDecimals: z.number().int().min(0).max(36).default(6),
    /** Prices (deposit asset per unit, decimal strings) of fee assets that are neither the base nor the quote. */
    feeAssetPrices: z.record(z.string(), z.string()).default({}),
    /** Mark prices per pair for open inventory (default: the pair's last fill price in the trace). */
    markPrices: z.record(z.string(), z.string()).default({}),
  })
  .strict();
export type ReceiptUnits = z.input<typeof ReceiptUnitsSchema>;

function parseUnits(input: ReceiptUnits) {
  const r = ReceiptUnitsSchema.safeParse(input);
  if (!r.success) {
    const details = r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new ReceiptError("invalid receipt units", { details, cause: r.error });
  }
  return r.data;
}

function wadOf(value: string, what: string): bigint {
  try {
    return toFixed(value, WAD_DECIMALS);
  } catch (err) {
    throw new ReceiptError(`invalid ${what}`, { details: value, cause: err });
  }
}

/**
 * Computes the summary with exact integer maths. With p_i, s_i the fill price and size in wad (18 decimals),
 * n_i = p_i * s_i (36 decimals, quote units) and D the deposit decimals:
 * - volume   = floor(sum n_i / 10^(36 - D))
 * - avgPrice = floor(sum n_i * 10^8 / (sum s_i * 10^18))
 * - pnl      = floor((sum_sells n_i - sum_buys n_i + sum_pairs netBase * markPrice - sum fees) / 10^(36 - D))
 *   where fees are converted to quote units (quote-asset fee as is, base-asset fee at the fill price, other
 *   assets at `feeAssetPrices`) and floor rounds towards negative infinity (a loss is never understated).
 */
export function summarizeTrace(entries: readonly TraceEntry[], unitsInput: ReceiptUnits): ReceiptSummary {
  const units = parseUnits(unitsInput);
  if (entries.length === 0) throw new ReceiptError("cannot summarise an empty trace");
  let notional = 0n;
  let sizes = 0n;
  let cash = 0n;
  let fees = 0n;
  const netBase = new Map<string, bigint>();
  const lastPrice = new Map<string, bigint>();
  for (const e of entries) {
    const [base, quote] = e.pair.split("/");
    if (quote !== units.depositAsset) {
      throw new ReceiptError("pair is not quoted in the deposit asset", {
        details: `${e.pair} vs ${units.depositAsset}`,
      });
    }
    const p = wadOf(e.price, "price");
    const s = wadOf(e.size, "size");
    const n = p * s;
    notional += n;
    sizes += s;
    cash += e.side === "sell" ? n : -n;
    netBase.set(e.pair, (netBase.get(e.pair) ?? 0n) + (e.side === "buy" ? s : -s));
    lastPrice.set(e.pair, p);
    const f = wadOf(e.fee, "fee");
    if (e.feeAsset === quote) fees += f * WAD;
    else if (e.feeAsset === base) fees += f * p;
    else if (units.feeAssetPrices[e.feeAsset] !== undefined) {
      fees += f * wadOf(units.feeAssetPrices[e.feeAsset], `fee asset price of ${e.feeAsset}`);
    } else {
      throw new ReceiptError("fee asset has no price in the deposit asset", {
        details: `${e.feeAsset}: pass units.feeAssetPrices["${e.feeAsset}"]`,
      });
    }
  }
  let inventory = 0n;
  for (const [pair, q] of netBase) {
    const mark =
      units.markPrices[pair] !== undefined
        ? wadOf(units.markPrices[pair], `mark price of ${pair}`)
        : lastPrice.get(pair);
    inventory += q * (mark ?? 0n);
  }
  const scaleDown = 10n ** BigInt(2 * WAD_DECIMALS - units.depositDecimals);
  const volume = notional / scaleDown;
  const avgPrice = (notional * 10n ** BigInt(AVG_PRICE_DECIMALS)) / (sizes * WAD);
  const pnl = floorDiv(cash + inventory - fees, scaleDown);
  if (volume > UINT128_MAX) throw new ReceiptError("volume overflows uint128", { details: `${volume}` });
  if (avgPrice > UINT128_MAX) throw new ReceiptError("avgPrice overflows uint128", { details: `${avgPrice}` });
  if (pnl > INT256_MAX || pnl < -INT256_MAX - 1n) throw new ReceiptError("pnl overflows int256", { details: `${pnl}` });
  return { volume, avgPrice, pnl };
}

// ---------------------------------------------------------------------------------------------------------------
// Trace documents in the content store
// ---------------------------------------------------------------------------------------------------------------

export const TRACE_DOCUMENT_FORMAT = "vsv-trace/1";

/** The canonical JSON document stored for a trace (json codec): format tag, leaf encoding, entries in order. */
export function traceDocumentBytes(campaignId: string, entries: readonly TraceEntry[]): Uint8Array {
  return new TextEncoder().encode(
    canonicalJson({ format: TRACE_DOCUMENT_FORMAT, campaignId, leafEncoding: [...TRACE_LEAF_ENCODING], entries }),
  );
}

/** Loads and validates a trace document from the store (the store re-checks its hash). */
export async function loadTraceDocument(
  store: ContentStore,
  cid: string,
): Promise<{ campaignId: string; entries: TraceEntry[] }> {
  const bytes = await store.get(cid);
  let doc: { format?: unknown; campaignId?: unknown; entries?: unknown };
  try {
    doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) as typeof doc;
  } catch (err) {
    throw new RecordingError("trace document is not UTF-8 JSON", { details: cid, cause: err });
  }
  if (doc.format !== TRACE_DOCUMENT_FORMAT || typeof doc.campaignId !== "string" || !Array.isArray(doc.entries)) {
    throw new RecordingError("not a trace document", { details: `${cid}: format ${String(doc.format)}` });
  }
  const campaignId = doc.campaignId;
  const entries = doc.entries.map((e) => parseTraceEntry(e));
  if (entries.some((e) => e.campaignId !== campaignId)) {
    throw new RecordingError("trace document mixes campaigns", { details: cid });
  }
  return { campaignId, entries };
}

/**
 * Builds a receipt from a trace: stores the trace document, builds the Merkle tree and the summary.
 * All entries must belong to one campaign; an empty trace has no receipt.
 */
export async function buildReceipt(
  entries: readonly TraceEntry[],
  store: ContentStore,
  units: ReceiptUnits,
): Promise<{ receipt: Receipt; tree: TraceTree }> {
  if (entries.length === 0) throw new ReceiptError("cannot build a receipt for an empty trace");
  const campaignId = entries[0].campaignId;
  if (entries.some((e) => e.campaignId !== campaignId)) throw new ReceiptError("trace mixes campaigns");
  const tree = TraceTree.fromEntries(entries);
  const summary = summarizeTrace(entries, units);
  const cid = await store.put(traceDocumentBytes(campaignId, entries), "json");
  return {
    receipt: { campaignId, traceRoot: tree.root, cid, cidHash: hashString(cid), leafCount: tree.leafCount, summary },
    tree,
  };
}

/**
 * A Merkle proof for trade `seq` of the trace stored under `cid`: what a challenger (or anyone auditing a
 * receipt) requests, needing only the content store and the CID posted on-chain.
 */
export async function proveTraceLeafFromStore(
  store: ContentStore,
  cid: string,
  seq: number,
): Promise<TraceProof & { root: string; campaignId: string; entry: TraceEntry }> {
  const { campaignId, entries } = await loadTraceDocument(store, cid);
  const tree = TraceTree.fromEntries(entries);
  return { ...tree.proof(seq), root: tree.root, campaignId, entry: entries[seq] };
}

/**
 * Recomputes a receipt's root, leaf count and summary from the trace in the store: what a verifier or a
 * challenger runs before trusting (or disputing) a posted receipt. Returns the list of mismatching fields.
 */
export async function checkReceiptAgainstStore(
  receipt: Receipt,
  store: ContentStore,
  units: ReceiptUnits,
): Promise<string[]> {
  const { campaignId, entries } = await loadTraceDocument(store, receipt.cid);
  const tree = TraceTree.fromEntries(entries);
  const s = summarizeTrace(entries, units);
  const bad: string[] = [];
  if (campaignId !== receipt.campaignId) bad.push("campaignId");
  if (tree.root !== receipt.traceRoot) bad.push("traceRoot");
  if (tree.leafCount !== receipt.leafCount) bad.push("leafCount");
  if (hashString(receipt.cid) !== receipt.cidHash) bad.push("cidHash");
  if (s.volume !== receipt.summary.volume) bad.push("volume");
  if (s.avgPrice !== receipt.summary.avgPrice) bad.push("avgPrice");
  if (s.pnl !== receipt.summary.pnl) bad.push("pnl");
  return bad;
}

// ---------------------------------------------------------------------------------------------------------------
// EIP-712
// ---------------------------------------------------------------------------------------------------------------

/**
 * Proposed typed data, to be aligned with the ReceiptRegistry contract at merge:
 * `Receipt(bytes32 campaignId,bytes32 traceRoot,bytes32 cidHash,uint32 leafCount,uint128 volume,uint128 avgPrice,int256 pnl,uint256 nonce)`.
 */
export const RECEIPT_TYPES: Record<string, TypedDataField[]> = {
  Receipt: [
    { name: "campaignId", type: "bytes32" },
    { name: "traceRoot", type: "bytes32" },
    { name: "cidHash", type: "bytes32" },
    { name: "leafCount", type: "uint32" },
    { name: "volume", type: "uint128" },
    { name: "avgPrice", type: "uint128" },
    { name: "pnl", type: "int256" },
    { name: "nonce", type: "uint256" },
  ],
};

/** The proposed domain: name "ReceiptRegistry", version "1", the chain id and the registry's address. */
export function receiptDomain(chainId: bigint | number, verifyingContract: string): TypedDataDomain {
  return { name: "ReceiptRegistry", version: "1", chainId, verifyingContract };
}

/** The message object signed for `receipt` with the keeper's registry `nonce`. */
export function receiptMessage(receipt: Receipt, nonce: bigint): Record<string, unknown> {
  return {
    campaignId: receipt.campaignId,
    traceRoot: receipt.traceRoot,
    cidHash: receipt.cidHash,
    leafCount: receipt.leafCount,
    volume: receipt.summary.volume,
    avgPrice: receipt.summary.avgPrice,
    pnl: receipt.summary.pnl,
    nonce,
  };
}

/** Anything that signs EIP-712 typed data the ethers way (a `Wallet`, a JSON-RPC signer). */
export interface TypedDataSigner {
  signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string>;
}

export interface SignedReceipt {
  receipt: Receipt;
  nonce: bigint;
  /** The EIP-712 digest the contract recovers the signer from. */
  digest: string;
  signature: string;
}

/** Signs a receipt; `domain` and `types` are parameters so the lead can align them with the contract. */
export async function signReceipt(
  signer: TypedDataSigner,
  domain: TypedDataDomain,
  receipt: Receipt,
  nonce: bigint,
  types: Record<string, TypedDataField[]> = RECEIPT_TYPES,
): Promise<SignedReceipt> {
  const message = receiptMessage(receipt, nonce);
  const signature = await signer.signTypedData(domain, types, message);
  return { receipt, nonce, digest: TypedDataEncoder.hash(domain, types, message), signature };
}

/** The address that signed `signed` under `domain` (what the contract's ECDSA.recover would return). */
export function recoverReceiptSigner(
  domain: TypedDataDomain,
  signed: Pick<SignedReceipt, "receipt" | "nonce" | "signature">,
  types: Record<string, TypedDataField[]> = RECEIPT_TYPES,
): string {
  return verifyTypedData(domain, types, receiptMessage(signed.receipt, signed.nonce), signed.signature);
}

import { TypedDataEncoder, verifyTypedData, type TypedDataDomain, type TypedDataField } from "ethers";
import { WAD, WAD_DECIMALS, floorDiv, toFixed } from "./decimal.js";
import { ReceiptError, RecordingError } from "./errors.js";
import { TraceTree, type TraceProof } from "./merkle.js";
import type { ContentStore } from "./store/content-store.js";
import { TRACE_LEAF_ENCODING, canonicalJson, feeInQuote36, parseTraceEntry, type TraceEntry } from "./trace.js";
import { PRICE_DECIMALS, ReceiptUnitsSchema, parseUnits, type ReceiptUnits, type ResolvedUnits } from "./units.js";

/**
 * Receipts: the on-chain summary of one campaign's trace. The trace document goes to the content store; its
 * Merkle root, execution hash, leaf count, summary and CID are signed with EIP-712 by the keeper's attested key
 * (`ReceiptRegistry.hashReceipt`), and the ReceiptRegistry stores them. Every amount is a bigint; units are documented on each field.
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

/** The receipt of one campaign's trace: the fields of `IReceiptRegistry.ReceiptInput` but the keeper and nonce. */
export interface Receipt {
  campaignId: string;
  /** Merkle root of the trace (StandardMerkleTree over TRACE_LEAF_ENCODING = `TraceLeafLib.TraceLeaf` leaves). */
  traceRoot: string;
  /** `keccak256(abi.encodePacked(executionId_0, ..., executionId_{n-1}))` in trace order. */
  executionHash: string;
  leafCount: number;
  summary: ReceiptSummary;
  /** CIDv1 of the trace document in the content store (signed and stored on-chain as a string). */
  cid: string;
}

export const AVG_PRICE_DECIMALS = PRICE_DECIMALS;
const UINT128_MAX = 2n ** 128n - 1n;
const INT256_MAX = 2n ** 255n - 1n;

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
    const p = wadOf(e.price, "price");
    const s = wadOf(e.size, "size");
    const n = p * s;
    notional += n;
    sizes += s;
    cash += e.side === "sell" ? n : -n;
    netBase.set(e.pair, (netBase.get(e.pair) ?? 0n) + (e.side === "buy" ? s : -s));
    lastPrice.set(e.pair, p);
    fees += feeInQuote36(e, units);
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

export const TRACE_DOCUMENT_FORMAT = "vsv-trace/2";

/**
 * The canonical JSON document stored for a trace (json codec): format tag, leaf encoding, the units the leaves
 * and the summary were computed with, and the full entries in trace order (pair, fee asset, source, client order
 * id, fill id and millisecond time included: the leaves commit to the economic fields only). Anyone holding
 * the CID can rebuild every leaf, the root, the execution hash and the summary from it.
 */
export function traceDocumentBytes(
  campaignId: string,
  entries: readonly TraceEntry[],
  units: ReceiptUnits,
): Uint8Array {
  const u = parseUnits(units);
  return new TextEncoder().encode(
    canonicalJson({
      format: TRACE_DOCUMENT_FORMAT,
      campaignId,
      leafEncoding: [...TRACE_LEAF_ENCODING],
      units: u,
      entries,
    }),
  );
}

export interface TraceDocument {
  campaignId: string;
  units: ResolvedUnits;
  entries: TraceEntry[];
}

/** Loads and validates a trace document from the store (the store re-checks its hash). */
export async function loadTraceDocument(store: ContentStore, cid: string): Promise<TraceDocument> {
  const bytes = await store.get(cid);
  let doc: { format?: unknown; campaignId?: unknown; entries?: unknown; units?: unknown };
  try {
    doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) as typeof doc;
  } catch (err) {
    throw new RecordingError("trace document is not UTF-8 JSON", { details: cid, cause: err });
  }
  if (doc.format !== TRACE_DOCUMENT_FORMAT || typeof doc.campaignId !== "string" || !Array.isArray(doc.entries)) {
    throw new RecordingError("not a trace document", { details: `${cid}: format ${String(doc.format)}` });
  }
  const units = ReceiptUnitsSchema.safeParse(doc.units);
  if (!units.success)
    throw new RecordingError("trace document has invalid units", { details: cid, cause: units.error });
  const campaignId = doc.campaignId;
  const entries = doc.entries.map((e) => parseTraceEntry(e));
  if (entries.some((e) => e.campaignId !== campaignId)) {
    throw new RecordingError("trace document mixes campaigns", { details: cid });
  }
  return { campaignId, units: units.data, entries };
}

/**
 * Builds a receipt from a trace: stores the trace document, builds the Merkle tree, the execution hash and the
 * summary. All entries must belong to one campaign; an empty trace has no receipt.
 */
export async function buildReceipt(
  entries: readonly TraceEntry[],
  store: ContentStore,
  units: ReceiptUnits,
): Promise<{ receipt: Receipt; tree: TraceTree }> {
  if (entries.length === 0) throw new ReceiptError("cannot build a receipt for an empty trace");
  const campaignId = entries[0].campaignId;
  if (entries.some((e) => e.campaignId !== campaignId)) throw new ReceiptError("trace mixes campaigns");
  const tree = TraceTree.fromEntries(entries, units);
  const summary = summarizeTrace(entries, units);
  const cid = await store.put(traceDocumentBytes(campaignId, entries, units), "json");
  return {
    receipt: {
      campaignId,
      traceRoot: tree.root,
      executionHash: tree.executionHash,
      leafCount: tree.leafCount,
      summary,
      cid,
    },
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
  const { campaignId, entries, units } = await loadTraceDocument(store, cid);
  const tree = TraceTree.fromEntries(entries, units);
  return { ...tree.proof(seq), root: tree.root, campaignId, entry: entries[seq] };
}

/**
 * Recomputes a receipt's root, execution hash, leaf count and summary from the trace in the store (with the
 * units the document states): what a verifier or a challenger runs before trusting (or disputing) a posted
 * receipt. When `expectedUnits` is given, the document's units must equal them too. Returns the mismatching
 * fields.
 */
export async function checkReceiptAgainstStore(
  receipt: Receipt,
  store: ContentStore,
  expectedUnits?: ReceiptUnits,
): Promise<string[]> {
  const { campaignId, entries, units } = await loadTraceDocument(store, receipt.cid);
  const tree = TraceTree.fromEntries(entries, units);
  const s = summarizeTrace(entries, units);
  const bad: string[] = [];
  if (expectedUnits !== undefined && canonicalJson(parseUnits(expectedUnits)) !== canonicalJson(units)) {
    bad.push("units");
  }
  if (campaignId !== receipt.campaignId) bad.push("campaignId");
  if (tree.root !== receipt.traceRoot) bad.push("traceRoot");
  if (tree.executionHash !== receipt.executionHash) bad.push("executionHash");
  if (tree.leafCount !== receipt.leafCount) bad.push("leafCount");
  if (s.volume !== receipt.summary.volume) bad.push("volume");
  if (s.avgPrice !== receipt.summary.avgPrice) bad.push("avgPrice");
  if (s.pnl !== receipt.summary.pnl) bad.push("pnl");
  return bad;
}

// ---------------------------------------------------------------------------------------------------------------
// EIP-712: exactly `ReceiptRegistry.RECEIPT_TYPEHASH`
// ---------------------------------------------------------------------------------------------------------------

/**
 * `Receipt(address keeper,bytes32 campaignId,bytes32 traceRoot,bytes32 executionHash,uint32 leafCount,ReceiptSummary summary,string cid,uint256 nonce)ReceiptSummary(uint128 volume,uint128 avgPrice,int256 pnl)`.
 */
export const RECEIPT_TYPES: Record<string, TypedDataField[]> = {
  Receipt: [
    { name: "keeper", type: "address" },
    { name: "campaignId", type: "bytes32" },
    { name: "traceRoot", type: "bytes32" },
    { name: "executionHash", type: "bytes32" },
    { name: "leafCount", type: "uint32" },
    { name: "summary", type: "ReceiptSummary" },
    { name: "cid", type: "string" },
    { name: "nonce", type: "uint256" },
  ],
  ReceiptSummary: [
    { name: "volume", type: "uint128" },
    { name: "avgPrice", type: "uint128" },
    { name: "pnl", type: "int256" },
  ],
};

/** The registry's domain: name "ReceiptRegistry", version "1", the chain id and the registry's address. */
export function receiptDomain(chainId: bigint | number, verifyingContract: string): TypedDataDomain {
  return { name: "ReceiptRegistry", version: "1", chainId, verifyingContract };
}

/** `IReceiptRegistry.ReceiptInput`: the signed message and the first argument of `post`. */
export interface ReceiptInput {
  keeper: string;
  campaignId: string;
  traceRoot: string;
  executionHash: string;
  leafCount: number;
  summary: ReceiptSummary;
  cid: string;
  nonce: bigint;
}

/** The message signed for `receipt` by `keeper` with its registry `nonce` (also `post`'s input). */
export function receiptInput(receipt: Receipt, keeper: string, nonce: bigint): ReceiptInput {
  return {
    keeper,
    campaignId: receipt.campaignId,
    traceRoot: receipt.traceRoot,
    executionHash: receipt.executionHash,
    leafCount: receipt.leafCount,
    summary: { ...receipt.summary },
    cid: receipt.cid,
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
  /** The signing keeper key (`ReceiptInput.keeper`). */
  keeper: string;
  nonce: bigint;
  /** The EIP-712 digest the contract recovers the signer from (`ReceiptRegistry.hashReceipt`). */
  digest: string;
  signature: string;
}

/** Signs a receipt as `keeper` (the signer's address) under the registry's `domain`. */
export async function signReceipt(
  signer: TypedDataSigner & { getAddress(): Promise<string> },
  domain: TypedDataDomain,
  receipt: Receipt,
  nonce: bigint,
): Promise<SignedReceipt> {
  const keeper = await signer.getAddress();
  const message = receiptInput(receipt, keeper, nonce);
  const signature = await signer.signTypedData(domain, RECEIPT_TYPES, { ...message });
  return { receipt, keeper, nonce, digest: TypedDataEncoder.hash(domain, RECEIPT_TYPES, message), signature };
}

/** The address that signed `signed` under `domain` (what the contract's ECDSA.recover returns). */
export function recoverReceiptSigner(
  domain: TypedDataDomain,
  signed: Pick<SignedReceipt, "receipt" | "keeper" | "nonce" | "signature">,
): string {
  return verifyTypedData(
    domain,
    RECEIPT_TYPES,
    receiptInput(signed.receipt, signed.keeper, signed.nonce),
    signed.signature,
  );
}

/**
 * Answers data-availability demands on this keeper's receipts (`DisputeDesk.demandLeaf`): follows `LeafDemanded`,
 * keeps the demands against its own receipts, loads the trace document of the receipt from its content store by CID
 * and reveals a leaf with its Merkle proof (`revealLeaf`) before the demand's deadline. An unanswered demand slashes
 * the operator, so this runs on every keeper tick.
 *
 * Which leaf: the demanded index when that leaf was not revealed for the receipt yet, else the first leaf not yet
 * revealed (the desk wants a distinct leaf per demand; positions are not bound by sorted-pair proofs).
 *
 * Crash safety: the state is the event cursor and the list of open demand ids, both in the keeper's journal; every
 * step is idempotent against the chain (a demand is re-read with `demandOf` before each reveal, and a reveal that
 * landed before a crash shows as `Revealed`), so a restart re-scans from the cursor and never reveals twice.
 */
import type { Logger } from "pino";
import type { EvmChainAdapter } from "../chain/evm.js";
import { ChainRevertError } from "../chain/errors.js";
import { KeeperError } from "../errors.js";
import { RecordingError } from "./errors.js";
import { proofForContract, TraceTree } from "./merkle.js";
import { loadTraceDocument } from "./receipt.js";
import type { ContentStore } from "./store/content-store.js";

/** Journal keys of the responder's state. */
const CURSOR = "leaf-demanded:block";
const OPEN = "leaf-demanded:open";
/** `IDisputeDesk.DemandStatus.Open`. */
const OPEN_STATUS = 1n;
/** Reverts that mean "already answered, finalised or too late": re-read next tick instead of retrying blindly. */
const SETTLED_REFUSALS = new Set(["DisputeDeskDemandNotOpen", "DisputeDeskRevealTooLate"]);

/** The part of the keeper journal the responder uses (cursors). */
export interface CursorStore {
  getCursor(key: string): string | undefined;
  setCursor(key: string, value: string): void;
}

export interface DemandResponderOptions {
  chain: EvmChainAdapter;
  /** Where this keeper's trace documents are (the store its receipts' CIDs point into). */
  store: ContentStore;
  journal: CursorStore;
  log: Logger;
  /** First block to follow `LeafDemanded` from (the deployment block). */
  fromBlock?: number;
  /** Largest block range of one event query. */
  blockRange?: number;
  /** Called after each reveal (metrics). */
  onRevealed?: (demandId: bigint, receiptId: bigint) => void;
}

export class DemandResponderError extends KeeperError {
  override name = "DemandResponderError";
}

export class DemandResponder {
  private readonly me: string;

  constructor(private readonly opts: DemandResponderOptions) {
    this.me = opts.chain.account.toLowerCase();
  }

  /** Demand ids against this keeper's receipts not answered yet (as journalled). */
  openDemands(): bigint[] {
    const raw = this.opts.journal.getCursor(OPEN);
    return raw ? (JSON.parse(raw) as string[]).map((s) => BigInt(s)) : [];
  }

  /** One pass: new demands, then a reveal for each open one. Throws on transport errors (the node logs them). */
  async tick(): Promise<number> {
    await this.follow();
    let revealed = 0;
    for (const id of this.openDemands()) {
      if (await this.answer(id)) revealed++;
    }
    return revealed;
  }

  /** Journals the ids of `LeafDemanded` events against this keeper's receipts since the cursor. */
  private async follow(): Promise<void> {
    const { chain, journal } = this.opts;
    const latest = await chain.sender.withRetry("block number", () => chain.sender.provider.getBlockNumber());
    const cursor = journal.getCursor(CURSOR);
    let from = cursor === undefined ? (this.opts.fromBlock ?? 0) : Number(cursor) + 1;
    const range = this.opts.blockRange ?? 5_000;
    while (from <= latest) {
      const to = Math.min(latest, from + range - 1);
      const events = await chain.sender.withRetry("LeafDemanded", () =>
        chain.desk.queryFilter(chain.desk.filters.LeafDemanded(), from, to),
      );
      const open = new Set(this.openDemands());
      for (const e of events) {
        const r = await chain.sender.withRetry("getReceipt", () => chain.receipts.getReceipt(e.args.receiptId));
        if (r.keeper.toLowerCase() === this.me) open.add(e.args.demandId);
      }
      // The open list is written before the cursor moves: a crash in between re-adds the same ids (a set).
      this.saveOpen([...open]);
      journal.setCursor(CURSOR, String(to));
      from = to + 1;
    }
  }

  /** Reveals a leaf for demand `id` if it is still open; drops it from the open list once it is not. */
  private async answer(id: bigint): Promise<boolean> {
    const { chain, log } = this.opts;
    const d = await chain.sender.withRetry("demandOf", () => chain.desk.demandOf(id));
    const ctx = { demandId: id.toString(), receiptId: d.receiptId.toString() };
    if (d.status !== OPEN_STATUS) {
      this.drop(id);
      return false;
    }
    if ((await chain.now()) > d.deadline) {
      log.error(ctx, "availability: demand past its deadline before it was answered (the operator will be slashed)");
      this.drop(id);
      return false;
    }
    const r = await chain.sender.withRetry("getReceipt", () => chain.receipts.getReceipt(d.receiptId));
    let tree: TraceTree;
    try {
      const doc = await loadTraceDocument(this.opts.store, r.cid);
      tree = TraceTree.fromEntries(doc.entries, doc.units);
    } catch (err) {
      if (!(err instanceof RecordingError)) throw err;
      throw new DemandResponderError(`availability: trace of receipt ${d.receiptId} cannot be loaded (cid ${r.cid})`, {
        cause: err,
      });
    }
    if (tree.root !== r.traceRoot) {
      throw new DemandResponderError(`availability: stored trace of receipt ${d.receiptId} does not rebuild its root`);
    }
    const seq = await this.unrevealedLeaf(d.receiptId, tree, Number(d.leafIndex));
    if (seq === undefined) {
      throw new DemandResponderError(`availability: every leaf of receipt ${d.receiptId} was revealed already`);
    }
    const { leaf, proof } = proofForContract(tree.proof(seq));
    const data = chain.desk.interface.encodeFunctionData("revealLeaf", [id, leaf, proof]);
    try {
      const mined = await chain.sender.send(`reveal leaf ${seq} for demand ${id}`, { to: chain.addresses.desk, data });
      log.info({ ...ctx, seq, txHash: mined.hash }, "availability: demanded leaf revealed");
    } catch (err) {
      if (err instanceof ChainRevertError && SETTLED_REFUSALS.has(err.reason)) {
        log.warn({ ...ctx, reason: err.reason }, "availability: demand no longer open");
        this.drop(id);
        return false;
      }
      throw err;
    }
    this.drop(id);
    this.opts.onRevealed?.(id, d.receiptId);
    return true;
  }

  /** The demanded leaf if not revealed for the receipt yet, else the first leaf that is not. */
  private async unrevealedLeaf(receiptId: bigint, tree: TraceTree, wanted: number): Promise<number | undefined> {
    const { chain } = this.opts;
    const order = [wanted, ...Array.from({ length: tree.leafCount }, (_, i) => i).filter((i) => i !== wanted)];
    for (const seq of order) {
      if (seq >= tree.leafCount) continue;
      const hash = tree.proof(seq).leafHash;
      const at = await chain.sender.withRetry("revealedAt", () => chain.desk.revealedAt(receiptId, hash));
      if (at === 0n) return seq;
    }
    return undefined;
  }

  private drop(id: bigint): void {
    this.saveOpen(this.openDemands().filter((x) => x !== id));
  }

  private saveOpen(ids: bigint[]): void {
    this.opts.journal.setCursor(OPEN, JSON.stringify(ids.map(String)));
  }
}

/**
 * The auditor's data-availability demands: for a receipt whose trace cannot be fetched, one bonded
 * `DisputeDesk.demandLeaf` (the first leaf index nobody demanded yet). Followed until it ends: revealed (the bond
 * went to the operator: the data was there after all), or unanswered at the deadline, then finalised here (the
 * operator is slashed, the bond comes back with the whistleblower share).
 *
 * Crash safety: every demand is journalled as `intent` (with its leaf index) before it is sent; an `intent` found
 * at the next tick is reconciled with the chain (`demandIdOf(receipt, index)` naming this auditor) before anything
 * is sent again, so a crash never files a second bond.
 */
import type { Logger } from "pino";
import type { EvmChainAdapter } from "../chain/evm.js";
import { ChainRevertError } from "../chain/errors.js";
import { KeeperError } from "../errors.js";
import type { AuditMetrics } from "./auditor.js";

const KEY = "availability:demands";
/** `IDisputeDesk.DemandStatus`. */
const DEMAND_STATUS = ["none", "open", "revealed", "unanswered"] as const;
/** Reverts that mean "this demand will never be accepted". */
const FINAL_REFUSALS = new Set([
  "DisputeDeskChallengeWindowClosed",
  "DisputeDeskReceiptSlashed",
  "DisputeDeskAlreadyDemanded",
  "DisputeDeskLeafIndexOutOfRange",
]);
/** Most leaf indexes looked at for a free one. */
const MAX_SCAN = 32;

type DemandState = "intent" | "filed" | "revealed" | "finalised" | "refused";

interface DemandRecord {
  receiptId: string;
  leafIndex: number;
  bond: string;
  state: DemandState;
  demandId?: string;
}

/** The part of the audit journal the tracker uses (cursors). */
export interface CursorStore {
  getCursor(key: string): string | undefined;
  setCursor(key: string, value: string): void;
}

export class DemandTracker {
  private readonly me: string;

  constructor(
    private readonly chain: EvmChainAdapter,
    private readonly journal: CursorStore,
    private readonly log: Logger,
    private readonly metrics: AuditMetrics,
  ) {
    this.me = chain.account.toLowerCase();
  }

  /** Whether a demand for `receiptId` was ever filed (or is being filed). */
  has(receiptId: bigint): boolean {
    return this.records().some((r) => r.receiptId === receiptId.toString());
  }

  /** Bond of demands journalled or open. */
  lockedBond(): bigint {
    return this.records()
      .filter((r) => r.state === "intent" || r.state === "filed")
      .reduce((s, r) => s + BigInt(r.bond), 0n);
  }

  /** Every demand record (for status pages and tests). */
  records(): DemandRecord[] {
    const raw = this.journal.getCursor(KEY);
    return raw ? (JSON.parse(raw) as DemandRecord[]) : [];
  }

  /** Files one demand for a leaf of `receiptId` (journalled as `intent` first). */
  async demand(receiptId: bigint, leafCount: number, bond: bigint): Promise<void> {
    const { chain } = this;
    let leafIndex = -1;
    for (let i = 0; i < Math.min(leafCount, MAX_SCAN); i++) {
      const taken = await chain.sender.withRetry("demandIdOf", () => chain.desk.demandIdOf(receiptId, i));
      if (taken === 0n) {
        leafIndex = i;
        break;
      }
    }
    if (leafIndex < 0) return; // others demanded the first leaves already: their demands do the job
    this.upsert({ receiptId: receiptId.toString(), leafIndex, bond: bond.toString(), state: "intent" });
    await this.send(receiptId, leafIndex, bond);
  }

  /** Reconciles intents, then moves filed demands on: revealed, or finalised once their deadline passed. */
  async follow(now: bigint): Promise<void> {
    const { chain, log, metrics } = this;
    for (const r of this.records()) {
      const receiptId = BigInt(r.receiptId);
      if (r.state === "intent") {
        const id = await chain.sender.withRetry("demandIdOf", () => chain.desk.demandIdOf(receiptId, r.leafIndex));
        const d = id === 0n ? undefined : await chain.sender.withRetry("demandOf", () => chain.desk.demandOf(id));
        if (d && d.challenger.toLowerCase() === this.me) this.upsert({ ...r, state: "filed", demandId: id.toString() });
        else if (d)
          this.upsert({ ...r, state: "refused" }); // someone else demanded that leaf meanwhile
        else await this.send(receiptId, r.leafIndex, BigInt(r.bond));
        continue;
      }
      if (r.state !== "filed" || r.demandId === undefined) continue;
      const id = BigInt(r.demandId);
      const d = await chain.sender.withRetry("demandOf", () => chain.desk.demandOf(id));
      const status = DEMAND_STATUS[Number(d.status)];
      if (status === "revealed") {
        this.upsert({ ...r, state: "revealed" });
        metrics.demands.inc({ outcome: "revealed" });
        log.info({ receiptId: r.receiptId, demandId: r.demandId }, "audit: demanded leaf revealed (bond paid)");
      } else if (status === "unanswered") {
        this.upsert({ ...r, state: "finalised" });
      } else if (status === "open" && now > d.deadline) {
        const data = chain.desk.interface.encodeFunctionData("finalizeDemand", [id]);
        try {
          const mined = await chain.sender.send(`finalise demand ${id}`, { to: chain.addresses.desk, data });
          log.warn(
            { receiptId: r.receiptId, demandId: r.demandId, txHash: mined.hash },
            "audit: demanded leaf never revealed: demand finalised, operator slashed",
          );
        } catch (err) {
          if (!(err instanceof ChainRevertError && err.reason === "DisputeDeskDemandNotOpen")) throw err;
        }
        this.upsert({ ...r, state: "finalised" });
        metrics.demands.inc({ outcome: "finalised" });
      }
    }
  }

  private async send(receiptId: bigint, leafIndex: number, bond: bigint): Promise<void> {
    const { chain, log, metrics } = this;
    const record = { receiptId: receiptId.toString(), leafIndex, bond: bond.toString() };
    try {
      const approve = chain.asset.interface.encodeFunctionData("approve", [chain.addresses.desk, bond]);
      await chain.sender.send(`approve demand bond ${receiptId}`, { to: chain.addresses.asset, data: approve });
      const data = chain.desk.interface.encodeFunctionData("demandLeaf", [receiptId, leafIndex]);
      const mined = await chain.sender.send(`demand leaf ${leafIndex} of ${receiptId}`, {
        to: chain.addresses.desk,
        data,
      });
      let demandId: bigint | undefined;
      for (const l of mined.logs) {
        const parsed = (() => {
          try {
            return chain.desk.interface.parseLog(l);
          } catch {
            return null; // the token's events
          }
        })();
        if (parsed?.name === "LeafDemanded") demandId = parsed.args["demandId"] as bigint;
      }
      if (demandId === undefined) throw new AvailabilityError(`demand on ${receiptId} mined without LeafDemanded`);
      this.upsert({ ...record, state: "filed", demandId: demandId.toString() });
      metrics.demands.inc({ outcome: "filed" });
      log.warn({ ...record, demandId: demandId.toString() }, "audit: leaf demanded on-chain (trace unreachable)");
    } catch (err) {
      if (err instanceof ChainRevertError && FINAL_REFUSALS.has(err.reason)) {
        this.upsert({ ...record, state: "refused" });
        metrics.demands.inc({ outcome: "refused" });
        log.warn({ ...record, reason: err.reason }, "audit: demand refused by the dispute desk (not retried)");
        return;
      }
      throw err; // transient: the intent stays and is reconciled next tick
    }
  }

  private upsert(r: DemandRecord): void {
    const all = this.records().filter((x) => x.receiptId !== r.receiptId);
    all.push(r);
    this.journal.setCursor(KEY, JSON.stringify(all));
  }
}

export class AvailabilityError extends KeeperError {
  override name = "AvailabilityError";
}

/**
 * The auditor (whistleblower) service: follows `ReceiptPosted`, fetches each receipt's trace document by its CID
 * from the content store, checks it (`rules.ts`) and, for a challengeable violation in another keeper's receipt,
 * files ONE bonded challenge with the Merkle-proof evidence inside the challenge window. Rules:
 * docs/SPECIFICATION.md "Keeper node / Auditor".
 *
 * Safety:
 * - griefing: only evidence the oracle will accept is filed; the proof is checked off-chain against the posted root
 *   and on-chain with `verifyLeaf` before the bond moves, and gas estimation refuses (decoded, nothing sent) what
 *   the oracle would revert;
 * - replay: one challenge per receipt, journalled as `intent` before it is sent; a restart reconciles the intent
 *   with the chain's `Challenged` events (the oracle also refuses evidence used before);
 * - unreachable traces are reported and retried until the window closes; they are never challenged blindly, but
 *   (when `maxBond` allows) one data-availability demand is filed for a leaf of the receipt: the keeper must
 *   reveal it on-chain within `revealWindowSeconds` or anyone finalises the demand and the operator is slashed
 *   (`availability.ts`);
 * - budget: the bond of journalled and pending challenges and demands never exceeds `maxBond`.
 */
import { encodeBytes32String, type Log } from "ethers";
import type { Logger } from "pino";
import { Counter, Gauge, type Registry } from "prom-client";
import type { EvmChainAdapter } from "../chain/evm.js";
import { ChainRevertError } from "../chain/errors.js";
import { KeeperError } from "../errors.js";
import { ContentIntegrityError, ContentNotFoundError, RecordingError } from "../recording/errors.js";
import { proofForContract, verifyTraceProof, type TraceProof } from "../recording/merkle.js";
import { loadTraceDocument, type TraceDocument } from "../recording/receipt.js";
import type { ContentStore } from "../recording/store/content-store.js";
import { TraceTree } from "../recording/merkle.js";
import type { AuditJournal, AuditStatus, ChallengeRecord } from "./journal.js";
import { DemandTracker } from "./availability.js";
import { auditTrace, evidenceToFile, type ChallengeableFinding, type PostedReceiptInfo } from "./rules.js";

const CURSOR = "receipt-posted:block";
/** `IDisputeDesk.DisputeStatus` (`lapsed`: duplicate evidence nobody ruled on; the bond went to the held operators). */
const DISPUTE_STATUS = ["none", "pending", "upheld", "rejected", "lapsed"] as const;
/** Reverts that mean "this evidence will never be accepted" (not a transport failure). */
const FINAL_REFUSALS = new Set([
  "DisputeDeskEvidenceUsed",
  "DisputeDeskChallengeWindowClosed",
  "DisputeDeskInvalidProof",
  "DisputeDeskEvidenceNotViolating",
  "DisputeDeskReceiptSlashed",
]);

export class AuditError extends KeeperError {
  override name = "AuditError";
}

export function createAuditMetrics(registry: Registry) {
  const registers = [registry];
  return {
    receipts: new Counter({
      name: "keeper_audit_receipts_total",
      help: "Receipts audited, by result (clean, violating, unverifiable, unreachable, own, expired)",
      labelNames: ["result"] as const,
      registers,
    }),
    findings: new Counter({
      name: "keeper_audit_findings_total",
      help: "Rule violations found, by rule",
      labelNames: ["rule"] as const,
      registers,
    }),
    challenges: new Counter({
      name: "keeper_audit_challenges_total",
      help: "Challenges by outcome (filed, refused, upheld, rejected, lapsed)",
      labelNames: ["outcome"] as const,
      registers,
    }),
    budgetBlocked: new Counter({
      name: "keeper_audit_budget_blocked_total",
      help: "Challenges deferred because the bond budget (or the balance) was exhausted",
      registers,
    }),
    demands: new Counter({
      name: "keeper_audit_demands_total",
      help: "Data-availability demands by outcome (filed, revealed, finalised, refused)",
      labelNames: ["outcome"] as const,
      registers,
    }),
    bondLocked: new Gauge({
      name: "keeper_audit_bond_locked",
      help: "Challenge bond locked in journalled or pending challenges (deposit-asset base units)",
      registers,
    }),
    errors: new Counter({
      name: "keeper_audit_errors_total",
      help: "Errors caught by the auditor loop, by error name",
      labelNames: ["name"] as const,
      registers,
    }),
  };
}
export type AuditMetrics = ReturnType<typeof createAuditMetrics>;

export interface AuditorOptions {
  /** The auditor's key (it pays the bond and receives the reward): usually the keeper's own. */
  chain: EvmChainAdapter;
  /** Where trace documents are fetched by CID (the store the keepers write to: shared directory or S3). */
  store: ContentStore;
  journal: AuditJournal;
  /** Most bond locked in open challenges at once (deposit-asset base units). */
  maxBond: bigint;
  log: Logger;
  metrics: AuditMetrics;
  pollMs?: number;
  /** First block to follow `ReceiptPosted` from. */
  fromBlock?: number;
  /** Largest block range of one event query. */
  blockRange?: number;
}

/** Evidence as journalled: the proofs, ready to send. */
interface StoredEvidence {
  finding: ChallengeableFinding;
  proof: TraceProof;
  other?: TraceProof;
}

/** A read-only store holding the one object already fetched (so the document parser sees no second fetch). */
function oneObjectStore(cid: string, bytes: Uint8Array): ContentStore {
  return {
    put: () => Promise.reject(new AuditError("read-only")),
    get: async (c) => {
      if (c !== cid) throw new ContentNotFoundError("no content under this CID", { details: c });
      return bytes;
    },
    has: async (c) => c === cid,
  };
}

const toJson = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? `${x}n` : x));
const fromJson = <T>(s: string): T =>
  JSON.parse(s, (_k, x: unknown) => (typeof x === "string" && /^-?\d+n$/.test(x) ? BigInt(x.slice(0, -1)) : x)) as T;

export class Auditor {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly me: string;

  private readonly demands: DemandTracker;

  constructor(private readonly opts: AuditorOptions) {
    this.me = opts.chain.account.toLowerCase();
    this.demands = new DemandTracker(opts.chain, opts.journal, opts.log, opts.metrics);
  }

  start(): void {
    this.opts.log.info(
      { auditor: this.opts.chain.account, maxBond: this.opts.maxBond.toString() },
      this.opts.maxBond === 0n ? "auditor started (maxBond 0: reports only, never challenges)" : "auditor started",
    );
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => this.schedule(this.opts.pollMs ?? 2_000));
    }, ms);
  }

  /** One pass: new receipts, pending intents, audits, challenges, dispute outcomes. Never throws. */
  async tick(): Promise<void> {
    await this.guarded("follow receipts", () => this.followReceipts());
    await this.guarded("reconcile challenges", () => this.reconcileIntents());
    const now = await this.guarded("chain time", () => this.opts.chain.now());
    if (now === undefined) return;
    const window = await this.guarded("challenge window", () => this.param("challengeWindowSeconds"));
    if (window === undefined) return;
    // Outcomes first: a resolved dispute or demand frees its bond for the challenges below.
    await this.guarded("follow disputes", () => this.followDisputes());
    await this.guarded("follow demands", () => this.demands.follow(now));
    const toAudit = [
      ...this.opts.journal.receiptsWithStatus("pending"),
      ...this.opts.journal.receiptsWithStatus("unreachable"),
    ];
    for (const r of toAudit) {
      await this.guarded(`audit receipt ${r.receiptId}`, () => this.audit(r.receiptId, now, window));
    }
    // maxBond 0: report only (the violations stay journalled as `violating`, with no challenge).
    const violating = this.opts.maxBond > 0n ? this.opts.journal.receiptsWithStatus("violating") : [];
    for (const r of violating) {
      const c = this.opts.journal.getChallenge(r.receiptId);
      if (c && c.state !== "intent") continue;
      await this.guarded(`challenge receipt ${r.receiptId}`, () =>
        this.challenge(r.receiptId, r.postedAt, now, window),
      );
    }
    this.opts.metrics.bondLocked.set(Number(this.lockedBond()));
  }

  /** Bond locked in journalled or pending challenges and open demands. */
  private lockedBond(): bigint {
    return this.opts.journal.lockedBond() + this.demands.lockedBond();
  }

  private async guarded<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      const name = err instanceof Error ? err.name : "unknown";
      this.opts.metrics.errors.inc({ name });
      this.opts.log.error(
        { err, what },
        `audit: ${what} failed: ${err instanceof KeeperError ? err.shortMessage : String(err)}`,
      );
      return undefined;
    }
  }

  private param(name: string): Promise<bigint> {
    const { chain } = this.opts;
    return chain.sender.withRetry(name, () => chain.params.get(encodeBytes32String(name)));
  }

  /** Journals every `ReceiptPosted` since the cursor (block by block range; the cursor moves after each range). */
  private async followReceipts(): Promise<void> {
    const { chain, journal } = this.opts;
    const latest = await chain.sender.withRetry("block number", () => chain.sender.provider.getBlockNumber());
    const cursor = journal.getCursor(CURSOR);
    let from = cursor === undefined ? (this.opts.fromBlock ?? 0) : Number(cursor) + 1;
    const range = this.opts.blockRange ?? 5_000;
    while (from <= latest) {
      const to = Math.min(latest, from + range - 1);
      const events = await chain.sender.withRetry("ReceiptPosted", () =>
        chain.receipts.queryFilter(chain.receipts.filters.ReceiptPosted(), from, to),
      );
      for (const e of events) {
        const r = await chain.getReceipt(e.args.receiptId);
        journal.noteReceipt({
          receiptId: e.args.receiptId,
          keeper: e.args.keeper,
          campaignId: e.args.campaignId,
          cid: e.args.cid,
          traceRoot: e.args.traceRoot,
          postedAt: r.postedAt,
        });
        // The event's posted fields, kept for the audit (the journal row has the stable ones).
        this.posted.set(e.args.receiptId, {
          receiptId: e.args.receiptId,
          keeper: e.args.keeper,
          campaignId: e.args.campaignId,
          traceRoot: e.args.traceRoot,
          executionHash: e.args.executionHash,
          leafCount: Number(e.args.leafCount),
          summary: {
            volume: e.args.summary.volume,
            avgPrice: e.args.summary.avgPrice,
            pnl: e.args.summary.pnl,
          },
          cid: e.args.cid,
          postedAt: r.postedAt,
        });
      }
      journal.setCursor(CURSOR, String(to));
      from = to + 1;
    }
  }

  private readonly posted = new Map<bigint, PostedReceiptInfo>();

  /** The receipt as posted (from the event seen this run, else read back from the chain). */
  private async postedInfo(receiptId: bigint): Promise<PostedReceiptInfo> {
    const known = this.posted.get(receiptId);
    if (known) return known;
    const { chain } = this.opts;
    const [r, executionHash] = await Promise.all([
      chain.sender.withRetry("getReceipt", () => chain.receipts.getReceipt(receiptId)),
      chain.sender.withRetry("executionHashOf", () => chain.receipts.executionHashOf(receiptId)),
    ]);
    const info: PostedReceiptInfo = {
      receiptId,
      keeper: r.keeper,
      campaignId: r.campaignId,
      traceRoot: r.traceRoot,
      executionHash,
      leafCount: Number(r.leafCount),
      summary: { volume: r.summary.volume, avgPrice: r.summary.avgPrice, pnl: r.summary.pnl },
      cid: r.cid,
      postedAt: r.postedAt,
    };
    this.posted.set(receiptId, info);
    return info;
  }

  private finish(receiptId: bigint, status: AuditStatus, findings?: unknown, attempt = false): void {
    this.opts.journal.setStatus(receiptId, status, findings === undefined ? undefined : toJson(findings), attempt);
    this.opts.metrics.receipts.inc({ result: status });
    // Finished receipts are only needed again as the earlier half of a duplicate (read back from the chain then).
    if (status !== "violating") this.posted.delete(receiptId);
  }

  /** Fetches and checks one receipt's trace; journals the result (and the evidence of a violation). */
  private async audit(receiptId: bigint, now: bigint, window: bigint): Promise<void> {
    const { journal, log, chain } = this.opts;
    const posted = await this.postedInfo(receiptId);
    const own = posted.keeper.toLowerCase() === this.me;
    const open = now <= posted.postedAt + window;
    // 1. Availability: the bytes behind the CID (the store re-hashes them: bytes not matching the CID are refused).
    let bytes: Uint8Array;
    try {
      bytes = await this.opts.store.get(posted.cid);
    } catch (err) {
      const reason =
        err instanceof ContentNotFoundError
          ? "not in the store"
          : err instanceof ContentIntegrityError
            ? "bytes do not match the CID"
            : err instanceof KeeperError
              ? err.shortMessage
              : String(err);
      if (!open) {
        log.warn(
          { receiptId: receiptId.toString(), cid: posted.cid, reason },
          "audit: trace never reachable, window closed",
        );
        this.finish(receiptId, "expired", [{ rule: "traceUnreachable", reason, challengeable: false }]);
        return;
      }
      const first = journal.getReceipt(receiptId)?.status !== "unreachable";
      journal.setStatus(receiptId, "unreachable", toJson([{ rule: "traceUnreachable", reason }]), true);
      if (first) {
        this.opts.metrics.receipts.inc({ result: "unreachable" });
        log.warn(
          { receiptId: receiptId.toString(), cid: posted.cid, keeper: posted.keeper, reason },
          "audit: trace unreachable (reported; retried until the window closes; a leaf is demanded on-chain)",
        );
      }
      // The trace is not available: make the keeper show a leaf on-chain (or be slashed), within the budget.
      if (!own && this.opts.maxBond > 0n && !this.demands.has(receiptId)) {
        const bond = await this.param("dataChallengeBond");
        if (this.lockedBond() + bond > this.opts.maxBond) {
          this.opts.metrics.budgetBlocked.inc();
          log.warn({ receiptId: receiptId.toString() }, "audit: bond budget exhausted, demand deferred");
        } else {
          await this.demands.demand(receiptId, posted.leafCount, bond);
        }
      }
      return;
    }
    // 2. Form: a trace document (anything else under a receipt's CID is reported: nothing to prove against).
    let doc: TraceDocument;
    try {
      doc = await loadTraceDocument(oneObjectStore(posted.cid, bytes), posted.cid);
    } catch (err) {
      if (!(err instanceof RecordingError)) throw err;
      log.warn(
        { receiptId: receiptId.toString(), cid: posted.cid, keeper: posted.keeper, reason: err.shortMessage },
        "audit: trace invalid (reported)",
      );
      this.finish(receiptId, "unverifiable", [
        { rule: "traceInvalid", reason: err.shortMessage, challengeable: false },
      ]);
      return;
    }
    const c = await chain.sender.withRetry("campaignOf", () => chain.campaigns.campaignOf(posted.campaignId));
    let result;
    try {
      result = auditTrace(posted, doc, { minPrice: c.minPrice, maxPrice: c.maxPrice }, (e) => journal.firstSighting(e));
    } catch (err) {
      if (!(err instanceof RecordingError)) throw err;
      this.finish(receiptId, "unverifiable", [
        { rule: "traceInvalid", reason: err.shortMessage, challengeable: false },
      ]);
      return;
    }
    if (result.rootMatches) journal.indexExecutions(receiptId, result.executionIds);
    for (const f of result.findings) this.opts.metrics.findings.inc({ rule: f.rule });
    const ctx = {
      receiptId: receiptId.toString(),
      keeper: posted.keeper,
      campaignId: posted.campaignId,
      cid: posted.cid,
    };
    if (own) {
      if (result.findings.length > 0)
        log.error({ ...ctx, findings: toJson(result.findings) }, "audit: own receipt has findings");
      this.finish(receiptId, "own", result.findings);
      return;
    }
    const evidence = evidenceToFile(result.findings);
    if (!evidence) {
      if (result.findings.length === 0) {
        log.debug(ctx, "audit: receipt clean");
        this.finish(receiptId, "clean", []);
      } else {
        log.warn({ ...ctx, findings: toJson(result.findings) }, "audit: receipt does not match its trace (reported)");
        this.finish(receiptId, "unverifiable", result.findings);
      }
      return;
    }
    if (!open) {
      log.warn({ ...ctx, rule: evidence.rule }, "audit: violation found after the challenge window closed");
      this.finish(receiptId, "expired", result.findings);
      return;
    }
    const proof = result.tree!.proof(evidence.seq);
    let other: TraceProof | undefined;
    if (evidence.rule === "duplicateExecution") {
      const o = journal.getReceipt(evidence.otherReceiptId);
      if (!o) throw new AuditError(`receipt ${evidence.otherReceiptId} is indexed but not journalled`);
      const otherDoc = await loadTraceDocument(this.opts.store, o.cid);
      other = TraceTree.fromEntries(otherDoc.entries, otherDoc.units).proof(evidence.otherSeq);
    }
    log.warn({ ...ctx, rule: evidence.rule, seq: evidence.seq }, "audit: violation found");
    journal.setCursor(`evidence:${receiptId}`, toJson({ finding: evidence, proof, other } satisfies StoredEvidence));
    this.finish(receiptId, "violating", result.findings);
  }

  /**
   * Files the challenge of a violating receipt, once: budget and balance checked, proof re-verified, intent
   * journalled, then approve + challenge through the key's sender.
   */
  private async challenge(receiptId: bigint, postedAt: bigint, now: bigint, window: bigint): Promise<void> {
    const { chain, journal, log, metrics } = this.opts;
    const stored = journal.getCursor(`evidence:${receiptId}`);
    if (!stored) throw new AuditError(`no journalled evidence for violating receipt ${receiptId}`);
    const ev = fromJson<StoredEvidence>(stored);
    const ctx = { receiptId: receiptId.toString(), rule: ev.finding.rule };
    const existing = journal.getChallenge(receiptId);
    if (now > postedAt + window) {
      if (existing) journal.updateChallenge(receiptId, "refused", { detail: "challenge window closed" });
      log.warn(ctx, "audit: challenge window closed before the challenge was filed");
      this.finish(receiptId, "expired");
      return;
    }
    const bond = existing?.bond ?? (await this.param("challengeBond"));
    if (!existing) {
      const locked = this.lockedBond();
      if (locked + bond > this.opts.maxBond) {
        metrics.budgetBlocked.inc();
        log.warn(
          { ...ctx, bond: bond.toString(), locked: locked.toString(), maxBond: this.opts.maxBond.toString() },
          "audit: bond budget exhausted, challenge deferred",
        );
        return;
      }
    }
    const balance = await chain.sender.withRetry("balanceOf", () => chain.asset.balanceOf(chain.account));
    if (balance < bond) {
      metrics.budgetBlocked.inc();
      log.warn(
        { ...ctx, bond: bond.toString(), balance: balance.toString() },
        "audit: balance below the bond, deferred",
      );
      return;
    }
    // Never spend a bond on evidence that does not verify: off-chain against the posted root, then on-chain.
    const posted = await this.postedInfo(receiptId);
    const proofs = [[receiptId, ev.proof, posted.traceRoot] as const];
    if (ev.other && ev.finding.rule === "duplicateExecution") {
      const otherPosted = await this.postedInfo(ev.finding.otherReceiptId);
      proofs.push([ev.finding.otherReceiptId, ev.other, otherPosted.traceRoot] as const);
    }
    for (const [id, p, root] of proofs) {
      const onChain = await chain.sender.withRetry("verifyLeaf", () =>
        chain.receipts.verifyLeaf(id, p.leafHash, [...p.proof]),
      );
      if (!verifyTraceProof(root, p.leaf, p.proof) || !onChain) {
        throw new AuditError(`evidence against receipt ${receiptId} does not verify (receipt ${id}): not filed`);
      }
    }
    if (!existing) {
      journal.recordChallengeIntent({ receiptId, kind: ev.finding.rule, evidence: stored, bond });
    }
    const a = proofForContract(ev.proof);
    const b = ev.other ? proofForContract(ev.other) : a;
    const evidence = {
      kind: ev.finding.rule === "priceOutOfBound" ? 0n : 1n,
      leaf: a.leaf,
      proof: a.proof,
      otherReceiptId: ev.finding.rule === "duplicateExecution" ? ev.finding.otherReceiptId : 0n,
      otherLeaf: b.leaf,
      otherProof: ev.other ? b.proof : [],
    };
    try {
      const approve = chain.asset.interface.encodeFunctionData("approve", [chain.addresses.desk, bond]);
      await chain.sender.send(`approve bond ${receiptId}`, { to: chain.addresses.asset, data: approve });
      const data = chain.desk.interface.encodeFunctionData("challenge", [receiptId, evidence]);
      const mined = await chain.sender.send(`challenge ${receiptId}`, { to: chain.addresses.desk, data });
      const disputeId = this.disputeIdIn(mined.logs);
      if (disputeId === undefined) throw new AuditError(`challenge of ${receiptId} mined without a Challenged event`);
      journal.updateChallenge(receiptId, "filed", { disputeId, txHash: mined.hash });
      metrics.challenges.inc({ outcome: "filed" });
      log.info(
        { ...ctx, disputeId: disputeId.toString(), bond: bond.toString(), txHash: mined.hash },
        "audit: challenge filed",
      );
    } catch (err) {
      if (err instanceof ChainRevertError && FINAL_REFUSALS.has(err.reason)) {
        journal.updateChallenge(receiptId, "refused", { detail: err.reason });
        metrics.challenges.inc({ outcome: "refused" });
        log.warn({ ...ctx, reason: err.reason }, "audit: challenge refused by the dispute desk (not retried)");
        return;
      }
      throw err; // transient: the intent stays and is reconciled with the chain next tick
    }
  }

  private disputeIdIn(logs: readonly Log[]): bigint | undefined {
    const iface = this.opts.chain.desk.interface;
    for (const log of logs) {
      const parsed = (() => {
        try {
          return iface.parseLog(log);
        } catch {
          return null; // another contract's event (the token transfer)
        }
      })();
      if (parsed?.name === "Challenged") return parsed.args["disputeId"] as bigint;
    }
    return undefined;
  }

  /** An `intent` left by a crash: if the chain has our `Challenged` for that receipt, adopt it (never re-send). */
  private async reconcileIntents(): Promise<void> {
    const { chain, journal, log } = this.opts;
    for (const c of journal.challengesInState("intent")) {
      const events = await chain.sender.withRetry("Challenged", () =>
        chain.desk.queryFilter(chain.desk.filters.Challenged(undefined, c.receiptId, chain.account)),
      );
      const e = events[0];
      if (!e) continue; // never landed: `challenge` re-sends it under the same journal row
      journal.updateChallenge(c.receiptId, "filed", { disputeId: e.args.disputeId, txHash: e.transactionHash });
      this.opts.metrics.challenges.inc({ outcome: "filed" });
      log.info(
        { receiptId: c.receiptId.toString(), disputeId: e.args.disputeId.toString() },
        "audit: journalled challenge found on chain",
      );
    }
  }

  /** Moves filed challenges to upheld / rejected once the arbiter (or the deadline) resolved them. */
  private async followDisputes(): Promise<void> {
    const { chain, journal, log, metrics } = this.opts;
    for (const c of journal.challengesInState("filed")) {
      if (c.disputeId === null) continue;
      const d = await chain.sender.withRetry("disputeOf", () => chain.desk.disputeOf(c.disputeId!));
      const status = DISPUTE_STATUS[Number(d.status)];
      if (status !== "upheld" && status !== "rejected" && status !== "lapsed") continue;
      // A lapsed dispute paid the bond to the held operators without a ruling: journalled as rejected (bond lost, no
      // reward), detail says why.
      const state = status === "lapsed" ? "rejected" : status;
      journal.updateChallenge(c.receiptId, state, { detail: `${status}, slashed ${d.slashed}` });
      metrics.challenges.inc({ outcome: status });
      log.info(
        { receiptId: c.receiptId.toString(), disputeId: c.disputeId.toString(), slashed: d.slashed.toString() },
        status === "upheld"
          ? "audit: dispute upheld (bond returned with the whistleblower cut)"
          : "audit: dispute rejected (bond lost)",
      );
    }
  }

  /** Counts for `keeper audit` / status. */
  summary(): { receipts: Partial<Record<AuditStatus, number>>; challenges: ChallengeRecord[]; lockedBond: bigint } {
    const j = this.opts.journal;
    return { receipts: j.statusCounts(), challenges: j.challenges(), lockedBond: this.lockedBond() };
  }
}

/**
 * Campaign dispatcher: turns detected opportunities into campaigns and drives each one the keeper may take
 * through `publish -> claim -> execute -> settle`, journalling every step before acting on it so that a
 * restart resumes where it stopped. Rules (docs/SPECIFICATION.md "Keeper node / Campaign dispatch"):
 *
 * - the id is computed locally (`campaignId(spec, dispatch)`, the dispatch list is part of it); an id this keeper finished (settled/abandoned, in the
 *   journal) or the chain already knows is never published again (no republish penalty);
 * - publishing respects `campaignRateLimitCount` per `campaignRateWindowSeconds` per publisher operator: the
 *   dispatcher counts its own creations per window, and a `CampaignRegistryRateLimited` refusal (creations by
 *   the operator's other keys) fills the window; deferred opportunities are retried when the next window opens;
 * - race mode: claim at once; dispatch mode: claim from `publishedAt + i * dispatchWindowSeconds` (own index
 *   `i` in the list; keepers off the list after the whole list had its turn), so backups take over from a
 *   silent assignee; a campaign claimed by someone else is watched, and claimed again once that claim is past
 *   its deadline (the contract expires it);
 * - only the live claimant executes; the receipt is posted by the execution, then `settle` is sent; a lost
 *   settle (recorded by the contract, not penalised) abandons the campaign.
 * One dispatcher serves one key. Steps of one campaign run one at a time; steps of different campaigns may overlap
 * (a pre-empting arbitrage publishes, claims and trades while the market maker it pre-empted still posts its receipt
 * and settles): their transactions share the key's sender, which serialises nonces.
 */
import type { Logger } from "pino";
import type { CampaignMode, ChainAdapter, DispatchBy } from "../chain/adapter.js";
import { ChainRevertError } from "../chain/errors.js";
import { ConfigError, KeeperError } from "../errors.js";
import { TERMINAL_ORDER_STATES, type Journal } from "../node/journal.js";
import { campaignId, parseCampaignSpec, type CampaignDispatch, type CampaignSpec } from "./id.js";

export interface Opportunity {
  spec: CampaignSpec;
  mode?: CampaignMode;
  dispatchBy?: DispatchBy;
  /** Dispatch mode: assignee then backups (the publisher's ordering; the contract checks it). */
  dispatchOrder?: readonly string[];
}

/** How `o` is dispatched (race unless it names a mode): part of the campaign id. */
export function dispatchOf(o: Pick<Opportunity, "mode" | "dispatchBy" | "dispatchOrder">): CampaignDispatch {
  if ((o.mode ?? "race") === "race") return { mode: "race" };
  return { mode: "dispatch", dispatchBy: o.dispatchBy ?? "reputation", dispatchOrder: o.dispatchOrder ?? [] };
}

/** Key of this keeper's own creation count in the current rate window. */
const OWN_RATE_KEY = "own";

export interface CampaignJob {
  id: string;
  spec: CampaignSpec;
  /**
   * Chain time (s) at which this keeper's claim expires, and chain time when the execution was started: the
   * execution stops a margin before the claim expires (its receipt must be posted while the claim is live).
   */
  claimDeadline?: bigint;
  chainNow?: bigint;
}

/**
 * Executes a claimed campaign (orders, trace, sealed and posted receipt) and returns the receipt id. Called again
 * for the same campaign after a crash, it must reconcile (orders by client order id, receipts by trace root)
 * rather than trade or post twice.
 */
export interface CampaignExecution {
  execute(job: CampaignJob): Promise<{ receiptId: bigint }>;
}

/** Thrown by an execution that traded nothing (the gap closed, venues refused): the claim is released. */
export class CampaignNotExecutedError extends KeeperError {
  override name = "CampaignNotExecutedError";
}

/** Nothing traded (the gap closed, a venue refused): the claim should be released, no receipt exists. */
export class NothingExecutedError extends CampaignNotExecutedError {
  override name = "NothingExecutedError";
}

export type DispatchOutcome =
  | "settled" // this keeper settled it
  | "known" // finished before (journal)
  | "lost" // someone else holds the claim (watched for a fallback when it lapses) or settled it (finished)
  | "waiting" // not this keeper's turn yet (dispatch) or not yet in its window
  | "rateLimited" // the strategy's creation window is full; retried when the next one opens
  | "expired" // its window closed before anything traded: dropped (an expected end, logged at info)
  | "abandoned" // nothing executed, or settle lost
  | "receiptLost"; // it traded but lost its claim before its receipt was posted: a fault, logged at error level

export interface DispatcherOptions {
  chain: ChainAdapter;
  journal: Journal;
  execution: CampaignExecution;
  /** Current on-chain parameters by name (kept up to date by the node from `ParameterChanged`). */
  parameters: () => Readonly<Record<string, bigint>>;
  log?: Logger;
  /** Called on every outcome (metrics). */
  onOutcome?: (id: string, outcome: DispatchOutcome) => void;
}

interface Watched {
  spec: CampaignSpec;
  opportunity: Opportunity;
  /** Chain time (s) before which the campaign is not looked at again. */
  nextCheck: bigint;
}

const SPEC_KEY = (id: string) => `campaign-spec:${id}`;

export class CampaignDispatcher {
  private readonly watched = new Map<string, Watched>();
  private readonly finished = new Set<string>();
  private readonly creations = new Map<string, { windowStart: bigint; count: bigint }>();
  /** The step in flight of each campaign (its queue tail); steps of one campaign never overlap. */
  private readonly queues = new Map<string, Promise<unknown>>();
  private account: string;

  constructor(private readonly opts: DispatcherOptions) {
    this.account = opts.chain.account.toLowerCase();
  }

  /** Campaigns being watched (not finished). */
  get pending(): string[] {
    return [...this.watched.keys()];
  }

  /** Reloads unfinished campaigns from the journal (after a restart). */
  recover(): number {
    for (const rec of this.opts.journal.unfinishedCampaigns()) {
      const raw = this.opts.journal.getCursor(SPEC_KEY(rec.campaignId));
      if (!raw) continue;
      const stored = JSON.parse(raw) as { spec: unknown; opportunity: Omit<Opportunity, "spec"> };
      const spec = parseCampaignSpec(stored.spec);
      this.watched.set(rec.campaignId, { spec, opportunity: { ...stored.opportunity, spec }, nextCheck: 0n });
    }
    return this.watched.size;
  }

  /** Takes a detected opportunity: publishes it if new, then claims/executes/settles as far as allowed now. */
  offer(opportunity: Opportunity): Promise<DispatchOutcome> {
    const spec = parseCampaignSpec(opportunity.spec);
    const id = campaignId(spec, dispatchOf(opportunity));
    if (this.finished.has(id)) return Promise.resolve("known");
    const progress = this.opts.journal.campaignProgress(id);
    if (progress === "settled" || progress === "abandoned") {
      this.finished.add(id);
      return Promise.resolve("known");
    }
    if (!this.watched.has(id)) {
      const { spec: _omit, ...rest } = opportunity;
      void _omit;
      this.opts.journal.setCursor(SPEC_KEY(id), JSON.stringify({ spec: specJson(spec), opportunity: rest }));
      if (!progress) this.opts.journal.advanceCampaign(id, "detected");
      this.watched.set(id, { spec, opportunity: { ...opportunity, spec }, nextCheck: 0n });
    }
    return this.serial(id, () => this.step(id));
  }

  /**
   * Stops watching a campaign this keeper published or offered but never claimed (its run gave up waiting for its
   * turn): journalled abandoned, never claimed later by the tick. A campaign already claimed or further is left to
   * its steps. Returns whether it was withdrawn.
   */
  withdraw(id: string): Promise<boolean> {
    return this.serial(id, async () => {
      const progress = this.opts.journal.campaignProgress(id);
      if (!this.watched.has(id) || (progress !== "detected" && progress !== "published")) return false;
      this.finish(id, "abandoned", "withdrawn by its run before a claim");
      return true;
    });
  }

  /**
   * Steps every watched campaign that is due and has no step in flight (a campaign being executed is left to the
   * step that runs it). Errors of one campaign are logged and do not stop the others.
   */
  async tick(): Promise<Map<string, DispatchOutcome>> {
    const now = await this.opts.chain.now();
    const out = new Map<string, DispatchOutcome>();
    const errors: unknown[] = [];
    for (const [id, w] of [...this.watched]) {
      if (w.nextCheck > now || this.queues.has(id)) continue;
      try {
        out.set(id, await this.serial(id, () => this.step(id)));
      } catch (err) {
        errors.push(err);
        this.opts.log?.error({ err, campaignId: id }, "campaign step failed");
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, `${errors.length} campaign step(s) failed`);
    return out;
  }

  /**
   * Shutdown: steps once every watched campaign that traded (its fills owe a receipt, its draw a repayment), after
   * the steps already queued for it and whatever its `nextCheck`; campaigns that did not trade are left alone (no new
   * claim). A traded campaign whose claim lapsed (the chain's clock overtook the run) is claimed again while its window
   * is open and its sealed receipt posted and settled; past its window it ends `receiptLost`. Returns the outcome of
   * each campaign stepped; a step that fails is logged and leaves its campaign to the next start.
   */
  async finishTraded(): Promise<Map<string, DispatchOutcome>> {
    const out = new Map<string, DispatchOutcome>();
    for (const id of [...this.watched.keys()]) {
      if (!this.traded(id)) continue;
      try {
        out.set(id, await this.serial(id, () => this.step(id)));
      } catch (err) {
        this.opts.log?.warn(
          { err, campaignId: id },
          "traded campaign not finished before the stop: left to the next start",
        );
      }
    }
    return out;
  }

  /** Runs `fn` after the steps of campaign `id` already queued (other campaigns' steps do not wait). */
  private serial<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.queues.get(id) ?? Promise.resolve()).then(fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(id, tail);
    void tail.then(() => {
      if (this.queues.get(id) === tail) this.queues.delete(id);
    });
    return run;
  }

  private finish(id: string, outcome: DispatchOutcome, detail: string): DispatchOutcome {
    this.opts.journal.advanceCampaign(id, outcome === "settled" ? "settled" : "abandoned", detail);
    this.watched.delete(id);
    this.finished.add(id);
    return this.report(id, outcome, detail);
  }

  private report(id: string, outcome: DispatchOutcome, detail?: string): DispatchOutcome {
    this.opts.log?.info({ campaignId: id, outcome, detail }, `campaign ${outcome}`);
    this.opts.onOutcome?.(id, outcome);
    return outcome;
  }

  private param(name: string): bigint {
    const v = this.opts.parameters()[name];
    if (v === undefined) throw new ConfigError(`on-chain parameter ${name} is unknown to this keeper`);
    return v;
  }

  private async step(id: string): Promise<DispatchOutcome> {
    const w = this.watched.get(id);
    if (!w) return "known";
    const { chain, journal } = this.opts;
    const me = this.account;
    const progress = journal.campaignProgress(id);
    let c = await chain.getCampaign(id);

    if (c.status === "none") {
      const published = await this.publish(id, w);
      if (published !== "published") return published;
      c = await chain.getCampaign(id);
    }
    if (progress === "detected") journal.advanceCampaign(id, "published");

    if (c.status === "settled") {
      const winner = (await chain.getReceipt(c.settledReceiptId)).keeper.toLowerCase();
      if (winner === me) return this.finish(id, "settled", `receipt ${c.settledReceiptId}`);
      if (await this.receiptUnposted(id)) return this.receiptLost(id, `settled by ${winner}`);
      // A lost race, not a failure: reported as `lost`, journalled `abandoned` (finished without this keeper).
      return this.finish(id, "lost", `settled by ${winner}`);
    }
    const now = await chain.now();
    // Past its window with nothing traded (a retry after a venue or chain failure, a restart): dropped as expired,
    // never executed late. A campaign that traded keeps going, so its fills still get their receipt.
    if (now > c.notAfter && !this.traded(id)) return this.finish(id, "expired", `window closed at ${c.notAfter}`);
    const mine = c.status === "claimed" && c.claimant.toLowerCase() === me && now <= c.claimDeadline;
    if (!mine) {
      if (now > c.notAfter) {
        if (await this.receiptUnposted(id)) return this.receiptLost(id, `window closed at ${c.notAfter}`);
        return this.finish(id, "abandoned", "window over");
      }
      if (now < c.notBefore) {
        w.nextCheck = c.notBefore;
        return this.report(id, "waiting");
      }
      if (c.status === "claimed" && now <= c.claimDeadline) {
        // Held by another keeper: look again once the claim lapses (fallback when it never settles).
        w.nextCheck = c.claimDeadline + 1n;
        return this.report(id, "lost", `claimed by ${c.claimant}`);
      }
      if (c.mode === "dispatch") {
        const index = c.dispatchOrder.findIndex((a) => a.toLowerCase() === me);
        const slot = BigInt(index >= 0 ? index : c.dispatchOrder.length);
        const turnAt = c.publishedAt + slot * this.param("dispatchWindowSeconds");
        if (now < turnAt) {
          w.nextCheck = turnAt;
          return this.report(id, "waiting", `turn at ${turnAt}`);
        }
      }
      const claim = await chain.claimCampaign(id);
      if (!claim.claimed) {
        if (claim.reason === "settled") return this.step(id);
        if (claim.reason === "taken") {
          const now2 = await chain.getCampaign(id);
          w.nextCheck = now2.claimDeadline + 1n;
          return this.report(id, "lost", claim.detail);
        }
        w.nextCheck = now + 1n; // notYourTurn / pairLocked / outsideWindow: try again on a later tick
        return this.report(id, "waiting", claim.detail);
      }
      // Claimed again after its claim lapsed mid-run (the chain's clock overtook it): the campaign stays `executing`,
      // and its execution posts the receipt it sealed.
      if (progress !== "executing" && progress !== "executed")
        journal.advanceCampaign(id, "claimed", `deadline ${claim.deadline}`);
      return this.executeAndSettle(id, w, { claimDeadline: claim.deadline, chainNow: await chain.now() });
    } else if (progress !== "executing" && progress !== "executed") {
      journal.advanceCampaign(id, "claimed", `deadline ${c.claimDeadline}`);
    }
    return this.executeAndSettle(id, w, { claimDeadline: c.claimDeadline, chainNow: now });
  }

  /**
   * Whether the campaign may have traded: executed (a receipt), a sealed receipt, or a journalled order that filled or
   * whose outcome is still open. Executions journal every order before sending it, so no such order means nothing
   * traded.
   */
  private traded(id: string): boolean {
    const { journal } = this.opts;
    const progress = journal.campaignProgress(id);
    if (progress === "executed") return true;
    if (progress !== "executing") return false;
    if (journal.getReceipt(id)) return true;
    return journal.ordersOfCampaign(id).some((o) => BigInt(o.filled) > 0n || !TERMINAL_ORDER_STATES.has(o.state));
  }

  /** Whether the campaign traded and its receipt is not on chain (journal, then the registry by trace root). */
  private async receiptUnposted(id: string): Promise<boolean> {
    if (!this.traded(id) || this.opts.journal.campaignProgress(id) === "executed") return false;
    const receipt = this.opts.journal.getReceipt(id);
    if (receipt?.state === "posted") return false;
    return !receipt || (await this.opts.chain.receiptIdByRoot(receipt.traceRoot)) === 0n;
  }

  /**
   * The campaign traded but is no longer this keeper's to post a receipt for (claim lapsed with its window, or settled
   * by another keeper): its fills have no on-chain receipt. Logged once at error level now, journalled (the sealed
   * receipt `unpostable`, so the poster never sends it), finished and reported (`keeper_decisions_total`).
   */
  private receiptLost(id: string, detail: string): DispatchOutcome {
    const { journal } = this.opts;
    const receipt = journal.getReceipt(id);
    if (receipt && receipt.state !== "unpostable") journal.markReceiptUnpostable(id);
    this.opts.log?.error(
      { campaignId: id, detail, traceRoot: receipt?.traceRoot },
      "campaign traded but lost its claim before its receipt was posted: receipt lost",
    );
    return this.finish(id, "receiptLost", `receipt lost: ${detail}`);
  }

  private async publish(id: string, w: Watched): Promise<DispatchOutcome | "published"> {
    const { chain } = this.opts;
    const now = await chain.now();
    const window = this.param("campaignRateWindowSeconds");
    const limit = this.param("campaignRateLimitCount");
    const windowStart = (now / window) * window;
    // The chain counts creations per publisher operator (all its keys); this keeper counts its own and learns
    // the rest from `CampaignRegistryRateLimited`.
    let rate = this.creations.get(OWN_RATE_KEY);
    if (!rate || rate.windowStart !== windowStart) rate = { windowStart, count: 0n };
    this.creations.set(OWN_RATE_KEY, rate);
    if (rate.count >= limit) {
      w.nextCheck = windowStart + window;
      return this.report(id, "rateLimited", `next window at ${w.nextCheck}`);
    }
    try {
      const result = await chain.publishCampaign(w.spec, {
        mode: w.opportunity.mode ?? "race",
        dispatchBy: w.opportunity.dispatchBy,
        dispatchOrder: w.opportunity.dispatchOrder,
      });
      if (result.created) rate.count++;
      return "published";
    } catch (err) {
      if (err instanceof ChainRevertError && err.reason === "CampaignRegistryRateLimited") {
        rate.count = limit;
        w.nextCheck = windowStart + window;
        return this.report(id, "rateLimited", err.shortMessage);
      }
      if (err instanceof ChainRevertError && err.reason === "CampaignRegistryInvalidWindow") {
        return this.finish(id, "abandoned", err.shortMessage);
      }
      throw err;
    }
  }

  private async executeAndSettle(
    id: string,
    w: Watched,
    claim: { claimDeadline: bigint; chainNow: bigint },
  ): Promise<DispatchOutcome> {
    const { chain, journal, execution } = this.opts;
    const record = journal.getCampaign(id);
    let receiptId: bigint;
    if (record?.progress === "executed" && record.detail?.startsWith("receipt ")) {
      receiptId = BigInt(record.detail.slice("receipt ".length));
    } else {
      if (record?.progress !== "executing") journal.advanceCampaign(id, "executing");
      try {
        ({ receiptId } = await execution.execute({ id, spec: w.spec, ...claim }));
      } catch (err) {
        if (!(err instanceof CampaignNotExecutedError)) throw err;
        // Nothing traded: give the claim back (reported as a failure) so another keeper may try.
        const c = await chain.getCampaign(id);
        if (c.status === "claimed" && c.claimant.toLowerCase() === this.account) await chain.releaseCampaign(id);
        return this.finish(id, "abandoned", err.shortMessage);
      }
      journal.advanceCampaign(id, "executed", `receipt ${receiptId}`);
    }
    const settled = await chain.settleCampaign(id, receiptId);
    if (settled.settled) return this.finish(id, "settled", `receipt ${receiptId}`);
    return this.finish(id, "abandoned", `settle lost (receipt ${receiptId})`);
  }
}

/** JSON form of a spec (bigints as decimal strings; `parseCampaignSpec` reads it back). */
function specJson(spec: CampaignSpec) {
  const w = spec.priceWindow;
  return {
    ...spec,
    priceWindow: {
      minPrice: w.minPrice.toString(),
      maxPrice: w.maxPrice.toString(),
      notBefore: w.notBefore.toString(),
      notAfter: w.notAfter.toString(),
    },
  };
}

/**
 * Arbitrage as campaigns: the opportunity source (venue snapshots -> `findOpportunities` -> one campaign spec per
 * market) and the campaign execution (the planned legs through `executeArbitrage`, every order journalled before
 * it is sent, the fills turned into trace entries and posted as a receipt by the recording poster). Rules: docs/SPECIFICATION.md
 * "Keeper node / Arbitrage campaigns".
 */
import type { Logger } from "pino";
import type { ReceiptPoster } from "../chain/adapter.js";
import {
  NothingExecutedError,
  type CampaignExecution,
  type CampaignJob,
  type Opportunity as CampaignOpportunity,
} from "../campaign/dispatcher.js";
import { campaignId } from "../campaign/id.js";
import {
  DEFAULT_ARBITRAGE_CONFIG,
  findOpportunities,
  type ArbitrageConfig,
  type Opportunity,
} from "../execution/arbitrage.js";
import { executeArbitrage, type ExecutionOptions } from "../execution/executor.js";
import { type Clock, systemClock } from "../execution/budget.js";
import { maxPlanAmount } from "../execution/limits.js";
import { SafetyRules, composeGuards } from "../execution/safety.js";
import { snapshotVenue, type SnapshotOptions } from "../execution/snapshot.js";
import type { VenueSnapshot } from "../execution/arbitrage.js";
import type { Order, OrderRequest, Venue } from "../execution/venue.js";
import { campaignTrace, type CampaignTrace } from "../recording/poster.js";
import { arbitrageSpec } from "./engine-campaigns.js";
import { buyCapitalWad, quoteWadToDepositUnits } from "./capital.js";
import { TERMINAL_ORDER_STATES, type Journal, type OrderState } from "./journal.js";
import type { RiskControls } from "./risk.js";

export interface ArbitrageMarketConfig {
  market: string;
  venues: (SnapshotOptions & { venue: Venue })[];
}

export interface ArbitrageCampaignOptions {
  markets: ArbitrageMarketConfig[];
  config?: ArbitrageConfig;
  /** Campaign validity buckets: `notBefore = floor(now / bucket) * bucket`, `notAfter = notBefore + 2 * bucket`. */
  bucketSeconds?: bigint;
  /** Bound (bps) the hedge/unwind legs may move past the planned limits (the executor's `unwindSlippageBps`). */
  unwindSlippageBps?: bigint;
  /**
   * Live risk controls: stop signals, exposures and limits size and refuse plans and check every order; the
   * execution stops `limits.executionMarginSeconds` before the claim expires. Undefined: none (tests of the flow).
   */
  risk?: RiskControls;
  /** The execution layer's safety rules (cool-down, orders per minute, price band, loss breaker) on every order. */
  safety?: SafetyRules;
  clock?: Clock;
}

const PLAN_KEY = (id: string) => `arbitrage-plan:${id}`;
const TRACE_KEY = (id: string) => `arbitrage-trace:${id}`;
const toJson = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? `${x}n` : x));
const fromJson = <T>(s: string): T =>
  JSON.parse(s, (_k, x: unknown) => (typeof x === "string" && /^-?\d+n$/.test(x) ? BigInt(x.slice(0, -1)) : x)) as T;

export class ArbitrageCampaigns implements CampaignExecution {
  private readonly plans = new Map<string, Opportunity>();
  private readonly venues: Record<string, Venue> = {};
  private readonly bucket: bigint;
  private readonly unwindBps: bigint;
  /** Latest mid price per `venue|pair` (the safety rules' reference) and free balances per `venue|asset`. */
  private readonly mids = new Map<string, bigint>();
  private readonly held = new Map<string, bigint>();
  /** Last refusal logged per market (logged once per change, not every tick). */
  private readonly refused = new Map<string, string>();

  constructor(
    private readonly opts: ArbitrageCampaignOptions & {
      journal: Journal;
      poster: ReceiptPoster<CampaignTrace>;
      execution: Omit<ExecutionOptions, "guard" | "unwindSlippageBps">;
      log?: Logger;
    },
  ) {
    for (const m of opts.markets) for (const v of m.venues) this.venues[v.venue.id] = v.venue;
    this.bucket = opts.bucketSeconds ?? 60n;
    this.unwindBps = opts.unwindSlippageBps ?? 100n;
  }

  /** Reads every venue and returns the best opportunity of each market as a campaign (the plan is kept). */
  async detect(nowSec: bigint): Promise<CampaignOpportunity[]> {
    const out: CampaignOpportunity[] = [];
    for (const m of this.opts.markets) {
      const snapshots = await Promise.all(
        m.venues.map(({ venue, ...o }) => snapshotVenue(venue, { ...o, market: m.market })),
      );
      this.remember(snapshots);
      const best = this.plan(m.market, snapshots);
      if (!best) continue;
      const spec = arbitrageSpec(best, nowSec, this.bucket, this.unwindBps);
      const id = campaignId(spec);
      if (!this.plans.has(id)) {
        // A new campaign: read the chain's stop signals now (not up to `signalRefreshMs` old), so a campaign is
        // never published and claimed just after the vault paused or the keeper was revoked.
        if (this.opts.risk) {
          await this.opts.risk.refreshSignals(true);
          const stop = this.opts.risk.stopReason();
          if (stop) continue;
        }
        this.plans.set(id, best);
      }
      out.push({ spec, mode: "race" });
    }
    return out;
  }

  /** Keeps the snapshots' mids (safety reference) and balances (inventory limits). */
  private remember(snapshots: VenueSnapshot[]): void {
    for (const s of snapshots) {
      if (s.liquidity.kind === "book") {
        const bid = s.liquidity.bids[0]?.price;
        const ask = s.liquidity.asks[0]?.price;
        if (bid !== undefined && ask !== undefined) this.mids.set(`${s.venueId}|${s.pair}`, (bid + ask) / 2n);
      }
      const { base, quote } = { base: s.pair.split("/")[0]!, quote: s.pair.split("/")[1]! };
      this.held.set(`${s.venueId}|${base}`, s.baseAvailable);
      this.held.set(`${s.venueId}|${quote}`, s.quoteAvailable);
    }
  }

  /** Reference (mid) price of a pair on a venue, from the latest snapshot. */
  referencePrice(venueId: string, pair: string): bigint | undefined {
    return this.mids.get(`${venueId}|${pair}`);
  }

  /**
   * The best plan of a market inside the risk limits: sized down to the notional and inventory limits, then
   * checked (stop signals, exposure of the market, limits); a refusal is logged once per change of reason.
   */
  private plan(market: string, snapshots: VenueSnapshot[]): Opportunity | undefined {
    const config = this.opts.config ?? DEFAULT_ARBITRAGE_CONFIG;
    const risk = this.opts.risk;
    let best = findOpportunities(snapshots, config)[0];
    if (best && risk) {
      const base = best.buy.pair.split("/")[0]!;
      const cap = maxPlanAmount(risk.limits, best.buy.limitPrice, base, this.held.get(`${best.buy.venueId}|${base}`));
      if (best.amount > cap) {
        const capped = findOpportunities(snapshots, { ...config, maxAmount: cap });
        best =
          capped.find((o) => o.buy.venueId === best!.buy.venueId && o.sell.venueId === best!.sell.venueId) ?? capped[0];
      }
    }
    if (!best || !risk) return best;
    const reason = risk.planRefusal(best, (venueId, asset) => this.held.get(`${venueId}|${asset}`));
    if (reason) {
      if (this.refused.get(market) !== reason)
        this.opts.log?.info({ market, reason }, `no campaign on ${market}: ${reason}`);
      this.refused.set(market, reason);
      return undefined;
    }
    this.refused.delete(market);
    return best;
  }

  /**
   * Working capital the campaign's plan needs, in deposit-asset base units: the buy leg's worst-case cost
   * (`buyCapitalWad`), quote wad -> 6 decimals rounded up (the venues' quote currency counts 1:1 as the vault's
   * stablecoin). 0 when this process has no plan for it (it will not trade).
   */
  workingCapital(job: CampaignJob): bigint {
    const stored = this.opts.journal.getCursor(PLAN_KEY(job.id));
    const plan = stored ? fromJson<Opportunity>(stored) : this.plans.get(job.id);
    if (!plan) return 0n;
    return quoteWadToDepositUnits(buyCapitalWad(plan.buy.amount, plan.buy.limitPrice, plan.buy.expectedQuote));
  }

  /**
   * Executes the campaign's plan. The plan is journalled before the first order; a re-run after a crash uses
   * the journalled plan, so the executor derives the same client order ids and the venue returns the orders it
   * already has (no order is sent twice). Every order is journalled (`intent`) before it is sent.
   */
  /**
   * Clock time at which the campaign's orders stop: `executionMarginSeconds` (risk limits; default 30) before the
   * claim expires, measured in chain seconds from the chain time the dispatcher read. Throws when the claim leaves
   * no time at all. Undefined when the job carries no claim (tests of the flow).
   */
  private deadline(job: CampaignJob): number | undefined {
    if (job.claimDeadline === undefined || job.chainNow === undefined) return undefined;
    const margin = BigInt(this.opts.risk?.limits.executionMarginSeconds ?? 30);
    const left = job.claimDeadline - job.chainNow - margin;
    if (left <= 0n) {
      throw new NothingExecutedError(
        `campaign ${job.id}: claim expires in ${job.claimDeadline - job.chainNow} s, inside the execution margin of ${margin} s`,
      );
    }
    return (this.opts.clock ?? systemClock).now() + Number(left) * 1000;
  }

  async execute(job: CampaignJob): Promise<{ receiptId: bigint }> {
    const { journal } = this.opts;
    // The fills of an earlier run are recorded as they were (same entries, same root): never a second version.
    const built = journal.getCursor(TRACE_KEY(job.id));
    if (built) return this.opts.poster.post(fromJson<CampaignTrace>(built));
    const stored = journal.getCursor(PLAN_KEY(job.id));
    const plan = stored ? fromJson<Opportunity>(stored) : this.plans.get(job.id);
    if (!plan) throw new NothingExecutedError(`no plan for campaign ${job.id} (detected by another process)`);
    if (!stored) journal.setCursor(PLAN_KEY(job.id), toJson(plan));
    // Orders journalled by an earlier (crashed) run of this campaign: ask the venue by client order id before
    // placing them again (venues only refuse a duplicate id while the first order is open; IOC orders close at once).
    const earlier = new Set(journal.ordersOfCampaign(job.id).map((o) => o.clientOrderId));
    const venues = earlier.size === 0 ? this.venues : reconcilingVenues(this.venues, earlier);
    const deadline = this.deadline(job);
    const { risk, safety } = this.opts;
    const journalIntent = (o: OrderRequest & { venueId: string }) => {
      if (journal.getOrder(o.clientOrderId)) return; // the same order again after a restart: already journalled
      journal.recordOrderIntent({
        clientOrderId: o.clientOrderId,
        campaignId: job.id,
        venue: o.venueId,
        pair: o.pair,
        side: o.side,
        amount: o.amount.toString(),
        limitPrice: o.limitPrice.toString(),
      });
    };
    // Every order: the risk controls (stop signals, exposure, limits), the safety rules, then the journal.
    const guards = [risk?.guard, safety?.guard, journalIntent].filter((g) => g !== undefined);
    const report = await executeArbitrage(venues, plan, job.id, {
      ...this.opts.execution,
      unwindSlippageBps: this.unwindBps,
      deadline,
      onEvent: (e) => {
        const line = { campaignId: job.id, ...e };
        // What needs a person: an exposed position, an order that failed; the rest is the execution's trail.
        if (e.kind === "exposed") this.opts.log?.error(line, `execution exposed: ${e.message}`);
        else if (e.kind === "error" || e.kind === "deadline")
          this.opts.log?.warn(line, `execution ${e.kind}: ${e.message}`);
        else this.opts.log?.debug(line, `execution ${e.kind}: ${e.message}`);
      },
      guard: composeGuards(...guards),
    });
    risk?.recordExecution(plan, report);
    await safety?.recordExecution(plan.market, report);
    for (const o of report.orders) {
      const current = journal.getOrder(o.clientOrderId);
      if (!current || TERMINAL_ORDER_STATES.has(current.state)) continue; // not journalled (bridge), or final
      journal.updateOrder(o.clientOrderId, orderState(o), { exchangeOrderId: o.id, filled: o.filled.toString() });
    }
    const fills = report.orders.filter((o) => o.filled > 0n);
    if (fills.length === 0) throw new NothingExecutedError(`campaign ${job.id}: nothing filled (${report.status})`);
    const trace = campaignTrace(job, fills, this.venues);
    journal.setCursor(TRACE_KEY(job.id), toJson(trace)); // durable before it is recorded and posted
    return this.opts.poster.post(trace);
  }
}

/** Venues whose `placeOrder` first looks the client order id up when it is in `earlier`, and adopts what exists. */
function reconcilingVenues(venues: Record<string, Venue>, earlier: ReadonlySet<string>): Record<string, Venue> {
  const out: Record<string, Venue> = {};
  for (const [id, venue] of Object.entries(venues)) {
    out[id] = new Proxy(venue, {
      get(target, prop, receiver) {
        if (prop !== "placeOrder") {
          const value = Reflect.get(target, prop, receiver) as unknown;
          return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        }
        return async (req: OrderRequest): Promise<Order> => {
          if (earlier.has(req.clientOrderId)) {
            const existing = await target.fetchOrderByClientId(req.pair, req.clientOrderId);
            if (existing) return existing;
          }
          return target.placeOrder(req);
        };
      },
    });
  }
  return out;
}

function orderState(o: Order): OrderState {
  if (o.status === "closed") return "filled";
  if (o.status === "canceled") return "cancelled"; // IOC remainder expired; `filled` keeps what traded
  if (o.status === "rejected") return "rejected";
  return o.filled > 0n ? "partiallyFilled" : "open";
}

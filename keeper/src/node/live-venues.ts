/**
 * The live path's bookkeeping around every venue of `keeper run`: each order the keeper sends, and each answer
 * about it, updates the journal (an order never stays `intent` once its placement returned or failed) and the
 * metrics (`keeper_orders_total`, `keeper_fills_total`, `keeper_filled_base_total`, `keeper_filled_quote_total`,
 * `keeper_pnl`, `keeper_order_latency_seconds`). Rules: docs/SPECIFICATION.md "Keeper node / Metrics and health".
 *
 * Fills are counted from the venue's own figures, once per order: the first answer that shows an order's fill
 * (placement, lookup, cancel) adds its filled base, notional and fee; a later answer adds only what grew.
 * `keeper_pnl` is the quote value of the keeper's fills: sum of sell notionals - sum of buy notionals - fees
 * (fees in quote value), i.e. the realised PnL once the keeper is flat in the base asset.
 */
import type { Logger } from "pino";
import { InsufficientFundsError, InvalidOrderError, OrderNotFoundError, VenueError } from "../execution/errors.js";
import { fromWad } from "../execution/fixed.js";
import type { Order, OrderRequest, Venue } from "../execution/venue.js";
import { TERMINAL_ORDER_STATES, type Journal, type OrderState } from "./journal.js";
import type { Metrics } from "./metrics.js";

/** Exact totals of the fills counted (wad), beside the float metrics. */
export interface FillTotals {
  orders: number;
  base: bigint;
  quote: bigint;
  fees: bigint;
  pnl: bigint;
}

export interface LiveVenueOptions {
  journal: Journal;
  metrics: Metrics;
  log?: Logger;
  now?: () => number;
}

/** A journal state for what the venue says of an order. */
export function journalStateOf(o: Order): OrderState {
  if (o.status === "closed") return "filled";
  if (o.status === "canceled") return "cancelled"; // IOC remainder expired; `filled` keeps what traded
  if (o.status === "rejected") return "rejected";
  return o.filled > 0n ? "partiallyFilled" : "open";
}

/** Counts fills once per order across all the keeper's venues. */
export class FillLedger {
  /** Per venue and order id: filled base, notional and fee already counted. */
  private readonly seen = new Map<string, { filled: bigint; cost: bigint; fee: bigint }>();
  readonly totals: FillTotals = { orders: 0, base: 0n, quote: 0n, fees: 0n, pnl: 0n };

  constructor(private readonly metrics: Metrics) {}

  observe(o: Order): void {
    if (o.filled <= 0n) return;
    const key = `${o.venueId}\u0000${o.id || o.clientOrderId}`;
    const before = this.seen.get(key) ?? { filled: 0n, cost: 0n, fee: 0n };
    if (o.filled <= before.filled) return;
    const d = { filled: o.filled - before.filled, cost: o.cost - before.cost, fee: o.fee - before.fee };
    this.seen.set(key, { filled: o.filled, cost: o.cost, fee: o.fee });
    const pnl = (o.side === "sell" ? d.cost : -d.cost) - d.fee;
    if (before.filled === 0n) {
      this.totals.orders++;
      this.metrics.fills.inc({ venue: o.venueId });
    }
    this.totals.base += d.filled;
    this.totals.quote += d.cost;
    this.totals.fees += d.fee;
    this.totals.pnl += pnl;
    this.metrics.filledBase.inc({ venue: o.venueId, side: o.side }, Number(fromWad(d.filled)));
    this.metrics.filledQuote.inc({ venue: o.venueId, side: o.side }, Number(fromWad(d.cost)));
    this.metrics.pnl.set(Number(fromWad(this.totals.pnl)));
  }
}

/**
 * Wraps every venue of the keeper (see the module comment); one ledger counts fills across all of them. Each wrapper
 * is a proxy of its venue (same class, steps, fees, health), with the order calls going through `LiveVenue`.
 */
export function liveVenues<T extends Record<string, Venue>>(venues: T, opts: LiveVenueOptions): T {
  const ledger = new FillLedger(opts.metrics);
  const out: Record<string, Venue> = {};
  for (const [id, venue] of Object.entries(venues)) {
    const live = new LiveVenue(venue, ledger, opts);
    out[id] = new Proxy(venue, {
      get(target, prop, receiver) {
        if (prop === "placeOrder" || prop === "cancelOrder" || prop === "fetchOrder" || prop === "fetchOrderByClientId")
          return live[prop].bind(live);
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }
  return out as T;
}

/** The order calls of one live venue: journal and metrics after each answer. */
export class LiveVenue {
  readonly id: string;

  constructor(
    readonly inner: Venue,
    readonly ledger: FillLedger,
    private readonly opts: LiveVenueOptions,
  ) {
    this.id = inner.id;
  }

  async placeOrder(req: OrderRequest): Promise<Order> {
    const { metrics } = this.opts;
    const now = this.opts.now ?? Date.now;
    const started = now();
    let order: Order;
    try {
      order = await this.inner.placeOrder(req);
    } catch (err) {
      metrics.orders.inc({ venue: this.id, side: req.side, outcome: "failed" });
      await this.settleFailed(req, err);
      throw err;
    }
    metrics.orderLatency.observe((now() - started) / 1000);
    metrics.orders.inc({ venue: this.id, side: req.side, outcome: outcomeOf(order) });
    this.seen(order);
    return order;
  }

  async cancelOrder(pair: string, id: string): Promise<Order> {
    return this.seen(await this.inner.cancelOrder(pair, id));
  }

  async fetchOrder(pair: string, id: string): Promise<Order> {
    return this.seen(await this.inner.fetchOrder(pair, id));
  }

  async fetchOrderByClientId(pair: string, clientOrderId: string): Promise<Order | undefined> {
    const o = await this.inner.fetchOrderByClientId(pair, clientOrderId);
    return o ? this.seen(o) : undefined;
  }

  /** Counts the order's new fills and moves its journal entry to what the venue says. */
  private seen(o: Order): Order {
    this.ledger.observe(o);
    this.journal(o.clientOrderId, journalStateOf(o), { exchangeOrderId: o.id, filled: o.filled.toString() });
    return o;
  }

  /**
   * A placement that failed: refused by the venue (invalid, insufficient funds) -> `rejected`; otherwise it may have
   * reached the venue: asked by client order id once, its answer adopted (`notFound` when the venue has no such
   * order), and `sent` when even that fails (the next start reconciles it).
   */
  private async settleFailed(req: OrderRequest, err: unknown): Promise<void> {
    if (err instanceof InvalidOrderError && !(err instanceof OrderNotFoundError)) {
      this.journal(req.clientOrderId, "rejected");
      return;
    }
    if (err instanceof InsufficientFundsError) {
      this.journal(req.clientOrderId, "rejected");
      return;
    }
    try {
      const found = await this.inner.fetchOrderByClientId(req.pair, req.clientOrderId);
      if (found) this.seen(found);
      else this.journal(req.clientOrderId, "notFound");
    } catch (lookupErr) {
      this.journal(req.clientOrderId, "sent");
      this.opts.log?.warn(
        {
          clientOrderId: req.clientOrderId,
          venue: this.id,
          err: lookupErr instanceof VenueError ? lookupErr.shortMessage : String(lookupErr),
        },
        "order outcome unknown after a failed placement: left `sent` until reconciled",
      );
    }
  }

  private journal(clientOrderId: string, state: OrderState, update?: { exchangeOrderId?: string; filled?: string }) {
    const { journal } = this.opts;
    const current = journal.getOrder(clientOrderId);
    if (!current) return; // not an order of a campaign (a test's or a bridge's)
    if (current.state === state && update?.filled === current.filled) return;
    if (TERMINAL_ORDER_STATES.has(current.state) && !journal.canSupersede(current.state)) return;
    journal.updateOrder(clientOrderId, state, update);
  }
}

function outcomeOf(o: Order): string {
  if (o.status === "rejected") return "rejected";
  if (o.filled === 0n) return o.status === "open" ? "open" : "unfilled";
  return o.filled >= o.amount ? "filled" : "partial";
}

/**
 * Fresh books for the arbitrage hot path (docs/SPECIFICATION.md "Keeper node / Standing arbitrage window"): the node's
 * tick reads every venue's book and balances; an arbitrage run that starts right after reads them again before it
 * plans its orders. When the tick's read is at most `maxAgeMs` old, the run takes it instead of a second round trip.
 * Any order this keeper places or cancels on a venue drops that venue's reads (its balances changed).
 */
import type { OrderBook, Venue } from "../execution/venue.js";

interface Held<T> {
  at: number;
  value: T;
}

export class FreshReads {
  private readonly books = new Map<string, Held<OrderBook>>();
  private readonly balances = new Map<string, Held<Awaited<ReturnType<Venue["balances"]>>>>();
  /** Reads served from the tick's (tests, metrics). */
  hits = 0;
  /** Reads that went to the venue because the tick's read was missing or too old. */
  misses = 0;

  constructor(
    private readonly maxAgeMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** `venue` as the tick reads it: every read goes to the venue and is kept. */
  recording(venue: Venue): Venue {
    return this.view(venue, false);
  }

  /** `venue` as a run reads it: a kept read at most `maxAgeMs` old is served, else the venue's. */
  serving(venue: Venue): Venue {
    return this.view(venue, true);
  }

  private view(venue: Venue, serve: boolean): Venue {
    const key = (pair: string, depth?: number) => `${venue.id}|${pair}|${depth ?? ""}`;
    const fresh = <T>(held: Held<T> | undefined): held is Held<T> =>
      held !== undefined && this.maxAgeMs > 0 && this.now() - held.at <= this.maxAgeMs;
    const drop = () => {
      for (const k of [...this.books.keys()]) if (k.startsWith(`${venue.id}|`)) this.books.delete(k);
      this.balances.delete(venue.id);
    };
    const overrides: Partial<Venue> = {
      fetchOrderBook: async (pair, depth) => {
        const k = key(pair, depth);
        const held = this.books.get(k);
        if (serve && fresh(held)) {
          this.hits++;
          return held.value;
        }
        if (serve) this.misses++;
        const at = this.now();
        const value = await venue.fetchOrderBook(pair, depth);
        this.books.set(k, { at, value });
        return value;
      },
      balances: async () => {
        const held = this.balances.get(venue.id);
        if (serve && fresh(held)) return held.value;
        const at = this.now();
        const value = await venue.balances();
        this.balances.set(venue.id, { at, value });
        return value;
      },
      placeOrder: async (req) => {
        drop();
        try {
          return await venue.placeOrder(req);
        } finally {
          drop();
        }
      },
      cancelOrder: async (pair, id) => {
        drop();
        try {
          return await venue.cancelOrder(pair, id);
        } finally {
          drop();
        }
      },
    };
    return new Proxy(venue, {
      get(target, prop) {
        if (Object.prototype.hasOwnProperty.call(overrides, prop)) return overrides[prop as keyof Venue];
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  }
}

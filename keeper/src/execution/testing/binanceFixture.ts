/**
 * Test fixture (not the product simulator): a tiny node:http server that answers the handful of
 * Binance spot endpoints the CcxtVenue uses, with Binance-shaped JSON, so that an unmodified
 * `ccxt.binance` talks to it. It keeps one static book per symbol, fills IOC/GTC limit orders against
 * it (no resting-order matching), tracks balances, and can inject faults (status codes, delays).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import ccxt, { type Exchange } from "ccxt";

export interface FixtureSymbol {
  base: string;
  quote: string;
  tickSize: string;
  stepSize: string;
  /** [price, qty] best first */
  bids: [number, number][];
  asks: [number, number][];
}

export interface Fault {
  method: string;
  path: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Process the request first, then answer with the fault (a response lost after execution). */
  afterExecute?: boolean;
  /** Delay before answering, in ms. */
  delayMs?: number;
}

interface FixtureOrder {
  symbol: string;
  orderId: number;
  clientOrderId: string;
  price: string;
  origQty: string;
  executedQty: string;
  cummulativeQuoteQty: string;
  status: string;
  timeInForce: string;
  type: string;
  side: string;
  time: number;
  /** Fee charged, in the quote asset (served by `myTrades`, as Binance's order query has no fills). */
  commission: number;
}

export class BinanceFixture {
  readonly symbols: Record<string, FixtureSymbol>;
  readonly balances: Record<string, { free: number; locked: number }>;
  readonly orders: FixtureOrder[] = [];
  readonly faults: Fault[] = [];
  readonly requests: { method: string; path: string }[] = [];
  private server?: Server;
  private nextId = 1;
  feeRate = 0.001;

  constructor(symbols: Record<string, FixtureSymbol>, balances: Record<string, number>) {
    this.symbols = symbols;
    this.balances = Object.fromEntries(Object.entries(balances).map(([a, v]) => [a, { free: v, locked: 0 }]));
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server!.close((e) => (e ? reject(e) : resolve())));
  }

  /** An unmodified ccxt.binance whose URLs point at this fixture. */
  client(baseUrl: string): Exchange {
    const ex = new ccxt.binance({
      apiKey: "fixture-key",
      secret: "fixture-secret",
      enableRateLimit: false,
      timeout: 500,
      options: { fetchMarkets: { types: ["spot"] }, fetchCurrencies: false, fetchMargins: false },
    });
    const api = ex.urls["api"] as Record<string, string>;
    for (const key of Object.keys(api)) api[key] = api[key].replace(/^https?:\/\/[^/]+/, baseUrl);
    return ex;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const params = new URLSearchParams(url.search);
    for (const [k, v] of new URLSearchParams(Buffer.concat(chunks).toString())) params.set(k, v);
    const method = req.method ?? "GET";
    this.requests.push({ method, path: url.pathname });
    const faultIdx = this.faults.findIndex((f) => f.method === method && f.path === url.pathname);
    const fault = faultIdx >= 0 ? this.faults.splice(faultIdx, 1)[0] : undefined;
    const send = async (status: number, body: unknown, headers: Record<string, string> = {}) => {
      if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (res.destroyed) return;
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(body));
    };
    if (fault && !fault.afterExecute)
      return send(fault.status, fault.body ?? { code: -1000, msg: "fault" }, fault.headers);
    const [status, body] = this.route(method, url.pathname, params);
    if (fault) return send(fault.status, fault.body ?? { code: -1000, msg: "fault" }, fault.headers);
    return send(status, body);
  }

  private route(method: string, path: string, p: URLSearchParams): [number, unknown] {
    const key = `${method} ${path}`;
    if (key === "GET /api/v3/exchangeInfo") {
      return [
        200,
        {
          timezone: "UTC",
          serverTime: Date.now(),
          rateLimits: [],
          symbols: Object.entries(this.symbols).map(([symbol, s]) => ({
            symbol,
            status: "TRADING",
            baseAsset: s.base,
            baseAssetPrecision: 8,
            quoteAsset: s.quote,
            quotePrecision: 8,
            quoteAssetPrecision: 8,
            orderTypes: ["LIMIT", "LIMIT_MAKER", "MARKET"],
            isSpotTradingAllowed: true,
            isMarginTradingAllowed: false,
            permissions: ["SPOT"],
            filters: [
              { filterType: "PRICE_FILTER", minPrice: s.tickSize, maxPrice: "1000000", tickSize: s.tickSize },
              { filterType: "LOT_SIZE", minQty: s.stepSize, maxQty: "100000", stepSize: s.stepSize },
            ],
          })),
        },
      ];
    }
    if (key === "GET /api/v3/depth") {
      const s = this.symbols[p.get("symbol") ?? ""];
      if (!s) return [400, { code: -1121, msg: "Invalid symbol." }];
      const fmt = (l: [number, number][]) => l.map(([px, q]) => [String(px), String(q)]);
      return [200, { lastUpdateId: 1, bids: fmt(s.bids), asks: fmt(s.asks) }];
    }
    if (key === "GET /api/v3/account") {
      return [
        200,
        {
          makerCommission: 10,
          takerCommission: 10,
          canTrade: true,
          accountType: "SPOT",
          balances: Object.entries(this.balances).map(([asset, b]) => ({
            asset,
            free: String(b.free),
            locked: String(b.locked),
          })),
          permissions: ["SPOT"],
        },
      ];
    }
    if (key === "POST /api/v3/order") return this.placeOrder(p);
    if (key === "GET /api/v3/myTrades") {
      const s = this.symbols[p.get("symbol") ?? ""];
      const trades = this.orders
        .filter((o) => o.symbol === p.get("symbol") && String(o.orderId) === p.get("orderId"))
        .filter((o) => Number(o.executedQty) > 0)
        .map((o) => ({
          symbol: o.symbol,
          id: o.orderId,
          orderId: o.orderId,
          price: String(Number(o.cummulativeQuoteQty) / Number(o.executedQty)),
          qty: o.executedQty,
          quoteQty: o.cummulativeQuoteQty,
          commission: String(o.commission),
          commissionAsset: s?.quote ?? "USDT",
          time: o.time,
          isBuyer: o.side === "BUY",
          isMaker: false,
          isBestMatch: true,
        }));
      return [200, trades];
    }
    if (key === "GET /api/v3/order" || key === "DELETE /api/v3/order") {
      const order = this.orders.find((o) =>
        p.get("origClientOrderId")
          ? o.clientOrderId === p.get("origClientOrderId")
          : String(o.orderId) === p.get("orderId"),
      );
      if (!order) return [400, { code: -2013, msg: "Order does not exist." }];
      if (method === "DELETE") {
        if (order.status !== "NEW" && order.status !== "PARTIALLY_FILLED") {
          return [400, { code: -2011, msg: "Unknown order sent." }];
        }
        order.status = "CANCELED";
      }
      const { commission: _fee, ...answer } = order;
      void _fee;
      return [200, { ...answer, updateTime: Date.now(), isWorking: true }];
    }
    return [404, { code: -1, msg: `no route ${key}` }];
  }

  private placeOrder(p: URLSearchParams): [number, unknown] {
    const symbol = p.get("symbol") ?? "";
    const s = this.symbols[symbol];
    if (!s) return [400, { code: -1121, msg: "Invalid symbol." }];
    const clientOrderId = p.get("newClientOrderId") ?? `auto${this.nextId}`;
    if (this.orders.some((o) => o.clientOrderId === clientOrderId)) {
      return [400, { code: -2010, msg: "Duplicate order sent." }];
    }
    const side = p.get("side") ?? "";
    const qty = Number(p.get("quantity"));
    const price = Number(p.get("price"));
    const tif = p.get("timeInForce") ?? "GTC";
    const levels = side === "BUY" ? s.asks : s.bids;
    let filled = 0;
    let quote = 0;
    for (const level of levels) {
      const crosses = side === "BUY" ? level[0] <= price : level[0] >= price;
      if (!crosses || filled >= qty) break;
      const take = Math.min(level[1], qty - filled);
      filled += take;
      quote += take * level[0];
    }
    const fee = quote * this.feeRate;
    if (side === "BUY" && this.balances[s.quote].free < quote + fee) {
      return [400, { code: -2010, msg: "Account has insufficient balance for requested action." }];
    }
    if (side === "SELL" && this.balances[s.base].free < qty) {
      return [400, { code: -2010, msg: "Account has insufficient balance for requested action." }];
    }
    // Consume the book and move balances.
    let left = filled;
    for (const level of levels) {
      const take = Math.min(level[1], left);
      level[1] -= take;
      left -= take;
    }
    const remainingLevels = levels.filter((l) => l[1] > 1e-12);
    levels.splice(0, levels.length, ...remainingLevels);
    if (side === "BUY") {
      this.balances[s.quote].free -= quote + fee;
      this.balances[s.base].free += filled;
    } else {
      this.balances[s.base].free -= filled;
      this.balances[s.quote].free += quote - fee;
    }
    const status = filled >= qty ? "FILLED" : tif === "IOC" ? "EXPIRED" : filled > 0 ? "PARTIALLY_FILLED" : "NEW";
    const order: FixtureOrder = {
      symbol,
      orderId: this.nextId++,
      clientOrderId,
      price: p.get("price") ?? "0",
      origQty: p.get("quantity") ?? "0",
      executedQty: String(filled),
      cummulativeQuoteQty: String(quote),
      status,
      timeInForce: tif,
      type: p.get("type") ?? "LIMIT",
      side,
      time: Date.now(),
      commission: fee,
    };
    this.orders.push(order);
    const { commission: _fee, ...answer } = order;
    void _fee;
    return [200, { ...answer, transactTime: order.time, orderListId: -1 }];
  }
}

/**
 * OKX v5 REST dialect (`/api/v5/...`): `OK-ACCESS-*` headers with a base64 HMAC-SHA256 of
 * `timestamp + method + requestPath + body` and a passphrase, `{code, msg, data}` envelopes, per-order
 * `sCode`/`sMsg` results, and OKX's error codes, so an unmodified `ccxt.okx` raises its usual typed errors.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Market, Order, OrderRef, OrderType, PlaceOrderRequest, Side, TimeInForce, Trade } from "../engine.js";
import { SimRejectError } from "../errors.js";
import { formatTrim } from "../money.js";
import type { AccountConfig, Endpoint } from "../scenario.js";
import type { AdapterContext, DialectAdapter, Route, SimRequest, SimResponse } from "./server.js";

const TIMESTAMP_WINDOW_MS = 30_000;
const CLIENT_ID = /^[A-Za-z0-9]{1,32}$/;

const ok = (data: unknown[]): SimResponse => ({ status: 200, body: { code: "0", msg: "", data } });
const fail = (status: number, code: string, msg: string): SimResponse => ({ status, body: { code, msg, data: [] } });

const ORD_TYPES: Record<string, { type: OrderType; tif?: TimeInForce }> = {
  limit: { type: "LIMIT", tif: "GTC" },
  market: { type: "MARKET" },
  post_only: { type: "LIMIT_MAKER" },
  ioc: { type: "LIMIT", tif: "IOC" },
  fok: { type: "LIMIT", tif: "FOK" },
};

export class OkxAdapter implements DialectAdapter {
  readonly dialect = "okx" as const;
  private readonly byKey: Map<string, AccountConfig>;
  private readonly idToSymbol = new Map<string, string>();

  constructor(private readonly ctx: AdapterContext) {
    this.byKey = new Map(ctx.accounts.map((a) => [a.apiKey, a]));
    for (const m of ctx.exchange.markets()) this.idToSymbol.set(`${m.base.code}-${m.quote.code}`, m.symbol);
  }

  route(req: SimRequest): Route | undefined {
    const key = `${req.method} ${req.path.replace(/\/+$/, "")}`;
    const apiKey = header(req, "ok-access-key");
    const pub = (endpoint: Endpoint, fn: (p: URLSearchParams) => SimResponse): Route => ({
      endpoint,
      handle: () => fn(req.query),
    });
    const priv = (endpoint: Endpoint, fn: (account: string, maxFillRatio?: number) => SimResponse): Route => ({
      endpoint,
      clientKey: apiKey,
      handle: (fault) => {
        const auth = this.authenticate(req);
        if ("status" in auth) return auth;
        return fn(auth.name, fault.kind === "partialFill" ? fault.fillRatio : undefined);
      },
    });
    switch (key) {
      case "GET /api/v5/public/time":
        return pub("time", () => ok([{ ts: String(this.ctx.wallNow()) }]));
      case "GET /api/v5/public/instruments":
        return pub("markets", (p) => this.instruments(p));
      case "GET /api/v5/market/books":
        return pub("orderBook", (p) => this.books(p));
      case "GET /api/v5/market/ticker":
        return pub("ticker", (p) => ok([this.ticker(this.market(p.get("instId")))]));
      case "GET /api/v5/market/tickers":
        return pub("ticker", (p) => this.tickers(p));
      case "GET /api/v5/asset/currencies":
        return priv("currencies", () => this.currencies());
      case "POST /api/v5/trade/order":
        return priv("createOrder", (a, r) => this.placeBatch(req, a, r, false));
      case "POST /api/v5/trade/batch-orders":
        return priv("createOrder", (a, r) => this.placeBatch(req, a, r, true));
      case "POST /api/v5/trade/cancel-order":
        return priv("cancelOrder", (a) => this.cancelOrder(req, a));
      case "POST /api/v5/trade/cancel-batch-orders":
        return priv("cancelOrder", (a) => this.cancelBatch(req, a));
      case "GET /api/v5/trade/orders-history":
        return priv("allOrders", (a) => this.history(req.query, a));
      case "GET /api/v5/trade/order":
        return priv("getOrder", (a) => this.getOrder(req.query, a));
      case "GET /api/v5/trade/orders-pending":
        return priv("openOrders", (a) => this.pending(req.query, a));
      case "GET /api/v5/trade/fills":
      case "GET /api/v5/trade/fills-history":
        return priv("myTrades", (a) => this.fills(req.query, a));
      case "GET /api/v5/account/trade-fee":
        return priv("tradingFee", () => this.tradeFee(req.query));
      case "GET /api/v5/account/balance":
        return priv("balance", (a) => this.balance(req.query, a));
      default:
        return undefined;
    }
  }

  notFound(req: SimRequest): SimResponse {
    return { status: 404, body: { code: "404", msg: `Not Found: ${req.method} ${req.path}`, data: [] } };
  }

  rateLimited(retryAfterMs: number): SimResponse {
    return {
      status: 429,
      headers: { "retry-after": String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
      body: { code: "50011", msg: "Too Many Requests", data: [] },
    };
  }

  banned(untilMs: number): SimResponse {
    return {
      status: 429,
      headers: { "retry-after": String(Math.max(1, Math.ceil((untilMs - this.ctx.now()) / 1000))) },
      body: { code: "50011", msg: `Requests too frequent; access restricted until ${untilMs}`, data: [] },
    };
  }

  reject(e: SimRejectError, endpoint: Endpoint): SimResponse {
    const [code, msg] = this.code(e, endpoint);
    if (endpoint === "createOrder" || endpoint === "cancelOrder")
      return {
        status: 200,
        body: {
          code: "1",
          msg: "All operations failed",
          data: [{ ordId: "", clOrdId: "", sCode: code, sMsg: msg, ts: String(this.ctx.now()) }],
        },
      };
    return fail(200, code, msg);
  }

  private code(e: SimRejectError, endpoint: Endpoint): [string, string] {
    switch (e.reason) {
      case "INSUFFICIENT_BALANCE":
        return ["51008", "Order failed. Insufficient balance."];
      case "UNKNOWN_SYMBOL":
        return ["51001", "Instrument ID does not exist"];
      case "UNKNOWN_ORDER":
        return endpoint === "cancelOrder"
          ? ["51400", "Order cancellation failed as the order has been filled, canceled or does not exist"]
          : ["51603", "Order does not exist"];
      case "DUPLICATE_CLIENT_ORDER_ID":
        return ["51016", "Duplicated clOrdId"];
      case "LOT_SIZE":
        return ["51121", "Order quantity must be a multiple of the lot size."];
      case "MIN_NOTIONAL":
        return ["51020", "Your order should meet or exceed the minimum order amount."];
      case "PRICE_FILTER":
        return ["51000", "Parameter px error"];
      case "WOULD_TAKE":
        return ["51000", "Parameter ordType error: a post_only order would take liquidity"];
      case "REJECTED":
        return ["51006", e.shortMessage];
      case "BAD_PARAMETER":
        return ["51000", e.shortMessage];
    }
  }

  // ------------------------------------------------------------ authentication

  private authenticate(req: SimRequest): AccountConfig | SimResponse {
    const key = header(req, "ok-access-key");
    const sign = header(req, "ok-access-sign");
    const ts = header(req, "ok-access-timestamp");
    const pass = header(req, "ok-access-passphrase");
    if (!key) return fail(401, "50103", 'Request header "OK-ACCESS-KEY" cannot be empty.');
    if (!pass) return fail(401, "50104", 'Request header "OK-ACCESS-PASSPHRASE" cannot be empty.');
    if (!ts) return fail(401, "50107", 'Request header "OK-ACCESS-TIMESTAMP" cannot be empty.');
    if (!sign) return fail(401, "50106", 'Request header "OK-ACCESS-SIGN" cannot be empty.');
    const account = this.byKey.get(key);
    if (!account) return fail(401, "50111", "Invalid OK-ACCESS-KEY.");
    if (pass !== account.passphrase) return fail(401, "50105", 'Request header "OK-ACCESS-PASSPHRASE" incorrect.');
    const t = Date.parse(ts);
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(ts) || Number.isNaN(t))
      return fail(401, "50112", "Invalid OK-ACCESS-TIMESTAMP.");
    if (Math.abs(this.ctx.wallNow() - t) > TIMESTAMP_WINDOW_MS) return fail(401, "50102", "Timestamp request expired.");
    const expected = createHmac("sha256", account.secret)
      .update(ts + req.method + req.rawUrl + req.rawBody)
      .digest("base64");
    const given = Buffer.from(sign);
    if (given.length !== expected.length || !timingSafeEqual(given, Buffer.from(expected)))
      return fail(401, "50113", "Invalid Sign");
    return account;
  }

  // ------------------------------------------------------------ market data

  private market(instId: string | null | undefined): Market {
    if (!instId) throw new SimRejectError("BAD_PARAMETER", "Parameter instId can not be empty");
    const symbol = this.idToSymbol.get(instId);
    if (!symbol) throw new SimRejectError("UNKNOWN_SYMBOL", "Instrument ID does not exist");
    return this.ctx.exchange.market(symbol);
  }

  private instruments(p: URLSearchParams): SimResponse {
    const instType = p.get("instType");
    if (!instType) throw new SimRejectError("BAD_PARAMETER", "Parameter instType can not be empty");
    if (instType !== "SPOT") return ok([]);
    const ms = p.has("instId") ? [this.market(p.get("instId"))] : this.ctx.exchange.markets();
    return ok(
      ms.map((m) => ({
        instType: "SPOT",
        instId: `${m.base.code}-${m.quote.code}`,
        uly: "",
        instFamily: "",
        baseCcy: m.base.code,
        quoteCcy: m.quote.code,
        settleCcy: "",
        ctVal: "",
        ctMult: "",
        ctValCcy: "",
        optType: "",
        stk: "",
        listTime: "1606468572000",
        expTime: "",
        lever: "",
        tickSz: m.tickSize,
        lotSz: m.stepSize,
        minSz: formatTrim(m.minQty, m.qtyDecimals),
        ctType: "",
        alias: "",
        state: "live",
        maxLmtSz: "9999999999",
        maxMktSz: "1000000",
        maxLmtAmt: "20000000",
        maxMktAmt: "1000000",
        ruleType: "normal",
      })),
    );
  }

  private currencies(): SimResponse {
    return ok(
      this.ctx.exchange.assetList().map((a) => ({
        ccy: a.code,
        name: a.code,
        chain: `${a.code}-${a.code}`,
        canDep: false,
        canWd: false,
        canInternal: false,
        minWd: "0",
        maxWd: "0",
        wdTickSz: String(a.decimals),
        minFee: "0",
        maxFee: "0",
        mainNet: true,
      })),
    );
  }

  private books(p: URLSearchParams): SimResponse {
    const m = this.market(p.get("instId"));
    const sz = Math.min(400, Number(p.get("sz") ?? 1) || 1);
    const d = this.ctx.exchange.depth(m.symbol, sz);
    const lv = (l: { price: bigint; qty: bigint; count: number }): string[] => [
      formatTrim(l.price, m.priceDecimals),
      formatTrim(l.qty, m.qtyDecimals),
      "0",
      String(l.count),
    ];
    return ok([{ asks: d.asks.map(lv), bids: d.bids.map(lv), ts: String(this.ctx.now()) }]);
  }

  private ticker(m: Market): Record<string, string> {
    const ex = this.ctx.exchange;
    const s = ex.stats(m.symbol);
    const bid = ex.bestBid(m.symbol);
    const ask = ex.bestAsk(m.symbol);
    const px = (v: bigint | null | undefined): string =>
      v === null || v === undefined ? "" : formatTrim(v, m.priceDecimals);
    const qty = (v: bigint | null | undefined): string =>
      v === null || v === undefined ? "0" : formatTrim(v, m.qtyDecimals);
    return {
      instType: "SPOT",
      instId: `${m.base.code}-${m.quote.code}`,
      last: px(s.last),
      lastSz: qty(s.lastQty),
      askPx: px(ask?.price),
      askSz: qty(ask?.qty),
      bidPx: px(bid?.price),
      bidSz: qty(bid?.qty),
      open24h: px(s.open),
      high24h: px(s.high),
      low24h: px(s.low),
      volCcy24h: formatTrim(s.quoteVolume, m.quote.decimals),
      vol24h: formatTrim(s.volume, m.qtyDecimals),
      sodUtc0: px(s.open),
      sodUtc8: px(s.open),
      ts: String(this.ctx.now()),
    };
  }

  private tickers(p: URLSearchParams): SimResponse {
    const instType = p.get("instType");
    if (!instType) throw new SimRejectError("BAD_PARAMETER", "Parameter instType can not be empty");
    if (instType !== "SPOT") return ok([]);
    return ok(this.ctx.exchange.markets().map((m) => this.ticker(m)));
  }

  // ------------------------------------------------------------ trading

  private body(req: SimRequest): unknown {
    try {
      return JSON.parse(req.rawBody || "{}");
    } catch {
      throw new SimRejectError("BAD_PARAMETER", "Invalid JSON body");
    }
  }

  private placeBatch(req: SimRequest, account: string, maxFillRatio: number | undefined, batch: boolean): SimResponse {
    const raw = this.body(req);
    const list = batch ? raw : [raw];
    if (!Array.isArray(list) || list.length === 0 || list.length > 20)
      throw new SimRejectError("BAD_PARAMETER", "Parameter orders error: expected 1 to 20 orders");
    const results = list.map((o) => this.placeOne(o as Record<string, unknown>, account, maxFillRatio));
    const failed = results.filter((r) => r.sCode !== "0").length;
    const code = failed === 0 ? "0" : failed === results.length ? "1" : "2";
    return {
      status: 200,
      body: {
        code,
        msg:
          code === "0"
            ? ""
            : failed === results.length
              ? "All operations failed"
              : "Bulk operation partially succeeded",
        data: results,
      },
    };
  }

  private placeOne(o: Record<string, unknown>, account: string, maxFillRatio?: number): Record<string, string> {
    const clOrdId = typeof o.clOrdId === "string" ? o.clOrdId : "";
    const tag = typeof o.tag === "string" ? o.tag : "";
    const result = (ordId: string, sCode: string, sMsg: string): Record<string, string> => ({
      clOrdId,
      ordId,
      tag,
      ts: String(this.ctx.now()),
      sCode,
      sMsg,
    });
    try {
      const m = this.market(str(o.instId));
      const side = str(o.side);
      if (side !== "buy" && side !== "sell") throw new SimRejectError("BAD_PARAMETER", "Parameter side error");
      const mode = str(o.tdMode);
      if (mode !== "cash")
        throw new SimRejectError("BAD_PARAMETER", "Parameter tdMode error: this venue trades spot in cash mode only");
      const ot = ORD_TYPES[str(o.ordType) ?? ""];
      if (!ot) throw new SimRejectError("BAD_PARAMETER", "Parameter ordType error");
      if (clOrdId !== "" && !CLIENT_ID.test(clOrdId))
        throw new SimRejectError("BAD_PARAMETER", "Parameter clOrdId error");
      const sz = str(o.sz);
      if (!sz) throw new SimRejectError("BAD_PARAMETER", "Parameter sz can not be empty");
      // OKX: a spot market buy is sized in quote unless tgtCcy says base_ccy.
      const tgtCcy = str(o.tgtCcy) ?? (ot.type === "MARKET" && side === "buy" ? "quote_ccy" : "base_ccy");
      const req: PlaceOrderRequest = {
        account,
        symbol: m.symbol,
        side: side.toUpperCase() as Side,
        type: ot.type,
        timeInForce: ot.tif,
        price: ot.type === "MARKET" ? undefined : str(o.px),
        clientOrderId: clOrdId === "" ? undefined : clOrdId,
        maxFillRatio,
      };
      if (ot.type === "MARKET" && tgtCcy === "quote_ccy") {
        if (side !== "buy")
          throw new SimRejectError("BAD_PARAMETER", "Parameter tgtCcy error: quote_ccy only for market buys");
        req.quoteQuantity = sz;
      } else req.quantity = sz;
      if (ot.type !== "MARKET" && req.price === undefined)
        throw new SimRejectError("BAD_PARAMETER", "Parameter px can not be empty");
      const order = this.ctx.exchange.placeOrder(req);
      return result(String(order.id), "0", "Order placed");
    } catch (e) {
      if (!(e instanceof SimRejectError)) throw e;
      const [code, msg] = this.code(e, "createOrder");
      return result("", code, msg);
    }
  }

  private ref(p: { ordId?: string; clOrdId?: string }): OrderRef {
    if (p.ordId) {
      const id = Number(p.ordId);
      if (!Number.isSafeInteger(id)) throw new SimRejectError("BAD_PARAMETER", "Parameter ordId error");
      return { orderId: id };
    }
    if (p.clOrdId) return { clientOrderId: p.clOrdId };
    throw new SimRejectError("BAD_PARAMETER", "Either parameter ordId or clOrdId is required");
  }

  private cancelOrder(req: SimRequest, account: string): SimResponse {
    const b = this.body(req) as Record<string, unknown>;
    const m = this.market(str(b.instId));
    const o = this.ctx.exchange.cancelOrder(
      account,
      m.symbol,
      this.ref({ ordId: str(b.ordId), clOrdId: str(b.clOrdId) }),
    );
    return ok([{ clOrdId: o.clientOrderId, ordId: String(o.id), ts: String(this.ctx.now()), sCode: "0", sMsg: "" }]);
  }

  private cancelBatch(req: SimRequest, account: string): SimResponse {
    const list = this.body(req);
    if (!Array.isArray(list) || list.length === 0 || list.length > 20)
      throw new SimRejectError("BAD_PARAMETER", "Parameter orders error: expected 1 to 20 orders");
    const results = list.map((raw) => {
      const b = (raw ?? {}) as Record<string, unknown>;
      const ts = String(this.ctx.now());
      try {
        const m = this.market(str(b.instId));
        const o = this.ctx.exchange.cancelOrder(
          account,
          m.symbol,
          this.ref({ ordId: str(b.ordId), clOrdId: str(b.clOrdId) }),
        );
        return { clOrdId: o.clientOrderId, ordId: String(o.id), ts, sCode: "0", sMsg: "" };
      } catch (e) {
        if (!(e instanceof SimRejectError)) throw e;
        const [sCode, sMsg] = this.code(e, "cancelOrder");
        return { clOrdId: str(b.clOrdId) ?? "", ordId: str(b.ordId) ?? "", ts, sCode, sMsg };
      }
    });
    const failed = results.filter((r) => r.sCode !== "0").length;
    const code = failed === 0 ? "0" : failed === results.length ? "1" : "2";
    return { status: 200, body: { code, msg: "", data: results } };
  }

  private history(p: URLSearchParams, account: string): SimResponse {
    const instType = p.get("instType");
    if (!instType) throw new SimRejectError("BAD_PARAMETER", "Parameter instType can not be empty");
    if (instType !== "SPOT") return ok([]);
    const ms = p.has("instId") ? [this.market(p.get("instId"))] : this.ctx.exchange.markets();
    const state = p.get("state");
    const limit = Math.min(100, Number(p.get("limit") ?? 100) || 100);
    const rows = ms
      .flatMap((m) =>
        this.ctx.exchange
          .allOrders(account, m.symbol, { closedOnly: true, limit: 1_000_000 })
          .map((o) => this.order(o, m)),
      )
      .filter((o) => state === null || o.state === state)
      .sort((a, b) => Number(b.ordId) - Number(a.ordId));
    return ok(rows.slice(0, limit)); // newest first
  }

  private getOrder(p: URLSearchParams, account: string): SimResponse {
    const m = this.market(p.get("instId"));
    const o = this.ctx.exchange.getOrder(
      account,
      m.symbol,
      this.ref({ ordId: p.get("ordId") ?? undefined, clOrdId: p.get("clOrdId") ?? undefined }),
    );
    return ok([this.order(o, m)]);
  }

  private pending(p: URLSearchParams, account: string): SimResponse {
    const ms = p.has("instId") ? [this.market(p.get("instId"))] : this.ctx.exchange.markets();
    const orders = ms.flatMap((m) => this.ctx.exchange.openOrders(account, m.symbol).map((o) => this.order(o, m)));
    return ok(orders.reverse()); // newest first, as OKX lists them
  }

  private order(o: Order, m: Market): Record<string, string> {
    const ordType =
      o.type === "MARKET"
        ? "market"
        : o.type === "LIMIT_MAKER"
          ? "post_only"
          : o.timeInForce === "IOC"
            ? "ioc"
            : o.timeInForce === "FOK"
              ? "fok"
              : "limit";
    const state =
      o.status === "NEW"
        ? "live"
        : o.status === "PARTIALLY_FILLED"
          ? "partially_filled"
          : o.status === "FILLED"
            ? "filled"
            : "canceled";
    const last = o.fills.at(-1);
    const feeAsset = o.side === "BUY" ? m.base : m.quote;
    const fee = o.fills.reduce((s, f) => s + f.commission, 0n);
    const quoteSized = o.quoteQuantity !== null;
    const avg =
      o.executedQty > 0n ? Number(o.cumQuote) / Number(o.executedQty * m.notionalUnit) / 10 ** m.priceDecimals : 0;
    return {
      instType: "SPOT",
      instId: `${m.base.code}-${m.quote.code}`,
      ccy: "",
      ordId: String(o.id),
      clOrdId: o.clientOrderId,
      tag: "",
      px: o.price === null ? "" : formatTrim(o.price, m.priceDecimals),
      sz: quoteSized ? formatTrim(o.quoteQuantity!, m.quote.decimals) : formatTrim(o.quantity!, m.qtyDecimals),
      tgtCcy: quoteSized ? "quote_ccy" : o.type === "MARKET" ? "base_ccy" : "",
      pnl: "0",
      ordType,
      side: o.side === "BUY" ? "buy" : "sell",
      posSide: "net",
      tdMode: "cash",
      accFillSz: formatTrim(o.executedQty, m.qtyDecimals),
      fillPx: last ? formatTrim(last.price, m.priceDecimals) : "",
      tradeId: last ? String(last.tradeId) : "",
      fillSz: last ? formatTrim(last.qty, m.qtyDecimals) : "0",
      fillTime: last ? String(last.time) : "",
      avgPx: o.executedQty > 0n ? String(avg) : "",
      state,
      lever: "",
      feeCcy: feeAsset.code,
      fee: fee === 0n ? "0" : "-" + formatTrim(fee, feeAsset.decimals),
      rebateCcy: o.side === "BUY" ? m.quote.code : m.base.code,
      rebate: "0",
      category: "normal",
      reduceOnly: "false",
      source: "",
      cancelSource: "",
      uTime: String(o.updatedAt),
      cTime: String(o.createdAt),
    };
  }

  private fills(p: URLSearchParams, account: string): SimResponse {
    const instType = p.get("instType");
    if (instType && instType !== "SPOT") return ok([]);
    const ms = p.has("instId") ? [this.market(p.get("instId"))] : this.ctx.exchange.markets();
    const num = (k: string): number | undefined => (p.has(k) ? Number(p.get(k)) : undefined);
    const limit = Math.min(100, num("limit") ?? 100);
    const trades = ms
      .flatMap((m) =>
        this.ctx.exchange
          .myTrades(account, m.symbol, { startTime: num("begin"), endTime: num("end"), limit: 1_000_000 })
          .map((t) => this.fill(t, m)),
      )
      .sort((a, b) => Number(b.ts) - Number(a.ts) || Number(b.billId) - Number(a.billId));
    return ok(trades.slice(0, limit)); // newest first
  }

  private fill(t: Trade, m: Market): Record<string, string> {
    const feeAsset = t.commissionAsset === m.base.code ? m.base : m.quote;
    return {
      instType: "SPOT",
      instId: `${m.base.code}-${m.quote.code}`,
      tradeId: String(t.tradeId),
      ordId: String(t.orderId),
      clOrdId: t.clientOrderId,
      billId: String(t.tradeId * 2 + (t.isMaker ? 1 : 0)),
      tag: "",
      fillPx: formatTrim(t.price, m.priceDecimals),
      fillSz: formatTrim(t.qty, m.qtyDecimals),
      side: t.side === "BUY" ? "buy" : "sell",
      posSide: "net",
      execType: t.isMaker ? "M" : "T",
      feeCcy: feeAsset.code,
      fee: t.commission === 0n ? "0" : "-" + formatTrim(t.commission, feeAsset.decimals),
      ts: String(t.time),
      fillTime: String(t.time),
    };
  }

  private tradeFee(p: URLSearchParams): SimResponse {
    if (p.get("instType") !== "SPOT") throw new SimRejectError("BAD_PARAMETER", "Parameter instType error");
    if (p.has("instId")) this.market(p.get("instId"));
    const ex = this.ctx.exchange;
    const rate = (ppm: bigint): string => (ppm === 0n ? "0" : (-Number(ppm) / 1e6).toString()); // OKX: negative = charged
    return ok([
      {
        category: "1",
        delivery: "",
        exercise: "",
        instType: "SPOT",
        level: "Lv1",
        maker: rate(ex.makerFeePpm),
        taker: rate(ex.takerFeePpm),
        makerU: "",
        takerU: "",
        ts: String(this.ctx.now()),
      },
    ]);
  }

  private balance(p: URLSearchParams, account: string): SimResponse {
    const ex = this.ctx.exchange;
    const only = p.get("ccy")?.split(",");
    const now = String(this.ctx.now());
    const details = ex
      .balances(account)
      .filter((b) => (only ? only.includes(b.asset) : b.free + b.locked > 0n))
      .map((b) => {
        const d = ex.asset(b.asset).decimals;
        return {
          ccy: b.asset,
          eq: formatTrim(b.free + b.locked, d),
          cashBal: formatTrim(b.free + b.locked, d),
          availBal: formatTrim(b.free, d),
          frozenBal: formatTrim(b.locked, d),
          ordFrozen: formatTrim(b.locked, d),
          uTime: now,
        };
      });
    return ok([{ uTime: now, totalEq: "", details }]);
  }
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined;
}

function header(req: SimRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

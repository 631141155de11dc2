/**
 * Binance spot REST dialect (`/api/v3/...`): HMAC-SHA256 signed requests with `timestamp` and
 * `recvWindow`, Binance's JSON shapes and its `{code, msg}` errors, so an unmodified `ccxt.binance`
 * maps every refusal to the same typed error it raises against the real exchange.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Market, Order, OrderRef, OrderType, Side, TimeInForce, Trade } from "../engine.js";
import { SimRejectError } from "../errors.js";
import { formatUnits, pow10 } from "../money.js";
import type { AccountConfig, Endpoint } from "../scenario.js";
import type { AdapterContext, DialectAdapter, Route, SimRequest, SimResponse } from "./server.js";

const CLIENT_ID = /^[.A-Z:/a-z0-9_-]{1,36}$/;
const MAX_RECV_WINDOW = 60_000;

/** Binance prints amounts with 8 decimals. */
function f8(v: bigint, decimals: number): string {
  return decimals <= 8 ? formatUnits(v * pow10(8 - decimals), 8) : formatUnits(v, decimals);
}

const ok = (body: unknown): SimResponse => ({ status: 200, body });
const err = (status: number, code: number, msg: string): SimResponse => ({ status, body: { code, msg } });

export class BinanceAdapter implements DialectAdapter {
  readonly dialect = "binance" as const;
  private readonly byKey: Map<string, AccountConfig>;
  private readonly idToSymbol = new Map<string, string>();

  constructor(private readonly ctx: AdapterContext) {
    this.byKey = new Map(ctx.accounts.map((a) => [a.apiKey, a]));
    for (const m of ctx.exchange.markets()) this.idToSymbol.set(m.base.code + m.quote.code, m.symbol);
  }

  route(req: SimRequest): Route | undefined {
    const key = `${req.method} ${req.path.replace(/\/+$/, "")}`;
    const apiKey = header(req, "x-mbx-apikey");
    const pub = (endpoint: Endpoint, fn: (p: URLSearchParams) => SimResponse): Route => ({
      endpoint,
      handle: () => fn(req.query),
    });
    const priv = (
      endpoint: Endpoint,
      fn: (p: URLSearchParams, account: string, maxFillRatio?: number) => SimResponse,
    ): Route => ({
      endpoint,
      clientKey: apiKey,
      handle: (fault) => {
        const auth = this.authenticate(req);
        if ("status" in auth) return auth;
        return fn(auth.params, auth.account.name, fault.kind === "partialFill" ? fault.fillRatio : undefined);
      },
    });
    switch (key) {
      case "GET /api/v3/ping":
        return pub("ping", () => ok({}));
      case "GET /api/v3/time":
        return pub("time", () => ok({ serverTime: this.ctx.wallNow() }));
      case "GET /api/v3/exchangeInfo":
        return pub("markets", (p) => this.exchangeInfo(p));
      // Derivatives and margin listings: empty (spot-only venue), so a ccxt.binance with default
      // options (fetchMarkets of spot, linear and inverse; fetchMargins) loads too.
      case "GET /fapi/v1/exchangeInfo":
      case "GET /dapi/v1/exchangeInfo":
        return pub("markets", () =>
          ok({
            timezone: "UTC",
            serverTime: this.ctx.now(),
            rateLimits: [],
            exchangeFilters: [],
            assets: [],
            symbols: [],
          }),
        );
      case "GET /sapi/v1/margin/allPairs":
      case "GET /sapi/v1/margin/isolated/allPairs":
        return priv("markets", () => ok([]));
      case "GET /sapi/v1/capital/config/getall":
        return priv("currencies", (_p, a) => this.coins(a));
      case "GET /api/v3/depth":
        return pub("orderBook", (p) => this.depth(p));
      case "GET /api/v3/ticker/24hr":
        return pub("ticker", (p) => this.ticker24hr(p));
      case "GET /api/v3/ticker/bookTicker":
        return pub("ticker", (p) => this.bookTicker(p));
      case "POST /api/v3/order":
        return priv("createOrder", (p, a, ratio) => this.createOrder(p, a, ratio));
      case "DELETE /api/v3/order":
        return priv("cancelOrder", (p, a) => this.cancelOrder(p, a));
      case "GET /api/v3/order":
        return priv("getOrder", (p, a) => this.getOrder(p, a));
      case "GET /api/v3/allOrders":
        return priv("allOrders", (p, a) => this.allOrders(p, a));
      case "GET /api/v3/openOrders":
        return priv("openOrders", (p, a) => this.openOrders(p, a));
      case "DELETE /api/v3/openOrders":
        return priv("cancelAllOrders", (p, a) => this.cancelAll(p, a));
      case "GET /api/v3/account":
        return priv("balance", (_p, a) => this.account(a));
      case "GET /sapi/v1/asset/tradeFee":
        return priv("tradingFee", (p) => this.tradeFee(p));
      case "GET /api/v3/myTrades":
        return priv("myTrades", (p, a) => this.myTrades(p, a));
      default:
        return undefined;
    }
  }

  notFound(req: SimRequest): SimResponse {
    return {
      status: 404,
      body: `<html><body><h1>404 Not Found</h1>${req.method} ${req.path}</body></html>`,
      text: true,
    };
  }

  rateLimited(retryAfterMs: number, client: string): SimResponse {
    return {
      status: 429,
      headers: { "retry-after": String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
      body: {
        code: -1003,
        msg: `Too many requests; current limit of ${client} is exceeded. Please use WebSocket Streams for live updates to avoid polling the API.`,
      },
    };
  }

  banned(untilMs: number, client: string): SimResponse {
    return {
      status: 418,
      headers: { "retry-after": String(Math.max(1, Math.ceil((untilMs - this.ctx.now()) / 1000))) },
      body: { code: -1003, msg: `Way too many requests; ${client} banned until ${untilMs}.` },
    };
  }

  reject(e: SimRejectError, endpoint: Endpoint): SimResponse {
    switch (e.reason) {
      case "INSUFFICIENT_BALANCE":
        return err(400, -2010, "Account has insufficient balance for requested action.");
      case "UNKNOWN_SYMBOL":
        return err(400, -1121, "Invalid symbol.");
      case "UNKNOWN_ORDER":
        return endpoint === "cancelOrder"
          ? err(400, -2011, "Unknown order sent.")
          : err(400, -2013, "Order does not exist.");
      case "DUPLICATE_CLIENT_ORDER_ID":
        return err(400, -2010, "Duplicate order sent.");
      case "PRICE_FILTER":
      case "LOT_SIZE":
      case "MIN_NOTIONAL":
        return err(400, -1013, e.shortMessage);
      case "WOULD_TAKE":
        return err(400, -2010, "Order would immediately match and take.");
      case "REJECTED":
        return err(400, -2010, e.shortMessage);
      case "BAD_PARAMETER":
        return err(400, -1102, e.shortMessage);
    }
  }

  // ------------------------------------------------------------ authentication

  private authenticate(req: SimRequest): { account: AccountConfig; params: URLSearchParams } | SimResponse {
    const apiKey = header(req, "x-mbx-apikey");
    if (!apiKey) return err(401, -2014, "API-key format invalid.");
    const account = this.byKey.get(apiKey);
    if (!account) return err(401, -2015, "Invalid API-key, IP, or permissions for action.");
    const body = req.rawBody; // Binance signs queryString + body (form-encoded)
    const strip = (s: string): { rest: string; sig?: string } => {
      const parts = s === "" ? [] : s.split("&");
      const sig = parts.find((p) => p.startsWith("signature="));
      return { rest: parts.filter((p) => !p.startsWith("signature=")).join("&"), sig: sig?.slice(10) };
    };
    const q = strip(req.rawQuery);
    const b = strip(body);
    const signature = q.sig ?? b.sig;
    if (!signature)
      return err(400, -1102, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.");
    const expected = createHmac("sha256", account.secret)
      .update(q.rest + b.rest)
      .digest("hex");
    const given = Buffer.from(decodeURIComponent(signature));
    if (given.length !== expected.length || !timingSafeEqual(given, Buffer.from(expected)))
      return err(400, -1022, "Signature for this request is not valid.");
    const params = new URLSearchParams(q.rest);
    for (const [k, v] of new URLSearchParams(b.rest)) params.set(k, v);
    const ts = Number(params.get("timestamp"));
    if (!params.has("timestamp") || !Number.isInteger(ts))
      return err(400, -1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.");
    const recvWindow = params.has("recvWindow") ? Number(params.get("recvWindow")) : 5000;
    if (!(recvWindow > 0 && recvWindow <= MAX_RECV_WINDOW))
      return err(400, -1131, "recvWindow must be less than 60000");
    // Freshness against the venue's wall clock (Binance: at most 1 s ahead, at most recvWindow behind).
    const now = this.ctx.wallNow();
    if (ts >= now + 1000 || now - ts > recvWindow)
      return err(400, -1021, "Timestamp for this request is outside of the recvWindow.");
    return { account, params };
  }

  // ------------------------------------------------------------ market data

  private market(p: URLSearchParams): Market {
    const id = p.get("symbol");
    if (!id)
      throw new SimRejectError(
        "BAD_PARAMETER",
        "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.",
      );
    const symbol = this.idToSymbol.get(id);
    if (!symbol) throw new SimRejectError("UNKNOWN_SYMBOL", "Invalid symbol.");
    return this.ctx.exchange.market(symbol);
  }

  private marketsFrom(p: URLSearchParams): Market[] {
    if (p.has("symbol")) return [this.market(p)];
    const list = p.get("symbols");
    if (list) {
      let ids: unknown;
      try {
        ids = JSON.parse(list);
      } catch {
        throw new SimRejectError("BAD_PARAMETER", "Illegal characters found in parameter 'symbols'.");
      }
      if (!Array.isArray(ids)) throw new SimRejectError("BAD_PARAMETER", "Parameter 'symbols' must be a JSON array.");
      return ids.map((id) => this.market(new URLSearchParams({ symbol: String(id) })));
    }
    return this.ctx.exchange.markets();
  }

  private exchangeInfo(p: URLSearchParams): SimResponse {
    const symbols = this.marketsFrom(p).map((m) => ({
      symbol: m.base.code + m.quote.code,
      status: "TRADING",
      baseAsset: m.base.code,
      baseAssetPrecision: 8,
      quoteAsset: m.quote.code,
      quotePrecision: 8,
      quoteAssetPrecision: 8,
      baseCommissionPrecision: 8,
      quoteCommissionPrecision: 8,
      orderTypes: ["LIMIT", "LIMIT_MAKER", "MARKET"],
      icebergAllowed: false,
      ocoAllowed: false,
      otoAllowed: false,
      quoteOrderQtyMarketAllowed: true,
      allowTrailingStop: false,
      cancelReplaceAllowed: false,
      amendAllowed: false,
      isSpotTradingAllowed: true,
      isMarginTradingAllowed: false,
      filters: [
        {
          filterType: "PRICE_FILTER",
          minPrice: f8(m.tick, m.priceDecimals),
          maxPrice: "1000000.00000000",
          tickSize: f8(m.tick, m.priceDecimals),
        },
        {
          filterType: "LOT_SIZE",
          minQty: f8(m.minQty, m.qtyDecimals),
          maxQty: "9000.00000000",
          stepSize: f8(m.step, m.qtyDecimals),
        },
        { filterType: "MARKET_LOT_SIZE", minQty: "0.00000000", maxQty: "9000.00000000", stepSize: "0.00000000" },
        {
          filterType: "NOTIONAL",
          minNotional: f8(m.minNotional, m.quote.decimals),
          applyMinToMarket: false,
          maxNotional: "9000000.00000000",
          applyMaxToMarket: false,
          avgPriceMins: 5,
        },
      ],
      permissions: [],
      permissionSets: [["SPOT"]],
      defaultSelfTradePreventionMode: "EXPIRE_MAKER",
      allowedSelfTradePreventionModes: ["EXPIRE_MAKER"],
    }));
    return ok({
      timezone: "UTC",
      serverTime: this.ctx.now(),
      rateLimits: [{ rateLimitType: "REQUEST_WEIGHT", interval: "MINUTE", intervalNum: 1, limit: 6000 }],
      exchangeFilters: [],
      symbols,
    });
  }

  private depth(p: URLSearchParams): SimResponse {
    const m = this.market(p);
    const limit = Math.min(5000, Number(p.get("limit") ?? 100) || 100);
    const d = this.ctx.exchange.depth(m.symbol, limit);
    const lv = (l: { price: bigint; qty: bigint }): [string, string] => [
      f8(l.price, m.priceDecimals),
      f8(l.qty, m.qtyDecimals),
    ];
    return ok({ lastUpdateId: this.ctx.exchange.updateId, bids: d.bids.map(lv), asks: d.asks.map(lv) });
  }

  private ticker(m: Market): Record<string, unknown> {
    const ex = this.ctx.exchange;
    const s = ex.stats(m.symbol);
    const bid = ex.bestBid(m.symbol);
    const ask = ex.bestAsk(m.symbol);
    const px = (v: bigint | null | undefined): string => f8(v ?? 0n, m.priceDecimals);
    const qty = (v: bigint | null | undefined): string => f8(v ?? 0n, m.qtyDecimals);
    const change = s.last !== null && s.open !== null ? s.last - s.open : 0n;
    const pct = s.open ? (Number(change) / Number(s.open)) * 100 : 0;
    const wavg = s.volume > 0n ? Number(s.quoteVolume) / Number(s.volume * m.notionalUnit) / 10 ** m.priceDecimals : 0;
    return {
      symbol: m.base.code + m.quote.code,
      priceChange: px(change),
      priceChangePercent: pct.toFixed(3),
      weightedAvgPrice: wavg.toFixed(8),
      prevClosePrice: px(s.open),
      lastPrice: px(s.last),
      lastQty: qty(s.lastQty),
      bidPrice: px(bid?.price),
      bidQty: qty(bid?.qty),
      askPrice: px(ask?.price),
      askQty: qty(ask?.qty),
      openPrice: px(s.open),
      highPrice: px(s.high),
      lowPrice: px(s.low),
      volume: qty(s.volume),
      quoteVolume: f8(s.quoteVolume, m.quote.decimals),
      openTime: s.openTime,
      closeTime: s.closeTime,
      firstId: s.firstTradeId ?? -1,
      lastId: s.lastTradeId ?? -1,
      count: s.count,
    };
  }

  private ticker24hr(p: URLSearchParams): SimResponse {
    if (p.has("symbol")) return ok(this.ticker(this.market(p)));
    return ok(this.marketsFrom(p).map((m) => this.ticker(m)));
  }

  private bookTicker(p: URLSearchParams): SimResponse {
    const one = (m: Market): Record<string, string> => {
      const t = this.ticker(m);
      return {
        symbol: String(t.symbol),
        bidPrice: String(t.bidPrice),
        bidQty: String(t.bidQty),
        askPrice: String(t.askPrice),
        askQty: String(t.askQty),
      };
    };
    if (p.has("symbol")) return ok(one(this.market(p)));
    return ok(this.marketsFrom(p).map(one));
  }

  // ------------------------------------------------------------ trading

  private createOrder(p: URLSearchParams, account: string, maxFillRatio?: number): SimResponse {
    const m = this.market(p);
    const side = p.get("side");
    if (side !== "BUY" && side !== "SELL") return err(400, -1117, "Invalid side.");
    const type = p.get("type");
    if (type !== "LIMIT" && type !== "MARKET" && type !== "LIMIT_MAKER") return err(400, -1116, "Invalid orderType.");
    const tif = p.get("timeInForce") ?? undefined;
    if (type === "LIMIT" && tif === undefined)
      return err(400, -1102, "Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed.");
    if (tif !== undefined && tif !== "GTC" && tif !== "IOC" && tif !== "FOK")
      return err(400, -1115, "Invalid timeInForce.");
    if (type !== "LIMIT" && tif !== undefined)
      return err(400, -1106, "Parameter 'timeInForce' sent when not required.");
    const clientOrderId = p.get("newClientOrderId") ?? undefined;
    if (clientOrderId !== undefined && !CLIENT_ID.test(clientOrderId))
      return err(
        400,
        -1100,
        "Illegal characters found in parameter 'newClientOrderId'; legal range is '^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.",
      );
    if (type === "MARKET" && p.has("quantity") === p.has("quoteOrderQty"))
      return err(
        400,
        -1102,
        "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty or both were sent.",
      );
    if (type === "MARKET" && p.has("quoteOrderQty") && side === "SELL")
      return err(400, -1102, "Param 'quoteOrderQty' is only supported for market buys by this venue.");
    const order = this.ctx.exchange.placeOrder({
      account,
      symbol: m.symbol,
      side: side as Side,
      type: type as OrderType,
      timeInForce: tif as TimeInForce | undefined,
      price: p.get("price") ?? undefined,
      quantity: p.get("quantity") ?? undefined,
      quoteQuantity: p.get("quoteOrderQty") ?? undefined,
      clientOrderId,
      maxFillRatio,
    });
    const respType = p.get("newOrderRespType") ?? "FULL";
    const base = {
      symbol: m.base.code + m.quote.code,
      orderId: order.id,
      orderListId: -1,
      clientOrderId: order.clientOrderId,
      transactTime: order.createdAt,
    };
    if (respType === "ACK") return ok(base);
    const result = {
      ...base,
      ...this.orderFields(order, m),
      workingTime: order.createdAt,
      selfTradePreventionMode: "EXPIRE_MAKER",
    };
    if (respType === "RESULT") return ok(result);
    return ok({
      ...result,
      fills: order.fills.map((f) => ({
        price: f8(f.price, m.priceDecimals),
        qty: f8(f.qty, m.qtyDecimals),
        commission: f8(f.commission, f.commissionAsset === m.base.code ? m.base.decimals : m.quote.decimals),
        commissionAsset: f.commissionAsset,
        tradeId: f.tradeId,
      })),
    });
  }

  private ref(p: URLSearchParams): OrderRef {
    if (p.has("orderId")) {
      const id = Number(p.get("orderId"));
      if (!Number.isSafeInteger(id))
        throw new SimRejectError("BAD_PARAMETER", "Illegal characters found in parameter 'orderId'.");
      return { orderId: id };
    }
    const cid = p.get("origClientOrderId");
    if (cid) return { clientOrderId: cid };
    throw new SimRejectError(
      "BAD_PARAMETER",
      "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
    );
  }

  private cancelOrder(p: URLSearchParams, account: string): SimResponse {
    const m = this.market(p);
    const o = this.ctx.exchange.cancelOrder(account, m.symbol, this.ref(p));
    return ok({
      symbol: m.base.code + m.quote.code,
      origClientOrderId: o.clientOrderId,
      orderId: o.id,
      orderListId: -1,
      clientOrderId: p.get("newClientOrderId") ?? `cancel-${o.id}`,
      transactTime: o.updatedAt,
      ...this.orderFields(o, m),
      selfTradePreventionMode: "EXPIRE_MAKER",
    });
  }

  private cancelAll(p: URLSearchParams, account: string): SimResponse {
    const m = this.market(p);
    const open = this.ctx.exchange.openOrders(account, m.symbol);
    return ok(
      open.map((o) => {
        const c = this.ctx.exchange.cancelOrder(account, m.symbol, { orderId: o.id });
        return {
          symbol: m.base.code + m.quote.code,
          origClientOrderId: c.clientOrderId,
          orderId: c.id,
          orderListId: -1,
          ...this.orderFields(c, m),
        };
      }),
    );
  }

  private getOrder(p: URLSearchParams, account: string): SimResponse {
    const m = this.market(p);
    return ok(this.fullOrder(this.ctx.exchange.getOrder(account, m.symbol, this.ref(p)), m));
  }

  private openOrders(p: URLSearchParams, account: string): SimResponse {
    const ms = p.has("symbol") ? [this.market(p)] : this.ctx.exchange.markets();
    return ok(ms.flatMap((m) => this.ctx.exchange.openOrders(account, m.symbol).map((o) => this.fullOrder(o, m))));
  }

  private allOrders(p: URLSearchParams, account: string): SimResponse {
    const m = this.market(p);
    const num = (k: string): number | undefined => (p.has(k) ? Number(p.get(k)) : undefined);
    const orders = this.ctx.exchange.allOrders(account, m.symbol, {
      fromOrderId: num("orderId"),
      startTime: num("startTime"),
      endTime: num("endTime"),
      limit: Math.min(1000, num("limit") ?? 500),
    });
    return ok(orders.map((o) => this.fullOrder(o, m)));
  }

  private orderFields(o: Order, m: Market): Record<string, unknown> {
    return {
      price: f8(o.price ?? 0n, m.priceDecimals),
      origQty: f8(o.quantity ?? o.executedQty, m.qtyDecimals),
      executedQty: f8(o.executedQty, m.qtyDecimals),
      origQuoteOrderQty: f8(o.quoteQuantity ?? 0n, m.quote.decimals),
      cummulativeQuoteQty: f8(o.cumQuote, m.quote.decimals),
      status: o.status,
      timeInForce: o.timeInForce,
      type: o.type,
      side: o.side,
    };
  }

  private fullOrder(o: Order, m: Market): Record<string, unknown> {
    return {
      symbol: m.base.code + m.quote.code,
      orderId: o.id,
      orderListId: -1,
      clientOrderId: o.clientOrderId,
      ...this.orderFields(o, m),
      stopPrice: "0.00000000",
      icebergQty: "0.00000000",
      time: o.createdAt,
      updateTime: o.updatedAt,
      isWorking: true,
      workingTime: o.createdAt,
      selfTradePreventionMode: "EXPIRE_MAKER",
    };
  }

  private account(account: string): SimResponse {
    const ex = this.ctx.exchange;
    const maker = Number(ex.makerFeePpm) / 100; // Binance: commission in bps
    const taker = Number(ex.takerFeePpm) / 100;
    return ok({
      makerCommission: maker,
      takerCommission: taker,
      buyerCommission: 0,
      sellerCommission: 0,
      commissionRates: {
        maker: (maker / 10_000).toFixed(8),
        taker: (taker / 10_000).toFixed(8),
        buyer: "0.00000000",
        seller: "0.00000000",
      },
      canTrade: true,
      canWithdraw: false,
      canDeposit: false,
      brokered: false,
      requireSelfTradePrevention: false,
      preventSor: false,
      updateTime: this.ctx.now(),
      accountType: "SPOT",
      balances: ex.balances(account).map((b) => {
        const d = ex.asset(b.asset).decimals;
        return { asset: b.asset, free: f8(b.free, d), locked: f8(b.locked, d) };
      }),
      permissions: ["SPOT"],
      uid: 0,
    });
  }

  private coins(account: string): SimResponse {
    const ex = this.ctx.exchange;
    return ok(
      ex.balances(account).map((b) => {
        const a = ex.asset(b.asset);
        return {
          coin: a.code,
          depositAllEnable: false,
          withdrawAllEnable: false,
          name: a.code,
          free: f8(b.free, a.decimals),
          locked: f8(b.locked, a.decimals),
          freeze: "0",
          withdrawing: "0",
          ipoing: "0",
          ipoable: "0",
          storage: "0",
          isLegalMoney: false,
          trading: true,
          networkList: [
            {
              network: a.code,
              coin: a.code,
              withdrawIntegerMultiple: f8(1n, a.decimals),
              isDefault: true,
              depositEnable: false,
              withdrawEnable: false,
              depositDesc: "",
              withdrawDesc: "",
              specialTips: "",
              name: a.code,
              resetAddressStatus: false,
              addressRegex: "",
              memoRegex: "",
              withdrawFee: "0",
              withdrawMin: "0",
              withdrawMax: "0",
              minConfirm: 1,
              unLockConfirm: 0,
              sameAddress: false,
              estimatedArrivalTime: 0,
              busy: false,
            },
          ],
        };
      }),
    );
  }

  private tradeFee(p: URLSearchParams): SimResponse {
    const ex = this.ctx.exchange;
    const rate = (ppm: bigint): string => (Number(ppm) / 1e6).toString();
    const ms = p.has("symbol") ? [this.market(p)] : ex.markets();
    return ok(
      ms.map((m) => ({
        symbol: m.base.code + m.quote.code,
        makerCommission: rate(ex.makerFeePpm),
        takerCommission: rate(ex.takerFeePpm),
      })),
    );
  }

  private myTrades(p: URLSearchParams, account: string): SimResponse {
    const m = this.market(p);
    const num = (k: string): number | undefined => (p.has(k) ? Number(p.get(k)) : undefined);
    const trades = this.ctx.exchange.myTrades(account, m.symbol, {
      fromId: num("fromId"),
      startTime: num("startTime"),
      endTime: num("endTime"),
      orderId: num("orderId"),
      limit: Math.min(1000, num("limit") ?? 500),
    });
    return ok(trades.map((t) => this.trade(t, m)));
  }

  private trade(t: Trade, m: Market): Record<string, unknown> {
    return {
      symbol: m.base.code + m.quote.code,
      id: t.tradeId,
      orderId: t.orderId,
      orderListId: -1,
      price: f8(t.price, m.priceDecimals),
      qty: f8(t.qty, m.qtyDecimals),
      quoteQty: f8(t.quoteQty, m.quote.decimals),
      commission: f8(t.commission, t.commissionAsset === m.base.code ? m.base.decimals : m.quote.decimals),
      commissionAsset: t.commissionAsset,
      time: t.time,
      isBuyer: t.side === "BUY",
      isMaker: t.isMaker,
      isBestMatch: true,
    };
  }
}

function header(req: SimRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

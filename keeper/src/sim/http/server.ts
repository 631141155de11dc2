/**
 * The HTTP front of one simulated venue (node:http, loopback). A dialect adapter turns requests into
 * engine calls and engine results into that exchange's JSON; this server adds what every dialect
 * shares: rate limiting per client, seeded fault injection (latency, 5xx, 429, hangs, rejects,
 * partial fills) and a small admin API under `/sim/`.
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import type { Socket } from "node:net";
import { KeeperError } from "../../errors.js";
import { SimRejectError } from "../errors.js";
import { FaultInjector, RateLimiter, type FaultDecision } from "../faults.js";
import type { Exchange } from "../engine.js";
import { DecimalFormatError } from "../money.js";
import type { AccountConfig, Endpoint, FaultsConfig } from "../scenario.js";

export interface SimRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Path and query exactly as received (OKX signs it). */
  rawUrl: string;
  rawQuery: string;
  query: URLSearchParams;
  rawBody: string;
  headers: IncomingHttpHeaders;
  ip: string;
}

export interface SimResponse {
  status: number;
  /** JSON-serialised unless `text` is set. */
  body: unknown;
  text?: boolean;
  headers?: Record<string, string>;
}

/** A matched route: its logical endpoint, the key it is rate-limited under, and its handler. */
export interface Route {
  endpoint: Endpoint;
  /** API key of the caller when the dialect sends one (rate limits count per key, else per IP). */
  clientKey?: string;
  handle(fault: FaultDecision): SimResponse;
}

export interface DialectAdapter {
  readonly dialect: "binance" | "okx";
  route(req: SimRequest): Route | undefined;
  notFound(req: SimRequest): SimResponse;
  rateLimited(retryAfterMs: number, client: string): SimResponse;
  banned(untilMs: number, client: string): SimResponse;
  reject(err: SimRejectError, endpoint: Endpoint): SimResponse;
}

export interface AdapterContext {
  exchange: Exchange;
  accounts: AccountConfig[];
  /** The simulation's clock (may be a test's virtual clock): market data, order and trade times. */
  now: () => number;
  /**
   * The venue's wall clock: what `/time` reports and what a signed request's timestamp is checked against, as a
   * real venue checks it against its own clock, never against how far a stepped simulation clock lags.
   */
  wallNow: () => number;
}

/** Hooks into the simulation behind the admin API (shared by every venue of the simulation). */
export interface SimControl {
  /** Extra fields for `GET /sim/health` (e.g. the scenario step). */
  health(): Record<string, unknown>;
  /** `GET /sim/state`: fair prices and venue mids. */
  state(): Record<string, unknown>;
  /** `POST /sim/advance?steps=n`: advances the whole simulation (every venue) by n steps. */
  advance(steps: number): void;
}

export interface VenueServerOptions {
  adapter: DialectAdapter;
  faults: FaultInjector;
  control?: SimControl;
  now?: () => number;
}

export class VenueServer {
  readonly adapter: DialectAdapter;
  readonly faults: FaultInjector;
  private readonly limiter: RateLimiter;
  private readonly server: Server;
  private readonly hung = new Set<Socket>();
  private readonly control?: SimControl;
  private baseUrl?: string;

  constructor(opts: VenueServerOptions) {
    this.adapter = opts.adapter;
    this.faults = opts.faults;
    this.control = opts.control;
    this.limiter = new RateLimiter(opts.now);
    this.server = createServer((req, res) => {
      this.serve(req, res).catch((err: unknown) => {
        process.stderr.write(
          `[sim] internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
        );
        if (!res.headersSent) send(res, { status: 500, body: "internal error", text: true });
      });
    });
    this.server.keepAliveTimeout = 5_000;
  }

  /** Starts listening (port 0 = ephemeral); resolves with the base URL, e.g. `http://127.0.0.1:40123`. */
  listen(port = 0, host = "127.0.0.1"): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        const a = this.server.address() as AddressInfo;
        this.baseUrl = `http://${host}:${a.port}`;
        resolve(this.baseUrl);
      });
    });
  }

  get url(): string {
    if (!this.baseUrl) throw new KeeperError("venue server is not listening");
    return this.baseUrl;
  }

  /** Stops the server, dropping hung and idle connections. */
  close(): Promise<void> {
    for (const s of this.hung) s.destroy();
    this.hung.clear();
    return new Promise((resolve, reject) => {
      this.server.close((err) => (err ? reject(err) : resolve()));
      this.server.closeAllConnections();
    });
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    const rawUrl = req.url ?? "/";
    const q = rawUrl.indexOf("?");
    const sreq: SimRequest = {
      method: (req.method ?? "GET").toUpperCase(),
      path: q < 0 ? rawUrl : rawUrl.slice(0, q),
      rawUrl,
      rawQuery: q < 0 ? "" : rawUrl.slice(q + 1),
      query: new URLSearchParams(q < 0 ? "" : rawUrl.slice(q + 1)),
      rawBody,
      headers: req.headers,
      ip: req.socket.remoteAddress ?? "unknown",
    };
    if (sreq.path.startsWith("/sim/")) return send(res, this.admin(sreq));
    const route = this.adapter.route(sreq);
    if (!route) return send(res, this.adapter.notFound(sreq));

    const client = route.clientKey ?? `ip:${sreq.ip}`;
    const rate = this.limiter.check(client, this.faults.rateLimit);
    if (rate.kind === "limited") return send(res, this.adapter.rateLimited(rate.retryAfterMs, client));
    if (rate.kind === "banned") return send(res, this.adapter.banned(rate.untilMs, client));

    const latency = this.faults.latencyMs();
    if (latency > 0) await new Promise((r) => setTimeout(r, latency));
    const fault = this.faults.decide(route.endpoint);
    switch (fault.kind) {
      case "http5xx":
        return send(res, {
          status: fault.status,
          body: `<html><body>${fault.status} simulated outage</body></html>`,
          text: true,
        });
      case "rateLimit":
        return send(res, this.adapter.rateLimited(fault.retryAfterSeconds * 1000, client));
      case "timeout":
        if (fault.mode === "afterExecute") this.run(route, fault);
        return this.hang(res, fault.hangMs);
    }
    send(res, this.run(route, fault));
  }

  private run(route: Route, fault: FaultDecision): SimResponse {
    try {
      if (fault.kind === "reject")
        throw new SimRejectError("REJECTED", "Order rejected by the venue (simulated fault).");
      return route.handle(fault);
    } catch (err) {
      if (err instanceof SimRejectError) return this.adapter.reject(err, route.endpoint);
      if (err instanceof DecimalFormatError)
        return this.adapter.reject(new SimRejectError("BAD_PARAMETER", err.message), route.endpoint);
      throw err;
    }
  }

  private hang(res: ServerResponse, ms: number): void {
    const socket = res.socket;
    if (!socket) return;
    this.hung.add(socket);
    const timer = setTimeout(() => socket.destroy(), ms);
    socket.once("close", () => {
      clearTimeout(timer);
      this.hung.delete(socket);
    });
  }

  private admin(req: SimRequest): SimResponse {
    if (req.method === "GET" && req.path === "/sim/health")
      return {
        status: 200,
        body: { dialect: this.adapter.dialect, faults: this.faults.stats, ...(this.control?.health() ?? {}) },
      };
    if (req.method === "GET" && req.path === "/sim/state" && this.control)
      return { status: 200, body: this.control.state() };
    if (req.method === "POST" && req.path === "/sim/advance" && this.control) {
      const steps = Number(req.query.get("steps") ?? 1);
      if (!Number.isInteger(steps) || steps < 1 || steps > 100_000)
        return { status: 400, body: { error: "steps must be an integer in [1, 100000]" } };
      this.control.advance(steps);
      return { status: 200, body: this.control.health() };
    }
    if (req.method === "POST" && req.path === "/sim/faults") {
      try {
        this.faults.configure(JSON.parse(req.rawBody || "{}") as FaultsConfig);
      } catch (err) {
        return { status: 400, body: { error: err instanceof Error ? err.message : String(err) } };
      }
      return { status: 200, body: { ok: true } };
    }
    return { status: 404, body: { error: `no admin route ${req.method} ${req.path}` } };
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, r: SimResponse): void {
  const body = r.text ? String(r.body) : JSON.stringify(r.body);
  res.writeHead(r.status, {
    "content-type": r.text ? "text/html; charset=utf-8" : "application/json;charset=UTF-8",
    "content-length": Buffer.byteLength(body),
    ...r.headers,
  });
  res.end(body);
}

/**
 * The keeper process: journal -> chain adapter -> parameters -> opportunity source -> campaign dispatcher ->
 * execution -> receipts, with restart recovery, heartbeats, metrics and structured logs. Rules:
 * docs/SPECIFICATION.md "Keeper node / Process".
 *
 * - Start: reconcile every unsettled journalled order with its venue by client order id (adopt the venue's
 *   state, or `notFound` when the venue never saw it), reload unfinished campaigns (the dispatcher resumes them:
 *   a re-run execution re-sends the same client order ids, which the venue answers with the existing orders; the
 *   receipt poster is idempotent on the trace root), read every parameter, then tick.
 * - Tick (every `tickMs`, never overlapping): apply parameter changes, detect opportunities, offer each to the
 *   dispatcher, step watched campaigns. Any error is caught, logged and counted (`keeper_errors_total{name}`);
 *   the next tick runs.
 * - Capital (optional `CapitalFlow`): open draw/repay intents are settled at start; after every tick the capital of
 *   finished campaigns is repaid (docs/SPECIFICATION.md "Keeper node / Capital flow").
 * - Heartbeat every `heartbeatSeconds` (must stay under `heartbeatMaxAgeSeconds`), once at start, and on a tick
 *   whenever chain time moved more than half of `heartbeatMaxAgeSeconds` since the last one.
 * - Attestation renewal (when `attest` is given): on a tick where chain time is more than half of
 *   `attestationMaxAgeSeconds` past the keeper's `attestedAt`, the keeper attests again (after a failed attempt, the next one
 *   waits `attestRetryMs` of wall time), so an expiring attestation never stops its campaigns.
 */
import type { Server } from "node:http";
import type { Logger } from "pino";
import type { ChainAdapter } from "../chain/adapter.js";
import {
  CampaignDispatcher,
  type CampaignExecution,
  type DispatchOutcome,
  type Opportunity,
} from "../campaign/dispatcher.js";
import type { Venue } from "../execution/venue.js";
import { KeeperError } from "../errors.js";
import type { CapitalFlow } from "./capital.js";
import type { RiskControls } from "./risk.js";
import type { Journal, OrderState } from "./journal.js";
import { serveMetrics, type Metrics } from "./metrics.js";

/** Detects opportunities as campaign specs (the strategies' side of the dispatcher). */
export interface OpportunitySource {
  detect(nowSec: bigint): Promise<Opportunity[]>;
  /**
   * Resolves once the trades `detect` started in the foreground are done (a live keeper's arbitrage runs inside their
   * standing windows: decision, orders, fills). The rest of the tick (offers, dispatch, repayments, leaf reveals,
   * flattening) waits for them rather than interleaving its journal reads and chain calls with their path.
   */
  foreground?(): Promise<void>;
}

/**
 * Collects V8's young generation now, when the process runs with `--expose-gc` (`npm start`'s keepers do:
 * `KEEPER_NODE_OPTIONS`); otherwise does nothing. Called between ticks, when the tick's trades are done: the next
 * tick's read, decision and first orders then allocate into an empty young generation, and no scavenge (a pause of
 * 1-3 ms) lands between an opportunity and its first order.
 */
function collectYoungGeneration(): void {
  const gc = (globalThis as { gc?: (options?: { type: "minor" | "major" }) => void }).gc;
  gc?.({ type: "minor" });
}

export interface KeeperNodeOptions {
  chain: ChainAdapter;
  journal: Journal;
  log: Logger;
  metrics: Metrics;
  source: OpportunitySource;
  execution: CampaignExecution;
  /** Venues by id, for reconciling orders after a restart. */
  venues: Record<string, Venue>;
  tickMs: number;
  heartbeatSeconds: number;
  /** Metrics port on loopback; undefined: no server. 0: any free port. */
  metricsPort?: number;
  /** Vault capital (draws before executions, repays finished campaigns each tick); absent: own capital only. */
  capital?: CapitalFlow | readonly CapitalFlow[];
  /**
   * Step watched campaigns without holding the tick (the engine-driven keeper: a market-making campaign executes
   * for its whole quoting window while engine ticks go on and may pre-empt it).
   */
  backgroundDispatch?: boolean;
  /** Called with every parameter snapshot and change (retunes the engine). */
  onParameters?: (values: Readonly<Record<string, bigint>>) => void;
  /** Renews the keeper's attestation (quote -> verifier -> AttestationRegistry); undefined: never renewed. */
  attest?: () => Promise<void>;
  /** Wall-clock milliseconds to wait after a failed renewal attempt (default 5 s). */
  attestRetryMs?: number;
  /**
   * Answers data-availability demands on this keeper's receipts every tick (`recording/responder.ts`); an
   * unanswered demand slashes the operator.
   */
  availability?: { tick(): Promise<unknown> };
  /**
   * Risk controls: while a stop signal holds (kill switch, chain signal) no opportunity is detected (campaigns in
   * flight go on to their gate); open exposures are flattened after every tick.
   */
  risk?: RiskControls;
  /** False while a venue is down (`KeeperHealth`): opportunities are still read, but no new campaign is claimed. */
  healthy?: () => boolean;
  /**
   * Ticked by its owner (replay: once per simulator step), never by a timer: `start` recovers, reads the parameters
   * and sends the first heartbeat but schedules nothing; heartbeats then ride on the ticks (chain time).
   */
  manualTicks?: boolean;
}

export class KeeperNode {
  readonly dispatcher: CampaignDispatcher;
  private parameters: Record<string, bigint> = {};
  private tickTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** Chain time of the last heartbeat sent. */
  private lastBeat = 0n;
  /** The keeper's `attestedAt` as last read from the chain (undefined: not read yet). */
  private attestedAt: bigint | undefined;
  /** Wall-clock time of the last failed renewal attempt. */
  private lastAttestFailure = 0;
  private server: Server | undefined;
  private dispatching: Promise<unknown> | undefined;
  private readonly flows: readonly CapitalFlow[];

  constructor(private readonly opts: KeeperNodeOptions) {
    this.flows =
      opts.capital === undefined ? [] : Array.isArray(opts.capital) ? opts.capital : [opts.capital as CapitalFlow];
    this.dispatcher = new CampaignDispatcher({
      chain: opts.chain,
      journal: opts.journal,
      execution: opts.execution,
      parameters: () => this.parameters,
      log: opts.log,
      onOutcome: (_id, outcome: DispatchOutcome) => opts.metrics.decisions.inc({ kind: outcome, strategy: "campaign" }),
    });
  }

  /** Port of the metrics server, once started. */
  get metricsPort(): number | undefined {
    const a = this.server?.address();
    return a && typeof a === "object" ? a.port : undefined;
  }

  /** Restart recovery, parameters, heartbeat, metrics; then ticks until `stop`. */
  async start(): Promise<void> {
    const { log } = this.opts;
    const reconciled = await this.reconcileOrders();
    const resumed = this.dispatcher.recover();
    // Draw intents and repayments a crash left open are settled before anything new is drawn.
    for (const flow of this.flows) await this.guarded("capital", () => flow.recover());
    const snapshot = await this.opts.chain.parametersSnapshot();
    this.parameters = { ...snapshot.values };
    this.opts.onParameters?.(this.parameters);
    if (this.opts.metricsPort !== undefined) this.server = await serveMetrics(this.opts.metrics, this.opts.metricsPort);
    log.info(
      {
        account: this.opts.chain.account,
        reconciled,
        resumed,
        block: snapshot.blockNumber,
        metricsPort: this.metricsPort,
      },
      "keeper started",
    );
    await this.guarded("heartbeat", () => this.heartbeat());
    if (this.opts.manualTicks) return;
    this.heartbeatTimer = setInterval(
      () => void this.guarded("heartbeat", () => this.heartbeat()),
      this.opts.heartbeatSeconds * 1000,
    );
    this.schedule(0);
  }

  /** Stops ticking, waits for the tick in flight, closes the metrics server. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.tickTimer);
    clearInterval(this.heartbeatTimer);
    await this.running;
    await this.dispatching;
    // Campaigns that traded are finished now, not left to the next start: a claim the chain's clock overtook mid-run
    // is claimed again and its receipt posted (or, past its window, the receipt is lost); then their capital goes back.
    await this.guarded("dispatch", () => this.dispatcher.finishTraded());
    await this.repayFinished();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.opts.log.info("keeper stopped");
  }

  /** Settles once the campaign steps the last tick started in the background (`backgroundDispatch`) are done. */
  async idle(): Promise<void> {
    await this.dispatching;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.tickTimer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        collectYoungGeneration();
        this.schedule(this.opts.tickMs);
      });
    }, ms);
  }

  /** One tick; never throws (errors are logged and counted). */
  async tick(): Promise<void> {
    const end = this.opts.metrics.tickLatency.startTimer();
    await this.guarded("tick", async () => {
      const changes = await this.opts.chain.parameterChanges();
      if (changes.length > 0) {
        for (const c of changes) this.parameters[c.name] = c.newValue;
        this.opts.log.info({ changes: changes.map((c) => `${c.name}=${c.newValue}`) }, "parameters changed");
        this.opts.onParameters?.(this.parameters);
      }
      const now = await this.opts.chain.now();
      // Chain time can run ahead of wall time (many blocks): beat again once half the allowed age has passed.
      const maxAge = this.parameters["heartbeatMaxAgeSeconds"];
      if (maxAge !== undefined && (now - this.lastBeat) * 2n > maxAge) await this.heartbeat();
      await this.renewAttestation(now);
      const { risk } = this.opts;
      await risk?.refreshSignals();
      const opportunities = risk?.stopReason() ? [] : await this.opts.source.detect(now);
      // Trades `detect` started have the event loop to themselves until they are done (see `foreground`).
      await this.opts.source.foreground?.();
      // An unhealthy keeper (a venue down) claims nothing new; campaigns it holds keep stepping below.
      const claiming = this.opts.healthy?.() ?? true;
      for (const opportunity of claiming ? opportunities : []) {
        await this.guarded("offer", () => this.dispatcher.offer(opportunity));
      }
      if (!this.opts.backgroundDispatch) await this.dispatcher.tick();
      else
        this.dispatching ??= this.guarded("dispatch", () => this.dispatcher.tick()).finally(() => {
          this.dispatching = undefined;
        });
    });
    // Repay the capital of finished campaigns (apart from the tick: a failed campaign step does not hold it back).
    await this.repayFinished();
    // Reveal demanded leaves of own receipts (apart from the tick too: a stuck campaign must not cost a slash).
    if (this.opts.availability) await this.guarded("availability", () => this.opts.availability!.tick());
    // Try to flatten what executions left exposed (their markets stay blocked until flat).
    if (this.opts.risk) await this.guarded("flatten", () => this.opts.risk!.flatten());
    this.opts.metrics.ticks.inc();
    end();
  }

  /** Repays the capital of every finished campaign, flow by flow (a flow's failure is logged, the next goes on). */
  private async repayFinished(): Promise<void> {
    for (const flow of this.flows) await this.guarded("capital", () => flow.repayFinished());
  }

  /** Attests again once chain time is more than half the allowed attestation age past `attestedAt`. */
  private async renewAttestation(now: bigint): Promise<void> {
    const { attest, chain, log, metrics } = this.opts;
    const maxAge = this.parameters["attestationMaxAgeSeconds"];
    if (!attest || maxAge === undefined) return;
    this.attestedAt ??= (await chain.keeperStatus()).attestedAt;
    if ((now - this.attestedAt) * 2n <= maxAge) return;
    // After a failed attempt, wait before asking the verifier again (the tick runs every `tickMs`).
    if (Date.now() - this.lastAttestFailure < (this.opts.attestRetryMs ?? 5_000)) return;
    try {
      await attest();
    } catch (err) {
      this.lastAttestFailure = Date.now();
      throw err;
    }
    const before = this.attestedAt;
    this.attestedAt = (await chain.keeperStatus()).attestedAt;
    metrics.attestations.inc();
    log.info({ attestedAt: this.attestedAt.toString(), previous: before.toString() }, "attestation renewed");
  }

  private async heartbeat(): Promise<void> {
    await this.opts.chain.heartbeat();
    this.lastBeat = await this.opts.chain.now();
    this.opts.metrics.heartbeats.inc();
  }

  private async guarded<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      const errors = err instanceof AggregateError ? err.errors : [err];
      for (const e of errors) {
        const name = e instanceof Error ? e.name : "unknown";
        this.opts.metrics.errors.inc({ name });
        this.opts.log.error(
          { err: e, what },
          `${what} failed: ${e instanceof KeeperError ? e.shortMessage : String(e)}`,
        );
      }
      return undefined;
    }
  }

  /**
   * Looks every unsettled journalled order of a finished campaign up at its venue by client order id and adopts
   * what it says (`notFound` when the venue never saw it).
   */
  async reconcileOrders(): Promise<number> {
    const { journal, venues, log } = this.opts;
    let n = 0;
    const resumable = new Set(journal.unfinishedCampaigns().map((c) => c.campaignId));
    for (const o of journal.unsettledOrders()) {
      // A campaign that will resume re-runs its journalled plan: the executor sends the same client order ids and
      // the venue is asked by id before every placement, so its orders are settled by that re-run instead.
      if (resumable.has(o.campaignId)) continue;
      const venue = venues[o.venue];
      if (!venue) {
        log.warn({ clientOrderId: o.clientOrderId, venue: o.venue }, "order on an unknown venue left unsettled");
        continue;
      }
      const found = await venue.fetchOrderByClientId(o.pair, o.clientOrderId);
      const state: OrderState = !found
        ? "notFound"
        : found.status === "closed"
          ? "filled"
          : found.status === "canceled"
            ? "cancelled"
            : found.status === "rejected"
              ? "rejected"
              : found.filled > 0n
                ? "partiallyFilled"
                : "open";
      journal.updateOrder(o.clientOrderId, state, { exchangeOrderId: found?.id, filled: found?.filled.toString() });
      n++;
    }
    return n;
  }
}

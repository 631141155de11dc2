/**
 * The keeper's own health, from what its venue calls say and from its open exposures:
 * - a venue whose last `failuresToDown` calls all failed after their retries (unreachable, 5xx, rate limited, banned)
 *   is down;
 * - an exposure (a position an execution left open, `risk.ts`) open longer than `maxExposureWaitSeconds`
 *   (`risk.maxExposureWaitSeconds`) is overdue: flattening has not closed it (a collapsed book waits at the unwind
 *   bound) and an operator must act (`keeper flatten ... --accept-loss-bps N`).
 * A keeper with a venue down or an exposure overdue is unhealthy. Read by `GET /health` (503 when unhealthy), the
 * `keeper_venue_up{venue}` and `keeper_healthy` gauges, and the node, which stops claiming new campaigns while
 * unhealthy (it keeps reading the venues and flattening, so one answer or a flat position brings it back). A venue
 * going down or coming back is logged once; an overdue exposure logs one error line per `alertEveryMs` (not per tick)
 * until it is flat.
 */
import type { Logger } from "pino";
import type { VenueHealth } from "../execution/ccxtVenue.js";
import type { Clock } from "../execution/budget.js";
import type { Venue } from "../execution/venue.js";
import { DEFAULT_MAX_EXPOSURE_WAIT_SECONDS } from "./config.js";
import { exposureView, type Exposure, type ExposureView } from "./risk.js";

export interface VenueStatus extends VenueHealth {
  up: boolean;
}

export interface ExposureHealth extends ExposureView {
  /** Open longer than `maxExposureWaitSeconds`. */
  overdue: boolean;
}

export interface HealthStatus {
  healthy: boolean;
  venues: Record<string, VenueStatus>;
  /** Open exposures with their age (empty when the probe has no exposure source). */
  exposures?: ExposureHealth[];
  maxExposureWaitSeconds?: number;
}

export interface KeeperHealthOptions {
  failuresToDown?: number;
  log?: Logger;
  /** The open exposures (e.g. `() => exposures(journal)`); none when absent. */
  exposures?: () => Exposure[];
  /** Age past which an open exposure makes the keeper unhealthy (default 900). */
  maxExposureWaitSeconds?: number;
  /** Least time between two error lines about overdue exposures (default 60 s). */
  alertEveryMs?: number;
  clock?: Clock;
}

/** A venue that reports the outcome of its calls (`CcxtVenue`); others count as up. */
function healthOf(venue: Venue): VenueHealth | undefined {
  const probe = (venue as Partial<{ health(): VenueHealth }>).health;
  return typeof probe === "function" ? probe.call(venue) : undefined;
}

export class KeeperHealth {
  private venuesWereUp = true;
  private lastAlert = Number.NEGATIVE_INFINITY;
  private overdueBefore = false;

  constructor(
    private readonly venues: Record<string, Venue>,
    private readonly opts: KeeperHealthOptions = {},
  ) {}

  status(): HealthStatus {
    const limit = this.opts.failuresToDown ?? 3;
    const venues: Record<string, VenueStatus> = {};
    for (const [id, venue] of Object.entries(this.venues)) {
      const h = healthOf(venue) ?? { consecutiveFailures: 0, lastOkAt: undefined, lastFailureAt: undefined };
      venues[id] = { ...h, up: h.consecutiveFailures < limit };
    }
    const venuesUp = Object.values(venues).every((v) => v.up);
    if (venuesUp !== this.venuesWereUp) {
      const down = Object.entries(venues).filter(([, v]) => !v.up);
      if (venuesUp) this.opts.log?.info("keeper healthy again: every venue answers");
      else
        this.opts.log?.error(
          { venues: Object.fromEntries(down) },
          `keeper unhealthy: venue ${down.map(([id, v]) => `${id} (${v.lastError ?? "failing"})`).join(", ")} down; no new campaigns`,
        );
      this.venuesWereUp = venuesUp;
    }
    if (!this.opts.exposures) return { healthy: venuesUp, venues };
    const exposures = this.exposureHealth();
    return {
      healthy: venuesUp && !exposures.some((e) => e.overdue),
      venues,
      exposures,
      maxExposureWaitSeconds: this.maxWait,
    };
  }

  healthy(): boolean {
    return this.status().healthy;
  }

  private get maxWait(): number {
    return this.opts.maxExposureWaitSeconds ?? DEFAULT_MAX_EXPOSURE_WAIT_SECONDS;
  }

  /** The exposures with their age; logs the overdue ones (one line per `alertEveryMs`) and their recovery (once). */
  private exposureHealth(): ExposureHealth[] {
    const now = (this.opts.clock ?? Date).now();
    const list = this.opts.exposures!().map((e) => {
      const view = exposureView(e, now);
      return { ...view, overdue: view.ageSeconds > this.maxWait };
    });
    const overdue = list.filter((e) => e.overdue);
    if (overdue.length > 0 && now - this.lastAlert >= (this.opts.alertEveryMs ?? 60_000)) {
      this.lastAlert = now;
      const what = overdue
        .map((e) => `${e.amount} ${e.asset} ${e.position} on ${e.venue} ${e.pair} open ${e.ageSeconds} s`)
        .join(", ");
      const first = overdue[0]!;
      this.opts.log?.error(
        { exposures: overdue, maxExposureWaitSeconds: this.maxWait },
        `keeper unhealthy: exposure ${what} (over risk.maxExposureWaitSeconds ${this.maxWait}); no new campaigns; ` +
          `an operator must act: keeper flatten --pair ${first.pair} --venue ${first.venue} --accept-loss-bps N`,
      );
    }
    if (overdue.length === 0 && this.overdueBefore) {
      this.lastAlert = Number.NEGATIVE_INFINITY;
      this.opts.log?.info("keeper healthy again: no exposure open past risk.maxExposureWaitSeconds");
    }
    this.overdueBefore = overdue.length > 0;
    return list;
  }
}

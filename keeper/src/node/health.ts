/**
 * The keeper's own health, from what its venue calls say: a venue whose last `failuresToDown` calls all failed
 * after their retries (unreachable, 5xx, rate limited, banned) is down, and a keeper with a venue down is unhealthy.
 * Read by `GET /health` (503 when unhealthy), the `keeper_venue_up{venue}` and `keeper_healthy` gauges, and the node,
 * which stops claiming new campaigns while unhealthy (it keeps reading the venues, so one answer brings it back).
 */
import type { Logger } from "pino";
import type { VenueHealth } from "../execution/ccxtVenue.js";
import type { Venue } from "../execution/venue.js";

export interface VenueStatus extends VenueHealth {
  up: boolean;
}

export interface HealthStatus {
  healthy: boolean;
  venues: Record<string, VenueStatus>;
}

/** A venue that reports the outcome of its calls (`CcxtVenue`); others count as up. */
function healthOf(venue: Venue): VenueHealth | undefined {
  const probe = (venue as Partial<{ health(): VenueHealth }>).health;
  return typeof probe === "function" ? probe.call(venue) : undefined;
}

export class KeeperHealth {
  private wasHealthy = true;

  constructor(
    private readonly venues: Record<string, Venue>,
    private readonly opts: { failuresToDown?: number; log?: Logger } = {},
  ) {}

  status(): HealthStatus {
    const limit = this.opts.failuresToDown ?? 3;
    const venues: Record<string, VenueStatus> = {};
    for (const [id, venue] of Object.entries(this.venues)) {
      const h = healthOf(venue) ?? { consecutiveFailures: 0, lastOkAt: undefined, lastFailureAt: undefined };
      venues[id] = { ...h, up: h.consecutiveFailures < limit };
    }
    const healthy = Object.values(venues).every((v) => v.up);
    if (healthy !== this.wasHealthy) {
      const down = Object.entries(venues).filter(([, v]) => !v.up);
      if (healthy) this.opts.log?.info("keeper healthy again: every venue answers");
      else
        this.opts.log?.error(
          { venues: Object.fromEntries(down) },
          `keeper unhealthy: venue ${down.map(([id, v]) => `${id} (${v.lastError ?? "failing"})`).join(", ")} down; no new campaigns`,
        );
      this.wasHealthy = healthy;
    }
    return { healthy, venues };
  }

  healthy(): boolean {
    return this.status().healthy;
  }
}

/** Stepping support of the replay: venue calls in flight, timers on scenario time, the keeper's log lines. */
import { Writable } from "node:stream";
import type { Venue } from "../execution/venue.js";

/** Counts the venue calls in flight (the replay waits for the keeper's venue work to end before it steps). */
export function tracked(venue: Venue, inflight: { n: number }): Venue {
  return new Proxy(venue, {
    get(target, prop) {
      // Read on the venue itself (its getters and private fields see the venue, not the proxy).
      const v: unknown = Reflect.get(target, prop);
      if (typeof v !== "function") return v;
      return (...args: unknown[]) => {
        const out: unknown = (v as (...a: unknown[]) => unknown).apply(target, args);
        if (!(out instanceof Promise)) return out;
        inflight.n++;
        return out.finally(() => inflight.n--);
      };
    },
  });
}

/** Timers on scenario time: `after(ms, fn)` runs `fn` once the clock has passed `now + ms` (checked every step). */
export class ScenarioTimers {
  private readonly timers = new Set<{ due: number; fn: () => void }>();
  constructor(private readonly now: () => number) {}
  readonly after = (ms: number, fn: () => void): (() => void) => {
    const t = { due: this.now() + ms, fn };
    this.timers.add(t);
    return () => void this.timers.delete(t);
  };
  fireDue(): void {
    for (const t of [...this.timers]) {
      if (t.due > this.now()) continue;
      this.timers.delete(t);
      t.fn();
    }
  }
}

/** Error lines (level >= 50) of the keeper's log, one line each; every line also goes to `sink` when given. */
export function logStream(errors: string[], sink?: string[]): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (!line) continue;
        sink?.push(line);
        try {
          const o = JSON.parse(line) as { level?: number; msg?: string };
          if ((o.level ?? 0) >= 50) errors.push(o.msg ?? line);
        } catch {
          errors.push(line);
        }
      }
      done();
    },
  });
}

/**
 * The live keeper bench's arithmetic (`scripts/bench/live-keeper.ts`): the instants of one sample, the segments
 * between them, and their percentiles. Pure; tested in `latency.test.ts`.
 */

/** Instants of one sample (ms, one monotonic clock); undefined when the sample never reached that point. */
export interface SampleInstants {
  /** The tick's read of the venues returns with the opportunity in its market: the keeper holds it. */
  opportunity?: number;
  /** The engine tick that starts the run returns. */
  decision?: number;
  published?: number;
  claimed?: number;
  drawn?: number;
  /** The first order's intent is journalled (the order is about to go to its venue's client). */
  intent?: number;
  /** The HTTP client creates the first order's request (the exchange client built and signed it). */
  requestCreated?: number;
  /** The first order request leaves the keeper (headers on the venue's socket). */
  firstOrder?: number;
  /** CPU time (user + system) of the process during the engine tick that decided (ms). */
  decideCpu?: number;
  /** Time spent in journal calls between the decision and the capital drawn (ms). */
  journalBeforeDraw?: number;
  /** Time spent in journal calls between the capital drawn and the first order (ms). */
  journalAfterDraw?: number;
  /** Time the process spent in garbage-collection pauses between the opportunity and the first order (ms). */
  gcPause?: number;
  /** CPU time of the keeper's main thread between the opportunity and the first order (ms). */
  pathThreadCpu?: number;
  /** CPU time of the keeper's process, all its threads, between the opportunity and the first order (ms). */
  pathProcessCpu?: number;
}

export interface Segment {
  name: string;
  label: string;
  /** Duration of the segment in `s`, or undefined when an instant it needs is missing. */
  of(s: SampleInstants): number | undefined;
}

const between =
  (from: keyof SampleInstants, to: keyof SampleInstants) =>
  (s: SampleInstants): number | undefined =>
    s[from] === undefined || s[to] === undefined ? undefined : s[to] - s[from];

export const SEGMENTS: readonly Segment[] = [
  {
    name: "decide",
    label: "opportunity -> decision (read returned, engine tick)",
    of: between("opportunity", "decision"),
  },
  { name: "decideCpu", label: "  CPU time of the deciding tick", of: (s) => s.decideCpu },
  {
    name: "publish",
    label: "decision -> published (gate reads, publish tx)",
    of: between("decision", "published"),
  },
  { name: "claim", label: "published -> claimed (claim tx)", of: between("published", "claimed") },
  { name: "draw", label: "claimed -> capital drawn (draw tx)", of: between("claimed", "drawn") },
  {
    name: "order",
    label: "drawn -> first order (re-read, plan, guard, send)",
    of: between("drawn", "firstOrder"),
  },
  {
    name: "orderJournal",
    label: "  of which journal writes (fsync)",
    of: (s) => (between("drawn", "firstOrder")(s) === undefined ? undefined : (s.journalAfterDraw ?? 0)),
  },
  { name: "decisionToOrder", label: "decision -> first order", of: between("decision", "firstOrder") },
  { name: "toIntent", label: "  decision -> order intent journalled", of: between("decision", "intent") },
  {
    name: "toRequest",
    label: "  intent -> request created (exchange client)",
    of: between("intent", "requestCreated"),
  },
  {
    name: "toSocket",
    label: "  request created -> headers sent (HTTP client)",
    of: between("requestCreated", "firstOrder"),
  },
  {
    name: "decisionToOrderJournal",
    label: "  of which journal writes (fsync)",
    of: (s) =>
      between("decision", "firstOrder")(s) === undefined
        ? undefined
        : (s.journalBeforeDraw ?? 0) + (s.journalAfterDraw ?? 0),
  },
  { name: "opportunityToOrder", label: "opportunity -> first order", of: between("opportunity", "firstOrder") },
  {
    name: "opportunityToOrderGc",
    label: "  of which garbage-collection pauses",
    of: (s) => (between("opportunity", "firstOrder")(s) === undefined ? undefined : (s.gcPause ?? 0)),
  },
  { name: "pathThreadCpu", label: "  CPU time of the main thread on it", of: (s) => s.pathThreadCpu },
  {
    name: "pathOtherCpu",
    label: "  CPU time of the process's other threads on it",
    of: (s) =>
      s.pathThreadCpu === undefined || s.pathProcessCpu === undefined ? undefined : s.pathProcessCpu - s.pathThreadCpu,
  },
  {
    name: "keeperOnly",
    label: "keeper path without the chain (decide + order)",
    of: (s) => {
      const decide = between("opportunity", "decision")(s);
      const order = between("drawn", "firstOrder")(s);
      return decide === undefined || order === undefined ? undefined : decide + order;
    },
  },
];

/** The value at percentile `p` (0-100) of ascending `sorted` (nearest rank, rounding down; NaN when empty). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export interface SegmentStats {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

/** p50 / p99 / max of every segment over the samples that have both of its instants. */
export function summarise(
  samples: readonly SampleInstants[],
  segments: readonly Segment[] = SEGMENTS,
): Map<string, SegmentStats> {
  const out = new Map<string, SegmentStats>();
  for (const seg of segments) {
    const values = samples
      .map((s) => seg.of(s))
      .filter((v): v is number => v !== undefined)
      .sort((a, b) => a - b);
    if (values.length === 0) continue;
    out.set(seg.name, {
      n: values.length,
      p50: percentile(values, 50),
      p99: percentile(values, 99),
      max: values[values.length - 1]!,
    });
  }
  return out;
}

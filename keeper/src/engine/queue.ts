import type { StrategyType } from "./types.js";

/**
 * Bounded priority queue of waiting strategies: the eligible candidates that are not running, best
 * first. When the slot frees (idle), the engine starts the head. Order:
 *
 *   1. higher weighted ROI first;
 *   2. on equal ROI, type priority: arbitrage (fleeting) > marketMaking > rebalance (background);
 *   3. then the one waiting longest (`since`), then strategy id (total, deterministic order).
 *
 * It is rebuilt every tick from that tick's eligible candidates, so an entry whose opportunity vanished or
 * became blocked (breaker, cool-down, retry budget) leaves the queue at once; `since` survives the rebuild.
 * Cost: O(n log k) per tick for n candidates and a queue of k.
 */
export interface QueueEntry {
  readonly strategyId: string;
  readonly type: StrategyType;
  readonly roi: number;
  /** When it entered the queue (ms). */
  readonly since: number;
}

export const TYPE_PRIORITY: Readonly<Record<StrategyType, number>> = { arbitrage: 0, marketMaking: 1, rebalance: 2 };

/** Negative when `a` goes before `b`. Total order for distinct strategy ids. */
export function compareEntries(a: QueueEntry, b: QueueEntry): number {
  if (a.roi !== b.roi) return a.roi > b.roi ? -1 : 1;
  const ta = TYPE_PRIORITY[a.type];
  const tb = TYPE_PRIORITY[b.type];
  if (ta !== tb) return ta - tb;
  if (a.since !== b.since) return a.since - b.since;
  return a.strategyId < b.strategyId ? -1 : a.strategyId > b.strategyId ? 1 : 0;
}

/** Incremental builder: offer entries one by one, keep the best `maxLength`. */
export class QueueBuilder {
  private readonly entries: QueueEntry[] = [];
  private readonly previousSince: Map<string, number>;

  constructor(
    previous: readonly QueueEntry[],
    private readonly now: number,
    private readonly maxLength: number,
  ) {
    this.previousSince = new Map(previous.map((e) => [e.strategyId, e.since]));
  }

  offer(strategyId: string, type: StrategyType, roi: number): void {
    const list0 = this.entries;
    // Fast reject (no allocation) when the queue is full and this one is strictly worse than the last.
    if (list0.length >= this.maxLength && roi < list0[list0.length - 1]!.roi) return;
    const entry: QueueEntry = { strategyId, type, roi, since: this.previousSince.get(strategyId) ?? this.now };
    const list = this.entries;
    if (list.length >= this.maxLength && compareEntries(entry, list[list.length - 1]!) >= 0) return;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareEntries(list[mid]!, entry) <= 0) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, entry);
    if (list.length > this.maxLength) list.pop();
  }

  build(): readonly QueueEntry[] {
    return this.entries;
  }
}

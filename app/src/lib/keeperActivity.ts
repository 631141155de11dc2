/**
 * Pure derivation of what each keeper did, from chain events only (no keeper endpoint): its mode over time,
 * its switches and its PnL per strategy type. The server reads the events (`server/dashboard.ts`); everything
 * here is a function of the event lists, so it is tested over synthetic lists.
 *
 * - A campaign's strategy type is its route's `strategyId` (`encodeBytes32String("marketMaking" | "arbitrage" |
 *   "rebalance")`, the live keeper's convention), read from `CampaignPublished`.
 * - A claim lives from its `CampaignClaimed` until the first of: the same keeper's `CampaignSettled` or
 *   `CampaignClaimEnded` for that campaign, or the claim's deadline. A keeper's mode at time t is the strategy
 *   type of the live claim it took last (by block, then log index); "idle" without one.
 * - A switch is a change of strategy type between consecutive claims of the same keeper.
 * - PnL per strategy type (capital book): Σ over the keeper's `Repaid` of `profit − shortfall` (= returned −
 *   principal) plus Σ over its `Liquidated` draws of `−owed`, each joined through its `Drawn` to the draw's
 *   campaign's strategy type. `LossFinalized` does not change it: it only splits an already counted shortfall
 *   between the operator's stake and the depositors. Strategy types that draw nothing (rebalance) have no
 *   capital-book PnL; their receipts' reported `summary.pnl` is summed beside it.
 */
import { hexToString, type Hex } from "viem";

export const STRATEGY_TYPES = ["marketMaking", "arbitrage", "rebalance"] as const;
export type Mode = string; // a strategy type, or IDLE
export const IDLE = "idle";

/** Where an event sits on the chain: the order key. `removed` logs (reorged out) are ignored. */
export interface EventPos {
  blockNumber: bigint;
  logIndex: number;
  /** Block timestamp, seconds. */
  timestamp: number;
  removed?: boolean;
}

export interface PublishedEv extends EventPos {
  campaignId: Hex;
  strategyId: Hex;
}
export interface ClaimedEv extends EventPos {
  campaignId: Hex;
  keeper: Hex;
  deadline: number;
}
/** `CampaignSettled` (settled) or `CampaignClaimEnded` (released or expired): both end the keeper's claim. */
export interface ClaimEndEv extends EventPos {
  campaignId: Hex;
  keeper: Hex;
}
export interface DrawnEv extends EventPos {
  drawId: bigint;
  keeper: Hex;
  campaignId: Hex;
  sleeve: number;
  amount: bigint;
}
export interface RepaidEv extends EventPos {
  drawId: bigint;
  keeper: Hex;
  principal: bigint;
  returned: bigint;
  profit: bigint;
  shortfall: bigint;
}
export interface LiquidatedEv extends EventPos {
  drawId: bigint;
  owed: bigint;
  loss: bigint;
}
/** A posted receipt: its keeper, campaign and reported PnL (`summary.pnl`). */
export interface ReceiptRow {
  keeper: Hex;
  campaignId: Hex;
  pnl: bigint;
}

export interface ChainActivity {
  published: PublishedEv[];
  claimed: ClaimedEv[];
  claimEnded: ClaimEndEv[];
  drawn: DrawnEv[];
  repaid: RepaidEv[];
  liquidated: LiquidatedEv[];
  receipts: ReceiptRow[];
}

export interface Segment {
  mode: Mode;
  from: number;
  /** End, seconds; the head's time for the segment still running. */
  to: number;
}

export interface StrategyPnl {
  strategy: string;
  /** Capital-book PnL (returned − principal; −owed when liquidated), asset base units. */
  pnl: bigint;
  /** Σ principal drawn for this strategy type. */
  drawn: bigint;
  draws: number;
  repaid: number;
  liquidated: number;
  /** Σ `summary.pnl` of the keeper's receipts for campaigns of this strategy type. */
  receiptPnl: bigint;
  receipts: number;
}

export interface KeeperActivity {
  keeper: Hex;
  mode: Mode;
  claims: number;
  switches: number;
  /** Time of each switch: the claim whose strategy type differs from the keeper's previous claim. */
  switchTimes: number[];
  /** Claims in chain order, with their strategy type. */
  claimModes: { campaignId: Hex; mode: Mode; at: number }[];
  timeline: Segment[];
  pnl: StrategyPnl[];
}

/** `bytes32` strategy id to its name ("marketMaking"); ids that are not a UTF-8 string stay hex. */
export function strategyName(id: Hex): string {
  try {
    const s = hexToString(id, { size: 32 }).replace(/\0+$/, "");
    return s.length > 0 && /^[\x20-\x7e]+$/.test(s) ? s : id;
  } catch {
    return id;
  }
}

/** Chain order; ties at the same position are kept in input order (stable sort). */
export function byChainOrder<T extends EventPos>(events: readonly T[]): T[] {
  const seen = new Set<string>();
  return events
    .filter((e) => !e.removed)
    .filter((e) => {
      // The same log read twice (overlapping pages) counts once.
      const k = `${e.blockNumber}:${e.logIndex}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .slice()
    .sort((a, b) =>
      a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1,
    );
}

const lower = (a: string) => a.toLowerCase() as Hex;
const before = (a: EventPos, b: EventPos) =>
  a.blockNumber < b.blockNumber || (a.blockNumber === b.blockNumber && a.logIndex < b.logIndex);

/** Strategy type of every published campaign (the first publication wins: ids are content hashes). */
export function strategyOf(published: readonly PublishedEv[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of byChainOrder(published)) {
    const id = lower(e.campaignId);
    if (!m.has(id)) m.set(id, strategyName(e.strategyId));
  }
  return m;
}

/** One claim: live from `from` (inclusive) to `to` = min(end event's time, deadline + 1) (exclusive). */
export interface Claim {
  campaignId: Hex;
  mode: Mode;
  from: number;
  to: number;
}

/** A keeper's claims in chain order, each with the time it stopped being live. */
export function claimsOf(keeper: Hex, a: ChainActivity, strategies: Map<string, string>): Claim[] {
  const ends = new Map<string, ClaimEndEv[]>();
  for (const e of byChainOrder(a.claimEnded)) {
    if (lower(e.keeper) !== keeper) continue;
    const id = lower(e.campaignId);
    ends.set(id, [...(ends.get(id) ?? []), e]);
  }
  return byChainOrder(a.claimed)
    .filter((e) => lower(e.keeper) === keeper)
    .map((c) => {
      const id = lower(c.campaignId);
      const end = ends.get(id)?.find((e) => before(c, e));
      // Settling is allowed up to the deadline inclusive: the claim is live until `deadline + 1`.
      const to = Math.min(end ? end.timestamp : Infinity, c.deadline + 1);
      return { campaignId: id, mode: strategies.get(id) ?? "unknown", from: c.timestamp, to };
    });
}

/**
 * Mode segments between `start` and `now`: at each instant the mode of the live claim taken last, else idle.
 * Consecutive segments of the same mode are merged; zero-length segments are dropped.
 */
export function timelineOf(claims: readonly Claim[], start: number, now: number): Segment[] {
  const cuts = new Set<number>([start, now]);
  for (const c of claims) {
    if (c.from >= start && c.from <= now) cuts.add(c.from);
    if (c.to >= start && c.to <= now) cuts.add(c.to);
  }
  const times = [...cuts].sort((x, y) => x - y);
  // Sweep: claims enter in order of their start, leave at their end; the live one taken last (highest chain
  // index) gives the mode. A keeper holds few claims at once, so the live set stays small.
  const order = claims.map((_, i) => i).sort((x, y) => claims[x]!.from - claims[y]!.from || x - y);
  let next = 0;
  let live: number[] = [];
  const out: Segment[] = [];
  for (let i = 0; i + 1 < times.length; i++) {
    const [from, to] = [times[i]!, times[i + 1]!];
    const mid = (from + to) / 2;
    while (next < order.length && claims[order[next]!]!.from <= mid) live.push(order[next++]!);
    live = live.filter((j) => mid < claims[j]!.to);
    const top = live.length > 0 ? Math.max(...live) : -1;
    const mode: Mode = top < 0 ? IDLE : claims[top]!.mode;
    const last = out[out.length - 1];
    if (last && last.mode === mode) last.to = to;
    else out.push({ mode, from, to });
  }
  return out;
}

/** Mode at time t: the strategy type of the live claim taken last at t, else idle. */
export function modeAt(claims: readonly Claim[], t: number): Mode {
  let mode: Mode = IDLE;
  for (const c of claims) if (c.from <= t && t < c.to) mode = c.mode;
  return mode;
}

/** Number of changes of strategy type between consecutive claims (chain order). */
export function countSwitches(modes: readonly Mode[]): number {
  let n = 0;
  for (let i = 1; i < modes.length; i++) if (modes[i] !== modes[i - 1]) n++;
  return n;
}

/** PnL per strategy type of one keeper, from the capital book and its receipts. */
export function pnlByStrategy(keeper: Hex, a: ChainActivity, strategies: Map<string, string>): StrategyPnl[] {
  const rows = new Map<string, StrategyPnl>();
  const row = (strategy: string) => {
    let r = rows.get(strategy);
    if (!r) {
      r = { strategy, pnl: 0n, drawn: 0n, draws: 0, repaid: 0, liquidated: 0, receiptPnl: 0n, receipts: 0 };
      rows.set(strategy, r);
    }
    return r;
  };
  const drawStrategy = new Map<bigint, string>();
  for (const d of byChainOrder(a.drawn)) {
    if (lower(d.keeper) !== keeper || drawStrategy.has(d.drawId)) continue;
    const s = strategies.get(lower(d.campaignId)) ?? "unknown";
    drawStrategy.set(d.drawId, s);
    const r = row(s);
    r.drawn += d.amount;
    r.draws++;
  }
  // A draw is closed once: by its repayment or by its liquidation (a repaid draw cannot be liquidated).
  const closed = new Set<bigint>();
  for (const e of byChainOrder(a.repaid)) {
    const s = drawStrategy.get(e.drawId);
    if (s === undefined || closed.has(e.drawId)) continue;
    closed.add(e.drawId);
    const r = row(s);
    r.pnl += e.profit - e.shortfall;
    r.repaid++;
  }
  for (const e of byChainOrder(a.liquidated)) {
    const s = drawStrategy.get(e.drawId);
    if (s === undefined || closed.has(e.drawId)) continue;
    closed.add(e.drawId);
    const r = row(s);
    r.pnl -= e.owed;
    r.liquidated++;
  }
  for (const rc of a.receipts) {
    if (lower(rc.keeper) !== keeper) continue;
    const r = row(strategies.get(lower(rc.campaignId)) ?? "unknown");
    r.receiptPnl += rc.pnl;
    r.receipts++;
  }
  const rank = (s: string) => {
    const i = (STRATEGY_TYPES as readonly string[]).indexOf(s);
    return i < 0 ? STRATEGY_TYPES.length : i;
  };
  return [...rows.values()].sort((x, y) => rank(x.strategy) - rank(y.strategy) || x.strategy.localeCompare(y.strategy));
}

/**
 * Activity of each keeper that claimed, drew or posted a receipt (plus `keepers`, listed even when idle),
 * between `start` (deployment time) and `now` (head time).
 */
export function deriveActivity(
  a: ChainActivity,
  keepers: readonly Hex[],
  start: number,
  now: number,
): KeeperActivity[] {
  const strategies = strategyOf(a.published);
  const all = new Set<Hex>(keepers.map(lower));
  for (const e of [...a.claimed, ...a.drawn, ...a.receipts]) all.add(lower(e.keeper));
  return [...all].sort().map((keeper) => {
    const claims = claimsOf(keeper, a, strategies);
    const modes = claims.map((c) => c.mode);
    return {
      keeper,
      mode: modeAt(claims, now),
      claims: claims.length,
      switches: countSwitches(modes),
      switchTimes: claims.filter((c, i) => i > 0 && c.mode !== claims[i - 1]!.mode).map((c) => c.from),
      claimModes: claims.map((c) => ({ campaignId: c.campaignId, mode: c.mode, at: c.from })),
      timeline: timelineOf(claims, start, now),
      pnl: pnlByStrategy(keeper, a, strategies),
    };
  });
}

/**
 * What the dashboard says about each keeper's own metrics (`/api/keeper-nodes`): the lines for an exposed position,
 * health and stop state, and the join of the endpoints with the keepers the chain knows. Pure: no I/O.
 */
import type { KeeperExposure, KeeperNodeStatus } from "../server/keeperMetrics";
import { formatAmount, shortAddress } from "./format";

/** Fixed-point decimals of `KeeperExposure.amount` (the base asset's amount as the keeper's wads). */
export const EXPOSURE_DECIMALS = 18;

/** Decimals shown of an exposed base amount (0.4995 ETH, 2.22 BTC). */
const BASE_FRACTION = 6;

/** `0.4995 ETH long on binance (ETH/USDT)`. */
export function exposureText(e: KeeperExposure): string {
  const where = `on ${e.venue} (${e.market})`;
  if (e.amount === null) return `a position open ${where} (size not exported)`;
  const size = `${formatAmount(BigInt(e.amount), EXPOSURE_DECIMALS, BASE_FRACTION)} ${e.asset ?? ""}`.trim();
  return `${size}${e.position ? ` ${e.position}` : ""} ${where}`;
}

/** The keeper's name for people: its short address, and its configured name when it exports one. */
export function keeperLabel(account: string | null, name: string | null): string {
  const who = account ? shortAddress(account) : "unknown account";
  return name ? `${who} (${name})` : who;
}

/** The prominent line of one exposure. */
export function exposureAlert(node: KeeperNodeStatus, e: KeeperExposure): string {
  return `Exposed: ${exposureText(e)}, keeper ${keeperLabel(node.account, node.name)}; its ${e.market} campaigns are blocked until flat`;
}

/** `healthy: binance up, okx up` / `unhealthy: okx down, binance up`. */
export function healthText(node: KeeperNodeStatus): string {
  if (node.healthy === null) return "health not exported";
  const venues = [...node.venues]
    .sort((a, b) => Number(a.up) - Number(b.up))
    .map((v) => `${v.venue} ${v.up ? "up" : "down"}`)
    .join(", ");
  const state = node.healthy ? "healthy" : "unhealthy (claims no new campaign)";
  return venues ? `${state}: ${venues}` : state;
}

/** `trading` / `stopped: paused by keeper pause: operator check`. */
export function stopText(node: KeeperNodeStatus): string {
  if (node.stopped === null) return "stop state not exported";
  if (!node.stopped) return "trading";
  const why = node.stopReasons.map((r) => r.reason).join("; ");
  return why ? `stopped: ${why}` : "stopped";
}

export interface KeeperRow {
  /** Lower-case account: from the endpoint's `keeper_info`, else the chain's keeper without an endpoint. */
  account: string | null;
  /** The endpoint's status; null for a keeper of the chain that no configured endpoint reports. */
  node: KeeperNodeStatus | null;
}

/**
 * One row per configured endpoint (in the configured order), then one per keeper the chain knows that no endpoint
 * reports (an unreachable endpoint reports no account, so its keeper may be listed twice: once as unreachable).
 */
export function keeperRows(chainKeepers: readonly string[], nodes: readonly KeeperNodeStatus[]): KeeperRow[] {
  const reported = new Set(nodes.map((n) => n.account).filter((a) => a !== null));
  return [
    ...nodes.map((node) => ({ account: node.account, node })),
    ...[...new Set(chainKeepers.map((k) => k.toLowerCase()))]
      .filter((k) => !reported.has(k))
      .map((account) => ({ account, node: null })),
  ];
}

/**
 * Accounts that more than one endpoint reports as its own (`keeper_info`), with those endpoints: a misconfigured list
 * or an endpoint posing as another keeper; the dashboard warns on each such card rather than pick one.
 */
export function sharedAccounts(nodes: readonly KeeperNodeStatus[]): Map<string, string[]> {
  const byAccount = new Map<string, string[]>();
  for (const n of nodes) if (n.account) byAccount.set(n.account, [...(byAccount.get(n.account) ?? []), n.url]);
  return new Map([...byAccount].filter(([, urls]) => urls.length > 1));
}

/**
 * The keepers' own view of themselves, read from their Prometheus endpoints (`APP_KEEPER_METRICS`): what the chain
 * cannot show. Per endpoint: the keeper's account (`keeper_info{account}`, how the dashboard joins it to the chain's
 * keepers), positions an execution left open (`keeper_exposed_positions{market,venue}` and their size,
 * `keeper_exposed_base{market,venue,asset,position}`), health (`keeper_healthy`, `keeper_venue_up{venue}`) and
 * whether new orders are stopped and why (`keeper_trading_stopped`, `keeper_trading_stop_reason{control,reason}`).
 * An endpoint that does not answer is reported as such, never left out.
 */
import { EXPOSURE_DECIMALS } from "../lib/keeperNodes";
import { parseExposition, toFixedPoint, type Sample } from "../lib/prometheus";
/** How long one endpoint may take to answer. */
export const METRICS_TIMEOUT_MS = 2_000;
/** The most text read from one endpoint (a keeper's exposition is about 20 kB). */
export const METRICS_MAX_BYTES = 1_000_000;

export interface KeeperExposure {
  market: string;
  venue: string;
  /** Base asset, or null when the keeper exports only the count (`keeper_exposed_positions`). */
  asset: string | null;
  /** long: the keeper holds base it must sell; short: it owes base it must buy back. */
  position: "long" | "short" | null;
  /** Base left open, fixed point with `EXPOSURE_DECIMALS` decimals (decimal string); null when not exported. */
  amount: string | null;
}

export interface KeeperNodeStatus {
  /** The metrics endpoint read. */
  url: string;
  /** Why the endpoint could not be read (one line naming the URL), or null when it was. */
  problem: string | null;
  /** The keeper's chain account (`keeper_info`), lower case; null when not exported or not read. */
  account: string | null;
  /** The keeper's configured name (the `keeper` label). */
  name: string | null;
  /** `keeper_healthy`: false while a venue is down (the keeper claims no new campaign). */
  healthy: boolean | null;
  venues: { venue: string; up: boolean }[];
  /** `keeper_trading_stopped`: new campaigns and opening orders stopped (keeper pause or a chain stop signal). */
  stopped: boolean | null;
  stopReasons: { control: string; reason: string }[];
  exposures: KeeperExposure[];
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** What one endpoint's exposition says (pure). */
export function nodeStatus(url: string, samples: readonly Sample[]): KeeperNodeStatus {
  const of = (name: string) => samples.filter((s) => s.name === name);
  const one = (name: string) => of(name)[0];
  const info = of("keeper_info").find((s) => s.value === 1 && ADDRESS.test(s.labels["account"] ?? ""));
  const named = samples.find((s) => s.labels["keeper"] !== undefined);
  const healthy = one("keeper_healthy");
  const stopped = one("keeper_trading_stopped");
  const sizes = of("keeper_exposed_base").filter((s) => s.value > 0);
  const exposures: KeeperExposure[] = sizes.map((s) => ({
    market: s.labels["market"] ?? "",
    venue: s.labels["venue"] ?? "",
    asset: s.labels["asset"] ?? null,
    position: s.labels["position"] === "short" ? "short" : s.labels["position"] === "long" ? "long" : null,
    amount: toFixedPoint(s.text, EXPOSURE_DECIMALS)?.toString() ?? null,
  }));
  // A position counted without its size (a keeper that does not export keeper_exposed_base) is still shown.
  for (const s of of("keeper_exposed_positions")) {
    const market = s.labels["market"] ?? "";
    const venue = s.labels["venue"] ?? "";
    if (s.value > 0 && !exposures.some((e) => e.market === market && e.venue === venue))
      exposures.push({ market, venue, asset: null, position: null, amount: null });
  }
  return {
    url,
    problem: null,
    account: info ? info.labels["account"]!.toLowerCase() : null,
    name: named?.labels["keeper"] ?? null,
    healthy: healthy ? healthy.value === 1 : null,
    venues: of("keeper_venue_up")
      .map((s) => ({ venue: s.labels["venue"] ?? "", up: s.value === 1 }))
      .sort((a, b) => a.venue.localeCompare(b.venue)),
    stopped: stopped ? stopped.value === 1 : null,
    stopReasons: of("keeper_trading_stop_reason")
      .filter((s) => s.value === 1)
      .map((s) => ({ control: s.labels["control"] ?? "", reason: s.labels["reason"] ?? "" })),
    exposures: exposures.sort((a, b) => `${a.market} ${a.venue}`.localeCompare(`${b.market} ${b.venue}`)),
  };
}

/** The first line of why a request failed (`fetch failed` alone says nothing: its cause does). */
function reasonOf(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError"))
    return `no answer within ${timeoutMs / 1000} s`;
  const cause = err instanceof Error ? (err.cause as { message?: string; code?: string } | undefined) : undefined;
  const text = cause?.message ?? cause?.code ?? (err instanceof Error ? err.message : String(err));
  return text.split("\n")[0]!.slice(0, 200);
}

function failed(url: string, problem: string): KeeperNodeStatus {
  return {
    url,
    problem,
    account: null,
    name: null,
    healthy: null,
    venues: [],
    stopped: null,
    stopReasons: [],
    exposures: [],
  };
}

/** Reads one endpoint; never throws: a failure is the status's `problem`. */
export async function readKeeperNode(
  url: string,
  opts: { timeoutMs?: number; fetch?: typeof fetch } = {},
): Promise<KeeperNodeStatus> {
  const get = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? METRICS_TIMEOUT_MS;
  let text: string;
  try {
    const res = await get(url, { cache: "no-store", signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return failed(url, `metrics unreachable (${url}): HTTP ${res.status}`);
    const declared = Number(res.headers.get("content-length") ?? 0);
    if (declared > METRICS_MAX_BYTES) {
      await res.body?.cancel();
      return failed(url, `metrics unreadable (${url}): ${declared} bytes, more than ${METRICS_MAX_BYTES}`);
    }
    text = await res.text();
    if (text.length > METRICS_MAX_BYTES)
      return failed(url, `metrics unreadable (${url}): more than ${METRICS_MAX_BYTES} characters`);
  } catch (err) {
    return failed(url, `metrics unreachable (${url}): ${reasonOf(err, timeoutMs)}`);
  }
  try {
    return nodeStatus(url, parseExposition(text));
  } catch (err) {
    return failed(url, `metrics unreadable (${url}): ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Reads every configured endpoint at once, in the configured order. */
export function readKeeperNodes(
  urls: readonly string[],
  opts: { timeoutMs?: number; fetch?: typeof fetch } = {},
): Promise<KeeperNodeStatus[]> {
  return Promise.all(urls.map((url) => readKeeperNode(url, opts)));
}

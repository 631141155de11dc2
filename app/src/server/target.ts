import { headers } from "next/headers";
import type { AppTarget } from "../lib/deployment";
import { serverConfig } from "./config";
import { loadDeployment } from "./deployment";

/** Chain id from the node itself (used when nothing is deployed yet). */
async function nodeChainId(rpcUrl: string): Promise<number | null> {
  try {
    const res = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      cache: "no-store",
      signal: AbortSignal.timeout(2_000),
    });
    const body = (await res.json()) as { result?: string };
    return body.result ? Number(BigInt(body.result)) : null;
  } catch {
    return null; // Unreachable node: the page says so (chain id then comes from the deployment or defaults).
  }
}

/** This request's origin, so the browser's RPC URL points at this app's /api/rpc proxy. */
export async function requestOrigin(): Promise<string> {
  const h = await headers();
  const host = h.get("x-forwarded-host") ?? h.get("host") ?? "127.0.0.1:3000";
  const proto = h.get("x-forwarded-proto") ?? "http";
  return `${proto}://${host}`;
}

/** What the page targets: the configured network, its chain id and its deployment. */
export async function loadTarget(origin: string): Promise<AppTarget> {
  const config = serverConfig();
  const loaded = loadDeployment();
  const chainId = loaded?.deployment.chainId ?? (await nodeChainId(config.rpcUrl)) ?? 31337;
  return {
    network: config.network,
    chainId,
    local: config.local,
    rpcUrl: `${origin}/api/rpc`,
    deployment: loaded?.deployment ?? null,
    source: loaded?.source ?? null,
  };
}

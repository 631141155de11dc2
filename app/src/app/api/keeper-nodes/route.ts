import { AppConfigError, serverConfig } from "../../../server/config";
import { readKeeperNodes, type KeeperNodeStatus } from "../../../server/keeperMetrics";

export const dynamic = "force-dynamic";

/** What the keepers' metrics endpoints (`APP_KEEPER_METRICS`) say now: exposures, health, stop state. */
export interface KeeperNodesData {
  /** The configured endpoints, read now; empty when none is configured. */
  nodes: KeeperNodeStatus[];
}

/** Read apart from the chain (`/api/dashboard`): an exposure shows even while the node cannot be read. */
export async function GET(): Promise<Response> {
  let urls: string[];
  try {
    urls = serverConfig().keeperMetrics;
  } catch (err) {
    if (!(err instanceof AppConfigError)) throw err;
    return Response.json({ error: err.message }, { status: 500 });
  }
  const body: KeeperNodesData = { nodes: await readKeeperNodes(urls) };
  return Response.json(body, { headers: { "cache-control": "no-store" } });
}

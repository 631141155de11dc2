import { resolve } from "node:path";
import { z } from "zod";

/** Networks whose chain runs on this machine (as `scripts/lib/env.ts`): dev wallet and faucet allowed. */
export const LOCAL_NETWORKS = new Set(["hardhat", "hardhatMainnet", "localhost", "default", "e2e"]);

const env = z.object({
  APP_NETWORK: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, { error: "must be a network name such as localhost" })
    .default("localhost"),
  APP_RPC_URL: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
  DEPLOYMENTS_DIR: z.string().min(1).optional(),
});

export interface ServerConfig {
  network: string;
  local: boolean;
  /** JSON-RPC endpoint the server reads and the /api/rpc proxy forwards to. */
  rpcUrl: string;
  deploymentsDir: string;
}

/** Thrown with a one-line message naming the variable that is wrong. */
export class AppConfigError extends Error {
  override name = "AppConfigError";
}

/**
 * The server's configuration from the environment, checked once per call (cheap; the values may change
 * between test runs of the same build). APP_NETWORK picks `deployments/<network>.json`; APP_RPC_URL is
 * required except on local networks, where it defaults to `npm start`'s chain.
 */
export function serverConfig(source: NodeJS.ProcessEnv = process.env): ServerConfig {
  const parsed = env.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AppConfigError(`${String(issue.path[0])} ${issue.message}`);
  }
  const { APP_NETWORK: network, APP_RPC_URL, DEPLOYMENTS_DIR } = parsed.data;
  const local = LOCAL_NETWORKS.has(network);
  if (!APP_RPC_URL && !local) throw new AppConfigError(`APP_RPC_URL is not set (required for network ${network})`);
  return {
    network,
    local,
    rpcUrl: APP_RPC_URL ?? "http://127.0.0.1:8545",
    deploymentsDir: DEPLOYMENTS_DIR ? resolve(DEPLOYMENTS_DIR) : resolve(process.cwd(), "..", "deployments"),
  };
}

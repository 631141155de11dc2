import { resolve } from "node:path";
import { z } from "zod";

/** Networks whose chain runs on this machine (as `scripts/lib/env.ts`): dev wallet and faucet allowed. */
export const LOCAL_NETWORKS = new Set(["hardhat", "hardhatMainnet", "localhost", "default", "e2e"]);

const metricsUrl = z.url({ protocol: /^https?$/ });

const env = z.object({
  APP_NETWORK: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, { error: "must be a network name such as localhost" })
    .default("localhost"),
  APP_RPC_URL: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
  DEPLOYMENTS_DIR: z.string().min(1).optional(),
  APP_KEEPER_METRICS: z
    .string()
    .optional()
    .transform((value, ctx) => {
      const urls = (value ?? "")
        .split(",")
        .map((u) => u.trim())
        .filter((u) => u !== "");
      for (const [i, url] of urls.entries()) {
        // Values are not echoed: a URL may carry credentials.
        if (!metricsUrl.safeParse(url).success) {
          ctx.addIssue({
            code: "custom",
            message: `entry ${i + 1} must be an http(s) URL such as http://127.0.0.1:9101/metrics`,
          });
          return z.NEVER;
        }
        const first = urls.indexOf(url);
        if (first !== i) {
          ctx.addIssue({ code: "custom", message: `entry ${i + 1} repeats entry ${first + 1}` });
          return z.NEVER;
        }
      }
      return urls;
    }),
});

export interface ServerConfig {
  network: string;
  local: boolean;
  /** JSON-RPC endpoint the server reads and the /api/rpc proxy forwards to. */
  rpcUrl: string;
  deploymentsDir: string;
  /**
   * Keepers' Prometheus endpoints (`APP_KEEPER_METRICS`, comma-separated; `npm start` sets its three keepers'):
   * the dashboard reads exposures, health and stop state from them. Empty: the dashboard says none is configured.
   */
  keeperMetrics: string[];
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
  const { APP_NETWORK: network, APP_RPC_URL, DEPLOYMENTS_DIR, APP_KEEPER_METRICS } = parsed.data;
  const local = LOCAL_NETWORKS.has(network);
  if (!APP_RPC_URL && !local) throw new AppConfigError(`APP_RPC_URL is not set (required for network ${network})`);
  return {
    network,
    local,
    rpcUrl: APP_RPC_URL ?? "http://127.0.0.1:8545",
    deploymentsDir: DEPLOYMENTS_DIR ? resolve(DEPLOYMENTS_DIR) : resolve(process.cwd(), "..", "deployments"),
    keeperMetrics: APP_KEEPER_METRICS,
  };
}

import { resolve } from "node:path";
import { z } from "zod";

/** Networks whose chain runs on this machine: test tokens and open mints are allowed there. */
export const LOCAL_NETWORKS = new Set(["hardhat", "hardhatMainnet", "localhost", "default", "e2e"]);

const remoteEnv = z.object({
  REMOTE_RPC_URL: z
    .string({ error: "is not set" })
    .url({ error: "must be an http(s) URL" })
    .refine((v) => /^https?:\/\//.test(v), { error: "must be an http(s) URL" }),
  DEPLOYER_PRIVATE_KEY: z
    .string({ error: "is not set" })
    .regex(/^0x[0-9a-fA-F]{64}$/, { error: "must be 0x followed by 64 hex digits" }),
  DEPOSIT_ASSET: z
    .string({ error: "is not set (the deposit token's address on that network)" })
    .regex(/^0x[0-9a-fA-F]{40}$/, { error: "must be a 0x-prefixed 20-byte address" }),
});

export type RemoteEnv = z.infer<typeof remoteEnv>;

/** Thrown with a one-line message naming the variable that is missing or malformed. */
export class EnvError extends Error {
  override name = "EnvError";
}

/**
 * Checks the environment a remote network needs. The first problem found is reported in one line,
 * e.g. `REMOTE_RPC_URL must be an http(s) URL`. Values are never echoed (a key could leak in logs).
 */
export function readRemoteEnv(env: NodeJS.ProcessEnv = process.env): RemoteEnv {
  const parsed = remoteEnv.safeParse(env);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new EnvError(`${String(issue.path[0])} ${issue.message}`);
}

/** `npm start`'s fixed ports when no `START_PORT_BASE` is given. */
export const DEFAULT_START_PORTS = {
  chain: 8545,
  app: 3000,
  binance: 8601,
  okx: 8602,
  verifier: 8600,
  metrics: [9101, 9102, 9103],
} as const;

/** Ports `npm start` takes from `START_PORT_BASE` upwards (chain, app, 2 simulators, verifier, 3 keeper metrics). */
export const START_PORT_COUNT = 8;

export interface StartPorts {
  chain: number;
  app: number;
  binance: number;
  okx: number;
  verifier: number;
  metrics: readonly number[];
}

export interface StartEnv {
  ports: StartPorts;
  /** Keeper data and the simulator scenario (absolute path). */
  stateDir: string;
  /** Hardhat network the contracts are deployed to; names `deployments/<network>.json`. */
  network: "localhost" | "e2e";
  /** The app's Next.js build directory, relative to `app/` (`.next` or `.next-<name>`). */
  appDistDir: string;
  /** What the demo depositor puts into the vault at start, in deposit-asset base units (0: no demo deposit). */
  demoDeposit: bigint;
}

/** The demo depositor's default deposit: 200,000 tUSD, so the keepers have capital to draw. */
export const DEFAULT_DEMO_DEPOSIT_TUSD = 200_000;

/** A Next.js build directory name inside `app/`: `.next` or `.next-<letters, digits, - or _>`. */
export const APP_DIST_DIR = /^\.next(-[A-Za-z0-9_-]+)?$/;

const startEnv = z.object({
  START_PORT_BASE: z
    .string()
    .regex(/^\d+$/, { error: "must be a port number" })
    .transform(Number)
    .refine((n) => n >= 1024 && n + START_PORT_COUNT - 1 <= 65_535, {
      error: `must be between 1024 and ${65_536 - START_PORT_COUNT} (${START_PORT_COUNT} ports from it are used)`,
    })
    .optional(),
  START_STATE_DIR: z.string().min(1, { error: "must not be empty" }).optional(),
  START_NETWORK: z
    .enum(["localhost", "e2e"], { error: "must be localhost or e2e (a local network of hardhat.config.ts)" })
    .default("localhost"),
  APP_DIST_DIR: z.string().regex(APP_DIST_DIR, { error: "must be .next or .next-<name>" }).default(".next"),
  START_DEMO_DEPOSIT: z
    .string()
    .regex(/^\d{1,9}$/, { error: "must be a whole number of tUSD (0 to 999,999,999)" })
    .transform((v) => BigInt(v) * 10n ** 6n)
    .default(BigInt(DEFAULT_DEMO_DEPOSIT_TUSD) * 10n ** 6n),
});

/**
 * `npm start`'s overrides, for a second instance beside a developer's (the app's end-to-end tests):
 * `START_PORT_BASE` (8 consecutive ports instead of the fixed ones), `START_STATE_DIR` (instead of
 * `.keeper-data/`), `START_NETWORK` (`e2e`: deploy through hardhat's `e2e` network, written to
 * `deployments/e2e.json`), `APP_DIST_DIR` (the app's build directory) and `START_DEMO_DEPOSIT` (tUSD the demo
 * depositor puts into the vault; 0 for none). Unset, nothing changes.
 * hardhat's `localhost` network is 127.0.0.1:8545, so other ports need `START_NETWORK=e2e`.
 */
export function readStartEnv(root: string, env: NodeJS.ProcessEnv = process.env): StartEnv {
  const parsed = startEnv.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new EnvError(`${String(issue.path[0])} ${issue.message}`);
  }
  const {
    START_PORT_BASE: base,
    START_STATE_DIR,
    START_NETWORK: network,
    APP_DIST_DIR: appDistDir,
    START_DEMO_DEPOSIT: demoDeposit,
  } = parsed.data;
  if (base !== undefined && network === "localhost")
    throw new EnvError(
      "START_PORT_BASE needs START_NETWORK=e2e (hardhat's localhost network is 127.0.0.1:8545, and deployments/localhost.json belongs to the default npm start)",
    );
  const ports: StartPorts =
    base === undefined
      ? DEFAULT_START_PORTS
      : {
          chain: base,
          app: base + 1,
          binance: base + 2,
          okx: base + 3,
          verifier: base + 4,
          metrics: [base + 5, base + 6, base + 7],
        };
  return {
    ports,
    stateDir: resolve(root, START_STATE_DIR ?? ".keeper-data"),
    network,
    appDistDir,
    demoDeposit,
  };
}

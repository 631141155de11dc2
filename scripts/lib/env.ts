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

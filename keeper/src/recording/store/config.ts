import { isAbsolute, join } from "node:path";
import { z } from "zod";
import { ConfigError } from "../../errors.js";
import type { ContentStore } from "./content-store.js";
import { LocalDirectoryStore } from "./local.js";
import { S3ContentStore, S3StoreConfigSchema } from "./s3.js";

/**
 * Which content store the keeper writes its trace documents to (and an auditor reads others' from), chosen in the
 * keeper configuration under `store`:
 *
 * - `{ kind: "local", dir? }`: a directory (default `<dataDir>/store`); point several keepers (and auditors) at one
 *   shared directory to let them read each other's traces;
 * - `{ kind: "s3", bucket, region, endpoint?, prefix?, forcePathStyle?, credentials? }`: any S3 API. Credentials are
 *   never written in the configuration file: `{ source: "env" }` reads `KEEPER_S3_ACCESS_KEY_ID` and
 *   `KEEPER_S3_SECRET_ACCESS_KEY`; `{ source: "secrets", entry }` takes `apiKey`/`secret` of that entry of the
 *   encrypted credentials file; omitted, the AWS SDK's default provider chain applies (AWS_* variables, profiles,
 *   instance roles).
 */
export const storeCredentialsSchema = z.discriminatedUnion("source", [
  z.object({ source: z.literal("env") }).strict(),
  z.object({ source: z.literal("secrets"), entry: z.string().min(1) }).strict(),
]);

export const storeConfigSchema = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("local"),
      /** Directory of the store (relative paths are taken from the working directory); default `<dataDir>/store`. */
      dir: z.string().min(1).optional(),
    })
    .strict(),
  S3StoreConfigSchema.omit({ credentials: true })
    .extend({
      kind: z.literal("s3"),
      credentials: storeCredentialsSchema.optional(),
    })
    .strict(),
]);

export type StoreConfig = z.output<typeof storeConfigSchema>;
export type StoreConfigInput = z.input<typeof storeConfigSchema>;

/** Environment variables of `credentials: { source: "env" }`. */
export const S3_ENV = {
  accessKeyId: "KEEPER_S3_ACCESS_KEY_ID",
  secretAccessKey: "KEEPER_S3_SECRET_ACCESS_KEY",
} as const;

export interface StoreContext {
  /** The keeper's data directory (default location of a local store). */
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  /** Decrypts the credentials file on demand (only called for `source: "secrets"`). */
  secrets?: () => Record<string, { apiKey: string; secret: string }>;
}

export interface OpenedStore {
  store: ContentStore;
  /** Where it lives, for logs (never holds a credential). */
  describe: string;
  /** Releases sockets (S3). */
  close(): void;
}

/** Opens the configured content store (validated again here, so a caller may pass raw input). */
export function openContentStore(input: unknown, ctx: StoreContext): OpenedStore {
  const parsed = storeConfigSchema.safeParse(input ?? { kind: "local" });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`config: store${issue.path.length ? "." + issue.path.join(".") : ""} ${issue.message}`);
  }
  const c = parsed.data;
  if (c.kind === "local") {
    const dir = c.dir === undefined ? join(ctx.dataDir, "store") : c.dir;
    return {
      store: new LocalDirectoryStore(dir),
      describe: `local:${isAbsolute(dir) ? dir : join(".", dir)}`,
      close() {},
    };
  }
  const { kind: _kind, credentials, ...s3 } = c;
  let resolved: { accessKeyId: string; secretAccessKey: string } | undefined;
  if (credentials?.source === "env") {
    const env = ctx.env ?? process.env;
    const accessKeyId = env[S3_ENV.accessKeyId];
    const secretAccessKey = env[S3_ENV.secretAccessKey];
    if (!accessKeyId) throw new ConfigError(`${S3_ENV.accessKeyId} is not set (store.credentials.source = env)`);
    if (!secretAccessKey) {
      throw new ConfigError(`${S3_ENV.secretAccessKey} is not set (store.credentials.source = env)`);
    }
    resolved = { accessKeyId, secretAccessKey };
  } else if (credentials?.source === "secrets") {
    if (!ctx.secrets) throw new ConfigError("config: store.credentials.source = secrets needs a credentialsFile");
    const entry = ctx.secrets()[credentials.entry];
    if (!entry) {
      throw new ConfigError(`config: store.credentials.entry "${credentials.entry}" is not in the credentials file`);
    }
    resolved = { accessKeyId: entry.apiKey, secretAccessKey: entry.secret };
  }
  const store = S3ContentStore.fromConfig(resolved ? { ...s3, credentials: resolved } : s3);
  return {
    store,
    describe: `s3:${s3.endpoint ?? "aws"}/${s3.bucket}/${s3.prefix}`,
    close: () => store.destroy(),
  };
}

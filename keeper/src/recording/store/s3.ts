import { createRequire } from "node:module";
import type * as S3Sdk from "@aws-sdk/client-s3";
import type { S3Client, S3ClientConfig } from "@aws-sdk/client-s3";
import { z } from "zod";
import { ConfigError } from "../../errors.js";
import { ContentNotFoundError, RecordingError } from "../errors.js";
import { assertCidMatches, computeCid, parseStoreCid, type ContentCodec, type ContentStore } from "./content-store.js";

/**
 * Content store on any S3-compatible object store (AWS S3, MinIO, R2...). Objects live under
 * `<prefix><cid>`; the CIDs are the same as the local directory store's, and `get` re-verifies the hash, so a
 * bucket that returns altered bytes is detected. Credentials come from the caller (the node's encrypted
 * config) or the AWS SDK's default provider chain; they are never logged.
 */
export const S3StoreConfigSchema = z
  .object({
    bucket: z.string().min(3).max(63),
    /** Key prefix, e.g. "traces/"; empty for the bucket root. */
    prefix: z
      .string()
      .max(200)
      .regex(/^([A-Za-z0-9!_.*'()-]+\/)*$/, "must be empty or end with '/'")
      .default(""),
    region: z.string().min(1).default("us-east-1"),
    /** Custom endpoint (MinIO, a local test server); omit for AWS. */
    endpoint: z.url().optional(),
    /** Path-style addressing (`endpoint/bucket/key`), needed by most non-AWS servers. */
    forcePathStyle: z.boolean().default(false),
    credentials: z
      .object({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1) })
      .strict()
      .optional(),
  })
  .strict();
export type S3StoreConfig = z.input<typeof S3StoreConfigSchema>;

let sdk: typeof S3Sdk | undefined;
/**
 * The AWS SDK, loaded when an S3 store is first built: every keeper command imports this module (through the store
 * configuration), and loading the SDK costs about 0.25 s of CPU, paid at each start by keepers that use the local
 * store. The package is CommonJS only (`main`, no `exports`), so `require` loads the very module `import` would.
 */
function s3Sdk(): typeof S3Sdk {
  return (sdk ??= createRequire(import.meta.url)("@aws-sdk/client-s3") as typeof S3Sdk);
}

/** GET of a missing key: `NoSuchKey` (a missing bucket is `NoSuchBucket`, a configuration error, not "absent"). */
function isNoSuchKey(err: unknown): boolean {
  return (err as { name?: string })?.name === "NoSuchKey";
}

/**
 * HEAD has no error body, so a missing key is a bare 404 (`NotFound`). Note: without `s3:ListBucket` permission
 * AWS answers 403 for a missing key; that surfaces as an error, never as "absent".
 */
function isHeadNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === "NotFound" && e.$metadata?.httpStatusCode === 404;
}

export class S3ContentStore implements ContentStore {
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;

  constructor(client: S3Client, bucket: string, prefix = "") {
    this.client = client;
    this.bucket = bucket;
    this.prefix = prefix;
  }

  /** Builds the store from validated configuration (throws `ConfigError` with every problem listed). */
  static fromConfig(input: unknown): S3ContentStore {
    const r = S3StoreConfigSchema.safeParse(input);
    if (!r.success) {
      const details = r.error.issues.map((i) => `${i.path.join(".") || "(s3)"}: ${i.message}`).join("; ");
      throw new ConfigError("invalid S3 content store configuration", { details, cause: r.error });
    }
    const c = r.data;
    const cfg: S3ClientConfig = {
      region: c.region,
      forcePathStyle: c.forcePathStyle,
      // Checksums only when the API requires them: S3-compatible servers differ in trailer-checksum support,
      // and integrity is enforced end-to-end by the CID anyway.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    };
    if (c.endpoint !== undefined) cfg.endpoint = c.endpoint;
    if (c.credentials !== undefined) cfg.credentials = c.credentials;
    return new S3ContentStore(new (s3Sdk().S3Client)(cfg), c.bucket, c.prefix);
  }

  key(cid: string): string {
    return `${this.prefix}${parseStoreCid(cid).toString()}`;
  }

  async put(bytes: Uint8Array, codec: ContentCodec = "raw"): Promise<string> {
    const cid = (await computeCid(bytes, codec)).toString();
    try {
      await this.client.send(
        new (s3Sdk().PutObjectCommand)({
          Bucket: this.bucket,
          Key: this.key(cid),
          Body: bytes,
          ContentType: codec === "json" ? "application/json" : "application/octet-stream",
        }),
      );
    } catch (err) {
      throw new RecordingError("S3 put failed", { details: `${this.bucket}/${this.key(cid)}`, cause: err });
    }
    return cid;
  }

  async get(cid: string): Promise<Uint8Array> {
    const key = this.key(cid);
    let bytes: Uint8Array;
    try {
      const res = await this.client.send(new (s3Sdk().GetObjectCommand)({ Bucket: this.bucket, Key: key }));
      if (!res.Body) throw new RecordingError("S3 returned no body", { details: key });
      bytes = await res.Body.transformToByteArray();
    } catch (err) {
      if (isNoSuchKey(err)) throw new ContentNotFoundError("no content under this CID", { details: cid, cause: err });
      if (err instanceof RecordingError) throw err;
      throw new RecordingError("S3 get failed", { details: `${this.bucket}/${key}`, cause: err });
    }
    await assertCidMatches(cid, bytes);
    return bytes;
  }

  async has(cid: string): Promise<boolean> {
    try {
      await this.client.send(new (s3Sdk().HeadObjectCommand)({ Bucket: this.bucket, Key: this.key(cid) }));
      return true;
    } catch (err) {
      if (isHeadNotFound(err)) return false;
      throw new RecordingError("S3 head failed", { details: `${this.bucket}/${this.key(cid)}`, cause: err });
    }
  }

  /** Releases the client's sockets. */
  destroy(): void {
    this.client.destroy();
  }
}

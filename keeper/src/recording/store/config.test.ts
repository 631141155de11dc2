import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import S3rver from "s3rver";
import { ConfigError } from "../../errors.js";
import { loadKeeperConfig } from "../../node/config.js";
import { computeCid } from "./content-store.js";
import { openContentStore, S3_ENV } from "./config.js";
import { LocalDirectoryStore } from "./local.js";
import { S3ContentStore } from "./s3.js";

const root = mkdtempSync(join(tmpdir(), "store-config-"));
const enc = new TextEncoder();
const KEY = "0x" + "ab".repeat(32);

function configFile(store: unknown): string {
  const path = join(mkdtempSync(join(root, "cfg-")), "keeper.json");
  writeFileSync(
    path,
    JSON.stringify({
      name: "k",
      chain: { rpcUrl: "http://127.0.0.1:8545", deployment: "d.json" },
      pairs: ["BTC/USDT"],
      privateKey: KEY,
      dataDir: join(root, "data"),
      store,
    }),
  );
  return path;
}

let server: S3rver;
let endpoint: string;
before(async () => {
  server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory: join(root, "s3rver"),
    configureBuckets: [{ name: "vsv-shared" }],
  });
  endpoint = `http://127.0.0.1:${(await server.run()).port}`;
});
after(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

describe("store configuration", () => {
  it("loadKeeperConfig_noStore_localUnderTheDataDir", () => {
    const cfg = loadKeeperConfig(configFile(undefined), {});
    assert.deepEqual(cfg.store, { kind: "local" });
    const opened = openContentStore(cfg.store, { dataDir: cfg.dataDir });
    assert.ok(opened.store instanceof LocalDirectoryStore);
    assert.equal(opened.store.dir, join(cfg.dataDir, "store"));
  });

  it("loadKeeperConfig_sharedLocalDirectory_usedAsIs", () => {
    const cfg = loadKeeperConfig(configFile({ kind: "local", dir: join(root, "shared") }), {});
    const opened = openContentStore(cfg.store, { dataDir: cfg.dataDir });
    assert.equal((opened.store as LocalDirectoryStore).dir, join(root, "shared"));
  });

  it("loadKeeperConfig_unknownKind_namesTheField", () => {
    assert.throws(
      () => loadKeeperConfig(configFile({ kind: "ipfs" }), {}),
      (err: unknown) => err instanceof ConfigError && /store\.kind/.test(err.message),
    );
  });

  it("loadKeeperConfig_s3WithoutBucket_namesTheField", () => {
    assert.throws(
      () => loadKeeperConfig(configFile({ kind: "s3", region: "eu-west-1" }), {}),
      (err: unknown) => err instanceof ConfigError && /store\.bucket/.test(err.message),
    );
  });

  it("loadKeeperConfig_s3InlineSecret_refused", () => {
    // Credentials never live in the configuration file: only their source does.
    assert.throws(
      () =>
        loadKeeperConfig(
          configFile({ kind: "s3", bucket: "b-1", credentials: { accessKeyId: "AK", secretAccessKey: "SK" } }),
          {},
        ),
      (err: unknown) => err instanceof ConfigError && /store\.credentials/.test(err.message) && !/SK/.test(err.message),
    );
  });

  it("openContentStore_s3CredentialsFromEnvMissing_namesTheVariable", () => {
    const cfg = loadKeeperConfig(configFile({ kind: "s3", bucket: "vsv-shared", credentials: { source: "env" } }), {});
    assert.throws(
      () => openContentStore(cfg.store, { dataDir: cfg.dataDir, env: {} }),
      new RegExp(`${S3_ENV.accessKeyId} is not set`),
    );
  });

  it("openContentStore_s3FromConfigWithEnvCredentials_storesOnARealS3Api", async () => {
    const cfg = loadKeeperConfig(
      configFile({
        kind: "s3",
        endpoint,
        bucket: "vsv-shared",
        prefix: "traces/",
        forcePathStyle: true,
        credentials: { source: "env" },
      }),
      {},
    );
    const env = { [S3_ENV.accessKeyId]: "S3RVER", [S3_ENV.secretAccessKey]: "S3RVER" };
    const writer = openContentStore(cfg.store, { dataDir: cfg.dataDir, env });
    const reader = openContentStore(cfg.store, { dataDir: cfg.dataDir, env });
    try {
      assert.ok(writer.store instanceof S3ContentStore);
      assert.doesNotMatch(writer.describe, /S3RVER/);
      const bytes = enc.encode('{"trace":"shared"}');
      const cid = await writer.store.put(bytes, "json");
      assert.equal(cid, (await computeCid(bytes, "json")).toString());
      // Another process (an auditor) with the same configuration reads it back by CID.
      assert.deepEqual(new Uint8Array(await reader.store.get(cid)), bytes);
    } finally {
      writer.close();
      reader.close();
    }
  });

  it("openContentStore_s3CredentialsFromEncryptedSecrets_entryUsed", async () => {
    const cfg = loadKeeperConfig(
      configFile({
        kind: "s3",
        endpoint,
        bucket: "vsv-shared",
        forcePathStyle: true,
        credentials: { source: "secrets", entry: "s3" },
      }),
      {},
    );
    assert.throws(
      () => openContentStore(cfg.store, { dataDir: cfg.dataDir, secrets: () => ({}) }),
      /store\.credentials\.entry "s3" is not in the credentials file/,
    );
    const opened = openContentStore(cfg.store, {
      dataDir: cfg.dataDir,
      secrets: () => ({ s3: { apiKey: "S3RVER", secret: "S3RVER" } }),
    });
    try {
      const cid = await opened.store.put(enc.encode("from secrets"));
      assert.equal(await opened.store.has(cid), true);
    } finally {
      opened.close();
    }
  });
});

import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { ContentIntegrityError, ContentNotFoundError } from "../errors.js";
import { computeCid, parseStoreCid, type ContentStore } from "./content-store.js";
import { LocalDirectoryStore } from "./local.js";
import { S3ContentStore } from "./s3.js";
import { ConfigError } from "../../errors.js";

const enc = new TextEncoder();

/** The behaviour every backend must show; `tamper` replaces the stored bytes behind the store's back. */
function shouldBehaveLikeContentStore(
  name: string,
  make: () => ContentStore,
  tamper: (cid: string, bytes: Uint8Array) => Promise<void>,
) {
  describe(`${name} (ContentStore)`, () => {
    it("put_returnsTheCidv1OfTheBytes", async () => {
      const bytes = enc.encode("hello trace");
      const cid = await make().put(bytes);
      assert.equal(cid, (await computeCid(bytes)).toString());
      assert.ok(cid.startsWith("bafkrei"), cid); // CIDv1, raw codec, sha2-256, base32
    });
    it("put_jsonCodecGivesADifferentCid", async () => {
      const bytes = enc.encode('{"a":1}');
      const cid = await make().put(bytes, "json");
      assert.ok(cid.startsWith("bagaaiera"), cid);
      assert.notEqual(cid, await make().put(bytes));
      await assert.rejects(make().put(enc.encode("{nope"), "json"), ContentIntegrityError);
    });
    it("get_returnsTheStoredBytes", async () => {
      const bytes = new Uint8Array(10_000).map((_, i) => (i * 7) % 256);
      const store = make();
      const cid = await store.put(bytes);
      assert.deepEqual(new Uint8Array(await store.get(cid)), bytes);
      assert.equal(await store.has(cid), true);
    });
    it("put_isIdempotent", async () => {
      const store = make();
      const bytes = enc.encode("same bytes");
      assert.equal(await store.put(bytes), await store.put(bytes));
    });
    it("get_missingCidThrowsNotFound", async () => {
      const cid = (await computeCid(enc.encode("never stored"))).toString();
      await assert.rejects(make().get(cid), ContentNotFoundError);
      assert.equal(await make().has(cid), false);
    });
    it("get_refusesCorruptedContent", async () => {
      const store = make();
      const bytes = enc.encode("the original trace");
      const cid = await store.put(bytes);
      await tamper(cid, enc.encode("the 0riginal trace"));
      await assert.rejects(store.get(cid), ContentIntegrityError);
      assert.equal(await store.put(bytes), cid, "put repairs a damaged copy");
      assert.deepEqual(new Uint8Array(await store.get(cid)), bytes);
    });
    it("get_refusesMalformedOrForeignCids", async () => {
      await assert.rejects(make().get("not-a-cid"), ContentIntegrityError);
      // CIDv0 (dag-pb) is valid IPFS but not something this store produces.
      await assert.rejects(make().get("QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"), ContentIntegrityError);
    });
  });
}

const root = mkdtempSync(join(tmpdir(), "content-store-"));

shouldBehaveLikeContentStore(
  "LocalDirectoryStore",
  () => new LocalDirectoryStore(join(root, "local")),
  async (cid, bytes) => writeFile(join(root, "local", cid), bytes),
);

describe("LocalDirectoryStore", () => {
  it("put_leavesNoTemporaryFiles", async () => {
    const dir = join(root, "local-tmp");
    const store = new LocalDirectoryStore(dir);
    const cids = await Promise.all([1, 2, 3].map((i) => store.put(enc.encode(`object ${i}`))));
    assert.deepEqual((await readdir(dir)).sort(), [...cids].sort());
  });
  it("parseStoreCid_refusesNonCanonicalStringForms", async () => {
    const cid = await computeCid(enc.encode("x"));
    assert.throws(() => parseStoreCid(cid.toString().toUpperCase()), ContentIntegrityError);
  });
});

// A real S3 API on loopback: s3rver on an ephemeral port, path-style addressing, fake credentials.
let server: S3rver;
let s3: S3ContentStore;
before(async () => {
  server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory: join(root, "s3rver"),
    configureBuckets: [{ name: "vsv-traces" }],
  });
  const { port } = await server.run();
  s3 = S3ContentStore.fromConfig({
    bucket: "vsv-traces",
    prefix: "traces/",
    endpoint: `http://127.0.0.1:${port}`,
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
  });
});
after(async () => {
  s3.destroy();
  await server.close();
  await rm(root, { recursive: true, force: true });
});

shouldBehaveLikeContentStore(
  "S3ContentStore on s3rver",
  () => s3,
  async (cid, bytes) => {
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: s3.key(cid), Body: bytes }));
  },
);

describe("S3ContentStore", () => {
  it("put_sameCidAsTheLocalStore", async () => {
    const bytes = enc.encode('{"trace":[1,2,3]}');
    assert.equal(await s3.put(bytes, "json"), await new LocalDirectoryStore(join(root, "cmp")).put(bytes, "json"));
  });
  it("fromConfig_rejectsBadConfigurationWithClearErrors", () => {
    assert.throws(
      () => S3ContentStore.fromConfig({ bucket: "b", prefix: "no-slash", endpoint: "not a url" }),
      (err: unknown) =>
        err instanceof ConfigError && ["bucket", "prefix", "endpoint"].every((f) => (err.details ?? "").includes(f)),
    );
  });
  it("get_missingBucketIsAnErrorNotNotFound", async () => {
    const other = new S3ContentStore(s3.client, "no-such-bucket");
    const cid = await s3.put(enc.encode("x"));
    await assert.rejects(
      other.get(cid),
      (err: unknown) => err instanceof Error && !(err instanceof ContentNotFoundError),
    );
  });
});

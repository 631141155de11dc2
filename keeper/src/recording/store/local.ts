import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { ContentIntegrityError, ContentNotFoundError } from "../errors.js";
import { fsyncDir } from "../trace-writer.js";
import { assertCidMatches, computeCid, parseStoreCid, type ContentCodec, type ContentStore } from "./content-store.js";

/**
 * The default content store: one file per object in a local directory, named by its CID string. Writes are
 * atomic (temporary file, fsync, rename, fsync of the directory), so a crash leaves either the whole object or
 * nothing under its name; a stale temporary file is ignored (and can be deleted at any time).
 */
export class LocalDirectoryStore implements ContentStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  #path(cid: string): string {
    return join(this.dir, parseStoreCid(cid).toString());
  }

  async put(bytes: Uint8Array, codec: ContentCodec = "raw"): Promise<string> {
    const cid = (await computeCid(bytes, codec)).toString();
    const path = this.#path(cid);
    if (await this.#intact(cid, path)) return cid;
    await mkdir(this.dir, { recursive: true });
    const tmp = join(this.dir, `.tmp-${process.pid}-${randomBytes(6).toString("hex")}`);
    try {
      const fh = await open(tmp, "wx");
      try {
        await fh.writeFile(bytes);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, path);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    await fsyncDir(this.dir);
    return cid;
  }

  async get(cid: string): Promise<Uint8Array> {
    const path = this.#path(cid);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        throw new ContentNotFoundError("no content under this CID", { details: cid, cause: err });
      }
      throw err;
    }
    await assertCidMatches(cid, bytes);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  async has(cid: string): Promise<boolean> {
    try {
      return (await stat(this.#path(cid))).isFile();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw err;
    }
  }

  /** True when an intact copy is already stored (a damaged one is overwritten by `put`). */
  async #intact(cid: string, path: string): Promise<boolean> {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw err;
    }
    try {
      await assertCidMatches(cid, bytes);
      return true;
    } catch (err) {
      if (err instanceof ContentIntegrityError) return false;
      throw err;
    }
  }
}

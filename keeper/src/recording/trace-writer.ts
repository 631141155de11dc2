import { access, mkdir, open, readFile, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import {
  DuplicateExecutionError,
  RecordingError,
  TraceCorruptError,
  TraceEntryInvalidError,
  TraceSealedError,
} from "./errors.js";
import { executionId, parseTraceEntry, serializeTraceEntry, type TraceEntry } from "./trace.js";

/**
 * Append-only, crash-safe execution trace: one JSONL file per campaign (`<dir>/<campaignId>.jsonl`), one
 * canonical entry per line, every append fsynced before it is acknowledged.
 *
 * Crash model: a process killed during `append` can leave only the LAST line incomplete (a torn tail: bytes
 * without the final newline, possibly NUL-filled after a power loss). `TraceWriter.open` detects that tail and
 * truncates it, so the entry whose append never returned is simply absent and can be recorded again. Any other
 * damage (a complete line that is not a valid canonical entry, an entry of another campaign, a duplicate
 * execution) is a corrupt file and is refused with `TraceCorruptError`: it is never silently skipped.
 *
 * One writer per campaign file: a second `open` of the same file in the same process is refused; the keeper
 * node owns its trace directory (one process per data directory).
 */

export interface TraceReadResult {
  entries: TraceEntry[];
  /** True when the file ends with an incomplete line (a crash during an append); the tail is not returned. */
  tornTail: boolean;
  /** Length in bytes of the intact prefix (everything up to and including the last newline). */
  intactBytes: number;
}

export interface AppendResult {
  /** 0-based position of the entry in the trace (its Merkle leaf `seq`). */
  seq: number;
  entry: TraceEntry;
  /** True when the identical entry was already recorded (idempotent replay after a restart): nothing written. */
  duplicate: boolean;
}

/** File name of a campaign's trace inside a trace directory. */
export function traceFileName(campaignId: string): string {
  if (!/^0x[0-9a-f]{64}$/.test(campaignId)) {
    throw new TraceEntryInvalidError("campaign id must be lower-case 0x-prefixed bytes32", { details: campaignId });
  }
  return `${campaignId}.jsonl`;
}

/** Parses trace bytes; `campaignId` (when given) must match every entry. Throws on a corrupt middle. */
export function parseTraceBytes(bytes: Uint8Array, source: string, campaignId?: string): TraceReadResult {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lastNl = buf.lastIndexOf(0x0a);
  const intactBytes = lastNl + 1;
  const tornTail = intactBytes < buf.length;
  const entries: TraceEntry[] = [];
  const seen = new Set<string>();
  if (intactBytes === 0) return { entries, tornTail, intactBytes };
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(buf.subarray(0, lastNl));
  } catch (err) {
    throw new TraceCorruptError("trace file is not valid UTF-8", { details: source, cause: err });
  }
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    const where = `${source}:${i + 1}`;
    let entry: TraceEntry;
    try {
      entry = parseTraceEntry(JSON.parse(line));
    } catch (err) {
      throw new TraceCorruptError("trace file has a corrupt line", { details: where, cause: err });
    }
    if (serializeTraceEntry(entry) !== line) {
      throw new TraceCorruptError("trace file has a line that is not in canonical form", { details: where });
    }
    if (campaignId !== undefined && entry.campaignId !== campaignId) {
      throw new TraceCorruptError("trace file holds an entry of another campaign", {
        details: `${where}: ${entry.campaignId} != ${campaignId}`,
      });
    }
    const h = executionId(entry);
    if (seen.has(h)) throw new TraceCorruptError("trace file records one execution twice", { details: where });
    seen.add(h);
    entries.push(entry);
  });
  return { entries, tornTail, intactBytes };
}

/** Reads a trace file without modifying it (a torn tail is reported, not removed). */
export async function readTraceFile(path: string, campaignId?: string): Promise<TraceReadResult> {
  return parseTraceBytes(await readFile(path), path, campaignId);
}

const openPaths = new Set<string>();

export class TraceWriter {
  readonly path: string;
  readonly campaignId: string;
  /** True when `open` found and removed a torn tail. */
  readonly recoveredTornTail: boolean;
  #fh: FileHandle | undefined;
  #entries: TraceEntry[];
  #lines = new Map<string, { seq: number; line: string }>();
  #queue: Promise<unknown> = Promise.resolve();
  #broken: unknown;
  /** Byte length of the file: appends write at this explicit offset (never at a stale file position). */
  #size: number;

  private constructor(path: string, campaignId: string, fh: FileHandle, read: TraceReadResult) {
    this.path = path;
    this.campaignId = campaignId;
    this.#fh = fh;
    this.#entries = read.entries;
    this.#size = read.intactBytes;
    this.recoveredTornTail = read.tornTail;
    read.entries.forEach((e, seq) => this.#lines.set(executionId(e), { seq, line: serializeTraceEntry(e) }));
  }

  /** Opens (creating if needed) the trace of `campaignId` in `dir`, truncating a torn tail left by a crash. */
  static async open(dir: string, campaignId: string): Promise<TraceWriter> {
    const id = campaignId.toLowerCase();
    const path = join(dir, traceFileName(id));
    if (openPaths.has(path)) throw new RecordingError("trace file already open by another writer", { details: path });
    openPaths.add(path);
    let fh: FileHandle | undefined;
    try {
      await mkdir(dir, { recursive: true });
      if (await exists(join(dir, traceFileName(id).replace(/\.jsonl$/, ".receipt.json")))) {
        throw new TraceSealedError("the campaign's trace is sealed (receipt signed): no more entries", {
          details: path,
        });
      }
      let created = false;
      try {
        fh = await open(path, "r+");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
        fh = await open(path, "wx+");
        created = true;
      }
      const bytes = await fh.readFile();
      const read = parseTraceBytes(bytes, path, id);
      if (read.tornTail) {
        await fh.truncate(read.intactBytes);
        await fh.sync();
      }
      if (created) await fsyncDir(dir);
      return new TraceWriter(path, id, fh, read);
    } catch (err) {
      openPaths.delete(path);
      await fh?.close();
      throw err;
    }
  }

  /** Entries recorded so far (a copy), in append order. */
  entries(): TraceEntry[] {
    return [...this.#entries];
  }

  get length(): number {
    return this.#entries.length;
  }

  /**
   * Validates, canonicalises and durably appends one entry (written and fsynced before the promise resolves).
   * Recording the identical execution again is a no-op returning `duplicate: true`; the same execution id with
   * different content throws `DuplicateExecutionError`.
   */
  append(input: unknown): Promise<AppendResult> {
    const run = this.#queue.then(() => this.#append(input));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #append(input: unknown): Promise<AppendResult> {
    if (this.#broken !== undefined) {
      throw new RecordingError("trace writer failed earlier; reopen the trace to recover", { cause: this.#broken });
    }
    const fh = this.#fh;
    if (!fh) throw new RecordingError("trace writer is closed", { details: this.path });
    const entry = parseTraceEntry(input);
    if (entry.campaignId !== this.campaignId) {
      throw new TraceEntryInvalidError("entry belongs to another campaign", {
        details: `${entry.campaignId} != ${this.campaignId}`,
      });
    }
    const line = serializeTraceEntry(entry);
    const h = executionId(entry);
    const known = this.#lines.get(h);
    if (known) {
      if (known.line === line) return { seq: known.seq, entry, duplicate: true };
      throw new DuplicateExecutionError("execution already recorded with different content", {
        details: `executionId ${h} (seq ${known.seq})`,
      });
    }
    const buf = Buffer.from(`${line}\n`, "utf8");
    try {
      let off = 0;
      while (off < buf.length) {
        const { bytesWritten } = await fh.write(buf, off, buf.length - off, this.#size + off);
        off += bytesWritten;
      }
      await fh.sync();
    } catch (err) {
      this.#broken = err;
      throw new RecordingError("trace append failed; the trace must be reopened", { details: this.path, cause: err });
    }
    this.#size += buf.length;
    const seq = this.#entries.length;
    this.#entries.push(entry);
    this.#lines.set(h, { seq, line });
    return { seq, entry, duplicate: false };
  }

  /** Waits for pending appends and closes the file. */
  async close(): Promise<void> {
    await this.#queue;
    const fh = this.#fh;
    this.#fh = undefined;
    openPaths.delete(this.path);
    await fh?.close();
  }
}

/** fsyncs a directory so a newly created or renamed file's directory entry survives a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const dh = await open(dir, "r");
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
}

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { DuplicateExecutionError, RecordingError, TraceCorruptError, TraceEntryInvalidError } from "./errors.js";
import { CAMPAIGN_A, CAMPAIGN_B, sampleEntry } from "./test-fixtures.js";
import { parseTraceEntry, serializeTraceEntry } from "./trace.js";
import { TraceWriter, readTraceFile, traceFileName } from "./trace-writer.js";

let root: string;
let n = 0;
const freshDir = () => join(root, `t${n++}`);

before(async () => {
  root = await mkdtemp(join(tmpdir(), "trace-writer-"));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("TraceWriter", () => {
  it("append_writesCanonicalJsonlAndReadsBack", async () => {
    const dir = freshDir();
    const w = await TraceWriter.open(dir, CAMPAIGN_A);
    for (let i = 0; i < 5; i++) assert.equal((await w.append(sampleEntry(i))).seq, i);
    await w.close();
    const text = await readFile(join(dir, traceFileName(CAMPAIGN_A)), "utf8");
    const lines = text.split("\n");
    assert.equal(lines.length, 6);
    assert.equal(lines[5], "");
    assert.equal(lines[2], serializeTraceEntry(parseTraceEntry(sampleEntry(2))));
    const read = await readTraceFile(join(dir, traceFileName(CAMPAIGN_A)), CAMPAIGN_A);
    assert.equal(read.tornTail, false);
    assert.deepEqual(
      read.entries,
      [0, 1, 2, 3, 4].map((i) => parseTraceEntry(sampleEntry(i))),
    );
  });

  it("open_resumesAnExistingTrace", async () => {
    const dir = freshDir();
    const w = await TraceWriter.open(dir, CAMPAIGN_A);
    await w.append(sampleEntry(0));
    await w.close();
    const w2 = await TraceWriter.open(dir, CAMPAIGN_A);
    assert.equal(w2.length, 1);
    assert.equal((await w2.append(sampleEntry(1))).seq, 1);
    await w2.close();
  });

  it("append_identicalExecutionIsIdempotent", async () => {
    const w = await TraceWriter.open(freshDir(), CAMPAIGN_A);
    await w.append(sampleEntry(0));
    await w.append(sampleEntry(1));
    const again = await w.append(sampleEntry(0));
    assert.deepEqual([again.seq, again.duplicate], [0, true]);
    assert.equal(w.length, 2);
    await w.close();
  });

  it("append_sameExecutionDifferentContentIsRejected", async () => {
    const w = await TraceWriter.open(freshDir(), CAMPAIGN_A);
    await w.append(sampleEntry(0));
    await assert.rejects(w.append({ ...sampleEntry(0), price: "1999" }), DuplicateExecutionError);
    await w.close();
  });

  it("append_entryOfAnotherCampaignIsRejected", async () => {
    const w = await TraceWriter.open(freshDir(), CAMPAIGN_A);
    await assert.rejects(w.append(sampleEntry(0, CAMPAIGN_B)), TraceEntryInvalidError);
    await assert.rejects(w.append({ ...sampleEntry(0), price: 1 }), TraceEntryInvalidError);
    assert.equal(w.length, 0);
    await w.close();
  });

  it("append_concurrentCallsAreSerialised", async () => {
    const dir = freshDir();
    const w = await TraceWriter.open(dir, CAMPAIGN_A);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => w.append(sampleEntry(i))));
    assert.deepEqual(
      results.map((r) => r.seq),
      Array.from({ length: 20 }, (_, i) => i),
    );
    await w.close();
    assert.equal((await readTraceFile(w.path)).entries.length, 20);
  });

  it("open_secondWriterInSameProcessIsRefused", async () => {
    const dir = freshDir();
    const w = await TraceWriter.open(dir, CAMPAIGN_A);
    await assert.rejects(TraceWriter.open(dir, CAMPAIGN_A), RecordingError);
    await w.close();
    await (await TraceWriter.open(dir, CAMPAIGN_A)).close();
  });

  it("open_truncatesATornTail", async () => {
    const dir = freshDir();
    const w = await TraceWriter.open(dir, CAMPAIGN_A);
    for (let i = 0; i < 3; i++) await w.append(sampleEntry(i));
    await w.close();
    const line = serializeTraceEntry(parseTraceEntry(sampleEntry(3)));
    await appendFile(w.path, line.slice(0, 40)); // the crash hit in the middle of the 4th append
    const before = await readTraceFile(w.path);
    assert.equal(before.tornTail, true);
    assert.equal(before.entries.length, 3);
    const w2 = await TraceWriter.open(dir, CAMPAIGN_A);
    assert.equal(w2.recoveredTornTail, true);
    assert.equal(w2.length, 3);
    assert.equal((await w2.append(sampleEntry(3))).seq, 3);
    await w2.close();
    const after = await readTraceFile(w.path, CAMPAIGN_A);
    assert.equal(after.tornTail, false);
    assert.equal(after.entries.length, 4);
  });

  it("open_truncatesANulFilledTail", async () => {
    const dir = freshDir();
    const w = await TraceWriter.open(dir, CAMPAIGN_A);
    await w.append(sampleEntry(0));
    await w.close();
    await appendFile(w.path, Buffer.alloc(64)); // size grew but data never reached the disk
    const w2 = await TraceWriter.open(dir, CAMPAIGN_A);
    assert.equal(w2.recoveredTornTail, true);
    assert.equal(w2.length, 1);
    await w2.close();
  });

  it("open_refusesACorruptMiddleLine", async () => {
    const dir = freshDir();
    const w = await TraceWriter.open(dir, CAMPAIGN_A);
    for (let i = 0; i < 3; i++) await w.append(sampleEntry(i));
    await w.close();
    const lines = (await readFile(w.path, "utf8")).split("\n");
    lines[1] = `${lines[1].slice(0, 30)}\u0000\u0000${lines[1].slice(40)}`; // damaged bytes inside line 2
    await writeFile(w.path, lines.join("\n"));
    const bytesBefore = await readFile(w.path);
    await assert.rejects(TraceWriter.open(dir, CAMPAIGN_A), (err: unknown) => {
      return err instanceof TraceCorruptError && (err.details ?? "").endsWith(":2");
    });
    assert.deepEqual(await readFile(w.path), bytesBefore, "a refused file is left untouched");
  });

  it("open_refusesGarbageAndNonCanonicalLines", async () => {
    const dir = freshDir();
    const w = await TraceWriter.open(dir, CAMPAIGN_A);
    await w.append(sampleEntry(0));
    await w.close();
    const good = (await readFile(w.path, "utf8")).trimEnd();
    await writeFile(w.path, `${good}\n{not json\n${good}\n`);
    await assert.rejects(TraceWriter.open(dir, CAMPAIGN_A), TraceCorruptError);
    const pretty = JSON.stringify(JSON.parse(good), null, 1).replace(/\n/g, "");
    await writeFile(w.path, `${pretty}\n`);
    await assert.rejects(TraceWriter.open(dir, CAMPAIGN_A), /not in canonical form/);
    await writeFile(w.path, `${good}\n${good}\n`);
    await assert.rejects(TraceWriter.open(dir, CAMPAIGN_A), /one execution twice/);
    const bytes = Buffer.from(`${good}\n`);
    bytes[bytes.indexOf("binance")] = 0xff; // invalid UTF-8 inside a string value
    await writeFile(w.path, bytes);
    await assert.rejects(TraceWriter.open(dir, CAMPAIGN_A), /not valid UTF-8/);
  });

  it("open_killedWithSigkillLosesNoAcknowledgedEntry", async () => {
    const dir = freshDir();
    const child = fileURLToPath(new URL("./trace-writer.crash-child.ts", import.meta.url));
    let acknowledged = -1;
    for (let round = 0; round < 3; round++) {
      const proc = spawn(process.execPath, ["--import", "tsx", child, dir], { stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      const seen = new Promise<void>((resolve) => {
        proc.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          if (out.split("\n").length > 20 + round * 7) resolve();
        });
      });
      await seen;
      proc.kill("SIGKILL");
      await new Promise((resolve) => proc.once("exit", resolve));
      const acks = out
        .split("\n")
        .filter((l) => l.length > 0)
        .map(Number);
      acknowledged = Math.max(acknowledged, ...acks);
      const w = await TraceWriter.open(dir, CAMPAIGN_A);
      assert.ok(w.length >= acknowledged + 1, `round ${round}: ${w.length} entries, acked up to ${acknowledged}`);
      w.entries().forEach((e, i) => assert.deepEqual(e, parseTraceEntry(sampleEntry(i))));
      await w.close();
    }
  });
});

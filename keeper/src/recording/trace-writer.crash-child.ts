/**
 * Child process for the trace writer's kill -9 test: appends sample entries forever and prints the seq of each
 * append once it has resolved (i.e. once it is fsynced). The parent kills it with SIGKILL at a random moment.
 */
import { TraceWriter } from "./trace-writer.js";
import { CAMPAIGN_A, sampleEntry } from "./test-fixtures.js";

const dir = process.argv[2];
if (!dir) throw new Error("usage: trace-writer.crash-child.ts <dir>");
const writer = await TraceWriter.open(dir, CAMPAIGN_A);
for (let i = writer.length; ; i++) {
  const r = await writer.append(sampleEntry(i));
  process.stdout.write(`${r.seq}\n`);
}

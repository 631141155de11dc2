/**
 * The keeper's test run (`npm test --workspace keeper`): every `keeper/src/**\/*.test.ts`, each file in its own process.
 *
 * - The longest files start first (longest-processing-time-first), `--concurrency` files at a time (default 2, the
 *   machine's cores). `node --test` sorts its files by name and starts them in that order, so the longest ones (the
 *   crash test's `kill -9` runs, the soak) started last and ran alone at the end.
 * - The 2-minute soak runs in a lane of its own beside them: it waits on wall time (two minutes of faults, then the
 *   recovery) with three keepers ticking every 500 ms, so it uses little of a core, and in a shared lane it held one of
 *   the two for three minutes.
 *
 * The order is from measured durations (docs/benchmarks.md, CI); a file not listed runs after the listed ones, by name.
 * Both lanes report through one spec reporter (each lane prints its own totals); any failure fails the run. At the end
 * the run prints each file's wall time (from its process start to its end, start-up and imports included),
 * longest first, so that the order above can be kept true.
 *
 *   node --import tsx ../scripts/test/keeper.ts [--concurrency N] [file ...]
 */
import { readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { PassThrough } from "node:stream";
import { run } from "node:test";
import { spec } from "node:test/reporters";

/** Files that mostly wait on wall time: each runs in its own lane beside the pool. Paths relative to `keeper/`. */
const OWN_LANE: readonly string[] = ["src/node/soak.test.ts"];

/** Longest first (durations measured on this machine, 4 Dec 2026, docs/benchmarks.md); relative to `keeper/`. */
const LONGEST_FIRST: readonly string[] = [
  // 5-6 min under load (4 Dec 2026, 00:50 UTC): ten rounds, each waiting out 10-s windows.
  "src/node/crash-window.test.ts",
  "src/node/crash.test.ts",
  "src/node/crash-quoting.test.ts",
  "src/node/live-keeper.e2e.test.ts",
  "src/paper/paper.test.ts",
  "src/node/risk.e2e.test.ts",
  "src/audit/cli.test.ts",
  "src/replay/replay.test.ts",
  "src/audit/e2e.test.ts",
  "src/node/cli.test.ts",
  "src/campaign/dispatcher.test.ts",
  "src/audit/auditor.test.ts",
];

/** All test files under `root/src`, the listed long ones first in their listed order, then the rest by name. */
function orderedTestFiles(root: string): string[] {
  const all = readdirSync(join(root, "src"), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".test.ts"))
    .map((f) => join("src", f))
    .sort();
  const first = LONGEST_FIRST.filter((f) => all.includes(f));
  return [...first, ...all.filter((f) => !first.includes(f))];
}

function main(): void {
  const args = process.argv.slice(2);
  let concurrency = 2;
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--concurrency") {
      concurrency = Number(args[++i]);
      if (!Number.isInteger(concurrency) || concurrency < 1) {
        console.error(`--concurrency: expected a positive integer, got ${args[i] ?? "nothing"}`);
        process.exit(2);
      }
    } else files.push(relative(process.cwd(), resolve(args[i]!)));
  }
  const list = files.length > 0 ? files : orderedTestFiles(process.cwd());
  const lanes = [
    ...list.filter((f) => OWN_LANE.includes(f)).map((f) => [f]),
    list.filter((f) => !OWN_LANE.includes(f)),
  ].filter((l) => l.length > 0);
  const events = new PassThrough({ objectMode: true });
  const timings = new FileTimings();
  let open = lanes.length;
  for (const lane of lanes) {
    const stream = run({ files: lane, concurrency: lane.length === 1 ? 1 : concurrency });
    stream.on("test:fail", () => (process.exitCode = 1));
    stream.on("data", (e: { type: string; data?: { file?: string; name?: string } }) => {
      timings.saw(e);
      events.write(e);
    });
    stream.on("end", () => {
      if (--open === 0) events.end();
    });
  }
  const out = events.compose(spec);
  out.pipe(process.stdout, { end: false });
  out.on("end", () => process.stdout.write(timings.report()));
}

/**
 * Wall time per test file: `node --test` reports a file-level test named by the file's path, dequeued when its process
 * starts and complete when the process has ended, so this span includes the process's start-up and imports.
 */
class FileTimings {
  private readonly t0 = performance.now();
  private readonly first = new Map<string, number>();
  private readonly last = new Map<string, number>();

  saw(e: { type: string; data?: { file?: string; name?: string } }): void {
    const file = e.data?.file;
    if (!file || e.data?.name === undefined || resolve(e.data.name) !== resolve(file)) return;
    if (e.type === "test:dequeue") this.first.set(file, performance.now());
    if (e.type === "test:complete") this.last.set(file, performance.now());
  }

  report(): string {
    const rows = [...this.last].map(([file, end]) => ({ file, s: (end - (this.first.get(file) ?? this.t0)) / 1000 }));
    rows.sort((a, b) => b.s - a.s);
    const total = (performance.now() - this.t0) / 1000;
    return (
      `\nkeeper test files by wall time (process start to end; ${rows.length} files, ${total.toFixed(0)} s in all):\n` +
      rows.map((r) => `  ${r.s.toFixed(1).padStart(7)} s  ${relative(process.cwd(), r.file)}`).join("\n") +
      "\n"
    );
  }
}

main();

/**
 * The keeper's test run (`npm test --workspace keeper`): every `keeper/src/**\/*.test.ts`, each file in its own process,
 * `--concurrency` files at a time (default 2, the machine's cores), the longest files first.
 *
 * `node --test` sorts its files by name and starts them in that order, so the two longest files (the crash test's
 * `kill -9` runs and the 2-minute soak, each minutes long and mostly waiting on keepers) started last and ran alone at
 * the end. Started first (longest-processing-time-first), they overlap the rest of the suite. The order below is from
 * measured durations (docs/benchmarks.md, CI); a file not listed runs after the listed ones, by name.
 *
 *   node --import tsx ../scripts/test/keeper.ts [--concurrency N] [file ...]
 */
import { readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { run } from "node:test";
import { spec } from "node:test/reporters";

/** Longest first (seconds on a quiet machine, clean-clone CI); paths relative to `keeper/`. */
const LONGEST_FIRST: readonly string[] = [
  "src/node/crash.test.ts",
  "src/node/crash-quoting.test.ts",
  "src/node/soak.test.ts",
  "src/node/live-keeper.e2e.test.ts",
  "src/replay/replay.test.ts",
  "src/node/cli.test.ts",
  "src/node/risk.e2e.test.ts",
  "src/node/keepers.e2e.test.ts",
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
  const stream = run({ files: list, concurrency });
  stream.on("test:fail", () => (process.exitCode = 1));
  stream.compose(spec).pipe(process.stdout);
}

main();

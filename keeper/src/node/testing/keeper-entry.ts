/**
 * A compiled `keeper` command for tests that start `keeper run` many times (the crash tests: 40 starts of a process
 * killed with SIGKILL). Under tsx every start resolves and loads each module through tsx's hooks, ccxt's 200 files
 * included: about 4.5 s of CPU a start, against about 2.2 s for the same program compiled to one file first
 * (docs/benchmarks.md, "Keeper start").
 *
 * It is the production entry (`src/node/cli.ts`, what `bin/keeper.mjs` runs through tsx), compiled by the same
 * esbuild that tsx uses, from the sources as they are when the test starts (built afresh by every test file, never a
 * stale copy); packages stay external, resolved from `node_modules` as under tsx. The file lies two directories
 * below `keeper/` (as `src/<dir>/x.ts` does), so the paths modules derive from `import.meta.url` stay the same.
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const KEEPER_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
/** `keeper/.test-build/bin/keeper.mjs`: named `keeper.mjs`, which `cli.ts` recognises as its own command. */
export const KEEPER_ENTRY = join(KEEPER_DIR, ".test-build", "bin", "keeper.mjs");

/**
 * Compiles `src/node/cli.ts` into `KEEPER_ENTRY` and returns its path. Test files running side by side may build at
 * once: each writes its own temporary file and renames it into place (atomic), so a reader never sees a torn file.
 */
export async function buildKeeperEntry(): Promise<string> {
  const out = await build({
    entryPoints: [join(KEEPER_DIR, "src", "node", "cli.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    packages: "external",
    write: false,
    outfile: KEEPER_ENTRY,
    logLevel: "silent",
  });
  const [file] = out.outputFiles;
  if (!file || out.outputFiles.length !== 1) throw new Error(`esbuild wrote ${out.outputFiles.length} files`);
  mkdirSync(dirname(KEEPER_ENTRY), { recursive: true });
  const tmp = `${KEEPER_ENTRY}.${process.pid}.tmp`;
  writeFileSync(tmp, file.contents);
  renameSync(tmp, KEEPER_ENTRY);
  return KEEPER_ENTRY;
}

/**
 * Whether the web app's production build is current, so that `npm start` can skip `next build`: a
 * SHA-256 over every source file of `app/` (sources, generated contracts, configuration; not build
 * output, dependencies or test results) and the root `package-lock.json` (the versions of Next.js and
 * every library) is recorded in the build directory after a successful build. The build is reused only
 * when that hash and the build's `BUILD_ID` are there and the hash is the one of the files now.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

/** Build outputs, dependencies and generated type stubs: not inputs of the build. */
const SKIP = /^(node_modules|\.next(-[A-Za-z0-9_-]+)?|next-env\.d\.ts|tsconfig\.tsbuildinfo|test-results)$/;
const STAMP = "vsv-build-inputs.sha256";

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => !SKIP.test(e.name))
    .flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []))
    .sort();
}

/** The hash of what `next build` in `app/` reads (call it after the contracts are regenerated). */
export function appBuildInputsHash(root: string): string {
  const app = join(root, "app");
  const hash = createHash("sha256");
  for (const file of [...files(app), join(root, "package-lock.json")]) {
    hash.update(relative(root, file)).update("\0").update(readFileSync(file)).update("\0");
  }
  return hash.digest("hex");
}

/** True when `app/<distDir>` holds a finished build of exactly these inputs. */
export function appBuildIsCurrent(root: string, distDir: string, inputs: string): boolean {
  const dir = join(root, "app", distDir);
  if (!existsSync(join(dir, "BUILD_ID")) || !existsSync(join(dir, STAMP))) return false;
  return readFileSync(join(dir, STAMP), "utf8").trim() === inputs;
}

/** Records the inputs of the build that just finished in `app/<distDir>`. */
export function recordAppBuild(root: string, distDir: string, inputs: string): void {
  writeFileSync(join(root, "app", distDir, STAMP), `${inputs}\n`);
}

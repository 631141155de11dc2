import type { NextConfig } from "next";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The build directory: `.next`, or `.next-<name>` from APP_DIST_DIR (`npm start` beside another
 * `npm start`, e.g. the end-to-end tests, builds and serves its own copy). Build and start must agree.
 */
const distDir = process.env.APP_DIST_DIR ?? ".next";
if (!/^\.next(-[A-Za-z0-9_-]+)?$/.test(distDir)) throw new Error("APP_DIST_DIR must be .next or .next-<name>");

const nextConfig: NextConfig = {
  reactStrictMode: true,
  distDir,
  // The npm workspace root (one lock file for keeper, app and contracts).
  turbopack: { root: dirname(dirname(fileURLToPath(import.meta.url))) },
  outputFileTracingRoot: dirname(dirname(fileURLToPath(import.meta.url))),
  poweredByHeader: false,
};

export default nextConfig;

import type { NextConfig } from "next";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

const nextConfig: NextConfig = {
  reactStrictMode: true,
  // The npm workspace root (one lock file for keeper, app and contracts).
  turbopack: { root: dirname(dirname(fileURLToPath(import.meta.url))) },
  outputFileTracingRoot: dirname(dirname(fileURLToPath(import.meta.url))),
  poweredByHeader: false,
};

export default nextConfig;

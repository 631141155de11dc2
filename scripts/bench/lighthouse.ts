/**
 * Lighthouse scores of the web app's pages at 390×844 (mobile emulation, Lighthouse's default simulated
 * throttling), printed (never asserted), against a private `npm start` (the end-to-end harness) and
 * Debian's chromium. Lighthouse is not a dependency of the project: it is run with `npx` from the npm
 * registry, pinned to 12.2.3 (13 wants another lock format and Node 22 for npm itself).
 *
 *   npx tsx scripts/bench/lighthouse.ts
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CHROMIUM, startSystem } from "../../app/e2e/harness.js";

const LIGHTHOUSE = "lighthouse@12.2.3";
const PAGES = ["/", "/dashboard", "/operators", "/governance"];
const CHROME_FLAGS = "--headless --no-sandbox --disable-gpu --disable-background-networking --no-first-run";

interface Report {
  categories: Record<string, { score: number | null }>;
  audits: Record<string, { displayValue?: string }>;
}

const run = promisify(execFile);
const out = mkdtempSync(join(tmpdir(), "lighthouse-"));
const sys = await startSystem();
try {
  console.log("| page | performance | accessibility | best practices | SEO | LCP | TBT | CLS |");
  console.log("| ---- | ----------- | ------------- | -------------- | --- | --- | --- | --- |");
  for (const path of PAGES) {
    const file = join(out, "report.json");
    await run(
      "npx",
      [
        "-y",
        LIGHTHOUSE,
        `${sys.appUrl}${path}`,
        "--quiet",
        `--chrome-flags=${CHROME_FLAGS}`,
        "--screenEmulation.width=390",
        "--screenEmulation.height=844",
        "--screenEmulation.deviceScaleFactor=3",
        "--screenEmulation.mobile",
        "--output=json",
        `--output-path=${file}`,
      ],
      { env: { ...process.env, CHROME_PATH: CHROMIUM }, maxBuffer: 64 << 20 },
    );
    const r = JSON.parse(readFileSync(file, "utf8")) as Report;
    const score = (id: string) => String(Math.round((r.categories[id]?.score ?? 0) * 100));
    const audit = (id: string) => r.audits[id]?.displayValue ?? "–";
    console.log(
      `| \`${path}\` | ${score("performance")} | ${score("accessibility")} | ${score("best-practices")} | ${score("seo")} | ` +
        `${audit("largest-contentful-paint")} | ${audit("total-blocking-time")} | ${audit("cumulative-layout-shift")} |`,
    );
  }
} finally {
  await sys.stop();
  rmSync(out, { recursive: true, force: true });
}

/**
 * Web app latencies on this machine, printed (never asserted): first render of the vault page in
 * chromium, faucet click to confirmed receipt through the development wallet, and /api/dashboard.
 * Runs a private `npm start` (free ports, own state) like the end-to-end tests.
 *
 *   npx tsx scripts/bench/app.ts
 */
import { startSystem } from "../../app/e2e/harness.js";

function summary(label: string, ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!.toFixed(1);
  return `${label.padEnd(36)} n=${String(s.length).padStart(3)}  median ${at(0.5).padStart(7)} ms  p95 ${at(0.95).padStart(7)} ms`;
}

const sys = await startSystem();
try {
  const context = await sys.browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  const firstRender: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await page.goto(sys.appUrl);
    await page.getByTestId("vault-missing").or(page.getByTestId("vault")).waitFor();
    firstRender.push(performance.now() - t);
  }
  await page.getByRole("button", { name: "Connect wallet" }).click();
  await page.getByRole("button", { name: "Development wallet (local node)" }).click();
  await page.getByTestId("asset-balance").filter({ hasText: "tUSD" }).waitFor();
  const faucet: number[] = [];
  for (let i = 1; i <= 5; i++) {
    await page.getByTestId("faucet-amount").fill(String(i));
    const t = performance.now();
    await page.getByTestId("faucet").click();
    await page
      .locator('[data-testid="tx"][data-status="confirmed"]')
      .filter({ hasText: `Faucet ${i} tUSD` })
      .waitFor();
    faucet.push(performance.now() - t);
    if (process.env.BENCH_VERBOSE) console.log(`faucet ${i}: ${faucet.at(-1)!.toFixed(1)} ms`);
  }
  const api: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    const res = await fetch(`${sys.appUrl}/api/dashboard`);
    await res.json();
    api.push(performance.now() - t);
  }
  console.log(summary("vault page load to first content", firstRender));
  console.log(summary("faucet click to confirmed (dev wallet)", faucet));
  console.log(summary("GET /api/dashboard (32 points)", api));
  await context.close();
} finally {
  await sys.stop();
}

/**
 * Replay benchmark: wall time of `keeper replay` (the live keeper over the stepped simulator and a local chain) on the
 * bundled scenarios, per step and in total, with what each replay did. Prints numbers only.
 *
 *   npx tsx scripts/bench/replay.ts [--runs 1]
 */
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { runReplay } from "../../keeper/src/replay/replay.js";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} needs a positive integer`);
  return n;
}

const scenario = (name: string) => fileURLToPath(new URL(`../../keeper/src/sim/scenarios/${name}`, import.meta.url));
const cases = [
  { file: "mm-steady.json", steps: 150 },
  { file: "mm-preempt.json", steps: 200 },
];

const runs = arg("runs", 1);
for (const c of cases) {
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = await runReplay({ scenario: scenario(c.file), steps: c.steps });
    const ms = performance.now() - t0;
    const s = r.summary;
    console.log(
      `${c.file} ${c.steps} steps: ${(ms / 1000).toFixed(1)} s (${(ms / c.steps).toFixed(1)} ms/step); ` +
        `${s.runs} runs, ${s.campaigns} campaigns (${s.settledCampaigns} settled), ${s.fills} fills, ` +
        `${s.switches} switches, PnL ${s.pnl.toFixed(2)}, errors ${s.errors}`,
    );
  }
}

/**
 * Keeper start cost: how long `keeper run` takes from spawn to `keeper started`, and the CPU it used until then, on the
 * crash tests' system (in-process chain over HTTP, vault capital, the exchange simulator), for each way of launching
 * it: `tsx` (the sources through tsx, as `bin/keeper.mjs`) and `compiled` (`src/node/cli.ts` compiled to one file,
 * keeper/src/node/testing/keeper-entry.ts). Starts alternate between the two so both see the same machine load; each
 * started keeper is killed with SIGKILL, as in the crash tests.
 *
 *   node_modules/.bin/node --import tsx scripts/bench/keeper-start.ts [--starts 5]
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { crashSystem, PASSPHRASE, type KeeperLaunch } from "../../keeper/src/node/testing/crash.js";
import { writeKeeperRunConfig } from "../../keeper/src/node/testing/local-keepers.js";

/** User + system CPU seconds of a live process (`/proc/<pid>/stat` fields 14 and 15, in clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const i = process.argv.indexOf("--starts");
  const starts = i > 0 ? Number(process.argv[i + 1]) : 5;
  if (!Number.isInteger(starts) || starts < 1) throw new Error(`--starts: expected a positive integer`);
  const s = await crashSystem("keeper-start-", "tsx");
  const launches: KeeperLaunch[] = ["tsx", "compiled"];
  const results = new Map<KeeperLaunch, { wall: number[]; cpu: number[] }>(
    launches.map((l) => [l, { wall: [], cpu: [] }]),
  );
  const load0 = loadavg()[0]!;
  try {
    const config = writeKeeperRunConfig(join(s.dir, "keeper.json"), {
      name: "keeper0",
      i: 0,
      run: s.run,
      chain: s.chain,
      dataDir: join(s.dir, "data"),
      passphrase: PASSPHRASE,
      extra: { tickMs: 25, heartbeatSeconds: 60, logLevel: "info" },
    });
    // One start of each first, unmeasured: tsx's transform cache and the compiled file are then warm, as in a test run.
    for (const l of launches) await s.kill9(await s.start(config, l));
    for (let n = 0; n < starts; n++) {
      for (const l of n % 2 ? [...launches].reverse() : launches) {
        const t0 = performance.now();
        const c = await s.start(config, l);
        const wall = (performance.now() - t0) / 1000;
        const cpu = cpuSeconds(c.pid!);
        await s.kill9(c);
        results.get(l)!.wall.push(wall);
        results.get(l)!.cpu.push(cpu);
        console.log(`${l.padEnd(8)} start ${n + 1}: ${wall.toFixed(2)} s wall, ${cpu.toFixed(2)} s CPU`);
      }
    }
  } finally {
    await s.close();
  }
  console.log(`\nload average ${load0.toFixed(1)} -> ${loadavg()[0]!.toFixed(1)}, ${starts} starts each`);
  console.log("| launch | median wall (s) | median CPU (s) |");
  console.log("| ------ | --------------- | -------------- |");
  for (const [l, r] of results) {
    console.log(`| ${l} | ${median(r.wall).toFixed(2)} | ${median(r.cpu).toFixed(2)} |`);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);

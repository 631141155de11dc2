/**
 * The exchange simulator of the keeper benches in a process of its own, as `npm start` runs it (`keeper/src/sim/cli.ts`
 * is a separate service there): the venues' HTTP handling does not share the measured keeper's event loop. The bench
 * drives it over IPC: step the makers, plant a gap, credit an account.
 *
 * Parent side: `startSimulationProcess(keepers)`. Child side: this file run through `fork` (it answers only when it
 * has an IPC channel).
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { SimulationUrls } from "../../../keeper/src/node/testing/local-keepers.js";

type Command =
  | { op: "advance"; steps: number }
  | { op: "plantGap"; price: string; qty: string; venue: "alpha" | "beta" }
  | { op: "deposit"; venue: string; account: string; asset: string; amount: string };

export interface SimulationProcess extends SimulationUrls {
  advance(steps: number): Promise<void>;
  plantGap(price: string, qty: string, venue: "alpha" | "beta"): Promise<void>;
  deposit(venue: string, account: string, asset: string, amount: string): Promise<void>;
  close(): Promise<void>;
}

/** Starts the simulator (`keepers` keeper accounts and BOB, venues alpha and beta) in a child process. */
export async function startSimulationProcess(keepers: number): Promise<SimulationProcess> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [String(keepers)], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const urls = await new Promise<Map<string, string>>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`simulator process exited (${code}) before it listened`)));
    child.once("message", (m) => resolve(new Map(Object.entries((m as { urls: Record<string, string> }).urls))));
  });
  child.removeAllListeners("exit");
  let next = 0;
  const pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  child.on("message", (m) => {
    const { id, error } = m as { id: number; error?: string };
    const p = pending.get(id);
    pending.delete(id);
    if (error) p?.reject(new Error(`simulator: ${error}`));
    else p?.resolve();
  });
  child.on("exit", (code) => {
    for (const p of pending.values()) p.reject(new Error(`simulator process exited (${code})`));
    pending.clear();
  });
  const call = (cmd: Command) =>
    new Promise<void>((resolve, reject) => {
      const id = ++next;
      pending.set(id, { resolve, reject });
      child.send({ id, ...cmd });
    });
  return {
    urls,
    advance: (steps) => call({ op: "advance", steps }),
    plantGap: (price, qty, venue) => call({ op: "plantGap", price, qty, venue }),
    deposit: (venue, account, asset, amount) => call({ op: "deposit", venue, account, asset, amount }),
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

if (process.send && process.argv[1] === fileURLToPath(import.meta.url)) {
  const { startKeeperSimulation, plantGap } = await import("../../../keeper/src/node/testing/local-keepers.js");
  const run = await startKeeperSimulation(Number(process.argv[2] ?? "1"));
  process.on("SIGTERM", () => void run.close().then(() => process.exit(0)));
  // The bench went away without closing it: no orphan simulator.
  process.on("disconnect", () => void run.close().then(() => process.exit(0)));
  process.on("message", (m) => {
    const { id, ...cmd } = m as { id: number } & Command;
    try {
      if (cmd.op === "advance") run.sim.advance(cmd.steps);
      else if (cmd.op === "plantGap") plantGap(run, cmd.price, cmd.qty, cmd.venue);
      else run.sim.venues.get(cmd.venue)!.exchange.deposit(cmd.account, cmd.asset, cmd.amount);
      process.send!({ id });
    } catch (err) {
      process.send!({ id, error: err instanceof Error ? err.message : String(err) });
    }
  });
  process.send({ urls: Object.fromEntries(run.urls) });
}

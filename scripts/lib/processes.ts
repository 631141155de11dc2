import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

/** A long-running child process of `npm start`, with its output prefixed by its name. */
export interface Service {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

const services: Service[] = [];
let stopping = false;

/**
 * Starts `command args` in its own process group (so that stopping it also stops its children)
 * and prefixes every output line with `[name]`. `quiet` drops lines that match (noisy RPC logs).
 */
export function startService(
  name: string,
  command: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; quiet?: RegExp; cwd?: string } = {},
): Service {
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on("line", (line) => {
      const plain = line.replace(/\x1b\[[0-9;]*m/g, "");
      if (opts.quiet?.test(plain)) return;
      process.stdout.write(`[${name}] ${line}\n`);
    });
  }
  const exited = new Promise<number | null>((resolve) => {
    child.on("exit", (code) => {
      if (!stopping) process.stdout.write(`[start] ${name} exited with code ${code}\n`);
      resolve(code);
    });
  });
  const service = { name, child, exited };
  services.push(service);
  return service;
}

/** Runs a command to completion; rejects with its exit code when it fails. */
export function runOnce(name: string, command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<void> {
  const service = startService(name, command, args, { env });
  return service.exited.then((code) => {
    services.splice(services.indexOf(service), 1);
    if (code !== 0) throw new Error(`${name} failed with exit code ${code}`);
  });
}

/**
 * Stops every service, the last started first (keepers before the verifier, the app and the chain they use, so
 * that none loses its chain mid-transaction): SIGTERM to its process group, SIGKILL after a grace period (20 s: a
 * keeper's stop settles its campaigns and repays its draws first).
 */
export async function stopAll(graceMs = 20_000): Promise<void> {
  stopping = true;
  const alive = services.filter((s) => s.child.exitCode === null && s.child.signalCode === null);
  for (const s of alive.reverse()) {
    signalGroup(s, "SIGTERM");
    const timer = setTimeout(() => signalGroup(s, "SIGKILL"), graceMs);
    await s.exited;
    clearTimeout(timer);
  }
}

function signalGroup(s: Service, signal: NodeJS.Signals): void {
  try {
    process.kill(-s.child.pid!, signal);
  } catch {
    // Already gone.
  }
}

/** Polls `probe` until it resolves true or the timeout passes. */
export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

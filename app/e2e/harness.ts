/**
 * End-to-end harness: the real `npm start` (scripts/start.ts: chain, deploy, exchange simulators, app
 * build and `next start`, verifier, three keepers), run beside any developer's `npm start` on 8 free
 * ports (`START_PORT_BASE`), with its own keeper data (`START_STATE_DIR`, a temporary directory), its own
 * deployment (`START_NETWORK=e2e`: deployments/e2e.json) and its own app build (`APP_DIST_DIR=.next-e2e`),
 * plus Debian's chromium through playwright-core. `npm start` runs in its own process group; `stop()`
 * sends it SIGINT (what Ctrl-C does), waits for it to exit and then looks for any process still carrying
 * this run's marker in its environment: there must be none.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { chromium, type Browser } from "playwright-core";

export const APP_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
export const ROOT = join(APP_DIR, "..");
export const RESULTS = join(ROOT, "test-results", "app");
/** Everything `npm start` printed during the run (a test artifact, read again by the log checks). */
export const START_LOG = join(RESULTS, "npm-start.log");
const BIN = join(ROOT, "node_modules", ".bin");
export const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
];
/** `npm start`'s port block: chain, app, two simulators, verifier, three keeper metrics (scripts/lib/env.ts). */
const PORT_COUNT = 8;
/** The line `npm start` prints once everything runs. */
const READY = "[start] system running; press Ctrl-C to stop";
const MARKER = "VSV_E2E_RUN";

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

/** The first of `PORT_COUNT` consecutive ports that are all free now (random start, a few tries). */
async function freePortBlock(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 4_000) * 10;
    let free = true;
    for (let p = base; p < base + PORT_COUNT && free; p++) free = await portIsFree(p);
    if (free) return base;
  }
  throw new Error(`no block of ${PORT_COUNT} free ports found`);
}

export async function rpc<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

/** Runs a TypeScript script of the repository with tsx (Node 22 first on PATH); resolves to its stdout. */
export async function runScript(script: string, args: string[]): Promise<string> {
  const child = spawn(join(BIN, "tsx"), [script, ...args], {
    cwd: ROOT,
    env: { ...process.env, PATH: `${BIN}:${process.env.PATH ?? ""}` },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const out: string[] = [];
  const err: string[] = [];
  child.stdout.on("data", (b: Buffer) => out.push(b.toString()));
  child.stderr.on("data", (b: Buffer) => err.push(b.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  if (code !== 0) throw new Error(`${script} ${args.join(" ")} exited ${code}:\n${out.join("")}${err.join("")}`);
  return out.join("").trim();
}

/** Processes (pid and command line) whose environment carries `MARKER=id`: what a run left behind. */
export function processesOfRun(id: string): { pid: number; cmd: string }[] {
  const found: { pid: number; cmd: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const env = readFileSync(`/proc/${entry}/environ`, "utf8").split("\0");
      if (!env.includes(`${MARKER}=${id}`)) continue;
      found.push({ pid: Number(entry), cmd: readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " ") });
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

export interface StopReport {
  /** `npm start`'s exit code after SIGINT (0: it stopped every service it had started), or its signal. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Processes of the run still alive after `npm start` exited (they were then killed). */
  strays: { pid: number; cmd: string }[];
}

export interface System {
  rpcUrl: string;
  appUrl: string;
  /** `deployments/<network>.json` of this run. */
  network: string;
  portBase: number;
  /** `START_STATE_DIR` of this run: the keepers' data dirs are `<stateDir>/keeperN`. */
  stateDir: string;
  browser: Browser;
  /** `npm start`'s output so far. */
  log(): string;
  stop(): Promise<StopReport>;
}

/** `npm start` on free ports, waited for until it prints its ready line, and a browser. */
export async function startSystem(timeoutMs = 150_000): Promise<System> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  mkdirSync(RESULTS, { recursive: true });
  const portBase = await freePortBlock();
  const stateDir = mkdtempSync(join(tmpdir(), "vsv-e2e-"));
  const runId = randomUUID();
  const network = "e2e";
  const child = spawn("npm", ["start"], {
    cwd: ROOT,
    env: {
      ...process.env,
      // node_modules/.bin first: Hardhat needs the Node 22 that the `node` dev dependency puts there.
      PATH: `${BIN}:${process.env.PATH ?? ""}`,
      NEXT_TELEMETRY_DISABLED: "1",
      START_PORT_BASE: String(portBase),
      START_STATE_DIR: stateDir,
      START_NETWORK: network,
      APP_DIST_DIR: ".next-e2e",
      // No demo deposit: the tests' own users hold the vault, so one of them can be worth more than the vault holds
      // liquid once a keeper draws (the withdrawal-above-the-buffer error); the keepers draw from their deposits.
      START_DEMO_DEPOSIT: "0",
      [MARKER]: runId,
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // Its own process group, as a terminal's Ctrl-C reaches it.
  });
  const file = createWriteStream(START_LOG);
  const lines: string[] = [];
  let ready!: () => void;
  const readyLine = new Promise<void>((resolve) => (ready = resolve));
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on("line", (line) => {
      lines.push(line);
      file.write(`${line}\n`);
      if (line === READY) ready();
    });
  }
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  let signal: NodeJS.Signals | null = null;
  child.on("exit", (_code, sig) => (signal = sig));

  let browser: Browser | undefined;
  let report: Promise<StopReport> | undefined;
  const stop = (): Promise<StopReport> =>
    (report ??= (async () => {
      await browser?.close().catch(() => undefined);
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGINT");
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          // Already gone.
        }
      }, 30_000);
      const exitCode = await exited;
      clearTimeout(timer);
      await new Promise<void>((resolve) => file.end(resolve));
      const strays = processesOfRun(runId);
      for (const s of strays) process.kill(s.pid, "SIGKILL");
      rmSync(stateDir, { recursive: true, force: true });
      // The deployment of the test chain is meaningless once the chain is gone.
      rmSync(join(ROOT, "deployments", `${network}.json`), { force: true });
      return { exitCode, signal, strays };
    })());

  try {
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`npm start did not get ready within ${timeoutMs} ms`)), timeoutMs).unref(),
    );
    const died = exited.then((code) => Promise.reject(new Error(`npm start exited (${code}) before it was ready`)));
    died.catch(() => undefined); // Only a failure while waiting counts; a later exit is stop()'s business.
    await Promise.race([readyLine, timeout, died]);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
    return {
      rpcUrl: `http://127.0.0.1:${portBase}`,
      appUrl: `http://127.0.0.1:${portBase + 1}`,
      network,
      portBase,
      stateDir,
      browser,
      log: () => lines.join("\n"),
      stop,
    };
  } catch (err) {
    await stop();
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${lines.slice(-60).join("\n")}`);
  }
}

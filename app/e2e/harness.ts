/**
 * End-to-end harness: a local chain on a free port, the real deploy script, the built app (`next start`)
 * and Debian's chromium through playwright-core. Every process is started in its own process group and
 * stopped by `stop()`; nothing is left behind.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser } from "playwright-core";

export const APP_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
export const ROOT = join(APP_DIR, "..");
export const RESULTS = join(ROOT, "test-results", "app");
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

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

interface Proc {
  name: string;
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
}

function start(name: string, command: string, args: string[], cwd: string, env: Record<string, string> = {}): Proc {
  const child = spawn(command, args, {
    cwd,
    // node_modules/.bin first: Hardhat needs the Node 22 that the `node` dev dependency puts there.
    env: { ...process.env, PATH: `${BIN}:${process.env.PATH ?? ""}`, NEXT_TELEMETRY_DISABLED: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const output: string[] = [];
  const keep = (b: Buffer) => {
    output.push(b.toString());
    if (output.length > 200) output.shift();
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { name, child, output, exited };
}

async function waitFor(what: string, probe: () => Promise<boolean>, proc: Proc, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null)
      throw new Error(`${proc.name} exited (${proc.child.exitCode}):\n${proc.output.join("")}`);
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}:\n${proc.output.join("")}`);
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
  const p = start(script, join(BIN, "tsx"), [script, ...args], ROOT);
  const out: string[] = [];
  p.child.stdout!.on("data", (b: Buffer) => out.push(b.toString()));
  const code = await p.exited;
  if (code !== 0) throw new Error(`${script} ${args.join(" ")} exited ${code}:\n${p.output.join("")}`);
  return out.join("").trim();
}

export interface System {
  rpcUrl: string;
  appUrl: string;
  browser: Browser;
  stop(): Promise<void>;
}

/** Chain + deploy + app + browser. Requires `next build` to have run (the app's `pretest` does it). */
export async function startSystem(): Promise<System> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  if (!existsSync(join(APP_DIR, ".next", "BUILD_ID")))
    throw new Error("the app is not built: run `npm run build --workspace app`");
  mkdirSync(RESULTS, { recursive: true });
  const procs: Proc[] = [];
  let browser: Browser | undefined;
  const stop = async () => {
    await browser?.close().catch(() => undefined);
    for (const p of procs.reverse()) {
      if (p.child.exitCode !== null || p.child.signalCode !== null) continue;
      try {
        process.kill(-p.child.pid!, "SIGTERM");
      } catch {
        continue; // Already gone.
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-p.child.pid!, "SIGKILL");
        } catch {
          // Already gone.
        }
      }, 3_000);
      await p.exited;
      clearTimeout(timer);
    }
    // The deployment of the test chain is meaningless once the chain is gone.
    rmSync(join(ROOT, "deployments", "e2e.json"), { force: true });
  };
  try {
    const chainPort = await freePort();
    const rpcUrl = `http://127.0.0.1:${chainPort}`;
    const chain = start(
      "chain",
      join(BIN, "hardhat"),
      ["node", "--hostname", "127.0.0.1", "--port", String(chainPort)],
      ROOT,
    );
    procs.push(chain);
    await waitFor("the local chain", async () => (await rpc<string>(rpcUrl, "eth_chainId")) === "0x7a69", chain);

    const deploy = start("deploy", join(BIN, "hardhat"), ["run", "scripts/deploy.ts", "--network", "e2e"], ROOT, {
      E2E_RPC_URL: rpcUrl,
      FORCE_DEPLOY: "1",
    });
    const code = await deploy.exited;
    if (code !== 0) throw new Error(`deploy failed (${code}):\n${deploy.output.join("")}`);

    const appPort = await freePort();
    const appUrl = `http://127.0.0.1:${appPort}`;
    const app = start(
      "app",
      join(BIN, "next"),
      ["start", "--hostname", "127.0.0.1", "--port", String(appPort)],
      APP_DIR,
      {
        APP_NETWORK: "e2e",
        APP_RPC_URL: rpcUrl,
      },
    );
    procs.push(app);
    await waitFor("the app", async () => (await fetch(`${appUrl}/api/deployment`)).ok, app);

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
    return { rpcUrl, appUrl, browser, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Runs the exchange simulators as a process: one HTTP server per venue of the scenario (the default
 * demo: a Binance-dialect and an OKX-dialect venue), the price paths advancing in real time.
 *
 *   tsx keeper/src/sim/cli.ts --binance-port 8601 --okx-port 8602 --seed 42
 *   tsx keeper/src/sim/cli.ts --scenario my-scenario.json --port binance=9001 --speed 10
 */
import { readFileSync } from "node:fs";
import { Command, InvalidArgumentError } from "commander";
import { ConfigError } from "../errors.js";
import { defaultScenario, parseScenario, type Scenario } from "./scenario.js";
import { startSimulation } from "./venues.js";

function intArg(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new InvalidArgumentError(`not a port number: ${v}`);
  return n;
}

function positive(v: string): number {
  const n = Number(v);
  if (!(n > 0)) throw new InvalidArgumentError(`not a positive number: ${v}`);
  return n;
}

function portPair(v: string, acc: Record<string, number>): Record<string, number> {
  const m = /^([a-z0-9-]+)=(\d+)$/.exec(v);
  if (!m) throw new InvalidArgumentError(`expected <venue>=<port>, got ${v}`);
  return { ...acc, [m[1]!]: intArg(m[2]!) };
}

function loadScenario(file: string | undefined, seed: number | undefined): Scenario {
  if (!file) return defaultScenario(seed ?? 42);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new ConfigError(`cannot read scenario ${file}`, {
      cause: err,
      details: err instanceof Error ? err.message : String(err),
    });
  }
  const s = parseScenario(raw);
  return seed === undefined ? s : { ...s, seed };
}

async function main(): Promise<void> {
  const opts = new Command("sim")
    .description("local exchange simulators speaking Binance and OKX REST APIs")
    .option("--scenario <file>", "scenario JSON (default: the built-in demo)")
    .option("--seed <n>", "PRNG seed (overrides the scenario's)", (v) => Math.trunc(positive(v)))
    .option("--binance-port <port>", "port of the venue named binance", intArg)
    .option("--okx-port <port>", "port of the venue named okx", intArg)
    .option("--port <venue=port>", "port of any venue (repeatable)", portPair, {} as Record<string, number>)
    .option("--host <host>", "bind address", "127.0.0.1")
    .option("--speed <x>", "simulated time per real time (1 = one step per stepMs)", positive, 1)
    .option("--manual", "do not advance in real time; step with POST /sim/advance?steps=n")
    .parse()
    .opts<{
      scenario?: string;
      seed?: number;
      binancePort?: number;
      okxPort?: number;
      port: Record<string, number>;
      host: string;
      speed: number;
      manual?: boolean;
    }>();

  const scenario = loadScenario(opts.scenario, opts.seed);
  const ports: Record<string, number> = { ...opts.port };
  if (opts.binancePort !== undefined) ports["binance"] = opts.binancePort;
  if (opts.okxPort !== undefined) ports["okx"] = opts.okxPort;
  const run = await startSimulation(scenario, { ports, host: opts.host });

  console.log(
    `scenario "${scenario.name}" seed ${scenario.seed}, ` +
      (opts.manual ? "stepped by POST /sim/advance" : `one step per ${scenario.stepMs / opts.speed} ms`),
  );
  for (const [name, url] of run.urls) {
    const v = run.sim.venue(name).config;
    const symbols = scenario.markets.map((m) => `${m.base}/${m.quote}`).join(", ");
    console.log(`venue ${name} (${v.dialect} REST) ${url}  markets: ${symbols}`);
  }
  for (const a of scenario.accounts)
    console.log(`account ${a.name}: apiKey=${a.apiKey} secret=${a.secret} passphrase=${a.passphrase}`);

  const timer = opts.manual ? undefined : setInterval(() => run.sim.advance(), scenario.stepMs / opts.speed);
  const stop = (): void => {
    if (timer) clearInterval(timer);
    run.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`sim: error while stopping: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((err: unknown) => {
  console.error(`sim: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

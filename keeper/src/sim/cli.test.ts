/**
 * The simulator process as `npm start` runs it: prints its URLs and demo keys, serves real ccxt
 * clients, steps on demand, stops cleanly on SIGTERM. Also keeps the README's demo keys honest.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { DEMO_ACCOUNTS } from "./scenario.js";
import { client } from "./testclient.js";
import type { RunningSimulation } from "./venues.js";

const here = fileURLToPath(new URL(".", import.meta.url));

describe("sim CLI", () => {
  it("cli_startsVenuesPrintsUrlsServesCcxtAndStopsOnSigterm", async () => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", `${here}cli.ts`, "--port", "binance=0", "--port", "okx=0", "--seed", "5", "--manual"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    try {
      const urls = new Map<string, string>();
      const lines: string[] = [];
      const rl = createInterface({ input: child.stdout });
      await new Promise<void>((resolve, reject) => {
        child.once("exit", (code) => reject(new Error(`cli exited with ${code}: ${lines.join("\n")}`)));
        rl.on("line", (line) => {
          lines.push(line);
          const m = /^venue (\S+) \(\S+ REST\) (http:\/\/\S+)/.exec(line);
          if (m) urls.set(m[1]!, m[2]!);
          if (lines.filter((l) => l.startsWith("account ")).length === DEMO_ACCOUNTS.length) resolve();
        });
      });
      assert.deepEqual([...urls.keys()], ["binance", "okx"]);
      for (const a of DEMO_ACCOUNTS) assert.ok(lines.some((l) => l.includes(`apiKey=${a.apiKey}`)));

      const run = { urls } as unknown as RunningSimulation;
      const account = DEMO_ACCOUNTS[0]!;
      for (const dialect of ["binance", "okx"] as const) {
        const ob = await client(run, dialect, account).fetchOrderBook("BTC/USDT", 5);
        assert.equal(ob.bids.length, 5);
        assert.ok(ob.bids[0]![0]! < ob.asks[0]![0]!);
      }
      const before = (await (await fetch(`${urls.get("okx")}/sim/state`)).json()) as { step: number };
      assert.equal(before.step, 0);
      const adv = await fetch(`${urls.get("binance")}/sim/advance?steps=3`, { method: "POST" });
      assert.equal(((await adv.json()) as { step: number }).step, 3);
      const after = (await (await fetch(`${urls.get("okx")}/sim/state`)).json()) as {
        step: number;
        mids: Record<string, Record<string, number>>;
      };
      assert.equal(after.step, 3, "one simulation behind both venues");
      assert.ok(after.mids["okx"]!["BTC/USDT"]! > 0);
    } finally {
      child.kill("SIGTERM");
    }
    assert.equal(await exited, 0);
  });

  it("readme_namesEveryDemoAccountKey", () => {
    const readme = readFileSync(`${here}../../../README.md`, "utf8");
    for (const a of DEMO_ACCOUNTS)
      for (const v of [a.apiKey, a.secret, a.passphrase]) assert.ok(readme.includes(`\`${v}\``), `README lacks ${v}`);
  });
});

/**
 * `eventLoopNice`: `keeper run` gives its event-loop thread the configured nice value, and only that thread (V8's and
 * libuv's helpers keep theirs); a refusal is one line naming the field; the config refuses a value out of range.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ConfigError } from "../errors.js";
import { loadKeeperConfig } from "./config.js";
import { setEventLoopNice } from "./priority.js";

const PRIORITY = fileURLToPath(new URL("./priority.ts", import.meta.url));

describe("eventLoopNice", () => {
  it(
    "apply_inAKeeperProcess_setsTheEventLoopThreadOnly_andLogsWhatItRead",
    { skip: process.platform !== "linux" },
    async () => {
      // A process of its own (the test runner's priority is left alone); 7: raising a nice value needs no privilege.
      const script = `
      import { readdirSync, readFileSync } from "node:fs";
      import { readFile } from "node:fs/promises";
      import pino from "pino";
      import { applyEventLoopNice } from ${JSON.stringify(PRIORITY)};
      const lines = [];
      await applyEventLoopNice({ eventLoopNice: 7 }, pino({ level: "info" }, { write: (l) => lines.push(JSON.parse(l)) }));
      // The keeper's later file-system work (traces, stores) runs on libuv's pool: its threads are not the event loop.
      await readFile(${JSON.stringify(PRIORITY)});
      await Promise.all([1, 2, 3, 4, 5, 6].map(() => readFile(${JSON.stringify(PRIORITY)})));
      const nice = (tid) => Number(readFileSync(\`/proc/self/task/\${tid}/stat\`, "utf8").split(") ")[1].split(" ")[16]);
      const tasks = readdirSync("/proc/self/task");
      console.log(JSON.stringify({
        main: nice(String(process.pid)),
        helpers: tasks.filter((t) => t !== String(process.pid)).map(nice),
        log: lines.map((l) => [l.msg, l.nice]),
      }));
    `;
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ["--import", "tsx", "--input-type=module", "-e", script],
        { cwd: fileURLToPath(new URL("../..", import.meta.url)) },
      );
      const out = JSON.parse(stdout.trim().split("\n").at(-1)!) as { main: number; helpers: number[]; log: unknown[] };
      assert.equal(out.main, 7);
      assert.ok(out.helpers.length >= 8, `V8's and libuv's helper threads: ${out.helpers.length}`);
      assert.ok(
        out.helpers.every((n) => n === 0),
        `helpers keep their nice value: ${out.helpers.join(",")}`,
      );
      assert.deepEqual(out.log, [["event-loop thread priority set", 7]]);
    },
  );

  it("set_refused_oneLineConfigErrorNamingTheFieldAndTheReason", () => {
    // What Node throws for an unprivileged process (`os.setPriority(pid, -5)` as nobody).
    const refuse = () => {
      throw Object.assign(new Error("A system error occurred: uv_os_setpriority returned EACCES (permission denied)"), {
        code: "ERR_SYSTEM_ERROR",
        info: { errno: -13, code: "EACCES", message: "permission denied", syscall: "uv_os_setpriority" },
      });
    };
    assert.throws(
      () => setEventLoopNice(-10, refuse),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.message ===
          "eventLoopNice -10: the keeper may not give its event-loop thread that priority (EACCES, permission denied); " +
            "a value below 0 needs root or CAP_SYS_NICE" &&
        !err.message.includes("\n"),
    );
  });

  it("config_outOfRange_refusedNamingTheField", () => {
    const dir = mkdtempSync(join(tmpdir(), "nice-"));
    try {
      const file = join(dir, "keeper.json");
      const base = { name: "k", chain: { rpcUrl: "http://127.0.0.1:8545", deployment: "d.json" }, pairs: ["ETH/USDT"] };
      const key = { KEEPER_PRIVATE_KEY: `0x${"11".repeat(32)}` };
      writeFileSync(file, JSON.stringify({ ...base, eventLoopNice: -21 }));
      assert.throws(() => loadKeeperConfig(file, key), /eventLoopNice/);
      writeFileSync(file, JSON.stringify({ ...base, eventLoopNice: -5 }));
      assert.equal(loadKeeperConfig(file, key).eventLoopNice, -5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

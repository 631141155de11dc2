/**
 * A keeper process that gets SIGTERM twice (as under `npm start`: once through its process group, once relayed by the
 * `tsx` wrapper) finishes its stop instead of dying half-way on the second signal.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const SIGNALS = fileURLToPath(new URL("./signals.ts", import.meta.url));

describe("untilSignal", () => {
  it(
    "secondSignalDuringStop_stopFinishesAndTheProcessExitsCleanly",
    { skip: process.platform === "win32" },
    async () => {
      // The stop takes 400 ms (campaigns settling); the second SIGTERM comes 50 ms into it.
      const script = `
      import { untilSignal } from ${JSON.stringify(SIGNALS)};
      const keepAlive = setInterval(() => {}, 1000);
      const stopped = untilSignal(async () => {
        await new Promise((r) => setTimeout(r, 400));
        console.log("stopped");
      });
      console.log("ready");
      await stopped;
      clearInterval(keepAlive);
    `;
      const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
        cwd: fileURLToPath(new URL("../..", import.meta.url)),
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += String(d)));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.on("exit", (code, signal) => resolve({ code, signal })),
      );
      // The handlers are installed once the child says it is ready (loading tsx can take seconds on a busy machine).
      const deadline = Date.now() + 60_000;
      while (!out.includes("ready")) {
        assert.ok(Date.now() < deadline && child.exitCode === null, `the child did not get ready: ${out}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      child.kill("SIGTERM");
      await new Promise((r) => setTimeout(r, 50));
      child.kill("SIGTERM");
      const { code, signal } = await exited;
      assert.equal(signal, null, "not ended by the second signal");
      assert.equal(code, 0);
      assert.deepEqual(out.trim().split("\n"), ["ready", "stopped"]);
    },
  );
});

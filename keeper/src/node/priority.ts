/**
 * The priority of the keeper's event-loop thread (config `eventLoopNice`). On a machine the keeper shares with busy
 * processes (its chain node, a venue gateway, other keepers), the tail of opportunity-to-first-order is the event
 * loop waiting, runnable, for a CPU (docs/benchmarks.md, "The event loop's priority"); a lower nice value lets it run
 * first. On Linux the nice value is a per-thread attribute and `setPriority(process.pid)` sets it on the main thread
 * only (the event loop): V8's and libuv's helper threads keep theirs (libuv's pool is started first: a thread started
 * later would inherit the value), so the keeper's own garbage collection and compilation do not take the CPU from its
 * event loop either. A value below the current one needs root or CAP_SYS_NICE (or `ulimit -e`).
 */
import { access } from "node:fs/promises";
import { getPriority, setPriority } from "node:os";
import type { Logger } from "pino";
import { ConfigError } from "../errors.js";

/** Sets the event-loop thread's nice value; a refusal is a one-line `ConfigError` naming the field. */
export function setEventLoopNice(nice: number, set: (pid: number, nice: number) => void = setPriority): void {
  try {
    set(process.pid, nice);
  } catch (err) {
    // Node's SystemError: `code` ERR_SYSTEM_ERROR, the OS's reason in `info` (EACCES: not permitted).
    const e = err as { code?: string; info?: { code?: string; message?: string } };
    const code = e.info?.code ? [e.info.code, e.info.message].filter(Boolean).join(", ") : (e.code ?? String(err));
    throw new ConfigError(
      `eventLoopNice ${nice}: the keeper may not give its event-loop thread that priority (${code}); ` +
        "a value below 0 needs root or CAP_SYS_NICE",
    );
  }
}

/** Applies `eventLoopNice` when the config sets it (first thing `keeper run` does: a refusal starts nothing). */
export async function applyEventLoopNice(config: { eventLoopNice?: number | undefined }, log: Logger): Promise<void> {
  if (config.eventLoopNice === undefined) return;
  // A thread started afterwards inherits the value, and libuv starts its thread pool (file system, DNS, crypto) on its
  // first use: started now, its threads keep their priority too.
  await access(process.cwd());
  setEventLoopNice(config.eventLoopNice);
  log.info({ nice: getPriority(process.pid) }, "event-loop thread priority set");
}

/**
 * Whether this process may give a thread nice value `nice`: tries it on its own event-loop thread, then puts back the
 * value it had (raising a nice value is always allowed). For launchers (`npm start`) that set `eventLoopNice` only
 * where it can take effect.
 */
export function mayUseNice(nice: number): boolean {
  const before = getPriority(process.pid);
  if (nice >= before) return true;
  try {
    setEventLoopNice(nice);
  } catch {
    return false;
  }
  setEventLoopNice(before);
  return true;
}

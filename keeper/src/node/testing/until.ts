/**
 * Test support: polls `cond` every `everyMs` until it holds, or throws `timed out waiting for <what>` after `ms`.
 * `what` may be a function, read only when the wait fails (a message that shows the state at that moment).
 * Timeouts are generous on purpose (90 s by default: a keeper process started by `tsx` took over 30 s to come up
 * under `stress-ng --cpu 2` beside the rest of the suite): the suite must pass on a busy machine; a test never asserts
 * a duration.
 */
export async function until(
  what: string | (() => string),
  cond: () => boolean | Promise<boolean>,
  ms = 90_000,
  everyMs = 50,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${typeof what === "function" ? what() : what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

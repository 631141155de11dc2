/**
 * Test support: polls `cond` every `everyMs` until it holds, or throws `timed out waiting for <what>` after `ms`.
 * `what` may be a function, read only when the wait fails (a message that shows the state at that moment).
 * Timeouts are generous on purpose: the suite must pass on a busy machine; a test never asserts a duration.
 */
export async function until(
  what: string | (() => string),
  cond: () => boolean | Promise<boolean>,
  ms = 30_000,
  everyMs = 50,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${typeof what === "function" ? what() : what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

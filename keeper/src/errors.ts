/**
 * The keeper's one error base class (after viem's `BaseError`): a short message for humans, optional
 * details, the underlying cause, and `walk()` to find a specific error type in the cause chain.
 * Every module throws a subclass with a stable `name`, so callers branch on type, never on text.
 */
export class KeeperError extends Error {
  override name = "KeeperError";
  readonly shortMessage: string;
  readonly details?: string;

  constructor(shortMessage: string, opts: { cause?: unknown; details?: string } = {}) {
    super(opts.details ? `${shortMessage}\n\nDetails: ${opts.details}` : shortMessage, { cause: opts.cause });
    this.shortMessage = shortMessage;
    this.details = opts.details;
  }

  /** Returns the first error in the cause chain (this one included) that `predicate` accepts. */
  walk(predicate: (err: unknown) => boolean = (e) => !(e instanceof Error) || e.cause === undefined): unknown {
    let current: unknown = this as unknown;
    const seen = new Set<unknown>();
    while (current !== undefined && !seen.has(current)) {
      if (predicate(current)) return current;
      seen.add(current);
      current = current instanceof Error ? current.cause : undefined;
    }
    return undefined;
  }
}

/** Bad configuration or parameters: raised once at start-up (or on a live update) with a clear message. */
export class ConfigError extends KeeperError {
  override name = "ConfigError";
}

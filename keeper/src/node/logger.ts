import { pino, type Logger, type DestinationStream } from "pino";

/** Keys whose values never reach a log line, at any depth (case-insensitive; `-` and `_` ignored). */
export const SECRET_KEYS: ReadonlySet<string> = new Set([
  "apikey",
  "apisecret",
  "secret",
  "secretkey",
  "password",
  "passphrase",
  "privatekey",
  "mnemonic",
  "authorization",
  "xmbxapikey",
  "okaccesskey",
  "okaccesspassphrase",
  "okaccesssign",
]);

export const CENSOR = "[redacted]";
const MAX_DEPTH = 16;

const isSecretKey = (key: string) => SECRET_KEYS.has(key.toLowerCase().replace(/[-_]/g, ""));

/**
 * A copy of `value` with every secret key's value censored, at any depth (plain objects, arrays, class instances
 * such as a ccxt exchange, errors). Values with their own `toJSON` (dates, `Secret`) are kept as they print.
 * Only what changes is copied; cycles and depths beyond 16 are left to pino's serializer.
 */
export function censorSecrets(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== "object" || depth > MAX_DEPTH) return value;
  if (seen.has(value)) return value;
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return value;
  if (ArrayBuffer.isView(value)) return value;
  seen.add(value);
  if (Array.isArray(value)) {
    const out = value.map((v) => censorSecrets(v, depth + 1, seen));
    return out.some((v, i) => v !== value[i]) ? out : value;
  }
  let changed = false;
  const entries: [string, unknown][] = [];
  for (const [k, v] of Object.entries(value)) {
    const next =
      isSecretKey(k) && v !== undefined && v !== null && v !== "" ? CENSOR : censorSecrets(v, depth + 1, seen);
    if (next !== v) changed = true;
    entries.push([k, next]);
  }
  if (!changed) return value;
  if (value instanceof Error) {
    // Keep it an Error (pino's `err` serializer), with its message and stack, and censored own fields.
    const copy = Object.create(Object.getPrototypeOf(value) as object) as Error;
    Object.defineProperty(copy, "message", { value: value.message, enumerable: false });
    Object.defineProperty(copy, "stack", { value: value.stack, enumerable: false });
    if (value.cause !== undefined) Object.defineProperty(copy, "cause", { value: value.cause, enumerable: false });
    for (const [k, v] of entries) (copy as unknown as Record<string, unknown>)[k] = v;
    return copy;
  }
  return Object.fromEntries(entries);
}

/** One pino output line with its secrets censored (`censorSecrets` over the parsed line). */
export function censorLine(line: string): string {
  if (!line.includes('"')) return line;
  const parsed = JSON.parse(line) as unknown;
  const censored = censorSecrets(parsed);
  return censored === parsed ? line : `${JSON.stringify(censored)}\n`;
}

/** Structured JSON logs (pino), one line per event, secrets censored at any depth (`censorSecrets`). */
export function createLogger(
  opts: { name: string; level?: string; keeper?: string },
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      name: opts.name,
      level: opts.level ?? "info",
      base: { keeper: opts.keeper },
      // Every line, whatever put the secret there (the logged object, a child's bindings, an error's fields).
      hooks: { streamWrite: censorLine },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

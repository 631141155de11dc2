import { pino, type Logger, type DestinationStream } from "pino";

/** Paths pino censors in every log line, wherever a secret could appear. */
export const REDACT_PATHS = [
  "apiKey",
  "secret",
  "password",
  "privateKey",
  "passphrase",
  "*.apiKey",
  "*.secret",
  "*.password",
  "*.privateKey",
  "*.passphrase",
  "headers.authorization",
  "*.headers.authorization",
];

/** Structured JSON logs (pino), one line per event, secrets censored. */
export function createLogger(
  opts: { name: string; level?: string; keeper?: string },
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      name: opts.name,
      level: opts.level ?? "info",
      base: { keeper: opts.keeper },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

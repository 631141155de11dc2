import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { z } from "zod";
import { ConfigError } from "../errors.js";
import { verifyDcapQuote, parseCollateral, TCB_STATUSES, type VerifiedQuote } from "./dcap.js";
import { parseDevelopmentQuote, isDevelopmentQuote } from "./development.js";
import { QuoteRejectedError, type QuoteRejection } from "./errors.js";

/**
 * The logic of `keeper verify-quote <file>`: reads a quote (raw bytes, or hex text with or without 0x) and its
 * collateral JSON, verifies it at an explicit time, and returns a JSON-able result. A quote that fails a check
 * is a normal outcome (`ok: false` with the reason); unreadable files or bad options throw `ConfigError`.
 */
export const VerifyQuoteFileOptionsSchema = z
  .object({
    /** Collateral JSON; default `<file>_collateral.json`, then `<file>.collateral.json`. */
    collateralPath: z.string().min(1).optional(),
    /** Verification time, unix seconds (default: now). */
    at: z.number().int().positive().optional(),
    expectedAddress: z
      .string()
      .regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte address")
      .optional(),
    expectedNonce: z
      .string()
      .regex(/^0x[0-9a-fA-F]{64}$/, "must be 0x-prefixed 32 bytes")
      .optional(),
    /** Allowed measurement hashes (keccak256 of MRTD/MRENCLAVE) or raw measurements, hex. */
    allowedMeasurements: z.array(z.string().regex(/^0x[0-9a-fA-F]+$/)).optional(),
    acceptedTcbStatuses: z.array(z.enum(TCB_STATUSES)).optional(),
  })
  .strict();
export type VerifyQuoteFileOptions = z.input<typeof VerifyQuoteFileOptionsSchema>;

export type VerifyQuoteFileResult =
  | { ok: true; file: string; collateralFile: string; quote: VerifiedQuote }
  | {
      ok: false;
      file: string;
      collateralFile: string | null;
      verifiedAt: number;
      error: { name: string; reason: QuoteRejection; message: string; details: string | null };
    };

/** Decodes a quote file: raw binary, or hex text (optional 0x, whitespace ignored). */
export function decodeQuoteFile(bytes: Uint8Array): Uint8Array {
  const text = Buffer.from(bytes).toString("latin1").replace(/\s+/g, "");
  const hex = text.startsWith("0x") ? text.slice(2) : text;
  if (hex.length > 0 && hex.length % 2 === 0 && /^[0-9a-fA-F]+$/.test(hex)) return Buffer.from(hex, "hex");
  return bytes;
}

async function readOrThrow(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new ConfigError(`cannot read the ${what}`, { details: path, cause: err });
  }
}

export async function verifyQuoteFile(
  path: string,
  input: VerifyQuoteFileOptions = {},
): Promise<VerifyQuoteFileResult> {
  const r = VerifyQuoteFileOptionsSchema.safeParse(input);
  if (!r.success) {
    const details = r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new ConfigError("invalid verify-quote options", { details, cause: r.error });
  }
  const opts = r.data;
  const nowSecs = opts.at ?? Math.floor(Date.now() / 1000);
  const quote = decodeQuoteFile(await readOrThrow(path, "quote file"));
  if (isDevelopmentQuote(quote)) {
    const dev = parseDevelopmentQuote(quote);
    return {
      ok: false,
      file: path,
      collateralFile: null,
      verifiedAt: nowSecs,
      error: {
        name: "QuoteRejectedError",
        reason: "development-quote",
        message: "development quote: produced without a TEE, never valid",
        details: dev ? `chain ${dev.chainId}, report data ${dev.reportData}` : null,
      },
    };
  }
  const collateralFile =
    opts.collateralPath ?? [`${path}_collateral.json`, `${path}.collateral.json`].find((p) => existsSync(p));
  if (!collateralFile) {
    throw new ConfigError("no collateral file: pass collateralPath", {
      details: `looked for ${path}_collateral.json and ${path}.collateral.json`,
    });
  }
  let collateralJson: unknown;
  try {
    collateralJson = JSON.parse((await readOrThrow(collateralFile, "collateral file")).toString("utf8"));
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError("collateral file is not JSON", { details: collateralFile, cause: err });
  }
  const collateral = parseCollateral(collateralJson);
  try {
    const verified = verifyDcapQuote(quote, {
      collateral,
      nowSecs,
      expectedAddress: opts.expectedAddress,
      expectedNonce: opts.expectedNonce,
      allowedMeasurements: opts.allowedMeasurements ? new Set(opts.allowedMeasurements) : undefined,
      acceptedTcbStatuses: opts.acceptedTcbStatuses,
    });
    return { ok: true, file: path, collateralFile, quote: verified };
  } catch (err) {
    if (!(err instanceof QuoteRejectedError)) throw err;
    return {
      ok: false,
      file: path,
      collateralFile,
      verifiedAt: nowSecs,
      error: { name: err.name, reason: err.reason, message: err.shortMessage, details: err.details ?? null },
    };
  }
}

import { readFileSync } from "node:fs";
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from "node:crypto";
import { z } from "zod";
import { KeeperError } from "../errors.js";

/**
 * Exchange API keys encrypted at rest: scrypt (N = 2^15, r = 8, p = 1) derives a 256-bit key from the
 * operator's passphrase and a random salt; AES-256-GCM encrypts the JSON of the credentials with a
 * random 96-bit IV and authenticates it (a flipped byte or a wrong passphrase fails loudly).
 * Decrypted credentials are wrapped in `Secret`, which prints as `[redacted]` in logs and JSON.
 */

export class SecretsError extends KeeperError {
  override name = "SecretsError";
}

const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

export const encryptedFileSchema = z.object({
  version: z.literal(1),
  kdf: z.literal("scrypt"),
  cipher: z.literal("aes-256-gcm"),
  salt: z.string().regex(/^[0-9a-f]{32}$/),
  iv: z.string().regex(/^[0-9a-f]{24}$/),
  tag: z.string().regex(/^[0-9a-f]{32}$/),
  ciphertext: z.string().regex(/^[0-9a-f]*$/),
});
export type EncryptedFile = z.infer<typeof encryptedFileSchema>;

export const credentialsSchema = z.record(
  z.string(),
  z.object({ apiKey: z.string().min(1), secret: z.string().min(1), password: z.string().optional() }),
);
export type Credentials = z.infer<typeof credentialsSchema>;

/** A value that never leaks through `console.log`, `JSON.stringify` or pino. */
export class Secret<T> {
  readonly #value: T;
  constructor(value: T) {
    this.#value = value;
  }
  reveal(): T {
    return this.#value;
  }
  toJSON(): string {
    return "[redacted]";
  }
  toString(): string {
    return "[redacted]";
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return "Secret([redacted])";
  }
}

export function encryptCredentials(credentials: Credentials, passphrase: string): EncryptedFile {
  if (passphrase.length < 12) throw new SecretsError("passphrase must be at least 12 characters");
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const key = scryptSync(passphrase, salt, 32, SCRYPT);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const plaintext = Buffer.from(JSON.stringify(credentialsSchema.parse(credentials)));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return {
    version: 1,
    kdf: "scrypt",
    cipher: "aes-256-gcm",
    salt: salt.toString("hex"),
    iv: iv.toString("hex"),
    tag: cipher.getAuthTag().toString("hex"),
    ciphertext: ciphertext.toString("hex"),
  };
}

/** One line for the first problem zod found: `<field> <message>` (values are never echoed). */
function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  const field = issue.path.join(".") || "(root)";
  return `${field}: ${issue.message}`;
}

/**
 * Decrypts an encrypted credentials file's content. `source` (the file's path) names it in every error, each one
 * line: a malformed envelope or a bad entry names the field, a wrong passphrase says so.
 */
export function decryptCredentials(
  file: unknown,
  passphrase: string,
  source = "credentials file",
): Secret<Credentials> {
  const parsed = encryptedFileSchema.safeParse(file);
  if (!parsed.success) throw new SecretsError(`${source}: ${firstIssue(parsed.error)}`);
  const f = parsed.data;
  const key = scryptSync(passphrase, Buffer.from(f.salt, "hex"), 32, SCRYPT);
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(f.iv, "hex"));
  decipher.setAuthTag(Buffer.from(f.tag, "hex"));
  let plaintext: Buffer;
  try {
    plaintext = Buffer.concat([decipher.update(Buffer.from(f.ciphertext, "hex")), decipher.final()]);
  } catch (err) {
    throw new SecretsError(`${source}: cannot decrypt: wrong passphrase or tampered file`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(plaintext.toString("utf8"));
  } catch (err) {
    throw new SecretsError(`${source}: the decrypted credentials are not JSON`, { cause: err });
  }
  const credentials = credentialsSchema.safeParse(json);
  if (!credentials.success) throw new SecretsError(`${source}: entry ${firstIssue(credentials.error)}`);
  return new Secret(credentials.data);
}

/** Reads and decrypts the credentials file at `path`; every error is one line naming the file (and the field). */
export function readCredentialsFile(path: string, passphrase: string): Secret<Credentials> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new SecretsError(`credentials file ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? err})`, {
      cause: err,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SecretsError(`credentials file ${path} is not valid JSON: ${(err as Error).message.split("\n")[0]}`, {
      cause: err,
    });
  }
  return decryptCredentials(json, passphrase, `credentials file ${path}`);
}

/** Reads a plaintext credentials JSON file (`keeper secrets encrypt`); errors as `readCredentialsFile`'s. */
export function readPlaintextCredentials(path: string): Credentials {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SecretsError(
      code ? `credentials file ${path}: cannot read it (${code})` : `credentials file ${path} is not valid JSON`,
      { cause: err },
    );
  }
  const parsed = credentialsSchema.safeParse(json);
  if (!parsed.success) throw new SecretsError(`credentials file ${path}: entry ${firstIssue(parsed.error)}`);
  return parsed.data;
}

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  decryptCredentials,
  encryptCredentials,
  readCredentialsFile,
  readPlaintextCredentials,
  SecretsError,
} from "./secrets.js";

const creds = { binance: { apiKey: "demo-key-1", secret: "demo-secret-1" } };
const pass = "correct horse battery";

describe("secrets", () => {
  it("encrypt_thenDecrypt_roundTrips", () => {
    const file = encryptCredentials(creds, pass);
    assert.ok(!JSON.stringify(file).includes("demo-secret-1"));
    assert.deepEqual(decryptCredentials(file, pass).reveal(), creds);
  });

  it("decrypt_wrongPassphrase_throws", () => {
    const file = encryptCredentials(creds, pass);
    assert.throws(() => decryptCredentials(file, "wrong passphrase!"), SecretsError);
  });

  it("decrypt_tamperedCiphertext_throws", () => {
    const file = encryptCredentials(creds, pass);
    const flipped = (parseInt(file.ciphertext[0]!, 16) ^ 1).toString(16);
    assert.throws(
      () => decryptCredentials({ ...file, ciphertext: flipped + file.ciphertext.slice(1) }, pass),
      /tampered/,
    );
  });

  it("secret_neverPrintsItsValue", () => {
    const secret = decryptCredentials(encryptCredentials(creds, pass), pass);
    for (const printed of [JSON.stringify({ secret }), String(secret), inspect({ secret })]) {
      assert.ok(!printed.includes("demo-secret-1"), printed);
    }
  });

  it("encrypt_shortPassphrase_throws", () => {
    assert.throws(() => encryptCredentials(creds, "short"), /at least 12/);
  });
});

describe("credentials file errors (finding 6)", () => {
  const write = (content: string) => {
    const path = join(mkdtempSync(join(tmpdir(), "creds-")), "creds.enc.json");
    writeFileSync(path, content);
    return path;
  };
  const oneLine = (re: RegExp) => (err: unknown) => {
    assert.ok(err instanceof SecretsError);
    assert.match(err.message, re);
    assert.ok(!err.message.includes("\n"), err.message);
    return true;
  };

  it("F6_brokenJson_namesTheFile", () => {
    const path = write("{ nope");
    assert.throws(() => readCredentialsFile(path, "a passphrase!"), oneLine(new RegExp(`${path} is not valid JSON`)));
  });

  it("F6_envelopeSchemaError_oneLineNamingFileAndField", () => {
    const file = encryptCredentials({ sim: { apiKey: "k", secret: "s" } }, "a passphrase!");
    const path = write(JSON.stringify({ ...file, salt: "xyz" }));
    assert.throws(
      () => readCredentialsFile(path, "a passphrase!"),
      oneLine(new RegExp(`credentials file ${path}: salt`)),
    );
  });

  it("F6_entrySchemaError_oneLineNamingFileAndFieldWithoutValues", () => {
    const path = write(JSON.stringify({ sim: { apiKey: "visible-key", secret: "" } }));
    assert.throws(
      () => readPlaintextCredentials(path),
      (err: unknown) =>
        oneLine(new RegExp(`credentials file ${path}: entry sim.secret`))(err) &&
        !(err as Error).message.includes("visible-key"),
    );
  });

  it("F6_wrongPassphrase_namesTheFile", () => {
    const path = write(JSON.stringify(encryptCredentials({ sim: { apiKey: "k", secret: "s" } }, "a passphrase!")));
    assert.throws(() => readCredentialsFile(path, "another phrase"), oneLine(/cannot decrypt: wrong passphrase/));
  });
});

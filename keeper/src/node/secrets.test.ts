import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { decryptCredentials, encryptCredentials, SecretsError } from "./secrets.js";

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

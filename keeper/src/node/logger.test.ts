import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import ccxt from "ccxt";
import { createLogger } from "./logger.js";
import { Secret } from "./secrets.js";

function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, log: createLogger({ name: "t", keeper: "0xabc" }, sink) };
}

describe("logger", () => {
  it("createLogger_censorsSecretsInNestedObjects", () => {
    const { lines, log } = capture();
    log.info({ exchange: { apiKey: "k-123", secret: "s-456" }, privateKey: "0xdead" }, "connected");
    const out = lines.join("");
    assert.ok(!out.includes("k-123") && !out.includes("s-456") && !out.includes("0xdead"), out);
    assert.equal(JSON.parse(out).keeper, "0xabc");
  });

  it("F5_createLogger_censorsSecretsAtAnyDepth", () => {
    const { lines, log } = capture();
    log.info({ venue: { exchange: { apiKey: "deep-key-1" } } }, "a");
    log.info({ a: { b: { c: { d: [{ e: { passphrase: "deep-pass-2", "X-MBX-APIKEY": "hdr-3" } }] } } } }, "b");
    const child = log.child({ venue: { credentials: { secret: "bound-4" } } });
    child.warn({ ok: 1 }, "c");
    const out = lines.join("");
    for (const s of ["deep-key-1", "deep-pass-2", "hdr-3", "bound-4"])
      assert.ok(!out.includes(s), `${s} leaked: ${out}`);
    assert.equal(JSON.parse(lines[0]!).venue.exchange.apiKey, "[redacted]");
  });

  it("F5_createLogger_censorsAnExchangeInstanceAndErrorFields", () => {
    const { lines, log } = capture();
    const exchange = new ccxt.binance({ apiKey: "ccxt-key-5", secret: "ccxt-secret-6" });
    const err = Object.assign(new Error("boom"), { config: { password: "err-pass-7" } });
    log.error({ venue: { exchange: { apiKey: exchange.apiKey, secret: exchange.secret } }, err }, "failed");
    log.info({ creds: new Secret({ apiKey: "wrapped-8" }) }, "wrapped");
    const out = lines.join("");
    for (const s of ["ccxt-key-5", "ccxt-secret-6", "err-pass-7", "wrapped-8"])
      assert.ok(!out.includes(s), `${s} leaked`);
    assert.equal(JSON.parse(lines[0]!).err.message, "boom");
    assert.ok(!Object.isFrozen(err) && err.config.password === "err-pass-7", "the caller's object is not modified");
  });
});

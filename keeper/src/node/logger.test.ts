import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { createLogger } from "./logger.js";

describe("logger", () => {
  it("createLogger_censorsSecretsInNestedObjects", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const log = createLogger({ name: "t", keeper: "0xabc" }, sink);
    log.info({ exchange: { apiKey: "k-123", secret: "s-456" }, privateKey: "0xdead" }, "connected");
    const out = lines.join("");
    assert.ok(!out.includes("k-123") && !out.includes("s-456") && !out.includes("0xdead"), out);
    assert.equal(JSON.parse(out).keeper, "0xabc");
  });
});

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, KeeperError } from "./errors.js";

describe("KeeperError", () => {
  it("walk_findsErrorInCauseChain", () => {
    const root = new TypeError("socket hang up");
    const mid = new ConfigError("bad rpc", { cause: root });
    const top = new KeeperError("tick failed", { cause: mid, details: "market BTC/USDT" });
    assert.equal(
      top.walk((e) => e instanceof ConfigError),
      mid,
    );
    assert.equal(top.walk(), root);
    assert.equal(top.shortMessage, "tick failed");
    assert.match(top.message, /Details: market BTC\/USDT/);
  });

  it("walk_noMatch_returnsUndefined", () => {
    assert.equal(
      new KeeperError("x").walk((e) => e instanceof RangeError),
      undefined,
    );
  });
});

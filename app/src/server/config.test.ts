import assert from "node:assert/strict";
import { resolve } from "node:path";
import { describe, it } from "node:test";
import { AppConfigError, serverConfig } from "./config";

describe("serverConfig", () => {
  it("serverConfig_defaultsToTheLocalChain", () => {
    const c = serverConfig({} as NodeJS.ProcessEnv);
    assert.deepEqual(c, {
      network: "localhost",
      local: true,
      rpcUrl: "http://127.0.0.1:8545",
      deploymentsDir: resolve(process.cwd(), "..", "deployments"),
    });
  });

  it("serverConfig_remoteNetworkNeedsAnRpcUrl", () => {
    assert.throws(
      () => serverConfig({ APP_NETWORK: "sepolia" } as unknown as NodeJS.ProcessEnv),
      (e: unknown) =>
        e instanceof AppConfigError && e.message === "APP_RPC_URL is not set (required for network sepolia)",
    );
  });

  it("serverConfig_remoteNetworkIsNotLocal", () => {
    const c = serverConfig({
      APP_NETWORK: "sepolia",
      APP_RPC_URL: "https://rpc.example",
    } as unknown as NodeJS.ProcessEnv);
    assert.equal(c.local, false);
    assert.equal(c.rpcUrl, "https://rpc.example");
  });

  it("serverConfig_rejectsAPathAsNetworkName", () => {
    // The name becomes a file name under deployments/: no path tricks.
    assert.throws(
      () => serverConfig({ APP_NETWORK: "../secrets" } as unknown as NodeJS.ProcessEnv),
      /^AppConfigError: APP_NETWORK must be a network name such as localhost$/,
    );
  });

  it("serverConfig_rejectsAMalformedRpcUrl", () => {
    assert.throws(
      () => serverConfig({ APP_RPC_URL: "not a url" } as unknown as NodeJS.ProcessEnv),
      /APP_RPC_URL must be an http\(s\) URL/,
    );
    assert.throws(
      () => serverConfig({ APP_RPC_URL: "ws://127.0.0.1:8545" } as unknown as NodeJS.ProcessEnv),
      /APP_RPC_URL must be an http\(s\) URL/,
    );
  });
});

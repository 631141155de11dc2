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
      keeperMetrics: [],
    });
  });

  it("serverConfig_keeperMetrics_commaSeparatedUrls", () => {
    const c = serverConfig({
      APP_KEEPER_METRICS: " http://127.0.0.1:9101/metrics, http://127.0.0.1:9102/metrics ,",
    } as unknown as NodeJS.ProcessEnv);
    assert.deepEqual(c.keeperMetrics, ["http://127.0.0.1:9101/metrics", "http://127.0.0.1:9102/metrics"]);
  });

  it("serverConfig_keeperMetrics_badEntryIsOneLineNamingTheVariableAndEntry", () => {
    for (const [value, message] of [
      ["http://127.0.0.1:9101/metrics,127.0.0.1:9102", "entry 2 must be an http(s) URL"],
      ["ftp://host/metrics", "entry 1 must be an http(s) URL"],
      ["http://a:1/metrics,http://b:2/metrics,http://a:1/metrics", "entry 3 repeats entry 1"],
    ])
      assert.throws(
        () => serverConfig({ APP_KEEPER_METRICS: value } as unknown as NodeJS.ProcessEnv),
        (e: unknown) =>
          e instanceof AppConfigError &&
          e.message.startsWith(`APP_KEEPER_METRICS ${message}`) &&
          !e.message.includes("\n") &&
          !e.message.includes(value.split(",").at(-1)!),
      );
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

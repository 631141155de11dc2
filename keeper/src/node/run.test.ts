import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { JsonRpcProvider } from "ethers";
import { probeRpc } from "./run.js";

describe("keeper run start checks (finding 6)", () => {
  it("F6_probeRpc_unreachable_oneLineNamingTheUrl", async () => {
    // A port that was free a moment ago: nothing listens there.
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as { port: number };
    await new Promise<void>((r) => server.close(() => r()));
    const url = `http://127.0.0.1:${port}`;
    const provider = new JsonRpcProvider(url, 31337, { staticNetwork: true });
    await assert.rejects(probeRpc(provider, url, 31337), (err: Error) => {
      assert.match(err.message, new RegExp(`cannot reach the RPC at ${url}: .*ECONNREFUSED`));
      assert.ok(!err.message.includes("\n"));
      return true;
    });
  });
});

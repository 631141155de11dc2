import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { POST } from "./route";

const saved = { ...process.env };
const call = (body: unknown) => POST(new Request("http://app/api/rpc", { method: "POST", body: JSON.stringify(body) }));

describe("POST /api/rpc on a non-local network", () => {
  before(() => {
    process.env.APP_NETWORK = "sepolia";
    // Port 9 (discard) on loopback: nothing answers, so a forwarded request fails fast.
    process.env.APP_RPC_URL = "http://127.0.0.1:9";
  });
  after(() => {
    process.env = saved;
  });

  it("rpc_refusesNodeSigningOffLocalNetworks", async () => {
    for (const method of ["eth_sendTransaction", "eth_signTypedData_v4", "personal_sign", "eth_accounts"]) {
      const res = await call({ jsonrpc: "2.0", id: 7, method, params: [] });
      assert.equal(res.status, 403, method);
      const body = (await res.json()) as { id: number; error: { code: number; message: string } };
      assert.equal(body.id, 7);
      assert.equal(body.error.message, `${method} is only served on local networks`);
    }
  });

  it("rpc_refusesABatchHidingASigningCall", async () => {
    const res = await call([
      { jsonrpc: "2.0", id: 1, method: "eth_chainId" },
      { jsonrpc: "2.0", id: 2, method: "eth_sendTransaction", params: [{}] },
    ]);
    assert.equal(res.status, 403);
  });

  it("rpc_reportsAnUnreachableNode", async () => {
    const res = await call({ jsonrpc: "2.0", id: 3, method: "eth_blockNumber" });
    assert.equal(res.status, 502);
    const body = (await res.json()) as { error: { message: string } };
    assert.match(body.error.message, /the node at http:\/\/127\.0\.0\.1:9 is unreachable/);
  });

  it("rpc_rejectsWhatIsNotJsonRpc", async () => {
    assert.equal((await call({ method: "eth_chainId" })).status, 400);
    assert.equal((await call([])).status, 400);
  });
});

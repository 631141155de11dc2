import { describe, it } from "node:test";
import assert from "node:assert/strict";
import hre from "hardhat";
import { BrowserProvider, Wallet, type Eip1193Provider } from "ethers";
import { Parameters__factory } from "../../../types/ethers-contracts/index.js";
import { ParametersFollower, parameterKey } from "./parameters.js";
import { TxSender } from "./sender.js";
import { ChainRevertError } from "./errors.js";

const DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

async function setup(wrap?: (p: Eip1193Provider) => Eip1193Provider) {
  const conn = await hre.network.create();
  const base = conn.provider as unknown as Eip1193Provider;
  const provider = new BrowserProvider(wrap ? wrap(base) : base, undefined, { cacheTimeout: -1 });
  const wallet = new Wallet(DEV_KEY, provider);
  const factory = new Parameters__factory(wallet);
  const params = await factory.deploy(wallet.address);
  await params.waitForDeployment();
  return { provider, wallet, params, address: await params.getAddress() };
}

describe("TxSender", () => {
  it("send_revertingCall_decodesCustomErrorAndSendsNothing", async () => {
    const { wallet, params, provider } = await setup();
    const sender = new TxSender(wallet, { interfaces: [params.interface] });
    const before = await provider.getTransactionCount(wallet.address);
    const data = params.interface.encodeFunctionData("set", [parameterKey("maxSlippageBps"), 5_000n]);
    await assert.rejects(sender.send("set slippage", { to: await params.getAddress(), data }), (err: unknown) => {
      assert.ok(err instanceof ChainRevertError);
      assert.equal(err.reason, "ParametersOutOfBounds");
      return true;
    });
    assert.equal(await provider.getTransactionCount(wallet.address), before);
  });

  it("send_lostBroadcastResponse_retriesSameTxAndMinesOnce", async () => {
    let dropped = 0;
    let armed = false;
    const flaky = (p: Eip1193Provider): Eip1193Provider => ({
      request: async (args) => {
        const result = await p.request(args);
        if (armed && args.method === "eth_sendRawTransaction" && dropped < 2) {
          dropped++;
          throw new Error("ECONNRESET: socket hang up"); // the node got it; the answer was lost
        }
        return result;
      },
    });
    const { wallet, params, provider, address } = await setup(flaky);
    const sender = new TxSender(wallet, {
      interfaces: [params.interface],
      sleep: async () => {},
    });
    const before = await provider.getTransactionCount(wallet.address);
    const data = params.interface.encodeFunctionData("set", [parameterKey("maxSlippageBps"), 80n]);
    armed = true;
    const receipt = await sender.send("set slippage", { to: address, data });
    assert.equal(receipt.status, 1);
    // The first answer was lost; the retry of the same signed tx met "nonce already used" and found it by hash.
    assert.equal(dropped, 1);
    assert.equal(await provider.getTransactionCount(wallet.address), before + 1);
    assert.equal(await params.get(parameterKey("maxSlippageBps")), 80n);
  });

  it("send_concurrentCallers_getConsecutiveNonces", async () => {
    const { wallet, params, provider, address } = await setup();
    const sender = new TxSender(wallet, { interfaces: [params.interface] });
    const before = await provider.getTransactionCount(wallet.address);
    const values = [60n, 70n, 90n, 100n];
    const receipts = await Promise.all(
      values.map((v) =>
        sender.send(`set ${v}`, {
          to: address,
          data: params.interface.encodeFunctionData("set", [parameterKey("maxSlippageBps"), v]),
        }),
      ),
    );
    assert.equal(receipts.length, 4);
    assert.equal(await provider.getTransactionCount(wallet.address), before + 4);
    assert.equal(await params.get(parameterKey("maxSlippageBps")), 100n);
  });
});

describe("ParametersFollower", () => {
  it("snapshot_thenPoll_seesGovernanceChanges", async () => {
    const { provider, params, address } = await setup();
    const follower = new ParametersFollower(address, provider);
    const snap = await follower.snapshot();
    assert.equal(snap.values["roiThresholdBps"], 15_000n);
    // 37 + rebalanceToleranceBps (vault) + 2 capital book keys + 4 dispute keys (issue 16)
    assert.equal(Object.keys(snap.values).length, 44);
    assert.deepEqual(await follower.poll(), []);
    await (await params.set(parameterKey("roiThresholdBps"), 20_000n)).wait();
    await (await params.set(parameterKey("switchCooldownSeconds"), 120n)).wait();
    const changes = await follower.poll();
    assert.deepEqual(
      changes.map((c) => [c.name, c.oldValue, c.newValue]),
      [
        ["roiThresholdBps", 15_000n, 20_000n],
        ["switchCooldownSeconds", 60n, 120n],
      ],
    );
    assert.deepEqual(await follower.poll(), []);
  });
});

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { StrategyVault__factory, TestStablecoin__factory } from "../../../types/ethers-contracts/index.js";
import { localSystem, type LocalSystem } from "./testing/local-system.js";
import { GAS_MARGIN_BPS, GasMarginSigner, gasLimitFor } from "./gas.js";
import type { EvmChainAdapter } from "./evm.js";

const USD = 10n ** 6n;
const EPOCH = 3_600;

/**
 * The state moves between the estimate and inclusion: a deposit is estimated inside the vote epoch of the last mint
 * (cheap: no supply checkpoint), then mined in the next epoch, where it is the epoch's first mint and appends the
 * checkpoint (about 31,000 gas more).
 */
describe("gas limits hold when the state moves between estimate and inclusion", () => {
  let sys: LocalSystem;
  let depositor: EvmChainAdapter;
  let vaultAddress: string;
  let data: string;

  const automine = (on: boolean) => sys.provider.send("evm_setAutomine", [on]);
  /** Mines whatever is pending in a block one epoch later. */
  const mineNextEpoch = async () => {
    for (;;) {
      const pending = (await sys.provider.send("eth_getBlockByNumber", ["pending", false])) as { transactions: [] };
      if (pending.transactions.length > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await sys.provider.send("evm_increaseTime", [EPOCH]);
    await sys.provider.send("evm_mine", []);
  };
  /**
   * `sent` mined one epoch later: the epoch's block, then empty blocks until `sent` settles. A receipt waiter
   * (ethers' `waitForTransaction`, polled) that looked before the block and listened after it waits for the next
   * block; with automine off none would come (on a busy machine the test hung there).
   */
  const minedNextEpoch = async <T>(sent: Promise<T>): Promise<T> => {
    let settled = false;
    const result = sent.finally(() => (settled = true));
    result.catch(() => undefined); // awaited below
    await mineNextEpoch();
    while (!settled) {
      await new Promise((r) => setTimeout(r, 200));
      if (!settled) await sys.provider.send("evm_mine", []);
    }
    return result;
  };

  before(async () => {
    sys = await localSystem();
    depositor = await sys.adapter(10);
    vaultAddress = sys.addresses.vault!;
    const signer = depositor.sender.signer;
    await (await TestStablecoin__factory.connect(sys.addresses.asset, signer).approve(vaultAddress, 10n ** 30n)).wait();
    const vault = StrategyVault__factory.connect(vaultAddress, signer);
    await (await vault.deposit(1_000n * USD, depositor.account)).wait(); // this epoch's first mint
    data = vault.interface.encodeFunctionData("deposit", [100n * USD, depositor.account]);
  });
  after(() => automine(true));

  it("deposit_estimatedInOneEpochMinedInTheNext_marginAloneRunsOutHeadroomHolds", async () => {
    const signer = depositor.sender.signer;
    // What the keeper sent before: estimate + 20%. Mined in the next epoch, it runs out of gas.
    const estimate = await sys.provider.estimateGas({ from: depositor.account, to: vaultAddress, data });
    const before = gasLimitFor(estimate, GAS_MARGIN_BPS, 0n);
    await automine(false);
    depositor.sender.resetNonce();
    const bare = await signer.sendTransaction({ to: vaultAddress, data, gasLimit: before });
    await mineNextEpoch();
    const failed = await sys.provider.getTransactionReceipt(bare.hash);
    assert.equal(failed?.status, 0, `estimate ${estimate} + 20% = ${before} ran out of gas (used ${failed?.gasUsed})`);
    // The keeper's sender (estimate x margin + headroom): the same move between estimate and inclusion succeeds.
    depositor.sender.resetNonce();
    const mined = await minedNextEpoch(depositor.sender.send("deposit", { to: vaultAddress, data }));
    assert.equal(mined.status, 1);
    assert.ok(mined.gasUsed > before, `used ${mined.gasUsed}, more than estimate + 20% (${before})`);
    // The scripts' signer applies the same rule.
    depositor.sender.resetNonce();
    const wrapped = await GasMarginSigner.wrap(signer);
    const vault = StrategyVault__factory.connect(vaultAddress, wrapped);
    const tx = await vault.deposit(100n * USD, depositor.account); // sent (not yet mined: automine is off)
    assert.equal((await minedNextEpoch(tx.wait()))?.status, 1);
    await automine(true);
    depositor.sender.resetNonce();
  });
});

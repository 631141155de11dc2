import { expect } from "chai";
import { network } from "hardhat";
import type { ContractTransactionResponse } from "ethers";
import { deployVault, USD } from "./fixtures.js";

const { ethers, networkHelpers } = await network.create();

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  return receipt!.gasUsed;
}

async function vaultAndPlain() {
  const base = await deployVault(ethers);
  const plain = await ethers.deployContract("PlainERC4626", [await base.asset.getAddress()]);
  const votes = await ethers.deployContract("PlainVotesERC4626", [await base.asset.getAddress()]);
  for (const s of [base.alice, base.bob]) {
    await base.asset.connect(s).approve(await plain.getAddress(), ethers.MaxUint256);
    await base.asset.connect(s).approve(await votes.getAddress(), ethers.MaxUint256);
  }
  return { ...base, plain, votes };
}

describe("StrategyVault gas", function () {
  it("gas_depositAndRedeem_withinBudgetOfPlainERC4626", async function () {
    const { vault, plain, votes, alice, bob } = await networkHelpers.loadFixture(vaultAndPlain);
    const rows: [string, bigint, bigint, bigint][] = [];
    type AnyVault = typeof vault | typeof plain | typeof votes;
    const both = async (label: string, f: (v: AnyVault) => Promise<ContractTransactionResponse>) => {
      const g1 = await gasOf(f(vault));
      const g2 = await gasOf(f(plain));
      const g3 = await gasOf(f(votes));
      rows.push([label, g1, g2, g3]);
    };
    await both("deposit (first in hour)", (v) => v.connect(bob).deposit(1_000n * USD, bob.address));
    await both("deposit (new holder)", (v) => v.connect(alice).deposit(1_000n * USD, alice.address));
    await both("deposit (existing holder)", (v) => v.connect(alice).deposit(500n * USD, alice.address));
    await both("redeem (partial)", async (v) =>
      v.connect(alice).redeem((await v.balanceOf(alice.address)) / 3n, alice.address, alice.address),
    );
    await both("withdraw (partial)", (v) => v.connect(alice).withdraw(100n * USD, alice.address, alice.address));
    await both("redeem (all)", async (v) =>
      v.connect(alice).redeem(await v.balanceOf(alice.address), alice.address, alice.address),
    );
    for (const [label, g1, g2, g3] of rows) {
      console.log(
        `      ${label.padEnd(28)} vault ${g1}  plain ${g2}  ratio ${(Number(g1) / Number(g2)).toFixed(3)}  votes ${g3} ratio ${(Number(g1) / Number(g3)).toFixed(3)}`,
      );
    }
  });
});

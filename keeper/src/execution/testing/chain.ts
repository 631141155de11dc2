/**
 * Test helper: an in-process EVM chain (Hardhat 3's simulated network) with Uniswap v2 deployed from
 * the shipped artifacts and a WETH/USD pool, for venue, bridge and executor tests.
 */
import hre from "hardhat";
import { BrowserProvider, Contract, parseEther, type Signer } from "ethers";
import {
  addLiquidity,
  deployTestToken,
  deployUniswapV2,
  WETH9Artifact,
  type UniswapV2Deployment,
} from "../uniswapV2Artifacts.js";

export interface LocalChain {
  signers: Signer[];
  provider: NonNullable<Signer["provider"]>;
  close(): Promise<void>;
}

/**
 * A fresh in-process chain, reached through plain ethers (`BrowserProvider` over the EIP-1193 provider)
 * so that errors and receipts look exactly as they do against a real node's JSON-RPC.
 */
export async function localChain(chainId?: number): Promise<LocalChain> {
  const conn = await hre.network.create(chainId ? { override: { chainId } } : undefined);
  const provider = new BrowserProvider(conn.provider, undefined, {
    polling: true,
    pollingInterval: 5,
    cacheTimeout: -1,
  });
  const accounts = (await conn.provider.request({ method: "eth_accounts" })) as string[];
  const signers = await Promise.all(accounts.slice(0, 10).map((a) => provider.getSigner(a)));
  return { signers, provider, close: () => conn.close() };
}

export interface UniswapFixture extends UniswapV2Deployment {
  usd: string;
  chain: LocalChain;
}

/** Deploys Uniswap v2 and a WETH/USD pool with `weth` and `usd` (whole units) of liquidity. */
export async function uniswapFixture(chain: LocalChain, weth = 100n, usd = 200_000n): Promise<UniswapFixture> {
  const [deployer] = chain.signers;
  const deployment = await deployUniswapV2(deployer);
  const usdToken = await deployTestToken(deployer, parseEther("100000000"));
  const wethC = new Contract(deployment.weth, WETH9Artifact.abi, deployer);
  await (await wethC.deposit({ value: parseEther("1000") })).wait();
  await addLiquidity(deployer, deployment.router, deployment.weth, usdToken, weth * 10n ** 18n, usd * 10n ** 18n);
  return { ...deployment, usd: usdToken, chain };
}

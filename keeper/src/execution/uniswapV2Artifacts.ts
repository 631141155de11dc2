/**
 * The shipped, compiled Uniswap v2 contracts (`@uniswap/v2-core` and `@uniswap/v2-periphery` build
 * artifacts), deployed as they are with ethers, and a helper that stands up a full v2 deployment
 * (WETH9, factory, router) plus test tokens on any chain: tests, the demo and the benchmark use it.
 */
import { createRequire } from "node:module";
import { ContractFactory, type Signer, type InterfaceAbi, Contract, MaxUint256 } from "ethers";

const require = createRequire(import.meta.url);

interface Artifact {
  abi: InterfaceAbi;
  bytecode: string;
}

function artifact(path: string): Artifact {
  const json = require(path) as { abi: InterfaceAbi; bytecode?: string; evm?: { bytecode?: { object?: string } } };
  const raw = json.bytecode ?? json.evm?.bytecode?.object ?? "";
  return { abi: json.abi, bytecode: raw.startsWith("0x") ? raw : `0x${raw}` };
}

export const UniswapV2FactoryArtifact = artifact("@uniswap/v2-core/build/UniswapV2Factory.json");
export const UniswapV2PairArtifact = artifact("@uniswap/v2-core/build/UniswapV2Pair.json");
export const UniswapV2Router02Artifact = artifact("@uniswap/v2-periphery/build/UniswapV2Router02.json");
export const WETH9Artifact = artifact("@uniswap/v2-periphery/build/WETH9.json");
/** Uniswap's own test token: 18 decimals, the whole supply minted to the deployer. */
export const TestERC20Artifact = artifact("@uniswap/v2-periphery/build/ERC20.json");

export const ERC20_ABI = [
  "function balanceOf(address) view returns (uint256)",
  "function decimals() view returns (uint8)",
  "function symbol() view returns (string)",
  "function allowance(address,address) view returns (uint256)",
  "function approve(address,uint256) returns (bool)",
  "function transfer(address,uint256) returns (bool)",
  "event Transfer(address indexed from, address indexed to, uint256 value)",
] as const;

export interface UniswapV2Deployment {
  factory: string;
  router: string;
  weth: string;
}

/** Deploys WETH9, UniswapV2Factory and UniswapV2Router02 from the shipped artifacts. */
export async function deployUniswapV2(deployer: Signer): Promise<UniswapV2Deployment> {
  const weth = await new ContractFactory(WETH9Artifact.abi, WETH9Artifact.bytecode, deployer).deploy();
  const factory = await new ContractFactory(
    UniswapV2FactoryArtifact.abi,
    UniswapV2FactoryArtifact.bytecode,
    deployer,
  ).deploy(await deployer.getAddress());
  await Promise.all([weth.waitForDeployment(), factory.waitForDeployment()]);
  const router = await new ContractFactory(
    UniswapV2Router02Artifact.abi,
    UniswapV2Router02Artifact.bytecode,
    deployer,
  ).deploy(await factory.getAddress(), await weth.getAddress());
  await router.waitForDeployment();
  return { factory: await factory.getAddress(), router: await router.getAddress(), weth: await weth.getAddress() };
}

/** Deploys Uniswap's 18-decimal test ERC-20 with `supply` minted to the deployer. */
export async function deployTestToken(deployer: Signer, supply: bigint): Promise<string> {
  const token = await new ContractFactory(TestERC20Artifact.abi, TestERC20Artifact.bytecode, deployer).deploy(supply);
  await token.waitForDeployment();
  return token.getAddress();
}

/** Creates (if needed) the pool of two tokens and adds liquidity through the router. */
export async function addLiquidity(
  signer: Signer,
  router: string,
  tokenA: string,
  tokenB: string,
  amountA: bigint,
  amountB: bigint,
): Promise<void> {
  const owner = await signer.getAddress();
  for (const [token, amount] of [
    [tokenA, amountA],
    [tokenB, amountB],
  ] as const) {
    const erc20 = new Contract(token, ERC20_ABI, signer);
    if ((await erc20.allowance(owner, router)) < amount) await (await erc20.approve(router, MaxUint256)).wait();
  }
  const r = new Contract(router, UniswapV2Router02Artifact.abi, signer);
  const block = await signer.provider!.getBlock("latest");
  const tx = await r.addLiquidity(tokenA, tokenB, amountA, amountB, 0n, 0n, owner, BigInt(block!.timestamp) + 3600n);
  await tx.wait();
}

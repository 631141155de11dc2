/**
 * Deploys the whole system to the network given by `--network` (in-process by default) and writes
 * `deployments/<network>.json` with every address, the chain id, the block number and the ABIs.
 * Idempotent per network: when the recorded deployment is still on that chain, nothing is sent.
 *
 *   npx hardhat run scripts/deploy.ts --network localhost
 *   REMOTE_RPC_URL=... DEPLOYER_PRIVATE_KEY=... DEPOSIT_ASSET=... npx hardhat run scripts/deploy.ts --network remote
 */
import hre from "hardhat";
import { LOCAL_NETWORKS, EnvError, readRemoteEnv } from "./lib/env.js";
import { readDeployment, writeDeployment, type Deployment } from "./lib/deployments.js";
import { deploySystem } from "./lib/system.js";

async function main(): Promise<void> {
  const networkName = hre.globalOptions.network ?? "default";
  const local = LOCAL_NETWORKS.has(networkName);
  const remote = local ? undefined : readRemoteEnv();

  const { ethers, networkName: connected } = await hre.network.getOrCreate();
  const { chainId } = await ethers.provider.getNetwork();

  const existing = readDeployment(connected);
  if (existing && existing.chainId === Number(chainId) && process.env.FORCE_DEPLOY !== "1") {
    const codes = await Promise.all(Object.values(existing.contracts).map((c) => ethers.provider.getCode(c.address)));
    if (codes.every((code) => code !== "0x")) {
      console.log(`already deployed on ${connected} (chain ${chainId}): deployments/${connected}.json is current`);
      return;
    }
  }

  console.log(`deploying to ${connected} (chain ${chainId})`);
  const system = await deploySystem(ethers, {
    local,
    depositAsset: remote?.DEPOSIT_ASSET,
    log: (line) => console.log(line),
  });

  const contracts: Deployment["contracts"] = {};
  for (const [name, entry] of Object.entries(system)) {
    const artifact = await hre.artifacts.readArtifact(entry.artifact);
    contracts[name] = { address: await entry.contract.getAddress(), artifact: entry.artifact, abi: artifact.abi };
  }
  const blockNumber = await ethers.provider.getBlockNumber();
  const path = writeDeployment({
    network: connected,
    chainId: Number(chainId),
    blockNumber,
    deployedAt: new Date().toISOString(),
    contracts,
  });
  console.log(`deployed ${Object.keys(contracts).length} contracts at block ${blockNumber}: ${path}`);
}

main().catch((err: unknown) => {
  if (err instanceof EnvError) {
    console.error(`error: ${err.message}`);
  } else {
    console.error(err);
  }
  process.exitCode = 1;
});

import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");

export interface DeployedContract {
  address: string;
  /** Artifact name the ABI came from (e.g. `TestStablecoin` for the `DepositAsset` entry). */
  artifact: string;
  abi: readonly unknown[];
}

/** `deployments/<network>.json`: what the keeper and the app read to find the system. */
export interface Deployment {
  network: string;
  chainId: number;
  blockNumber: number;
  deployedAt: string;
  contracts: Record<string, DeployedContract>;
}

export function deploymentPath(network: string): string {
  return join(ROOT, "deployments", `${network}.json`);
}

export function readDeployment(network: string): Deployment | undefined {
  const path = deploymentPath(network);
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, "utf8")) as Deployment;
}

/** Writes atomically (temp file + rename), so a reader never sees half a file. */
export function writeDeployment(deployment: Deployment): string {
  const path = deploymentPath(deployment.network);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(deployment, null, 2) + "\n");
  renameSync(tmp, path);
  return path;
}

import { z } from "zod";

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, { error: "must be a 20-byte hex address" });

/** What the browser needs of `deployments/<network>.json`: addresses by contract name, not ABIs. */
export const deploymentSchema = z.object({
  network: z.string(),
  chainId: z.number().int().positive(),
  blockNumber: z.number().int().nonnegative(),
  contracts: z.record(z.string(), z.object({ address, artifact: z.string() })),
});

export type AppDeployment = z.infer<typeof deploymentSchema>;

/** Where the app's view of the system came from. */
export type DeploymentSource = "file" | "generated";

/** The page's target: chain, where to reach it, and what is deployed on it (null: nothing yet). */
export interface AppTarget {
  network: string;
  chainId: number;
  local: boolean;
  /** Absolute URL of this app's /api/rpc proxy (the browser's and the dev wallet's RPC). */
  rpcUrl: string;
  deployment: AppDeployment | null;
  source: DeploymentSource | null;
}

/** Contract names the app looks up in a deployment. */
export const NAMES = {
  asset: "DepositAsset",
  priceFeed: "DepositAssetPriceFeed",
  vault: "StrategyVault",
  parameters: "Parameters",
  reputation: "ReputationOracle",
  receipts: "ReceiptRegistry",
  attestation: "AttestationRegistry",
  governor: "VaultGovernor",
  timelock: "VaultTimelock",
  campaigns: "CampaignRegistry",
  capital: "KeeperCapital",
} as const;

export function contractAddress(d: AppDeployment | null, name: string): `0x${string}` | undefined {
  const c = d?.contracts[name];
  return c ? (c.address as `0x${string}`) : undefined;
}

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { deployedContracts } from "../generated/contracts";
import { deploymentSchema, type AppDeployment, type DeploymentSource } from "../lib/deployment";
import { serverConfig } from "./config";

/** Thrown when `deployments/<network>.json` exists but is not a deployment. */
export class DeploymentFileError extends Error {
  override name = "DeploymentFileError";
}

/**
 * The deployment of the configured network, read fresh on every call: `deployments/<network>.json` when
 * present (a local redeploy changes it while the app runs), else the snapshot generated at build time,
 * else null (nothing deployed on that network yet).
 */
export function loadDeployment(): { deployment: AppDeployment; source: DeploymentSource } | null {
  const { network, deploymentsDir } = serverConfig();
  const path = join(deploymentsDir, `${network}.json`);
  if (existsSync(path)) {
    const parsed = deploymentSchema.safeParse(JSON.parse(readFileSync(path, "utf8")));
    if (!parsed.success)
      throw new DeploymentFileError(
        `${path}: ${parsed.error.issues[0]!.path.join(".")} ${parsed.error.issues[0]!.message}`,
      );
    return { deployment: parsed.data, source: "file" };
  }
  const snapshot = (deployedContracts as Record<string, Omit<AppDeployment, "network"> | undefined>)[network];
  if (snapshot) return { deployment: deploymentSchema.parse({ ...snapshot, network }), source: "generated" };
  return null;
}

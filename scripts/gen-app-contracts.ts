/**
 * Regenerates the web app's typed contract declarations (`app/src/generated/contracts.ts`) from the
 * compiled artifacts and from `deployments/<network>.json`, scaffold-eth style (`... as const`), so that
 * every ABI the app uses is typed and none is written by hand.
 *
 *   npx tsx scripts/gen-app-contracts.ts      (run by the app's predev / prebuild / pretest scripts)
 *
 * - `abis`: the ABI of every contract compiled from `contracts/`, plus every artifact a deployment names.
 * - `vaultAbi`: the `StrategyVault` artifact's ABI, checked against the interface the app is written
 *   against (`app/src/contracts/expected.ts`): a missing function stops the generation with its name.
 *   Before the vault is compiled, the agreed interface itself (`vaultAbiSource = "interface"`).
 * - `errorsAbi`: every custom error of every ABI above, to decode reverts into messages.
 * - `deployedContracts`: the deployments found at generation time, by network name. The server reads
 *   `deployments/<network>.json` again at run time (addresses change on every local redeploy); this
 *   snapshot serves hosts that ship the app without the `deployments/` directory.
 *
 * A fresh clone only needs `npx hardhat build` first; no deployment is required.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { Abi } from "viem";

type AbiError = Extract<Abi[number], { type: "error" }>;
import { expectedVaultAbi, missingFromVault, signature } from "../app/src/contracts/check.js";
import { ROOT, type Deployment } from "./lib/deployments.js";

const ARTIFACTS = join(ROOT, "artifacts");
const DEPLOYMENTS = join(ROOT, "deployments");
const OUT_DIR = join(ROOT, "app", "src", "generated");
const OUT = join(OUT_DIR, "contracts.ts");
const VAULT = "StrategyVault";

interface Artifact {
  contractName: string;
  sourceName: string;
  abi: Abi;
}

/** Thrown with a one-line reason; the script prints it and exits 1. */
class GenerationError extends Error {
  override name = "GenerationError";
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === "build-info" ? [] : walk(path);
    return e.name.endsWith(".json") && !e.name.endsWith(".dbg.json") ? [path] : [];
  });
}

function readArtifacts(): Map<string, Artifact> {
  if (!existsSync(ARTIFACTS)) throw new GenerationError("no artifacts/ directory: run `npx hardhat build` first");
  const byName = new Map<string, Artifact>();
  for (const file of walk(ARTIFACTS)) {
    const json = JSON.parse(readFileSync(file, "utf8")) as Partial<Artifact>;
    if (typeof json.contractName !== "string" || !Array.isArray(json.abi) || typeof json.sourceName !== "string")
      continue;
    // Solidity tests (`test/**/*.t.sol`, compiled by `hardhat build` too) are never deployed nor called by the app;
    // their helper interfaces (several declare their own `Vm`) would otherwise collide by name.
    if (json.sourceName.startsWith("test/")) continue;
    const previous = byName.get(json.contractName);
    if (previous && previous.sourceName !== json.sourceName)
      throw new GenerationError(
        `two artifacts named ${json.contractName} (${previous.sourceName}, ${json.sourceName}): names must be unique`,
      );
    byName.set(json.contractName, json as Artifact);
  }
  return byName;
}

function readDeployments(): Deployment[] {
  if (!existsSync(DEPLOYMENTS)) return [];
  return readdirSync(DEPLOYMENTS)
    .filter((f) => f.endsWith(".json"))
    .map((f) => JSON.parse(readFileSync(join(DEPLOYMENTS, f), "utf8")) as Deployment);
}

/** The vault ABI the app uses, and where it came from. */
function vaultAbi(artifacts: Map<string, Artifact>): { abi: Abi; source: "artifact" | "interface" } {
  const artifact = artifacts.get(VAULT);
  if (!artifact) return { abi: expectedVaultAbi(), source: "interface" };
  const missing = missingFromVault(artifact.abi);
  if (missing.length > 0)
    throw new GenerationError(
      `${VAULT} lacks what the app calls (app/src/contracts/expected.ts): ${missing.join("; ")}`,
    );
  return { abi: artifact.abi, source: "artifact" };
}

function main(): void {
  const artifacts = readArtifacts();
  const deployments = readDeployments();

  const wanted = new Set<string>();
  for (const a of artifacts.values()) if (a.sourceName.startsWith("contracts/")) wanted.add(a.contractName);
  for (const d of deployments)
    for (const [name, c] of Object.entries(d.contracts)) {
      if (!artifacts.has(c.artifact))
        throw new GenerationError(
          `deployments/${d.network}.json: ${name} uses artifact ${c.artifact}, which is not compiled`,
        );
      wanted.add(c.artifact);
    }
  const abis: Record<string, Abi> = {};
  for (const name of [...wanted].sort()) abis[name] = artifacts.get(name)!.abi;

  const vault = vaultAbi(artifacts);
  const errors = new Map<string, AbiError>();
  for (const abi of [...Object.values(abis), vault.abi])
    for (const item of abi) if (item.type === "error") errors.set(signature(item), item);

  const deployed: Record<string, { chainId: number; blockNumber: number; contracts: Record<string, unknown> }> = {};
  for (const d of deployments.sort((a, b) => a.network.localeCompare(b.network)))
    deployed[d.network] = {
      chainId: d.chainId,
      blockNumber: d.blockNumber,
      contracts: Object.fromEntries(
        Object.entries(d.contracts).map(([name, c]) => [name, { address: c.address, artifact: c.artifact }]),
      ),
    };

  const json = (v: unknown): string => JSON.stringify(v, null, 2);
  const text = `// Generated by scripts/gen-app-contracts.ts from artifacts/ and deployments/. Do not edit.
/* eslint-disable */

export const abis = ${json(abis)} as const;

/** "artifact": the compiled StrategyVault; "interface": the agreed interface, vault not compiled yet. */
export const vaultAbiSource: "artifact" | "interface" = ${json(vault.source)};

export const vaultAbi = ${json(vault.abi)} as const;

export const errorsAbi = ${json([...errors.values()])} as const;

export const deployedContracts = ${json(deployed)} as const;
`;
  mkdirSync(OUT_DIR, { recursive: true });
  const tmp = `${OUT}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, OUT);
  console.log(
    `[gen-app-contracts] ${relative(ROOT, OUT)}: ${Object.keys(abis).length} ABIs, vault from ${vault.source}, ` +
      `${errors.size} errors, deployments: ${Object.keys(deployed).join(", ") || "none"}`,
  );
}

try {
  main();
} catch (err) {
  if (!(err instanceof GenerationError)) throw err;
  console.error(`[gen-app-contracts] error: ${err.message}`);
  process.exitCode = 1;
}

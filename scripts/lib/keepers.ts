/**
 * `npm start` helpers for the keeper layer on the local chain: exchange accounts for the keepers in the simulator's
 * scenario, local trust (the development measurement allowlisted, the verifier approved), and each keeper's data
 * directory (`.keeper-data/keeperN/`: configuration and encrypted exchange credentials).
 * Development accounts (Hardhat's default mnemonic): #0 deployer/governance, #1..#3 keepers, #4 verifier,
 * #5..#7 the keepers' operators.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HDNodeWallet, JsonRpcProvider, Mnemonic, Wallet } from "ethers";
import { DEVELOPMENT_MEASUREMENT } from "../../keeper/src/attestation/development.js";
import { defaultScenario, type AccountConfig } from "../../keeper/src/sim/scenario.js";
import { encryptCredentials } from "../../keeper/src/node/secrets.js";
import { AttestationRegistry__factory, Parameters__factory } from "../../types/ethers-contracts/index.js";
import type { Deployment } from "./deployments.js";

export const KEEPER_COUNT = 3;
export const VERIFIER_PORT = 8600;
export const KEEPER_METRICS_PORTS = [9101, 9102, 9103];
/** Encrypts the keepers' simulator API keys at rest; a development value, printed by `npm start`. */
export const DEV_CREDENTIALS_PASSPHRASE = "local-development-only";

export function devKey(i: number): string {
  const phrase = "test test test test test test test test test test test junk";
  return HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(phrase), `m/44'/60'/0'/0/${i}`).privateKey;
}

export function keeperSimAccount(n: number): AccountConfig {
  return {
    name: `keeper${n}`,
    apiKey: `sim-keeper${n}-api-key`,
    secret: `sim-keeper${n}-secret`,
    passphrase: `sim-keeper${n}-pass`,
    balances: { BTC: "5", ETH: "50", USDT: "500000" },
  };
}

/** The simulator's demo scenario plus one funded account per keeper, written as JSON for `sim/cli.ts --scenario`. */
export function writeSimScenario(path: string): void {
  const s = defaultScenario(42);
  const accounts = [...s.accounts, ...Array.from({ length: KEEPER_COUNT }, (_, i) => keeperSimAccount(i + 1))];
  writeFileSync(
    path,
    JSON.stringify({ ...s, accounts }, (_k, v: unknown) => (typeof v === "bigint" ? `${v}` : v)),
  );
}

/** Allowlists the development measurement and grants VERIFIER_ROLE to account #4 (idempotent). */
export async function setupLocalTrust(rpcUrl: string, deployment: Deployment): Promise<void> {
  const provider = new JsonRpcProvider(rpcUrl, deployment.chainId, { staticNetwork: true, cacheTimeout: -1 });
  const governance = new Wallet(devKey(0), provider);
  const params = Parameters__factory.connect(deployment.contracts["Parameters"]!.address, governance);
  if (!(await params.isMeasurementAllowed(DEVELOPMENT_MEASUREMENT))) {
    await (await params.setMeasurementAllowed(DEVELOPMENT_MEASUREMENT, true)).wait();
  }
  const attestations = AttestationRegistry__factory.connect(
    deployment.contracts["AttestationRegistry"]!.address,
    governance,
  );
  const role = await attestations.VERIFIER_ROLE();
  const verifier = new Wallet(devKey(4)).address;
  if (!(await attestations.hasRole(role, verifier))) await (await attestations.grantRole(role, verifier)).wait();
  provider.destroy();
}

/** Writes `<root>/keeperN/{keeper.json, credentials.enc.json}` (`npm start`: `.keeper-data/`); returns the config path. */
export function writeKeeperFiles(
  root: string,
  n: number,
  opts: {
    rpcUrl: string;
    deploymentPath: string;
    simUrls: { binance: string; okx: string };
    /** Defaults: `KEEPER_METRICS_PORTS[n - 1]` and the verifier on `VERIFIER_PORT`. */
    metricsPort?: number;
    verifierUrl?: string;
  },
): string {
  const dir = join(root, `keeper${n}`);
  mkdirSync(dir, { recursive: true });
  const a = keeperSimAccount(n);
  const credentialsFile = join(dir, "credentials.enc.json");
  const creds = {
    binance: { apiKey: a.apiKey, secret: a.secret },
    okx: { apiKey: a.apiKey, secret: a.secret, password: a.passphrase },
  };
  writeFileSync(credentialsFile, JSON.stringify(encryptCredentials(creds, DEV_CREDENTIALS_PASSPHRASE)), {
    mode: 0o600,
  });
  const config = join(dir, "keeper.json");
  writeFileSync(
    config,
    JSON.stringify(
      {
        name: `keeper${n}`,
        chain: { rpcUrl: opts.rpcUrl, deployment: opts.deploymentPath },
        venues: [
          { id: "binance", exchange: "binance", baseUrl: opts.simUrls.binance, credentials: "binance" },
          { id: "okx", exchange: "okx", baseUrl: opts.simUrls.okx, credentials: "okx" },
        ],
        credentialsFile,
        pairs: ["BTC/USDT"],
        dataDir: dir,
        metricsPort: opts.metricsPort ?? KEEPER_METRICS_PORTS[n - 1],
        tickMs: 500,
        heartbeatSeconds: 120,
        verifierUrl: opts.verifierUrl ?? `http://127.0.0.1:${VERIFIER_PORT}`,
      },
      null,
      2,
    ),
  );
  return config;
}

import { createRequire } from "node:module";
import { configVariable, defineConfig } from "hardhat/config";
import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import hardhatTypechain from "@nomicfoundation/hardhat-typechain";

const require = createRequire(import.meta.url);

/**
 * Solidity is compiled offline with the npm `solc` package (pinned to the same version): Hardhat's
 * own compiler download cannot run on machines without internet access.
 */
const compiler = {
  version: "0.8.30",
  path: require.resolve("solc/soljson.js"),
  settings: {
    evmVersion: "cancun",
    optimizer: { enabled: true, runs: 10_000 },
  },
};

/**
 * The strategy vault (ERC-4626 + votes + permit + sleeves + Earn) is compiled through the IR pipeline with
 * optimizer runs 50 so that it stays under the 24,576-byte contract size limit (24,393 bytes; the legacy
 * pipeline gives 24,910 at runs 50, the IR pipeline 24,742 at runs 200). The IR code is also cheaper to run.
 */
const sizeOptimised = {
  ...compiler,
  settings: { ...compiler.settings, viaIR: true, optimizer: { enabled: true, runs: 50 } },
};

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers, hardhatTypechain],
  solidity: {
    compilers: [compiler],
    overrides: { "contracts/vault/StrategyVault.sol": sizeOptimised },
    // Contracts from npm packages that tests and the deploy script deploy directly.
    npmFilesToBuild: ["@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol"],
  },
  test: {
    // Solidity fuzz and invariant tests (test/invariant). `npm test` runs the default profile: 256 fuzz runs and
    // 128 invariant runs of 100 calls each per invariant (12,800 random calls); `npm run test:contracts:deep` runs the
    // `deep` profile, the engine's defaults and more (1,024 fuzz runs; 256 invariant runs of 500 calls: 128,000
    // calls per invariant) before a release or after a change to an accounting identity.
    solidity: {
      profiles: {
        default: { fuzz: { runs: 256 }, invariant: { runs: 128, depth: 100 } },
        deep: { fuzz: { runs: 1_024 }, invariant: { runs: 256, depth: 500 } },
      },
    },
  },
  paths: {
    sources: "./contracts",
    tests: { mocha: "./test", solidity: "./test/invariant" },
  },
  typechain: {
    outDir: "types/ethers-contracts",
  },
  networks: {
    // In-process chain used by `hardhat test` and `hardhat run` without --network.
    hardhatMainnet: { type: "edr-simulated", chainType: "l1" },
    // `hardhat node` (the chain `npm start` runs): blocks may share a timestamp, so the chain's clock follows the
    // wall clock as a real chain's does. Without it every automined transaction moves block time at least 1 s, and a
    // few transactions a second (keepers' campaigns) ran the chain's clock 2-3x faster than wall time: claims and
    // quoting windows measured in chain seconds expired in a fraction of their wall time.
    node: { type: "edr-simulated", chainType: "l1", allowBlocksWithSameTimestamp: true },
    // The chain started by `npm start` (`hardhat node`, loopback only), as a client sees it.
    localhost: { type: "http", chainType: "l1", url: "http://127.0.0.1:8545" },
    // A second local node on another port (the app's end-to-end tests): writes deployments/e2e.json,
    // so a running `npm start` keeps its own deployments/localhost.json.
    e2e: { type: "http", chainType: "l1", url: process.env.E2E_RPC_URL ?? "http://127.0.0.1:8546" },
    // Any real network: REMOTE_RPC_URL and DEPLOYER_PRIVATE_KEY from the environment
    // (checked by scripts/lib/env.ts before use, with a one-line error naming the variable).
    remote: {
      type: "http",
      chainType: "l1",
      url: configVariable("REMOTE_RPC_URL"),
      accounts: [configVariable("DEPLOYER_PRIVATE_KEY")],
    },
  },
});

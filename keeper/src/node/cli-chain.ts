/**
 * Chain-facing commands of the keeper CLI: `run`, `register`, `attest`, `verifier`, and the chain part of `status`.
 * Keys come from the configuration / environment (never from flags).
 */
import { readFileSync } from "node:fs";
import { getAddress, JsonRpcProvider, parseUnits, Wallet } from "ethers";
import type { Command } from "commander";
import { serveVerifier, VerifierService } from "../attestation/verifier-service.js";
import { EvmChainAdapter, readChainDeployment } from "../chain/evm.js";
import { ConfigError } from "../errors.js";
import { attestKeeper } from "./attest.js";
import { PccsClient } from "../attestation/pccs.js";
import { parseCollateral } from "../attestation/dcap.js";
import { loadKeeperConfig, type KeeperConfig } from "./config.js";
import { createLogger } from "./logger.js";
import { connectChain, runKeeper } from "./run.js";
import { untilSignal } from "./signals.js";
import { addAuditCommand } from "../audit/cli.js";

const requireEnv = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new ConfigError(`${name} is not set`);
  return v;
};

/** The chain state of the configured keeper, for `keeper status --config`. */
export async function chainStatus(config: KeeperConfig) {
  const { chain } = await connectChain(config);
  const s = await chain.keeperStatus();
  return {
    keeper: s.keeper,
    operator: s.operator,
    operatorActiveStake: s.operatorActiveStake.toString(),
    attested: s.attested,
    attestedAt: s.attestedAt.toString(),
    eligible: s.eligible,
    score: s.score.toString(),
    lastSeen: s.lastSeen.toString(),
    receiptNonce: (await chain.receipts.nonceOf(s.keeper)).toString(),
  };
}

export function addChainCommands(program: Command): void {
  addAuditCommand(program, untilSignal);
  program
    .command("run")
    .description(
      "Run the keeper: reconcile the journal after a restart, follow Parameters, detect arbitrage campaigns, " +
        "publish/claim/execute/settle them, post receipts, send heartbeats, serve /metrics (Ctrl-C stops cleanly)",
    )
    .requiredOption("--config <file>", "keeper configuration JSON (environment variables override it)")
    .option(
      "--paper",
      "paper mode: the same keeper (strategies, risk limits, campaigns) over live order books with fills simulated " +
        "locally (paper.balances) and an in-process chain; traces, receipts and a PnL report in " +
        "<dataDir>/paper/report.json; no exchange credentials are read, no order and no transaction is ever sent",
    )
    .action(async (opts: { config: string; paper?: boolean }) => {
      const config = loadKeeperConfig(opts.config);
      if (opts.paper || config.mode === "paper") {
        const { runPaperKeeper } = await import("../paper/run.js");
        const paper = await runPaperKeeper(config);
        await untilSignal(() => paper.stop());
        return;
      }
      const running = await runKeeper(config);
      await untilSignal(() => running.stop());
    });

  program
    .command("register")
    .description(
      "Onboard the keeper: the operator (KEEPER_OPERATOR_PRIVATE_KEY) stakes the deposit asset and proposes the " +
        "keeper; the keeper accepts the operator. Steps already done are skipped",
    )
    .requiredOption("--config <file>", "keeper configuration JSON")
    .option("--stake <amount>", "stake in deposit-asset units (6 decimals), e.g. 1000", "1000")
    .action(async (opts: { config: string; stake: string }) => {
      const config = loadKeeperConfig(opts.config);
      const { chain: keeper, provider, deployment } = await connectChain(config);
      const operatorWallet = new Wallet(requireEnv("KEEPER_OPERATOR_PRIVATE_KEY"), provider);
      const operator = await EvmChainAdapter.connect(operatorWallet, deployment.addresses, {
        fromBlock: deployment.blockNumber,
      });
      const amount = parseUnits(opts.stake, 6);
      const before = await keeper.keeperStatus();
      const active = (await operator.reputation.stakeOf(operator.account)).active;
      if (active < amount) console.log(`staked ${amount - active}: ${await operator.stake(amount - active)}`);
      if (getAddress(before.operator) !== getAddress(operator.account)) {
        console.log(`proposed: ${await operator.proposeKeeper(keeper.account)}`);
        console.log(`accepted: ${await keeper.acceptOperator(operator.account)}`);
      }
      console.log(JSON.stringify(await chainStatus(config), null, 2));
    });

  program
    .command("attest")
    .description(
      "Get a TEE quote binding the keeper address (TDX through configfs-tsm; on local chains only, a clearly " +
        "marked development quote); a TEE quote with its collateral (PCCS or --collateral) goes to the on-chain " +
        "verifier (AttestationRegistry.submitQuote) when configured, else to the verifier service",
    )
    .requiredOption("--config <file>", "keeper configuration JSON (verifierUrl and/or pccsUrl)")
    .option("--collateral <file>", "DCAP collateral JSON for a real quote (instead of the PCCS)")
    .action(async (opts: { config: string; collateral?: string }) => {
      const config = loadKeeperConfig(opts.config);
      if (!config.verifierUrl && !config.pccsUrl && !opts.collateral) {
        throw new ConfigError("config: verifierUrl or pccsUrl is required for attest");
      }
      const { chain } = await connectChain(config);
      const collateral = opts.collateral
        ? parseCollateral(JSON.parse(readFileSync(opts.collateral, "utf8")))
        : undefined;
      const answer = await attestKeeper(chain, {
        verifierUrl: config.verifierUrl,
        pccs: config.pccsUrl ? new PccsClient({ url: config.pccsUrl }) : undefined,
        collateral,
      });
      console.log(`attested ${answer.keeper} with a ${answer.quoteType} quote (${answer.path}): ${answer.txHash}`);
    });

  program
    .command("verifier")
    .description(
      "Run the verifier service (key: KEEPER_VERIFIER_PRIVATE_KEY, which needs VERIFIER_ROLE): POST /attest " +
        "verifies a keeper's quote (DCAP; development quotes on local chain ids only) and posts the fields",
    )
    .requiredOption("--rpc-url <url>", "JSON-RPC endpoint")
    .requiredOption("--deployment <file>", "deployments/<network>.json")
    .option("--port <port>", "port on 127.0.0.1", "8600")
    .action(async (opts: { rpcUrl: string; deployment: string; port: string }) => {
      const deployment = readChainDeployment(opts.deployment);
      const provider = new JsonRpcProvider(opts.rpcUrl, deployment.chainId, { staticNetwork: true, cacheTimeout: -1 });
      const wallet = new Wallet(requireEnv("KEEPER_VERIFIER_PRIVATE_KEY"), provider);
      const chain = await EvmChainAdapter.connect(wallet, deployment.addresses, { fromBlock: deployment.blockNumber });
      const log = createLogger({ name: "verifier", keeper: chain.account });
      const server = await serveVerifier(new VerifierService(chain, log), Number(opts.port), "127.0.0.1", log);
      log.info({ port: Number(opts.port), chainId: chain.chainId.toString() }, "verifier listening");
      await untilSignal(() => new Promise<void>((r) => server.close(() => r())));
    });
}

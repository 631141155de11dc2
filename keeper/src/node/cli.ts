import { Command, InvalidArgumentError } from "commander";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { KeeperError } from "../errors.js";
import { Journal } from "./journal.js";
import { encryptCredentials, readCredentialsFile, readPlaintextCredentials } from "./secrets.js";
import { verifyQuoteFile } from "../attestation/verify-quote-file.js";
import { addChainCommands, chainStatus } from "./cli-chain.js";
import { loadKeeperConfig } from "./config.js";
import { exposures, exposureView, pauseKeeper, pauseState, resumeKeeper } from "./risk.js";
import { describeExposure, registerFlattenCommand } from "./flatten-command.js";

/**
 * The keeper's command line. Every command validates its input and fails with one clear line
 * (`error: ...`) and a non-zero exit code; secrets are read from the environment, never from flags
 * (flags end up in shell history and `ps`).
 */
export function buildCli(): Command {
  const program = new Command("keeper")
    .description("Attested keeper bot of the verifiable strategy vault")
    .showHelpAfterError()
    .configureOutput({ outputError: (str, write) => write(str) });

  const secrets = program
    .command("secrets")
    .description("Manage the encrypted exchange API keys file (passphrase from KEEPER_CREDENTIALS_PASSPHRASE)");

  secrets
    .command("encrypt")
    .description("Encrypt a plaintext credentials JSON ({ venueId: { apiKey, secret, password? } }) into <out>")
    .argument("<plaintext>", "plaintext credentials JSON file (delete it afterwards)")
    .argument("<out>", "encrypted file to write")
    .action((plaintext: string, out: string) => {
      const passphrase = requireEnv("KEEPER_CREDENTIALS_PASSPHRASE");
      const creds = readPlaintextCredentials(plaintext);
      writeFileSync(out, JSON.stringify(encryptCredentials(creds, passphrase), null, 2) + "\n", { mode: 0o600 });
      console.log(`encrypted credentials for ${Object.keys(creds).join(", ")} -> ${out}`);
    });

  secrets
    .command("check")
    .description("Check that <file> decrypts with the passphrase; prints the venue ids, never the keys")
    .argument("<file>", "encrypted credentials file")
    .action((file: string) => {
      const passphrase = requireEnv("KEEPER_CREDENTIALS_PASSPHRASE");
      const creds = readCredentialsFile(file, passphrase);
      console.log(`ok: credentials for ${Object.keys(creds.reveal()).join(", ")}`);
    });

  program
    .command("status")
    .description("Show the keeper's journal: unsettled orders, receipts not yet on-chain, campaigns")
    .option("--data-dir <dir>", "keeper data directory", ".keeper-data")
    .option("--json", "print JSON")
    .option("--config <file>", "also show the keeper's chain state (binding, stake, attestation, score, heartbeat)")
    .action(async (opts: { dataDir: string; json?: boolean; config?: string }) => {
      const config = opts.config ? loadKeeperConfig(opts.config) : undefined;
      const journal = new Journal(join(config?.dataDir ?? opts.dataDir, "journal.db"));
      try {
        const status = {
          unsettledOrders: journal.unsettledOrders(),
          unpostedReceipts: journal.unpostedReceipts().map(({ payload: _p, ...r }) => r),
          receipts: journal.receipts().length,
          unfinishedCampaigns: journal.unfinishedCampaigns(),
          paused: pauseState(journal),
          exposures: exposures(journal).map((e) => ({ ...e, ...exposureView(e, Date.now()) })),
          chain: config ? await chainStatus(config) : undefined,
        };
        if (opts.json) console.log(JSON.stringify(status, null, 2));
        else {
          console.log(`receipts journalled: ${status.receipts}`);
          console.log(`receipts not yet on-chain: ${status.unpostedReceipts.length}`);
          console.log(`orders awaiting an outcome: ${status.unsettledOrders.length}`);
          console.log(`campaigns in progress: ${status.unfinishedCampaigns.length}`);
          console.log(status.paused ? `paused: ${status.paused.reason}` : "not paused");
          console.log(`exposed positions: ${status.exposures.length}`);
          for (const e of status.exposures) {
            console.log(`  ${describeExposure(e)}`);
          }
          if (status.chain) console.log(`chain: ${JSON.stringify(status.chain)}`);
          for (const o of status.unsettledOrders) {
            console.log(
              `  ${o.clientOrderId} ${o.venue} ${o.side} ${o.amount} ${o.pair} @ ${o.limitPrice} (${o.state})`,
            );
          }
        }
      } finally {
        journal.close();
      }
    });

  /** The data directory a kill switch acts on: the keeper's, or its paper keeper's (`<dataDir>/paper`, `--paper`). */
  const dataDirOf = (opts: { dataDir: string; config?: string; paper?: boolean }) => {
    const dir = opts.config ? loadKeeperConfig(opts.config).dataDir : opts.dataDir;
    return opts.paper ? join(dir, "paper") : dir;
  };

  program
    .command("pause")
    .description(
      "Kill switch: stop new campaigns and opening orders of the keeper using <data-dir> at once (the running " +
        "keeper reads its journal; hedges and unwinds still go); journalled, so a restart stays paused",
    )
    .option("--data-dir <dir>", "keeper data directory", ".keeper-data")
    .option("--config <file>", "take the data directory from the keeper's config file")
    .option("--paper", "pause the paper keeper of that data directory (`keeper run --paper`, <data-dir>/paper)")
    .option("--reason <text>", "why (shown in logs and `keeper status`)", "operator pause")
    .action((opts: { dataDir: string; config?: string; paper?: boolean; reason: string }) => {
      const journal = new Journal(join(dataDirOf(opts), "journal.db"));
      try {
        const state = pauseKeeper(journal, opts.reason);
        console.log(`paused: ${state.reason} (at ${new Date(state.at).toISOString()})`);
      } finally {
        journal.close();
      }
    });

  program
    .command("resume")
    .description("Lift a `keeper pause`: the keeper using <data-dir> takes new campaigns again")
    .option("--data-dir <dir>", "keeper data directory", ".keeper-data")
    .option("--config <file>", "take the data directory from the keeper's config file")
    .option("--paper", "resume the paper keeper of that data directory (<data-dir>/paper)")
    .action((opts: { dataDir: string; config?: string; paper?: boolean }) => {
      const journal = new Journal(join(dataDirOf(opts), "journal.db"));
      try {
        const was = resumeKeeper(journal);
        console.log(was ? `resumed (was paused: ${was.reason})` : "not paused");
      } finally {
        journal.close();
      }
    });

  program
    .command("verify-quote")
    .description(
      "Verify an Intel DCAP quote (SGX or TDX) offline against its collateral with @phala/dcap-qvl; " +
        "prints the TEE type, measurement, TCB status and report data as JSON; exits 1 when rejected",
    )
    .argument("<file>", "quote file: raw bytes or hex text")
    .option("--collateral <file>", "collateral JSON (default: <file>_collateral.json)")
    .option(
      "--at <unixSeconds>",
      "verification time (default: now); collateral is only valid in its window",
      positiveInt,
    )
    .option("--expect-address <address>", "keeper address that the report data must bind")
    .option("--allow <measurementHash...>", "allowed measurements (keccak256 of MRTD/MRENCLAVE, or raw hex)")
    .action(
      async (file: string, opts: { collateral?: string; at?: number; expectAddress?: string; allow?: string[] }) => {
        const result = await verifyQuoteFile(file, {
          collateralPath: opts.collateral,
          at: opts.at,
          expectedAddress: opts.expectAddress,
          allowedMeasurements: opts.allow,
        });
        console.log(JSON.stringify(result, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2));
        if (!result.ok) process.exitCode = 1;
      },
    );

  program
    .command("replay")
    .description(
      "Run the live keeper (engine, campaigns, risk controls) over an exchange-simulator scenario and a local " +
        "chain on scenario time, stepped by hand; writes report.json, a self-contained report.html (PnL, fills, " +
        "switches, breaker trips, campaigns), keeper.log and the campaigns' receipts (receipts/)",
    )
    .argument("<scenario>", "scenario JSON file (e.g. keeper/src/sim/scenarios/flaky-arbitrage.json)")
    .option("--steps <n>", "steps to replay", positiveInt, 120)
    .option("--out <dir>", "directory for the report", "replay-report")
    .option("--account <name>", "scenario account the keeper trades as (default: the first)")
    .action(async (scenario: string, opts: { steps: number; out: string; account?: string }) => {
      const { runReplay } = await import("../replay/replay.js");
      const r = await runReplay({
        scenario,
        steps: opts.steps,
        outDir: opts.out,
        account: opts.account,
        progress: true,
      });
      const s = r.summary;
      console.log(
        `replay ${r.scenario}: ${r.steps} steps, PnL ${s.pnl.toFixed(2)}, ${s.fills} fills, ${s.runs} runs, ` +
          `${s.switches} switches, ${s.breakerTrips} breaker trips, ${s.campaigns} campaigns ` +
          `(${s.settledCampaigns} settled with receipts); report in ${join(opts.out, "report.{json,html}")}`,
      );
    });

  addChainCommands(program);
  registerFlattenCommand(program);
  return program;
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new KeeperError(`${name} is not set`);
  return value;
}

/** Parses a positive integer option, for commander. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("must be a positive integer");
  return n;
}

const isMain = process.argv[1] !== undefined && /keeper(\.mjs)?$|cli\.ts$/.test(process.argv[1]);
if (isMain) {
  buildCli()
    .parseAsync(process.argv)
    .catch((err: unknown) => {
      const message = err instanceof KeeperError ? err.shortMessage : err instanceof Error ? err.message : String(err);
      console.error(`error: ${message}`);
      process.exitCode = 1;
    });
}

/**
 * `keeper audit`: the auditor alone (without trading), with the keeper's key, store and `audit` settings.
 * `--once` runs one pass and prints the journal's summary (for cron jobs and checks).
 */
import type { Command } from "commander";
import { loadKeeperConfig } from "../node/config.js";
import { createLogger } from "../node/logger.js";
import { createMetrics, serveMetrics } from "../node/metrics.js";
import { connectChain } from "../node/run.js";
import { openContentStore } from "../recording/store/config.js";
import { startAuditor } from "./run.js";

const toJson = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x), 2);

export function addAuditCommand(program: Command, untilSignal: (stop: () => Promise<void>) => Promise<void>): void {
  program
    .command("audit")
    .description(
      "Run the auditor (whistleblower): follow ReceiptPosted, fetch each trace by CID from the configured store, " +
        "verify it and challenge a violation with a bond (at most audit.maxBond locked), journalled in <dataDir>/audit.db",
    )
    .requiredOption("--config <file>", "keeper configuration JSON (key, store, audit.maxBond)")
    .option("--once", "run one pass, print the summary as JSON and exit")
    .action(async (opts: { config: string; once?: boolean }) => {
      const config = loadKeeperConfig(opts.config);
      const { chain, deployment } = await connectChain(config);
      const log = createLogger({ name: "auditor", level: config.logLevel, keeper: config.name });
      const store = openContentStore(config.store, { dataDir: config.dataDir });
      const metrics = createMetrics({ keeper: config.name });
      const auditor = startAuditor({
        config,
        chain,
        store: store.store,
        log,
        registry: metrics.registry,
        deploymentBlock: deployment.blockNumber,
        autoStart: !opts.once,
      });
      const stop = async () => {
        await auditor.stop();
        store.close();
      };
      if (opts.once) {
        await auditor.auditor.tick();
        console.log(toJson(auditor.auditor.summary()));
        await stop();
        return;
      }
      const server = await serveMetrics(metrics, config.metricsPort);
      log.info({ store: store.describe }, "auditor running (Ctrl-C stops)");
      await untilSignal(async () => {
        await stop();
        await new Promise<void>((r) => server.close(() => r()));
      });
    });
}

/**
 * Wiring of the auditor: inside `keeper run` (when `audit.enabled`) and as `keeper audit` (alone, with the keeper's
 * key and store). The journal is `<dataDir>/audit.db`.
 */
import { join } from "node:path";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { EvmChainAdapter } from "../chain/evm.js";
import type { ContentStore } from "../recording/store/content-store.js";
import type { KeeperConfig } from "../node/config.js";
import { Auditor, createAuditMetrics } from "./auditor.js";
import { maxBondUnits } from "./config.js";
import { AuditJournal } from "./journal.js";

export interface StartAuditorParams {
  config: Pick<KeeperConfig, "dataDir" | "audit">;
  chain: EvmChainAdapter;
  store: ContentStore;
  log: Logger;
  registry: Registry;
  /** Deployment block (where following `ReceiptPosted` starts when `audit.fromBlock` is not set). */
  deploymentBlock?: number;
  /** Start polling at once (default); false: the caller runs `tick()` itself (`keeper audit --once`). */
  autoStart?: boolean;
}

export function startAuditor(p: StartAuditorParams): {
  auditor: Auditor;
  journal: AuditJournal;
  stop(): Promise<void>;
} {
  const journal = new AuditJournal(join(p.config.dataDir, "audit.db"));
  const auditor = new Auditor({
    chain: p.chain,
    store: p.store,
    journal,
    maxBond: maxBondUnits(p.config.audit),
    log: p.log.child({ component: "auditor" }),
    metrics: createAuditMetrics(p.registry),
    pollMs: p.config.audit.pollMs,
    fromBlock: p.config.audit.fromBlock ?? p.deploymentBlock ?? 0,
    blockRange: p.config.audit.blockRange,
  });
  if (p.autoStart !== false) auditor.start();
  return {
    auditor,
    journal,
    async stop() {
      await auditor.stop();
      journal.close();
    },
  };
}

/**
 * `keeper flatten`: the operator's way out of an exposure that waits. Flattening never trades past the unwind bound
 * from the exposure's entry price on its own (risk.ts), so after a collapse of the book an exposure waits, its pair
 * blocked, and past `risk.maxExposureWaitSeconds` the keeper reports itself unhealthy. This command journals the
 * operator's consent to a loss of up to N bps from the entry price into the data dir's journal, the way
 * `keeper pause` reaches a running keeper; the keeper's next flattening round (at most 5 s later) sends one IOC order
 * through the same flatten path (journalled before it is sent, capped by what the account holds, its limit never past
 * entry -/+ N bps). The consent names the exposure in its current state (campaign, venue, pair, when it was recorded,
 * the number of flattening orders sent), so a repeated or stale command, or one for another keeper's data dir, can
 * send no second order.
 */
import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { KeeperError } from "../errors.js";
import { loadKeeperConfig } from "./config.js";
import { Journal } from "./journal.js";
import { exposures, exposureView, flattenConsentKey, type ExposureView, type FlattenConsent } from "./risk.js";

/** A `keeper flatten` that cannot be given (no keeper journal, no such exposure, a bad option). */
export class FlattenCommandError extends KeeperError {
  override name = "FlattenCommandError";
}

export interface FlattenRequest {
  pair: string;
  venue: string;
  /** Loss accepted from the exposure's entry price, in bps (1 to 9999). */
  acceptLossBps: number;
}

/** One line for an open exposure (`keeper status`, `keeper flatten`). */
export function describeExposure(v: ExposureView): string {
  const entry = v.entryPrice === undefined ? "entry unknown" : `entry ${v.entryPrice}`;
  const wait = v.waiting ? ", waiting: book past the flattening floor" : "";
  return `${v.venue} ${v.pair} ${v.position} ${v.amount} ${v.asset}, ${entry}, open ${v.ageSeconds} s${wait} (campaign ${v.campaignId})`;
}

/**
 * Journals the operator's consent for every open exposure on `venue`/`pair` in `journal` (one per exposure, in its
 * current state). Throws a one-line `FlattenCommandError` when none is open there; `where` names the journal.
 */
export function requestFlatten(
  journal: Journal,
  req: FlattenRequest,
  where: string,
  now = Date.now(),
): { consents: FlattenConsent[]; views: ExposureView[] } {
  if (!/^[A-Z0-9]+\/[A-Z0-9]+$/.test(req.pair)) {
    throw new FlattenCommandError(`--pair ${req.pair} must look like BTC/USDT`);
  }
  if (!Number.isInteger(req.acceptLossBps) || req.acceptLossBps < 1 || req.acceptLossBps >= 10_000) {
    throw new FlattenCommandError(`--accept-loss-bps ${req.acceptLossBps} must be an integer from 1 to 9999`);
  }
  const open = exposures(journal);
  const mine = open.filter((e) => e.pair === req.pair && e.venueId === req.venue);
  if (mine.length === 0) {
    const others = open.map((e) => `${e.venueId} ${e.pair}`).join(", ");
    throw new FlattenCommandError(
      `no open exposure on ${req.venue} ${req.pair} in ${where}` + (others ? ` (open: ${others})` : " (none open)"),
    );
  }
  const consents = mine.map((e) => {
    const consent: FlattenConsent = {
      campaignId: e.campaignId,
      venueId: e.venueId,
      pair: e.pair,
      at: e.at,
      attempts: e.attempts,
      acceptLossBps: req.acceptLossBps,
      givenAt: now,
    };
    journal.setCursor(flattenConsentKey(e), JSON.stringify(consent));
    return consent;
  });
  return { consents, views: mine.map((e) => exposureView(e, now)) };
}

/** Parses `--accept-loss-bps`, for commander. */
function lossBps(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n >= 10_000) throw new InvalidArgumentError("must be an integer from 1 to 9999");
  return n;
}

/** Registers `keeper flatten` on the keeper's command line. */
export function registerFlattenCommand(program: Command): void {
  program
    .command("flatten")
    .description(
      "Let the running keeper using <data-dir> flatten an open exposure past the unwind bound: one IOC order, its " +
        "limit at most --accept-loss-bps from the exposure's entry price, through the keeper's own flatten path " +
        "(journalled, capped by what the account holds); acts on the next flattening round (about 5 s)",
    )
    .requiredOption("--pair <pair>", "the exposure's pair, e.g. BTC/USDT")
    .requiredOption("--venue <id>", "the venue id the exposure is on (as in the keeper's config)")
    .requiredOption("--accept-loss-bps <n>", "largest loss accepted from the entry price, in bps (1-9999)", lossBps)
    .option("--data-dir <dir>", "keeper data directory", ".keeper-data")
    .option("--config <file>", "take the data directory from the keeper's config file")
    .option("--paper", "the paper keeper of that data directory (<data-dir>/paper)")
    .action(
      (opts: {
        pair: string;
        venue: string;
        acceptLossBps: number;
        dataDir: string;
        config?: string;
        paper?: boolean;
      }) => {
        const base = opts.config ? loadKeeperConfig(opts.config).dataDir : opts.dataDir;
        const dir = opts.paper ? join(base, "paper") : base;
        const path = join(dir, "journal.db");
        // Never create a journal: a mistyped data dir must not look like a keeper with nothing open.
        if (!existsSync(path))
          throw new FlattenCommandError(`no keeper journal at ${path} (check --data-dir or --config)`);
        const journal = new Journal(path);
        try {
          const { consents, views } = requestFlatten(journal, opts, path);
          views.forEach((v, i) => {
            const c = consents[i]!;
            console.log(
              `flatten consent for ${describeExposure(v)}: one order, at most ${c.acceptLossBps} bps past the entry price; ` +
                "the running keeper sends it on its next flattening round",
            );
          });
        } finally {
          journal.close();
        }
      },
    );
}

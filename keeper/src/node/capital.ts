/**
 * Capital flow: a claimed campaign draws working capital for that campaign from its strategy's vault sleeve (through
 * the keeper capital book) before it trades, and once the campaign is finished the keeper repays the draw with the
 * principal plus the execution's realised PnL (the PnL its posted receipt reports), citing that receipt of the same
 * campaign. A repayment below the principal leaves the shortfall owed until the receipt's challenge window has
 * passed; the keeper then finalises the loss (anyone may). Every step is journalled before it is sent (`Journal`
 * capital table), so a crash at any point neither draws twice, repays twice nor leaves capital drawn for good (a draw
 * not repaid by its deadline is liquidated against the operator's stake). Rules: docs/SPECIFICATION.md "Keepers: draw
 * and repay" and "Capital flow".
 */
import type { Logger } from "pino";
import type { CampaignExecution, CampaignJob } from "../campaign/dispatcher.js";
import { ChainRevertError } from "../chain/errors.js";
import { NO_RECEIPT, type CapitalAdapter } from "../chain/vault.js";
import { KeeperError } from "../errors.js";
import type { CapitalRecord, Journal } from "./journal.js";
import type { Metrics } from "./metrics.js";

/** A repayment the keeper cannot make now (its wallet holds too little of the deposit asset). */
export class CapitalError extends KeeperError {
  override name = "CapitalError";
}

/** Deposit-asset decimals (tUSD, USDC, USDT: 6). */
export const DEPOSIT_DECIMALS = 6;
const WAD = 10n ** 18n;
/** Quote amounts of the execution are wad (18 decimals); the deposit asset has 6. */
const WAD_PER_UNIT = 10n ** BigInt(18 - DEPOSIT_DECIMALS);

/**
 * Deposit-asset base units (6 decimals) of a quote amount in wad, rounded up: the exchange's quote currency (USDT on
 * the simulators) counts 1:1 as the vault's stablecoin.
 */
export function quoteWadToDepositUnits(wad: bigint): bigint {
  return wad <= 0n ? 0n : (wad + WAD_PER_UNIT - 1n) / WAD_PER_UNIT;
}

/** Quote wad of deposit-asset base units (exact: 6 decimals into 18). */
export function depositUnitsToQuoteWad(units: bigint): bigint {
  return units * WAD_PER_UNIT;
}

/** Working capital of a buy: `amount x limit price` (its worst case), or the planned cost with fees if higher. */
export function buyCapitalWad(amount: bigint, limitPrice: bigint, expectedQuote: bigint): bigint {
  const worst = (amount * limitPrice + WAD - 1n) / WAD;
  return worst > expectedQuote ? worst : expectedQuote;
}

/**
 * What a repayment returns for the campaign whose receipt it references: the principal plus the receipt's PnL, never
 * below zero (a loss beyond the principal is the keeper's own).
 */
export function repaymentParts(
  own: Pick<CapitalRecord, "campaignId" | "amount">,
  pnl: bigint,
): { campaignId: string; principal: bigint; returned: bigint }[] {
  const ownReturned = own.amount + pnl > 0n ? own.amount + pnl : 0n;
  return [{ campaignId: own.campaignId, principal: own.amount, returned: ownReturned }];
}

export interface CapitalFlowOptions {
  capital: CapitalAdapter;
  journal: Journal;
  /** Vault sleeve of the strategy this keeper runs (`SLEEVES.arbitrage` for arbitrage campaigns). */
  sleeve: number;
  log?: Logger;
  metrics?: Metrics;
}

const RECEIPT_IN_DETAIL = /receipt (\d+)/;
const toUnits = (v: bigint) => Number(v) / 10 ** DEPOSIT_DECIMALS;

export class CapitalFlow {
  private queue: Promise<unknown> = Promise.resolve();
  /** Campaigns whose short repayment's loss is settled on chain (no need to look again). */
  private readonly lossesSettled = new Set<string>();

  constructor(private readonly opts: CapitalFlowOptions) {}

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Capital drawn and not repaid, by the journal (deposit-asset base units). */
  outstanding(): bigint {
    return this.opts.journal
      .capitalRecords(["drawing", "drawn", "repaying"])
      .filter((r) => r.sleeve === this.opts.sleeve)
      .reduce((sum, r) => sum + r.amount, 0n);
  }

  private gauge(): void {
    this.opts.metrics?.capitalOutstanding.set({ sleeve: String(this.opts.sleeve) }, toUnits(this.outstanding()));
  }

  /**
   * Makes sure the claimed campaign has its capital before it trades: draws `min(needed, drawable)` once, for that
   * campaign (a rebalance is sent first when the sleeve lacks idle capital and the vault says one is due). Idempotent:
   * a campaign journalled before keeps what it has. Returns the principal drawn for the campaign (0: it trades the
   * keeper's own capital).
   */
  fund(campaignId: string, needed: bigint): Promise<bigint> {
    return this.serial(async () => {
      const { journal, capital, sleeve, log } = this.opts;
      const existing = journal.getCapital(campaignId);
      if (existing?.state === "drawing") await this.reconcileDraw(existing);
      if (existing) return fundedAmount(journal.getCapital(campaignId)!);
      await this.resolveIntents();
      if (needed <= 0n) {
        journal.recordUnfunded(campaignId, sleeve, "no capital needed");
        return 0n;
      }
      let room = await capital.drawable(sleeve);
      if (room < needed && (await capital.rebalanceIfNeeded())) room = await capital.drawable(sleeve);
      const amount = needed < room ? needed : room;
      if (amount === 0n) {
        journal.recordUnfunded(campaignId, sleeve, "nothing drawable");
        log?.info({ campaignId, needed: needed.toString() }, "nothing drawable: the campaign trades own capital");
        return 0n;
      }
      // The capital book keys draws by (keeper, campaign): a restart learns whether the draw landed from `drawIdOf`.
      journal.recordDrawIntent({ campaignId, sleeve, amount, drawnBefore: 0n });
      try {
        const tx = await capital.draw(campaignId, sleeve, amount);
        journal.moveCapital(campaignId, "drawn", { detail: `draw ${tx}` });
      } catch (err) {
        if (!(err instanceof ChainRevertError)) throw err; // maybe sent: the intent is reconciled before the next step
        journal.moveCapital(campaignId, "unfunded", { detail: err.shortMessage });
        log?.warn({ campaignId, err }, `draw refused: ${err.shortMessage}`);
        return 0n;
      }
      this.opts.metrics?.capitalDrawn.inc({ sleeve: String(sleeve) }, toUnits(amount));
      this.gauge();
      log?.info({ campaignId, sleeve, amount: amount.toString(), needed: needed.toString() }, "capital drawn");
      return amount;
    });
  }

  /** Journals the receipt a funded campaign's execution posted (its repayment will reference it). */
  executed(campaignId: string, receiptId: bigint): void {
    const rec = this.opts.journal.getCapital(campaignId);
    if (rec && rec.amount > 0n && rec.receiptId === undefined)
      this.opts.journal.setCapitalReceipt(campaignId, receiptId);
  }

  /** After a restart: settles intents a crash left open (draw landed or not; repayment re-sent or found on chain). */
  recover(): Promise<void> {
    return this.serial(async () => {
      await this.resolveIntents();
      this.gauge();
    });
  }

  /**
   * Repays the capital of every finished campaign (settled, or abandoned after posting its receipt) with principal +
   * the receipt's PnL, referencing that receipt; the capital of a finished campaign without a receipt (nothing traded,
   * the window closed, another keeper settled) goes back at once, principal only, citing no receipt (`NO_RECEIPT`).
   * Then finalises the losses of earlier short repayments whose challenge window has passed. Returns the number of
   * repayments and returns sent.
   */
  repayFinished(): Promise<number> {
    return this.serial(async () => {
      await this.resolveIntents();
      const { journal, sleeve } = this.opts;
      let sent = 0;
      for (const rec of journal.capitalRecords(["drawn"])) {
        if (rec.sleeve !== sleeve) continue;
        const campaign = journal.getCampaign(rec.campaignId);
        if (campaign?.progress !== "settled" && campaign?.progress !== "abandoned") continue;
        const fromDetail = RECEIPT_IN_DETAIL.exec(campaign.detail ?? "")?.[1];
        const receiptId = rec.receiptId ?? (fromDetail !== undefined ? BigInt(fromDetail) : undefined);
        if (receiptId === undefined) await this.returnUnused(rec);
        else await this.repay(rec, receiptId);
        sent++;
      }
      await this.finalizeLosses();
      this.gauge();
      return sent;
    });
  }

  /**
   * Short repayments (returned below the principal, citing a receipt) leave the shortfall owed until the receipt's
   * challenge window has passed undisputed: then the keeper books it (`finalizeLoss`; anyone may). Returns how many it
   * finalised.
   */
  private async finalizeLosses(): Promise<number> {
    const { capital, journal, sleeve, log } = this.opts;
    let finalised = 0;
    for (const rec of journal.capitalRecords(["repaid"])) {
      if (rec.sleeve !== sleeve || this.lossesSettled.has(rec.campaignId)) continue;
      const short = rec.returned !== undefined && rec.returned < rec.amount;
      if (!short || rec.repayReceiptId === undefined || rec.repayReceiptId === NO_RECEIPT) continue;
      const drawId = await capital.drawIdOf(rec.campaignId);
      if ((await capital.drawOf(drawId)).state !== "lossPending") {
        this.lossesSettled.add(rec.campaignId);
        continue;
      }
      if (await capital.finalizeLossIfDue(drawId)) {
        this.lossesSettled.add(rec.campaignId);
        finalised++;
        log?.info(
          { campaignId: rec.campaignId, drawId: drawId.toString() },
          "loss finalised after the challenge window",
        );
      }
    }
    return finalised;
  }

  private async repay(own: CapitalRecord, receiptId: bigint): Promise<void> {
    const { capital, journal } = this.opts;
    const pnl = await capital.receiptPnl(receiptId);
    const parts = repaymentParts(own, pnl);
    const returned = parts.reduce((s, p) => s + p.returned, 0n);
    const balance = await capital.depositBalance();
    if (balance < returned) {
      throw new CapitalError(`the keeper's wallet holds ${balance}, repaying receipt ${receiptId} needs ${returned}`, {
        details: "the profit is paid from the keeper's own deposit-asset balance",
      });
    }
    journal.beginRepayment(receiptId, parts);
    await this.sendRepayment(receiptId, false);
  }

  /** Journals, then sends, the receipt-less return of a finished campaign's unused capital (principal only). */
  private async returnUnused(rec: CapitalRecord): Promise<void> {
    const { journal } = this.opts;
    journal.beginReturn(rec.campaignId, 0n);
    await this.sendReturn(journal.getCapital(rec.campaignId)!);
  }

  /** Sends a journalled receipt-less return (also after a restart that found it had not landed). */
  private async sendReturn(rec: CapitalRecord): Promise<void> {
    const { capital, journal, log, metrics } = this.opts;
    let tx: string;
    try {
      tx = await capital.repay(await capital.drawIdOf(rec.campaignId), rec.amount, NO_RECEIPT);
    } catch (err) {
      // Refused at estimation (nothing sent): the capital stays drawn and is tried again later.
      if (err instanceof ChainRevertError) journal.abortReturn(rec.campaignId, err.shortMessage);
      throw err;
    }
    journal.moveCapital(rec.campaignId, "repaid", { detail: `returned unused ${tx}` });
    const labels = { sleeve: String(rec.sleeve) };
    metrics?.capitalRepaid.inc(labels, toUnits(rec.amount));
    metrics?.capitalReturned.inc(labels, toUnits(rec.amount));
    log?.info({ campaignId: rec.campaignId, principal: rec.amount.toString() }, "unused capital returned");
  }

  /**
   * A receipt-less return whose outcome is unknown (a crash, or a lost answer): it landed when the campaign's draw is
   * no longer open in the capital book; otherwise it is sent again.
   */
  private async reconcileReturn(rec: CapitalRecord): Promise<void> {
    const { capital, journal, log } = this.opts;
    const draw = await capital.drawOf(await capital.drawIdOf(rec.campaignId));
    if (draw.state !== "open") {
      journal.moveCapital(rec.campaignId, "repaid", { detail: "return found on chain" });
      log?.info({ campaignId: rec.campaignId }, "return of unused capital already on chain");
      return;
    }
    await this.sendReturn(rec);
  }

  /**
   * Sends the journalled repayment referencing `receiptId` (one per campaign's draw), unless it is on chain already
   * (looked up when an earlier attempt may have been sent: `maybeSent`; the draw is then no longer open).
   */
  private async sendRepayment(receiptId: bigint, maybeSent = true): Promise<void> {
    const { capital, journal, sleeve, log, metrics } = this.opts;
    const parts = journal.repaymentParts(receiptId).filter((p) => p.state === "repaying");
    if (parts.length === 0) return;
    const principal = parts.reduce((s, p) => s + p.amount, 0n);
    const returned = parts.reduce((s, p) => s + (p.returned ?? 0n), 0n);
    const labels = { sleeve: String(sleeve) };
    const txs: string[] = [];
    let found = 0;
    for (const p of parts) {
      const drawId = await capital.drawIdOf(p.campaignId);
      if (maybeSent && (await capital.drawOf(drawId)).state !== "open") {
        found++;
        continue;
      }
      try {
        txs.push(await capital.repay(drawId, p.returned ?? 0n, receiptId));
      } catch (err) {
        // Refused at estimation (nothing sent): the capital stays drawn and is tried again later.
        if (err instanceof ChainRevertError) journal.abortRepayment(receiptId, err.shortMessage);
        throw err;
      }
    }
    journal.finishRepayment(receiptId, txs.length === 0 ? "repayment found on chain" : `repay ${txs.join(", ")}`);
    metrics?.capitalRepaid.inc(labels, toUnits(principal));
    metrics?.capitalReturned.inc(labels, toUnits(returned));
    if (found === parts.length) {
      log?.info({ receiptId: receiptId.toString() }, "repayment already on chain");
      return;
    }
    log?.info(
      {
        receiptId: receiptId.toString(),
        campaigns: parts.map((p) => p.campaignId),
        principal: principal.toString(),
        returned: returned.toString(),
        pnl: (returned - principal).toString(),
      },
      returned < principal
        ? "capital repaid short: the shortfall is owed until the challenge window passes"
        : "capital repaid",
    );
  }

  /** Draw intents: did the draw land? Repayments journalled but not known to be on chain: send (or find) them. */
  private async resolveIntents(): Promise<void> {
    const { journal, sleeve } = this.opts;
    // Each sleeve's flow settles its own records only (a keeper running both sleeves has one flow per sleeve).
    const mine = (r: CapitalRecord) => r.sleeve === sleeve;
    for (const rec of journal.capitalRecords(["drawing"]).filter(mine)) await this.reconcileDraw(rec);
    const repaying = journal.capitalRecords(["repaying"]).filter(mine);
    for (const rec of repaying.filter((r) => r.repayReceiptId === NO_RECEIPT)) await this.reconcileReturn(rec);
    const receipts = new Set(repaying.map((r) => r.repayReceiptId!).filter((id) => id !== NO_RECEIPT));
    for (const receiptId of receipts) await this.sendRepayment(receiptId);
  }

  /**
   * A draw intent whose outcome is unknown (a crash, or a lost answer): it landed when the capital book holds a draw
   * of this keeper for the campaign (one draw per keeper and campaign).
   */
  private async reconcileDraw(rec: CapitalRecord): Promise<void> {
    const { capital, journal, log, metrics } = this.opts;
    if ((await capital.drawIdOf(rec.campaignId)) !== 0n) {
      journal.moveCapital(rec.campaignId, "drawn", { detail: "draw found on chain" });
      metrics?.capitalDrawn.inc({ sleeve: String(rec.sleeve) }, toUnits(rec.amount));
      log?.info({ campaignId: rec.campaignId, amount: rec.amount.toString() }, "draw found on chain");
    } else {
      journal.moveCapital(rec.campaignId, "unfunded", { detail: "draw did not land" });
      log?.info({ campaignId: rec.campaignId }, "draw did not land: the campaign trades own capital");
    }
  }
}

function fundedAmount(rec: CapitalRecord): bigint {
  return rec.state === "unfunded" || rec.state === "drawing" ? 0n : rec.amount;
}

/** Something that can tell the working capital a campaign's execution needs, in deposit-asset base units. */
export interface CapitalNeeds {
  workingCapital(job: CampaignJob): bigint;
}

/**
 * A campaign execution with vault capital: draws before the inner execution trades, journals the receipt it posted.
 * Repayment happens once the campaign is finished (`CapitalFlow.repayFinished`, run by the node every tick).
 */
export class FundedExecution implements CampaignExecution {
  constructor(
    private readonly inner: CampaignExecution & CapitalNeeds,
    private readonly flow: CapitalFlow,
  ) {}

  async execute(job: CampaignJob): Promise<{ receiptId: bigint }> {
    await this.flow.fund(job.id, this.inner.workingCapital(job));
    const result = await this.inner.execute(job);
    this.flow.executed(job.id, result.receiptId);
    return result;
  }
}

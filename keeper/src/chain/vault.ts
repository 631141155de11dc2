/**
 * The keeper's side of the vault's keeper capital book (`KeeperCapital`, working capital): how much it may draw, its
 * draw per campaign, draw for a claimed campaign, repay against the campaign's receipt, finalise a pending loss. Every
 * write goes through the key's `TxSender` (one nonce sequence per key, decoded reverts), like every other write of
 * the chain adapter. Rules: docs/SPECIFICATION.md "Keepers: draw and repay" and "Capital flow".
 */
import type { TransactionReceipt } from "ethers";
import type {
  IStrategyVault,
  KeeperCapital,
  ReceiptRegistry,
  TestStablecoin,
} from "../../../types/ethers-contracts/index.js";
import { ChainRevertError } from "./errors.js";
import type { TxSender } from "./sender.js";

/** `StrategyVault.Sleeve`: the sleeves a keeper may draw from. */
export const SLEEVES = { marketMaking: 0, arbitrage: 1 } as const;
export type SleeveName = keyof typeof SLEEVES;

/** Receipt id of a repayment that cites no receipt: capital that traded nothing goes back, principal only. */
export const NO_RECEIPT = 0n;

/** Reverts of `finalizeLoss` that mean "not now" rather than a failure. */
const NOT_DUE = new Set(["KeeperCapitalLossNotFinal", "KeeperCapitalDrawNotInState"]);

/** `IKeeperCapital.DrawState`. */
export const DRAW_STATES = ["none", "open", "lossPending", "closed"] as const;
export type DrawState = (typeof DRAW_STATES)[number];

/** One draw of the capital book: `owed` is the principal while open, the shortfall while its loss is pending. */
export interface DrawView {
  state: DrawState;
  owed: bigint;
  campaignId: string;
}

/** Capital-book operations a keeper needs; `EvmChainAdapter.capital` implements them when the deployment has one. */
export interface CapitalAdapter {
  /** The keeper's address (the capital book's `msg.sender`). */
  readonly account: string;
  /** The largest amount `draw` would accept now (0 when not eligible, suspended, paused or tripped). */
  drawable(sleeve: number): Promise<bigint>;
  /** The id of this keeper's draw for `campaignId` (0 when none), counting its own transactions still pending. */
  drawIdOf(campaignId: string): Promise<bigint>;
  /** Draw `drawId` as the capital book holds it, counting pending transactions. */
  drawOf(drawId: bigint): Promise<DrawView>;
  /** Sends `rebalance()` when the vault says one is due (idle capital moves from the buffer to the sleeves). */
  rebalanceIfNeeded(): Promise<boolean>;
  /** Draws `amount` from `sleeve` for `campaignId`, whose live claim this keeper holds. */
  draw(campaignId: string, sleeve: number, amount: bigint): Promise<string>;
  /**
   * Approves the capital book for `returned` (when the allowance is short), then `repay(drawId, returned, receiptId)`;
   * `receiptId` = `NO_RECEIPT` returns unused capital (`returned` must equal the principal).
   */
  repay(drawId: bigint, returned: bigint, receiptId: bigint): Promise<string>;
  /**
   * Sends `finalizeLoss(drawId)` when the capital book accepts it now (the receipt's challenge window is over and no
   * dispute is pending, or a dispute was upheld); returns whether it was sent.
   */
  finalizeLossIfDue(drawId: bigint): Promise<boolean>;
  /** The keeper wallet's deposit-asset balance (base units). */
  depositBalance(): Promise<bigint>;
  /** The PnL (deposit-asset base units) the posted receipt `receiptId` reports: the book's lower bound of a repayment. */
  receiptPnl(receiptId: bigint): Promise<bigint>;
  /** Why the vault stops trading now ("vault paused", "vault breaker tripped"), or undefined. */
  stopReason?(): Promise<string | undefined>;
}

/** `CapitalAdapter` for an EVM `KeeperCapital` (and its `StrategyVault`), sharing the chain adapter's sender. */
export class EvmCapitalAdapter implements CapitalAdapter {
  constructor(
    readonly account: string,
    private readonly book: KeeperCapital,
    private readonly bookAddress: string,
    private readonly vault: IStrategyVault,
    private readonly vaultAddress: string,
    private readonly asset: TestStablecoin,
    private readonly assetAddress: string,
    private readonly receipts: ReceiptRegistry,
    private readonly sender: TxSender,
  ) {}

  private send(label: string, to: string, data: string): Promise<TransactionReceipt> {
    return this.sender.send(label, { to, data });
  }

  async stopReason(): Promise<string | undefined> {
    const [paused, tripped] = await Promise.all([
      this.sender.withRetry("paused", () => this.vault.paused()),
      this.sender.withRetry("breakerTripped", () => this.vault.breakerTripped()),
    ]);
    return paused ? "vault paused" : tripped ? "vault breaker tripped" : undefined;
  }

  drawable(sleeve: number): Promise<bigint> {
    return this.sender.withRetry("drawable", () => this.book.drawable(this.account, sleeve));
  }

  drawIdOf(campaignId: string): Promise<bigint> {
    return this.sender.withRetry("drawIdOf", () =>
      this.book.drawIdOf(this.account, campaignId, { blockTag: "pending" }),
    );
  }

  async drawOf(drawId: bigint): Promise<DrawView> {
    const d = await this.sender.withRetry("drawOf", () => this.book.drawOf(drawId, { blockTag: "pending" }));
    return { state: DRAW_STATES[Number(d.state)]!, owed: d.owed, campaignId: d.campaignId };
  }

  async rebalanceIfNeeded(): Promise<boolean> {
    if (!(await this.sender.withRetry("rebalanceNeeded", () => this.vault.rebalanceNeeded()))) return false;
    await this.send("rebalance", this.vaultAddress, this.vault.interface.encodeFunctionData("rebalance"));
    return true;
  }

  async draw(campaignId: string, sleeve: number, amount: bigint): Promise<string> {
    const data = this.book.interface.encodeFunctionData("draw", [campaignId, sleeve, amount]);
    return (await this.send(`draw ${amount} from sleeve ${sleeve} for ${campaignId}`, this.bookAddress, data)).hash;
  }

  async repay(drawId: bigint, returned: bigint, receiptId: bigint): Promise<string> {
    if (returned > 0n) {
      const allowance = await this.sender.withRetry("allowance", () =>
        this.asset.allowance(this.account, this.bookAddress),
      );
      if (allowance < returned) {
        const approve = this.asset.interface.encodeFunctionData("approve", [this.bookAddress, returned]);
        await this.send("approve repayment", this.assetAddress, approve);
      }
    }
    const data = this.book.interface.encodeFunctionData("repay", [drawId, returned, receiptId]);
    return (await this.send(`repay draw ${drawId} with receipt ${receiptId}`, this.bookAddress, data)).hash;
  }

  async finalizeLossIfDue(drawId: bigint): Promise<boolean> {
    // A loss refused because its challenge window is open (no dispute) is not asked again before the window's end:
    // one block read per tick instead of a reverting estimate (which the node logs as an error) per tick.
    const finalAt = this.lossFinalAt.get(drawId);
    if (finalAt !== undefined) {
      const block = await this.sender.withRetry("latest block", () => this.book.runner!.provider!.getBlock("latest"));
      if (block && BigInt(block.timestamp) <= finalAt) return false;
      this.lossFinalAt.delete(drawId);
    }
    const data = this.book.interface.encodeFunctionData("finalizeLoss", [drawId]);
    try {
      await this.send(`finalize the loss of draw ${drawId}`, this.bookAddress, data);
      return true;
    } catch (err) {
      // Refused at estimation (nothing sent): the window is still open or a dispute pending, or another account
      // finalised it first.
      if (err instanceof ChainRevertError && NOT_DUE.has(err.reason)) {
        if (err.reason === "KeeperCapitalLossNotFinal" && err.args[2] === 0n) {
          this.lossFinalAt.set(drawId, err.args[1] as bigint);
        }
        return false;
      }
      throw err;
    }
  }

  /** Challenge-window end of each loss last refused as not final with no dispute on its receipt (chain time, s). */
  private readonly lossFinalAt = new Map<bigint, bigint>();

  depositBalance(): Promise<bigint> {
    return this.sender.withRetry("balanceOf", () => this.asset.balanceOf(this.account));
  }

  async receiptPnl(receiptId: bigint): Promise<bigint> {
    const r = await this.sender.withRetry("getReceipt", () => this.receipts.getReceipt(receiptId));
    return r.summary.pnl;
  }
}

/**
 * The keeper's side of `StrategyVault` (working capital): how much it may draw, what it owes, draw, repay against a
 * posted receipt. Every write goes through the key's `TxSender` (one nonce sequence per key, decoded reverts), like
 * every other write of the chain adapter. Rules: docs/SPECIFICATION.md "Keeper node / Capital flow" and "Vault".
 */
import type { TransactionReceipt } from "ethers";
import type { IStrategyVault, ReceiptRegistry, TestStablecoin } from "../../../types/ethers-contracts/index.js";
import type { TxSender } from "./sender.js";

/** `StrategyVault.Sleeve`: the sleeves a keeper may draw from. */
export const SLEEVES = { marketMaking: 0, arbitrage: 1 } as const;
export type SleeveName = keyof typeof SLEEVES;

/** Receipt id of a repayment that cites no receipt: capital that traded nothing goes back, principal only. */
export const NO_RECEIPT = 0n;

/** Vault operations a keeper needs; `EvmChainAdapter.capital` implements them when the deployment has a vault. */
export interface CapitalAdapter {
  /** The keeper's address (the vault's `msg.sender`). */
  readonly account: string;
  /** The largest amount `draw` would accept now (0 when not eligible, paused or tripped). */
  drawable(sleeve: number): Promise<bigint>;
  /** What the keeper owes the sleeve, counting its own transactions still pending at the node. */
  keeperDrawn(sleeve: number): Promise<bigint>;
  /** Sends `rebalance()` when the vault says one is due (idle capital moves from the buffer to the sleeves). */
  rebalanceIfNeeded(): Promise<boolean>;
  draw(sleeve: number, amount: bigint): Promise<string>;
  /**
   * Approves the vault for `returned` (when the allowance is short), then `repay(sleeve, principal, returned, id)`;
   * `id` = `NO_RECEIPT` returns unused capital (`returned` must equal `principal`).
   */
  repay(sleeve: number, principal: bigint, returned: bigint, receiptId: bigint): Promise<string>;
  /** The keeper wallet's deposit-asset balance (base units). */
  depositBalance(): Promise<bigint>;
  /** Whether a repayment of this keeper referencing `receiptId` is on chain (`Repaid(keeper, *, receiptId)`). */
  repaidWith(receiptId: bigint): Promise<boolean>;
  /** The PnL (deposit-asset base units) the posted receipt `receiptId` reports: the vault's lower bound of a repayment. */
  receiptPnl(receiptId: bigint): Promise<bigint>;
  /** Why the vault stops trading now ("vault paused", "vault breaker tripped"), or undefined. */
  stopReason?(): Promise<string | undefined>;
}

/** `CapitalAdapter` for an EVM `StrategyVault`, sharing the chain adapter's sender and contracts. */
export class EvmCapitalAdapter implements CapitalAdapter {
  constructor(
    readonly account: string,
    private readonly vault: IStrategyVault,
    private readonly vaultAddress: string,
    private readonly asset: TestStablecoin,
    private readonly assetAddress: string,
    private readonly receipts: ReceiptRegistry,
    private readonly sender: TxSender,
    /** First block to search for `Repaid` events (the deployment block). */
    private readonly fromBlock = 0,
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
    return this.sender.withRetry("drawable", () => this.vault.drawable(this.account, sleeve));
  }

  keeperDrawn(sleeve: number): Promise<bigint> {
    return this.sender.withRetry("keeperDrawn", () =>
      this.vault.keeperDrawn(this.account, sleeve, { blockTag: "pending" }),
    );
  }

  async rebalanceIfNeeded(): Promise<boolean> {
    if (!(await this.sender.withRetry("rebalanceNeeded", () => this.vault.rebalanceNeeded()))) return false;
    await this.send("rebalance", this.vaultAddress, this.vault.interface.encodeFunctionData("rebalance"));
    return true;
  }

  async draw(sleeve: number, amount: bigint): Promise<string> {
    const data = this.vault.interface.encodeFunctionData("draw", [sleeve, amount]);
    return (await this.send(`draw ${amount} from sleeve ${sleeve}`, this.vaultAddress, data)).hash;
  }

  async repay(sleeve: number, principal: bigint, returned: bigint, receiptId: bigint): Promise<string> {
    if (returned > 0n) {
      const allowance = await this.sender.withRetry("allowance", () =>
        this.asset.allowance(this.account, this.vaultAddress),
      );
      if (allowance < returned) {
        const approve = this.asset.interface.encodeFunctionData("approve", [this.vaultAddress, returned]);
        await this.send("approve repayment", this.assetAddress, approve);
      }
    }
    const data = this.vault.interface.encodeFunctionData("repay", [sleeve, principal, returned, receiptId]);
    return (await this.send(`repay receipt ${receiptId}`, this.vaultAddress, data)).hash;
  }

  depositBalance(): Promise<bigint> {
    return this.sender.withRetry("balanceOf", () => this.asset.balanceOf(this.account));
  }

  async repaidWith(receiptId: bigint): Promise<boolean> {
    const events = await this.sender.withRetry("Repaid events", () =>
      this.vault.queryFilter(this.vault.filters.Repaid(this.account, undefined, receiptId), this.fromBlock),
    );
    return events.length > 0;
  }

  async receiptPnl(receiptId: bigint): Promise<bigint> {
    const r = await this.sender.withRetry("getReceipt", () => this.receipts.getReceipt(receiptId));
    return r.summary.pnl;
  }
}

import {
  keccak256,
  type Interface,
  type Provider,
  type Signer,
  type TransactionReceipt,
  type TransactionRequest,
} from "ethers";
import { GAS_MARGIN_BPS, gasLimitFor } from "./gas.js";
import { ChainUnavailableError, decodeRevert, isNonceError, isTransientRpcError } from "./errors.js";

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** First backoff; doubled each retry, with +-50% jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 200, maxDelayMs: 5_000 };

export interface SenderOptions {
  retry?: RetryPolicy;
  /** Extra gas over the estimate, in bps (default `GAS_MARGIN_BPS`, 20%), plus `GAS_HEADROOM` (see gas.ts). */
  gasMarginBps?: bigint;
  /** Interfaces used to decode custom errors of reverts. */
  interfaces?: readonly Interface[];
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Confirmations to wait for. */
  confirmations?: number;
}

/**
 * Sends transactions for one key, with one nonce sequence per key and safe retries:
 * - nonces are assigned here, in order, from the chain's pending count at start (and after a reset);
 * - a retry after an RPC failure re-sends the SAME transaction (same nonce, same gas), so a first attempt
 *   that did reach the node cannot become a second transaction: at most one of them is mined;
 * - a nonce error on a retry means an earlier attempt landed: its receipt is looked up by hash;
 * - gas is estimated (a revert is decoded into `ChainRevertError` and never sent), times a margin plus a fixed
 *   headroom (`gasLimitFor`), so it still holds when the state moves between the estimate and inclusion.
 * Sends are serialised per key (a queue), so concurrent callers never race for a nonce.
 */
export class TxSender {
  private nextNonce: number | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly retry: RetryPolicy;
  private readonly gasMarginBps: bigint;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(
    readonly signer: Signer,
    private readonly opts: SenderOptions = {},
  ) {
    this.retry = opts.retry ?? DEFAULT_RETRY;
    this.gasMarginBps = opts.gasMarginBps ?? GAS_MARGIN_BPS;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.random = opts.random ?? Math.random;
  }

  get provider(): Provider {
    if (!this.signer.provider) throw new ChainUnavailableError("signer has no provider");
    return this.signer.provider;
  }

  /** Forgets the local nonce; the next send reloads it from the chain (after an external use of the key). */
  resetNonce(): void {
    this.nextNonce = undefined;
  }

  /** Estimates, signs, sends and waits for `tx`; returns the mined receipt (status 1) or throws. */
  send(label: string, tx: TransactionRequest): Promise<TransactionReceipt> {
    const run = this.queue.then(() => this.sendNow(label, tx));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async sendNow(label: string, tx: TransactionRequest): Promise<TransactionReceipt> {
    const from = await this.signer.getAddress();
    const gas = await this.withRetry(label, async () => {
      try {
        return await this.provider.estimateGas({ ...tx, from });
      } catch (err) {
        throw decodeRevert(label, err, this.opts.interfaces ?? []) ?? err;
      }
    });
    if (this.nextNonce === undefined) {
      this.nextNonce = await this.withRetry(label, () => this.provider.getTransactionCount(from, "pending"));
    }
    const nonce = this.nextNonce;
    const { chainId } = await this.withRetry(label, () => this.provider.getNetwork());
    const fee = await this.withRetry(label, () => this.provider.getFeeData());
    const populated = await this.signer.populateTransaction({
      ...tx,
      from,
      nonce,
      chainId,
      gasLimit: gasLimitFor(gas, this.gasMarginBps),
      maxFeePerGas: fee.maxFeePerGas ?? undefined,
      maxPriorityFeePerGas: fee.maxPriorityFeePerGas ?? undefined,
    });
    const signed = await this.signer.signTransaction(populated);
    const hash = keccak256(signed);

    let attempt = 0;
    for (;;) {
      attempt++;
      try {
        await this.provider.broadcastTransaction(signed);
        break;
      } catch (err) {
        if (isNonceError(err)) {
          // An earlier attempt of this very transaction reached the node; or the key was used elsewhere.
          const landed = await this.provider.getTransaction(hash).catch(() => null);
          if (landed) break;
          this.resetNonce();
          throw new ChainUnavailableError(`${label}: nonce ${nonce} was used by another transaction`, { cause: err });
        }
        if (!isTransientRpcError(err) || attempt >= this.retry.attempts) {
          // Some nodes (Hardhat automine) mine the transaction and answer the send with its revert: the nonce
          // is then used, and the revert reason comes with the error.
          const landed = await this.provider.getTransaction(hash).catch(() => null);
          if (landed) this.nextNonce = nonce + 1;
          throw decodeRevert(label, err, this.opts.interfaces ?? []) ?? err;
        }
        await this.sleep(this.backoff(attempt));
      }
    }
    this.nextNonce = nonce + 1;
    const receipt = await this.withRetry(label, () =>
      this.provider.waitForTransaction(hash, this.opts.confirmations ?? 1),
    );
    if (!receipt) throw new ChainUnavailableError(`${label}: no receipt for ${hash}`);
    if (receipt.status !== 1) {
      throw new ChainUnavailableError(`${label}: transaction ${hash} reverted on-chain`);
    }
    return receipt;
  }

  private backoff(attempt: number): number {
    const base = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(base * (0.5 + this.random()));
  }

  /** Runs a read with retries on transient RPC failures. */
  async withRetry<T>(label: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!isTransientRpcError(err)) throw err;
        if (attempt >= this.retry.attempts) {
          throw new ChainUnavailableError(`${label}: RPC failed ${attempt} times`, { cause: err });
        }
        await this.sleep(this.backoff(attempt));
      }
    }
  }
}

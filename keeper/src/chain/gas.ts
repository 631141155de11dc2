import {
  AbstractSigner,
  type Provider,
  type Signer,
  type TransactionRequest,
  type TransactionResponse,
  type TypedDataDomain,
  type TypedDataField,
} from "ethers";

/**
 * The gas limit of every transaction the keeper and the scripts send: the estimate times a margin, plus a fixed
 * headroom. The state can move between the estimate and inclusion: the first mint or burn of a vote epoch appends
 * the supply checkpoint (about 31,000 gas more than the next one), a first receipt of a keeper, a fresh storage slot.
 * A percentage alone does not cover that on small transactions, the headroom does. (The app has the same rule in
 * `app/src/lib/gas.ts`.)
 */
export const GAS_MARGIN_BPS = 2_000n;
export const GAS_HEADROOM = 60_000n;

export function gasLimitFor(estimate: bigint, marginBps = GAS_MARGIN_BPS, headroom = GAS_HEADROOM): bigint {
  return (estimate * (10_000n + marginBps)) / 10_000n + headroom;
}

/**
 * A signer whose transactions carry `gasLimitFor(estimate)` when the caller gave no limit (the scripts' and tests'
 * TypeChain calls go through it; the keeper's own `TxSender` applies the same rule).
 */
export class GasMarginSigner extends AbstractSigner {
  constructor(
    readonly inner: Signer,
    readonly address: string,
  ) {
    super(inner.provider);
  }

  static async wrap(inner: Signer): Promise<GasMarginSigner> {
    return new GasMarginSigner(inner, await inner.getAddress());
  }

  override connect(provider: Provider | null): GasMarginSigner {
    return new GasMarginSigner(this.inner.connect(provider), this.address);
  }
  override getAddress(): Promise<string> {
    return Promise.resolve(this.address);
  }
  override signTransaction(tx: TransactionRequest): Promise<string> {
    return this.inner.signTransaction(tx);
  }
  override signMessage(message: string | Uint8Array): Promise<string> {
    return this.inner.signMessage(message);
  }
  override signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string> {
    return this.inner.signTypedData(domain, types, value);
  }
  override async sendTransaction(tx: TransactionRequest): Promise<TransactionResponse> {
    const gasLimit = tx.gasLimit ?? gasLimitFor(await this.inner.estimateGas(tx));
    return this.inner.sendTransaction({ ...tx, gasLimit });
  }
}

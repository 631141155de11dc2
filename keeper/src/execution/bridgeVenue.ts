/**
 * A simulated bridge between two EVM chains: a venue whose pair is "ASSET@src/ASSET@dst". Selling
 * `amount` locks it on the source chain and, after a delay, releases `amount - fee` on the destination.
 *
 * Trust model (stated plainly): this is a SIMULATION of a bridge, not a bridge. "Locking" is an ERC-20
 * transfer to an escrow account controlled by the relayer; "releasing" is a transfer from the relayer's
 * inventory on the destination chain. The relayer is a fully trusted custodian: it could keep the
 * funds, release late, or release on a forged lock if its code were changed. What it does check is the
 * source chain itself: it releases only for a lock transaction it reads back from the source chain
 * (a Transfer of that token, to its escrow, in a successful receipt with enough confirmations), once per
 * lock, and only after the delay. It exists so that cross-chain arbitrage pays what real bridges charge
 * (a fee, a delay, gas, a capacity limit) in tests, demos and benchmarks.
 */
import {
  Contract,
  type Signer,
  type Provider,
  type TransactionReceipt,
  id as topicId,
  zeroPadValue,
  isError,
} from "ethers";
import { type Clock, systemClock } from "./budget.js";
import { InsufficientFundsError, InvalidOrderError, OrderNotFoundError, VenueRequestError } from "./errors.js";
import { BPS, divWad, mulBps, mulWad, unitsToWad, wadToUnits, WAD } from "./fixed.js";
import { ERC20_ABI } from "./uniswapV2Artifacts.js";
import {
  splitPair,
  type Balance,
  type Order,
  type OrderBook,
  type OrderRequest,
  type Quote,
  type Side,
  type Venue,
} from "./venue.js";

const TRANSFER_TOPIC = topicId("Transfer(address,address,uint256)");

export interface BridgeTransfer {
  lockTx: string;
  recipient: string;
  /** Raw units locked on the source chain. */
  amountRaw: bigint;
  /** Raw units released (or to release) on the destination chain. */
  releaseRaw: bigint;
  lockedAt: number;
  status: "pending" | "released" | "refused";
  releaseTx?: string;
  reason?: string;
}

export interface BridgeRelayerOptions {
  sourceProvider: Provider;
  sourceToken: string;
  /** Escrow address on the source chain (the relayer's account there). */
  escrow: string;
  /** The relayer's account on the destination chain, holding the inventory it releases from. */
  destinationSigner: Signer;
  destinationToken: string;
  feeBps: bigint;
  /** Fixed fee in raw source-token units. */
  fixedFeeRaw: bigint;
  delayMs: number;
  /** Source-chain confirmations required before a release (default 1). */
  confirmations?: number;
  clock?: Clock;
}

/** The relayer: verifies locks on the source chain and releases on the destination after the delay. */
export class BridgeRelayer {
  readonly transfers = new Map<string, BridgeTransfer>();
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  readonly clock: Clock;

  constructor(readonly opts: BridgeRelayerOptions) {
    this.clock = opts.clock ?? systemClock;
  }

  /** What arrives for a lock of `amountRaw`. */
  releaseFor(amountRaw: bigint): bigint {
    const out = amountRaw - mulBps(amountRaw, this.opts.feeBps, "up") - this.opts.fixedFeeRaw;
    return out > 0n ? out : 0n;
  }

  /** Inventory the relayer can still release on the destination chain (minus what is pending). */
  async capacityRaw(): Promise<bigint> {
    const token = new Contract(this.opts.destinationToken, ERC20_ABI, this.opts.destinationSigner);
    const held: bigint = await token.balanceOf(await this.opts.destinationSigner.getAddress());
    let pending = 0n;
    for (const t of this.transfers.values()) if (t.status === "pending") pending += t.releaseRaw;
    return held - pending;
  }

  /**
   * Registers a lock. The relayer reads the transaction back from the source chain and accepts it
   * only if it transferred `sourceToken` to the escrow and succeeded; each lock is accepted once.
   */
  async submit(lockTx: string, recipient: string): Promise<BridgeTransfer> {
    const known = this.transfers.get(lockTx);
    if (known) return known;
    const receipt = await this.opts.sourceProvider.getTransactionReceipt(lockTx);
    if (!receipt || receipt.status !== 1) throw new InvalidOrderError("bridge", `lock ${lockTx} not found or failed`);
    const escrowTopic = zeroPadValue(this.opts.escrow, 32).toLowerCase();
    let amountRaw = 0n;
    for (const log of receipt.logs) {
      if (log.address.toLowerCase() !== this.opts.sourceToken.toLowerCase()) continue;
      if (log.topics[0] !== TRANSFER_TOPIC || log.topics[2]?.toLowerCase() !== escrowTopic) continue;
      amountRaw += BigInt(log.data);
    }
    if (amountRaw === 0n) throw new InvalidOrderError("bridge", `transaction ${lockTx} locked nothing in the escrow`);
    const transfer: BridgeTransfer = {
      lockTx,
      recipient,
      amountRaw,
      releaseRaw: this.releaseFor(amountRaw),
      lockedAt: this.clock.now(),
      status: "pending",
    };
    this.transfers.set(lockTx, transfer);
    return transfer;
  }

  /** Releases every pending transfer whose delay has passed and whose lock is confirmed enough. */
  async poll(): Promise<void> {
    // One poll at a time: two overlapping polls must never release the same transfer twice.
    if (this.polling) return this.polling;
    this.polling = this.releaseDue().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  private async releaseDue(): Promise<void> {
    const head = await this.opts.sourceProvider.getBlockNumber();
    const token = new Contract(this.opts.destinationToken, ERC20_ABI, this.opts.destinationSigner);
    for (const t of this.transfers.values()) {
      if (t.status !== "pending" || this.clock.now() < t.lockedAt + this.opts.delayMs) continue;
      const receipt = await this.opts.sourceProvider.getTransactionReceipt(t.lockTx);
      if (!receipt || head - receipt.blockNumber + 1 < (this.opts.confirmations ?? 1)) continue;
      try {
        const tx = await token.transfer(t.recipient, t.releaseRaw);
        await tx.wait();
        t.releaseTx = tx.hash;
        t.status = "released";
      } catch (err) {
        if (!isError(err, "CALL_EXCEPTION")) throw err;
        t.status = "refused";
        t.reason = err.shortMessage;
      }
    }
  }

  /** Polls every `intervalMs` until `stop()` (for live runs; tests call `poll()` directly). */
  start(intervalMs: number, onError: (err: unknown) => void): void {
    this.timer = setInterval(() => {
      this.poll().catch(onError);
    }, intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

export interface BridgeVenueOptions {
  id: string;
  /** "ASSET@src/ASSET@dst". */
  pair: string;
  /** The keeper's account on the source chain (sends the lock). */
  sourceSigner: Signer;
  /** The keeper's address on the destination chain (receives the release). */
  recipient: string;
  relayer: BridgeRelayer;
  /** Price of the source chain's native coin in the units the caller counts gas in (wad). */
  nativePriceInQuote: () => Promise<bigint>;
  /** Gas of the lock (an ERC-20 transfer) when it cannot be estimated (default 60 000). */
  lockGasFallback?: bigint;
}

export class BridgeVenue implements Venue {
  readonly id: string;
  readonly kind = "bridge" as const;
  private readonly orders = new Map<string, Order>();
  private readonly byClientId = new Map<string, string>();
  private decimals?: number;

  constructor(private readonly opts: BridgeVenueOptions) {
    this.id = opts.id;
    splitPair(opts.pair);
  }

  pairs(): string[] {
    return [this.opts.pair];
  }

  private get relayer(): BridgeRelayer {
    return this.opts.relayer;
  }

  private async tokenDecimals(): Promise<number> {
    if (this.decimals === undefined) {
      const token = new Contract(this.relayer.opts.sourceToken, ERC20_ABI, this.opts.sourceSigner);
      this.decimals = Number(await token.decimals());
    }
    return this.decimals;
  }

  private checkPair(pair: string, side?: Side): void {
    if (pair !== this.opts.pair) throw new InvalidOrderError(this.id, `unknown pair ${pair}`);
    if (side === "buy") throw new InvalidOrderError(this.id, "a bridge is one-way: sell the source asset");
  }

  /** Bridge fee rate as a price: what arrives per unit sent (wad). */
  private price(): bigint {
    return WAD - (WAD * this.relayer.opts.feeBps) / BPS;
  }

  async fetchOrderBook(pair: string): Promise<OrderBook> {
    this.checkPair(pair);
    const decimals = await this.tokenDecimals();
    const capacity = unitsToWad(await this.relayer.capacityRaw(), decimals);
    return {
      venueId: this.id,
      pair,
      bids: capacity > 0n ? [{ price: this.price(), amount: divWad(capacity, this.price()) }] : [],
      asks: [],
      timestamp: this.relayer.clock.now(),
    };
  }

  private async lockGasCost(amountRaw: bigint): Promise<bigint> {
    const token = new Contract(this.relayer.opts.sourceToken, ERC20_ABI, this.opts.sourceSigner);
    let gas: bigint;
    try {
      gas = await token.transfer.estimateGas(this.relayer.opts.escrow, amountRaw);
    } catch (err) {
      if (!isError(err, "CALL_EXCEPTION")) throw new VenueRequestError(this.id, "estimateGas failed", { cause: err });
      gas = this.opts.lockGasFallback ?? 60_000n;
    }
    const fees = await this.opts.sourceSigner.provider!.getFeeData();
    return mulWad(gas * (fees.gasPrice ?? fees.maxFeePerGas ?? 0n), await this.opts.nativePriceInQuote(), "up");
  }

  async quote(pair: string, side: Side, amount: bigint): Promise<Quote> {
    this.checkPair(pair, side);
    const decimals = await this.tokenDecimals();
    const raw = wadToUnits(amount, decimals);
    const out = unitsToWad(this.relayer.releaseFor(raw), decimals);
    return {
      pair,
      side,
      amount,
      price: divWad(out, amount),
      amountIn: amount,
      amountOut: out,
      fee: amount - out,
      gasCost: await this.lockGasCost(raw),
      slippageBps: 0,
    };
  }

  /** Locks on the source chain and registers the transfer; the order stays open until the release. */
  async placeOrder(req: OrderRequest): Promise<Order> {
    this.checkPair(req.pair, req.side);
    const known = this.byClientId.get(req.clientOrderId);
    if (known) return this.fetchOrder(req.pair, known);
    const decimals = await this.tokenDecimals();
    const amountRaw = wadToUnits(req.amount, decimals);
    const releaseRaw = this.relayer.releaseFor(amountRaw);
    const owner = await this.opts.sourceSigner.getAddress();
    const base: Omit<Order, "id" | "status" | "filled" | "cost" | "average" | "fee" | "gasCost"> = {
      venueId: this.id,
      clientOrderId: req.clientOrderId,
      pair: req.pair,
      side: "sell",
      amount: unitsToWad(amountRaw, decimals),
      limitPrice: req.limitPrice,
      timestamp: this.relayer.clock.now(),
    };
    // The limit is the least acceptable arrival per unit sent: refuse before locking anything.
    if (amountRaw === 0n || releaseRaw * WAD < req.limitPrice * amountRaw) {
      const order: Order = {
        ...base,
        id: `refused:${req.clientOrderId}`,
        status: "canceled",
        filled: 0n,
        cost: 0n,
        average: 0n,
        fee: 0n,
        gasCost: 0n,
        reason: "fee above the limit",
      };
      this.remember(order);
      return order;
    }
    if (releaseRaw > (await this.relayer.capacityRaw())) {
      throw new InvalidOrderError(this.id, "bridge capacity on the destination chain is too low");
    }
    const token = new Contract(this.relayer.opts.sourceToken, ERC20_ABI, this.opts.sourceSigner);
    if ((await token.balanceOf(owner)) < amountRaw) throw new InsufficientFundsError(this.id, "source balance too low");
    const tx = await token.transfer(this.relayer.opts.escrow, amountRaw);
    this.byClientId.set(req.clientOrderId, tx.hash);
    const receipt: TransactionReceipt | null = await tx.wait();
    if (!receipt) throw new VenueRequestError(this.id, "lock sent but no receipt");
    await this.relayer.submit(tx.hash, this.opts.recipient);
    const nativeFee = receipt.gasUsed * receipt.gasPrice;
    const order: Order = {
      ...base,
      id: tx.hash,
      status: "open",
      filled: base.amount,
      cost: base.amount,
      average: WAD,
      fee: base.amount - unitsToWad(releaseRaw, decimals),
      gasCost: mulWad(nativeFee, await this.opts.nativePriceInQuote(), "up"),
      nativeFee,
    };
    this.remember(order);
    return order;
  }

  private remember(order: Order): void {
    this.orders.set(order.id, order);
    this.byClientId.set(order.clientOrderId, order.id);
  }

  /** A transfer cannot be called back once locked: cancelling returns its current state. */
  async cancelOrder(pair: string, id: string): Promise<Order> {
    return this.fetchOrder(pair, id);
  }

  async fetchOrder(_pair: string, id: string): Promise<Order> {
    const order = this.orders.get(id);
    if (!order) throw new OrderNotFoundError(this.id, `no transfer ${id}`);
    const transfer = this.relayer.transfers.get(id);
    if (transfer && order.status === "open" && transfer.status !== "pending") {
      order.status = transfer.status === "released" ? "closed" : "rejected";
      order.reason = transfer.reason;
    }
    return order;
  }

  async fetchOrderByClientId(pair: string, clientOrderId: string): Promise<Order | undefined> {
    const id = this.byClientId.get(clientOrderId);
    return id ? this.fetchOrder(pair, id) : undefined;
  }

  async balances(): Promise<Record<string, Balance>> {
    const { base, quote } = splitPair(this.opts.pair);
    const decimals = await this.tokenDecimals();
    const src = new Contract(this.relayer.opts.sourceToken, ERC20_ABI, this.opts.sourceSigner);
    const dst = new Contract(this.relayer.opts.destinationToken, ERC20_ABI, this.relayer.opts.destinationSigner);
    const a = unitsToWad(await src.balanceOf(await this.opts.sourceSigner.getAddress()), decimals);
    const b = unitsToWad(await dst.balanceOf(this.opts.recipient), decimals);
    let inFlight = 0n;
    for (const t of this.relayer.transfers.values()) {
      if (t.status === "pending" && t.recipient.toLowerCase() === this.opts.recipient.toLowerCase())
        inFlight += t.releaseRaw;
    }
    return {
      [base]: { free: a, used: 0n, total: a },
      [quote]: { free: b, used: unitsToWad(inFlight, decimals), total: b + unitsToWad(inFlight, decimals) },
    };
  }
}

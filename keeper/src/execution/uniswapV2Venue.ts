/**
 * A venue over a Uniswap v2 pool on an EVM chain, through the shipped router.
 *
 * - Quotes come from the pool's reserves with the constant-product formula and the 0.3% fee: they equal
 *   the router's `getAmountsOut` (sell: exact base in) and `getAmountsIn` (buy: exact base out) to the
 *   unit, and include the gas of the swap (`estimateGas` x gas price) converted to quote units.
 * - An order is one swap, immediate-or-cancel by nature. The limit price becomes the router's slippage
 *   bound: a sell is `swapExactTokensForTokens` with `amountOutMin = amount x limit` (rounded up), a buy
 *   `swapTokensForExactTokens` with `amountInMax = amount x limit` (rounded down), both with a deadline
 *   taken from the chain's clock. A swap that would break its bound reverts in simulation, before any gas
 *   is spent, and comes back as a canceled order with nothing filled.
 * - Client order ids are idempotent within the process (a second placement returns the first order).
 */
import { Contract, MaxUint256, type Signer, type TransactionReceipt, isError } from "ethers";
import {
  InsufficientFundsError,
  InvalidOrderError,
  OrderNotFoundError,
  VenueRequestError,
  VenueUnavailableError,
} from "./errors.js";
import { BPS, divRound, divWad, mulWad, unitsToWad, wadToUnits } from "./fixed.js";
import { buyCost, sellProceeds, type CurveLiquidity } from "./liquidity.js";
import {
  ERC20_ABI,
  UniswapV2FactoryArtifact,
  UniswapV2PairArtifact,
  UniswapV2Router02Artifact,
} from "./uniswapV2Artifacts.js";
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

/** Uniswap v2's pool fee: 0.3% of the input amount. */
export const UNISWAP_V2_FEE_BPS = 30n;
/** Gas of a v2 single-hop swap, used only when `estimateGas` cannot run (e.g. the wallet is empty). */
export const DEFAULT_SWAP_GAS = 130_000n;

export interface UniswapV2PairConfig {
  /** Unified symbol `"BASE/QUOTE"`; the two names are what `balances()` reports. */
  pair: string;
  base: string;
  quote: string;
}

export interface UniswapV2VenueOptions {
  id: string;
  signer: Signer;
  router: string;
  pairs: UniswapV2PairConfig[];
  /** Price of the chain's native coin in the quote asset of `pair` (wad), to express gas in quote units. */
  nativePriceInQuote: (pair: string, venue: UniswapV2Venue) => Promise<bigint>;
  /** Seconds from the latest block's timestamp to the swap's deadline (default 120). */
  deadlineSeconds?: number;
  /** Name under which `balances()` reports the native coin (default "ETH"). */
  nativeSymbol?: string;
  /** Sizes, as fractions of the base reserve in basis points, at which `fetchOrderBook` samples the curve. */
  bookSampleBps?: number[];
}

interface PoolInfo {
  cfg: UniswapV2PairConfig;
  pool: Contract;
  baseIsToken0: boolean;
  baseDecimals: number;
  quoteDecimals: number;
}

export class UniswapV2Venue implements Venue {
  readonly id: string;
  readonly kind = "dex" as const;
  readonly router: Contract;
  private readonly pools = new Map<string, PoolInfo>();
  private readonly orders = new Map<string, Order>();
  private readonly byClientId = new Map<string, string>();
  private owner?: string;

  constructor(private readonly opts: UniswapV2VenueOptions) {
    this.id = opts.id;
    this.router = new Contract(opts.router, UniswapV2Router02Artifact.abi, opts.signer);
  }

  /** Finds each pool, reads token decimals and approves the router once for both tokens. */
  async init(): Promise<void> {
    if (this.owner) return;
    const owner = await this.opts.signer.getAddress();
    const factory = new Contract(await this.router.factory(), UniswapV2FactoryArtifact.abi, this.opts.signer);
    for (const cfg of this.opts.pairs) {
      splitPair(cfg.pair);
      const poolAddress: string = await factory.getPair(cfg.base, cfg.quote);
      if (/^0x0{40}$/i.test(poolAddress)) throw new InvalidOrderError(this.id, `no Uniswap v2 pool for ${cfg.pair}`);
      const pool = new Contract(poolAddress, UniswapV2PairArtifact.abi, this.opts.signer);
      const token0: string = await pool.token0();
      const base = new Contract(cfg.base, ERC20_ABI, this.opts.signer);
      const quote = new Contract(cfg.quote, ERC20_ABI, this.opts.signer);
      for (const token of [base, quote]) {
        if ((await token.allowance(owner, this.opts.router)) < MaxUint256 / 2n) {
          await (await token.approve(this.opts.router, MaxUint256)).wait();
        }
      }
      this.pools.set(cfg.pair, {
        cfg,
        pool,
        baseIsToken0: token0.toLowerCase() === cfg.base.toLowerCase(),
        baseDecimals: Number(await base.decimals()),
        quoteDecimals: Number(await quote.decimals()),
      });
    }
    this.owner = owner;
  }

  private info(pair: string): PoolInfo {
    const info = this.pools.get(pair);
    if (!info) throw new InvalidOrderError(this.id, `unknown pair ${pair}`, { details: "call init() first" });
    return info;
  }

  pairs(): string[] {
    return this.opts.pairs.map((p) => p.pair);
  }

  /** The pool's reserves in raw token units (base, quote). */
  async reservesRaw(pair: string): Promise<{ reserveBase: bigint; reserveQuote: bigint }> {
    await this.init();
    const info = this.info(pair);
    const [r0, r1] = (await info.pool.getReserves()) as [bigint, bigint, bigint];
    return info.baseIsToken0 ? { reserveBase: r0, reserveQuote: r1 } : { reserveBase: r1, reserveQuote: r0 };
  }

  /** The pool as a constant-product curve in wads, for the pure arbitrage sizing. */
  async liquidity(pair: string): Promise<CurveLiquidity> {
    const { reserveBase, reserveQuote } = await this.reservesRaw(pair);
    const info = this.info(pair);
    return {
      kind: "curve",
      reserveBase: unitsToWad(reserveBase, info.baseDecimals),
      reserveQuote: unitsToWad(reserveQuote, info.quoteDecimals),
      feeBps: UNISWAP_V2_FEE_BPS,
    };
  }

  /**
   * Exact raw amounts of a swap of `amountRaw` base: a sell's quote out (= router.getAmountsOut), a
   * buy's quote in (= router.getAmountsIn).
   */
  async quoteRaw(pair: string, side: Side, amountRaw: bigint): Promise<bigint> {
    const { reserveBase, reserveQuote } = await this.reservesRaw(pair);
    const curve: CurveLiquidity = { kind: "curve", reserveBase, reserveQuote, feeBps: UNISWAP_V2_FEE_BPS };
    const fill = side === "sell" ? sellProceeds(curve, amountRaw) : buyCost(curve, amountRaw);
    if (!fill) throw new InvalidOrderError(this.id, `pool of ${pair} cannot deliver that amount`);
    return fill.quote;
  }

  async fetchOrderBook(pair: string, depth = 8): Promise<OrderBook> {
    const liq = await this.liquidity(pair);
    const samples = (this.opts.bookSampleBps ?? [5, 10, 25, 50, 100, 200, 500, 1000, 2000, 4000]).slice(0, depth);
    const side = (sell: boolean) => {
      const levels = [];
      let prevAmount = 0n;
      let prevQuote = 0n;
      for (const bps of samples) {
        const amount = (liq.reserveBase * BigInt(bps)) / BPS;
        const fill = sell ? sellProceeds(liq, amount) : buyCost(liq, amount);
        if (!fill || amount <= prevAmount) continue;
        // Each level is the increment between two sample sizes, at its average price (pool fee included).
        levels.push({ price: divWad(fill.quote - prevQuote, amount - prevAmount), amount: amount - prevAmount });
        prevAmount = amount;
        prevQuote = fill.quote;
      }
      return levels;
    };
    const block = await this.opts.signer.provider!.getBlock("latest");
    return { venueId: this.id, pair, bids: side(true), asks: side(false), timestamp: (block?.timestamp ?? 0) * 1000 };
  }

  private async deadline(): Promise<bigint> {
    const block = await this.opts.signer.provider!.getBlock("latest");
    if (!block) throw new VenueUnavailableError(this.id, "no latest block");
    return BigInt(block.timestamp) + BigInt(this.opts.deadlineSeconds ?? 120);
  }

  private path(info: PoolInfo): { sellPath: string[]; buyPath: string[] } {
    return { sellPath: [info.cfg.base, info.cfg.quote], buyPath: [info.cfg.quote, info.cfg.base] };
  }

  /** Gas units of the swap (estimateGas, or DEFAULT_SWAP_GAS when the wallet could not run it now). */
  private async swapGas(pair: string, side: Side, amountRaw: bigint, quoteRaw: bigint): Promise<bigint> {
    const info = this.info(pair);
    const { sellPath, buyPath } = this.path(info);
    const deadline = await this.deadline();
    try {
      return side === "sell"
        ? await this.router.swapExactTokensForTokens.estimateGas(amountRaw, 0n, sellPath, this.owner, deadline)
        : await this.router.swapTokensForExactTokens.estimateGas(amountRaw, quoteRaw, buyPath, this.owner, deadline);
    } catch (err) {
      if (isError(err, "CALL_EXCEPTION")) return DEFAULT_SWAP_GAS; // e.g. no balance yet: typical swap gas
      throw new VenueUnavailableError(this.id, "estimateGas failed", { cause: err });
    }
  }

  private async gasPrice(): Promise<bigint> {
    const fees = await this.opts.signer.provider!.getFeeData();
    const price = fees.gasPrice ?? fees.maxFeePerGas;
    if (price === null) throw new VenueUnavailableError(this.id, "the node reports no gas price");
    return price;
  }

  async quote(pair: string, side: Side, amount: bigint): Promise<Quote> {
    await this.init();
    const info = this.info(pair);
    const amountRaw = wadToUnits(amount, info.baseDecimals, "down");
    const { reserveBase, reserveQuote } = await this.reservesRaw(pair);
    const quoteRaw = await this.quoteRaw(pair, side, amountRaw);
    const quoteWad = unitsToWad(quoteRaw, info.quoteDecimals);
    const baseWad = unitsToWad(amountRaw, info.baseDecimals);
    const [gasUnits, gasPrice, nativePrice] = await Promise.all([
      this.swapGas(pair, side, amountRaw, quoteRaw),
      this.gasPrice(),
      this.opts.nativePriceInQuote(pair, this),
    ]);
    const gasCost = mulWad(gasUnits * gasPrice, nativePrice, "up");
    // Pool fee in quote units, consistent with `Order.fee` (see toOrder).
    const fee = side === "sell" ? divRound(quoteWad * 3n, 997n, "up") : divRound(quoteWad * 3n, 1000n, "up");
    const mid = divWad(unitsToWad(reserveQuote, info.quoteDecimals), unitsToWad(reserveBase, info.baseDecimals));
    const grossAvg = divWad(side === "sell" ? quoteWad + fee : quoteWad - fee, baseWad);
    const impact = side === "buy" ? grossAvg - mid : mid - grossAvg;
    return {
      pair,
      side,
      amount: baseWad,
      price: divWad(quoteWad, baseWad, side === "buy" ? "up" : "down"),
      amountIn: side === "buy" ? quoteWad : baseWad,
      amountOut: side === "buy" ? baseWad : quoteWad,
      fee,
      gasCost,
      slippageBps: Number(impact > 0n ? (impact * BPS) / mid : 0n),
    };
  }

  async placeOrder(req: OrderRequest): Promise<Order> {
    await this.init();
    const known = this.byClientId.get(req.clientOrderId);
    if (known) return this.orders.get(known)!;
    if (req.timeInForce !== "IOC") throw new InvalidOrderError(this.id, "a pool only takes immediate-or-cancel swaps");
    const info = this.info(req.pair);
    const amountRaw = wadToUnits(req.amount, info.baseDecimals, "down");
    if (amountRaw <= 0n || req.limitPrice <= 0n)
      throw new InvalidOrderError(this.id, "amount and limit price must be positive");
    const notional = mulWad(
      unitsToWad(amountRaw, info.baseDecimals),
      req.limitPrice,
      req.side === "sell" ? "up" : "down",
    );
    const boundRaw = wadToUnits(notional, info.quoteDecimals, req.side === "sell" ? "up" : "down");
    const { sellPath, buyPath } = this.path(info);
    const payToken = new Contract(req.side === "sell" ? info.cfg.base : info.cfg.quote, ERC20_ABI, this.opts.signer);
    const balance: bigint = await payToken.balanceOf(this.owner);
    // A buy needs the exact input, unless the bound is lower (then the swap is refused on its bound, not on funds).
    let needed = amountRaw;
    if (req.side === "buy") {
      const exactIn = await this.quoteRaw(req.pair, "buy", amountRaw);
      needed = exactIn < boundRaw ? exactIn : boundRaw;
    }
    if (balance < needed) {
      throw new InsufficientFundsError(this.id, `balance ${balance} below ${needed} for ${req.side} ${req.pair}`);
    }
    const deadline = await this.deadline();
    const base: Omit<Order, "id" | "status" | "filled" | "cost" | "average" | "fee" | "gasCost"> = {
      venueId: this.id,
      clientOrderId: req.clientOrderId,
      pair: req.pair,
      side: req.side,
      amount: unitsToWad(amountRaw, info.baseDecimals),
      limitPrice: req.limitPrice,
      timestamp: Number(deadline) * 1000,
    };
    let receipt: TransactionReceipt | null;
    try {
      const tx =
        req.side === "sell"
          ? await this.router.swapExactTokensForTokens(amountRaw, boundRaw, sellPath, this.owner, deadline)
          : await this.router.swapTokensForExactTokens(amountRaw, boundRaw, buyPath, this.owner, deadline);
      this.byClientId.set(req.clientOrderId, tx.hash);
      receipt = await tx.wait();
    } catch (err) {
      if (isError(err, "CALL_EXCEPTION")) {
        // The bound would be broken (or the deadline passed): nothing traded.
        const mined = err.receipt ?? null;
        const id = mined?.hash ?? `unsent:${req.clientOrderId}`;
        const gas = mined ? await this.gasInQuote(req.pair, mined) : { gasCost: 0n, nativeFee: 0n };
        const order: Order = { ...base, id, status: "canceled", filled: 0n, cost: 0n, average: 0n, fee: 0n, ...gas };
        order.reason = err.reason ?? err.shortMessage;
        this.remember(order);
        return order;
      }
      throw new VenueUnavailableError(this.id, "swap could not be sent", { cause: err });
    }
    if (!receipt) throw new VenueRequestError(this.id, "swap sent but no receipt");
    const order = await this.toOrder(base, receipt, info);
    this.remember(order);
    return order;
  }

  private remember(order: Order): void {
    this.orders.set(order.id, order);
    this.byClientId.set(order.clientOrderId, order.id);
  }

  private async gasInQuote(pair: string, receipt: TransactionReceipt): Promise<{ gasCost: bigint; nativeFee: bigint }> {
    const nativeFee = receipt.gasUsed * receipt.gasPrice;
    return { nativeFee, gasCost: mulWad(nativeFee, await this.opts.nativePriceInQuote(pair, this), "up") };
  }

  /** Reads the pool's Swap event out of a receipt. */
  private async toOrder(
    base: Omit<Order, "id" | "status" | "filled" | "cost" | "average" | "fee" | "gasCost">,
    receipt: TransactionReceipt,
    info: PoolInfo,
  ): Promise<Order> {
    const poolAddress = (await info.pool.getAddress()).toLowerCase();
    let baseMoved = 0n;
    let quoteMoved = 0n;
    for (const log of receipt.logs) {
      if (log.address.toLowerCase() !== poolAddress) continue;
      const parsed = info.pool.interface.parseLog(log);
      if (parsed?.name !== "Swap") continue;
      const [, a0In, a1In, a0Out, a1Out] = parsed.args as unknown as [string, bigint, bigint, bigint, bigint];
      const [bIn, qIn, bOut, qOut] = info.baseIsToken0 ? [a0In, a1In, a0Out, a1Out] : [a1In, a0In, a1Out, a0Out];
      baseMoved += base.side === "sell" ? bIn : bOut;
      quoteMoved += base.side === "sell" ? qOut : qIn;
    }
    const filled = unitsToWad(baseMoved, info.baseDecimals);
    const quoteWad = unitsToWad(quoteMoved, info.quoteDecimals);
    // Pool fee (0.3% of the input) valued in quote: a sell received 99.7% of its gross, a buy paid 100.3%-ish.
    const fee = base.side === "sell" ? divRound(quoteWad * 3n, 997n, "up") : divRound(quoteWad * 3n, 1000n, "up");
    const cost = base.side === "sell" ? quoteWad + fee : quoteWad - fee;
    return {
      ...base,
      id: receipt.hash,
      status: "closed",
      filled,
      cost,
      average: filled > 0n ? divWad(cost, filled) : 0n,
      fee,
      ...(await this.gasInQuote(base.pair, receipt)),
    };
  }

  /** A swap is final the moment it is mined: cancelling returns it unchanged. */
  async cancelOrder(pair: string, id: string): Promise<Order> {
    return this.fetchOrder(pair, id);
  }

  async fetchOrder(_pair: string, id: string): Promise<Order> {
    const order = this.orders.get(id);
    if (!order) throw new OrderNotFoundError(this.id, `no swap ${id} placed by this venue`);
    return order;
  }

  async fetchOrderByClientId(_pair: string, clientOrderId: string): Promise<Order | undefined> {
    const id = this.byClientId.get(clientOrderId);
    return id ? this.orders.get(id) : undefined;
  }

  async balances(): Promise<Record<string, Balance>> {
    await this.init();
    const out: Record<string, Balance> = {};
    for (const { cfg, baseDecimals, quoteDecimals } of this.pools.values()) {
      const { base, quote } = splitPair(cfg.pair);
      for (const [name, address, decimals] of [
        [base, cfg.base, baseDecimals],
        [quote, cfg.quote, quoteDecimals],
      ] as const) {
        const raw: bigint = await new Contract(address, ERC20_ABI, this.opts.signer).balanceOf(this.owner);
        const total = unitsToWad(raw, decimals);
        out[name] = { free: total, used: 0n, total };
      }
    }
    const native = await this.opts.signer.provider!.getBalance(this.owner!);
    out[this.opts.nativeSymbol ?? "ETH"] = { free: native, used: 0n, total: native };
    return out;
  }
}

/** Native-coin price from a pool whose base is the wrapped native coin (e.g. WETH/USD): its spot price. */
export function nativePriceFromPool(
  wrappedNativePair: string,
): (pair: string, venue: UniswapV2Venue) => Promise<bigint> {
  return async (_pair, venue) => {
    const liq = await venue.liquidity(wrappedNativePair);
    return divWad(liq.reserveQuote, liq.reserveBase);
  };
}

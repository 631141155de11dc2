/**
 * Test and benchmark support: what a simulated venue's own tape says an account traded, in the units of the keeper's
 * metrics (wad), to hold `keeper_fills_total`, `keeper_filled_*_total` and `keeper_pnl` against.
 */
import type { RunningSimulation } from "../../sim/venues.js";

const WAD_DECIMALS = 18;
const scale = (units: bigint, decimals: number) => units * 10n ** BigInt(WAD_DECIMALS - decimals);

export interface Tape {
  /** Orders with at least one trade, and every client order id the venue saw from the account (repeats included). */
  filledOrders: number;
  clientOrderIds: string[];
  base: bigint;
  quote: bigint;
  /** Fees in quote value (a fee in base valued at its order's average price), and the keeper_pnl formula. */
  fees: bigint;
  pnl: bigint;
  /** Net base bought (positive) or sold (negative) on this venue: exposure left when summed over venues. */
  netBase: bigint;
  /** Base the venue kept as fees (a buyer's fee taken in the base asset). */
  baseFees: bigint;
}

/** The tape of `account` on `venue` for `symbol` (e.g. "BTC/USDT"). */
export function tapeOf(run: RunningSimulation, venue: string, account: string, symbol: string): Tape {
  const ex = run.sim.venues.get(venue)!.exchange;
  const orders = ex.allOrders(account, symbol, { limit: 1_000_000 });
  const market = ex.market(symbol);
  const tape: Tape = {
    filledOrders: 0,
    clientOrderIds: [],
    base: 0n,
    quote: 0n,
    fees: 0n,
    pnl: 0n,
    netBase: 0n,
    baseFees: 0n,
  };
  for (const o of orders) {
    tape.clientOrderIds.push(o.clientOrderId);
    if (o.fills.length === 0) continue;
    tape.filledOrders++;
    let base = 0n;
    let quote = 0n;
    let feeBase = 0n;
    let feeQuote = 0n;
    for (const f of o.fills) {
      base += scale(f.qty, market.qtyDecimals);
      quote += scale(f.quoteQty, market.quote.decimals);
      if (f.commissionAsset === market.base.code) feeBase += scale(f.commission, market.base.decimals);
      else feeQuote += scale(f.commission, market.quote.decimals);
    }
    const fee = feeQuote + (base === 0n ? 0n : (feeBase * quote) / base);
    tape.base += base;
    tape.quote += quote;
    tape.fees += fee;
    const sell = o.side === "SELL";
    tape.pnl += (sell ? quote : -quote) - fee;
    tape.netBase += sell ? -base : base - feeBase;
    tape.baseFees += feeBase;
  }
  return tape;
}

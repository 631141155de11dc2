import { KeeperError } from "../errors.js";

/**
 * Why the simulated exchange refused a request. Dialect adapters translate each reason into that
 * exchange's own error code and message (Binance `{code:-2010,...}`, OKX `sCode: "51008"`), so a ccxt
 * client raises the same typed error it raises against the real exchange.
 */
export type SimRejectReason =
  | "INSUFFICIENT_BALANCE"
  | "UNKNOWN_SYMBOL"
  | "UNKNOWN_ORDER"
  | "DUPLICATE_CLIENT_ORDER_ID"
  | "PRICE_FILTER"
  | "LOT_SIZE"
  | "MIN_NOTIONAL"
  | "WOULD_TAKE"
  | "BAD_PARAMETER"
  | "REJECTED";

/** A request the simulated exchange refuses, with the reason adapters map to dialect error codes. */
export class SimRejectError extends KeeperError {
  override name = "SimRejectError";
  readonly reason: SimRejectReason;

  constructor(reason: SimRejectReason, shortMessage: string, opts: { details?: string } = {}) {
    super(shortMessage, opts);
    this.reason = reason;
  }
}

/**
 * Errors of the execution layer. Every venue (CEX through ccxt, DEX on-chain, bridge) throws these,
 * never a library's own type, so the executor branches on `instanceof`, not on text. `retryable`
 * says whether the same request may be sent again after a back-off; `ambiguous` says the request may
 * have reached the venue (a timeout): an order must then be looked up by its client order id before
 * it is sent again.
 */
import { KeeperError } from "../errors.js";

export class VenueError extends KeeperError {
  override name = "VenueError";
  readonly venueId: string;
  readonly retryable: boolean = false;
  readonly ambiguous: boolean = false;

  constructor(venueId: string, shortMessage: string, opts: { cause?: unknown; details?: string } = {}) {
    super(`${venueId}: ${shortMessage}`, opts);
    this.venueId = venueId;
  }
}

/** HTTP 429 / ccxt `RateLimitExceeded`: back off, then retry. */
export class RateLimitedError extends VenueError {
  override name = "RateLimitedError";
  override readonly retryable = true;
  /** Server-suggested wait in milliseconds (`Retry-After`), when it sent one. */
  retryAfterMs?: number;
}

/** HTTP 418 / ccxt `DDoSProtection`: the venue banned this client for a while; everything waits. */
export class VenueBannedError extends VenueError {
  override name = "VenueBannedError";
  override readonly retryable = true;
  retryAfterMs?: number;
}

/** HTTP 5xx / ccxt `ExchangeNotAvailable`, `NetworkError`: the venue is down or unreachable. */
export class VenueUnavailableError extends VenueError {
  override name = "VenueUnavailableError";
  override readonly retryable = true;
}

/** ccxt `RequestTimeout`: no answer in time; the request may or may not have been executed. */
export class VenueTimeoutError extends VenueError {
  override name = "VenueTimeoutError";
  override readonly retryable = true;
  override readonly ambiguous = true;
}

/** ccxt `InsufficientFunds`, or a token balance too small for a swap or a bridge transfer. */
export class InsufficientFundsError extends VenueError {
  override name = "InsufficientFundsError";
}

/** ccxt `InvalidOrder` (bad size, price, filter), a reverted swap, or an order type the venue cannot take. */
export class InvalidOrderError extends VenueError {
  override name = "InvalidOrderError";
}

/** ccxt `OrderNotFound`: no order with that id (or client order id) on the venue. */
export class OrderNotFoundError extends InvalidOrderError {
  override name = "OrderNotFoundError";
}

/** Any other venue failure (authentication, unexpected response): not retried. */
export class VenueRequestError extends VenueError {
  override name = "VenueRequestError";
}

/** The executor refused or stopped a plan (budget exhausted, guard refused an order, bad plan). */
export class ExecutionError extends KeeperError {
  override name = "ExecutionError";
}

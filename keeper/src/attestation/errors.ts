import { KeeperError } from "../errors.js";

/** Base class of every error raised by the attestation layer. */
export class AttestationError extends KeeperError {
  override name = "AttestationError";
}

/** A quote provider could not produce a quote (no TEE, kernel error, unexpected provider...). */
export class QuoteProviderError extends AttestationError {
  override name = "QuoteProviderError";
}

/**
 * configfs-tsm reported a generation other than the one our own writes imply: another process wrote the same
 * report entry between our `inblob` write and our `outblob` read, so the quote may carry someone else's data.
 */
export class TsmGenerationMismatchError extends QuoteProviderError {
  override name = "TsmGenerationMismatchError";
}

/** Why a quote was refused; stable codes that callers (and the verifier service) branch on. */
export type QuoteRejection =
  | "development-quote" // a DevelopmentQuoteProvider quote: never a TEE quote
  | "malformed" // not a parsable SGX/TDX DCAP quote
  | "collateral-window" // verification time outside the collateral's issue-date / next-update window
  | "dcap" // DCAP verification failed (signature, certificate chain, CRL, QE identity, no matching TCB level)
  | "tcb-status" // verified, but the TCB status is not accepted (e.g. Revoked)
  | "measurement" // MRTD / MRENCLAVE not on the allowlist
  | "report-data"; // report data does not bind the expected keeper address (or nonce)

/** A quote failed verification; `reason` says which check refused it. */
export class QuoteRejectedError extends AttestationError {
  override name = "QuoteRejectedError";
  readonly reason: QuoteRejection;

  constructor(reason: QuoteRejection, shortMessage: string, opts: { cause?: unknown; details?: string } = {}) {
    super(shortMessage, opts);
    this.reason = reason;
  }
}

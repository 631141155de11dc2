import { buildReportData } from "./report-data.js";

/** What kind of quote a provider produces. "development" quotes are fakes for local chains only. */
export type QuoteProviderType = "tdx" | "development";

export interface QuoteResult {
  type: QuoteProviderType;
  /** The raw quote bytes (a DCAP quote for "tdx"; a self-describing fake for "development"). */
  quote: Uint8Array;
  /** The 64 bytes of report data the quote carries. */
  reportData: Uint8Array;
  /** Provider name reported by the source (configfs-tsm `provider`, e.g. "tdx_guest"; "development"). */
  provider: string;
}

/** Produces TEE quotes over caller-chosen report data. */
export interface QuoteProvider {
  readonly type: QuoteProviderType;
  /** Whether this provider can produce quotes on this machine. */
  isAvailable(): Promise<boolean>;
  /** A quote over exactly these 64 bytes of report data. */
  getQuote(reportData: Uint8Array): Promise<QuoteResult>;
}

/** A quote binding the keeper `address` (and an optional verifier nonce) per the report-data layout. */
export function quoteForKeeper(provider: QuoteProvider, address: string, nonce?: string): Promise<QuoteResult> {
  return provider.getQuote(buildReportData(address, nonce));
}

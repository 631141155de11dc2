import { hexlify, keccak256, toUtf8Bytes } from "ethers";
import { ConfigError } from "../errors.js";
import { QuoteProviderError } from "./errors.js";
import type { QuoteProvider, QuoteResult } from "./quote-provider.js";
import { REPORT_DATA_LENGTH } from "./report-data.js";

/**
 * DEVELOPMENT ONLY. A quote provider for local chains, where no TEE exists: it produces a structured,
 * self-describing fake quote (ASCII magic line + canonical JSON) that says what it is. It can never pass DCAP
 * verification: its first bytes are not a DCAP header (version 0x5356 "VS" is no quote version) and it carries
 * no signature chained to Intel's root CA; `verifyDcapQuote` refuses it by name before even parsing it.
 * The constructor refuses any chain id that is not a local development chain.
 */
export const DEVELOPMENT_QUOTE_MAGIC = "VSV-DEVELOPMENT-QUOTE/1\n";
/** Local chain ids on which development quotes may be produced (Hardhat, Ganache/geth dev). */
export const LOCAL_CHAIN_IDS: readonly number[] = [31337, 1337];
/** The fixed pseudo-measurement development quotes carry, so an allowlist never matches a real one by accident. */
export const DEVELOPMENT_MEASUREMENT = keccak256(toUtf8Bytes("vsv:development-measurement:not-a-tee"));

export interface DevelopmentQuote {
  type: "development";
  warning: string;
  chainId: number;
  reportData: string;
  measurement: string;
  createdAt: number;
}

export class DevelopmentQuoteProvider implements QuoteProvider {
  readonly type = "development" as const;
  readonly chainId: number;
  readonly #now: () => number;

  constructor(opts: { chainId: number; now?: () => number }) {
    if (!LOCAL_CHAIN_IDS.includes(opts.chainId)) {
      throw new ConfigError("the development quote provider is refused on non-local chains", {
        details: `chain id ${opts.chainId}; allowed only on ${LOCAL_CHAIN_IDS.join(", ")}`,
      });
    }
    this.chainId = opts.chainId;
    this.#now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  }

  async isAvailable(): Promise<boolean> {
    return true;
  }

  async getQuote(reportData: Uint8Array): Promise<QuoteResult> {
    if (reportData.length !== REPORT_DATA_LENGTH) {
      throw new QuoteProviderError("report data must be exactly 64 bytes", { details: `${reportData.length} bytes` });
    }
    const body: DevelopmentQuote = {
      type: "development",
      warning: "NOT A TEE QUOTE: produced without trusted hardware for a local development chain; never valid",
      chainId: this.chainId,
      reportData: hexlify(reportData),
      measurement: DEVELOPMENT_MEASUREMENT,
      createdAt: this.#now(),
    };
    const keys = Object.keys(body).sort() as (keyof DevelopmentQuote)[];
    const json = JSON.stringify(Object.fromEntries(keys.map((k) => [k, body[k]])));
    return {
      type: "development",
      quote: new TextEncoder().encode(`${DEVELOPMENT_QUOTE_MAGIC}${json}`),
      reportData: new Uint8Array(reportData),
      provider: "development",
    };
  }
}

/** True when `quote` starts with the development magic line. */
export function isDevelopmentQuote(quote: Uint8Array): boolean {
  const magic = new TextEncoder().encode(DEVELOPMENT_QUOTE_MAGIC);
  return quote.length >= magic.length && magic.every((b, i) => quote[i] === b);
}

/** Parses a development quote (for local tooling that wants to display it); undefined when it is not one. */
export function parseDevelopmentQuote(quote: Uint8Array): DevelopmentQuote | undefined {
  if (!isDevelopmentQuote(quote)) return undefined;
  const json = new TextDecoder().decode(quote.subarray(DEVELOPMENT_QUOTE_MAGIC.length));
  const parsed = JSON.parse(json) as DevelopmentQuote;
  if (parsed.type !== "development") throw new QuoteProviderError("development quote with a wrong type field");
  return parsed;
}

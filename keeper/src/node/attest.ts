/**
 * Attests the keeper: a TEE quote binding the keeper address (TDX through configfs-tsm; on local chains only, a
 * clearly marked development quote), then
 *
 * - for a real (DCAP) quote, its collateral from the PCCS (`pccsUrl`), and: when the AttestationRegistry has an
 *   on-chain quote verifier, the collateral is put on-chain where missing and the quote goes to `submitQuote`
 *   (no verifier key involved); otherwise the quote and its collateral go to the verifier service (`POST /attest`);
 * - a development quote always goes to the verifier service (no on-chain verifier accepts it).
 *
 * Used by `keeper attest` and, to renew the attestation before it expires, by `keeper run`.
 */
import { hexlify, ZeroAddress } from "ethers";
import type { Collateral } from "@phala/dcap-qvl";
import type { EvmChainAdapter } from "../chain/evm.js";
import { ConfigError } from "../errors.js";
import { DevelopmentQuoteProvider } from "../attestation/development.js";
import { attestOnChain } from "../attestation/onchain.js";
import { PccsClient } from "../attestation/pccs.js";
import { quoteForKeeper, type QuoteProvider } from "../attestation/quote-provider.js";
import { TdxConfigfsQuoteProvider } from "../attestation/tdx-configfs.js";
import { requestAttestation } from "../attestation/verifier-service.js";

export interface AttestOptions {
  /** Verifier service (`POST /attest`), for development quotes and chains without an on-chain verifier. */
  verifierUrl?: string;
  /** Collateral source for real quotes (cached across renewals when the same client is passed again). */
  pccs?: PccsClient;
  /** Collateral given explicitly (`keeper attest --collateral`); takes precedence over the PCCS. */
  collateral?: Collateral;
  /** Quote source; default: TDX configfs-tsm when available, else a development quote. */
  quoteProvider?: QuoteProvider;
}

export interface AttestResult {
  /** The keeper the recorded attestation binds (read from the quote's report data). */
  keeper: string;
  txHash: string;
  quoteType: QuoteProvider["type"];
  /** "onchain" (submitQuote through the DCAP verifier) or "verifier" (the verifier service). */
  path: "onchain" | "verifier";
  /** Collateral documents this attestation put on-chain (empty when the chain held them already). */
  collateralSubmitted: string[];
}

export async function attestKeeper(chain: EvmChainAdapter, opts: AttestOptions): Promise<AttestResult> {
  const provider = opts.quoteProvider ?? (await defaultQuoteProvider(chain));
  const quote = await quoteForKeeper(provider, chain.account);
  if (provider.type === "development") {
    if (!opts.verifierUrl) throw new ConfigError("config: verifierUrl is required to attest with a development quote");
    const answer = await requestAttestation(opts.verifierUrl, { keeper: chain.account, quote: hexlify(quote.quote) });
    return { ...answer, quoteType: provider.type, path: "verifier", collateralSubmitted: [] };
  }
  if (!opts.collateral && !opts.pccs) {
    throw new ConfigError(
      "config: pccsUrl is required to attest with a TEE quote (its collateral comes from the PCCS)",
    );
  }
  const collateral = opts.collateral ?? (await opts.pccs!.collateralFor(quote.quote));
  const registryAddress = await chain.attestations.getAddress();
  const onChainVerifier = await chain.attestations.quoteVerifier();
  if (onChainVerifier !== ZeroAddress) {
    const r = await attestOnChain({ registryAddress, sender: chain.sender }, quote.quote, collateral);
    return { ...r, quoteType: provider.type, path: "onchain" };
  }
  if (!opts.verifierUrl) {
    throw new ConfigError("config: verifierUrl is required: the AttestationRegistry has no on-chain quote verifier");
  }
  const answer = await requestAttestation(opts.verifierUrl, {
    keeper: chain.account,
    quote: hexlify(quote.quote),
    collateral,
  });
  return { ...answer, quoteType: provider.type, path: "verifier", collateralSubmitted: [] };
}

async function defaultQuoteProvider(chain: EvmChainAdapter): Promise<QuoteProvider> {
  const tdx = new TdxConfigfsQuoteProvider();
  return (await tdx.isAvailable()) ? tdx : new DevelopmentQuoteProvider({ chainId: Number(chain.chainId) });
}

/** Compatibility wrapper: attests through the verifier service (development quotes, explicit collateral). */
export async function attestThroughVerifier(
  chain: EvmChainAdapter,
  verifierUrl: string,
  collateral?: unknown,
): Promise<{ keeper: string; txHash: string; quoteType: QuoteProvider["type"] }> {
  return attestKeeper(chain, { verifierUrl, collateral: collateral as Collateral | undefined });
}

/**
 * The attestation step `keeper run` renews with (undefined when neither a verifier service nor a PCCS is
 * configured): one PCCS client for the node's lifetime, so renewals reuse cached collateral.
 */
export function renewalAttestation(
  chain: EvmChainAdapter,
  config: { verifierUrl?: string; pccsUrl?: string },
  quoteProvider?: QuoteProvider,
): (() => Promise<void>) | undefined {
  if (!config.verifierUrl && !config.pccsUrl) return undefined;
  const pccs = config.pccsUrl ? new PccsClient({ url: config.pccsUrl }) : undefined;
  return async () => void (await attestKeeper(chain, { verifierUrl: config.verifierUrl, pccs, quoteProvider }));
}

/**
 * Attests the keeper through the verifier service: a TEE quote binding the keeper address (TDX through
 * configfs-tsm; on local chains only, a clearly marked development quote) sent to `POST /attest`, which
 * verifies it and posts the fields to AttestationRegistry. Used by `keeper attest` and, to renew the
 * attestation before it expires, by `keeper run`.
 */
import { hexlify } from "ethers";
import type { EvmChainAdapter } from "../chain/evm.js";
import { DevelopmentQuoteProvider } from "../attestation/development.js";
import { quoteForKeeper, type QuoteProvider } from "../attestation/quote-provider.js";
import { TdxConfigfsQuoteProvider } from "../attestation/tdx-configfs.js";
import { requestAttestation } from "../attestation/verifier-service.js";

export async function attestThroughVerifier(
  chain: EvmChainAdapter,
  verifierUrl: string,
  collateral?: unknown,
): Promise<{ keeper: string; txHash: string; quoteType: QuoteProvider["type"] }> {
  const tdx = new TdxConfigfsQuoteProvider();
  const provider: QuoteProvider = (await tdx.isAvailable())
    ? tdx
    : new DevelopmentQuoteProvider({ chainId: Number(chain.chainId) });
  const quote = await quoteForKeeper(provider, chain.account);
  const answer = await requestAttestation(verifierUrl, {
    keeper: chain.account,
    quote: hexlify(quote.quote),
    collateral,
  });
  return { ...answer, quoteType: provider.type };
}

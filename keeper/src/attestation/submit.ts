import type { AttestationRegistry } from "../../../types/ethers-contracts/index.js";
import { AttestationError } from "./errors.js";
import { attestationDomain, signAttestationRecord, type SignedAttestation } from "./record.js";
import type { TypedDataSigner } from "../recording/receipt.js";

/**
 * Chain side of the verifier service: sign a verified record for a given AttestationRegistry and post it with
 * `submitVerified` (anyone may relay; the signer must hold `VERIFIER_ROLE`). Typed with the TypeChain binding.
 */

/** The registry's EIP-712 domain, read from the chain (chain id) and the contract (address). */
export async function attestationDomainOf(registry: AttestationRegistry) {
  const provider = registry.runner?.provider;
  if (!provider) throw new AttestationError("the attestation registry binding has no provider");
  const { chainId } = await provider.getNetwork();
  return attestationDomain(chainId, await registry.getAddress());
}

/** Signs `record` for `registry`'s domain and checks the digest against `hashVerifiedQuote` (no drift). */
export async function signForRegistry(
  registry: AttestationRegistry,
  verifier: TypedDataSigner,
  record: SignedAttestation["record"],
): Promise<SignedAttestation> {
  const signed = await signAttestationRecord(verifier, await attestationDomainOf(registry), record);
  const onChain = await registry.hashVerifiedQuote(record);
  if (onChain !== signed.digest) {
    throw new AttestationError("the registry hashes the record differently: typed data out of date", {
      details: `local ${signed.digest}, registry ${onChain}`,
    });
  }
  return signed;
}

/** Posts a signed record (`registry` connected to the relaying account) and waits for it to be mined. */
export async function submitVerifiedAttestation(registry: AttestationRegistry, signed: SignedAttestation) {
  const tx = await registry.submitVerified(signed.record, signed.signature);
  const receipt = await tx.wait();
  if (!receipt || receipt.status !== 1)
    throw new AttestationError("submitVerified was not mined", { details: tx.hash });
  return receipt;
}

"use client";

import { useMemo } from "react";
import { useTarget } from "../app/providers";
import { abis, vaultAbi } from "../generated/contracts";
import { contractAddress, NAMES } from "../lib/deployment";

/**
 * The contracts of the page's deployment with their generated ABIs; a contract absent from the
 * deployment is `undefined`, and the page shows it as not deployed.
 */
export function useContracts() {
  const { deployment } = useTarget();
  return useMemo(() => {
    const at = (name: string) => contractAddress(deployment, name);
    const asset = at(NAMES.asset);
    const vault = at(NAMES.vault);
    const parameters = at(NAMES.parameters);
    const reputation = at(NAMES.reputation);
    const receipts = at(NAMES.receipts);
    const attestation = at(NAMES.attestation);
    const governor = at(NAMES.governor);
    const timelock = at(NAMES.timelock);
    return {
      asset: asset ? { address: asset, abi: abis.TestStablecoin } : undefined,
      vault: vault ? { address: vault, abi: vaultAbi } : undefined,
      parameters: parameters ? { address: parameters, abi: abis.IParameters } : undefined,
      reputation: reputation ? { address: reputation, abi: abis.ReputationOracle } : undefined,
      receipts: receipts ? { address: receipts, abi: abis.ReceiptRegistry } : undefined,
      attestation: attestation ? { address: attestation, abi: abis.AttestationRegistry } : undefined,
      governor: governor ? { address: governor, abi: abis.VaultGovernor } : undefined,
      timelock: timelock ? { address: timelock, abi: abis.VaultTimelock } : undefined,
    } as const;
  }, [deployment]);
}

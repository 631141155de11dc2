"use client";

import { useConnection, useReadContracts } from "wagmi";
import { useContracts } from "./useContracts";

/** The deposit asset: symbol, decimals and the connected account's balance. */
export function useAsset() {
  const { asset } = useContracts();
  const { address } = useConnection();
  const reads = useReadContracts({
    allowFailure: false,
    contracts: asset
      ? [
          { ...asset, functionName: "symbol" },
          { ...asset, functionName: "decimals" },
          { ...asset, functionName: "balanceOf", args: [address ?? "0x0000000000000000000000000000000000000000"] },
        ]
      : [],
    query: { enabled: asset !== undefined },
  });
  const [symbol, decimals, balance] = reads.data ?? [];
  return {
    contract: asset,
    symbol: symbol ?? "…",
    decimals: decimals ?? 6,
    loaded: reads.data !== undefined,
    balance: address ? balance : undefined,
    error: reads.error,
    refetch: reads.refetch,
  };
}

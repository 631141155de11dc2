"use client";

import { QueryClient, QueryClientProvider, useQueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { useBlockNumber, WagmiProvider, type State } from "wagmi";
import type { AppTarget } from "../lib/deployment";
import { getConfig } from "../lib/wagmi";
import { TxProvider } from "../hooks/useTransactor";

const TargetContext = createContext<AppTarget | null>(null);

/** The page's target (chain, deployment): set once per page load by the server. */
export function useTarget(): AppTarget {
  const t = useContext(TargetContext);
  if (!t) throw new Error("useTarget outside <Providers>");
  return t;
}

export function Providers({
  target,
  initialState,
  children,
}: {
  target: AppTarget;
  initialState: State | undefined;
  children: ReactNode;
}) {
  const [config] = useState(() => getConfig(target));
  const [queryClient] = useState(() => new QueryClient({ defaultOptions: { queries: { retry: 1 } } }));
  return (
    <TargetContext.Provider value={target}>
      <WagmiProvider config={config} initialState={initialState}>
        <QueryClientProvider client={queryClient}>
          <ChainRefresh />
          <TxProvider>{children}</TxProvider>
        </QueryClientProvider>
      </WagmiProvider>
    </TargetContext.Provider>
  );
}

/**
 * Re-reads the contract views on every new block, so the page follows what other accounts (keepers,
 * the guardian, governance) do on chain, not only the user's own transactions.
 */
function ChainRefresh() {
  const queryClient = useQueryClient();
  const { data: blockNumber } = useBlockNumber({ watch: true });
  useEffect(() => {
    if (blockNumber === undefined) return;
    void queryClient.invalidateQueries({
      predicate: (q) => q.queryKey[0] === "readContract" || q.queryKey[0] === "readContracts",
    });
  }, [blockNumber, queryClient]);
  return null;
}

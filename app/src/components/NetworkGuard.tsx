"use client";

import { useConnection, useSwitchChain } from "wagmi";
import { useTarget } from "../app/providers";
import { explainError } from "../lib/errors";

/** Wrong-network banner with a one-click switch (adds the chain to the wallet when it does not know it). */
export function NetworkGuard() {
  const target = useTarget();
  const { isConnected, chainId } = useConnection();
  const switchChain = useSwitchChain();
  if (!isConnected || chainId === undefined || chainId === target.chainId) return null;
  return (
    <div style={{ padding: "8px 16px" }}>
      <div className="notice warn row" role="alert" data-testid="wrong-network">
        <span style={{ flex: 1 }}>
          Your wallet is on chain {chainId}; this vault lives on {target.local ? "the local chain" : target.network}{" "}
          (chain {target.chainId}).
        </span>
        <button
          className="primary"
          disabled={switchChain.isPending}
          onClick={() => switchChain.mutate({ chainId: target.chainId })}
        >
          {switchChain.isPending ? "Switching…" : `Switch to chain ${target.chainId}`}
        </button>
        {switchChain.error ? (
          <span className="muted" style={{ width: "100%" }}>
            {explainError(switchChain.error, { decimals: 18, symbol: "ETH" }).title}
          </span>
        ) : null}
      </div>
    </div>
  );
}

"use client";

import { useEffect, useState } from "react";
import type { Address } from "viem";
import { useConnect, useConnection, useConnectors, useDisconnect } from "wagmi";
import type { DevWalletProperties } from "../lib/devWallet";
import { explainError } from "../lib/errors";
import { shortAddress } from "../lib/format";

/** Connect (development wallet on local chains, injected wallet everywhere), account picker, disconnect. */
export function WalletButton() {
  const { address, connector, isConnected } = useConnection();
  const connectors = useConnectors();
  const connect = useConnect();
  const disconnect = useDisconnect();
  const [open, setOpen] = useState(false);
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);

  if (!mounted) return <div style={{ minHeight: 40 }} />;

  if (isConnected && address) {
    // The live connector, not the connection's: after a reload the connection restored from the cookie
    // holds a plain description of the connector until wagmi has reconnected it.
    const dev = connector?.id === "devWallet" ? connectors.find((c) => c.id === "devWallet") : undefined;
    return (
      <div className="row">
        {dev ? (
          <DevAccountPicker connector={dev as unknown as DevWalletProperties} address={address} />
        ) : (
          <span className="mono" data-testid="account">
            {shortAddress(address)}
          </span>
        )}
        <button className="small" onClick={() => disconnect.mutate()}>
          Disconnect
        </button>
      </div>
    );
  }

  return (
    <div className="stack">
      <button className="primary" onClick={() => setOpen((o) => !o)} aria-expanded={open}>
        Connect wallet
      </button>
      {open ? (
        <div className="stack" style={{ maxWidth: 320 }}>
          {connectors.map((c) => (
            <button
              key={c.uid}
              onClick={() => connect.mutate({ connector: c }, { onSuccess: () => setOpen(false) })}
              disabled={connect.isPending}
            >
              {c.id === "injected" ? "Browser wallet (injected)" : c.name}
            </button>
          ))}
          {connect.error ? (
            <div className="notice bad" role="alert">
              {explainError(connect.error, { decimals: 18, symbol: "ETH" }).title}
            </div>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}

function DevAccountPicker({ connector, address }: { connector: DevWalletProperties; address: Address }) {
  const [accounts, setAccounts] = useState<readonly Address[]>([address]);
  const [error, setError] = useState<string>();
  useEffect(() => {
    connector.listAccounts().then(setAccounts, (e: unknown) => setError(String(e)));
  }, [connector]);
  return (
    <label className="row" style={{ color: "inherit" }}>
      <span className="muted">Dev account</span>
      <select
        data-testid="dev-account"
        value={address}
        onChange={(e) =>
          connector.selectAccount(e.target.value as Address).catch((err: unknown) => setError(String(err)))
        }
      >
        {accounts.map((a, i) => (
          <option key={a} value={a}>
            #{i} {shortAddress(a)}
          </option>
        ))}
      </select>
      {error ? <span className="muted">{error}</span> : null}
    </label>
  );
}

"use client";

import { useState } from "react";
import { useConfig, useConnection } from "wagmi";
import { simulateContract } from "wagmi/actions";
import { useTarget } from "../app/providers";
import { useAsset } from "../hooks/useAsset";
import { useTransactor } from "../hooks/useTransactor";
import { formatAmount, parseAmount, shortAddress } from "../lib/format";

/** The deposit asset: wallet balance and, on local chains, a faucet (TestStablecoin's open mint). */
export function AssetPanel() {
  const target = useTarget();
  const asset = useAsset();
  const { address, isConnected } = useConnection();
  const config = useConfig();
  const transact = useTransactor();
  const [amount, setAmount] = useState("10000");
  const parsed = parseAmount(amount, asset.decimals);

  if (!asset.contract)
    return (
      <section className="panel">
        <h2>Deposit asset</h2>
        <div className="notice warn" data-testid="asset-missing">
          No deposit asset is deployed on {target.network} (chain {target.chainId}). Run <code>npm start</code> or the
          deploy script.
        </div>
      </section>
    );

  const faucet = async () => {
    if (!address || parsed === null) return;
    const contract = asset.contract!;
    await transact(
      `Faucet ${amount} ${asset.symbol}`,
      () => simulateContract(config, { ...contract, functionName: "mint", args: [address, parsed], account: address }),
      asset,
    );
  };

  return (
    <section className="panel stack">
      <h2>Deposit asset</h2>
      <div className="stats">
        <div className="stat">
          <div className="label">Token</div>
          <div className="value">{asset.symbol}</div>
          <div className="muted mono">{shortAddress(asset.contract.address)}</div>
        </div>
        <div className="stat">
          <div className="label">Your balance</div>
          <div className="value" data-testid="asset-balance">
            {!isConnected
              ? "connect a wallet"
              : asset.balance === undefined
                ? "…"
                : `${formatAmount(asset.balance, asset.decimals)} ${asset.symbol}`}
          </div>
        </div>
      </div>
      {target.local ? (
        <div className="row" style={{ alignItems: "end" }}>
          <label style={{ flex: "1 1 140px" }}>
            Faucet amount ({asset.symbol})
            <input
              inputMode="decimal"
              value={amount}
              onChange={(e) => setAmount(e.target.value)}
              data-testid="faucet-amount"
            />
          </label>
          <button className="primary" onClick={faucet} disabled={!isConnected || parsed === null} data-testid="faucet">
            Get test {asset.symbol}
          </button>
        </div>
      ) : null}
      {target.local && parsed === null ? (
        <div className="muted">Enter a positive amount with at most {asset.decimals} decimals.</div>
      ) : null}
    </section>
  );
}

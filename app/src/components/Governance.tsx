"use client";

import { useMemo, useState } from "react";
import { encodeFunctionData, hexToString, stringToHex, type Hex } from "viem";
import { useReadContract, useReadContracts } from "wagmi";
import { abis } from "../generated/contracts";
import { useContracts } from "../hooks/useContracts";
import { useTarget } from "../app/providers";
import { NAMES } from "../lib/deployment";
import { NotDeployed } from "./NotDeployed";

/** `bytes32("roiThresholdBps")` → `roiThresholdBps` (ParamKeys are short strings). */
export function keyName(key: Hex): string {
  return hexToString(key, { size: 32 }).replace(/\0+$/, "");
}

/** Governance: the parameters the timelock owns, a parameter-change proposal form, proposals and votes. */
export function Governance() {
  const { parameters } = useContracts();
  const { deployment } = useTarget();
  const governor = deployment && Object.entries(deployment.contracts).find(([, c]) => /Governor$/.test(c.artifact));
  return (
    <div className="grid">
      <section className="panel stack">
        <h2>Parameters</h2>
        {parameters ? (
          <ParameterTable />
        ) : (
          <NotDeployed name={NAMES.parameters} what="every tunable threshold lives there, owned by the timelock." />
        )}
      </section>
      <section className="panel stack">
        <h2>Proposals</h2>
        {governor ? (
          <div className="muted">
            Governor at <code>{governor[1].address}</code>.
          </div>
        ) : (
          <NotDeployed name={NAMES.governor} what="proposals, votes, queue and execution go through it." />
        )}
      </section>
      <section className="panel stack">
        <h2>Propose a parameter change</h2>
        <ProposalForm canPropose={Boolean(governor)} />
      </section>
    </div>
  );
}

function useParameterKeys() {
  const { parameters } = useContracts();
  return useReadContract({
    address: parameters?.address,
    abi: abis.IParameters,
    functionName: "keys",
    query: { enabled: parameters !== undefined },
  });
}

function ParameterTable() {
  const { parameters } = useContracts();
  const keys = useParameterKeys();
  const values = useReadContracts({
    allowFailure: false,
    contracts: (keys.data ?? []).flatMap((k) => [
      { ...parameters!, functionName: "get", args: [k] } as const,
      { ...parameters!, functionName: "bounds", args: [k] } as const,
    ]),
    query: { enabled: keys.data !== undefined },
  });
  if (keys.error || values.error)
    return <div className="notice bad">{(keys.error ?? values.error)!.message.split("\n")[0]}</div>;
  if (!keys.data || !values.data) return <div className="muted">…</div>;
  return (
    <div className="scroll-x">
      <table data-testid="parameters">
        <thead>
          <tr>
            <th>Key</th>
            <th>Value</th>
            <th>Bounds</th>
          </tr>
        </thead>
        <tbody>
          {keys.data.map((k, i) => {
            const value = values.data[2 * i] as bigint;
            const [min, max] = values.data[2 * i + 1] as readonly [bigint, bigint];
            return (
              <tr key={k}>
                <td className="mono">{keyName(k)}</td>
                <td>{value.toString()}</td>
                <td>
                  {min.toString()}–{max.toString()}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function ProposalForm({ canPropose }: { canPropose: boolean }) {
  const keys = useParameterKeys();
  const [key, setKey] = useState("");
  const [value, setValue] = useState("");
  const calldata = useMemo(() => {
    if (!key || !/^\d+$/.test(value)) return null;
    return encodeFunctionData({
      abi: abis.IParameters,
      functionName: "set",
      args: [stringToHex(key, { size: 32 }), BigInt(value)],
    });
  }, [key, value]);
  const names = keys.data?.map(keyName) ?? [];
  return (
    <div className="stack">
      <label>
        Parameter
        {names.length ? (
          <select value={key} onChange={(e) => setKey(e.target.value)} data-testid="proposal-key">
            <option value="">choose…</option>
            {names.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        ) : (
          <input
            placeholder="e.g. roiThresholdBps"
            value={key}
            onChange={(e) => setKey(e.target.value)}
            maxLength={31}
          />
        )}
      </label>
      <label>
        New value (integer, in the unit its name says)
        <input
          inputMode="numeric"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          data-testid="proposal-value"
        />
      </label>
      {calldata ? (
        <div className="muted">
          Action: <code>Parameters.set</code> with calldata <code data-testid="proposal-calldata">{calldata}</code>
        </div>
      ) : null}
      <button className="primary" disabled={!canPropose || !calldata}>
        Propose
      </button>
      {!canPropose ? <div className="muted">Proposing opens when the governor is deployed.</div> : null}
    </div>
  );
}

"use client";

import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { decodeFunctionData, encodeFunctionData, hexToString, keccak256, stringToHex, toHex, type Hex } from "viem";
import { useBlock, useConfig, useConnection, usePublicClient, useReadContract, useReadContracts } from "wagmi";
import { simulateContract } from "wagmi/actions";
import { abis } from "../generated/contracts";
import { useContracts } from "../hooks/useContracts";
import { useTransactor } from "../hooks/useTransactor";
import { useTarget } from "../app/providers";
import { NAMES } from "../lib/deployment";
import { PROPOSAL_STATE_NAMES } from "../lib/errors";
import { formatAmount, shortAddress } from "../lib/format";
import { NotDeployed } from "./NotDeployed";

/** Support values of `castVote` (GovernorCountingSimple). */
const SUPPORT = { against: 0, for: 1, abstain: 2 } as const;
/** Vote units: the vault's shares. */
const VOTE_UNITS = { decimals: 12, symbol: "votes" };

/** `bytes32("roiThresholdBps")` → `roiThresholdBps` (ParamKeys are short strings). */
export function keyName(key: Hex): string {
  return hexToString(key, { size: 32 }).replace(/\0+$/, "");
}

/** Governance: the parameters the timelock owns, your votes, proposals with their state, and a change form. */
export function Governance() {
  const { parameters, governor } = useContracts();
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
        <h2>Your votes</h2>
        {governor ? (
          <Votes />
        ) : (
          <NotDeployed name={NAMES.governor} what="proposals, votes, queue and execution go through it." />
        )}
      </section>
      <section className="panel stack">
        <h2>Proposals</h2>
        {governor ? <Proposals /> : <div className="muted">Proposals are listed once the governor is deployed.</div>}
      </section>
      <section className="panel stack">
        <h2>Propose a parameter change</h2>
        <ProposalForm canPropose={Boolean(governor && parameters)} />
      </section>
    </div>
  );
}

/** Voting power is the vault's shares once delegated (ERC-5805): shares, delegate, votes, and a delegate button. */
function Votes() {
  const { vault, governor } = useContracts();
  const { address } = useConnection();
  const config = useConfig();
  const transact = useTransactor();
  const user = address ?? "0x0000000000000000000000000000000000000000";
  const q = useReadContracts({
    allowFailure: false,
    contracts: [
      { ...vault!, functionName: "balanceOf", args: [user] },
      { ...vault!, functionName: "delegates", args: [user] },
      { ...vault!, functionName: "getVotes", args: [user] },
      { ...governor!, functionName: "votingDelay" },
      { ...governor!, functionName: "votingPeriod" },
      { ...governor!, functionName: "proposalThreshold" },
      { ...governor!, functionName: "clock" },
    ],
    query: { enabled: vault !== undefined },
  });
  if (!address) return <div className="muted">Connect a wallet to see and delegate your votes.</div>;
  if (q.error) return <div className="notice bad">{q.error.message.split("\n")[0]}</div>;
  if (!q.data) return <div className="muted">…</div>;
  const [shares, delegatee, votes, delay, period, threshold, clock] = q.data;
  const self = delegatee.toLowerCase() === address.toLowerCase();
  return (
    <div className="stack">
      <div className="stats">
        <Stat label="Your shares" value={formatAmount(shares, VOTE_UNITS.decimals, 4)} />
        <Stat label="Your votes" testid="votes" value={formatAmount(votes, VOTE_UNITS.decimals, 4)} />
        <Stat
          label="Delegated to"
          value={/^0x0+$/.test(delegatee) ? "nobody (shares do not vote)" : self ? "yourself" : shortAddress(delegatee)}
        />
        <Stat label="Vote opens after" value={`${delay} h`} />
        <Stat label="Vote lasts" value={`${period} h`} />
        <Stat label="Epoch (hour) now" value={String(clock)} />
      </div>
      <div className="muted">
        Votes count from the epoch after delegation; a proposal needs {formatAmount(threshold, VOTE_UNITS.decimals)}{" "}
        votes to be made.
      </div>
      {!self ? (
        <button
          className="primary"
          data-testid="delegate-self"
          onClick={() =>
            transact(
              "Delegate votes to yourself",
              () =>
                simulateContract(config, { ...vault!, functionName: "delegate", args: [address], account: address }),
              VOTE_UNITS,
            )
          }
        >
          Delegate my votes to myself
        </button>
      ) : null}
    </div>
  );
}

interface Proposal {
  id: bigint;
  proposer: `0x${string}`;
  targets: readonly `0x${string}`[];
  values: readonly bigint[];
  calldatas: readonly Hex[];
  description: string;
  voteStart: bigint;
  voteEnd: bigint;
}

/** Every `ProposalCreated` of the governor since the deployment block, newest first. */
function useProposals() {
  const { governor } = useContracts();
  const { deployment } = useTarget();
  const client = usePublicClient();
  const head = useBlock({ watch: true });
  return useQuery({
    queryKey: ["proposals", governor?.address, head.data?.number?.toString()],
    enabled: client !== undefined && governor !== undefined && head.data !== undefined,
    queryFn: async (): Promise<Proposal[]> => {
      const logs = await client!.getContractEvents({
        ...governor!,
        eventName: "ProposalCreated",
        fromBlock: BigInt(deployment?.blockNumber ?? 0),
        toBlock: head.data!.number!,
      });
      return logs
        .map((l) => ({
          id: l.args.proposalId!,
          proposer: l.args.proposer!,
          targets: l.args.targets!,
          values: l.args.values!,
          calldatas: l.args.calldatas!,
          description: l.args.description!,
          voteStart: l.args.voteStart!,
          voteEnd: l.args.voteEnd!,
        }))
        .reverse();
    },
  });
}

function Proposals() {
  const proposals = useProposals();
  if (proposals.error) return <div className="notice bad">{proposals.error.message.split("\n")[0]}</div>;
  if (!proposals.data) return <div className="muted">…</div>;
  if (proposals.data.length === 0) return <div className="muted">No proposal yet.</div>;
  return (
    <div className="stack" data-testid="proposals">
      {proposals.data.map((p) => (
        <ProposalCard key={p.id.toString()} p={p} />
      ))}
    </div>
  );
}

/** `Parameters.set(key, value)` calls shown as "key → value"; anything else as its target and selector. */
function describeAction(target: string, data: Hex, parameters: string | undefined): string {
  if (parameters && target.toLowerCase() === parameters.toLowerCase()) {
    try {
      const call = decodeFunctionData({ abi: abis.IParameters, data });
      if (call.functionName === "set") return `Parameters.set ${keyName(call.args[0])} → ${call.args[1]}`;
    } catch {
      // Not a Parameters call the app knows: shown raw below.
    }
  }
  return `${shortAddress(target)} ${data.slice(0, 10)}`;
}

function ProposalCard({ p }: { p: Proposal }) {
  const { governor, parameters } = useContracts();
  const { address } = useConnection();
  const config = useConfig();
  const transact = useTransactor();
  const g = governor!;
  const q = useReadContracts({
    allowFailure: false,
    contracts: [
      { ...g, functionName: "state", args: [p.id] },
      { ...g, functionName: "proposalVotes", args: [p.id] },
      { ...g, functionName: "proposalEta", args: [p.id] },
      { ...g, functionName: "hasVoted", args: [p.id, address ?? "0x0000000000000000000000000000000000000000"] },
      { ...g, functionName: "clock" },
    ],
  });
  const head = useBlock({ watch: true });
  // The quorum is read at the snapshot, which must be in the past (ERC-5805): not while pending.
  const quorum = useReadContract({
    ...g,
    functionName: "quorum",
    args: [p.voteStart],
    query: { enabled: q.data !== undefined && q.data[0] !== 0 },
  });
  const descriptionHash = keccak256(toHex(p.description));
  const ops = [p.targets, p.values, p.calldatas, descriptionHash] as const;
  const send = (label: string, fn: "queue" | "execute") =>
    transact(
      `${label} proposal ${shortId(p.id)}`,
      () => simulateContract(config, { ...g, functionName: fn, args: [...ops], account: address }),
      VOTE_UNITS,
    );
  const vote = (support: keyof typeof SUPPORT) =>
    transact(
      `Vote ${support} on proposal ${shortId(p.id)}`,
      () =>
        simulateContract(config, {
          ...g,
          functionName: "castVote",
          args: [p.id, SUPPORT[support]],
          account: address,
        }),
      VOTE_UNITS,
    );
  if (q.error) return <div className="notice bad">{q.error.message.split("\n")[0]}</div>;
  if (!q.data) return <div className="muted">…</div>;
  const [stateIndex, [against, forVotes, abstain], eta, voted, clock] = q.data;
  const state = PROPOSAL_STATE_NAMES[stateIndex] ?? String(stateIndex);
  const now = head.data ? head.data.timestamp : undefined;
  const v = (x: bigint) => formatAmount(x, VOTE_UNITS.decimals, 2);
  return (
    <div className="card stack" data-testid="proposal" data-state={state}>
      <div className="row" style={{ justifyContent: "space-between" }}>
        <strong>{p.description.split("\n")[0]}</strong>
        <span className={`badge state-${state.toLowerCase()}`} data-testid="proposal-state">
          {state}
        </span>
      </div>
      <div className="muted mono">
        #{shortId(p.id)} by {shortAddress(p.proposer)}
      </div>
      <ul>
        {p.targets.map((t, i) => (
          <li key={i} className="mono">
            {describeAction(t, p.calldatas[i]!, parameters?.address)}
          </li>
        ))}
      </ul>
      <div className="stats">
        <Stat label="For" testid="votes-for" value={v(forVotes)} />
        <Stat label="Against" value={v(against)} />
        <Stat label="Abstain" value={v(abstain)} />
        <Stat label="Quorum" value={quorum.data === undefined ? "at the snapshot" : v(quorum.data)} />
        <Stat
          label={state === "Pending" ? "Vote opens at epoch" : "Vote closes at epoch"}
          value={`${state === "Pending" ? p.voteStart + 1n : p.voteEnd} (now ${clock})`}
        />
        {eta > 0n ? (
          <Stat
            label="Executable from"
            value={now !== undefined && now >= eta ? "now" : new Date(Number(eta) * 1000).toISOString()}
          />
        ) : null}
      </div>
      <div className="row">
        {state === "Active" && !voted ? (
          <>
            <button className="primary" disabled={!address} onClick={() => vote("for")} data-testid="vote-for">
              Vote for
            </button>
            <button disabled={!address} onClick={() => vote("against")} data-testid="vote-against">
              Against
            </button>
            <button disabled={!address} onClick={() => vote("abstain")}>
              Abstain
            </button>
          </>
        ) : null}
        {state === "Active" && voted ? <span className="muted">You voted.</span> : null}
        {state === "Succeeded" ? (
          <button className="primary" disabled={!address} onClick={() => send("Queue", "queue")} data-testid="queue">
            Queue in the timelock
          </button>
        ) : null}
        {state === "Queued" ? (
          <button
            className="primary"
            disabled={!address}
            onClick={() => send("Execute", "execute")}
            data-testid="execute"
          >
            Execute
          </button>
        ) : null}
      </div>
    </div>
  );
}

const shortId = (id: bigint) => `${id.toString().slice(0, 6)}…`;

function Stat({ label, value, testid }: { label: string; value: string; testid?: string }) {
  return (
    <div className="stat">
      <div className="label">{label}</div>
      <div className="value" data-testid={testid}>
        {value}
      </div>
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
  const { governor, parameters } = useContracts();
  const { address } = useConnection();
  const config = useConfig();
  const transact = useTransactor();
  const [key, setKey] = useState("");
  const [value, setValue] = useState("");
  const [description, setDescription] = useState("");
  const calldata = useMemo(() => {
    if (!key || !/^\d+$/.test(value)) return null;
    return encodeFunctionData({
      abi: abis.IParameters,
      functionName: "set",
      args: [stringToHex(key, { size: 32 }), BigInt(value)],
    });
  }, [key, value]);
  const names = keys.data?.map(keyName) ?? [];
  const text = description.trim() || (calldata ? `Set ${key} to ${value}` : "");
  const propose = async () => {
    const done = await transact(
      `Propose: ${text}`,
      () =>
        simulateContract(config, {
          ...governor!,
          functionName: "propose",
          args: [[parameters!.address], [0n], [calldata!], text],
          account: address,
        }),
      VOTE_UNITS,
    );
    if (done) {
      setValue("");
      setDescription("");
    }
  };
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
      <label>
        Description (why)
        <textarea
          rows={2}
          placeholder={calldata ? `Set ${key} to ${value}` : "What the change does and why"}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          data-testid="proposal-description"
        />
      </label>
      {calldata ? (
        <div className="muted">
          Action: <code>Parameters.set</code> with calldata <code data-testid="proposal-calldata">{calldata}</code>
        </div>
      ) : null}
      <button
        className="primary"
        disabled={!canPropose || !calldata || !address}
        onClick={propose}
        data-testid="propose-change"
      >
        Propose
      </button>
      {!canPropose ? <div className="muted">Proposing opens when the governor is deployed.</div> : null}
      {canPropose && !address ? <div className="muted">Connect a wallet to propose.</div> : null}
    </div>
  );
}

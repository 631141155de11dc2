"use client";

import { useState } from "react";
import { isAddress, stringToHex, type Address } from "viem";
import { useBlock, useConfig, useConnection, useReadContracts } from "wagmi";
import { simulateContract } from "wagmi/actions";
import { useAsset } from "../hooks/useAsset";
import { useContracts } from "../hooks/useContracts";
import { useTransactor } from "../hooks/useTransactor";
import { NAMES } from "../lib/deployment";
import { formatAmount, formatDecayedCount, formatPercent, parseAmount, shortAddress } from "../lib/format";
import { NotDeployed } from "./NotDeployed";

const ZERO = "0x0000000000000000000000000000000000000000";
const TEE = ["none", "SGX", "TDX"] as const;
const TCB = [
  "up to date",
  "SW hardening needed",
  "configuration needed",
  "configuration and SW hardening needed",
  "out of date",
  "out of date, configuration needed",
  "revoked",
] as const;

/** Operators: stake, bind keepers, attestation status and age, score, rewards, slashes. */
export function Operators() {
  const { reputation } = useContracts();
  const { address } = useConnection();
  const [text, setText] = useState("");
  const keeper = isAddress(text) ? (text as Address) : address;
  if (!reputation)
    return (
      <section className="panel">
        <NotDeployed name={NAMES.reputation} what="operators register, stake, and are scored and slashed there." />
      </section>
    );
  return (
    <div className="grid">
      <section className="panel stack">
        <h2>Your operator account</h2>
        {address ? (
          <OperatorAccount key={address} operator={address} />
        ) : (
          <div className="muted">Connect a wallet to stake.</div>
        )}
      </section>
      <section className="panel stack">
        <h2>Keeper status</h2>
        <label>
          Keeper address (its attested key)
          <input
            placeholder={address ?? "0x…"}
            value={text}
            onChange={(e) => setText(e.target.value)}
            data-testid="keeper-address"
          />
        </label>
        {text && !isAddress(text) ? <div className="notice warn">Not an address.</div> : null}
        {keeper ? <KeeperStatus keeper={keeper} /> : <div className="muted">Connect or enter a keeper address.</div>}
      </section>
      <section className="panel stack">
        <h2>Slashing</h2>
        <Totals />
      </section>
    </div>
  );
}

function OperatorAccount({ operator }: { operator: Address }) {
  const { reputation, parameters } = useContracts();
  const r = reputation!;
  const asset = useAsset();
  const config = useConfig();
  const transact = useTransactor();
  const [amount, setAmount] = useState("");
  const [keeper, setKeeper] = useState("");
  const [accept, setAccept] = useState("");
  const q = useReadContracts({
    allowFailure: false,
    contracts: [
      { ...r, functionName: "stakeOf", args: [operator] },
      { ...r, functionName: "rewardsOf", args: [operator] },
      { ...asset.contract!, functionName: "allowance", args: [operator, r.address] },
    ],
  });
  const minStake = useReadContracts({
    allowFailure: false,
    contracts: parameters
      ? [{ ...parameters, functionName: "get", args: [stringToHex("minStake", { size: 32 })] }]
      : [],
    query: { enabled: parameters !== undefined },
  });
  const value = parseAmount(amount, asset.decimals);
  if (q.error) return <div className="notice bad">{q.error.message.split("\n")[0]}</div>;
  if (!q.data) return <div className="muted">…</div>;
  const [stake, rewards, allowance] = q.data;
  const min = minStake.data?.[0];
  const needsApproval = value !== null && allowance < value;
  const amt = (v: bigint) => `${formatAmount(v, asset.decimals)} ${asset.symbol}`;

  const approve = () =>
    transact(
      `Approve ${amount} ${asset.symbol} for staking`,
      () =>
        simulateContract(config, {
          ...asset.contract!,
          functionName: "approve",
          args: [r.address, value!],
          account: operator,
        }),
      asset,
    );
  const doStake = async () => {
    const done = await transact(
      `Stake ${amount} ${asset.symbol}`,
      () => simulateContract(config, { ...r, functionName: "stake", args: [value!], account: operator }),
      asset,
    );
    if (done) setAmount("");
  };
  const propose = () =>
    transact(
      `Propose keeper ${shortAddress(keeper)}`,
      () =>
        simulateContract(config, { ...r, functionName: "proposeKeeper", args: [keeper as Address], account: operator }),
      asset,
    );
  const acceptOperator = () =>
    transact(
      `Accept operator ${shortAddress(accept)}`,
      () =>
        simulateContract(config, {
          ...r,
          functionName: "acceptOperator",
          args: [accept as Address],
          account: operator,
        }),
      asset,
    );
  const claim = () =>
    transact(
      "Claim operator rewards",
      () => simulateContract(config, { ...r, functionName: "claimRewards", account: operator }),
      asset,
    );

  return (
    <>
      <div className="stats">
        <Stat label="Active stake" testid="operator-stake" value={amt(stake.active)} />
        <Stat label="Minimum to be eligible" value={min === undefined ? "–" : amt(min)} />
        <Stat
          label="Unbonding"
          value={
            stake.unbonding
              ? `${amt(stake.unbonding)} until ${new Date(Number(stake.unlockAt) * 1000).toLocaleString()}`
              : "none"
          }
        />
        <Stat label="Open disputes" value={String(stake.openDisputes)} />
        <Stat label="Rewards" value={amt(rewards)} />
        <Stat label="Status" value={stake.revoked ? "revoked" : stake.active > 0n ? "registered" : "not registered"} />
      </div>
      <div className="row" style={{ alignItems: "end" }}>
        <label style={{ flex: "1 1 140px" }}>
          Stake ({asset.symbol})
          <input
            inputMode="decimal"
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
            data-testid="stake-amount"
          />
        </label>
        {needsApproval ? (
          <button className="primary" onClick={approve} data-testid="stake-approve">
            1. Approve
          </button>
        ) : null}
        <button
          className={needsApproval ? "" : "primary"}
          disabled={value === null || needsApproval}
          onClick={doStake}
          data-testid="stake"
        >
          {needsApproval ? "2. Stake" : "Stake"}
        </button>
      </div>
      <div className="row" style={{ alignItems: "end" }}>
        <label style={{ flex: "1 1 200px" }}>
          Propose a keeper (its attested key)
          <input
            value={keeper}
            onChange={(e) => setKeeper(e.target.value)}
            placeholder="0x…"
            data-testid="propose-keeper"
          />
        </label>
        <button disabled={!isAddress(keeper)} onClick={propose} data-testid="propose">
          Propose
        </button>
      </div>
      <div className="row" style={{ alignItems: "end" }}>
        <label style={{ flex: "1 1 200px" }}>
          As a keeper: accept an operator
          <input
            value={accept}
            onChange={(e) => setAccept(e.target.value)}
            placeholder="0x…"
            data-testid="accept-operator"
          />
        </label>
        <button disabled={!isAddress(accept)} onClick={acceptOperator} data-testid="accept">
          Accept
        </button>
      </div>
      <div className="row">
        <button disabled={rewards === 0n} onClick={claim}>
          Claim rewards
        </button>
      </div>
    </>
  );
}

/** "in 23.9 h" / "3.0 d ago": a duration from now, in the largest fitting unit. */
export function relative(seconds: number): string {
  const s = Math.abs(seconds);
  const text = s >= 86_400 ? `${(s / 86_400).toFixed(1)} d` : s >= 3_600 ? `${(s / 3_600).toFixed(1)} h` : `${s} s`;
  return seconds >= 0 ? `in ${text}` : `${text} ago`;
}

function KeeperStatus({ keeper }: { keeper: Address }) {
  const { reputation, attestation, parameters } = useContracts();
  const r = reputation!;
  const head = useBlock({ watch: true });
  const q = useReadContracts({
    allowFailure: false,
    contracts: [
      { ...r, functionName: "operatorOf", args: [keeper] },
      { ...r, functionName: "score", args: [keeper] },
      { ...r, functionName: "isEligible", args: [keeper] },
      { ...r, functionName: "countersOf", args: [keeper] },
      { ...r, functionName: "lastSeen", args: [keeper] },
    ],
  });
  const att = useReadContracts({
    allowFailure: false,
    contracts: attestation
      ? [
          { ...attestation, functionName: "attestationOf", args: [keeper] },
          { ...attestation, functionName: "isAttested", args: [keeper] },
        ]
      : [],
    query: { enabled: attestation !== undefined },
  });
  const maxAge = useReadContracts({
    allowFailure: false,
    contracts: parameters
      ? [{ ...parameters, functionName: "get", args: [stringToHex("attestationMaxAgeSeconds", { size: 32 })] }]
      : [],
    query: { enabled: parameters !== undefined },
  });
  if (q.error) return <div className="notice bad">{q.error.message.split("\n")[0]}</div>;
  if (!q.data) return <div className="muted">…</div>;
  const [operator, score, eligible, counters, lastSeen] = q.data;
  const now = head.data ? Number(head.data.timestamp) : undefined;
  const age = (t: bigint) => (t === 0n ? "never" : now === undefined ? "…" : `${Math.max(0, now - Number(t))} s ago`);
  const outcomes = counters.successes + counters.failures + counters.expiries;
  const a = att.data?.[0];
  return (
    <div className="stack" data-testid="keeper-status">
      <div className="stats">
        <Stat
          label="Operator"
          testid="keeper-operator"
          value={operator === ZERO ? "unregistered" : shortAddress(operator)}
        />
        <Stat label="Score" value={formatPercent(Number(score) / 10_000, 1)} />
        <Stat label="Eligible now" value={eligible ? "yes" : "no"} />
        <Stat label="Last heartbeat" value={age(lastSeen)} />
        <Stat
          label="Success rate"
          value={
            outcomes === 0n
              ? "–"
              : `${formatPercent(Number(counters.successes) / Number(outcomes), 0)} of ${formatDecayedCount(outcomes)}`
          }
        />
        <Stat
          label="Mean delay"
          value={outcomes === 0n ? "–" : `${(Number(counters.delaySum) / Number(outcomes)).toFixed(1)} s`}
        />
        <Stat label="Proven frauds" value={String(counters.frauds)} />
      </div>
      <h3>Attestation</h3>
      {!attestation ? (
        <NotDeployed name={NAMES.attestation} what="TEE quotes, measurements and their age are recorded there." />
      ) : !a ? (
        <div className="muted">…</div>
      ) : a.attestedAt === 0n ? (
        <div className="notice warn" data-testid="attestation-none">
          No attestation: this keeper has not submitted a TEE quote.
        </div>
      ) : (
        <div className="stats" data-testid="attestation">
          <Stat label="Fresh and valid" testid="attestation-valid" value={att.data?.[1] ? "yes" : "no"} />
          <Stat label="Age" testid="attestation-age" value={age(a.attestedAt)} />
          <Stat
            label={att.data?.[1] ? "Expires" : "Expired or invalid"}
            testid="attestation-expiry"
            value={
              maxAge.data?.[0] === undefined || now === undefined
                ? "…"
                : relative(Number(a.attestedAt + (maxAge.data[0] as bigint)) - now)
            }
          />
          <Stat label="TEE" value={TEE[a.teeType] ?? String(a.teeType)} />
          <Stat label="TCB" value={TCB[a.tcbStatus] ?? String(a.tcbStatus)} />
          <Stat label="Measurement" value={shortAddress(a.measurementHash)} />
        </div>
      )}
    </div>
  );
}

function Totals() {
  const { reputation } = useContracts();
  const asset = useAsset();
  // Disputes live in the DisputeDesk (independent, no queue); the oracle's totals cover stake and slashes.
  const q = useReadContracts({
    allowFailure: false,
    contracts: [{ ...reputation!, functionName: "stakeTotals" }],
  });
  if (!q.data) return <div className="muted">…</div>;
  const [[deposited, active, unbonding, slashed]] = q.data;
  const amt = (v: bigint) => `${formatAmount(v, asset.decimals)} ${asset.symbol}`;
  return (
    <div className="stats">
      <Stat label="Staked in total" value={amt(deposited)} />
      <Stat label="Active" value={amt(active)} />
      <Stat label="Unbonding" value={amt(unbonding)} />
      <Stat label="Slashed" value={amt(slashed)} />
    </div>
  );
}

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

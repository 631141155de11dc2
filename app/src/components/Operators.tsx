"use client";

import { useState } from "react";
import { isAddress, type Address } from "viem";
import { useConnection, useReadContracts } from "wagmi";
import { useContracts } from "../hooks/useContracts";
import { NAMES } from "../lib/deployment";
import { formatPercent, shortAddress } from "../lib/format";
import { NotDeployed } from "./NotDeployed";

/** Operators: register with stake, attestation, score, rewards and slashes; the read side works first. */
export function Operators() {
  const { reputation } = useContracts();
  const { address } = useConnection();
  const [text, setText] = useState("");
  const keeper = isAddress(text) ? (text as Address) : address;
  return (
    <div className="grid">
      <section className="panel stack">
        <h2>Register as an operator</h2>
        {reputation ? (
          <div className="muted">Registration with stake opens with the reputation oracle&apos;s operator API.</div>
        ) : (
          <NotDeployed name={NAMES.reputation} what="operators register, stake, and are scored and slashed there." />
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
        {reputation ? (
          keeper ? (
            <KeeperStatus keeper={keeper} />
          ) : (
            <div className="muted">Connect or enter a keeper address.</div>
          )
        ) : (
          <NotDeployed name={NAMES.reputation} what="no scores to show." />
        )}
      </section>
      <section className="panel stack">
        <h2>Attestation</h2>
        <NotDeployed name={NAMES.attestation} what="TEE quotes, measurements and their age are recorded there." />
      </section>
    </div>
  );
}

function KeeperStatus({ keeper }: { keeper: Address }) {
  const { reputation } = useContracts();
  const r = reputation!;
  const q = useReadContracts({
    allowFailure: false,
    contracts: [
      { ...r, functionName: "operatorOf", args: [keeper] },
      { ...r, functionName: "score", args: [keeper] },
      { ...r, functionName: "isEligible", args: [keeper] },
    ],
  });
  if (q.error) return <div className="notice bad">{q.error.message.split("\n")[0]}</div>;
  if (!q.data) return <div className="muted">…</div>;
  const [operator, score, eligible] = q.data;
  const registered = operator !== "0x0000000000000000000000000000000000000000";
  return (
    <div className="stats" data-testid="keeper-status">
      <div className="stat">
        <div className="label">Operator</div>
        <div className="value mono">{registered ? shortAddress(operator) : "unregistered"}</div>
      </div>
      <div className="stat">
        <div className="label">Score</div>
        <div className="value">{formatPercent(Number(score) / 10_000, 1)}</div>
      </div>
      <div className="stat">
        <div className="label">Eligible now</div>
        <div className="value">{eligible ? "yes" : "no"}</div>
      </div>
    </div>
  );
}

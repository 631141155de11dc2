"use client";

import { useEffect } from "react";
import { useTxEntries } from "../hooks/useTransactor";
import { shortAddress } from "../lib/format";

const CONFIRMED_VISIBLE_MS = 8_000;
const TITLES = { simulating: "Checking", pending: "Pending", confirmed: "Confirmed", failed: "Failed" } as const;

/** Every recent transaction with its state: pending, confirmed, or failed with the reason. */
export function TxToasts() {
  const { entries, dismiss } = useTxEntries();
  // Confirmed transactions fade after a while; failures stay until dismissed (the reason matters).
  useEffect(() => {
    const timers = entries
      .filter((e) => e.status === "confirmed")
      .map((e) => setTimeout(() => dismiss(e.id), CONFIRMED_VISIBLE_MS));
    return () => timers.forEach(clearTimeout);
  }, [entries, dismiss]);
  if (entries.length === 0) return null;
  return (
    <div className="tx-list" aria-live="polite">
      {entries.map((e) => (
        <div key={e.id} className="tx" data-status={e.status} data-testid="tx" role="status">
          <div className="row" style={{ justifyContent: "space-between", flexWrap: "nowrap", alignItems: "start" }}>
            <strong style={{ flex: 1, minWidth: 0, overflowWrap: "anywhere" }}>
              {e.label}: {TITLES[e.status]}
            </strong>
            {e.status === "confirmed" || e.status === "failed" ? (
              <button className="small" onClick={() => dismiss(e.id)} aria-label="Dismiss">
                ✕
              </button>
            ) : null}
          </div>
          {e.message ? (
            <div className={e.status === "failed" ? "" : "muted"} style={{ overflowWrap: "anywhere" }}>
              {e.message}
            </div>
          ) : null}
          {e.hash ? <div className="muted mono">tx {shortAddress(e.hash)}</div> : null}
        </div>
      ))}
    </div>
  );
}

"use client";

import type { KeeperNodesData } from "../app/api/keeper-nodes/route";
import {
  exposureAlert,
  exposureText,
  healthText,
  keeperLabel,
  keeperRows,
  sharedAccounts,
  stopText,
} from "../lib/keeperNodes";

export async function fetchKeeperNodes(): Promise<KeeperNodesData> {
  const res = await fetch("/api/keeper-nodes", { cache: "no-store" });
  const body = (await res.json()) as KeeperNodesData | { error: string };
  if ("error" in body) throw new Error(body.error);
  return body;
}

const wrap = { overflowWrap: "anywhere" } as const;

/** One prominent line per position a keeper reports exposed, at the top of the dashboard. */
export function ExposureAlerts({ data }: { data: KeeperNodesData | undefined }) {
  const lines = (data?.nodes ?? []).flatMap((n) =>
    n.exposures.map((e) => ({ key: `${n.url} ${e.market} ${e.venue}`, account: n.account, text: exposureAlert(n, e) })),
  );
  if (lines.length === 0) return null;
  return (
    <div className="stack" role="alert" data-testid="exposure-alerts">
      {lines.map((l) => (
        <div
          key={l.key}
          className="notice bad"
          style={{ ...wrap, fontWeight: 600 }}
          data-testid="exposure-alert"
          data-keeper={l.account ?? ""}
        >
          {l.text}
        </div>
      ))}
    </div>
  );
}

/**
 * Each keeper as its own metrics endpoint reports it (APP_KEEPER_METRICS): exposures, venues up or down, trading or
 * stopped and why; an endpoint that does not answer says so; a keeper of the chain no endpoint reports is listed too.
 */
export function KeeperNodesPanel({
  data,
  error,
  chainKeepers,
}: {
  data: KeeperNodesData | undefined;
  error: Error | null;
  chainKeepers: readonly string[];
}) {
  let body;
  if (error)
    body = (
      <div className="notice bad" style={wrap}>
        {error.message}
      </div>
    );
  else if (!data) body = <div className="muted">Reading the keepers&apos; metrics…</div>;
  else {
    const rows = keeperRows(chainKeepers, data.nodes);
    const shared = sharedAccounts(data.nodes);
    body = (
      <div className="stack">
        {data.nodes.length === 0 ? (
          <div className="muted" data-testid="keeper-nodes-unconfigured">
            No keeper metrics endpoint is configured (APP_KEEPER_METRICS): exposures, health and pauses are not shown.
          </div>
        ) : null}
        {rows.map(({ account, node }) => (
          <div
            key={node?.url ?? account}
            className="card stack"
            style={{ gap: 4 }}
            data-testid="keeper-node"
            data-keeper={account ?? ""}
            data-url={node?.url ?? ""}
          >
            <div className="mono">{keeperLabel(account, node?.name ?? null)}</div>
            {account && shared.has(account) ? (
              <div className="notice warn" style={wrap} data-testid="keeper-node-shared">
                Several endpoints report this account: {shared.get(account)!.join(", ")}
              </div>
            ) : null}
            {node === null ? (
              <div className="muted">no metrics endpoint configured for this keeper</div>
            ) : node.problem !== null ? (
              <div className="notice bad" style={wrap} data-testid="keeper-node-problem">
                {node.problem}
              </div>
            ) : (
              <>
                {node.exposures.length === 0 ? (
                  <div data-testid="keeper-node-flat">No exposed position</div>
                ) : (
                  node.exposures.map((e) => (
                    <div
                      key={`${e.market} ${e.venue}`}
                      className="notice bad"
                      style={wrap}
                      data-testid="keeper-node-exposure"
                    >
                      Exposed: {exposureText(e)}
                    </div>
                  ))
                )}
                <div
                  className={node.healthy === false ? "notice warn" : undefined}
                  style={wrap}
                  data-testid="keeper-node-health"
                >
                  Health: {healthText(node)}
                </div>
                <div
                  className={node.stopped ? "notice warn" : undefined}
                  style={wrap}
                  data-testid="keeper-node-trading"
                >
                  Trading: {stopText(node)}
                </div>
                <div className="muted mono">{node.url}</div>
              </>
            )}
          </div>
        ))}
      </div>
    );
  }
  return (
    <section className="panel" data-testid="keeper-nodes">
      <h2>Keeper nodes (their own metrics)</h2>
      {body}
    </section>
  );
}

"use client";

import { useQuery, type UseQueryResult } from "@tanstack/react-query";
import type { DashboardData } from "../server/dashboard";
import { formatAmount, formatDecayedCount, formatPercent, shortAddress } from "../lib/format";
import { Bars, Donut, LineChart, Meter, modeColour, SleeveBar, Timeline } from "./charts";
import { ExposureAlerts, fetchKeeperNodes, KeeperNodesPanel } from "./KeeperNodes";

/** How the page names a strategy type (`Route.strategyId`). */
const MODE_NAMES: Record<string, string> = {
  marketMaking: "Market making",
  arbitrage: "Arbitrage",
  rebalance: "Rebalance",
  idle: "Idle",
};
const modeName = (m: string) => MODE_NAMES[m] ?? m;

/** Share of the time in each mode, for the timeline's text alternative ("Market making 62%, Idle 38%"). */
function timeShares(segments: { mode: string; from: number; to: number }[]): string {
  const total = segments.reduce((a, s) => a + (s.to - s.from), 0);
  if (total <= 0) return "no time elapsed";
  const by = new Map<string, number>();
  for (const s of segments) by.set(s.mode, (by.get(s.mode) ?? 0) + (s.to - s.from));
  return [...by]
    .sort((a, b) => b[1] - a[1])
    .map(([m, t]) => `${modeName(m)} ${Math.round((t / total) * 100)}%`)
    .join(", ");
}

async function fetchDashboard(): Promise<DashboardData> {
  const res = await fetch("/api/dashboard?points=32", { cache: "no-store" });
  const body = (await res.json()) as DashboardData | { error: string };
  if ("error" in body) throw new Error(body.error);
  return body;
}

/**
 * The keepers' own metrics (exposures first, at the top) apart from the chain's figures: each is read by its own
 * route, so an exposed position shows while the chain cannot be read, and the chain's figures while a keeper is down.
 */
export function Dashboard() {
  const q = useQuery({ queryKey: ["dashboard"], queryFn: fetchDashboard, refetchInterval: 5_000 });
  const nodes = useQuery({ queryKey: ["keeper-nodes"], queryFn: fetchKeeperNodes, refetchInterval: 3_000 });
  return (
    <div className="stack" style={{ gap: 16 }}>
      <ExposureAlerts data={nodes.data} />
      <ChainDashboard q={q} />
      <KeeperNodesPanel
        data={nodes.data}
        error={nodes.error}
        chainKeepers={(q.data?.keepers ?? []).map((k) => k.keeper)}
      />
    </div>
  );
}

function ChainDashboard({ q }: { q: UseQueryResult<DashboardData> }) {
  if (q.error)
    return (
      <div className="notice bad" role="alert">
        {q.error.message}
      </div>
    );
  if (!q.data) return <div className="muted">Reading the chain…</div>;
  const d = q.data;
  const dec = d.asset?.decimals ?? 18;
  const sym = d.asset?.symbol ?? "";
  const amt = (v: string) => `${formatAmount(BigInt(v), dec)} ${sym}`;
  return (
    <div className="stack" style={{ gap: 16 }} data-testid="dashboard">
      <div className="stats">
        <div className="stat">
          <div className="label">Network</div>
          <div className="value">
            {d.network} ({d.chainId})
          </div>
        </div>
        <div className="stat">
          <div className="label">Block</div>
          <div className="value" data-testid="head-block">
            #{d.head.number}
          </div>
        </div>
        <div className="stat">
          <div className="label">Deposit asset supply</div>
          <div className="value">{d.asset ? amt(d.asset.totalSupply) : "–"}</div>
        </div>
      </div>
      {d.missing.length > 0 ? (
        <div className="notice info" data-testid="dashboard-missing">
          Not deployed on this network yet: {d.missing.join(", ")}. Their sections fill in once they are.
        </div>
      ) : null}
      <div className="grid">
        <section className="panel">
          <h2>Capital allocation</h2>
          {d.vault ? (
            <>
              <Donut
                label="Allocation by sleeve"
                parts={d.vault.sleeves.map((s) => ({
                  name: `${s.name} (${amt(s.assets)})`,
                  value: Number(BigInt(s.assets)),
                }))}
              />
              <div className="muted">Total assets {amt(d.vault.totalAssets)}</div>
              <h3>Sleeves drawn by keepers</h3>
              <div className="stack" data-testid="sleeves-drawn">
                {d.vault.sleeves.slice(0, 2).map((s, i) => (
                  <div key={s.name} className="stack" style={{ gap: 4 }} data-testid={`sleeve-${i}`}>
                    <div>
                      {s.name}: <strong data-testid={`sleeve-${i}-drawn`}>{amt(s.drawn)}</strong> drawn of{" "}
                      {amt(s.assets)}
                      {s.target === null ? null : (
                        <>
                          {" "}
                          (target {amt(s.target)}, {((s.targetBps ?? 0) / 100).toFixed(0)}%)
                        </>
                      )}
                    </div>
                    <SleeveBar
                      label={`${s.name} sleeve: ${amt(s.drawn)} drawn of ${amt(s.assets)}${s.target === null ? "" : `, target ${amt(s.target)}`}`}
                      drawn={Number(BigInt(s.drawn))}
                      assets={Number(BigInt(s.assets))}
                      target={s.target === null ? null : Number(BigInt(s.target))}
                    />
                  </div>
                ))}
                <div className="legend muted">
                  <div>
                    <span className="swatch" style={{ background: "#58a6ff" }} />
                    drawn (sleeveDrawn)
                  </div>
                  <div>
                    <span className="swatch" style={{ background: "#484f58" }} />
                    sleeve assets (sleeveAssets)
                  </div>
                  <div>
                    <span className="swatch" style={{ background: "#d29922" }} />
                    target: total assets × the sleeve&apos;s target weight (Parameters)
                  </div>
                </div>
              </div>
              {d.vault.paused ? <div className="notice bad">Vault paused</div> : null}
              {d.vault.breakerTripped ? <div className="notice warn">Circuit breaker tripped</div> : null}
            </>
          ) : (
            <div className="muted">The vault is not deployed: no capital to allocate.</div>
          )}
        </section>
        <section className="panel">
          <h2>Share price</h2>
          {d.vault ? (
            <>
              <LineChart
                label="Share price history"
                points={d.vault.history.map((h) => ({ x: h.timestamp, y: h.sharePrice }))}
                format={(y) => y.toFixed(6)}
              />
              <div className="stats">
                <div className="stat">
                  <div className="label">Now</div>
                  <div className="value">{d.vault.sharePrice.toFixed(6)}</div>
                </div>
                <div className="stat">
                  <div className="label">Volatility (yearly)</div>
                  <div className="value">{d.vault.volatility === null ? "–" : formatPercent(d.vault.volatility)}</div>
                </div>
                <div className="stat">
                  <div className="label">Realised APY</div>
                  <div className="value">{d.vault.realisedApy === null ? "–" : formatPercent(d.vault.realisedApy)}</div>
                </div>
                <div className="stat">
                  <div className="label">PnL since deploy</div>
                  <div className="value">{amt(d.vault.pnl)}</div>
                </div>
              </div>
            </>
          ) : (
            <div className="muted">No share price without a vault.</div>
          )}
        </section>
        <section className="panel">
          <h2>Executions</h2>
          {d.receipts ? (
            <>
              <Bars
                label="PnL of the latest receipts"
                values={[...d.receipts.latest].reverse().map((r) => Number(BigInt(r.pnl)) / 10 ** dec)}
              />
              <div className="stats">
                <div className="stat">
                  <div className="label">Receipts</div>
                  <div className="value">{d.receipts.stats.executions}</div>
                </div>
                <div className="stat">
                  <div className="label">Profitable</div>
                  <div className="value">
                    {d.receipts.stats.executions
                      ? formatPercent(d.receipts.stats.profitable / d.receipts.stats.executions, 0)
                      : "–"}
                  </div>
                </div>
                <div className="stat">
                  <div className="label">Volume</div>
                  <div className="value">{amt(d.receipts.stats.volume)}</div>
                </div>
                <div className="stat">
                  <div className="label">Keepers</div>
                  <div className="value">{d.receipts.stats.keepers}</div>
                </div>
              </div>
            </>
          ) : (
            <div className="muted">The receipt registry is not deployed: no executions recorded.</div>
          )}
        </section>
        <section className="panel">
          <h2>Keeper SLA</h2>
          {d.keepers === null ? (
            <div className="muted">The reputation oracle is not deployed: no keepers to measure.</div>
          ) : d.keepers.length === 0 ? (
            <div className="muted" data-testid="sla-empty">
              No keeper is bound to an operator yet.
            </div>
          ) : (
            <div className="stack" data-testid="sla">
              <h3>Availability (heartbeat health)</h3>
              <Meter values={d.keepers.map((k) => ({ label: shortAddress(k.keeper), value: k.health / 10_000 }))} />
              <h3>Score</h3>
              <Meter values={d.keepers.map((k) => ({ label: shortAddress(k.keeper), value: k.score / 10_000 }))} />
              <div className="scroll-x">
                <table>
                  <thead>
                    <tr>
                      <th>Keeper</th>
                      <th>Eligible</th>
                      <th>OK / fail / expired</th>
                      <th>Mean delay</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.keepers.map((k) => (
                      <tr key={k.keeper}>
                        <td className="mono">{shortAddress(k.keeper)}</td>
                        <td>{k.eligible ? "yes" : "no"}</td>
                        <td>
                          {formatDecayedCount(k.successes)} / {formatDecayedCount(k.failures)} /{" "}
                          {formatDecayedCount(k.expiries)}
                        </td>
                        <td>{k.meanDelay === null ? "–" : `${k.meanDelay.toFixed(1)} s`}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </div>
          )}
        </section>
      </div>
      <section className="panel">
        <h2>Keeper modes and PnL by strategy</h2>
        {d.activity === null ? (
          <div className="muted">
            The campaign registry or the capital book is not deployed: no keeper activity to show.
          </div>
        ) : d.activity.keepers.length === 0 ? (
          <div className="muted" data-testid="activity-empty">
            No keeper has claimed a campaign yet.
          </div>
        ) : (
          <div className="stack" style={{ gap: 16 }} data-testid="activity">
            <p className="muted" style={{ margin: 0 }}>
              Read from the chain since deployment. Mode: the strategy type (
              <span className="mono">route.strategyId</span>) of the campaign the keeper holds a live claim on, idle
              without one. Switch: a change of strategy type between its consecutive claims. PnL: the capital
              book&apos;s repayments of the keeper&apos;s draws (returned − principal; the whole principal when a draw
              is liquidated), by the strategy type of the draw&apos;s campaign. Reported: the sum of its receipts&apos;
              PnL (rebalancing draws no vault capital).
            </p>
            <div className="legend">
              {["marketMaking", "arbitrage", "rebalance", "idle"].map((m) => (
                <div key={m}>
                  <span className="swatch" style={{ background: modeColour(m), outline: "1px solid #8b949e" }} />
                  {modeName(m)}
                </div>
              ))}
              <div>
                <span className="swatch" style={{ background: "#e6edf3" }} />
                Switch
              </div>
            </div>
            {d.activity.keepers.map((k) => (
              <div key={k.keeper} className="card stack" data-testid={`keeper-activity-${k.keeper.toLowerCase()}`}>
                <div className="row" style={{ justifyContent: "space-between" }}>
                  <span className="mono">{shortAddress(k.keeper)}</span>
                  <span className="badge" data-testid="keeper-mode" style={{ borderColor: modeColour(k.mode) }}>
                    {modeName(k.mode)}
                  </span>
                </div>
                <Timeline
                  label={`Modes of keeper ${shortAddress(k.keeper)} since deployment: ${timeShares(
                    k.timeline,
                  )}; ${k.switches} switches`}
                  segments={k.timeline}
                  switches={k.switchTimes}
                  from={d.activity!.from}
                  to={d.activity!.to}
                />
                <div className="muted">
                  <span data-testid="keeper-claims">{k.claims}</span> claims,{" "}
                  <span data-testid="keeper-switches">{k.switches}</span> switches
                </div>
                {k.pnl.length > 0 ? (
                  <div className="scroll-x">
                    <table data-testid="keeper-pnl">
                      <thead>
                        <tr>
                          <th>Strategy</th>
                          <th>PnL</th>
                          <th>Draws</th>
                          <th>Reported</th>
                        </tr>
                      </thead>
                      <tbody>
                        {k.pnl.map((r) => (
                          <tr key={r.strategy} data-strategy={r.strategy}>
                            <td>{modeName(r.strategy)}</td>
                            <td>{amt(r.pnl)}</td>
                            <td>
                              {r.repaid}/{r.draws}
                              {r.liquidated > 0 ? ` (${r.liquidated} liquidated)` : ""}
                            </td>
                            <td>{amt(r.receiptPnl)}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                ) : null}
              </div>
            ))}
          </div>
        )}
      </section>
      {d.receipts && d.receipts.latest.length > 0 ? (
        <section className="panel scroll-x">
          <h2>Recent receipts</h2>
          <table>
            <thead>
              <tr>
                <th>#</th>
                <th>Keeper</th>
                <th>PnL</th>
                <th>Leaves</th>
                <th>Content id</th>
              </tr>
            </thead>
            <tbody>
              {d.receipts.latest.map((r) => (
                <tr key={r.id}>
                  <td>{r.id}</td>
                  <td className="mono">{shortAddress(r.keeper)}</td>
                  <td>{amt(r.pnl)}</td>
                  <td>{r.leafCount}</td>
                  <td className="mono">{r.cid}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
    </div>
  );
}

/**
 * The replay report as one self-contained HTML page: inline CSS and SVG charts (PnL curve with switch
 * and breaker-trip markers, fills by price and step), summary and tables. No script, no external file.
 */
import type { ReplayReport } from "./replay.js";

const W = 900;
const H = 260;
const PAD = { l: 70, r: 20, t: 28, b: 30 };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

const fmt = (n: number, d = 2): string => (Number.isFinite(n) ? n.toFixed(d) : "n/a");

interface Scale {
  x(v: number): number;
  y(v: number): number;
  axes: string;
}

function scale(xMin: number, xMax: number, yMin: number, yMax: number, yLabel: string): Scale {
  const dx = xMax - xMin || 1;
  const span = yMax - yMin;
  const lo = span === 0 ? yMin - 1 : yMin - span * 0.05;
  const hi = span === 0 ? yMax + 1 : yMax + span * 0.05;
  const x = (v: number): number => PAD.l + ((v - xMin) / dx) * (W - PAD.l - PAD.r);
  const y = (v: number): number => H - PAD.b - ((v - lo) / (hi - lo)) * (H - PAD.t - PAD.b);
  const ticks = [lo, (lo + hi) / 2, hi]
    .map((v) => `<text x="${PAD.l - 6}" y="${y(v) + 4}" text-anchor="end">${fmt(v)}</text>`)
    .join("");
  const axes =
    `<line x1="${PAD.l}" y1="${H - PAD.b}" x2="${W - PAD.r}" y2="${H - PAD.b}" class="axis"/>` +
    `<line x1="${PAD.l}" y1="${PAD.t}" x2="${PAD.l}" y2="${H - PAD.b}" class="axis"/>` +
    ticks +
    `<text x="${PAD.l}" y="${H - 8}">step ${xMin}</text><text x="${W - PAD.r}" y="${H - 8}" text-anchor="end">step ${xMax}</text>` +
    `<text x="${PAD.l}" y="14">${escapeHtml(yLabel)}</text>`;
  return { x, y, axes };
}

export function pnlChart(r: ReplayReport): string {
  if (r.pnl.length === 0) return "<p>No steps.</p>";
  const ys = r.pnl.flatMap((p) => [p.pnl, p.realised]);
  const s = scale(r.pnl[0]!.step, r.pnl[r.pnl.length - 1]!.step, Math.min(...ys, 0), Math.max(...ys, 0), "PnL");
  const line = (k: "pnl" | "realised") =>
    r.pnl.map((p) => `${s.x(p.step).toFixed(1)},${s.y(p[k]).toFixed(1)}`).join(" ");
  const marks = [
    ...r.switches.map(
      (w) =>
        `<line x1="${s.x(w.step)}" y1="${PAD.t}" x2="${s.x(w.step)}" y2="${H - PAD.b}" class="switch"><title>${escapeHtml(`step ${w.step}: ${w.mode} ${w.from} -> ${w.to}`)}</title></line>`,
    ),
    ...r.breakerTrips.map(
      (b) =>
        `<line x1="${s.x(b.step)}" y1="${PAD.t}" x2="${s.x(b.step)}" y2="${H - PAD.b}" class="trip"><title>${escapeHtml(`step ${b.step}: ${b.breaker} breaker ${b.pair} (${b.valueBps} bps)`)}</title></line>`,
    ),
  ].join("");
  return (
    `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="PnL curve">${s.axes}` +
    `<line x1="${PAD.l}" y1="${s.y(0)}" x2="${W - PAD.r}" y2="${s.y(0)}" class="zero"/>${marks}` +
    `<polyline points="${line("realised")}" class="realised"/><polyline points="${line("pnl")}" class="pnl"/></svg>`
  );
}

export function fillsChart(r: ReplayReport): string {
  if (r.fills.length === 0) return "<p>No fills.</p>";
  const steps = r.fills.map((f) => f.step);
  const prices = r.fills.map((f) => f.price);
  const s = scale(
    Math.min(...steps, 0),
    Math.max(...steps, r.steps - 1),
    Math.min(...prices),
    Math.max(...prices),
    "price",
  );
  const dots = r.fills
    .map(
      (f) =>
        `<circle cx="${s.x(f.step).toFixed(1)}" cy="${s.y(f.price).toFixed(1)}" r="3" class="${f.side}${f.maker ? " maker" : ""}"><title>${escapeHtml(`step ${f.step} ${f.venue} ${f.side} ${f.qty} @ ${f.price}${f.maker ? " (maker)" : ""}`)}</title></circle>`,
    )
    .join("");
  return `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="fills">${s.axes}${dots}</svg>`;
}

function table(head: string[], rows: (string | number)[][]): string {
  if (rows.length === 0) return "<p>None.</p>";
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const tr = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(String(c))}</td>`).join("")}</tr>`).join("");
  return `<table><thead><tr>${th}</tr></thead><tbody>${tr}</tbody></table>`;
}

export function renderReportHtml(r: ReplayReport): string {
  const s = r.summary;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Replay ${escapeHtml(r.scenario)}</title>
<style>
body{font:14px system-ui,sans-serif;margin:2em;max-width:960px;color:#222}
svg{width:100%;height:auto;border:1px solid #ddd;background:#fff}
svg text{font-size:11px;fill:#555}
.axis{stroke:#999}.zero{stroke:#ccc;stroke-dasharray:4}
.pnl{fill:none;stroke:#1f77b4;stroke-width:2}.realised{fill:none;stroke:#2ca02c;stroke-width:1.5;stroke-dasharray:5 3}
.switch{stroke:#9467bd;stroke-dasharray:3 3}.trip{stroke:#d62728;stroke-width:2}
circle.buy{fill:#2ca02c}circle.sell{fill:#d62728}circle.maker{stroke:#000;stroke-width:.8}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:2px 8px;text-align:right}
dl{display:grid;grid-template-columns:max-content auto;gap:2px 16px}dt{font-weight:600}
</style></head><body>
<h1>Replay: ${escapeHtml(r.scenario)}</h1>
<dl>
<dt>steps</dt><dd>${r.steps} x ${r.stepMs} ms</dd>
<dt>account</dt><dd>${escapeHtml(r.account)}</dd>
<dt>PnL (mark to market)</dt><dd id="pnl">${fmt(s.pnl, 4)}</dd>
<dt>realised PnL (engine)</dt><dd>${fmt(s.realisedPnl, 4)}</dd>
<dt>fills</dt><dd id="fills">${s.fills}</dd>
<dt>volume</dt><dd>${fmt(s.volume)}</dd>
<dt>fees</dt><dd>${escapeHtml(
    Object.entries(s.fees)
      .map(([a, v]) => `${fmt(v, 8)} ${a}`)
      .join(", ") || "0",
  )}</dd>
<dt>runs / switches / breaker trips</dt><dd>${s.runs} / ${s.switches} / ${s.breakerTrips}</dd>
<dt>campaigns (settled with receipts)</dt><dd id="campaigns">${s.campaigns} (${s.settledCampaigns})</dd>
<dt>keeper errors</dt><dd id="errors">${s.errors}</dd>
</dl>
<h2>PnL</h2><p>Solid: mark to market; dashed: realised by finished runs. Purple lines: switches; red: breaker trips.</p>
${pnlChart(r)}
<h2>Fills</h2><p>Green: buys, red: sells; outlined: maker fills.</p>
${fillsChart(r)}
<h2>Switches</h2>${table(
    ["step", "mode", "from", "to", "from ROI", "to ROI", "threshold"],
    r.switches.map((w) => [
      w.step,
      w.mode,
      w.from,
      w.to,
      fmt(w.fromRoi, 6),
      fmt(w.toRoi, 6),
      `${fmt(w.thresholdBps / 10_000, 2)}x`,
    ]),
  )}
<h2>Breaker trips</h2>${table(
    ["step", "breaker", "pair", "bps"],
    r.breakerTrips.map((b) => [b.step, b.breaker, b.pair, b.valueBps]),
  )}
<h2>Runs</h2>${table(
    ["run", "strategy", "start", "end", "status", "PnL", "resumes"],
    r.runs.map((x) => [
      x.runId,
      x.strategyId,
      x.startStep,
      x.endStep ?? "",
      x.status ?? "running",
      x.pnl === undefined ? "" : fmt(x.pnl, 4),
      x.resumedFrom ?? "",
    ]),
  )}
<h2>Market making</h2><p>PnL net of fees, inventory change marked at the venue's mid; band = target +/- max inventory.</p>${table(
    ["run", "strategy", "status", "baseline value", "PnL", "inventory start", "inventory end", "band", "inside"],
    r.marketMaking.map((m) => [
      m.runId,
      m.strategyId,
      m.status,
      fmt(m.baselineValue, 2),
      fmt(m.pnl, 4),
      m.startInventory,
      m.endInventory,
      `${m.band.min} .. ${m.band.max}`,
      m.insideBand ? "yes" : "no",
    ]),
  )}
<h2>Campaigns</h2><p>Every run of the live keeper is a campaign on the replay's local chain; receipts in <code>receipts/</code>.</p>${table(
    ["run", "strategy", "type", "outcome", "fills", "receipt", "trace root", "receipt PnL"],
    r.campaigns.map((c) => [
      c.runId,
      c.strategyId,
      c.type,
      c.outcome,
      c.fills,
      c.receiptId ?? "",
      c.receipt ? `${c.receipt.traceRoot.slice(0, 10)}...` : "",
      c.receipt?.pnl ?? "",
    ]),
  )}
<h2>Fills</h2>${table(
    ["step", "venue", "side", "qty", "price", "fee", "maker"],
    r.fills.map((f) => [f.step, f.venue, f.side, f.qty, f.price, `${f.fee} ${f.feeAsset}`, f.maker ? "yes" : ""]),
  )}
</body></html>
`;
}

/** Small SVG charts (no chart library): a donut for shares of a whole, a line for a series over time. */

export const PALETTE = ["#3fb950", "#58a6ff", "#d29922", "#bc8cff", "#f85149", "#39c5cf"] as const;

export function Donut({ parts, label }: { parts: { name: string; value: number }[]; label: string }) {
  const total = parts.reduce((s, p) => s + p.value, 0);
  const r = 60;
  const c = 2 * Math.PI * r;
  let offset = 0;
  return (
    <div className="row" style={{ gap: 16 }}>
      <svg viewBox="0 0 160 160" width={160} height={160} role="img" aria-label={label}>
        <circle cx={80} cy={80} r={r} fill="none" stroke="#30363d" strokeWidth={22} />
        {total > 0
          ? parts.map((p, i) => {
              const len = (p.value / total) * c;
              const el = (
                <circle
                  key={p.name}
                  cx={80}
                  cy={80}
                  r={r}
                  fill="none"
                  stroke={PALETTE[i % PALETTE.length]}
                  strokeWidth={22}
                  strokeDasharray={`${len} ${c - len}`}
                  strokeDashoffset={-offset}
                  transform="rotate(-90 80 80)"
                />
              );
              offset += len;
              return el;
            })
          : null}
        <text x={80} y={86} textAnchor="middle" fill="#e6edf3" fontSize={16}>
          {total > 0 ? "100%" : "empty"}
        </text>
      </svg>
      <div className="legend">
        {parts.map((p, i) => (
          <div key={p.name}>
            <span className="swatch" style={{ background: PALETTE[i % PALETTE.length] }} />
            {p.name}: {total > 0 ? `${((p.value / total) * 100).toFixed(1)}%` : "–"}
          </div>
        ))}
      </div>
    </div>
  );
}

export function LineChart({
  points,
  label,
  format,
}: {
  points: { x: number; y: number }[];
  label: string;
  format: (y: number) => string;
}) {
  const W = 600;
  const H = 200;
  const P = { l: 8, r: 8, t: 16, b: 22 };
  if (points.length < 2) return <div className="muted">Not enough history yet for a chart.</div>;
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (y1 - y0 < 1e-12) [y0, y1] = [y0 * 0.999, y1 * 1.001 + 1e-12];
  const sx = (x: number) => P.l + ((x - x0) / (x1 - x0 || 1)) * (W - P.l - P.r);
  const sy = (y: number) => P.t + (1 - (y - y0) / (y1 - y0)) * (H - P.t - P.b);
  const d = points.map((p, i) => `${i ? "L" : "M"}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(" ");
  return (
    <svg
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label={label}
      preserveAspectRatio="none"
      style={{ width: "100%", height: 200 }}
    >
      <line x1={P.l} x2={W - P.r} y1={H - P.b} y2={H - P.b} stroke="#30363d" />
      <path d={d} fill="none" stroke="#58a6ff" strokeWidth={2} vectorEffect="non-scaling-stroke" />
      <text x={P.l} y={12} fill="#8b949e" fontSize={12}>
        {format(y1)}
      </text>
      <text x={P.l} y={H - 6} fill="#8b949e" fontSize={12}>
        {format(y0)}
      </text>
    </svg>
  );
}

/** Signed bars (profit up, loss down) for a short series such as the latest receipts' PnL. */
export function Bars({ values, label }: { values: number[]; label: string }) {
  const W = 600;
  const H = 140;
  if (values.length === 0) return <div className="muted">No data yet.</div>;
  const m = Math.max(...values.map(Math.abs), 1e-12);
  const w = W / values.length;
  return (
    <svg
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label={label}
      preserveAspectRatio="none"
      style={{ width: "100%", height: 140 }}
    >
      <line x1={0} x2={W} y1={H / 2} y2={H / 2} stroke="#30363d" />
      {values.map((v, i) => {
        const h = (Math.abs(v) / m) * (H / 2 - 4);
        return (
          <rect
            key={i}
            x={i * w + 2}
            width={Math.max(w - 4, 1)}
            y={v >= 0 ? H / 2 - h : H / 2}
            height={h}
            fill={v >= 0 ? "#3fb950" : "#f85149"}
          />
        );
      })}
    </svg>
  );
}

/** Horizontal 0..1 meters, one per row (availability, score). */
export function Meter({ values }: { values: { label: string; value: number }[] }) {
  return (
    <div className="stack" style={{ gap: 4 }}>
      {values.map((v) => (
        <div key={v.label} className="row" style={{ flexWrap: "nowrap" }}>
          <span className="mono" style={{ width: 96, flex: "none" }}>
            {v.label}
          </span>
          <svg
            viewBox="0 0 100 10"
            preserveAspectRatio="none"
            style={{ flex: 1, height: 12 }}
            role="img"
            aria-label={`${v.label} ${(v.value * 100).toFixed(0)}%`}
          >
            <rect x={0} y={0} width={100} height={10} fill="#30363d" />
            <rect
              x={0}
              y={0}
              width={Math.max(0, Math.min(1, v.value)) * 100}
              height={10}
              fill={v.value >= 0.8 ? "#3fb950" : v.value >= 0.5 ? "#d29922" : "#f85149"}
            />
          </svg>
          <span style={{ width: 48, textAlign: "right", flex: "none" }}>{(v.value * 100).toFixed(0)}%</span>
        </div>
      ))}
    </div>
  );
}

/** Colour of each keeper mode (strategy type); idle is the track colour. */
export const MODE_COLOURS: Record<string, string> = {
  marketMaking: "#3fb950",
  arbitrage: "#58a6ff",
  rebalance: "#d29922",
  idle: "#30363d",
};
export const modeColour = (mode: string) => MODE_COLOURS[mode] ?? "#bc8cff";

/** A keeper's modes over time as coloured spans, switches as white ticks. */
export function Timeline({
  segments,
  switches,
  from,
  to,
  label,
}: {
  segments: { mode: string; from: number; to: number }[];
  switches: number[];
  from: number;
  to: number;
  label: string;
}) {
  const W = 600;
  const H = 24;
  const span = Math.max(to - from, 1);
  const x = (t: number) => ((Math.min(Math.max(t, from), to) - from) / span) * W;
  return (
    <svg
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label={label}
      preserveAspectRatio="none"
      style={{ width: "100%", height: H }}
    >
      <rect x={0} y={4} width={W} height={H - 8} fill={MODE_COLOURS.idle} />
      {segments
        .filter((s) => s.mode !== "idle")
        .map((s) => (
          <rect
            key={`${s.from}-${s.mode}`}
            x={x(s.from)}
            y={4}
            width={Math.max(x(s.to) - x(s.from), 1)}
            height={H - 8}
            fill={modeColour(s.mode)}
          />
        ))}
      {switches.map((t, i) => (
        <rect key={`${t}-${i}`} x={x(t) - 1} y={0} width={2} height={H} fill="#e6edf3" />
      ))}
    </svg>
  );
}

/** A sleeve's capital: drawn (filled) within its assets (track), with its target as a tick. */
export function SleeveBar({
  drawn,
  assets,
  target,
  label,
}: {
  drawn: number;
  assets: number;
  target: number | null;
  label: string;
}) {
  const W = 600;
  const H = 20;
  const max = Math.max(assets, target ?? 0, drawn, 1e-12);
  return (
    <svg
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label={label}
      preserveAspectRatio="none"
      style={{ width: "100%", height: H }}
    >
      <rect x={0} y={4} width={W} height={H - 8} fill="#30363d" />
      <rect x={0} y={4} width={(assets / max) * W} height={H - 8} fill="#484f58" />
      <rect x={0} y={4} width={(drawn / max) * W} height={H - 8} fill="#58a6ff" />
      {target === null ? null : (
        <rect x={Math.min((target / max) * W, W - 2)} y={0} width={2} height={H} fill="#d29922" />
      )}
    </svg>
  );
}

import { formatUnits, parseUnits } from "viem";

/** `1234567.891` → `1,234,567.89` (at most `maxFraction` decimals, trailing zeros dropped). */
export function formatAmount(value: bigint, decimals: number, maxFraction = 2): string {
  const negative = value < 0n;
  const [int, frac = ""] = formatUnits(negative ? -value : value, decimals).split(".");
  const grouped = int!.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const cut = frac.slice(0, maxFraction).replace(/0+$/, "");
  return `${negative ? "-" : ""}${grouped}${cut ? `.${cut}` : ""}`;
}

/** Parses what a user typed as a token amount; null when it is not a positive amount with ≤ `decimals` decimals. */
export function parseAmount(text: string, decimals: number): bigint | null {
  const t = text.trim().replace(/,/g, "");
  if (!/^\d+(\.\d+)?$/.test(t)) return null;
  const frac = t.split(".")[1] ?? "";
  if (frac.length > decimals) return null;
  const v = parseUnits(t, decimals);
  return v > 0n ? v : null;
}

export function shortAddress(a: string): string {
  return `${a.slice(0, 6)}…${a.slice(-4)}`;
}

export function formatPercent(x: number, digits = 2): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : "–";
}

const ONE_OUTCOME = 10n ** 18n;

/**
 * A decayed outcome count of the reputation oracle (1e18 = one fresh outcome) as a short human number that fits a
 * table column: `13`, `12.9`, `0.4`, `1.2k`, `3.4M`; `0` for nothing, `<0.1` for a trace.
 */
export function formatDecayedCount(value: bigint | string): string {
  const v = typeof value === "string" ? BigInt(value) : value;
  if (v <= 0n) return "0";
  const tenths = (v * 10n + ONE_OUTCOME / 2n) / ONE_OUTCOME; // rounded to 0.1
  if (tenths === 0n) return "<0.1";
  const n = Number(tenths) / 10;
  if (n < 1_000) return Number.isInteger(n) ? `${n}` : n.toFixed(1);
  const units: [number, string][] = [
    [1e18, "E"],
    [1e15, "P"],
    [1e12, "T"],
    [1e9, "G"],
    [1e6, "M"],
    [1e3, "k"],
  ];
  const [size, suffix] = units.find(([s]) => n >= s)!;
  const scaled = n / size;
  return `${scaled >= 100 ? Math.round(scaled) : scaled.toFixed(1).replace(/\.0$/, "")}${suffix}`;
}

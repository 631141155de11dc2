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

/**
 * Exact decimal arithmetic for the simulator: every amount lives as a bigint count of minor units
 * (an asset's smallest unit, a market's tick or lot), so balances never drift. Strings cross the wire.
 */

/** Thrown by {@link parseUnits} when the text is not a plain non-negative decimal. */
export class DecimalFormatError extends Error {
  override name = "DecimalFormatError";
}

const DECIMAL = /^(\d+)(?:\.(\d*))?$|^\.(\d+)$/;

/**
 * Parses a non-negative decimal string into units of `10^-decimals`. Returns `undefined` when the
 * value has non-zero digits beyond `decimals` (so the caller can report a precision filter failure).
 * Accepts scientific notation that JavaScript numbers print (`1e-7`).
 */
export function parseUnits(text: string, decimals: number): bigint | undefined {
  const plain = /e/i.test(text) ? expandExponent(text) : text.trim();
  const m = DECIMAL.exec(plain);
  if (!m) throw new DecimalFormatError(`not a non-negative decimal: ${JSON.stringify(text)}`);
  const whole = m[1] ?? "0";
  const frac = (m[2] ?? m[3] ?? "").replace(/0+$/, "");
  if (frac.length > decimals) return undefined;
  return BigInt(whole + frac.padEnd(decimals, "0"));
}

function expandExponent(text: string): string {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new DecimalFormatError(`not a non-negative decimal: ${JSON.stringify(text)}`);
  return n.toFixed(20);
}

/** Formats units of `10^-decimals` as a decimal string with exactly `decimals` fraction digits. */
export function formatUnits(value: bigint, decimals: number): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const s = abs.toString().padStart(decimals + 1, "0");
  const whole = s.slice(0, s.length - decimals);
  const frac = s.slice(s.length - decimals);
  return (negative ? "-" : "") + (decimals > 0 ? `${whole}.${frac}` : whole);
}

/** Formats like {@link formatUnits} but drops trailing zeros (`"0.5"`, `"12"`). */
export function formatTrim(value: bigint, decimals: number): string {
  const s = formatUnits(value, decimals);
  return decimals > 0 ? s.replace(/\.?0+$/, "") : s;
}

/** Number of fraction digits of a step such as `"0.01"` (2) or `"1"` (0). */
export function decimalsOf(step: string): number {
  const frac = step.includes(".") ? step.split(".")[1]!.replace(/0+$/, "") : "";
  return frac.length;
}

/** `a / b` rounded up, for non-negative operands. */
export function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

/** `10^n` as a bigint. */
export function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** Converts a float price to units of `10^-decimals`, rounded down (`"down"`) or up (`"up"`). */
export function floatToUnits(value: number, decimals: number, rounding: "down" | "up" | "nearest"): bigint {
  const raw = value * 10 ** decimals;
  // Absorb binary floating-point noise (30000 * 1.001 = 30030.000000000004) before rounding.
  const nearest = Math.round(raw);
  const scaled = Math.abs(raw - nearest) <= Math.abs(raw) * 1e-12 ? nearest : raw;
  const r = rounding === "down" ? Math.floor(scaled) : rounding === "up" ? Math.ceil(scaled) : Math.round(scaled);
  return BigInt(r);
}

/**
 * Exact decimal strings for prices, sizes and fees. Traces never carry JS numbers for amounts: a float has no
 * unique textual form, so hashing one is not reproducible. Amounts travel as canonical decimal strings and are
 * converted to fixed-point bigints (18 decimals, "wad") for the Merkle leaves and the receipt maths.
 */

/** Fixed-point scale of every amount inside a Merkle leaf (price, size, fee): 18 decimals. */
export const WAD_DECIMALS = 18;
export const WAD = 10n ** 18n;

const DECIMAL_RE = /^(-?)([0-9]+)(?:\.([0-9]+))?$/;

/** Thrown by the helpers below; callers wrap it into their own error type with context. */
export class DecimalFormatError extends Error {
  override name = "DecimalFormatError";
}

/**
 * The canonical form of a decimal string: no sign on zero, no leading zeros in the integer part, no trailing
 * zeros in the fraction, no exponent, no "+", no whitespace. `"001.500"` -> `"1.5"`, `"-0.0"` -> `"0"`.
 */
export function canonicalDecimal(input: string): string {
  const m = DECIMAL_RE.exec(input);
  if (!m) throw new DecimalFormatError(`not a plain decimal string: ${JSON.stringify(input)}`);
  const neg = m[1] === "-";
  const int = m[2].replace(/^0+(?=[0-9])/, "");
  const frac = (m[3] ?? "").replace(/0+$/, "");
  const body = frac.length > 0 ? `${int}.${frac}` : int;
  if (body === "0") return "0";
  return neg ? `-${body}` : body;
}

/** Number of fractional digits of a canonical decimal string. */
export function fractionDigits(canonical: string): number {
  const dot = canonical.indexOf(".");
  return dot < 0 ? 0 : canonical.length - dot - 1;
}

/** Converts a decimal string to a fixed-point bigint with `decimals` places; refuses any loss of precision. */
export function toFixed(input: string, decimals: number): bigint {
  const c = canonicalDecimal(input);
  const digits = fractionDigits(c);
  if (digits > decimals) {
    throw new DecimalFormatError(`${c} has ${digits} fractional digits, more than the ${decimals} allowed`);
  }
  const neg = c.startsWith("-");
  const abs = neg ? c.slice(1) : c;
  const [int, frac = ""] = abs.split(".");
  const v = BigInt(int) * 10n ** BigInt(decimals) + BigInt(frac.padEnd(decimals, "0") || "0");
  return neg ? -v : v;
}

/** Formats a fixed-point bigint as a canonical decimal string. */
export function fromFixed(value: bigint, decimals: number): string {
  const neg = value < 0n;
  const abs = neg ? -value : value;
  const scale = 10n ** BigInt(decimals);
  const int = abs / scale;
  const frac = (abs % scale).toString().padStart(decimals, "0").replace(/0+$/, "");
  const body = frac.length > 0 ? `${int}.${frac}` : `${int}`;
  return neg && body !== "0" ? `-${body}` : body;
}

/** Floor division for bigints (rounds towards negative infinity, unlike `/` which truncates towards zero). */
export function floorDiv(a: bigint, b: bigint): bigint {
  if (b === 0n) throw new RangeError("division by zero");
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

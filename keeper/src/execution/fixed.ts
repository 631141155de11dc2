/**
 * Fixed-point amounts of the execution layer.
 *
 * Every amount and price that crosses the `Venue` interface is a `bigint` with 18 implied decimals
 * ("wad"): `1.5` is `1_500000000000000000n`. Token amounts of any ERC-20 with up to 18 decimals convert
 * to and from wad exactly; exchange amounts (ccxt numbers or decimal strings) convert through their
 * shortest decimal representation, so `0.1` is exactly `0.1e18`. Prices are quote units per one base
 * unit, also in wad. Rounding is always explicit: `mulWad`/`divWad` take the direction.
 */
import { ConfigError } from "../errors.js";

/** 10^18, the scale of a wad. */
export const WAD = 10n ** 18n;
/** Number of implied decimals of a wad. */
export const WAD_DECIMALS = 18;
/** Basis points in one. */
export const BPS = 10_000n;

export type Rounding = "down" | "up";

const DECIMAL_RE = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * Parses a decimal string (`"12.5"`, `"-0.001"`) or a finite number into a wad. Digits past the 18th
 * decimal are rejected rather than silently dropped.
 */
export function toWad(value: string | number): bigint {
  const text = typeof value === "number" ? numberToDecimalString(value) : value.trim();
  const m = DECIMAL_RE.exec(text);
  if (!m) throw new ConfigError(`not a decimal number: ${JSON.stringify(value)}`);
  const [, sign, int, frac = ""] = m;
  if (frac.length > WAD_DECIMALS && /[1-9]/.test(frac.slice(WAD_DECIMALS))) {
    throw new ConfigError(`more than ${WAD_DECIMALS} decimals: ${text}`);
  }
  const wad = BigInt(int) * WAD + BigInt((frac.slice(0, WAD_DECIMALS) || "0").padEnd(WAD_DECIMALS, "0"));
  return sign ? -wad : wad;
}

/** Shortest round-trip decimal form of a finite number, never in exponent notation. */
export function numberToDecimalString(value: number): string {
  if (!Number.isFinite(value)) throw new ConfigError(`not a finite number: ${value}`);
  const s = String(value);
  if (!/e/i.test(s)) return s;
  // Exponent form: rebuild the digits exactly from the shortest representation.
  const [mantissa, expText] = s.toLowerCase().split("e");
  const exp = Number(expText);
  const negative = mantissa.startsWith("-");
  const [intPart, fracPart = ""] = mantissa.replace("-", "").split(".");
  const digits = intPart + fracPart;
  const point = intPart.length + exp;
  let out: string;
  if (point <= 0) out = "0." + "0".repeat(-point) + digits;
  else if (point >= digits.length) out = digits + "0".repeat(point - digits.length);
  else out = digits.slice(0, point) + "." + digits.slice(point);
  return (negative ? "-" : "") + out;
}

/**
 * A float (a ccxt number) as a wad. ccxt hands amounts as floats, and its own float arithmetic (a fee summed over trades, a cost
 * of price x amount) can leave binary noise past the 18th decimal (`0.000022080000000000002`): that digit is rounded
 * (half away from zero), while a number with at most 18 decimals converts exactly.
 */
export function wadOfFloat(v: number): bigint {
  const text = numberToDecimalString(v);
  const [int = "0", frac = ""] = text.split(".");
  if (frac.length <= 18) return toWad(text);
  const wad = toWad(`${int}.${frac.slice(0, 18)}`);
  if (frac[18]! < "5") return wad;
  return text.startsWith("-") ? wad - 1n : wad + 1n;
}

/** Formats a wad as a plain decimal string with no trailing zeros (`1500000000000000000n` -> `"1.5"`). */
export function fromWad(wad: bigint): string {
  const negative = wad < 0n;
  const abs = negative ? -wad : wad;
  const int = abs / WAD;
  const frac = (abs % WAD).toString().padStart(WAD_DECIMALS, "0").replace(/0+$/, "");
  return (negative ? "-" : "") + int.toString() + (frac ? "." + frac : "");
}

/** A wad as a JavaScript number (for ccxt calls and reports; loses precision past ~15 digits). */
export function wadToNumber(wad: bigint): number {
  return Number(fromWad(wad));
}

/** Divides rounding in the given direction (operands of any sign for "down" = toward negative infinity). */
export function divRound(a: bigint, b: bigint, rounding: Rounding): bigint {
  if (b === 0n) throw new RangeError("division by zero");
  const q = a / b;
  const r = a % b;
  if (r === 0n) return q;
  const positive = a < 0n === b < 0n;
  if (rounding === "up") return positive ? q + 1n : q;
  return positive ? q : q - 1n;
}

/** `a * b / 1e18`. */
export function mulWad(a: bigint, b: bigint, rounding: Rounding = "down"): bigint {
  return divRound(a * b, WAD, rounding);
}

/** `a * 1e18 / b`. */
export function divWad(a: bigint, b: bigint, rounding: Rounding = "down"): bigint {
  return divRound(a * WAD, b, rounding);
}

/** `amount * bps / 10_000`. */
export function mulBps(amount: bigint, bps: bigint, rounding: Rounding = "down"): bigint {
  return divRound(amount * bps, BPS, rounding);
}

/** Converts raw token units with `decimals` (<= 18) to a wad, exactly. */
export function unitsToWad(units: bigint, decimals: number): bigint {
  if (decimals > WAD_DECIMALS)
    throw new ConfigError(`tokens with more than 18 decimals are not supported (${decimals})`);
  return units * 10n ** BigInt(WAD_DECIMALS - decimals);
}

/** Converts a wad to raw token units with `decimals`, rounding in the given direction. */
export function wadToUnits(wad: bigint, decimals: number, rounding: Rounding = "down"): bigint {
  if (decimals > WAD_DECIMALS)
    throw new ConfigError(`tokens with more than 18 decimals are not supported (${decimals})`);
  return divRound(wad, 10n ** BigInt(WAD_DECIMALS - decimals), rounding);
}

/** Rounds a wad to a multiple of `step` (a lot or tick size), in the given direction. */
export function roundToStep(wad: bigint, step: bigint, rounding: Rounding = "down"): bigint {
  if (step <= 0n) return wad;
  return divRound(wad, step, rounding) * step;
}

export function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

export function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

/** Signed difference `a - b` relative to `b`, in basis points, rounded toward zero. */
export function bpsDiff(a: bigint, b: bigint): bigint {
  if (b === 0n) return 0n;
  return ((a - b) * BPS) / b;
}

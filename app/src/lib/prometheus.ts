/**
 * A parser of the Prometheus text exposition format (version 0.0.4, what `prom-client` serves on a keeper's
 * `/metrics`): one sample per line, `name{label="value",...} value [timestamp]`; `#` lines are HELP/TYPE comments.
 * Only samples are returned (HELP and TYPE are not needed to read gauges). Pure: no I/O.
 *
 * Written here rather than taken from npm: the one parser on the registry (`parse-prometheus-text-format`) ships no
 * types and has seen no development for years; the grammar needed is a few lines.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  /** The value as a number (`NaN`, `±Infinity` included). */
  value: number;
  /** The value exactly as written (for exact decimal conversion). */
  text: string;
}

/** A line that is not a sample, with its line number (1-based) and what was wrong. */
export class ExpositionParseError extends Error {
  override name = "ExpositionParseError";
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const VALUE = /^(?:[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?Inf|NaN)$/;

function parseValue(text: string): number {
  if (text === "NaN") return Number.NaN;
  if (text.endsWith("Inf")) return text.startsWith("-") ? -Infinity : Infinity;
  return Number(text);
}

/** Reads `{a="x",b="y"}` from `line` at `i` (just after `{`); returns the labels and the index after `}`. */
function parseLabels(line: string, start: number, at: string): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  let i = start;
  const skipSpace = () => {
    while (line[i] === " " || line[i] === "\t") i++;
  };
  for (;;) {
    skipSpace();
    if (line[i] === "}") return [labels, i + 1];
    const name = LABEL_NAME.exec(line.slice(i))?.[0];
    if (!name) throw new ExpositionParseError(`${at}: label name expected at column ${i + 1}`);
    i += name.length;
    skipSpace();
    if (line[i] !== "=") throw new ExpositionParseError(`${at}: "=" expected after label ${name}`);
    i++;
    skipSpace();
    if (line[i] !== '"') throw new ExpositionParseError(`${at}: quoted value expected for label ${name}`);
    i++;
    let value = "";
    for (;;) {
      const c = line[i];
      if (c === undefined) throw new ExpositionParseError(`${at}: unterminated value of label ${name}`);
      i++;
      if (c === '"') break;
      if (c === "\\") {
        const e = line[i++];
        if (e === "n") value += "\n";
        else if (e === "\\" || e === '"') value += e;
        else throw new ExpositionParseError(`${at}: bad escape \\${e ?? ""} in label ${name}`);
      } else value += c;
    }
    if (Object.hasOwn(labels, name)) throw new ExpositionParseError(`${at}: label ${name} given twice`);
    labels[name] = value;
    skipSpace();
    if (line[i] === ",") i++;
    else if (line[i] !== "}") throw new ExpositionParseError(`${at}: "," or "}" expected after label ${name}`);
  }
}

/** Every sample of an exposition text, in order; throws `ExpositionParseError` naming the first bad line. */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  const lines = text.split("\n");
  for (const [n, raw] of lines.entries()) {
    const line = raw.replace(/\r$/, "").trim();
    if (line === "" || line.startsWith("#")) continue;
    const at = `line ${n + 1}`;
    const name = NAME.exec(line)?.[0];
    if (!name) throw new ExpositionParseError(`${at}: metric name expected`);
    let i = name.length;
    let labels: Record<string, string> = {};
    if (line[i] === "{") [labels, i] = parseLabels(line, i + 1, at);
    const rest = line
      .slice(i)
      .trim()
      .split(/[ \t]+/);
    const value = rest[0] ?? "";
    if (rest.length > 2 || !VALUE.test(value) || (rest[1] !== undefined && !/^-?\d+$/.test(rest[1])))
      throw new ExpositionParseError(`${at}: "${line.slice(i).trim()}" is not a value [timestamp] of ${name}`);
    samples.push({ name, labels, value: parseValue(value), text: value });
  }
  return samples;
}

/**
 * A sample's value as a fixed-point integer with `decimals` decimals (`"0.4995"`, 18 → 499500000000000000n;
 * exponents such as `1e-7` are expanded exactly; digits past `decimals` are cut toward zero). Null for NaN and ±Inf.
 */
export function toFixedPoint(text: string, decimals: number): bigint | null {
  const m = /^([+-]?)(\d*)\.?(\d*)(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m || (m[2] === "" && m[3] === "")) return null;
  const [, sign, int, frac = "", exp = "0"] = m;
  // Shift the decimal point by the exponent, then keep `decimals` fraction digits.
  const digits = `${int}${frac}`;
  const point = int!.length + Number(exp);
  const scaled = point + decimals;
  let whole: string;
  if (scaled <= 0) whole = "0";
  else if (scaled >= digits.length) whole = digits + "0".repeat(scaled - digits.length);
  else whole = digits.slice(0, scaled);
  const v = BigInt(whole || "0");
  return sign === "-" ? -v : v;
}

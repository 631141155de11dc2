import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ExpositionParseError, parseExposition, toFixedPoint } from "./prometheus";

describe("parseExposition", () => {
  it("parseExposition_samplesWithLabelsCommentsAndTimestamps", () => {
    const text = [
      "# HELP keeper_exposed_base Base asset an execution left open",
      "# TYPE keeper_exposed_base gauge",
      'keeper_exposed_base{market="ETH/USDT",venue="binance",asset="ETH",position="long",keeper="keeper1"} 0.4995',
      "keeper_healthy 1",
      'keeper_venue_up{venue="okx"} 0 1733300000000',
      "",
      "process_start_time_seconds 1.733e+9",
      'nodejs_heap{space="new"} NaN',
      "x_total +Inf",
      "\ty_total\t-Inf  ",
    ].join("\n");
    const s = parseExposition(text);
    assert.deepEqual(
      s.map((x) => [x.name, x.labels, x.text]),
      [
        [
          "keeper_exposed_base",
          { market: "ETH/USDT", venue: "binance", asset: "ETH", position: "long", keeper: "keeper1" },
          "0.4995",
        ],
        ["keeper_healthy", {}, "1"],
        ["keeper_venue_up", { venue: "okx" }, "0"],
        ["process_start_time_seconds", {}, "1.733e+9"],
        ["nodejs_heap", { space: "new" }, "NaN"],
        ["x_total", {}, "+Inf"],
        ["y_total", {}, "-Inf"],
      ],
    );
    assert.equal(s[0]!.value, 0.4995);
    assert.equal(s[3]!.value, 1.733e9);
    assert.ok(Number.isNaN(s[4]!.value));
    assert.equal(s[5]!.value, Infinity);
    assert.equal(s[6]!.value, -Infinity);
  });

  it("parseExposition_labelValueEscapesCommasAndBraces", () => {
    // A stop reason is free text: quotes, backslashes, newlines, commas and braces inside the value.
    const [s] = parseExposition(
      'keeper_trading_stop_reason{control="pause",reason="paused by keeper pause: \\"audit\\", a\\\\b {x}\\nnext",} 1\r\n',
    );
    assert.deepEqual(s!.labels, { control: "pause", reason: 'paused by keeper pause: "audit", a\\b {x}\nnext' });
    assert.equal(s!.value, 1);
  });

  it("parseExposition_badLineThrowsNamingTheLine", () => {
    for (const [text, msg] of [
      ["ok 1\n{x} 1", /^line 2: metric name expected$/],
      ['m{a="1" 1', /^line 1: "," or "}" expected after label a$/],
      ['m{a="1} 1', /^line 1: unterminated value of label a$/],
      ["m{a=1} 1", /^line 1: quoted value expected for label a$/],
      ['m{a="1",a="2"} 1', /^line 1: label a given twice$/],
      ['m{a="\\t"} 1', /^line 1: bad escape \\t in label a$/],
      ["m one", /^line 1: "one" is not a value \[timestamp\] of m$/],
      ["m 1 2 3", /is not a value/],
      ["m", /is not a value/],
    ] as const) {
      assert.throws(
        () => parseExposition(text),
        (e: unknown) => e instanceof ExpositionParseError && msg.test(e.message),
        text,
      );
    }
  });
});

describe("toFixedPoint", () => {
  it("toFixedPoint_decimalsAndExponentsExactly", () => {
    assert.equal(toFixedPoint("0.4995", 18), 499_500_000_000_000_000n);
    assert.equal(toFixedPoint("2.22", 18), 2_220_000_000_000_000_000n);
    assert.equal(toFixedPoint("1e-7", 18), 100_000_000_000n);
    assert.equal(toFixedPoint("1.5E+3", 6), 1_500_000_000n);
    assert.equal(toFixedPoint("-0.25", 2), -25n);
    assert.equal(toFixedPoint("7", 0), 7n);
    assert.equal(toFixedPoint(".5", 1), 5n);
    // Digits past the precision are cut toward zero.
    assert.equal(toFixedPoint("0.123456789", 4), 1234n);
    assert.equal(toFixedPoint("1e-30", 18), 0n);
  });

  it("toFixedPoint_nanAndInfinityAreNull", () => {
    for (const t of ["NaN", "+Inf", "-Inf", "", "."]) assert.equal(toFixedPoint(t, 18), null, t);
  });
});

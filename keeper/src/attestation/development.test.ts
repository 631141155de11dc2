import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Wallet, hexlify } from "ethers";
import { ConfigError } from "../errors.js";
import {
  DEVELOPMENT_QUOTE_MAGIC,
  DevelopmentQuoteProvider,
  isDevelopmentQuote,
  parseDevelopmentQuote,
} from "./development.js";
import { quoteForKeeper } from "./quote-provider.js";
import { buildReportData, parseReportData, reportDataBinds } from "./report-data.js";

describe("DevelopmentQuoteProvider", () => {
  it("constructor_refusesNonLocalChainIds", () => {
    for (const chainId of [1, 10, 8453, 11155111]) {
      assert.throws(() => new DevelopmentQuoteProvider({ chainId }), ConfigError, `chain ${chainId}`);
    }
    assert.equal(new DevelopmentQuoteProvider({ chainId: 31337 }).type, "development");
  });

  it("getQuote_producesASelfDescribingMarkedQuote", async () => {
    const keeper = Wallet.createRandom().address;
    const p = new DevelopmentQuoteProvider({ chainId: 31337, now: () => 1_700_000_000 });
    assert.equal(await p.isAvailable(), true);
    const res = await quoteForKeeper(p, keeper);
    assert.equal(res.type, "development");
    assert.ok(isDevelopmentQuote(res.quote));
    assert.ok(new TextDecoder().decode(res.quote).startsWith(DEVELOPMENT_QUOTE_MAGIC));
    const parsed = parseDevelopmentQuote(res.quote);
    assert.ok(parsed);
    assert.equal(parsed.type, "development");
    assert.match(parsed.warning, /NOT A TEE QUOTE/);
    assert.equal(parsed.chainId, 31337);
    assert.equal(parsed.createdAt, 1_700_000_000);
    assert.equal(parsed.reportData, hexlify(buildReportData(keeper)));
  });

  it("getQuote_reportDataMustBe64Bytes", async () => {
    await assert.rejects(new DevelopmentQuoteProvider({ chainId: 1337 }).getQuote(new Uint8Array(20)), /64 bytes/);
  });
});

describe("report data layout", () => {
  it("buildReportData_addressLeftAlignedNonceInSecondHalf", () => {
    const keeper = Wallet.createRandom().address;
    const nonce = `0x${"ab".repeat(32)}`;
    const rd = buildReportData(keeper, nonce);
    assert.equal(rd.length, 64);
    assert.equal(hexlify(rd.subarray(0, 20)), keeper.toLowerCase());
    assert.equal(hexlify(rd.subarray(20, 32)), `0x${"00".repeat(12)}`);
    assert.deepEqual(parseReportData(rd), { address: keeper, reserved: `0x${"00".repeat(12)}`, nonce });
    assert.ok(reportDataBinds(rd, keeper.toLowerCase()));
    assert.ok(!reportDataBinds(rd, Wallet.createRandom().address));
  });

  it("buildReportData_rejectsBadInputs", () => {
    assert.throws(() => buildReportData("0x1234"), /valid EVM address/);
    assert.throws(() => buildReportData(Wallet.createRandom().address, "0x12"), /32 bytes/);
  });
});

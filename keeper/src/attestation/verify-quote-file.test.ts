import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { copyFile, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { Wallet } from "ethers";
import { ConfigError } from "../errors.js";
import { DevelopmentQuoteProvider } from "./development.js";
import { buildReportData } from "./report-data.js";
import { BUNDLED_DCAP_DIR, DCAP_SAMPLES } from "./samples.js";
import { verifyQuoteFile } from "./verify-quote-file.js";

const tmp = mkdtempSync(join(tmpdir(), "verify-quote-"));
after(async () => rm(tmp, { recursive: true, force: true }));

describe("verifyQuoteFile", () => {
  for (const s of DCAP_SAMPLES) {
    it(`verifyQuoteFile_${s.name}SampleGivesTheDocumentedOutcome`, async () => {
      const res = await verifyQuoteFile(join(BUNDLED_DCAP_DIR, s.quoteFile), { at: s.at });
      assert.deepEqual(JSON.parse(JSON.stringify(res)), res, "the result is JSON-able");
      if ("error" in s.expect) {
        assert.equal(res.ok, false);
        if (!res.ok) {
          assert.equal(res.error.reason, "dcap");
          assert.match(res.error.details ?? "", new RegExp(s.expect.error));
        }
      } else {
        assert.equal(res.ok, true);
        if (res.ok) {
          assert.equal(res.collateralFile, join(BUNDLED_DCAP_DIR, s.collateralFile));
          assert.equal(res.quote.tcbStatus, s.expect.status);
          assert.deepEqual(res.quote.advisoryIds, s.expect.advisoryIds);
        }
      }
    });
  }

  it("verifyQuoteFile_readsHexQuotesAndExplicitCollateral", async () => {
    const hexPath = join(tmp, "quote.hex");
    await writeFile(hexPath, `0x${(await readFile(join(BUNDLED_DCAP_DIR, "tdx_quote"))).toString("hex")}\n`);
    const res = await verifyQuoteFile(hexPath, {
      at: 1750377600,
      collateralPath: join(BUNDLED_DCAP_DIR, "tdx_quote_collateral.json"),
    });
    assert.ok(res.ok);
  });

  it("verifyQuoteFile_rejectionsAreResultsNotThrows", async () => {
    const quote = join(BUNDLED_DCAP_DIR, "tdx_quote");
    const other = await verifyQuoteFile(quote, { at: 1750377600, expectedAddress: Wallet.createRandom().address });
    assert.ok(!other.ok && other.error.reason === "report-data");
    const late = await verifyQuoteFile(quote, { at: 1800000000 });
    assert.ok(!late.ok && late.error.reason === "collateral-window");
    const unlisted = await verifyQuoteFile(quote, { at: 1750377600, allowedMeasurements: [`0x${"11".repeat(32)}`] });
    assert.ok(!unlisted.ok && unlisted.error.reason === "measurement");
  });

  it("verifyQuoteFile_developmentQuoteIsReportedAsSuch", async () => {
    const path = join(tmp, "dev.quote");
    const dev = await new DevelopmentQuoteProvider({ chainId: 31337 }).getQuote(
      buildReportData(Wallet.createRandom().address),
    );
    await writeFile(path, dev.quote);
    const res = await verifyQuoteFile(path, { at: 1750377600 });
    assert.ok(!res.ok && res.error.reason === "development-quote");
  });

  it("verifyQuoteFile_missingCollateralOrBadOptionsThrowConfigError", async () => {
    const lonely = join(tmp, "lonely_quote");
    await copyFile(join(BUNDLED_DCAP_DIR, "tdx_quote"), lonely);
    await assert.rejects(verifyQuoteFile(lonely, { at: 1750377600 }), ConfigError);
    await assert.rejects(verifyQuoteFile(join(tmp, "absent"), { at: 1 }), ConfigError);
    await assert.rejects(verifyQuoteFile(lonely, { at: -5 }), ConfigError);
    await assert.rejects(verifyQuoteFile(lonely, { expectedAddress: "0x12" }), ConfigError);
  });
});

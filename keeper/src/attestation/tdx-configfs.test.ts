/**
 * configfs-tsm protocol tests. A real TDX guest is NOT available on this machine (or in CI): these tests run the
 * provider's exact filesystem protocol (mkdir, read generation, write inblob, read outblob/provider/generation,
 * rmdir) on a temporary directory, through `FakeTsmKernel`, which performs the real file operations and adds what
 * the kernel would do in configfs: populate a new entry's attribute files, bump `generation` on each write, and
 * fill `outblob` with a quote carrying the written report data (the real TDX sample quote with its report data
 * replaced, hence no longer validly signed). Quotes from real hardware are covered by the DCAP sample tests.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { readdir, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { after, describe, it } from "node:test";
import { Wallet, hexlify } from "ethers";
import { parseCollateral, reportBody, parseDcapQuote, verifyDcapQuote } from "./dcap.js";
import { QuoteProviderError, QuoteRejectedError, TsmGenerationMismatchError } from "./errors.js";
import { quoteForKeeper } from "./quote-provider.js";
import { buildReportData } from "./report-data.js";
import { BUNDLED_DCAP_DIR } from "./samples.js";
import { TSM_REPORT_ROOT, TdxConfigfsQuoteProvider, nodeConfigfsIo, type ConfigfsIo } from "./tdx-configfs.js";

const TEMPLATE = new Uint8Array(readFileSync(join(BUNDLED_DCAP_DIR, "tdx_quote")));
const REPORT_DATA_OFFSET = 48 + 520; // quote header + TD report fields before REPORTDATA
const tmpRoot = mkdtempSync(join(tmpdir(), "tsm-"));
after(async () => rm(tmpRoot, { recursive: true, force: true }));
let n = 0;
const freshRoot = async () => {
  const dir = join(tmpRoot, `report${n++}`);
  await nodeConfigfsIo.mkdir(dir);
  return dir;
};

class FakeTsmKernel implements ConfigfsIo {
  readonly log: string[] = [];
  races: number;
  constructor(private readonly opts: { provider?: string; races?: number; corruptReportData?: boolean } = {}) {
    this.races = opts.races ?? 0;
  }
  async mkdir(path: string) {
    this.log.push("mkdir");
    await nodeConfigfsIo.mkdir(path);
    await writeFile(join(path, "generation"), "0\n");
    await writeFile(join(path, "provider"), `${this.opts.provider ?? "tdx_guest"}\n`);
    await writeFile(join(path, "inblob"), "");
    await writeFile(join(path, "outblob"), "");
  }
  async readFile(path: string) {
    this.log.push(`read ${basename(path)}`);
    return nodeConfigfsIo.readFile(path);
  }
  async writeFile(path: string, data: Uint8Array) {
    this.log.push(`write ${basename(path)}`);
    if (basename(path) !== "inblob") throw Object.assign(new Error("EACCES"), { code: "EACCES" });
    if (data.length > 64) throw Object.assign(new Error("EINVAL"), { code: "EINVAL" });
    const dir = path.slice(0, -"/inblob".length);
    let gen = BigInt(readFileSync(join(dir, "generation"), "utf8").trim()) + 1n;
    let carried = data;
    if (this.races > 0) {
      this.races--;
      gen += 1n; // another process wrote inblob right after us
      carried = buildReportData(Wallet.createRandom().address);
    }
    if (this.opts.corruptReportData) carried = new Uint8Array(64).fill(7);
    await nodeConfigfsIo.writeFile(path, data);
    await writeFile(join(dir, "generation"), `${gen}\n`);
    const quote = new Uint8Array(TEMPLATE);
    quote.set(carried, REPORT_DATA_OFFSET);
    await writeFile(join(dir, "outblob"), quote);
  }
  async rmdir(path: string) {
    this.log.push("rmdir");
    for (const f of await readdir(path)) await unlink(join(path, f));
    await nodeConfigfsIo.rmdir(path);
  }
  isDirectory(path: string) {
    return nodeConfigfsIo.isDirectory(path);
  }
}

describe("TdxConfigfsQuoteProvider", () => {
  const keeper = Wallet.createRandom().address;

  it("isAvailable_detectsTheReportDirectory", async () => {
    assert.equal(await new TdxConfigfsQuoteProvider({ root: join(tmpRoot, "absent") }).isAvailable(), false);
    assert.equal(await new TdxConfigfsQuoteProvider({ root: await freshRoot() }).isAvailable(), true);
    assert.equal(new TdxConfigfsQuoteProvider().root, TSM_REPORT_ROOT);
  });

  it("getQuote_followsTheConfigfsTsmProtocol", async () => {
    const root = await freshRoot();
    const kernel = new FakeTsmKernel();
    const provider = new TdxConfigfsQuoteProvider({ root, io: kernel });
    const nonce = `0x${"5a".repeat(32)}`;
    const res = await quoteForKeeper(provider, keeper, nonce);
    assert.deepEqual(kernel.log, [
      "mkdir",
      "read generation",
      "write inblob",
      "read outblob",
      "read generation",
      "read provider",
      "read generation",
      "rmdir",
    ]);
    assert.equal(res.type, "tdx");
    assert.equal(res.provider, "tdx_guest");
    assert.equal(hexlify(res.reportData), hexlify(buildReportData(keeper, nonce)));
    assert.equal(hexlify(reportBody(parseDcapQuote(res.quote).report).reportData), hexlify(res.reportData));
    assert.deepEqual(await readdir(root), [], "the report entry is removed");
    // This quote came from a stand-in kernel, not a TDX module: DCAP verification must refuse it.
    const collateral = parseCollateral(
      JSON.parse(readFileSync(join(BUNDLED_DCAP_DIR, "tdx_quote_collateral.json"), "utf8")),
    );
    assert.throws(
      () => verifyDcapQuote(res.quote, { collateral, nowSecs: 1750377600 }),
      (err: unknown) => err instanceof QuoteRejectedError && err.reason === "dcap",
    );
  });

  it("getQuote_retriesAfterAGenerationRace", async () => {
    const root = await freshRoot();
    const kernel = new FakeTsmKernel({ races: 1 });
    const res = await new TdxConfigfsQuoteProvider({ root, io: kernel }).getQuote(buildReportData(keeper));
    assert.equal(hexlify(reportBody(parseDcapQuote(res.quote).report).reportData), hexlify(buildReportData(keeper)));
    assert.equal(kernel.log.filter((l) => l === "mkdir").length, 2);
    assert.equal(kernel.log.filter((l) => l === "rmdir").length, 2);
    assert.deepEqual(await readdir(root), []);
  });

  it("getQuote_persistentRaceFailsAndCleansUp", async () => {
    const root = await freshRoot();
    const kernel = new FakeTsmKernel({ races: 10 });
    await assert.rejects(
      new TdxConfigfsQuoteProvider({ root, io: kernel, maxAttempts: 3 }).getQuote(buildReportData(keeper)),
      TsmGenerationMismatchError,
    );
    assert.equal(kernel.log.filter((l) => l === "mkdir").length, 3);
    assert.deepEqual(await readdir(root), []);
  });

  it("getQuote_wrongProviderIsRefused", async () => {
    const root = await freshRoot();
    const provider = new TdxConfigfsQuoteProvider({ root, io: new FakeTsmKernel({ provider: "sev_guest" }) });
    await assert.rejects(provider.getQuote(buildReportData(keeper)), /unexpected configfs-tsm provider/);
    assert.deepEqual(await readdir(root), []);
  });

  it("getQuote_quoteWithoutOurReportDataIsRefused", async () => {
    const root = await freshRoot();
    const provider = new TdxConfigfsQuoteProvider({ root, io: new FakeTsmKernel({ corruptReportData: true }) });
    await assert.rejects(provider.getQuote(buildReportData(keeper)), /does not carry the report data/);
    assert.deepEqual(await readdir(root), []);
  });

  it("getQuote_reportDataMustBe64Bytes", async () => {
    const kernel = new FakeTsmKernel();
    const provider = new TdxConfigfsQuoteProvider({ root: await freshRoot(), io: kernel });
    await assert.rejects(provider.getQuote(new Uint8Array(65)), QuoteProviderError);
    await assert.rejects(provider.getQuote(new Uint8Array(32)), QuoteProviderError);
    assert.deepEqual(kernel.log, []);
  });

  it("getQuote_withoutConfigfsFailsClearly", async () => {
    await assert.rejects(
      new TdxConfigfsQuoteProvider({ root: join(tmpRoot, "no-tsm") }).getQuote(buildReportData(keeper)),
      /configfs-tsm is not available/,
    );
  });
});

import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { appendFile, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { Wallet, keccak256, toUtf8Bytes } from "ethers";
import { ReceiptError, RecordingError, TraceSealedError } from "./errors.js";
import { checkReceiptAgainstStore, receiptDomain, recoverReceiptSigner } from "./receipt.js";
import {
  loadSealedReceipt,
  sealCampaign,
  sealedReceiptFileName,
  sealedReceiptFromJson,
  sealedReceiptToJson,
} from "./seal.js";
import { LocalDirectoryStore } from "./store/local.js";
import { CAMPAIGN_A, sampleEntry } from "./test-fixtures.js";
import { TraceWriter } from "./trace-writer.js";

const root = mkdtempSync(join(tmpdir(), "seal-"));
after(async () => rm(root, { recursive: true, force: true }));
let n = 0;
const wallet = new Wallet(keccak256(toUtf8Bytes("seal test key")));
const domain = receiptDomain(31337n, "0x00000000000000000000000000000000000000bb");
const units = { depositAsset: "USDC", depositDecimals: 6 };

async function setup(trades: number) {
  const traceDir = join(root, `c${n++}`);
  const store = new LocalDirectoryStore(join(traceDir, "store"));
  const w = await TraceWriter.open(traceDir, CAMPAIGN_A);
  for (let i = 0; i < trades; i++) await w.append(sampleEntry(i));
  await w.close();
  return { traceDir, store, campaignId: CAMPAIGN_A, units, signer: wallet, domain };
}

describe("sealCampaign", () => {
  it("sealCampaign_storesSignsAndPersistsTheReceipt", async () => {
    const p = await setup(12);
    const { sealed, created } = await sealCampaign({ ...p, nonce: 4n });
    assert.equal(created, true);
    assert.equal(sealed.receipt.leafCount, 12);
    assert.equal(sealed.nonce, 4n);
    assert.equal(sealed.keeper, wallet.address);
    assert.equal(recoverReceiptSigner(domain, sealed), wallet.address);
    assert.deepEqual(await loadSealedReceipt(p.traceDir, CAMPAIGN_A), sealed);
    assert.deepEqual(await checkReceiptAgainstStore(sealed.receipt, p.store, units), []);
    assert.ok(!(await readdir(p.traceDir)).some((f) => f.startsWith(".tmp-")));
  });

  it("sealCampaign_isIdempotentAndNeverResigns", async () => {
    const p = await setup(3);
    const first = await sealCampaign({ ...p, nonce: 1n });
    const again = await sealCampaign({ ...p, nonce: 2n });
    assert.equal(again.created, false);
    assert.deepEqual(again.sealed, first.sealed);
  });

  it("open_refusesASealedTrace", async () => {
    const p = await setup(2);
    await sealCampaign({ ...p, nonce: 1n });
    await assert.rejects(TraceWriter.open(p.traceDir, CAMPAIGN_A), TraceSealedError);
  });

  it("sealCampaign_recoversATornTailFirst", async () => {
    const p = await setup(5);
    await appendFile(join(p.traceDir, `${CAMPAIGN_A}.jsonl`), '{"campaignId":"0xa1');
    const { sealed } = await sealCampaign({ ...p, nonce: 1n });
    assert.equal(sealed.receipt.leafCount, 5);
  });

  it("sealCampaign_tamperedSealedReceiptIsRefused", async () => {
    const p = await setup(4);
    const { sealed } = await sealCampaign({ ...p, nonce: 1n });
    const file = join(p.traceDir, sealedReceiptFileName(CAMPAIGN_A));
    const forged = {
      ...sealed,
      receipt: { ...sealed.receipt, summary: { ...sealed.receipt.summary, pnl: 10n ** 12n } },
    };
    await writeFile(file, sealedReceiptToJson(forged));
    await assert.rejects(sealCampaign({ ...p, nonce: 1n }), /does not match this keeper/);
    await assert.rejects(sealCampaign({ ...p, signer: Wallet.createRandom(), nonce: 1n }), RecordingError);
  });

  it("sealCampaign_emptyTraceHasNoReceipt", async () => {
    const p = await setup(0);
    await assert.rejects(sealCampaign({ ...p, nonce: 1n }), ReceiptError);
    assert.equal(await loadSealedReceipt(p.traceDir, CAMPAIGN_A), undefined);
  });

  it("sealedReceiptFromJson_validatesTheFile", async () => {
    const p = await setup(1);
    const { sealed } = await sealCampaign({ ...p, nonce: 9n });
    const text = await readFile(join(p.traceDir, sealedReceiptFileName(CAMPAIGN_A)), "utf8");
    assert.deepEqual(sealedReceiptFromJson(text), sealed);
    assert.throws(() => sealedReceiptFromJson(text.replace('"nonce": "9"', '"nonce": 9')), /invalid sealed receipt/);
    assert.throws(() => sealedReceiptFromJson("{"), /not JSON/);
  });
});

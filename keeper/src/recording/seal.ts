import { randomBytes } from "node:crypto";
import { open, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { TypedDataDomain } from "ethers";
import { z } from "zod";
import { RecordingError } from "./errors.js";
import {
  buildReceipt,
  recoverReceiptSigner,
  signReceipt,
  type SignedReceipt,
  type TypedDataSigner,
} from "./receipt.js";
import type { ReceiptUnits } from "./units.js";
import type { ContentStore } from "./store/content-store.js";
import { TraceWriter, fsyncDir, traceFileName } from "./trace-writer.js";

/**
 * Sealing a campaign's trace: store the trace document, build and sign the receipt, and persist the signed
 * receipt durably next to the trace (`<campaignId>.receipt.json`, written atomically) BEFORE it is posted. After
 * a crash the keeper finds the sealed receipt and posts exactly that one (same root, same nonce), so a receipt is
 * never lost and never signed twice. A sealed trace is frozen: `TraceWriter.open` refuses it.
 */

/** File name of a campaign's sealed receipt inside the trace directory. */
export function sealedReceiptFileName(campaignId: string): string {
  return traceFileName(campaignId).replace(/\.jsonl$/, ".receipt.json");
}

const hex32 = z.string().regex(/^0x[0-9a-f]{64}$/);
const bigintString = z
  .string()
  .regex(/^-?[0-9]+$/)
  .transform((s) => BigInt(s));
const SealedReceiptSchema = z
  .object({
    format: z.literal("vsv-sealed-receipt/2"),
    receipt: z
      .object({
        campaignId: hex32,
        traceRoot: hex32,
        executionHash: hex32,
        leafCount: z.number().int().positive(),
        summary: z.object({ volume: bigintString, avgPrice: bigintString, pnl: bigintString }).strict(),
        cid: z.string().min(1),
      })
      .strict(),
    keeper: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
    nonce: bigintString,
    digest: hex32,
    signature: z.string().regex(/^0x[0-9a-f]{130}$/),
  })
  .strict();

/** A signed receipt persisted before posting (`keeper` is the signer). */
export type SealedReceipt = SignedReceipt;

/** JSON form of a sealed receipt (bigints as decimal strings). */
export function sealedReceiptToJson(s: SealedReceipt): string {
  const { receipt } = s;
  return `${JSON.stringify(
    {
      format: "vsv-sealed-receipt/2",
      receipt: {
        ...receipt,
        summary: {
          volume: receipt.summary.volume.toString(),
          avgPrice: receipt.summary.avgPrice.toString(),
          pnl: receipt.summary.pnl.toString(),
        },
      },
      keeper: s.keeper,
      nonce: s.nonce.toString(),
      digest: s.digest,
      signature: s.signature,
    },
    null,
    2,
  )}\n`;
}

export function sealedReceiptFromJson(text: string, source = "sealed receipt"): SealedReceipt {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new RecordingError("sealed receipt is not JSON", { details: source, cause: err });
  }
  const r = SealedReceiptSchema.safeParse(raw);
  if (!r.success) {
    const details = r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new RecordingError("invalid sealed receipt", { details: `${source}: ${details}`, cause: r.error });
  }
  const { format: _format, ...rest } = r.data;
  return rest;
}

/** The sealed receipt of `campaignId`, or undefined when the campaign is not sealed. */
export async function loadSealedReceipt(traceDir: string, campaignId: string): Promise<SealedReceipt | undefined> {
  const path = join(traceDir, sealedReceiptFileName(campaignId.toLowerCase()));
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  return sealedReceiptFromJson(text, path);
}

export interface SealCampaignParams {
  traceDir: string;
  campaignId: string;
  store: ContentStore;
  units: ReceiptUnits;
  signer: TypedDataSigner & { getAddress(): Promise<string> };
  domain: TypedDataDomain;
  /** The keeper's next receipt nonce in the registry (used only if the campaign is not sealed yet). */
  nonce: bigint;
}

/**
 * Seals the campaign (idempotent): returns the existing sealed receipt if there is one (after checking its
 * signature), else builds, signs and durably writes a new one. Fails on an empty trace.
 */
export async function sealCampaign(p: SealCampaignParams): Promise<{ sealed: SealedReceipt; created: boolean }> {
  const campaignId = p.campaignId.toLowerCase();
  const signerAddress = await p.signer.getAddress();
  const existing = await loadSealedReceipt(p.traceDir, campaignId);
  if (existing) {
    if (recoverReceiptSigner(p.domain, existing) !== existing.keeper || existing.keeper !== signerAddress) {
      throw new RecordingError("sealed receipt signature does not match this keeper and domain", {
        details: `${campaignId}: signed by ${existing.keeper}`,
      });
    }
    return { sealed: existing, created: false };
  }
  // Opening the writer recovers a torn tail left by a crash; closing it releases the file before sealing.
  const writer = await TraceWriter.open(p.traceDir, campaignId);
  const entries = writer.entries();
  await writer.close();
  const { receipt } = await buildReceipt(entries, p.store, p.units);
  const sealed: SealedReceipt = await signReceipt(p.signer, p.domain, receipt, p.nonce);
  await writeFileAtomic(p.traceDir, sealedReceiptFileName(campaignId), sealedReceiptToJson(sealed));
  return { sealed, created: true };
}

async function writeFileAtomic(dir: string, name: string, text: string): Promise<void> {
  const tmp = join(dir, `.tmp-${process.pid}-${randomBytes(6).toString("hex")}`);
  try {
    const fh = await open(tmp, "wx");
    try {
      await fh.writeFile(text, "utf8");
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, join(dir, name));
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(dir);
}

/**
 * Recording and attestation benchmark: trace parsing, fsynced appends, Merkle tree build, proof generation and
 * verification for a 10,000-trade trace, receipt building, and DCAP quote verification latency (p50/p99) on the
 * real SGX/TDX samples. Prints numbers; asserts nothing about time.
 *
 *   npx tsx scripts/bench/recording.ts [--trades 10000] [--appends 1000] [--dcap 200]
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { mkdtempSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parseCollateral, verifyDcapQuote } from "../../keeper/src/attestation/dcap.js";
import { BUNDLED_DCAP_DIR, DCAP_SAMPLES } from "../../keeper/src/attestation/samples.js";
import { TraceTree, verifyTraceProof } from "../../keeper/src/recording/merkle.js";
import { buildReceipt, traceDocumentBytes } from "../../keeper/src/recording/receipt.js";
import { LocalDirectoryStore } from "../../keeper/src/recording/store/local.js";
import { CAMPAIGN_A, UNITS, sampleEntry } from "../../keeper/src/recording/test-fixtures.js";
import { parseUnits } from "../../keeper/src/recording/units.js";
import { TRACE_LEAF_ENCODING, parseTraceEntry, traceLeaf } from "../../keeper/src/recording/trace.js";
import { TraceWriter } from "../../keeper/src/recording/trace-writer.js";

const { values } = parseArgs({
  options: {
    trades: { type: "string", default: "10000" },
    appends: { type: "string", default: "1000" },
    dcap: { type: "string", default: "200" },
  },
});
const TRADES = Number(values.trades);
const APPENDS = Number(values.appends);
const DCAP_RUNS = Number(values.dcap);
for (const [k, v] of Object.entries({ TRADES, APPENDS, DCAP_RUNS })) {
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${k} must be a positive integer, got ${v}`);
}

const now = () => performance.now();
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
const fmt = (ms: number) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`);
const rows: [string, string][] = [];
const row = (name: string, value: string) => {
  rows.push([name, value]);
  console.log(`${name.padEnd(48)} ${value}`);
};

const dir = mkdtempSync(join(tmpdir(), "bench-recording-"));
try {
  // Trace entries: validation + canonicalisation.
  let t = now();
  const entries = Array.from({ length: TRADES }, (_, i) => parseTraceEntry(sampleEntry(i)));
  const parseMs = now() - t;
  row(`parse+canonicalise ${TRADES} entries`, `${fmt(parseMs)} (${Math.round(TRADES / (parseMs / 1000))}/s)`);

  // Durable appends: each one written and fsynced before it resolves.
  const writer = await TraceWriter.open(join(dir, "traces"), CAMPAIGN_A);
  const lat: number[] = [];
  for (let i = 0; i < APPENDS; i++) {
    const s = now();
    await writer.append(entries[i % entries.length]);
    lat.push(now() - s);
  }
  await writer.close();
  lat.sort((a, b) => a - b);
  row(`fsynced append (${APPENDS}) p50 / p99`, `${fmt(percentile(lat, 50))} / ${fmt(percentile(lat, 99))}`);

  // Merkle tree.
  t = now();
  const tree = TraceTree.fromEntries(entries, UNITS);
  const buildMs = now() - t;
  row(`Merkle tree build, ${TRADES} leaves`, fmt(buildMs));

  // Reference: the same tree through StandardMerkleTree (generic ABI encoder per leaf); must give the same root.
  t = now();
  const standard = StandardMerkleTree.of(
    entries.map((e) => traceLeaf(e, parseUnits(UNITS))),
    [...TRACE_LEAF_ENCODING],
  );
  const standardMs = now() - t;
  if (standard.root !== tree.root) throw new Error("StandardMerkleTree root differs");
  row(`  reference: StandardMerkleTree.of, ${TRADES} leaves`, fmt(standardMs));

  t = now();
  const proofs = Array.from({ length: TRADES }, (_, seq) => tree.proof(seq));
  const proofMs = now() - t;
  row(`proof generation, all ${TRADES} leaves`, `${fmt(proofMs)} (${Math.round(TRADES / (proofMs / 1000))}/s)`);
  row(`proof length at ${TRADES} leaves`, `${proofs[0].proof.length} hashes`);

  t = now();
  let ok = 0;
  for (const p of proofs) if (verifyTraceProof(tree.root, p.leaf, p.proof)) ok++;
  const verMs = now() - t;
  if (ok !== TRADES) throw new Error(`only ${ok}/${TRADES} proofs verified`);
  row(`proof verification, ${TRADES} proofs`, `${fmt(verMs)} (${Math.round(TRADES / (verMs / 1000))}/s)`);

  // Receipt: document to the content store + tree + summary.
  const docBytes = traceDocumentBytes(CAMPAIGN_A, entries, UNITS).length;
  const store = new LocalDirectoryStore(join(dir, "store"));
  t = now();
  const { receipt } = await buildReceipt(entries, store, UNITS);
  row(`buildReceipt (${TRADES} trades, ${(docBytes / 1024).toFixed(0)} KiB doc)`, fmt(now() - t));
  row("receipt", `leafCount ${receipt.leafCount}, cid ${receipt.cid.slice(0, 16)}…`);

  // DCAP verification latency.
  for (const s of DCAP_SAMPLES) {
    if ("error" in s.expect) continue;
    const quote = readFileSync(join(BUNDLED_DCAP_DIR, s.quoteFile));
    const collateral = parseCollateral(JSON.parse(readFileSync(join(BUNDLED_DCAP_DIR, s.collateralFile), "utf8")));
    verifyDcapQuote(quote, { collateral, nowSecs: s.at }); // warm-up
    const d: number[] = [];
    for (let i = 0; i < DCAP_RUNS; i++) {
      const s0 = now();
      verifyDcapQuote(quote, { collateral, nowSecs: s.at });
      d.push(now() - s0);
    }
    d.sort((a, b) => a - b);
    row(`DCAP verify ${s.name} (${DCAP_RUNS} runs) p50 / p99`, `${fmt(percentile(d, 50))} / ${fmt(percentile(d, 99))}`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

console.log("\n| measurement | result |\n| --- | --- |");
for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);

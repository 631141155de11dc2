/**
 * Gas of the calls changed by the reputation follow-ups of issue 16 (self-published credit, decaying penalty points,
 * paid duplicate holds, one suspension flag), on the in-process Hardhat chain, through the real deploy path. Runs on
 * this branch and, unchanged, on the commit before it (calls that did not exist are skipped), which is how the
 * "before" column of docs/benchmarks.md was produced:
 *
 *   npx hardhat run scripts/bench/reputation-gas.ts
 *
 * Prints one `| call | gas |` line per call. Gas is deterministic; nothing here is timed.
 */
import { network } from "hardhat";
import { keccak256, toUtf8Bytes, type ContractTransactionResponse } from "ethers";
import {
  attest,
  deployTrust,
  evidence,
  onboard,
  postReceipt,
  publishRace,
  specFor,
  traceFor,
  traceOf,
  MIN_STAKE,
  type Trust,
} from "../../test/helpers/trust.js";

const { ethers, networkHelpers } = await network.create();
const rows: [string, bigint][] = [];
const DAY = 86_400;

async function gas(label: string, tx: Promise<ContractTransactionResponse>): Promise<void> {
  rows.push([label, (await (await tx).wait())!.gasUsed]);
}

const t: Trust = await deployTrust(ethers);
const [k0, , k2] = t.keepers;
await onboard(t, k0!, t.operators[0]!, MIN_STAKE * 3n);
await onboard(t, k2!, t.operators[1]!);

/** Keeper 0 publishes, claims, posts and settles its own campaign (the settle is measured). */
async function settleOwn(label: string, tag: string): Promise<void> {
  const id = await publishRace(t, k0!, await specFor(t, { strategy: tag }));
  await t.campaigns.connect(k0!).claim(id);
  const receiptId = await postReceipt(t, k0!, id, traceFor(id, 2, tag));
  await gas(label, t.campaigns.connect(k0!).settle(id, receiptId));
}

await settleOwn("CampaignRegistry.settle, self-published (first)", "own-1");
await settleOwn("CampaignRegistry.settle, self-published (one pending)", "own-2");
const spec = await specFor(t);
await publishRace(t, k0!, spec);
await gas("CampaignRegistry.publish, republish (first)", t.campaigns.connect(k0!).publish(spec, 0, 0, []));
await gas("CampaignRegistry.publish, republish (again)", t.campaigns.connect(k0!).publish(spec, 0, 0, []));
if (t.campaigns.interface.hasFunction("creditSelfPublished")) {
  await networkHelpers.time.increase(DAY + 2 * 3_600 + 1);
  await t.reputation.connect(k0!).heartbeat();
  await attest(t, k0!.address);
  await settleOwn("CampaignRegistry.settle, self-published (credits the mature one)", "own-3");
  await networkHelpers.time.increase(DAY + 2 * 3_600 + 1);
  await gas("CampaignRegistry.creditSelfPublished", t.campaigns.connect(t.stranger).creditSelfPublished(k0!.address));
}

// Duplicate evidence: the attacker's copy of the honest keeper's fill; nobody rules, it lapses.
for (const k of [k0!, k2!]) {
  await t.reputation.connect(k).heartbeat();
  await attest(t, k.address);
}
const fill = keccak256(toUtf8Bytes("binance order 1001"));
const idA = await publishRace(t, k2!, await specFor(t, { pair: "SOL/USDC" }));
await t.campaigns.connect(k2!).claim(idA);
const a = traceFor(idA, 3, "copy");
a.leaves[1] = { ...a.leaves[1]!, executionId: fill };
const copy = traceOf(a.leaves);
const copyReceipt = await postReceipt(t, k2!, idA, copy);
const idB = await publishRace(t, k0!, await specFor(t, { pair: "ETH/USDC" }));
await t.campaigns.connect(k0!).claim(idB);
const b = traceFor(idB, 2, "honest");
b.leaves[0] = { ...b.leaves[0]!, executionId: fill };
const honest = traceOf(b.leaves);
const honestReceipt = await postReceipt(t, k0!, idB, honest);
await t.asset.connect(t.challenger).approve(await t.desk.getAddress(), ethers.MaxUint256);
const ev = evidence(1, honest, 0, { receiptId: copyReceipt, trace: copy, index: 1 });
await gas("DisputeDesk.challenge (duplicate execution)", t.desk.connect(t.challenger).challenge(honestReceipt, ev));
const [disputes] = await t.desk.counts();
await networkHelpers.time.increase(3 * DAY + 1);
await gas("DisputeDesk.enforce (duplicate lapses)", t.desk.connect(t.stranger).enforce(disputes));

for (const [label, used] of rows) console.log(`| ${label} | ${used.toLocaleString("en-US")} |`);

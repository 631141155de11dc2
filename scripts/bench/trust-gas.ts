/**
 * Gas of every trust-layer call touched by the security review (issue 16), on the in-process Hardhat chain,
 * through the real deploy path. Runs on this branch and, unchanged, on the commit before it (calls that did not
 * exist are skipped), which is how the "before" column of docs/benchmarks.md was produced:
 *
 *   npx hardhat run scripts/bench/trust-gas.ts
 *
 * Prints one `| call | gas |` line per call. Gas is deterministic; nothing here is timed.
 */
import { network } from "hardhat";
import type { BaseContract, ContractTransactionResponse } from "ethers";
import {
  attest,
  deployTrust,
  evidence,
  onboard,
  postReceipt,
  specFor,
  traceFor,
  traceOf,
  MIN_STAKE,
  type Spec,
  type Trust,
} from "../../test/helpers/trust.js";

const { ethers, networkHelpers } = await network.create();
const USD = 10n ** 6n;
const rows: [string, bigint][] = [];

async function gas(label: string, tx: Promise<ContractTransactionResponse>): Promise<void> {
  const r = await (await tx).wait();
  rows.push([label, r!.gasUsed]);
}
const fn = (c: BaseContract, name: string) => c.getFunction(name);

const t: Trust = await deployTrust(ethers);
const desk = t.system["DisputeDesk"]?.contract; // absent before the review
const [k0, k1, k2] = t.keepers;
const [op0, op1] = t.operators;

// Onboarding, measured on the second operator.
await onboard(t, k0!, op0!, MIN_STAKE * 3n);
await t.asset.connect(op1!).approve(await t.reputation.getAddress(), MIN_STAKE);
await gas("ReputationOracle.stake (first)", t.reputation.connect(op1!).stake(MIN_STAKE));
await gas("ReputationOracle.proposeKeeper", t.reputation.connect(op1!).proposeKeeper(k2!.address));
await gas("ReputationOracle.acceptOperator", t.reputation.connect(k2!).acceptOperator(op1!.address));
await attest(t, k2!.address);
await gas("ReputationOracle.heartbeat", t.reputation.connect(k2!).heartbeat());
rows.push(["ReputationOracle.isEligible (eth_estimateGas)", await t.reputation.isEligible.estimateGas(k0!.address)]);

/** Publishes a race campaign as `publisher` and returns its id (read from the event: the id's encoding changed). */
async function publish(publisher: typeof k0, spec: Spec, label?: string): Promise<string> {
  const tx = t.campaigns.connect(publisher!).publish(spec, 0, 0, []);
  const mined = await (await tx).wait();
  if (label) rows.push([label, mined!.gasUsed]);
  const ev = mined!.logs.map((l) => t.campaigns.interface.parseLog(l)).find((p) => p?.name === "CampaignPublished");
  return ev!.args["campaignId"] as string;
}

// Publish (by another operator's key), claim, post, settle.
const id = await publish(k2, await specFor(t), "CampaignRegistry.publish (race, new id)");
await gas("CampaignRegistry.claim", t.campaigns.connect(k0!).claim(id));
const leaves = traceFor(id, 4).leaves.map((l, i) => (i === 1 ? { ...l, price: 1n } : l));
const trace = traceOf(leaves);
const before = await t.receipts.receiptCount();
await postReceipt(t, k0!, id, trace);
const receiptId = before + 1n;
const postTx = await ethers.provider.getTransactionReceipt(
  (await t.receipts.queryFilter(t.receipts.filters.ReceiptPosted(receiptId)))[0]!.transactionHash,
);
rows.push(["ReceiptRegistry.post (4 trades)", postTx!.gasUsed]);
await gas("CampaignRegistry.settle (success reported)", t.campaigns.connect(k0!).settle(id, receiptId));

// Vault draw through the real oracle (eligibility read).
const vault = t.system["StrategyVault"]!.contract;
const depositor = (await ethers.getSigners())[8]!;
await t.asset.connect(depositor).approve(await vault.getAddress(), 100_000n * USD);
await (vault.connect(depositor) as BaseContract).getFunction("deposit")(100_000n * USD, depositor.address);
await fn(vault, "rebalance")();
await t.reputation.connect(k0!).heartbeat();
const book = t.system["KeeperCapital"]?.contract; // draws moved to the capital book (issue 16)
if (book) {
  // A draw is bound to a live claim of the drawing keeper.
  const drawId = await publish(k2, await specFor(t, { pair: "DOT/USDC" }));
  await t.campaigns.connect(k0!).claim(drawId);
  await gas(
    "KeeperCapital.draw via ReputationOracle",
    (book.connect(k0!) as BaseContract).getFunction("draw")(drawId, 0, 100n * USD),
  );
} else {
  await gas(
    "StrategyVault.draw via ReputationOracle",
    (vault.connect(k0!) as BaseContract).getFunction("draw")(0, 100n * USD),
  );
}

// Disputes and (after the review) data-availability demands.
const disputes = desk ?? t.reputation;
await t.asset.connect(t.challenger).approve(await disputes.getAddress(), ethers.MaxUint256);
if (desk) {
  await gas(
    "DisputeDesk.demandLeaf",
    (desk.connect(t.challenger) as BaseContract).getFunction("demandLeaf")(receiptId, 0),
  );
  await gas("DisputeDesk.revealLeaf", fn(desk, "revealLeaf")(1n, trace.leaves[0]!, trace.tree.getProof(0)));
}
const label = desk ? "DisputeDesk" : "ReputationOracle";
await gas(
  `${label}.challenge (price out of bound)`,
  (disputes.connect(t.challenger) as BaseContract).getFunction("challenge")(receiptId, evidence(0, trace, 1)),
);
// A second dispute with the same leaf is refused; a fresh bad receipt from keeper 2 gives the rejected one.
await publish(k2, await specFor(t, { pair: "BTC/USDC" }));
const id2 = (await t.campaigns.queryFilter(t.campaigns.filters.CampaignPublished())).at(-1)!.args.campaignId;
await t.reputation.connect(k2!).heartbeat();
await t.campaigns.connect(k2!).claim(id2);
const bad2 = traceFor(id2, 2, "k2", 1);
await t.campaigns.connect(k2!).settle(id2, await postReceipt(t, k2!, id2, bad2));
await (disputes.connect(t.challenger) as BaseContract).getFunction("challenge")(receiptId + 1n, evidence(0, bad2, 1));
await gas(`${label}.resolve upheld`, fn(disputes, "resolve")(1n, desk ? 1 : true));
await gas(`${label}.resolve rejected`, fn(disputes, "resolve")(2n, desk ? 0 : false));

if (desk) {
  // An unanswered demand, finalised by anyone after the reveal window.
  const id3 = await publish(k2, await specFor(t, { pair: "SOL/USDC" }));
  await onboard(t, k1!, op0!, 0n);
  await t.campaigns.connect(k1!).claim(id3);
  await postReceipt(t, k1!, id3, traceFor(id3, 2, "k1"));
  await (desk.connect(t.challenger) as BaseContract).getFunction("demandLeaf")(receiptId + 2n, 1);
  await networkHelpers.time.increase(3_601);
  await gas("DisputeDesk.finalizeDemand (slash)", fn(desk, "finalizeDemand")(2n));
}

// Stale claims through the upkeep's entry point (new) and the one-by-one path; release after the window.
await t.reputation.connect(k2!).heartbeat();
const id4 = await publish(k2, await specFor(t, { pair: "ADA/USDC" }));
await t.campaigns.connect(k2!).claim(id4);
await networkHelpers.time.increase(121);
if (t.campaigns.interface.hasFunction("expireClaims")) {
  await gas("CampaignRegistry.expireClaims (1 stale id)", fn(t.campaigns, "expireClaims")([id4]));
} else {
  await gas("CampaignRegistry.expireClaim", t.campaigns.expireClaim(id4));
}
await networkHelpers.time.increase(86_401);
await gas("ReputationOracle.removeKeeper", t.reputation.connect(op1!).removeKeeper(k2!.address));
await gas("ReputationOracle.requestUnstake", t.reputation.connect(op1!).requestUnstake(MIN_STAKE / 2n));
await networkHelpers.time.increase(7 * 86_400);
await gas("ReputationOracle.withdraw", t.reputation.connect(op1!).withdraw());

for (const [name, used] of rows) console.log(`| ${name} | ${used.toLocaleString("en-US")} |`);

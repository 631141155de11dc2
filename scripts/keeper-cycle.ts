/**
 * One keeper cycle through the real contracts of a local deployment, with the keeper's own modules:
 * an operator stakes and binds a keeper (two steps), the keeper's development quote is attested by the
 * local verifier (dev account #4), the keeper heartbeats, claims a campaign and draws from a sleeve for it
 * (through the vault's keeper capital book), records the campaign's trace with its trace writer, seals, signs
 * and posts the receipt, and repays the draw with a profit citing that receipt.
 * The web app's end-to-end tests run it between browser steps; it also works against `npm start`.
 *
 *   npx tsx scripts/keeper-cycle.ts --rpc http://127.0.0.1:8545 --network localhost onboard
 *   npx tsx scripts/keeper-cycle.ts --rpc ... --network localhost draw --amount 200
 *   npx tsx scripts/keeper-cycle.ts --rpc ... --network localhost repay --profit 20
 *
 * Every step prints one JSON line with what it did. Local chains only (development quotes are refused
 * elsewhere by the keeper's quote provider).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { JsonRpcProvider, encodeBytes32String, parseUnits } from "ethers";
import { z } from "zod";
import { GasMarginSigner } from "../keeper/src/chain/gas.js";
import { DevelopmentQuoteProvider } from "../keeper/src/attestation/development.js";
import { developmentAttestationRecord } from "../keeper/src/attestation/record.js";
import { buildReportData } from "../keeper/src/attestation/report-data.js";
import { signForRegistry, submitVerifiedAttestation } from "../keeper/src/attestation/submit.js";
import { campaignId as computeCampaignId, campaignSpecFromNames } from "../keeper/src/campaign/id.js";
import { postSealedReceipt, receiptDomainOf } from "../keeper/src/recording/post.js";
import { sealCampaign } from "../keeper/src/recording/seal.js";
import { LocalDirectoryStore } from "../keeper/src/recording/store/local.js";
import { boundsOfPriceWindow } from "../keeper/src/recording/trace.js";
import { TraceWriter } from "../keeper/src/recording/trace-writer.js";
import {
  AttestationRegistry__factory,
  CampaignRegistry__factory,
  KeeperCapital__factory,
  Parameters__factory,
  ReceiptRegistry__factory,
  ReputationOracle__factory,
  StrategyVault__factory,
  TestStablecoin__factory,
} from "../types/ethers-contracts/index.js";
import { ROOT, readDeployment } from "./lib/deployments.js";
import { LOCAL_VERIFIER_INDEX } from "./lib/system.js";

/** Dev accounts of the cycle (the app's e2e uses #0-#7 for other roles). */
export const CYCLE_KEEPER_INDEX = 8;
export const CYCLE_OPERATOR_INDEX = 9;
const DECIMALS = 6;
const USD8 = 10n ** 8n;
/** Sleeve the keeper trades with (0 = market making). */
const SLEEVE = 0;

/** A bad command line or a deployment that lacks what the cycle needs; printed as one line. */
export class KeeperCycleError extends Error {
  override name = "KeeperCycleError";
}

const amount = z
  .string()
  .regex(/^\d+(\.\d+)?$/, "a positive decimal amount of the deposit asset")
  .transform((s) => parseUnits(s, DECIMALS));
const argsSchema = z.object({
  rpc: z.url(),
  network: z.string().regex(/^[a-z0-9-]+$/),
  step: z.enum(["onboard", "draw", "repay"]),
  amount: amount.optional(),
  profit: amount.optional(),
  workdir: z.string().optional(),
});

async function contracts(rpc: string, network: string) {
  const deployment = readDeployment(network);
  if (!deployment) throw new KeeperCycleError(`no deployments/${network}.json: deploy first`);
  const provider = new JsonRpcProvider(rpc, undefined, { staticNetwork: true, cacheTimeout: -1 });
  const { chainId } = await provider.getNetwork();
  if (Number(chainId) !== deployment.chainId)
    throw new KeeperCycleError(
      `${rpc} is chain ${chainId}, deployments/${network}.json is chain ${deployment.chainId}`,
    );
  const at = (name: string) => {
    const c = deployment.contracts[name];
    if (!c) throw new KeeperCycleError(`deployments/${network}.json has no ${name}`);
    return c.address;
  };
  // Every transaction of the cycle carries estimate x margin + headroom (the repayment's estimate can miss the
  // epoch's first burn when another transaction lands first).
  const signer = async (i: number): Promise<GasMarginSigner> => GasMarginSigner.wrap(await provider.getSigner(i));
  const [keeper, operator, verifier] = await Promise.all([
    signer(CYCLE_KEEPER_INDEX),
    signer(CYCLE_OPERATOR_INDEX),
    signer(LOCAL_VERIFIER_INDEX),
  ]);
  return {
    provider,
    chainId: Number(chainId),
    keeper,
    operator,
    verifier,
    params: Parameters__factory.connect(at("Parameters"), provider),
    asset: TestStablecoin__factory.connect(at("DepositAsset"), provider),
    attestations: AttestationRegistry__factory.connect(at("AttestationRegistry"), provider),
    receipts: ReceiptRegistry__factory.connect(at("ReceiptRegistry"), provider),
    reputation: ReputationOracle__factory.connect(at("ReputationOracle"), provider),
    campaigns: CampaignRegistry__factory.connect(at("CampaignRegistry"), provider),
    vault: StrategyVault__factory.connect(at("StrategyVault"), provider),
    book: KeeperCapital__factory.connect(at("KeeperCapital"), provider),
  };
}
type Cycle = Awaited<ReturnType<typeof contracts>>;

async function now(c: Cycle): Promise<bigint> {
  return BigInt((await c.provider.getBlock("latest"))!.timestamp);
}

async function mined(tx: Promise<{ wait(): Promise<unknown> }>): Promise<void> {
  await (await tx).wait();
}

/** Operator stakes the minimum, proposes the keeper, the keeper accepts; attestation; heartbeat. */
export async function onboard(c: Cycle) {
  const stake = await c.params.get(encodeBytes32String("minStake"));
  await mined(c.asset.connect(c.operator).approve(await c.reputation.getAddress(), stake));
  await mined(c.reputation.connect(c.operator).stake(stake));
  await mined(c.reputation.connect(c.operator).proposeKeeper(c.keeper.address));
  await mined(c.reputation.connect(c.keeper).acceptOperator(c.operator.address));
  const quote = await new DevelopmentQuoteProvider({ chainId: c.chainId }).getQuote(buildReportData(c.keeper.address));
  const record = developmentAttestationRecord(quote.quote, {
    chainId: c.chainId,
    expectedAddress: c.keeper.address,
    verifiedAt: await now(c),
  });
  const signed = await signForRegistry(c.attestations, c.verifier, record);
  await submitVerifiedAttestation(c.attestations.connect(c.keeper), signed);
  await mined(c.reputation.connect(c.keeper).heartbeat());
  if (!(await c.reputation.isEligible(c.keeper.address)))
    throw new KeeperCycleError(`keeper ${c.keeper.address} onboarded but not eligible`);
  return { keeper: c.keeper.address, operator: c.operator.address, stake: stake.toString(), eligible: true };
}

/** Publishes and claims a fresh campaign of the keeper (the capital book lends only for a claimed campaign). */
async function claimCampaign(c: Cycle): Promise<string> {
  const t0 = await now(c);
  const spec = campaignSpecFromNames({
    assetPair: "ETH/USDC",
    priceWindow: { minPrice: 3_000n * USD8, maxPrice: 3_100n * USD8, notBefore: t0 - 1n, notAfter: t0 + 3_600n },
    route: { strategyId: "marketMaking", sourceVenue: "binance", targetVenue: "binance" },
  });
  const id = computeCampaignId(spec);
  await mined(c.campaigns.connect(c.keeper).publish(spec, 0, 0, []));
  await mined(c.campaigns.connect(c.keeper).claim(id));
  return id;
}

/** Rebalances the vault's idle capital into the sleeves when needed, claims a campaign, then draws `amount` for it. */
export async function draw(c: Cycle, amount: bigint) {
  if (await c.vault.rebalanceNeeded()) await mined(c.vault.connect(c.keeper).rebalance());
  const campaignId = await claimCampaign(c);
  await mined(c.book.connect(c.keeper).draw(campaignId, SLEEVE, amount));
  return {
    drawn: amount.toString(),
    sleeve: SLEEVE,
    campaignId,
    drawId: (await c.book.drawIdOf(c.keeper.address, campaignId)).toString(),
    keeperOutstanding: (await c.book.keeperOutstanding(c.keeper.address)).toString(),
  };
}

/** The keeper's most recent draw still open, or undefined. */
async function openDraw(c: Cycle): Promise<{ drawId: bigint; campaignId: string; principal: bigint } | undefined> {
  const drawn = await c.book.queryFilter(c.book.filters.Drawn(undefined, c.keeper.address));
  for (const e of drawn.reverse()) {
    const d = await c.book.drawOf(e.args.drawId);
    if (d.state === 1n) return { drawId: e.args.drawId, campaignId: d.campaignId, principal: d.owed };
  }
  return undefined;
}

/**
 * Records two fills (a buy and a sell of 0.5 ETH, 10 apart, near the local reference price) for the keeper's open
 * draw's campaign with the keeper's trace writer, seals and posts the receipt, then repays the draw with `profit` on
 * top (at least the receipt's PnL, else the keeper is suspended). When the draw's claim is no longer live (a receipt
 * needs it), its principal goes back first without a receipt, and a fresh campaign is claimed and drawn for.
 */
export async function repay(c: Cycle, profit: bigint, workdir: string) {
  let open = await openDraw(c);
  if (!open) throw new KeeperCycleError("the keeper has no open draw: run `draw` first");
  if ((await c.campaigns.liveClaimantOf(open.campaignId)) !== c.keeper.address) {
    await mined(c.asset.connect(c.keeper).approve(await c.book.getAddress(), open.principal));
    await mined(c.book.connect(c.keeper).repay(open.drawId, open.principal, 0n));
    await draw(c, open.principal);
    open = (await openDraw(c))!;
  }
  const { principal, drawId } = open;
  const id = open.campaignId;
  const campaign = await c.campaigns.campaignOf(id);
  const spec = { priceWindow: { minPrice: campaign.minPrice, maxPrice: campaign.maxPrice } };
  const t0 = await now(c);
  const traceDir = join(workdir, "traces");
  mkdirSync(traceDir, { recursive: true });
  const writer = await TraceWriter.open(traceDir, id);
  const fills = [
    { side: "buy" as const, price: "3040" },
    { side: "sell" as const, price: "3050" },
  ];
  for (const [i, f] of fills.entries())
    await writer.append({
      timestamp: Number(t0) * 1000 + i * 250,
      campaignId: id,
      orderId: `bn-mm-${t0}-${i}`,
      clientOrderId: `cycle-${t0}-${i}`,
      venue: "binance",
      pair: "ETH/USDC",
      size: "0.5",
      fee: "0",
      feeAsset: "USDC",
      source: "cex" as const,
      ...boundsOfPriceWindow(spec.priceWindow),
      ...f,
    });
  await writer.close();
  const { sealed } = await sealCampaign({
    traceDir,
    campaignId: id,
    store: new LocalDirectoryStore(join(workdir, "store")),
    units: { depositAsset: "USDC", depositDecimals: DECIMALS },
    signer: c.keeper,
    domain: await receiptDomainOf(c.receipts),
    nonce: await c.receipts.nonceOf(c.keeper.address),
  });
  const posted = await postSealedReceipt(c.receipts.connect(c.keeper), sealed);
  if (profit < sealed.receipt.summary.pnl)
    throw new KeeperCycleError(`profit ${profit} is below the receipt's PnL ${sealed.receipt.summary.pnl}`);
  const returned = principal + profit;
  await mined(c.asset.connect(c.keeper).approve(await c.book.getAddress(), returned));
  await mined(c.book.connect(c.keeper).repay(drawId, returned, posted.receiptId));
  return {
    receiptId: posted.receiptId.toString(),
    cid: sealed.receipt.cid,
    pnl: sealed.receipt.summary.pnl.toString(),
    principal: principal.toString(),
    returned: returned.toString(),
  };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: {
      rpc: { type: "string", default: "http://127.0.0.1:8545" },
      network: { type: "string", default: "localhost" },
      amount: { type: "string" },
      profit: { type: "string" },
      workdir: { type: "string" },
    },
    allowPositionals: true,
  });
  const parsed = argsSchema.safeParse({ ...values, step: positionals[0] });
  if (!parsed.success)
    throw new KeeperCycleError(
      parsed.error.issues.map((i) => `${i.path.join(".") || "step"}: ${i.message}`).join("; ") +
        " (usage: keeper-cycle.ts [--rpc URL] [--network NAME] onboard | draw --amount A | repay --profit P)",
    );
  const a = parsed.data;
  const c = await contracts(a.rpc, a.network);
  let out: unknown;
  if (a.step === "onboard") out = await onboard(c);
  else if (a.step === "draw") {
    if (a.amount === undefined) throw new KeeperCycleError("draw needs --amount");
    out = await draw(c, a.amount);
  } else {
    if (a.profit === undefined) throw new KeeperCycleError("repay needs --profit");
    out = await repay(c, a.profit, a.workdir ?? join(ROOT, "test-results", "keeper-cycle", a.network));
  }
  console.log(JSON.stringify({ step: a.step, ...(out as object) }));
  c.provider.destroy();
}

main().catch((err: unknown) => {
  console.error(err instanceof KeeperCycleError ? `error: ${err.message}` : err);
  process.exitCode = 1;
});

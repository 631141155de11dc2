import { createPublicClient, http, stringToHex, type Abi, type Address, type Hex, type PublicClient } from "viem";
import { SLEEVES, SLEEVE_TARGET_KEYS } from "../contracts/expected";
import { abis, vaultAbi } from "../generated/contracts";
import { contractAddress, NAMES, type AppDeployment } from "../lib/deployment";
import { deriveActivity, type ChainActivity, type EventPos } from "../lib/keeperActivity";
import { annualisedVolatility, realisedApy, sampleBlocks } from "../lib/stats";
import { BlockTimes, EventCache, type ChainLog } from "./events";

/** JSON of the risk dashboard (amounts as decimal strings of base units, prices as numbers). */
export interface DashboardData {
  network: string;
  chainId: number;
  head: { number: string; timestamp: number };
  missing: string[];
  asset: { address: Address; symbol: string; decimals: number; totalSupply: string } | null;
  vault: {
    address: Address;
    decimals: number;
    totalAssets: string;
    totalSupply: string;
    paused: boolean;
    breakerTripped: boolean;
    /**
     * Per sleeve (0 market making, 1 arbitrage, 2 buffer): `assets` (`sleeveAssets`), `drawn` (`sleeveDrawn`, held
     * by keepers; "0" for the buffer), `targetBps` (Parameters' sleeve target, null when Parameters is not
     * deployed) and `target` = totalAssets × targetBps / 10_000.
     */
    sleeves: { name: string; assets: string; drawn: string; targetBps: number | null; target: string | null }[];
    /** Assets per whole share, in asset units (a float: for charts). */
    sharePrice: number;
    history: { block: string; timestamp: number; sharePrice: number }[];
    volatility: number | null;
    realisedApy: number | null;
    /** Change of the share price since the first sample × shares outstanding now, asset base units. */
    pnl: string;
  } | null;
  /** Keepers bound to an operator (from `KeeperBound` events), with their SLA figures. */
  keepers:
    | {
        keeper: Address;
        operator: Address;
        score: number;
        eligible: boolean;
        /** Availability in bps (heartbeat freshness). */
        health: number;
        lastSeen: number;
        successes: string;
        failures: string;
        expiries: string;
        frauds: string;
        /** Mean execution delay in seconds over decayed outcomes; null without outcomes. */
        meanDelay: number | null;
      }[]
    | null;
  /**
   * What each keeper did, derived from chain events since the deployment block (lib/keeperActivity.ts): current
   * mode, mode timeline, switches, PnL per strategy type. Null until CampaignRegistry and KeeperCapital are deployed.
   */
  activity: {
    /** Timeline bounds: deployment block's time and the head's. */
    from: number;
    to: number;
    keepers: {
      keeper: Address;
      mode: string;
      claims: number;
      switches: number;
      switchTimes: number[];
      timeline: { mode: string; from: number; to: number }[];
      pnl: {
        strategy: string;
        pnl: string;
        drawn: string;
        draws: number;
        repaid: number;
        liquidated: number;
        receiptPnl: string;
        receipts: number;
      }[];
    }[];
  } | null;
  receipts: {
    total: number;
    latest: {
      id: number;
      keeper: Address;
      postedAt: number;
      campaignId: string;
      traceRoot: string;
      cid: string;
      leafCount: number;
      volume: string;
      pnl: string;
    }[];
    stats: { executions: number; profitable: number; volume: string; pnl: string; keepers: number };
  } | null;
}

/** How many of the latest receipts the dashboard reads for its stats (the newest 10 are listed). */
const RECEIPT_SCAN_LIMIT = 500;

export function chainClient(rpcUrl: string): PublicClient {
  return createPublicClient({ transport: http(rpcUrl, { timeout: 5_000, batch: true }) });
}

async function readAsset(client: PublicClient, address: Address) {
  const c = { address, abi: abis.TestStablecoin } as const;
  const [symbol, decimals, totalSupply] = await Promise.all([
    client.readContract({ ...c, functionName: "symbol" }),
    client.readContract({ ...c, functionName: "decimals" }),
    client.readContract({ ...c, functionName: "totalSupply" }),
  ]);
  return { address, symbol, decimals, totalSupply: totalSupply.toString() };
}

async function readVault(
  client: PublicClient,
  address: Address,
  parameters: Address | undefined,
  fromBlock: bigint,
  head: bigint,
  points: number,
  assetDecimals: number,
) {
  // Every figure of the allocation at the same block (keepers move capital between blocks).
  const c = { address, abi: vaultAbi, blockNumber: head } as const;
  const [decimals, totalAssets, totalSupply, paused, breakerTripped, sleeves, drawn, targets] = await Promise.all([
    client.readContract({ ...c, functionName: "decimals" }),
    client.readContract({ ...c, functionName: "totalAssets" }),
    client.readContract({ ...c, functionName: "totalSupply" }),
    client.readContract({ ...c, functionName: "paused" }),
    client.readContract({ ...c, functionName: "breakerTripped" }),
    Promise.all(SLEEVES.map((_, i) => client.readContract({ ...c, functionName: "sleeveAssets", args: [i] }))),
    // The buffer is never drawn (`sleeveDrawn(2)` is 0): read only the two keeper sleeves.
    Promise.all(
      SLEEVES.map((_, i) => (i < 2 ? client.readContract({ ...c, functionName: "sleeveDrawn", args: [i] }) : 0n)),
    ),
    parameters
      ? Promise.all(
          SLEEVE_TARGET_KEYS.map((key) =>
            client.readContract({
              address: parameters,
              abi: abis.IParameters,
              functionName: "get",
              args: [stringToHex(key, { size: 32 })],
              blockNumber: head,
            }),
          ),
        )
      : null,
  ]);
  const one = 10n ** BigInt(decimals);
  const scale = 10 ** assetDecimals;
  const history = await Promise.all(
    sampleBlocks(fromBlock, head, points).map(async (blockNumber) => {
      const [price, block] = await Promise.all([
        client.readContract({ address, abi: vaultAbi, functionName: "convertToAssets", args: [one], blockNumber }),
        client.getBlock({ blockNumber }),
      ]);
      return { block: blockNumber.toString(), timestamp: Number(block.timestamp), sharePrice: Number(price) / scale };
    }),
  );
  const first = history[0];
  const last = history[history.length - 1];
  const sharePrice = last?.sharePrice ?? 0;
  const pnl = first ? (BigInt(Math.round((sharePrice - first.sharePrice) * scale)) * totalSupply) / one : 0n;
  return {
    address,
    decimals,
    totalAssets: totalAssets.toString(),
    totalSupply: totalSupply.toString(),
    paused,
    breakerTripped,
    sleeves: SLEEVES.map((name, i) => ({
      name,
      assets: sleeves[i]!.toString(),
      drawn: drawn[i]!.toString(),
      targetBps: targets ? Number(targets[i]) : null,
      target: targets ? ((totalAssets * targets[i]!) / 10_000n).toString() : null,
    })),
    sharePrice,
    history,
    volatility: annualisedVolatility(history.map((h) => ({ timestamp: h.timestamp, price: h.sharePrice }))),
    realisedApy:
      first && last ? realisedApy(first.sharePrice, last.sharePrice, last.timestamp - first.timestamp) : null,
    pnl: pnl.toString(),
  };
}

async function readReceipts(client: PublicClient, address: Address): Promise<NonNullable<DashboardData["receipts"]>> {
  const c = { address, abi: abis.ReceiptRegistry } as const;
  const count = Number(await client.readContract({ ...c, functionName: "receiptCount" }));
  // Ids run 1..count; the stats cover the latest RECEIPT_SCAN_LIMIT of them.
  const ids = Array.from({ length: Math.min(count, RECEIPT_SCAN_LIMIT) }, (_, i) => count - i).reverse();
  const all = await Promise.all(
    ids.map(async (id) => ({
      id,
      r: await client.readContract({ ...c, functionName: "getReceipt", args: [BigInt(id)] }),
    })),
  );
  const keepers = new Set(all.map(({ r }) => r.keeper));
  return {
    total: count,
    latest: all
      .slice(-10)
      .reverse()
      .map(({ id, r }) => ({
        id,
        keeper: r.keeper,
        postedAt: Number(r.postedAt),
        campaignId: r.campaignId,
        traceRoot: r.traceRoot,
        cid: r.cid,
        leafCount: r.leafCount,
        volume: r.summary.volume.toString(),
        pnl: r.summary.pnl.toString(),
      })),
    stats: {
      executions: all.length,
      profitable: all.filter(({ r }) => r.summary.pnl > 0n).length,
      volume: all.reduce((s, { r }) => s + r.summary.volume, 0n).toString(),
      pnl: all.reduce((s, { r }) => s + r.summary.pnl, 0n).toString(),
      keepers: keepers.size,
    },
  };
}

async function readKeepers(
  client: PublicClient,
  address: Address,
  fromBlock: bigint,
): Promise<NonNullable<DashboardData["keepers"]>> {
  const c = { address, abi: abis.ReputationOracle } as const;
  const bound = await client.getContractEvents({ ...c, eventName: "KeeperBound", fromBlock, toBlock: "latest" });
  const keepers = [...new Set(bound.map((e) => e.args.keeper!))];
  return Promise.all(
    keepers.map(async (keeper) => {
      const [operator, score, eligible, health, lastSeen, counters] = await Promise.all([
        client.readContract({ ...c, functionName: "operatorOf", args: [keeper] }),
        client.readContract({ ...c, functionName: "score", args: [keeper] }),
        client.readContract({ ...c, functionName: "isEligible", args: [keeper] }),
        client.readContract({ ...c, functionName: "health", args: [keeper] }),
        client.readContract({ ...c, functionName: "lastSeen", args: [keeper] }),
        client.readContract({ ...c, functionName: "countersOf", args: [keeper] }),
      ]);
      const outcomes = counters.successes + counters.failures + counters.expiries;
      return {
        keeper,
        operator,
        score: Number(score),
        eligible,
        health: Number(health),
        lastSeen: Number(lastSeen),
        successes: counters.successes.toString(),
        failures: counters.failures.toString(),
        expiries: counters.expiries.toString(),
        frauds: counters.frauds.toString(),
        meanDelay: outcomes === 0n ? null : Number(counters.delaySum) / Number(outcomes),
      };
    }),
  );
}

const events = new EventCache();
const blockTimes = new BlockTimes();

/** Events this module reads, by contract. */
async function readLogs(
  client: PublicClient,
  chainId: number,
  address: Address,
  abi: Abi,
  eventName: string,
  fromBlock: bigint,
  head: bigint,
): Promise<(EventPos & { args: Record<string, unknown> })[]> {
  const logs: ChainLog[] = await events.logs(client, chainId, address, abi, eventName, fromBlock, head);
  const times = await blockTimes.of(client, logs);
  return logs.map((l) => ({
    blockNumber: l.blockNumber,
    logIndex: l.logIndex,
    timestamp: times.get(l.blockHash)!,
    args: l.args,
  }));
}

async function readActivity(
  client: PublicClient,
  chainId: number,
  at: { campaigns: Address; capital: Address; receipts: Address | undefined },
  keepers: readonly Address[],
  fromBlock: bigint,
  head: { number: bigint; timestamp: bigint },
): Promise<NonNullable<DashboardData["activity"]>> {
  const read = (address: Address, abi: Abi, eventName: string) =>
    readLogs(client, chainId, address, abi, eventName, fromBlock, head.number);
  const cr = abis.CampaignRegistry as Abi;
  const kc = abis.KeeperCapital as Abi;
  const [published, claimed, ended, settled, drawn, repaid, liquidated, posted, start] = await Promise.all([
    read(at.campaigns, cr, "CampaignPublished"),
    read(at.campaigns, cr, "CampaignClaimed"),
    read(at.campaigns, cr, "CampaignClaimEnded"),
    read(at.campaigns, cr, "CampaignSettled"),
    read(at.capital, kc, "Drawn"),
    read(at.capital, kc, "Repaid"),
    read(at.capital, kc, "Liquidated"),
    at.receipts ? read(at.receipts, abis.ReceiptRegistry as Abi, "ReceiptPosted") : Promise.resolve([]),
    client.getBlock({ blockNumber: fromBlock }),
  ]);
  const pos = ({ blockNumber, logIndex, timestamp }: EventPos) => ({ blockNumber, logIndex, timestamp });
  const a: ChainActivity = {
    published: published.map((e) => ({
      ...pos(e),
      campaignId: e.args.campaignId as Hex,
      strategyId: (e.args.spec as { route: { strategyId: Hex } }).route.strategyId,
    })),
    claimed: claimed.map((e) => ({
      ...pos(e),
      campaignId: e.args.campaignId as Hex,
      keeper: e.args.keeper as Hex,
      deadline: Number(e.args.deadline as bigint),
    })),
    claimEnded: [...ended, ...settled].map((e) => ({
      ...pos(e),
      campaignId: e.args.campaignId as Hex,
      keeper: e.args.keeper as Hex,
    })),
    drawn: drawn.map((e) => ({
      ...pos(e),
      drawId: e.args.drawId as bigint,
      keeper: e.args.keeper as Hex,
      campaignId: e.args.campaignId as Hex,
      sleeve: Number(e.args.sleeve),
      amount: e.args.amount as bigint,
    })),
    repaid: repaid.map((e) => ({
      ...pos(e),
      drawId: e.args.drawId as bigint,
      keeper: e.args.keeper as Hex,
      principal: e.args.principal as bigint,
      returned: e.args.returned as bigint,
      profit: e.args.profit as bigint,
      shortfall: e.args.shortfall as bigint,
    })),
    liquidated: liquidated.map((e) => ({
      ...pos(e),
      drawId: e.args.drawId as bigint,
      owed: e.args.owed as bigint,
      loss: e.args.loss as bigint,
    })),
    receipts: posted.map((e) => ({
      keeper: e.args.keeper as Hex,
      campaignId: e.args.campaignId as Hex,
      pnl: (e.args.summary as { pnl: bigint }).pnl,
    })),
  };
  const from = Number(start.timestamp);
  const to = Number(head.timestamp);
  return {
    from,
    to,
    keepers: deriveActivity(a, keepers, from, to).map((k) => ({
      keeper: k.keeper,
      mode: k.mode,
      claims: k.claims,
      switches: k.switches,
      switchTimes: k.switchTimes,
      timeline: k.timeline,
      pnl: k.pnl.map((r) => ({
        ...r,
        pnl: r.pnl.toString(),
        drawn: r.drawn.toString(),
        receiptPnl: r.receiptPnl.toString(),
      })),
    })),
  };
}

/** Everything the risk dashboard shows, read from the chain now. */
export async function readDashboard(
  client: PublicClient,
  network: string,
  deployment: AppDeployment | null,
  points: number,
): Promise<DashboardData> {
  const head = await client.getBlock();
  const chainId = await client.getChainId();
  const at = (name: string) => contractAddress(deployment, name);
  const expected = [
    NAMES.asset,
    NAMES.vault,
    NAMES.receipts,
    NAMES.reputation,
    NAMES.parameters,
    NAMES.campaigns,
    NAMES.capital,
  ];
  const assetAddress = at(NAMES.asset);
  const vaultAddress = at(NAMES.vault);
  const receiptsAddress = at(NAMES.receipts);
  const reputationAddress = at(NAMES.reputation);
  const asset = assetAddress ? await readAsset(client, assetAddress) : null;
  const fromBlock = BigInt(deployment?.blockNumber ?? 0);
  const keepers = reputationAddress ? await readKeepers(client, reputationAddress, fromBlock) : null;
  const campaigns = at(NAMES.campaigns);
  const capital = at(NAMES.capital);
  return {
    network,
    chainId,
    head: { number: head.number.toString(), timestamp: Number(head.timestamp) },
    missing: expected.filter((n) => !at(n)),
    asset,
    vault: vaultAddress
      ? await readVault(
          client,
          vaultAddress,
          at(NAMES.parameters),
          fromBlock,
          head.number,
          points,
          asset?.decimals ?? 18,
        )
      : null,
    keepers,
    activity:
      campaigns && capital
        ? await readActivity(
            client,
            chainId,
            { campaigns, capital, receipts: receiptsAddress },
            (keepers ?? []).map((k) => k.keeper),
            fromBlock,
            head,
          )
        : null,
    receipts: receiptsAddress ? await readReceipts(client, receiptsAddress) : null,
  };
}

import { createPublicClient, http, type Address, type PublicClient } from "viem";
import { SLEEVES } from "../contracts/expected";
import { abis, vaultAbi } from "../generated/contracts";
import { contractAddress, NAMES, type AppDeployment } from "../lib/deployment";
import { annualisedVolatility, realisedApy, sampleBlocks } from "../lib/stats";

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
    sleeves: { name: string; assets: string }[];
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
  fromBlock: bigint,
  head: bigint,
  points: number,
  assetDecimals: number,
) {
  const c = { address, abi: vaultAbi } as const;
  const [decimals, totalAssets, totalSupply, paused, breakerTripped, ...sleeves] = await Promise.all([
    client.readContract({ ...c, functionName: "decimals" }),
    client.readContract({ ...c, functionName: "totalAssets" }),
    client.readContract({ ...c, functionName: "totalSupply" }),
    client.readContract({ ...c, functionName: "paused" }),
    client.readContract({ ...c, functionName: "breakerTripped" }),
    ...SLEEVES.map((_, i) => client.readContract({ ...c, functionName: "sleeveAssets", args: [i] })),
  ]);
  const one = 10n ** BigInt(decimals);
  const scale = 10 ** assetDecimals;
  const history = await Promise.all(
    sampleBlocks(fromBlock, head, points).map(async (blockNumber) => {
      const [price, block] = await Promise.all([
        client.readContract({ ...c, functionName: "convertToAssets", args: [one], blockNumber }),
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
    sleeves: SLEEVES.map((name, i) => ({ name, assets: (sleeves[i] as bigint).toString() })),
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
  const expected = [NAMES.asset, NAMES.vault, NAMES.receipts, NAMES.reputation];
  const assetAddress = at(NAMES.asset);
  const vaultAddress = at(NAMES.vault);
  const receiptsAddress = at(NAMES.receipts);
  const reputationAddress = at(NAMES.reputation);
  const asset = assetAddress ? await readAsset(client, assetAddress) : null;
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
          BigInt(deployment!.blockNumber),
          head.number,
          points,
          asset?.decimals ?? 18,
        )
      : null,
    keepers: reputationAddress ? await readKeepers(client, reputationAddress, BigInt(deployment!.blockNumber)) : null,
    receipts: receiptsAddress ? await readReceipts(client, receiptsAddress) : null,
  };
}

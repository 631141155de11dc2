import type { Abi, Address, PublicClient } from "viem";

/** Blocks per `eth_getLogs` call: reads from the deployment block are split into pages this long. */
export const LOG_PAGE_BLOCKS = 5_000n;
/** Logs this close to the head are read again on every call (a reorg may replace them); older ones are cached. */
export const REORG_DEPTH = 12n;

/** A decoded log with what ordering and timing need. */
export interface ChainLog {
  blockNumber: bigint;
  logIndex: number;
  blockHash: `0x${string}`;
  args: Record<string, unknown>;
}

interface Entry {
  /** Logs of blocks `fromBlock..cachedTo`, final (older than the reorg depth when read). */
  logs: ChainLog[];
  cachedTo: bigint;
  /** Hash of block `cachedTo` when it was cached: a different hash now means the chain was replaced. */
  hash: `0x${string}` | null;
}

/**
 * Logs of one event of one contract since a block, read in pages and cached per process: each call reads only the
 * blocks after the last final one it cached, plus the `REORG_DEPTH` newest. A chain replaced under the cache (a
 * restarted local node, a reorg deeper than the depth) is detected by the cached block's hash and read again.
 */
export class EventCache {
  private readonly entries = new Map<string, Entry>();
  /** How many `eth_getLogs` calls this cache made (observability and tests). */
  pagesRead = 0;

  async logs(
    client: PublicClient,
    chainId: number,
    address: Address,
    abi: Abi,
    eventName: string,
    fromBlock: bigint,
    head: bigint,
  ): Promise<ChainLog[]> {
    const key = `${chainId}:${address.toLowerCase()}:${eventName}:${fromBlock}`;
    let entry = this.entries.get(key);
    if (entry && (entry.cachedTo > head || !(await this.sameBlock(client, entry)))) entry = undefined;
    const start = entry ? entry.cachedTo + 1n : fromBlock;
    const fresh: ChainLog[] = [];
    for (let from = start; from <= head; from += LOG_PAGE_BLOCKS) {
      const to = from + LOG_PAGE_BLOCKS - 1n < head ? from + LOG_PAGE_BLOCKS - 1n : head;
      this.pagesRead++;
      const page = await client.getContractEvents({ address, abi, eventName, fromBlock: from, toBlock: to } as never);
      for (const l of page as unknown as ChainLog[])
        fresh.push({ blockNumber: l.blockNumber, logIndex: l.logIndex, blockHash: l.blockHash, args: l.args });
    }
    const all = [...(entry?.logs ?? []), ...fresh];
    const final = head - REORG_DEPTH;
    if (final >= start) {
      const block = await client.getBlock({ blockNumber: final });
      this.entries.set(key, { logs: all.filter((l) => l.blockNumber <= final), cachedTo: final, hash: block.hash });
    }
    return all;
  }

  private async sameBlock(client: PublicClient, e: Entry): Promise<boolean> {
    if (e.hash === null) return true;
    const block = await client.getBlock({ blockNumber: e.cachedTo }).catch(() => null);
    return block?.hash === e.hash;
  }
}

/** Block timestamps by block hash, cached (a block's time never changes for its hash). */
export class BlockTimes {
  private readonly times = new Map<string, number>();

  async of(client: PublicClient, logs: readonly ChainLog[]): Promise<Map<`0x${string}`, number>> {
    const missing = [...new Set(logs.map((l) => l.blockHash))].filter((h) => !this.times.has(h));
    // Batched by the transport (`batch: true`).
    const read = await Promise.all(missing.map((blockHash) => client.getBlock({ blockHash })));
    read.forEach((b) => this.times.set(b.hash, Number(b.timestamp)));
    return new Map(logs.map((l) => [l.blockHash, this.times.get(l.blockHash)!]));
  }
}

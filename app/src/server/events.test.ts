import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PublicClient } from "viem";
import { BlockTimes, EventCache, LOG_PAGE_BLOCKS, REORG_DEPTH } from "./events";

const ADDR = "0x00000000000000000000000000000000000000c1" as const;

/** An in-memory chain: one log per listed block; `fork` changes the hashes from a block on. */
function chain(logBlocks: bigint[]) {
  let salt = "a";
  const hash = (b: bigint) => `0x${salt}${b.toString(16).padStart(63, "0")}` as `0x${string}`;
  const calls: [bigint, bigint][] = [];
  const client = {
    getContractEvents: async ({ fromBlock, toBlock }: { fromBlock: bigint; toBlock: bigint }) => {
      calls.push([fromBlock, toBlock]);
      return logBlocks
        .filter((b) => b >= fromBlock && b <= toBlock)
        .map((b) => ({ blockNumber: b, logIndex: 0, blockHash: hash(b), args: { n: b } }));
    },
    getBlock: async ({ blockNumber, blockHash }: { blockNumber?: bigint; blockHash?: `0x${string}` }) => {
      const n = blockNumber ?? BigInt(`0x${blockHash!.slice(3)}`);
      return { number: n, hash: hash(n), timestamp: 1_000n + n };
    },
  };
  return {
    client: client as unknown as PublicClient,
    calls,
    fork: () => {
      salt = "b";
    },
  };
}

describe("EventCache", () => {
  it("logs_readsInBoundedPagesFromTheDeploymentBlock", async () => {
    const c = chain([3n, 5_001n, 12_000n]);
    const cache = new EventCache();
    const logs = await cache.logs(c.client, 1, ADDR, [], "E", 1n, 12_345n);
    assert.deepEqual(
      logs.map((l) => l.blockNumber),
      [3n, 5_001n, 12_000n],
    );
    for (const [from, to] of c.calls) assert.ok(to - from + 1n <= LOG_PAGE_BLOCKS);
    assert.deepEqual(c.calls[0], [1n, LOG_PAGE_BLOCKS]);
    assert.equal(c.calls.at(-1)![1], 12_345n);
  });

  it("logs_nextCallReadsOnlyTheBlocksAfterTheCachedFinalOnes", async () => {
    const c = chain([3n, 90n, 99n]);
    const cache = new EventCache();
    await cache.logs(c.client, 1, ADDR, [], "E", 1n, 100n);
    c.calls.length = 0;
    const logs = await cache.logs(c.client, 1, ADDR, [], "E", 1n, 105n);
    assert.deepEqual(c.calls, [[100n - REORG_DEPTH + 1n, 105n]]);
    assert.deepEqual(
      logs.map((l) => l.blockNumber),
      [3n, 90n, 99n],
      "cached and re-read logs are not duplicated",
    );
  });

  it("logs_aReplacedChainIsReadAgainFromTheStart", async () => {
    const c = chain([3n, 50n]);
    const cache = new EventCache();
    await cache.logs(c.client, 1, ADDR, [], "E", 1n, 100n);
    c.fork();
    c.calls.length = 0;
    await cache.logs(c.client, 1, ADDR, [], "E", 1n, 101n);
    assert.deepEqual(c.calls[0], [1n, 101n]);
    c.calls.length = 0;
    // A head below the cache (a restarted node) also starts over.
    await cache.logs(c.client, 1, ADDR, [], "E", 1n, 20n);
    assert.deepEqual(c.calls, [[1n, 20n]]);
  });
});

describe("BlockTimes", () => {
  it("of_readsEachBlockOnceByHash", async () => {
    const c = chain([3n, 7n]);
    let reads = 0;
    const counting = {
      ...c.client,
      getBlock: async (a: { blockHash: `0x${string}` }) => {
        reads++;
        return c.client.getBlock(a);
      },
    } as unknown as PublicClient;
    const logs = await new EventCache().logs(c.client, 1, ADDR, [], "E", 1n, 10n);
    const times = new BlockTimes();
    const t1 = await times.of(counting, logs);
    const t2 = await times.of(counting, [...logs, ...logs]);
    assert.equal(reads, 2);
    assert.deepEqual([...t2.values()], [1_003, 1_007]);
    assert.deepEqual(t1, t2);
  });
});

/**
 * Test support for chain tests and the keeper-scale bench: a `ReceiptPoster` that encodes, signs (EIP-712, the
 * `ReceiptRegistry` domain and types) and posts a receipt for a list of trade leaves, exactly as the contract
 * verifies it, with no trace file and no content store (the CID is whatever the caller passes). The keeper node
 * posts through `recording/poster.ts` (`RecordingReceiptPoster`: trace, store, sealed receipt) instead.
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { concat, encodeBytes32String, keccak256, toUtf8Bytes } from "ethers";
import type { ReceiptPoster } from "../adapter.js";
import type { EvmChainAdapter } from "../evm.js";
import { TRACE_LEAF_ENCODING } from "../../recording/trace.js";
import { RECEIPT_TYPES } from "../../recording/receipt.js";

export interface TradeLeaf {
  campaignId: string;
  timestamp: bigint;
  executionId: string;
  venue: string;
  side: number;
  price: bigint;
  size: bigint;
  fee: bigint;
  minPrice: bigint;
  maxPrice: bigint;
}

export interface LeafReceipt {
  campaignId: string;
  leaves: TradeLeaf[];
  summary: { volume: bigint; avgPrice: bigint; pnl: bigint };
  cid: string;
}

export const leafValues = (l: TradeLeaf) => [
  l.campaignId,
  l.timestamp,
  l.executionId,
  l.venue,
  l.side,
  l.price,
  l.size,
  l.fee,
  l.minPrice,
  l.maxPrice,
];

/**
 * Two fills of 0.1 (18 decimals) of `campaignId` at `price` (8 decimals), a buy on `alpha` and a sell on `beta`, no
 * fee, inside the band 3,000-3,100; `tag` makes their execution ids distinct from other tests' fills.
 */
export function twoFillsAt(campaignId: string, price: bigint, tag: string): TradeLeaf[] {
  return [0, 1].map((i) => ({
    campaignId,
    timestamp: 1_764_000_000n + BigInt(i),
    executionId: keccak256(toUtf8Bytes(`${tag} ${campaignId} ${i}`)),
    venue: encodeBytes32String(i === 0 ? "alpha" : "beta"),
    side: i,
    price,
    size: 10n ** 17n,
    fee: 0n,
    minPrice: 3_000n * 10n ** 8n,
    maxPrice: 3_100n * 10n ** 8n,
  }));
}

export function treeOf(leaves: readonly TradeLeaf[]) {
  const tree = StandardMerkleTree.of(leaves.map(leafValues), [...TRACE_LEAF_ENCODING]);
  return { tree, root: tree.root, executionHash: keccak256(concat(leaves.map((l) => l.executionId))) };
}

export class LeafReceiptPoster implements ReceiptPoster<LeafReceipt> {
  constructor(private readonly chain: EvmChainAdapter) {}

  async post(r: LeafReceipt): Promise<{ receiptId: bigint; txHash?: string }> {
    const { root, executionHash } = treeOf(r.leaves);
    const existing = await this.chain.receiptIdByRoot(root);
    if (existing !== 0n) return { receiptId: existing };
    // The same executions under another root were already posted: never a second receipt for them.
    const sameExecutions = await this.chain.receipts.receiptIdByExecutionHash(executionHash);
    if (sameExecutions !== 0n) {
      const posted = await this.chain.getReceipt(sameExecutions);
      if (posted.keeper === this.chain.account && posted.campaignId === r.campaignId) {
        return { receiptId: sameExecutions };
      }
    }
    const input = {
      keeper: this.chain.account,
      campaignId: r.campaignId,
      traceRoot: root,
      executionHash,
      leafCount: BigInt(r.leaves.length),
      summary: r.summary,
      cid: r.cid,
      nonce: await this.chain.receipts.nonceOf(this.chain.account),
    };
    const domain = {
      name: "ReceiptRegistry",
      version: "1",
      chainId: this.chain.chainId,
      verifyingContract: this.chain.addresses.receipts,
    };
    const signature = await this.chain.sender.signer.signTypedData(domain, RECEIPT_TYPES, input);
    const data = this.chain.receipts.interface.encodeFunctionData("post", [input, signature]);
    const receipt = await this.chain.sender.send(`post receipt ${r.campaignId}`, {
      to: this.chain.addresses.receipts,
      data,
    });
    return { receiptId: await this.chain.receiptIdByRoot(root), txHash: receipt.hash };
  }
}

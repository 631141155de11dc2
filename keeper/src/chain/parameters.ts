import { decodeBytes32String, encodeBytes32String, type Provider } from "ethers";
import { Parameters__factory } from "../../../types/ethers-contracts/index.js";
import type { Parameters } from "../../../types/ethers-contracts/index.js";

/** Every on-chain parameter by its name (`roiThresholdBps` ...), as read at `blockNumber`. */
export interface ParametersSnapshot {
  blockNumber: number;
  values: Record<string, bigint>;
}

export interface ParameterChange {
  name: string;
  oldValue: bigint;
  newValue: bigint;
  blockNumber: number;
  txHash: string;
}

/**
 * Reads the `Parameters` contract and follows its `ParameterChanged` events, so the keeper retunes
 * between ticks when governance changes a threshold. Polling with a block cursor (not a websocket
 * subscription): robust to reconnects, and the cursor can be journalled so no change is missed.
 */
export class ParametersFollower {
  private readonly contract: Parameters;
  private cursor: number;

  constructor(
    address: string,
    private readonly provider: Provider,
    fromBlock = 0,
  ) {
    this.contract = Parameters__factory.connect(address, provider);
    this.cursor = fromBlock;
  }

  /** Last block whose events were processed. */
  get lastBlock(): number {
    return this.cursor;
  }

  /** Reads every key at the current block and moves the cursor there. */
  async snapshot(): Promise<ParametersSnapshot> {
    const blockNumber = await this.provider.getBlockNumber();
    const keys = await this.contract.keys({ blockTag: blockNumber });
    const values = await Promise.all(keys.map((k) => this.contract.get(k, { blockTag: blockNumber })));
    const out: Record<string, bigint> = {};
    keys.forEach((k, i) => (out[decodeBytes32String(k)] = values[i]!));
    this.cursor = blockNumber;
    return { blockNumber, values: out };
  }

  /** Changes since the last poll (or snapshot), oldest first. */
  async poll(): Promise<ParameterChange[]> {
    const head = await this.provider.getBlockNumber();
    if (head <= this.cursor) return [];
    const events = await this.contract.queryFilter(this.contract.filters.ParameterChanged(), this.cursor + 1, head);
    this.cursor = head;
    return events.map((e) => ({
      name: decodeBytes32String(e.args.key),
      oldValue: e.args.oldValue,
      newValue: e.args.newValue,
      blockNumber: e.blockNumber,
      txHash: e.transactionHash,
    }));
  }
}

/** The on-chain key of a parameter name. */
export const parameterKey = (name: string): string => encodeBytes32String(name);

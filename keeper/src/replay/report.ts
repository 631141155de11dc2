/** The replay's report (`report.json`; `html.ts` renders it). */
import type { ReplayReceipt } from "./recorder.js";

export interface ReplayFill {
  step: number;
  venue: string;
  symbol: string;
  side: "buy" | "sell";
  price: number;
  qty: number;
  quoteQty: number;
  fee: number;
  feeAsset: string;
  maker: boolean;
  clientOrderId: string;
}

export interface ReplayReport {
  scenario: string;
  steps: number;
  stepMs: number;
  account: string;
  strategies: { id: string; type: string; pair: string }[];
  /**
   * Mark-to-market PnL (quote units) after each step, from `startValue`; the account's balances per venue
   * and asset after the step; the volatility the engine saw at the step (bps over one hour, measured).
   */
  pnl: {
    step: number;
    value: number;
    pnl: number;
    realised: number;
    inventory: Record<string, Record<string, number>>;
    volatilityBps: Record<string, number>;
  }[];
  fills: ReplayFill[];
  /** Every switch with the current run's ROI, the challenger's and the governed threshold it had to pass (bps). */
  switches: {
    step: number;
    mode: string;
    from: string;
    to: string;
    fromRoi: number;
    toRoi: number;
    thresholdBps: number;
  }[];
  /** Engine breakers (`drawdown`, `slippage`) and the execution layer's circuit breaker (`execution`, with its reason). */
  breakerTrips: { step: number; breaker: string; pair: string; valueBps: number; until: number; reason?: string }[];
  runs: {
    runId: number;
    strategyId: string;
    startStep: number;
    endStep?: number;
    status?: string;
    pnl?: number;
    /** The pre-empted run this one resumes. */
    resumedFrom?: number;
    /** Why a failed run failed (first line). */
    error?: string;
  }[];
  /**
   * Every market-making run: its PnL baseline (the account's value on its venue when it started), its
   * PnL net of fees with the inventory marked at the venue's mid, and its inventory against its band.
   */
  marketMaking: {
    strategyId: string;
    runId: number;
    status: string;
    baselineValue: number;
    endValue: number;
    pnl: number;
    previousPnl: number;
    startInventory: number;
    endInventory: number;
    band: { min: number; max: number };
    insideBand: boolean;
    refreshes: number;
  }[];
  /**
   * Every campaign of a run (the live keeper's `EngineCampaigns.history`): how it ended and, when something filled,
   * its receipt as built in `<outDir>/receipts` and kept by the replay's local chain.
   */
  campaigns: {
    campaignId: string;
    strategyId: string;
    type: string;
    runId: number;
    outcome: string;
    status?: string;
    fills: number;
    receiptId?: number;
    receipt?: ReplayReceipt;
  }[];
  /** Governance changes made on the local chain during the replay (before the tick of `step`). */
  parameterChanges: { step: number; name: string; value: number }[];
  /** Balances of the account at the start and the end, per venue and asset (decimal strings). */
  balances: { start: Record<string, Record<string, string>>; end: Record<string, Record<string, string>> };
  /** Each venue's mid per market at the start and the end (decimal strings). */
  mids: { start: Record<string, string>; end: Record<string, string> };
  /** The keeper's error lines (level error and above), in order. */
  errors: string[];
  summary: {
    startValue: number;
    endValue: number;
    pnl: number;
    realisedPnl: number;
    fills: number;
    volume: number;
    fees: Record<string, number>;
    switches: number;
    breakerTrips: number;
    runs: number;
    campaigns: number;
    /** Campaigns settled on the local chain with their receipt. */
    settledCampaigns: number;
    /** Errors the keeper logged (each one line), and how many. */
    errors: number;
    /** Orders of the account still resting on any venue after the replay stopped (quotes are cancelled: 0). */
    openOrdersAtEnd: number;
  };
}

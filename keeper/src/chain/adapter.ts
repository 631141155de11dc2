/**
 * The chain operations a keeper needs, independent of any one chain. `EvmChainAdapter` (`evm.ts`) implements
 * them for EVM chains; another chain family implements the same interface and the dispatcher, the node and
 * the CLI work unchanged. Every method either completes on-chain (the transaction mined) or throws a
 * `KeeperError` (`ChainRevertError` with the decoded custom error, `ChainUnavailableError` after retries).
 */
import type { CampaignDispatch, CampaignSpec } from "../campaign/id.js";
import type { ParameterChange, ParametersSnapshot } from "./parameters.js";

export type CampaignStatus = "none" | "open" | "claimed" | "settled";
export type CampaignMode = "race" | "dispatch";
export type DispatchBy = "reputation" | "capital";

/** A campaign as the chain holds it. `status: "none"` means the id is unknown (all other fields zero). */
export interface CampaignState {
  id: string;
  status: CampaignStatus;
  mode: CampaignMode;
  publisher: string;
  publishedAt: bigint;
  claimant: string;
  claimedAt: bigint;
  claimDeadline: bigint;
  notBefore: bigint;
  notAfter: bigint;
  assetPair: string;
  strategyId: string;
  settledReceiptId: bigint;
  dispatchOrder: string[];
}

export interface PublishOptions {
  mode: CampaignMode;
  /** Ordering rule of `dispatchOrder` (dispatch mode). */
  dispatchBy?: DispatchBy;
  /** Assignee then backups (dispatch mode, 1..8); empty in race mode. */
  dispatchOrder?: readonly string[];
}

export interface PublishResult {
  id: string;
  /** False when the id already existed (the call recorded a republish penalty). */
  created: boolean;
  txHash: string;
}

/** Why a claim did not happen; the campaign state read after the refusal explains it. */
export type ClaimRefusal = "taken" | "settled" | "notYourTurn" | "outsideWindow" | "pairLocked" | "unknown";

export type ClaimResult =
  { claimed: true; deadline: bigint; txHash: string } | { claimed: false; reason: ClaimRefusal; detail: string };

export interface SettleResult {
  /** True when this call settled the campaign; false when the attempt lost (recorded, not penalised). */
  settled: boolean;
  txHash: string;
}

/** What the chain knows about a keeper (and its operator). */
export interface KeeperStatus {
  keeper: string;
  operator: string;
  attested: boolean;
  eligible: boolean;
  score: bigint;
  lastSeen: bigint;
  operatorActiveStake: bigint;
  attestedAt: bigint;
  measurementHash: string;
}

/** The fields a verifier signs for `AttestationRegistry.submitVerified` (see `IAttestationRegistry.VerifiedQuote`). */
export interface VerifiedQuoteFields {
  keeper: string;
  quoteHash: string;
  /** 1 = SGX, 2 = TDX. */
  teeType: number;
  measurementHash: string;
  /** 0 = UpToDate ... 6 = Revoked. */
  tcbStatus: number;
  /** The quote's 64 bytes of report data, hex. */
  reportData: string;
  verifiedAt: bigint;
}

/** A receipt as posted on-chain (`IReceiptView.Receipt`). */
export interface PostedReceipt {
  id: bigint;
  keeper: string;
  campaignId: string;
  traceRoot: string;
  leafCount: number;
  cid: string;
  postedAt: bigint;
}

/**
 * Posts a sealed, signed receipt to the receipt registry and returns its id. Injected: the recording module
 * owns the receipt's encoding and signature (`recording/post.ts`). Implementations must be idempotent on the
 * trace root: re-posting a receipt that already landed returns the existing id instead of failing.
 */
export interface ReceiptPoster<R = unknown> {
  post(receipt: R): Promise<{ receiptId: bigint; txHash?: string }>;
}

export interface ChainAdapter {
  readonly chainId: bigint;
  /** The address this adapter signs for. */
  readonly account: string;

  /** Latest block timestamp, seconds (the chain's clock: windows and deadlines are in it). */
  now(): Promise<bigint>;

  parametersSnapshot(): Promise<ParametersSnapshot>;
  /** Parameter changes since the last snapshot or poll, oldest first. */
  parameterChanges(): Promise<ParameterChange[]>;

  /** The campaign id of `spec` published with `dispatch` (race when omitted). */
  campaignIdOf(spec: CampaignSpec, dispatch?: CampaignDispatch): string;
  getCampaign(id: string): Promise<CampaignState>;
  publishCampaign(spec: CampaignSpec, opts: PublishOptions): Promise<PublishResult>;
  /** Claims; a lost race or a closed window is a `{ claimed: false }` answer, not an error. */
  claimCampaign(id: string): Promise<ClaimResult>;
  releaseCampaign(id: string): Promise<string>;
  settleCampaign(id: string, receiptId: bigint): Promise<SettleResult>;

  /** Operator: approves and stakes `amount` of the deposit asset. */
  stake(amount: bigint): Promise<string>;
  /** Operator: proposes `keeper` (first step of the binding). */
  proposeKeeper(keeper: string): Promise<string>;
  /** Keeper: accepts `operator` (second step of the binding). */
  acceptOperator(operator: string): Promise<string>;
  heartbeat(): Promise<string>;
  keeperStatus(keeper?: string): Promise<KeeperStatus>;

  /** Whether governance allowlisted this measurement hash (`Parameters.isMeasurementAllowed`). */
  measurementAllowed(measurementHash: string): Promise<boolean>;
  /** Verifier (VERIFIER_ROLE): records verified quote fields signed by this adapter's key. */
  submitVerifiedQuote(fields: VerifiedQuoteFields): Promise<string>;

  /** Posts through the injected poster. */
  postReceipt<R>(poster: ReceiptPoster<R>, receipt: R): Promise<{ receiptId: bigint; txHash?: string }>;
  getReceipt(id: bigint): Promise<PostedReceipt>;
  /** The id of the receipt with this trace root, 0 when none. */
  receiptIdByRoot(traceRoot: string): Promise<bigint>;
}

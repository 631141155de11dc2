/**
 * `LocalChain`: an in-process model of the on-chain rules the keeper relies on, for the modes that must not send a
 * transaction (paper) or run on a simulated clock (replay). It answers like `EvmChainAdapter` does (same results,
 * same `ChainRevertError` names and arguments where the contract reverts) for campaigns (`CampaignRegistry`:
 * publish, claim, release, settle, claim expiry), receipts (`ReceiptRegistry`: kept by id and by trace root, posted
 * through the injected poster), parameters (`Parameters`: the contract's defaults and bounds, changed through
 * `setParameter`, followed by `parameterChanges`) and the keeper's standing (heartbeat, eligibility, attestation).
 * Several keepers can share one ledger (`connect`), so races and dispatch turns can be played locally.
 *
 * What a local chain cannot do (stake, bind an operator, submit a verified quote) throws
 * `LocalChainUnsupportedError`. Rules: docs/SPECIFICATION.md "Keeper node / Paper mode".
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { ZeroAddress, ZeroHash, encodeBytes32String, getAddress, id as textHash } from "ethers";
import { campaignId, type CampaignDispatch, type CampaignSpec, RACE } from "../campaign/id.js";
import { KeeperError } from "../errors.js";
import type {
  CampaignState,
  ChainAdapter,
  ClaimResult,
  KeeperStatus,
  PostedReceipt,
  PublishOptions,
  PublishResult,
  ReceiptPoster,
  SettleResult,
} from "./adapter.js";
import { ChainRevertError } from "./errors.js";
import type { ParameterChange, ParametersSnapshot } from "./parameters.js";

/** A `ChainAdapter` method a local chain cannot perform (it has no token, no operator registry, no verifier). */
export class LocalChainUnsupportedError extends KeeperError {
  override name = "LocalChainUnsupportedError";
}

/** One parameter as `Parameters` defines it: default value and inclusive bounds. */
export interface ParameterDefinition {
  value: bigint;
  min: bigint;
  max: bigint;
}

const DAY = 86_400n;
const HOUR = 3_600n;
const BPS = 10_000n;

/**
 * The `Parameters` contract's keys with their defaults and bounds, in its definition order
 * (`contracts/governance/Parameters.sol`, constructor and `_defineDisputeKeys`); `local.test.ts` checks this table
 * against the contract source, so a change there fails the test until it is copied here.
 */
export const PARAMETER_DEFINITIONS: Readonly<Record<string, ParameterDefinition>> = Object.freeze({
  roiThresholdBps: { value: 15_000n, min: 10_000n, max: 50_000n },
  switchCooldownSeconds: { value: 60n, min: 0n, max: DAY },
  maxSwitchesPerHour: { value: 6n, min: 1n, max: 60n },
  debounceSeconds: { value: 10n, min: 0n, max: HOUR },
  maxSlippageBps: { value: 50n, min: 1n, max: 1_000n },
  retriesPerMinutePerPair: { value: 3n, min: 0n, max: 60n },
  pnlDrawdownBps: { value: 500n, min: 10n, max: 5_000n },
  breakerCooldownSeconds: { value: 300n, min: 60n, max: 7n * DAY },
  sleeveTargetMarketMakingBps: { value: 7_000n, min: 0n, max: BPS },
  sleeveTargetArbitrageBps: { value: 2_000n, min: 0n, max: BPS },
  sleeveTargetBufferBps: { value: 1_000n, min: 500n, max: BPS },
  keeperCapBps: { value: 2_500n, min: 100n, max: BPS },
  profitUnlockSeconds: { value: DAY, min: HOUR, max: 30n * DAY },
  maxLossBps: { value: 200n, min: 10n, max: 5_000n },
  priceDeviationBps: { value: 200n, min: 10n, max: 2_000n },
  oracleMaxAgeSeconds: { value: HOUR, min: 60n, max: 2n * DAY },
  lockTier1Seconds: { value: 30n * DAY, min: DAY, max: 365n * DAY },
  lockTier1MultiplierBps: { value: 15_000n, min: BPS, max: 50_000n },
  lockTier2Seconds: { value: 90n * DAY, min: DAY, max: 730n * DAY },
  lockTier2MultiplierBps: { value: 20_000n, min: BPS, max: 50_000n },
  earnShareBps: { value: 1_000n, min: 0n, max: 5_000n },
  keeperFeeBps: { value: 1_000n, min: 0n, max: 3_000n },
  rebalanceToleranceBps: { value: 100n, min: 10n, max: 2_000n },
  capitalStakeMultipleBps: { value: BPS, min: 1n, max: BPS },
  repayGraceSeconds: { value: HOUR, min: 60n, max: 7n * DAY },
  minStake: { value: 1_000_000_000n, min: 1_000_000n, max: 1_000_000_000_000n },
  minScore: { value: 5_000n, min: 0n, max: 8_000n },
  slashFractionBps: { value: 1_000n, min: 1n, max: 5_000n },
  whistleblowerShareBps: { value: 2_000n, min: 0n, max: 5_000n },
  challengeWindowSeconds: { value: DAY, min: HOUR, max: 30n * DAY },
  challengeBond: { value: 100_000_000n, min: 1_000_000n, max: 1_000_000_000_000n },
  unbondingSeconds: { value: 7n * DAY, min: DAY, max: 60n * DAY },
  scoreHalfLifeSeconds: { value: 7n * DAY, min: HOUR, max: 365n * DAY },
  heartbeatMaxAgeSeconds: { value: 600n, min: 60n, max: DAY },
  attestationMaxAgeSeconds: { value: DAY, min: HOUR, max: 30n * DAY },
  campaignRateLimitCount: { value: 10n, min: 1n, max: 1_000n },
  campaignRateWindowSeconds: { value: 60n, min: 1n, max: DAY },
  claimTtlSeconds: { value: 120n, min: 12n, max: DAY },
  dispatchWindowSeconds: { value: 30n, min: 1n, max: HOUR },
  republishPenaltyPoints: { value: 100n, min: 0n, max: BPS },
  revealWindowSeconds: { value: HOUR, min: 300n, max: DAY },
  arbitrationDeadlineSeconds: { value: 3n * DAY, min: HOUR, max: 30n * DAY },
  dataChallengeBond: { value: 10_000_000n, min: 100_000n, max: 1_000_000_000_000n },
  penaltyWeightBps: { value: 10_000n, min: 0n, max: 100_000n },
});

/** The on-chain key of a parameter name (as `parameters.ts`'s `parameterKey`). */
const parameterKey = (name: string): string => encodeBytes32String(name);

/** Longest dispatch list (`CampaignRegistry.MAX_DISPATCH`). */
const MAX_DISPATCH = 8;
/** A fresh keeper's score (`ReputationMath`: no history scores 10_000). */
const FRESH_SCORE = 10_000n;

/** The fields of a receipt the local registry keeps (what `ReceiptRegistry.post` stores). */
export interface LocalReceiptFields {
  campaignId: string;
  traceRoot: string;
  leafCount: number;
  cid: string;
  /** Distinct per execution (`ReceiptRegistry` refuses a second receipt of one execution). */
  executionHash: string;
}

/** A keeper as the local chain knows it: onboarded (bound, staked, attested) unless changed by `setKeeper`. */
export interface LocalKeeperState {
  operator: string;
  /** Revoked or suspended: not eligible. */
  revoked: boolean;
  /** Attested (a local chain has no verifier: the attestation holds until `setKeeper({ attested: false })`). */
  attested: boolean;
  attestedAt: bigint;
  lastSeen: bigint;
  operatorActiveStake: bigint;
  score: bigint;
}

interface StoredCampaign extends CampaignState {
  publisherOperator: string;
}

/** The state several `LocalChain` views share: one ledger is one chain. */
export class LocalLedger {
  readonly campaigns = new Map<string, StoredCampaign>();
  readonly receipts: PostedReceipt[] = [];
  readonly receiptByRoot = new Map<string, bigint>();
  readonly receiptByExecution = new Map<string, bigint>();
  readonly keepers = new Map<string, LocalKeeperState>();
  readonly values = new Map<string, bigint>();
  /** Every parameter change, oldest first (`ParameterChanged` events); `blockNumber` is the ledger's block. */
  readonly changes: ParameterChange[] = [];
  /** Creations per operator in the current rate window. */
  readonly rates = new Map<string, { start: bigint; count: bigint }>();
  /** When each asset pair was last claimed (one claim per pair per block timestamp). */
  readonly pairClaimedAt = new Map<string, bigint>();
  /** Republish penalty points per publisher (not decayed: a local run is short). */
  readonly penalties = new Map<string, bigint>();
  /** Lost settle attempts per keeper. */
  readonly lostAttempts = new Map<string, number>();
  /** Incremented by every state change (the "block" a snapshot or a change is read at). */
  blockNumber = 0;

  constructor(
    readonly chainId: bigint,
    readonly clock: () => bigint,
    overrides: Readonly<Record<string, bigint>> = {},
  ) {
    for (const [name, d] of Object.entries(PARAMETER_DEFINITIONS)) this.values.set(name, d.value);
    for (const [name, value] of Object.entries(overrides)) {
      checkParameter(name, value);
      this.values.set(name, value);
    }
    checkInvariants(this.values);
  }

  param(name: string): bigint {
    const v = this.values.get(name);
    if (v === undefined) throw new ChainRevertError(`get ${name}`, "ParametersUnknownKey", [parameterKey(name)]);
    return v;
  }

  /** Everything the ledger holds, as JSON text (bigints as `"<digits>n"`). */
  serialize(): string {
    const state: LedgerState = {
      version: LEDGER_STATE_VERSION,
      chainId: this.chainId,
      blockNumber: this.blockNumber,
      campaigns: [...this.campaigns.values()],
      receipts: this.receipts,
      receiptByRoot: [...this.receiptByRoot],
      receiptByExecution: [...this.receiptByExecution],
      keepers: [...this.keepers],
      values: [...this.values],
      changes: this.changes,
      rates: [...this.rates],
      pairClaimedAt: [...this.pairClaimedAt],
      penalties: [...this.penalties],
      lostAttempts: [...this.lostAttempts],
    };
    return JSON.stringify(state, (_k, x: unknown) => (typeof x === "bigint" ? `${x}n` : x));
  }

  /** Takes over the state `serialize` wrote (the clock stays this ledger's own). */
  restore(text: string, file: string): void {
    let state: LedgerState;
    try {
      state = JSON.parse(text, (_k, x: unknown) =>
        typeof x === "string" && /^-?\d+n$/.test(x) ? BigInt(x.slice(0, -1)) : x,
      ) as LedgerState;
    } catch (err) {
      throw new LocalChainStateError(`local chain state ${file} is not valid JSON`, { cause: err });
    }
    if (state?.version !== LEDGER_STATE_VERSION) {
      throw new LocalChainStateError(
        `local chain state ${file} has version ${String(state?.version)}, expected ${LEDGER_STATE_VERSION}`,
      );
    }
    if (state.chainId !== this.chainId) {
      throw new LocalChainStateError(`local chain state ${file} is of chain ${state.chainId}, not ${this.chainId}`);
    }
    const fill = <K, V>(m: Map<K, V>, entries: [K, V][]) => {
      m.clear();
      for (const [k, v] of entries) m.set(k, v);
    };
    this.campaigns.clear();
    for (const c of state.campaigns) this.campaigns.set(c.id.toLowerCase(), c);
    this.receipts.splice(0, this.receipts.length, ...state.receipts);
    fill(this.receiptByRoot, state.receiptByRoot);
    fill(this.receiptByExecution, state.receiptByExecution);
    fill(this.keepers, state.keepers);
    fill(this.values, state.values);
    this.changes.splice(0, this.changes.length, ...state.changes);
    fill(this.rates, state.rates);
    fill(this.pairClaimedAt, state.pairClaimedAt);
    fill(this.penalties, state.penalties);
    fill(this.lostAttempts, state.lostAttempts);
    this.blockNumber = state.blockNumber;
  }
}

/** Version of the state file a persistent `LocalChain` keeps. */
const LEDGER_STATE_VERSION = 1;

/** The state file of a persistent `LocalChain` (`serialize`). */
interface LedgerState {
  version: number;
  chainId: bigint;
  blockNumber: number;
  campaigns: StoredCampaign[];
  receipts: PostedReceipt[];
  receiptByRoot: [string, bigint][];
  receiptByExecution: [string, bigint][];
  keepers: [string, LocalKeeperState][];
  values: [string, bigint][];
  changes: ParameterChange[];
  rates: [string, { start: bigint; count: bigint }][];
  pairClaimedAt: [string, bigint][];
  penalties: [string, bigint][];
  lostAttempts: [string, number][];
}

/** A local chain's state file cannot be read back. */
export class LocalChainStateError extends KeeperError {
  override name = "LocalChainStateError";
}

function checkParameter(name: string, value: bigint): void {
  const d = PARAMETER_DEFINITIONS[name];
  if (!d) throw new ChainRevertError(`set ${name}`, "ParametersUnknownKey", [safeKey(name)]);
  if (value < d.min || value > d.max) {
    throw new ChainRevertError(`set ${name}`, "ParametersOutOfBounds", [safeKey(name), value, d.min, d.max]);
  }
}

/** `parameterKey` of a name that may not fit in bytes32 (then the name itself, for the message). */
function safeKey(name: string): string {
  try {
    return parameterKey(name);
  } catch {
    return name;
  }
}

/** `Parameters._checkInvariants`: rules that tie several keys together. */
function checkInvariants(values: ReadonlyMap<string, bigint>): void {
  const v = (n: string) => values.get(n) ?? 0n;
  const sum = v("sleeveTargetMarketMakingBps") + v("sleeveTargetArbitrageBps") + v("sleeveTargetBufferBps");
  if (sum !== BPS) throw new ChainRevertError("set parameters", "ParametersSleeveTargetsInvalid", [sum]);
  const atLeast = (key: string, floorKey: string) => {
    if (v(key) < v(floorKey)) {
      throw new ChainRevertError("set parameters", "ParametersOutOfBounds", [
        parameterKey(key),
        v(key),
        v(floorKey),
        PARAMETER_DEFINITIONS[key]!.max,
      ]);
    }
  };
  atLeast("unbondingSeconds", "challengeWindowSeconds");
  atLeast("lockTier2Seconds", "lockTier1Seconds");
  atLeast("lockTier2MultiplierBps", "lockTier1MultiplierBps");
  const shares = v("earnShareBps") + v("keeperFeeBps");
  if (shares > 5_000n) {
    throw new ChainRevertError("set parameters", "ParametersOutOfBounds", [
      parameterKey("earnShareBps"),
      shares,
      0n,
      5_000n,
    ]);
  }
}

export interface LocalChainOptions {
  /** The address this adapter acts for (default `LOCAL_ACCOUNT`). */
  account?: string;
  /** Default 31337 (a local development chain id; nothing is signed for it). */
  chainId?: bigint;
  /** The chain's clock in seconds (default: wall time). Replay passes scenario time. */
  now?: () => bigint;
  /** Parameter values over the contract's defaults (checked against its bounds and rules). */
  parameters?: Readonly<Record<string, bigint>>;
  /** Share the state of another local chain (another keeper on the same chain); the options above are then unused. */
  ledger?: LocalLedger;
  /**
   * Keeps the chain's state in this file (paper mode: `<dataDir>/paper/chain.json`): read at construction when it
   * exists, rewritten atomically (temporary file, rename) after every state change, so a restarted keeper finds the
   * campaigns it published, claimed and settled and the receipts it posted. Not with `ledger`.
   */
  stateFile?: string;
}

/** The default account of a local chain (no key stands behind it: nothing is signed). */
export const LOCAL_ACCOUNT = "0x000000000000000000000000000000000000a11c";

const STATUS_NAMES = ["none", "open", "claimed", "settled"] as const;

export class LocalChain implements ChainAdapter {
  readonly ledger: LocalLedger;
  readonly account: string;
  /** Position in `ledger.changes` already returned by `parameterChanges`. */
  private changeCursor: number;

  /** Where the state is kept (`stateFile`), or undefined (in memory only). */
  private readonly stateFile?: string;

  constructor(opts: LocalChainOptions = {}) {
    if (opts.ledger && opts.stateFile) {
      throw new KeeperError("a local chain takes either a shared ledger or a state file, not both");
    }
    this.ledger =
      opts.ledger ??
      new LocalLedger(
        opts.chainId ?? 31_337n,
        opts.now ?? (() => BigInt(Math.floor(Date.now() / 1000))),
        opts.parameters ?? {},
      );
    this.stateFile = opts.stateFile;
    if (this.stateFile && existsSync(this.stateFile)) {
      this.ledger.restore(readFileSync(this.stateFile, "utf8"), this.stateFile);
    }
    this.account = getAddress(opts.account ?? LOCAL_ACCOUNT);
    this.changeCursor = this.ledger.changes.length;
    this.enrol(this.account);
    this.save();
  }

  /** Writes the state file (if any) atomically: a crash leaves the previous state or this one, never a torn file. */
  private save(): void {
    if (!this.stateFile) return;
    mkdirSync(dirname(this.stateFile), { recursive: true });
    const tmp = `${this.stateFile}.tmp`;
    writeFileSync(tmp, this.ledger.serialize());
    renameSync(tmp, this.stateFile);
  }

  get chainId(): bigint {
    return this.ledger.chainId;
  }

  /** Another keeper on the same local chain (shared campaigns, receipts and parameters). */
  connect(account: string): LocalChain {
    return new LocalChain({ account, ledger: this.ledger });
  }

  /** Registers `keeper` as onboarded now (self-operated, minimum stake, attested, just seen), once. */
  private enrol(keeper: string): LocalKeeperState {
    const key = keeper.toLowerCase();
    let k = this.ledger.keepers.get(key);
    if (!k) {
      const now = this.ledger.clock();
      k = {
        operator: getAddress(keeper),
        revoked: false,
        attested: true,
        attestedAt: now,
        lastSeen: now,
        operatorActiveStake: this.ledger.param("minStake"),
        score: FRESH_SCORE,
      };
      this.ledger.keepers.set(key, k);
    }
    return k;
  }

  /** Changes what the chain knows of `keeper` (tests: a revoked key, an expired attestation, a silent keeper). */
  setKeeper(patch: Partial<LocalKeeperState>, keeper: string = this.account): void {
    Object.assign(this.enrol(keeper), patch);
    this.ledger.blockNumber++;
    this.save();
  }

  /** `Parameters.set` by governance: bounds and cross-parameter rules checked, the change followed. */
  setParameter(name: string, value: bigint): ParameterChange {
    return this.setParameters({ [name]: value })[0]!;
  }

  /** `Parameters.setMany`: all or nothing (e.g. the three sleeve targets, which must keep summing to 100%). */
  setParameters(values: Readonly<Record<string, bigint>>): ParameterChange[] {
    const next = new Map(this.ledger.values);
    for (const [name, value] of Object.entries(values)) {
      checkParameter(name, value);
      next.set(name, value);
    }
    checkInvariants(next);
    const blockNumber = ++this.ledger.blockNumber;
    const changes = Object.entries(values).map(([name, newValue], i) => {
      const oldValue = this.ledger.values.get(name)!;
      this.ledger.values.set(name, newValue);
      return { name, oldValue, newValue, blockNumber, txHash: localHash("param", blockNumber, i) };
    });
    this.ledger.changes.push(...changes);
    this.save();
    return changes;
  }

  now(): Promise<bigint> {
    return Promise.resolve(this.ledger.clock());
  }

  parametersSnapshot(): Promise<ParametersSnapshot> {
    this.changeCursor = this.ledger.changes.length;
    return Promise.resolve({
      blockNumber: this.ledger.blockNumber,
      values: Object.fromEntries(this.ledger.values),
    });
  }

  parameterChanges(): Promise<ParameterChange[]> {
    const out = this.ledger.changes.slice(this.changeCursor);
    this.changeCursor = this.ledger.changes.length;
    return Promise.resolve(out);
  }

  campaignIdOf(spec: CampaignSpec, dispatch: CampaignDispatch = RACE): string {
    return campaignId(spec, dispatch);
  }

  getCampaign(id: string): Promise<CampaignState> {
    const c = this.ledger.campaigns.get(id.toLowerCase());
    if (!c) return Promise.resolve(emptyCampaign(id));
    const { publisherOperator: _operator, ...state } = c;
    return Promise.resolve({ ...state, dispatchOrder: [...state.dispatchOrder] });
  }

  // ------------------------------------------------------------------ campaigns (CampaignRegistry's rules)

  publishCampaign(spec: CampaignSpec, opts: PublishOptions): Promise<PublishResult> {
    return this.mutate(() => {
      const dispatch: CampaignDispatch = {
        mode: opts.mode,
        dispatchBy: opts.dispatchBy ?? "reputation",
        dispatchOrder: opts.dispatchOrder ?? [],
      };
      const id = campaignId(spec, dispatch);
      const label = `publish ${id}`;
      const now = this.ledger.clock();
      this.requireEligible(label, now);
      const key = id.toLowerCase();
      const txHash = this.tx(label);
      if (this.ledger.campaigns.has(key)) {
        // A republish is not an error: the publisher is penalised and the existing campaign stands.
        const me = this.account.toLowerCase();
        const points = this.ledger.param("republishPenaltyPoints");
        this.ledger.penalties.set(me, (this.ledger.penalties.get(me) ?? 0n) + points);
        return { id, created: false, txHash };
      }
      const w = spec.priceWindow;
      const minPrice = BigInt(w.minPrice);
      const maxPrice = BigInt(w.maxPrice);
      const notBefore = BigInt(w.notBefore);
      const notAfter = BigInt(w.notAfter);
      if (minPrice > maxPrice || notBefore >= notAfter || notAfter <= now) {
        throw new ChainRevertError(label, "CampaignRegistryInvalidWindow", []);
      }
      const order = this.checkDispatchOrder(label, dispatch);
      const operator = this.enrol(this.account).operator;
      this.countCreation(label, operator, now);
      this.ledger.campaigns.set(key, {
        id,
        status: "open",
        mode: opts.mode,
        publisher: this.account,
        publishedAt: now,
        publisherOperator: operator,
        claimant: ZeroAddress,
        claimedAt: 0n,
        claimDeadline: 0n,
        notBefore,
        notAfter,
        assetPair: spec.assetPair,
        strategyId: spec.route.strategyId,
        settledReceiptId: 0n,
        dispatchOrder: order,
      });
      return { id, created: true, txHash };
    });
  }

  claimCampaign(id: string): Promise<ClaimResult> {
    return this.mutate((): ClaimResult => {
      const label = `claim ${id}`;
      const now = this.ledger.clock();
      this.requireEligible(label, now);
      const c = this.ledger.campaigns.get(id.toLowerCase());
      if (!c) return refusal("unknown", label, "CampaignRegistryUnknownCampaign", [id]);
      if (c.status === "claimed" && now > c.claimDeadline) this.endClaim(c, true);
      if (c.status !== "open") {
        return refusal(c.status === "settled" ? "settled" : "taken", label, "CampaignRegistryNotClaimable", [
          id,
          BigInt(STATUS_NAMES.indexOf(c.status)),
          c.claimant,
        ]);
      }
      if (now < c.notBefore || now > c.notAfter) {
        return refusal("outsideWindow", label, "CampaignRegistryOutsideWindow", [id, c.notBefore, c.notAfter]);
      }
      if (c.mode === "dispatch") {
        const window = this.ledger.param("dispatchWindowSeconds");
        const i = c.dispatchOrder.findIndex((k) => k.toLowerCase() === this.account.toLowerCase());
        const position = BigInt(i < 0 ? c.dispatchOrder.length : i);
        const turnStartsAt = c.publishedAt + position * window;
        if (now < turnStartsAt) {
          return refusal("notYourTurn", label, "CampaignRegistryNotYourTurn", [id, this.account, turnStartsAt]);
        }
      }
      const pair = c.assetPair.toLowerCase();
      if (this.ledger.pairClaimedAt.get(pair) === now) {
        return refusal("pairLocked", label, "CampaignRegistryPairLocked", [c.assetPair, now]);
      }
      this.ledger.pairClaimedAt.set(pair, now);
      const deadline = now + this.ledger.param("claimTtlSeconds");
      c.status = "claimed";
      c.claimant = this.account;
      c.claimedAt = now;
      c.claimDeadline = deadline;
      return { claimed: true, deadline, txHash: this.tx(label) };
    });
  }

  releaseCampaign(id: string): Promise<string> {
    return this.mutate(() => {
      const label = `release ${id}`;
      const c = this.existing(label, id);
      if (c.status !== "claimed" || !same(c.claimant, this.account)) {
        throw new ChainRevertError(label, "CampaignRegistryNotClaimant", [id, this.account]);
      }
      this.endClaim(c, false);
      return this.tx(label);
    });
  }

  settleCampaign(id: string, receiptId: bigint): Promise<SettleResult> {
    return this.mutate((): SettleResult => {
      const label = `settle ${id}`;
      const now = this.ledger.clock();
      if (!this.keeper().attested) throw new ChainRevertError(label, "CampaignRegistryNotAttested", [this.account]);
      const c = this.existing(label, id);
      const r = this.receipt(label, receiptId);
      if (!same(r.keeper, this.account) || r.campaignId.toLowerCase() !== id.toLowerCase()) {
        throw new ChainRevertError(label, "CampaignRegistryReceiptMismatch", [id, receiptId]);
      }
      const lose = (): SettleResult => {
        const me = this.account.toLowerCase();
        this.ledger.lostAttempts.set(me, (this.ledger.lostAttempts.get(me) ?? 0) + 1);
        return { settled: false, txHash: this.tx(label) };
      };
      if (c.status === "settled") return lose();
      if (c.status !== "claimed" || !same(c.claimant, this.account)) return lose();
      if (now > c.claimDeadline) {
        this.endClaim(c, true);
        return lose();
      }
      c.status = "settled";
      c.settledReceiptId = receiptId;
      return { settled: true, txHash: this.tx(label) };
    });
  }

  /** Republish penalty points of `publisher` (`CampaignRegistry.penaltyPointsOf`, without decay). */
  penaltyPointsOf(publisher: string = this.account): bigint {
    return this.ledger.penalties.get(publisher.toLowerCase()) ?? 0n;
  }

  /** Settle attempts `keeper` lost (`CampaignRegistry.lostAttemptsOf`). */
  lostAttemptsOf(keeper: string = this.account): number {
    return this.ledger.lostAttempts.get(keeper.toLowerCase()) ?? 0;
  }

  // ------------------------------------------------------------------ receipts (ReceiptRegistry's rules)

  /**
   * A receipt poster for this keeper: `build` records the campaign (trace, store) and returns the receipt's fields,
   * which the local registry keeps under the next receipt id, as `ReceiptRegistry.post` would: only the campaign's
   * live claimant may post, a trace root or an execution is posted once. Posting a receipt whose trace root is
   * already kept (a retry) returns its id, as the node's poster does. `onPosted` is told of each receipt the registry
   * newly keeps (a retry is not a new receipt): the live poster's `onReceipt("posted")`, so `keeper_receipts_total`
   * counts a paper keeper's receipts as it counts a live keeper's.
   */
  poster<R>(
    build: (receipt: R) => Promise<LocalReceiptFields>,
    onPosted?: (receiptId: bigint) => void,
  ): ReceiptPoster<R> {
    return {
      post: async (receipt: R) => {
        const fields = await build(receipt);
        const { created, ...posted } = await this.mutate(() => this.store(fields));
        if (created) onPosted?.(posted.receiptId);
        return posted;
      },
    };
  }

  private store(f: LocalReceiptFields): { receiptId: bigint; txHash: string; created: boolean } {
    const label = `post receipt ${f.campaignId}`;
    const existing = this.ledger.receiptByRoot.get(f.traceRoot.toLowerCase());
    if (existing !== undefined) {
      const r = this.ledger.receipts[Number(existing) - 1]!;
      if (same(r.keeper, this.account) && r.campaignId.toLowerCase() === f.campaignId.toLowerCase()) {
        return { receiptId: existing, txHash: ZeroHash, created: false };
      }
      throw new ChainRevertError(label, "ReceiptRegistryDuplicateRoot", [f.traceRoot, existing]);
    }
    const now = this.ledger.clock();
    if (!this.keeper().attested) throw new ChainRevertError(label, "ReceiptRegistryNotAttested", [this.account]);
    const c = this.ledger.campaigns.get(f.campaignId.toLowerCase());
    const claimant = c && c.status === "claimed" && now <= c.claimDeadline ? c.claimant : ZeroAddress;
    if (!same(claimant, this.account)) {
      throw new ChainRevertError(label, "ReceiptRegistryNotClaimant", [f.campaignId, this.account, claimant]);
    }
    if (f.leafCount === 0 || f.traceRoot === ZeroHash || f.executionHash === ZeroHash) {
      throw new ChainRevertError(label, "ReceiptRegistryEmptyTrace", []);
    }
    const byExecution = this.ledger.receiptByExecution.get(f.executionHash.toLowerCase());
    if (byExecution !== undefined) {
      throw new ChainRevertError(label, "ReceiptRegistryDuplicateExecution", [f.executionHash, byExecution]);
    }
    const id = BigInt(this.ledger.receipts.length + 1);
    this.ledger.receipts.push({
      id,
      keeper: this.account,
      campaignId: f.campaignId,
      traceRoot: f.traceRoot,
      leafCount: f.leafCount,
      cid: f.cid,
      postedAt: now,
    });
    this.ledger.receiptByRoot.set(f.traceRoot.toLowerCase(), id);
    this.ledger.receiptByExecution.set(f.executionHash.toLowerCase(), id);
    return { receiptId: id, txHash: this.tx(label), created: true };
  }

  postReceipt<R>(poster: ReceiptPoster<R>, receipt: R): Promise<{ receiptId: bigint; txHash?: string }> {
    return poster.post(receipt);
  }

  getReceipt(id: bigint): Promise<PostedReceipt> {
    return this.attempt(() => ({ ...this.receipt(`getReceipt ${id}`, id) }));
  }

  receiptIdByRoot(traceRoot: string): Promise<bigint> {
    return Promise.resolve(this.ledger.receiptByRoot.get(traceRoot.toLowerCase()) ?? 0n);
  }

  // ------------------------------------------------------------------ the keeper's standing

  heartbeat(): Promise<string> {
    return this.mutate(() => {
      this.keeper().lastSeen = this.ledger.clock();
      return this.tx("heartbeat");
    });
  }

  keeperStatus(keeper: string = this.account): Promise<KeeperStatus> {
    const k = this.enrol(keeper);
    const now = this.ledger.clock();
    return Promise.resolve({
      keeper: getAddress(keeper),
      operator: k.operator,
      attested: k.attested,
      eligible: this.eligible(k, now),
      score: k.score,
      lastSeen: k.lastSeen,
      operatorActiveStake: k.operatorActiveStake,
      attestedAt: k.attestedAt,
      measurementHash: ZeroHash,
    });
  }

  measurementAllowed(): Promise<boolean> {
    return Promise.reject(this.unsupported("measurementAllowed"));
  }

  stake(): Promise<string> {
    return Promise.reject(this.unsupported("stake"));
  }

  proposeKeeper(): Promise<string> {
    return Promise.reject(this.unsupported("proposeKeeper"));
  }

  acceptOperator(): Promise<string> {
    return Promise.reject(this.unsupported("acceptOperator"));
  }

  submitVerifiedQuote(): Promise<string> {
    return Promise.reject(this.unsupported("submitVerifiedQuote"));
  }

  // ------------------------------------------------------------------ internals

  private unsupported(method: string): LocalChainUnsupportedError {
    return new LocalChainUnsupportedError(
      `${method} is not available on a local chain (paper and replay modes send no transaction and hold no stake)`,
    );
  }

  /** Runs a state change synchronously (no interleaving, like one transaction) and answers as a promise. */
  private attempt<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new KeeperError(String(err)));
    }
  }

  /** A state change (`attempt`), then the state file written: a refused change may still have moved state. */
  private mutate<T>(fn: () => T): Promise<T> {
    return this.attempt(() => {
      try {
        return fn();
      } finally {
        this.save();
      }
    });
  }

  private keeper(): LocalKeeperState {
    return this.enrol(this.account);
  }

  /** `ReputationOracle.isEligible`: not revoked, staked, seen within `heartbeatMaxAgeSeconds`, scored, attested. */
  private eligible(k: LocalKeeperState, now: bigint): boolean {
    return (
      !k.revoked &&
      k.operatorActiveStake >= this.ledger.param("minStake") &&
      k.lastSeen + this.ledger.param("heartbeatMaxAgeSeconds") >= now &&
      k.score >= this.ledger.param("minScore") &&
      k.attested
    );
  }

  private requireEligible(label: string, now: bigint): void {
    if (!this.eligible(this.keeper(), now)) {
      throw new ChainRevertError(label, "CampaignRegistryNotEligible", [this.account]);
    }
  }

  private existing(label: string, id: string): StoredCampaign {
    const c = this.ledger.campaigns.get(id.toLowerCase());
    if (!c) throw new ChainRevertError(label, "CampaignRegistryUnknownCampaign", [id]);
    return c;
  }

  private receipt(label: string, id: bigint): PostedReceipt {
    const r = id > 0n ? this.ledger.receipts[Number(id) - 1] : undefined;
    if (!r) throw new ChainRevertError(label, "ReceiptRegistryUnknownReceipt", [id]);
    return r;
  }

  /** Ends the live claim and reopens the campaign (an expiry or a release). */
  private endClaim(c: StoredCampaign, _expired: boolean): void {
    c.status = "open";
    c.claimant = ZeroAddress;
  }

  /** `CampaignRegistry._checkDispatchOrder` (every local keeper is eligible and scores the same). */
  private checkDispatchOrder(label: string, d: CampaignDispatch): string[] {
    const order = [...(d.dispatchOrder ?? [])];
    if (d.mode === "race") {
      if (order.length !== 0 || (d.dispatchBy ?? "reputation") !== "reputation") {
        throw new ChainRevertError(label, "CampaignRegistryInvalidDispatchOrder", [0n]);
      }
      return [];
    }
    if (order.length === 0 || order.length > MAX_DISPATCH) {
      throw new ChainRevertError(label, "CampaignRegistryInvalidDispatchOrder", [BigInt(order.length)]);
    }
    order.forEach((k, i) => {
      if (order.slice(0, i).some((j) => same(j, k))) {
        throw new ChainRevertError(label, "CampaignRegistryInvalidDispatchOrder", [BigInt(i)]);
      }
    });
    return order.map((k) => getAddress(k));
  }

  /** `CampaignRegistry._countCreation`: at most `campaignRateLimitCount` creations per operator per fixed window. */
  private countCreation(label: string, operator: string, now: bigint): void {
    const window = this.ledger.param("campaignRateWindowSeconds");
    const limit = this.ledger.param("campaignRateLimitCount");
    const start = (now / window) * window;
    const key = operator.toLowerCase();
    let rw = this.ledger.rates.get(key);
    if (!rw || rw.start !== start) rw = { start, count: 0n };
    if (rw.count >= limit)
      throw new ChainRevertError(label, "CampaignRegistryRateLimited", [operator, rw.count, limit]);
    rw.count++;
    this.ledger.rates.set(key, rw);
  }

  /** A state change "mined": the next block, and a transaction hash naming it. */
  private tx(label: string): string {
    const block = ++this.ledger.blockNumber;
    return localHash(label, block, 0);
  }
}

/** A deterministic "transaction hash" of the local chain: the hash of the call's label, block and index. */
function localHash(label: string, block: number, index: number): string {
  return textHash(`local:${label}:${block}:${index}`);
}

function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function refusal(
  reason: Extract<ClaimResult, { claimed: false }>["reason"],
  label: string,
  error: string,
  args: unknown[],
): ClaimResult {
  return { claimed: false, reason, detail: new ChainRevertError(label, error, args).shortMessage };
}

function emptyCampaign(id: string): CampaignState {
  return {
    id,
    status: "none",
    mode: "race",
    publisher: ZeroAddress,
    publishedAt: 0n,
    claimant: ZeroAddress,
    claimedAt: 0n,
    claimDeadline: 0n,
    notBefore: 0n,
    notAfter: 0n,
    assetPair: ZeroHash,
    strategyId: ZeroHash,
    settledReceiptId: 0n,
    dispatchOrder: [],
  };
}

import {
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  InsufficientFundsError,
  UserRejectedRequestError,
  type Hex,
} from "viem";
import { errorsAbi } from "../generated/contracts";
import { formatAmount, shortAddress } from "./format";

/** Units the amounts of an error are shown in (the transaction's token). */
export interface ErrorUnits {
  decimals: number;
  symbol: string;
}

/** A failed transaction, explained: a one-line title and, when known, the decoded custom error. */
export interface ExplainedError {
  title: string;
  errorName?: string;
}

type Args = readonly unknown[];
/** OpenZeppelin `IGovernor.ProposalState`, in enum order. */
export const PROPOSAL_STATE_NAMES = [
  "Pending",
  "Active",
  "Canceled",
  "Defeated",
  "Succeeded",
  "Queued",
  "Expired",
  "Executed",
] as const;
const isoSeconds = (t: unknown) => new Date(Number(t) * 1000).toISOString().replace(".000Z", "Z");

/** What a user reads when the vault is paused (checked before sending, and decoded from reverts). */
export const PAUSED_MESSAGE =
  "The vault is paused: deposits and keeper draws are stopped until the guardian unpauses it; withdrawals stay open.";

/** Thrown before asking the wallet to sign a deposit into a paused vault (read from `paused()`). */
export class VaultPausedError extends Error {
  override name = "VaultPausedError";
  constructor() {
    super(PAUSED_MESSAGE);
  }
}
const short = (a: unknown) => shortAddress(String(a));
const amount = (v: unknown, u: ErrorUnits) => `${formatAmount(v as bigint, u.decimals, u.decimals)} ${u.symbol}`;

/** Human messages for the custom errors users meet, by error name (arguments as the ABI declares them). */
const MESSAGES: Record<string, (args: Args, u: ErrorUnits) => string> = {
  ERC20InsufficientBalance: ([, balance, needed], u) =>
    `Insufficient balance: you have ${amount(balance, u)}, this needs ${amount(needed, u)}.`,
  ERC20InsufficientAllowance: ([, allowance, needed], u) =>
    `Allowance too low: approved ${amount(allowance, u)}, this needs ${amount(needed, u)}. Approve first.`,
  StrategyVaultIsPaused: () => PAUSED_MESSAGE,
  ERC4626ExceededMaxWithdraw: ([, assets, max], u) =>
    `Withdrawal above what the buffer holds: you asked for ${amount(assets, u)}, at most ${amount(max, u)} can be withdrawn now (the buffer and undrawn sleeve capital; keepers hold the rest until they repay).`,
  ERC4626ExceededMaxRedeem: ([, shares, max], u) =>
    `Redemption above what the buffer holds: you asked for ${amount(shares, u)}, at most ${amount(max, u)} can be redeemed now.`,
  // A paused vault's `maxDeposit` is zero: OpenZeppelin's ERC4626 refuses every deposit with max = 0.
  ERC4626ExceededMaxDeposit: ([, assets, max], u) =>
    (max as bigint) === 0n
      ? PAUSED_MESSAGE
      : `Deposit above the vault's limit: you asked for ${amount(assets, u)}, at most ${amount(max, u)} is accepted now.`,
  ERC4626ExceededMaxMint: ([, shares, max], u) =>
    `Mint above the vault's limit: you asked for ${amount(shares, u)}, at most ${amount(max, u)} is accepted now.`,
  StrategyVaultZeroAmount: () => "Enter an amount above zero.",
  StrategyVaultLockTierInvalid: ([tier]) => `Lock tier ${String(tier)} does not exist: choose tier 1 or 2.`,
  StrategyVaultSharesLocked: ([, wanted, unlocked], u) =>
    `Only ${amount(unlocked, u)} of your shares are unlocked; you asked for ${amount(wanted, u)}.`,
  StrategyVaultLockUnknown: ([id]) => `Lock #${String(id)} does not exist (or was already unlocked).`,
  StrategyVaultLockNotExpired: ([id, unlockAt]) =>
    `Lock #${String(id)} is still running: it can be unlocked from ${isoSeconds(unlockAt)}.`,
  TimelockUnexpectedOperationState: () =>
    "The timelock has not released this operation yet: its delay is still running (or it is not queued).",
  GovernorUnexpectedProposalState: ([, current]) =>
    `The proposal is ${PROPOSAL_STATE_NAMES[Number(current)] ?? `in state ${String(current)}`}: this step is not open in that state.`,
  GovernorAlreadyCastVote: () => "You already voted on this proposal.",
  GovernorInsufficientProposerVotes: ([, votes, threshold], u) =>
    `Proposing needs ${amount(threshold, u)}; you have ${amount(votes, u)} (delegate your shares first).`,
  ERC2612ExpiredSignature: () => "The permit signature expired: sign again.",
  ERC2612InvalidSigner: () => "The permit was signed by another account than the owner.",
  TestStablecoinMintTooLarge: ([, max], u) => `The faucet gives at most ${amount(max, u)} per request.`,
  ReputationOracleZeroAmount: () => "Enter an amount above zero.",
  ReputationOracleInsufficientStake: ([, requested, active], u) =>
    `You asked to unstake ${amount(requested, u)} but only ${amount(active, u)} is active.`,
  ReputationOracleStillBonded: ([, unlockAt]) =>
    `The stake is still unbonding: it can be withdrawn from ${isoSeconds(unlockAt)}.`,
  ReputationOracleDisputesPending: ([, open]) =>
    `Withdrawal blocked: ${String(open)} dispute(s) against this operator are still pending.`,
  ReputationOracleKeeperBound: ([keeper, operator]) =>
    `Keeper ${short(keeper)} is already bound to operator ${short(operator)}.`,
  ReputationOracleNotProposed: ([keeper, operator]) =>
    `Operator ${short(operator)} has not proposed keeper ${short(keeper)}: the operator proposes the keeper first.`,
  ReputationOracleNotOperator: ([keeper]) => `You are not the operator of keeper ${short(keeper)}.`,
  ReputationOracleKeyLocked: ([keeper, lastPostedAt, claims]) =>
    `Keeper ${short(keeper)} cannot change operator yet: it holds ${String(claims)} claim(s) or its last receipt ` +
    `(${isoSeconds(lastPostedAt)}) is still inside the challenge window.`,
  ReputationOracleCapitalOutstanding: ([, owed], u) =>
    `Withdrawal blocked: this operator's keepers still owe ${amount(owed, u)} to the vault.`,
};

/** Decodes revert data against every custom error the app knows (all generated ABIs). */
export function decodeRevert(data: Hex): { errorName: string; args: Args } | null {
  try {
    const decoded = decodeErrorResult({ abi: errorsAbi, data });
    return { errorName: decoded.errorName, args: (decoded.args ?? []) as Args };
  } catch {
    return null; // Not one of ours (or a plain `require` string, handled by the caller).
  }
}

/**
 * Turns whatever a write threw (viem errors from simulation, signing or sending) into a message a user
 * understands: rejected signature, insufficient balance, paused vault, withdrawal above the buffer...
 */
export function explainError(err: unknown, units: ErrorUnits): ExplainedError {
  if (err instanceof BaseError) {
    const rejected = err.walk(
      (e) => e instanceof UserRejectedRequestError || (e as { code?: unknown }).code === UserRejectedRequestError.code,
    );
    if (rejected) return { title: "You rejected the request in your wallet: nothing was sent." };
    if (err.walk((e) => e instanceof InsufficientFundsError))
      return { title: "Not enough ETH to pay for gas on this network." };
    const reverted = err.walk(
      (e) => e instanceof ContractFunctionRevertedError,
    ) as ContractFunctionRevertedError | null;
    if (reverted) {
      const decoded =
        reverted.data?.errorName !== undefined
          ? { errorName: reverted.data.errorName, args: (reverted.data.args ?? []) as Args }
          : reverted.raw
            ? decodeRevert(reverted.raw)
            : null;
      if (decoded) {
        const message = MESSAGES[decoded.errorName];
        const title = message
          ? message(decoded.args, units)
          : `The contract refused: ${decoded.errorName}(${decoded.args.map(String).join(", ")}).`;
        return { title, errorName: decoded.errorName };
      }
      if (reverted.reason) return { title: `The contract refused: ${reverted.reason}` };
      return { title: "The contract refused the transaction (no reason given)." };
    }
    return { title: err.shortMessage };
  }
  return { title: err instanceof Error ? err.message : String(err) };
}

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ContractFunctionExecutionError,
  ContractFunctionRevertedError,
  encodeErrorResult,
  parseAbi,
  TransactionExecutionError,
  UserRejectedRequestError,
  InsufficientFundsError,
} from "viem";
import { abis, vaultAbi } from "../generated/contracts";
import { decodeRevert, explainError, PAUSED_MESSAGE, VaultPausedError } from "./errors";

const tUSD = { decimals: 6, symbol: "tUSD" };
const OWNER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

/** The error viem throws when simulating a call that reverts with `data` (as in the browser). */
function revert(
  abi: typeof vaultAbi | typeof abis.TestStablecoin,
  data: `0x${string}`,
  functionName: string,
  args: readonly unknown[],
) {
  const cause = new ContractFunctionRevertedError({ abi, data, functionName });
  return new ContractFunctionExecutionError(cause, { abi, args, functionName, contractAddress: OWNER });
}

describe("explainError", () => {
  it("explainError_rejectedSignature", () => {
    const err = new TransactionExecutionError(new UserRejectedRequestError(new Error("User denied")), {} as never);
    assert.match(explainError(err, tUSD).title, /rejected the request in your wallet/);
  });

  it("explainError_insufficientBalanceShowsBothAmounts", () => {
    const data = encodeErrorResult({
      abi: abis.TestStablecoin,
      errorName: "ERC20InsufficientBalance",
      args: [OWNER, 5_000_000n, 12_500_000n],
    });
    const e = explainError(revert(abis.TestStablecoin, data, "transfer", [OWNER, 12_500_000n]), tUSD);
    assert.equal(e.errorName, "ERC20InsufficientBalance");
    assert.equal(e.title, "Insufficient balance: you have 5 tUSD, this needs 12.5 tUSD.");
  });

  it("explainError_pausedVaultRefusesDepositsWithMaxZero", () => {
    // The real vault: paused => maxDeposit = 0 => OpenZeppelin's ERC4626ExceededMaxDeposit(receiver, assets, 0).
    const data = encodeErrorResult({
      abi: vaultAbi,
      errorName: "ERC4626ExceededMaxDeposit",
      args: [OWNER, 5_000_000n, 0n],
    });
    const e = explainError(revert(vaultAbi, data, "deposit", [5_000_000n, OWNER]), tUSD);
    assert.equal(e.errorName, "ERC4626ExceededMaxDeposit");
    assert.equal(e.title, PAUSED_MESSAGE);
  });

  it("explainError_depositAboveANonZeroLimitShowsTheLimit", () => {
    const data = encodeErrorResult({
      abi: vaultAbi,
      errorName: "ERC4626ExceededMaxDeposit",
      args: [OWNER, 5_000_000n, 2_000_000n],
    });
    const e = explainError(revert(vaultAbi, data, "deposit", [5_000_000n, OWNER]), tUSD);
    assert.match(e.title, /Deposit above the vault's limit: you asked for 5 tUSD, at most 2 tUSD/);
  });

  it("explainError_pausedCheckBeforeSendingExplainsItself", () => {
    assert.equal(explainError(new VaultPausedError(), tUSD).title, PAUSED_MESSAGE);
  });

  it("explainError_lockOfMoreThanTheUnlockedShares", () => {
    const shares = { decimals: 12, symbol: "vsvUSD" };
    const data = encodeErrorResult({
      abi: vaultAbi,
      errorName: "StrategyVaultSharesLocked",
      args: [OWNER, 3n * 10n ** 12n, 10n ** 12n],
    });
    assert.equal(
      explainError(revert(vaultAbi, data, "lock", [3n * 10n ** 12n, 1]), shares).title,
      "Only 1 vsvUSD of your shares are unlocked; you asked for 3 vsvUSD.",
    );
  });

  it("explainError_withdrawalAboveBufferShowsTheMaximum", () => {
    const data = encodeErrorResult({
      abi: vaultAbi,
      errorName: "ERC4626ExceededMaxWithdraw",
      args: [OWNER, 900_000_000n, 100_000_000n],
    });
    const e = explainError(revert(vaultAbi, data, "withdraw", [900_000_000n, OWNER, OWNER]), tUSD);
    assert.equal(e.errorName, "ERC4626ExceededMaxWithdraw");
    assert.match(e.title, /above what the buffer holds: you asked for 900 tUSD, at most 100 tUSD/);
  });

  it("explainError_decodesErrorsOfAnotherContractFromAllAbis", () => {
    // The vault's deposit reverts inside the token: the error is not in the vault's ABI.
    const tokenError = encodeErrorResult({
      abi: abis.TestStablecoin,
      errorName: "ERC20InsufficientAllowance",
      args: [OWNER, 0n, 1_000_000n],
    });
    const other = parseAbi(["function deposit(uint256,address) returns (uint256)"]);
    const cause = new ContractFunctionRevertedError({ abi: other, data: tokenError, functionName: "deposit" });
    assert.match(explainError(cause, tUSD).title, /Allowance too low: approved 0 tUSD, this needs 1 tUSD/);
  });

  it("explainError_notEnoughGas", () => {
    const err = new TransactionExecutionError(new InsufficientFundsError(), {} as never);
    assert.match(explainError(err, tUSD).title, /Not enough ETH/);
  });

  it("explainError_unknownErrorNamesItsSignature", () => {
    const abi = parseAbi(["error Mystery(uint256 code)"]);
    const cause = new ContractFunctionRevertedError({
      abi,
      data: encodeErrorResult({ abi, errorName: "Mystery", args: [7n] }),
      functionName: "x",
    });
    assert.equal(explainError(cause, tUSD).title, "The contract refused: Mystery(7).");
  });
});

describe("explainError (trust layer)", () => {
  it("explainError_keeperAcceptsAnOperatorThatDidNotProposeIt", () => {
    const KEEPER = "0x976EA74026E726554dB657fA54763abd0C3a0aa9";
    const data = encodeErrorResult({
      abi: abis.ReputationOracle,
      errorName: "ReputationOracleNotProposed",
      args: [KEEPER, OWNER],
    });
    const cause = new ContractFunctionRevertedError({
      abi: abis.ReputationOracle,
      data,
      functionName: "acceptOperator",
    });
    assert.equal(
      explainError(cause, tUSD).title,
      "Operator 0x7099…79C8 has not proposed keeper 0x976E…0aa9: the operator proposes the keeper first.",
    );
  });

  it("explainError_withdrawBeforeUnbondingEndsGivesTheTime", () => {
    const data = encodeErrorResult({
      abi: abis.ReputationOracle,
      errorName: "ReputationOracleStillBonded",
      args: [OWNER, 1_800_000_000n],
    });
    const cause = new ContractFunctionRevertedError({ abi: abis.ReputationOracle, data, functionName: "withdraw" });
    assert.equal(
      explainError(cause, tUSD).title,
      "The stake is still unbonding: it can be withdrawn from 2027-01-15T08:00:00Z.",
    );
  });
});

describe("explainError (governance)", () => {
  it("explainError_executeBeforeTheTimelockDelay", () => {
    const data = encodeErrorResult({
      abi: abis.VaultTimelock,
      errorName: "TimelockUnexpectedOperationState",
      args: [`0x${"11".repeat(32)}`, `0x${"00".repeat(31)}04`],
    });
    const cause = new ContractFunctionRevertedError({ abi: abis.VaultGovernor, data, functionName: "execute" });
    assert.match(explainError(cause, tUSD).title, /timelock has not released this operation yet/);
  });

  it("explainError_voteOnAPendingProposalNamesTheState", () => {
    const data = encodeErrorResult({
      abi: abis.VaultGovernor,
      errorName: "GovernorUnexpectedProposalState",
      args: [1n, 0, `0x${"00".repeat(31)}02`],
    });
    const cause = new ContractFunctionRevertedError({ abi: abis.VaultGovernor, data, functionName: "castVote" });
    assert.equal(explainError(cause, tUSD).title, "The proposal is Pending: this step is not open in that state.");
  });
});

describe("decodeRevert", () => {
  it("decodeRevert_unknownSelectorIsNull", () => {
    assert.equal(decodeRevert("0xdeadbeef"), null);
  });
});

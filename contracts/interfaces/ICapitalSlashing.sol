// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title ICapitalSlashing
/// @notice What the keeper capital book needs from the reputation layer to back drawn capital by stake:
///         how much of an operator's stake can still be slashed, slashing it for a keeper that defaulted on
///         the vault's capital (or whose loss repayment was disputed and upheld), and a receipt's dispute state.
/// @dev Implemented by the reputation oracle; `slashForDefault` is restricted to the capital book.
interface ICapitalSlashing {
    /// @notice Stake of `operator` that a slash can still take: active plus unbonding.
    function slashableStake(address operator) external view returns (uint256);

    /// @notice Takes `min(amount, slashableStake(operator))` from `operator`'s stake, transfers it to the caller
    ///         (the capital book, which returns it to the vault's sleeve) and suspends `keeper`.
    /// @return slashed The amount taken and transferred.
    function slashForDefault(address operator, address keeper, uint256 amount) external returns (uint256 slashed);

    /// @notice Dispute state of receipt `receiptId`: 0 none, 1 pending, 2 upheld (including an unanswered
    ///         data-availability demand).
    function receiptDisputeState(uint256 receiptId) external view returns (uint8);

    /// @notice Suspends `keeper` for a capital fault (bad price, PnL shortfall or default): it stays ineligible until
    ///         governance reinstates it (`setKeeperSuspended` on the oracle). Restricted to the capital book. The
    ///         oracle's flag is the only suspension flag: the capital book keeps none of its own.
    function suspendKeeper(address keeper) external;

    /// @notice Whether `keeper` is suspended (by the capital book or by governance).
    function isSuspended(address keeper) external view returns (bool);

    /// @notice The operator `keeper` is bound to now (zero when unbound).
    function operatorOf(address keeper) external view returns (address);
}

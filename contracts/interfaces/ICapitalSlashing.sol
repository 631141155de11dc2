// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;
/// @title ICapitalSlashing
/// @notice What the keeper capital book needs from the reputation oracle.
interface ICapitalSlashing {
    /// @notice Active plus unbonding stake of `operator`: what a slash can take.
    function slashableStake(address operator) external view returns (uint256);
    /// @notice Slashes up to `amount` from `operator` for a capital default of `keeper`, pays it to the caller (the capital book) and suspends `keeper`. Only the capital book.
    function slashForDefault(address operator, address keeper, uint256 amount) external returns (uint256 slashed);
    /// @notice 0 None, 1 Pending (an open dispute or data-availability demand), 2 Upheld.
    function receiptDisputeState(uint256 receiptId) external view returns (uint8);
    /// @notice The operator a keeper key is bound to (zero when none).
    function operatorOf(address keeper) external view returns (address);
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IOperatorExposure
/// @notice What an operator's keys still owe the vault; the reputation oracle refuses a stake withdrawal while it
///         is positive.
interface IOperatorExposure {
    /// @notice Capital plus unbooked losses the keys of `operator` owe the vault (deposit-asset units).
    function outstandingOf(address operator) external view returns (uint256);
}

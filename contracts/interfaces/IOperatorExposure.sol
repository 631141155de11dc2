// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;
/// @title IOperatorExposure
/// @notice What the reputation oracle needs from the keeper capital book.
interface IOperatorExposure {
    /// @notice Capital plus unbooked losses an operator's keys owe.
    function outstandingOf(address operator) external view returns (uint256);
}

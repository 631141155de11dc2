// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title VaultTimelock
/// @notice OpenZeppelin's `TimelockController`, unchanged, under the project's name so the deploy script
///         and tests build it from this repository. It owns `Parameters` and the strategy vault's admin.
contract VaultTimelock is TimelockController {
    /// @param minDelay Seconds between queueing and executing a passed proposal.
    /// @param proposers Who may queue (the governor).
    /// @param executors Who may execute (address(0): anyone).
    /// @param admin Temporary admin that wires roles and then renounces (zero: none).
    constructor(
        uint256 minDelay,
        address[] memory proposers,
        address[] memory executors,
        address admin
    ) TimelockController(minDelay, proposers, executors, admin) {}
}

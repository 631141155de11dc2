// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @title TestRoleHolder
/// @notice Test-only stand-in with the role layout of the trust layer's contracts (admin, arbiter, an
///         operational role, a slash receiver), to test the deploy script's governance handover alone.
contract TestRoleHolder is AccessControl {
    bytes32 public constant ARBITER_ROLE = keccak256("ARBITER_ROLE");
    bytes32 public constant VERIFIER_ROLE = keccak256("VERIFIER_ROLE");
    address public slashReceiver;

    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(ARBITER_ROLE, admin);
        _grantRole(VERIFIER_ROLE, admin);
    }

    /// @notice Sets where slashed stake goes (admin only).
    function setSlashReceiver(address receiver) external onlyRole(DEFAULT_ADMIN_ROLE) {
        slashReceiver = receiver;
    }
}

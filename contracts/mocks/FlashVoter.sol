// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";

/// @title FlashVoter
/// @notice Test-only attacker: in one transaction it deposits borrowed-like funds into the vault, delegates
///         to itself, votes on a proposal and redeems everything (what a flash loan would allow).
contract FlashVoter {
    /// @notice Runs the whole attack with the assets this contract holds; returns the weight counted.
    function attack(IERC4626 vault, IGovernor governor, uint256 proposalId) external returns (uint256 weight) {
        IERC20 asset = IERC20(vault.asset());
        uint256 assets = asset.balanceOf(address(this));
        asset.approve(address(vault), assets);
        uint256 shares = vault.deposit(assets, address(this));
        IVotes(address(vault)).delegate(address(this));
        weight = governor.castVote(proposalId, 1);
        vault.redeem(shares, address(this), address(this));
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICampaignRegistry} from "../interfaces/ICampaignRegistry.sol";

/// @title TestCampaignClaims
/// @notice Test double of the two campaign-registry views the keeper capital book reads: the live claimant and the
///         claim deadline. The test sets claims directly.
contract TestCampaignClaims {
    mapping(bytes32 campaignId => ICampaignRegistry.Campaign) private _campaigns;

    /// @notice Records a live claim of `campaignId` by `claimant` until `deadline`.
    function setClaim(bytes32 campaignId, address claimant, uint64 deadline) external {
        ICampaignRegistry.Campaign storage c = _campaigns[campaignId];
        c.status = ICampaignRegistry.Status.Claimed;
        c.claimant = claimant;
        c.claimedAt = uint64(block.timestamp);
        c.claimDeadline = deadline;
    }

    /// @notice Marks `campaignId` settled (its claim is no longer live).
    function settle(bytes32 campaignId) external {
        _campaigns[campaignId].status = ICampaignRegistry.Status.Settled;
    }

    /// @notice As `CampaignRegistry.liveClaimantOf`.
    function liveClaimantOf(bytes32 campaignId) external view returns (address) {
        ICampaignRegistry.Campaign storage c = _campaigns[campaignId];
        if (c.status != ICampaignRegistry.Status.Claimed || block.timestamp > c.claimDeadline) return address(0);
        return c.claimant;
    }

    /// @notice As `CampaignRegistry.campaignOf`.
    function campaignOf(bytes32 campaignId) external view returns (ICampaignRegistry.Campaign memory) {
        return _campaigns[campaignId];
    }
}

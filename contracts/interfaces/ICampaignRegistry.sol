// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CampaignIdLib} from "../libraries/CampaignIdLib.sol";
import {IStaleClaimSource} from "./IVaultUpkeep.sol";

/// @title ICampaignRegistry
/// @notice The Campaign Oracle: campaigns are published once per id by eligible keepers (rate-limited per
///         publisher operator), claimed by race or dispatch, settled once with a receipt; outcomes feed
///         reputation (a success on a campaign published by the claimant's own operator does not count).
interface ICampaignRegistry is IStaleClaimSource {
    /// @notice Race: any eligible keeper may claim. Dispatch: the ordered list claims in turn, one
    ///         `dispatchWindowSeconds` each (assignee first), then the campaign is open to any eligible keeper.
    enum Mode {
        Race,
        Dispatch
    }

    /// @notice How a dispatch list must be ordered: by score, or by the operator's active stake (descending).
    enum DispatchBy {
        Reputation,
        Capital
    }

    /// @notice Lifecycle: Open (claimable), Claimed (until settled, released or expired), Settled (final).
    enum Status {
        None,
        Open,
        Claimed,
        Settled
    }

    /// @notice Why a settle attempt lost (recorded, not penalised).
    enum LossReason {
        AlreadySettled,
        NotClaimant,
        ClaimExpired
    }

    /// @notice A campaign's state.
    struct Campaign {
        address publisher;
        uint64 publishedAt;
        address publisherOperator;
        Status status;
        Mode mode;
        address claimant;
        uint64 claimedAt;
        uint64 claimDeadline;
        uint64 notBefore;
        uint64 notAfter;
        bytes32 assetPair;
        bytes32 strategyId;
        uint128 minPrice;
        uint128 maxPrice;
        uint256 settledReceiptId;
        address[] dispatchOrder;
    }

    /// @notice A self-published success waiting to be credited to its keeper: the receipt that settled it and the
    ///         claim-to-settle delay to report.
    struct SelfCredit {
        uint192 receiptId;
        uint64 delaySeconds;
    }

    /// @notice Thrown when the caller is not an eligible keeper.
    error CampaignRegistryNotEligible(address keeper);
    /// @notice Thrown when the caller is not an attested keeper.
    error CampaignRegistryNotAttested(address keeper);
    /// @notice Thrown when the publisher's operator exceeded its creations for the current window.
    error CampaignRegistryRateLimited(address operator, uint256 count, uint256 limit);
    /// @notice Thrown when the price window is empty, inverted or already over.
    error CampaignRegistryInvalidWindow();
    /// @notice Thrown when a dispatch list is empty, too long, in race mode, ineligible or misordered.
    error CampaignRegistryInvalidDispatchOrder(uint256 index);
    /// @notice Thrown when the campaign does not exist.
    error CampaignRegistryUnknownCampaign(bytes32 campaignId);
    /// @notice Thrown when the campaign is not open to claims (claimed live or settled).
    error CampaignRegistryNotClaimable(bytes32 campaignId, Status status, address claimant);
    /// @notice Thrown when the campaign's validity interval is not current.
    error CampaignRegistryOutsideWindow(bytes32 campaignId, uint64 notBefore, uint64 notAfter);
    /// @notice Thrown when a dispatched campaign is claimed by a keeper whose turn has not come.
    error CampaignRegistryNotYourTurn(bytes32 campaignId, address keeper, uint64 turnStartsAt);
    /// @notice Thrown when another campaign on the same pair was claimed in this block.
    error CampaignRegistryPairLocked(bytes32 assetPair, uint256 timestamp);
    /// @notice Thrown when the receipt given to `settle` is not the caller's or not for the campaign.
    error CampaignRegistryReceiptMismatch(bytes32 campaignId, uint256 receiptId);
    /// @notice Thrown when the caller does not hold the campaign's live claim.
    error CampaignRegistryNotClaimant(bytes32 campaignId, address caller);
    /// @notice Thrown when a claim is expired early.
    error CampaignRegistryClaimNotStale(bytes32 campaignId, uint64 deadline);

    /// @notice Thrown when `creditSelfPublished` finds no pending credit for `keeper`.
    error CampaignRegistryNoSelfCredit(address keeper);
    /// @notice Thrown when `keeper`'s pending self-published credit cannot be decided yet: its receipt may still
    ///         be disputed (before `maturesAt`) or has a dispute or demand open (`disputeState` 1).
    error CampaignRegistrySelfCreditNotMature(address keeper, uint256 receiptId, uint256 maturesAt, uint8 disputeState);

    /// @notice Emitted when a campaign is created.
    event CampaignPublished(
        uint256 indexed chainId,
        bytes32 indexed campaignId,
        address indexed publisher,
        CampaignIdLib.CampaignSpec spec,
        Mode mode,
        address[] dispatchOrder
    );
    /// @notice Emitted when a known campaign is published again (no economic change); penalty recorded.
    event CampaignRepublished(
        uint256 indexed chainId,
        bytes32 indexed campaignId,
        address indexed publisher,
        uint256 penaltyPoints
    );
    /// @notice Emitted when a keeper claims a campaign.
    event CampaignClaimed(uint256 indexed chainId, bytes32 indexed campaignId, address indexed keeper, uint64 deadline);
    /// @notice Emitted when a claim is given up by its keeper (failure) or expires (expiry).
    event CampaignClaimEnded(uint256 indexed chainId, bytes32 indexed campaignId, address indexed keeper, bool expired);
    /// @notice Emitted when a settled campaign's success is not scored: its publisher and claimant share an
    ///         operator and the keeper already has a self-published success pending (M4: at most one per key at a
    ///         time, so self-published campaigns cannot farm reputation).
    event SelfPublishedSuccessIgnored(uint256 indexed chainId, bytes32 indexed campaignId, address indexed operator);
    /// @notice Emitted when a self-published success is queued: it is credited once its receipt can no longer be
    ///         disputed (`maturesAt`, see `selfCreditOf`) and none was upheld.
    event SelfPublishedSuccessQueued(
        uint256 indexed chainId,
        bytes32 indexed campaignId,
        address indexed keeper,
        uint256 receiptId,
        uint64 delaySeconds
    );
    /// @notice Emitted when a queued self-published success is decided: `credited` (reported as a success) or
    ///         dropped (its receipt was found at fault).
    event SelfPublishedSuccessDecided(
        uint256 indexed chainId,
        address indexed keeper,
        uint256 indexed receiptId,
        bool credited
    );
    /// @notice Emitted when a campaign is settled with a receipt (first success wins).
    event CampaignSettled(
        uint256 indexed chainId,
        bytes32 indexed campaignId,
        address indexed keeper,
        uint256 receiptId,
        uint64 delaySeconds
    );
    /// @notice Emitted when a settle attempt loses; the attempt is recorded, not penalised.
    event SettleAttemptLost(
        uint256 indexed chainId,
        bytes32 indexed campaignId,
        address indexed keeper,
        uint256 receiptId,
        LossReason reason
    );

    /// @notice Publishes a campaign; a known id is not created again (`created` false, penalty recorded).
    /// @param spec Asset pair, price window and route.
    /// @param mode Race or dispatch.
    /// @param dispatchBy Ordering rule of `dispatchOrder` (dispatch mode).
    /// @param dispatchOrder Assignee then backups (dispatch mode; empty in race mode; at most 8).
    /// @return campaignId The id.
    /// @return created False when the id already existed.
    function publish(
        CampaignIdLib.CampaignSpec calldata spec,
        Mode mode,
        DispatchBy dispatchBy,
        address[] calldata dispatchOrder
    ) external returns (bytes32 campaignId, bool created);

    /// @notice Claims a campaign for the caller (eligible keeper); the first valid claim wins.
    /// @param campaignId The campaign.
    function claim(bytes32 campaignId) external;

    /// @notice Gives up the caller's live claim (recorded as a failure); the campaign reopens.
    /// @param campaignId The campaign.
    function release(bytes32 campaignId) external;

    /// @notice Settles the campaign with the caller's receipt. Returns false (recording the attempt, without
    ///         penalty) when the campaign was already settled, the caller is not the claimant, or its claim
    ///         expired.
    /// @param campaignId The campaign.
    /// @param receiptId A receipt posted by the caller for this campaign.
    /// @return settled True when this call settled the campaign.
    function settle(bytes32 campaignId, uint256 receiptId) external returns (bool settled);

    /// @notice Expires one stale claim (anyone).
    /// @param campaignId The campaign.
    function expireClaim(bytes32 campaignId) external;

    /// @notice Expires up to `max` stale claims (anyone; for automation).
    /// @param max Largest number of claims to expire.
    /// @return expired Number of claims expired.
    function expireStaleClaims(uint256 max) external returns (uint256 expired);

    /// @notice The keeper holding the campaign's live (unexpired) claim, zero when none.
    /// @param campaignId The campaign.
    function liveClaimantOf(bytes32 campaignId) external view returns (address);

    /// @notice The campaign's state.
    /// @param campaignId The campaign.
    function campaignOf(bytes32 campaignId) external view returns (Campaign memory);

    /// @notice The id of `spec` published with `mode`, `dispatchBy` and `dispatchOrder` (see `CampaignIdLib`).
    /// @param spec The campaign spec.
    /// @param mode Race or dispatch.
    /// @param dispatchBy Ordering rule of the dispatch list.
    /// @param dispatchOrder The dispatch list (empty in race mode).
    function campaignIdOf(
        CampaignIdLib.CampaignSpec calldata spec,
        Mode mode,
        DispatchBy dispatchBy,
        address[] calldata dispatchOrder
    ) external pure returns (bytes32);

    /// @notice Number of claims `keeper` holds (live or stale, not yet ended): its binding cannot change
    ///         meanwhile.
    /// @param keeper The keeper key.
    function claimsHeldBy(address keeper) external view returns (uint256);

    /// @notice Republish penalty points recorded against a publisher key (they lower its score), decayed with
    ///         `scoreHalfLifeSeconds` like the outcome counters, rounded down to whole points.
    /// @param publisher The publisher.
    function penaltyPointsOf(address publisher) external view returns (uint256);

    /// @notice Decides `keeper`'s pending self-published success (anyone may call; the keeper's next
    ///         self-published settle also does): credited as a success once its receipt is past
    ///         `postedAt + challengeWindowSeconds + 2 * revealWindowSeconds` with no dispute or demand open and
    ///         none upheld; dropped when one was upheld; reverts while it can still be disputed.
    /// @return credited True when reported as a success, false when dropped.
    function creditSelfPublished(address keeper) external returns (bool credited);

    /// @notice `keeper`'s pending self-published success (receipt id 0: none) and when it matures under the current
    ///         parameters.
    function selfCreditOf(address keeper) external view returns (SelfCredit memory credit, uint256 maturesAt);

    /// @notice Settle attempts a keeper lost (recorded, not penalised).
    /// @param keeper The keeper.
    function lostAttemptsOf(address keeper) external view returns (uint256);

    /// @notice Number of claims currently held (live or stale).
    function activeClaimCount() external view returns (uint256);
}

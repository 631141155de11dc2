// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ICampaignRegistry} from "../interfaces/ICampaignRegistry.sol";
import {IReputationOracle} from "../interfaces/IReputationOracle.sol";
import {IReceiptView} from "../interfaces/IReceiptView.sol";
import {IStaleClaimSource} from "../interfaces/IVaultUpkeep.sol";
import {IAttestationRegistry} from "../interfaces/IAttestationRegistry.sol";
import {IParameters} from "../interfaces/IParameters.sol";
import {ParamKeys} from "../libraries/ParamKeys.sol";
import {CampaignIdLib} from "../libraries/CampaignIdLib.sol";
import {ReputationMath} from "../libraries/ReputationMath.sol";

/// @title CampaignRegistry
/// @notice The Campaign Oracle. Eligible keepers publish campaigns (one per id, rate-limited per publisher
///         operator), claim them by race or in dispatch order, and settle them with a receipt; the first
///         settle wins. Claims expire after `claimTtlSeconds`. Outcomes (success with delay, failure, expiry)
///         are reported to the reputation oracle; a success on a campaign its claimant's own operator
///         published is reported only once its receipt can no longer be disputed, at most one pending per key
///         (M4). Republish penalty points decay like the outcome counters. Every event carries `block.chainid`
///         for cross-chain mirrors.
contract CampaignRegistry is ICampaignRegistry {
    using CampaignIdLib for CampaignIdLib.CampaignSpec;
    using SafeCast for uint256;

    /// @notice Longest dispatch list (assignee plus backups).
    uint256 public constant MAX_DISPATCH = 8;

    /// @dev Creations of one operator in the current rate window.
    struct RateWindow {
        uint64 start;
        uint64 count;
    }

    /// @dev Republish penalty points of a key (1e18 per point) and when they were last decayed.
    struct Penalty {
        uint192 points;
        uint64 updatedAt;
    }

    /// @dev `receiptDisputeState` values.
    uint8 private constant _DISPUTE_PENDING = 1;
    uint8 private constant _DISPUTE_UPHELD = 2;

    /// @notice Governance thresholds.
    IParameters public immutable PARAMETERS;
    /// @notice Eligibility, scores and outcome reports.
    IReputationOracle public immutable REPUTATION;
    /// @notice Receipts used to settle.
    IReceiptView public immutable RECEIPTS;
    /// @notice Attestations (settling needs a fresh one).
    IAttestationRegistry public immutable ATTESTATIONS;

    mapping(bytes32 campaignId => Campaign) private _campaigns;
    mapping(address operator => RateWindow) private _rates;
    mapping(address keeper => uint256) private _claimsHeld;
    mapping(bytes32 assetPair => uint256) private _pairClaimedAt;
    mapping(address publisher => Penalty) private _penalties;
    mapping(address keeper => SelfCredit) private _selfCredits;
    mapping(address keeper => uint256) private _lostAttempts;
    bytes32[] private _active;
    mapping(bytes32 campaignId => uint256) private _activeIndex; // position + 1

    /// @param parameters Governance thresholds.
    /// @param reputation The reputation oracle (this contract needs its `REPORTER_ROLE`).
    /// @param receipts The receipt registry.
    /// @param attestations The attestation registry.
    constructor(
        IParameters parameters,
        IReputationOracle reputation,
        IReceiptView receipts,
        IAttestationRegistry attestations
    ) {
        PARAMETERS = parameters;
        REPUTATION = reputation;
        RECEIPTS = receipts;
        ATTESTATIONS = attestations;
    }

    /// @inheritdoc ICampaignRegistry
    function publish(
        CampaignIdLib.CampaignSpec calldata spec,
        Mode mode,
        DispatchBy dispatchBy,
        address[] calldata dispatchOrder
    ) external returns (bytes32 campaignId, bool created) {
        if (!REPUTATION.isEligible(msg.sender)) revert CampaignRegistryNotEligible(msg.sender);
        campaignId = spec.id(CampaignIdLib.dispatchCommitment(uint8(mode), uint8(dispatchBy), dispatchOrder));
        Campaign storage c = _campaigns[campaignId];
        if (c.status != Status.None) {
            uint256 points = PARAMETERS.get(ParamKeys.REPUBLISH_PENALTY_POINTS);
            uint256 decayed = _decayedPenalty(_penalties[msg.sender]);
            _penalties[msg.sender] = Penalty({
                points: (decayed + points * ReputationMath.WAD).toUint192(),
                updatedAt: uint64(block.timestamp)
            });
            emit CampaignRepublished(block.chainid, campaignId, msg.sender, points);
            return (campaignId, false);
        }
        CampaignIdLib.PriceWindow calldata w = spec.priceWindow;
        if (w.minPrice > w.maxPrice || w.notBefore >= w.notAfter || w.notAfter <= block.timestamp) {
            revert CampaignRegistryInvalidWindow();
        }
        _checkDispatchOrder(mode, dispatchBy, dispatchOrder);
        address operator = REPUTATION.operatorOf(msg.sender);
        _countCreation(operator);

        c.publisher = msg.sender;
        c.publishedAt = uint64(block.timestamp);
        c.publisherOperator = operator;
        c.status = Status.Open;
        c.mode = mode;
        c.notBefore = w.notBefore;
        c.notAfter = w.notAfter;
        c.assetPair = spec.assetPair;
        c.strategyId = spec.route.strategyId;
        c.minPrice = w.minPrice;
        c.maxPrice = w.maxPrice;
        if (dispatchOrder.length != 0) c.dispatchOrder = dispatchOrder;
        emit CampaignPublished(block.chainid, campaignId, msg.sender, spec, mode, dispatchOrder);
        return (campaignId, true);
    }

    /// @inheritdoc ICampaignRegistry
    function claim(bytes32 campaignId) external {
        if (!REPUTATION.isEligible(msg.sender)) revert CampaignRegistryNotEligible(msg.sender);
        Campaign storage c = _existing(campaignId);
        if (c.status == Status.Claimed && block.timestamp > c.claimDeadline) _endClaim(campaignId, c, true);
        if (c.status != Status.Open) revert CampaignRegistryNotClaimable(campaignId, c.status, c.claimant);
        if (block.timestamp < c.notBefore || block.timestamp > c.notAfter) {
            revert CampaignRegistryOutsideWindow(campaignId, c.notBefore, c.notAfter);
        }
        if (c.mode == Mode.Dispatch) _checkTurn(campaignId, c);
        if (_pairClaimedAt[c.assetPair] == block.timestamp) {
            revert CampaignRegistryPairLocked(c.assetPair, block.timestamp);
        }

        _pairClaimedAt[c.assetPair] = block.timestamp;
        uint64 deadline = uint64(block.timestamp + PARAMETERS.get(ParamKeys.CLAIM_TTL_SECONDS));
        c.status = Status.Claimed;
        c.claimant = msg.sender;
        c.claimedAt = uint64(block.timestamp);
        c.claimDeadline = deadline;
        ++_claimsHeld[msg.sender];
        _active.push(campaignId);
        _activeIndex[campaignId] = _active.length;
        emit CampaignClaimed(block.chainid, campaignId, msg.sender, deadline);
    }

    /// @inheritdoc ICampaignRegistry
    function release(bytes32 campaignId) external {
        Campaign storage c = _existing(campaignId);
        if (c.status != Status.Claimed || c.claimant != msg.sender) {
            revert CampaignRegistryNotClaimant(campaignId, msg.sender);
        }
        _endClaim(campaignId, c, false);
    }

    /// @inheritdoc ICampaignRegistry
    function settle(bytes32 campaignId, uint256 receiptId) external returns (bool settled) {
        if (!ATTESTATIONS.isAttested(msg.sender)) revert CampaignRegistryNotAttested(msg.sender);
        Campaign storage c = _existing(campaignId);
        IReceiptView.Receipt memory r = RECEIPTS.getReceipt(receiptId);
        if (r.keeper != msg.sender || r.campaignId != campaignId) {
            revert CampaignRegistryReceiptMismatch(campaignId, receiptId);
        }
        if (c.status == Status.Settled) return _lose(campaignId, receiptId, LossReason.AlreadySettled);
        if (c.status != Status.Claimed || c.claimant != msg.sender) {
            return _lose(campaignId, receiptId, LossReason.NotClaimant);
        }
        if (block.timestamp > c.claimDeadline) {
            _endClaim(campaignId, c, true);
            return _lose(campaignId, receiptId, LossReason.ClaimExpired);
        }

        uint64 delay = uint64(block.timestamp) - c.claimedAt;
        c.status = Status.Settled;
        c.settledReceiptId = receiptId;
        --_claimsHeld[msg.sender];
        _removeActive(campaignId);
        emit CampaignSettled(block.chainid, campaignId, msg.sender, receiptId, delay);
        // M4: a success on a campaign published by the claimant's own operator is credited only after its receipt
        // can no longer be disputed, and a key has at most one such success pending (the self-dealing bound).
        if (c.publisherOperator == r.operator) {
            SelfCredit storage pending = _selfCredits[msg.sender];
            if (pending.receiptId != 0) _decideSelfCredit(msg.sender, false);
            if (pending.receiptId == 0) {
                pending.receiptId = receiptId.toUint192();
                pending.delaySeconds = delay;
                emit SelfPublishedSuccessQueued(block.chainid, campaignId, msg.sender, receiptId, delay);
            } else {
                emit SelfPublishedSuccessIgnored(block.chainid, campaignId, r.operator);
            }
        } else {
            REPUTATION.recordOutcome(msg.sender, IReputationOracle.Outcome.Success, delay);
        }
        return true;
    }

    /// @inheritdoc ICampaignRegistry
    function creditSelfPublished(address keeper) external returns (bool credited) {
        if (_selfCredits[keeper].receiptId == 0) revert CampaignRegistryNoSelfCredit(keeper);
        return _decideSelfCredit(keeper, true);
    }

    /// @inheritdoc ICampaignRegistry
    function expireClaim(bytes32 campaignId) external {
        Campaign storage c = _existing(campaignId);
        if (c.status != Status.Claimed || block.timestamp <= c.claimDeadline) {
            revert CampaignRegistryClaimNotStale(campaignId, c.claimDeadline);
        }
        _endClaim(campaignId, c, true);
    }

    /// @inheritdoc IStaleClaimSource
    function expireClaims(bytes32[] calldata ids) external returns (uint256 expired) {
        for (uint256 i = 0; i < ids.length; ++i) {
            Campaign storage c = _campaigns[ids[i]];
            // L4: settled, released, already expired or unknown ids are skipped, not reverted on.
            if (c.status == Status.Claimed && block.timestamp > c.claimDeadline) {
                _endClaim(ids[i], c, true);
                ++expired;
            }
        }
    }

    /// @inheritdoc ICampaignRegistry
    function expireStaleClaims(uint256 max) external returns (uint256 expired) {
        // Backwards, so the swap-and-pop removal only moves already-visited entries.
        for (uint256 i = _active.length; i > 0 && expired < max; --i) {
            bytes32 id = _active[i - 1];
            Campaign storage c = _campaigns[id];
            if (block.timestamp > c.claimDeadline) {
                _endClaim(id, c, true);
                ++expired;
            }
        }
    }

    /// @inheritdoc IStaleClaimSource
    function staleClaims(uint256 max) external view returns (bytes32[] memory ids) {
        bytes32[] memory found = new bytes32[](max < _active.length ? max : _active.length);
        uint256 n;
        for (uint256 i = _active.length; i > 0 && n < found.length; --i) {
            bytes32 id = _active[i - 1];
            if (block.timestamp > _campaigns[id].claimDeadline) found[n++] = id;
        }
        ids = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) ids[i] = found[i];
    }

    /// @inheritdoc ICampaignRegistry
    function liveClaimantOf(bytes32 campaignId) external view returns (address) {
        Campaign storage c = _campaigns[campaignId];
        if (c.status != Status.Claimed || block.timestamp > c.claimDeadline) return address(0);
        return c.claimant;
    }

    /// @inheritdoc ICampaignRegistry
    function campaignOf(bytes32 campaignId) external view returns (Campaign memory) {
        return _campaigns[campaignId];
    }

    /// @inheritdoc ICampaignRegistry
    function campaignIdOf(
        CampaignIdLib.CampaignSpec calldata spec,
        Mode mode,
        DispatchBy dispatchBy,
        address[] calldata dispatchOrder
    ) external pure returns (bytes32) {
        return spec.id(CampaignIdLib.dispatchCommitment(uint8(mode), uint8(dispatchBy), dispatchOrder));
    }

    /// @inheritdoc ICampaignRegistry
    function claimsHeldBy(address keeper) external view returns (uint256) {
        return _claimsHeld[keeper];
    }

    /// @inheritdoc ICampaignRegistry
    function penaltyPointsOf(address publisher) external view returns (uint256) {
        return _decayedPenalty(_penalties[publisher]) / ReputationMath.WAD;
    }

    /// @inheritdoc ICampaignRegistry
    function selfCreditOf(address keeper) external view returns (SelfCredit memory credit, uint256 maturesAt) {
        credit = _selfCredits[keeper];
        if (credit.receiptId != 0) maturesAt = _selfCreditMaturesAt(credit.receiptId);
    }

    /// @inheritdoc ICampaignRegistry
    function lostAttemptsOf(address keeper) external view returns (uint256) {
        return _lostAttempts[keeper];
    }

    /// @inheritdoc ICampaignRegistry
    function activeClaimCount() external view returns (uint256) {
        return _active.length;
    }

    function _existing(bytes32 campaignId) private view returns (Campaign storage c) {
        c = _campaigns[campaignId];
        if (c.status == Status.None) revert CampaignRegistryUnknownCampaign(campaignId);
    }

    /// @dev Counts one creation for the publisher's `operator` in the current fixed window (`now / window`).
    function _countCreation(address operator) private {
        uint256 window = PARAMETERS.get(ParamKeys.CAMPAIGN_RATE_WINDOW_SECONDS);
        uint256 limit = PARAMETERS.get(ParamKeys.CAMPAIGN_RATE_LIMIT_COUNT);
        uint64 start = uint64((block.timestamp / window) * window);
        RateWindow memory rw = _rates[operator];
        if (rw.start != start) rw = RateWindow({start: start, count: 0});
        if (rw.count >= limit) revert CampaignRegistryRateLimited(operator, rw.count, limit);
        ++rw.count;
        _rates[operator] = rw;
    }

    /// @dev Dispatch lists: 1..8 distinct eligible keepers, non-increasing in score or operator stake.
    function _checkDispatchOrder(Mode mode, DispatchBy by, address[] calldata order) private view {
        uint256 n = order.length;
        if (mode == Mode.Race) {
            // One id per race campaign: the ordering rule means nothing without a list.
            if (n != 0 || by != DispatchBy.Reputation) revert CampaignRegistryInvalidDispatchOrder(0);
            return;
        }
        if (n == 0 || n > MAX_DISPATCH) revert CampaignRegistryInvalidDispatchOrder(n);
        uint256 previous = type(uint256).max;
        for (uint256 i = 0; i < n; ++i) {
            address k = order[i];
            if (!REPUTATION.isEligible(k)) revert CampaignRegistryInvalidDispatchOrder(i);
            for (uint256 j = 0; j < i; ++j) {
                if (order[j] == k) revert CampaignRegistryInvalidDispatchOrder(i);
            }
            uint256 metric =
                by == DispatchBy.Reputation ? REPUTATION.score(k) : REPUTATION.stakeOf(REPUTATION.operatorOf(k)).active;
            if (metric > previous) revert CampaignRegistryInvalidDispatchOrder(i);
            previous = metric;
        }
    }

    /// @dev In dispatch mode, entry i may claim from `publishedAt + i * window`; anyone after the list ends.
    function _checkTurn(bytes32 campaignId, Campaign storage c) private view {
        uint256 window = PARAMETERS.get(ParamKeys.DISPATCH_WINDOW_SECONDS);
        address[] storage order = c.dispatchOrder;
        uint256 n = order.length;
        uint256 position = n;
        for (uint256 i = 0; i < n; ++i) {
            if (order[i] == msg.sender) {
                position = i;
                break;
            }
        }
        uint64 turnStartsAt = uint64(c.publishedAt + position * window);
        if (block.timestamp < turnStartsAt) revert CampaignRegistryNotYourTurn(campaignId, msg.sender, turnStartsAt);
    }

    /// @dev Ends the live claim: reopens the campaign and reports the expiry or failure.
    function _endClaim(bytes32 campaignId, Campaign storage c, bool expired) private {
        address keeper = c.claimant;
        c.status = Status.Open;
        c.claimant = address(0);
        --_claimsHeld[keeper];
        _removeActive(campaignId);
        emit CampaignClaimEnded(block.chainid, campaignId, keeper, expired);
        REPUTATION.recordOutcome(
            keeper,
            expired ? IReputationOracle.Outcome.Expiry : IReputationOracle.Outcome.Failure,
            0
        );
    }

    /// @dev Decides `keeper`'s pending self-published success: dropped when its receipt was found at fault,
    ///      credited once it can no longer be disputed; otherwise left pending (or, when `strict`, reverts).
    ///      Returns whether it was credited.
    function _decideSelfCredit(address keeper, bool strict) private returns (bool) {
        SelfCredit memory pending = _selfCredits[keeper];
        uint8 state = REPUTATION.receiptDisputeState(pending.receiptId);
        if (state != _DISPUTE_UPHELD) {
            uint256 maturesAt = _selfCreditMaturesAt(pending.receiptId);
            if (state == _DISPUTE_PENDING || block.timestamp <= maturesAt) {
                if (strict) revert CampaignRegistrySelfCreditNotMature(keeper, pending.receiptId, maturesAt, state);
                return false;
            }
        }
        delete _selfCredits[keeper];
        bool credited = state != _DISPUTE_UPHELD;
        emit SelfPublishedSuccessDecided(block.chainid, keeper, pending.receiptId, credited);
        if (credited) REPUTATION.recordOutcome(keeper, IReputationOracle.Outcome.Success, pending.delaySeconds);
        return credited;
    }

    /// @dev The last moment a dispute on receipt `receiptId` can be lodged: a demand within the challenge window,
    ///      its reveal within `revealWindowSeconds`, a dispute citing the revealed leaf within as much again.
    function _selfCreditMaturesAt(uint256 receiptId) private view returns (uint256) {
        return
            uint256(RECEIPTS.getReceipt(receiptId).postedAt) +
            PARAMETERS.get(ParamKeys.CHALLENGE_WINDOW_SECONDS) +
            2 * PARAMETERS.get(ParamKeys.REVEAL_WINDOW_SECONDS);
    }

    /// @dev Penalty points (1e18 per point) decayed from their last update to now with `scoreHalfLifeSeconds`.
    function _decayedPenalty(Penalty memory p) private view returns (uint256) {
        if (p.points == 0) return 0;
        return
            ReputationMath.decay(
                p.points,
                block.timestamp - p.updatedAt,
                PARAMETERS.get(ParamKeys.SCORE_HALF_LIFE_SECONDS)
            );
    }

    function _lose(bytes32 campaignId, uint256 receiptId, LossReason reason) private returns (bool) {
        ++_lostAttempts[msg.sender];
        emit SettleAttemptLost(block.chainid, campaignId, msg.sender, receiptId, reason);
        return false;
    }

    function _removeActive(bytes32 campaignId) private {
        uint256 index = _activeIndex[campaignId];
        uint256 last = _active.length;
        if (index != last) {
            bytes32 moved = _active[last - 1];
            _active[index - 1] = moved;
            _activeIndex[moved] = index;
        }
        _active.pop();
        delete _activeIndex[campaignId];
    }
}

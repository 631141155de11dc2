// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IReputationOracle} from "../interfaces/IReputationOracle.sol";
import {IKeeperEligibility} from "../interfaces/IKeeperEligibility.sol";
import {IReceiptRegistry} from "../interfaces/IReceiptRegistry.sol";
import {IReceiptView} from "../interfaces/IReceiptView.sol";
import {ICampaignRegistry} from "../interfaces/ICampaignRegistry.sol";
import {IAttestationRegistry} from "../interfaces/IAttestationRegistry.sol";
import {IParameters} from "../interfaces/IParameters.sol";
import {ParamKeys} from "../libraries/ParamKeys.sol";
import {ReputationMath} from "../libraries/ReputationMath.sol";
import {TraceLeafLib} from "../libraries/TraceLeafLib.sol";

/// @title ReputationOracle
/// @notice Operators stake the deposit asset for their keeper keys; keepers are scored from on-chain
///         outcomes (decayed over time), must stay healthy (heartbeats or receipts) and attested to be
///         eligible; anyone may challenge a receipt with a bond and evidence, and the arbiter (governance)
///         resolves disputes in FIFO order, slashing the operator and paying the whistleblower when upheld.
contract ReputationOracle is IReputationOracle, AccessControl, ReentrancyGuard {
    using SafeERC20 for IERC20;
    using TraceLeafLib for TraceLeafLib.TraceLeaf;

    /// @notice Role that resolves disputes (governance).
    bytes32 public constant ARBITER_ROLE = keccak256("ARBITER_ROLE");
    /// @notice Role that reports campaign outcomes (the campaign registry).
    bytes32 public constant REPORTER_ROLE = keccak256("REPORTER_ROLE");

    /// @dev A keeper's binding to its operator; `previous*` keeps a released keeper's receipts answerable.
    struct KeeperBinding {
        address operator;
        uint64 boundAt;
        address previousOperator;
        uint64 releasedAt;
    }

    /// @dev Accounting totals of the stake token (see `stakeTotals`).
    struct StakeTotals {
        uint256 deposited;
        uint256 active;
        uint256 unbonding;
        uint256 slashed;
        uint256 withdrawn;
    }

    /// @notice The stake token (the deposit asset).
    IERC20 public immutable STAKE_TOKEN;
    /// @notice Governance thresholds.
    IParameters public immutable PARAMETERS;
    /// @notice Keeper attestations.
    IAttestationRegistry public immutable ATTESTATIONS;
    /// @notice Receipts (challenged evidence, heartbeats).
    IReceiptRegistry public immutable RECEIPTS;

    address private _slashReceiver;
    mapping(address operator => OperatorStake) private _stakes;
    mapping(address keeper => KeeperBinding) private _bindings;
    mapping(address keeper => address operator) private _proposals;
    mapping(address keeper => Counters) private _counters;
    mapping(address keeper => uint64) private _heartbeats;
    mapping(address operator => uint256) private _rewards;
    mapping(uint256 disputeId => Dispute) private _disputes;
    mapping(bytes32 evidenceHash => bool) private _usedEvidence;
    uint256 private _disputeCount;
    uint256 private _queueHead = 1;
    StakeTotals private _totals;

    /// @param stakeToken The deposit asset, staked by operators and used for bonds and rewards.
    /// @param parameters Governance thresholds.
    /// @param attestations The attestation registry.
    /// @param receipts The receipt registry.
    /// @param slashReceiver_ Receiver of slashed stake net of the whistleblower's cut (e.g. the vault).
    /// @param governance Holder of `DEFAULT_ADMIN_ROLE` and `ARBITER_ROLE` (the deployer until the timelock).
    constructor(
        IERC20 stakeToken,
        IParameters parameters,
        IAttestationRegistry attestations,
        IReceiptRegistry receipts,
        address slashReceiver_,
        address governance
    ) {
        if (slashReceiver_ == address(0)) revert ReputationOracleZeroAddress();
        STAKE_TOKEN = stakeToken;
        PARAMETERS = parameters;
        ATTESTATIONS = attestations;
        RECEIPTS = receipts;
        _slashReceiver = slashReceiver_;
        _grantRole(DEFAULT_ADMIN_ROLE, governance);
        _grantRole(ARBITER_ROLE, governance);
    }

    // ------------------------------------------------------------------------------------------ stake

    /// @inheritdoc IReputationOracle
    function stake(uint256 amount) external nonReentrant {
        if (amount == 0) revert ReputationOracleZeroAmount();
        OperatorStake storage s = _stakes[msg.sender];
        s.active += uint128(amount);
        _totals.deposited += amount;
        _totals.active += amount;
        emit Staked(msg.sender, amount, s.active);
        STAKE_TOKEN.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IReputationOracle
    function requestUnstake(uint256 amount) external {
        if (amount == 0) revert ReputationOracleZeroAmount();
        OperatorStake storage s = _stakes[msg.sender];
        if (amount > s.active) revert ReputationOracleInsufficientStake(msg.sender, amount, s.active);
        uint64 unlockAt = uint64(block.timestamp + PARAMETERS.get(ParamKeys.UNBONDING_SECONDS));
        // Safe: amount <= active checked above.
        unchecked {
            s.active -= uint128(amount);
            _totals.active -= amount;
        }
        s.unbonding += uint128(amount);
        s.unlockAt = unlockAt;
        _totals.unbonding += amount;
        emit UnstakeRequested(msg.sender, amount, s.unbonding, unlockAt);
    }

    /// @inheritdoc IReputationOracle
    function withdraw() external nonReentrant {
        OperatorStake storage s = _stakes[msg.sender];
        uint256 amount = s.unbonding;
        if (amount == 0) revert ReputationOracleZeroAmount();
        if (block.timestamp < s.unlockAt) revert ReputationOracleStillBonded(msg.sender, s.unlockAt);
        if (s.openDisputes != 0) revert ReputationOracleDisputesPending(msg.sender, s.openDisputes);
        s.unbonding = 0;
        _totals.unbonding -= amount;
        _totals.withdrawn += amount;
        emit Withdrawn(msg.sender, amount);
        STAKE_TOKEN.safeTransfer(msg.sender, amount);
    }

    // ------------------------------------------------------------------------------------------ keepers

    /// @inheritdoc IReputationOracle
    function proposeKeeper(address keeper) external {
        address current = _bindings[keeper].operator;
        if (current != address(0)) revert ReputationOracleKeeperBound(keeper, current);
        _proposals[keeper] = msg.sender;
        emit KeeperProposed(msg.sender, keeper);
    }

    /// @inheritdoc IReputationOracle
    function acceptOperator(address operator) external {
        KeeperBinding storage b = _bindings[msg.sender];
        if (b.operator != address(0)) revert ReputationOracleKeeperBound(msg.sender, b.operator);
        if (operator == address(0) || _proposals[msg.sender] != operator) {
            revert ReputationOracleNotProposed(msg.sender, operator);
        }
        delete _proposals[msg.sender];
        b.operator = operator;
        b.boundAt = uint64(block.timestamp);
        emit KeeperBound(msg.sender, operator);
    }

    /// @inheritdoc IReputationOracle
    function removeKeeper(address keeper) external {
        KeeperBinding storage b = _bindings[keeper];
        if (b.operator != msg.sender) revert ReputationOracleNotOperator(keeper, msg.sender);
        b.previousOperator = msg.sender;
        b.releasedAt = uint64(block.timestamp);
        b.operator = address(0);
        emit KeeperBound(keeper, address(0));
    }

    /// @inheritdoc IReputationOracle
    function heartbeat() external {
        _heartbeats[msg.sender] = uint64(block.timestamp);
        emit Heartbeat(msg.sender, uint64(block.timestamp));
    }

    /// @inheritdoc IReputationOracle
    function recordOutcome(address keeper, Outcome outcome, uint256 delaySeconds) external onlyRole(REPORTER_ROLE) {
        Counters memory c = _decayed(_counters[keeper]);
        if (outcome == Outcome.Success) {
            c.successes += uint128(ReputationMath.WAD);
            c.delaySum += uint128(delaySeconds * ReputationMath.WAD);
        } else if (outcome == Outcome.Failure) {
            c.failures += uint128(ReputationMath.WAD);
        } else {
            c.expiries += uint128(ReputationMath.WAD);
        }
        _counters[keeper] = c;
        emit OutcomeRecorded(keeper, outcome, delaySeconds, _score(c));
    }

    // ------------------------------------------------------------------------------------------ disputes

    /// @inheritdoc IReputationOracle
    function challenge(uint256 receiptId, Evidence calldata evidence) external nonReentrant returns (uint256 id) {
        IReceiptView.Receipt memory r = RECEIPTS.getReceipt(receiptId);
        uint256 closesAt = r.postedAt + PARAMETERS.get(ParamKeys.CHALLENGE_WINDOW_SECONDS);
        if (block.timestamp > closesAt) revert ReputationOracleChallengeWindowClosed(receiptId, closesAt);
        address operator = _operatorAt(r.keeper, r.postedAt);
        if (operator == address(0)) revert ReputationOracleNoOperator(r.keeper);
        bytes32 evidenceHash = _checkEvidence(receiptId, r.campaignId, evidence);
        if (_usedEvidence[evidenceHash]) revert ReputationOracleEvidenceUsed(evidenceHash);
        uint256 bond = PARAMETERS.get(ParamKeys.CHALLENGE_BOND);

        _usedEvidence[evidenceHash] = true;
        id = ++_disputeCount;
        _disputes[id] = Dispute({
            challenger: msg.sender,
            openedAt: uint64(block.timestamp),
            status: DisputeStatus.Pending,
            kind: evidence.kind,
            operator: operator,
            keeper: r.keeper,
            receiptId: receiptId,
            bond: bond,
            slashed: 0,
            evidenceHash: evidenceHash
        });
        ++_stakes[operator].openDisputes;
        emit Challenged(id, receiptId, msg.sender, operator, evidence.kind, bond);
        STAKE_TOKEN.safeTransferFrom(msg.sender, address(this), bond);
    }

    /// @inheritdoc IReputationOracle
    function resolve(uint256 disputeId, bool upheld) external onlyRole(ARBITER_ROLE) nonReentrant {
        uint256 head = _queueHead;
        if (disputeId != head || head > _disputeCount) revert ReputationOracleOutOfOrder(disputeId, head);
        Dispute storage d = _disputes[disputeId];
        _queueHead = head + 1;
        OperatorStake storage s = _stakes[d.operator];
        --s.openDisputes;
        if (!upheld) {
            d.status = DisputeStatus.Rejected;
            emit DisputeResolved(disputeId, false, 0, 0, 0);
            STAKE_TOKEN.safeTransfer(d.operator, d.bond);
            return;
        }
        uint256 slashed = _slash(s);
        uint256 reward = ReputationMath.bpsOf(slashed, PARAMETERS.get(ParamKeys.WHISTLEBLOWER_SHARE_BPS));
        d.status = DisputeStatus.Upheld;
        d.slashed = slashed;
        Counters memory c = _decayed(_counters[d.keeper]);
        c.frauds += uint128(ReputationMath.WAD);
        _counters[d.keeper] = c;
        emit DisputeResolved(disputeId, true, slashed, reward, slashed - reward);
        STAKE_TOKEN.safeTransfer(d.challenger, d.bond + reward);
        if (slashed > reward) STAKE_TOKEN.safeTransfer(_slashReceiver, slashed - reward);
    }

    // ------------------------------------------------------------------------------------------ governance

    /// @inheritdoc IReputationOracle
    function setOperatorRevoked(address operator, bool revoked) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _stakes[operator].revoked = revoked;
        emit OperatorRevocationChanged(operator, revoked);
    }

    /// @inheritdoc IReputationOracle
    function setSlashReceiver(address receiver) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (receiver == address(0)) revert ReputationOracleZeroAddress();
        emit SlashReceiverChanged(_slashReceiver, receiver);
        _slashReceiver = receiver;
    }

    // ------------------------------------------------------------------------------------------ rewards

    /// @inheritdoc IReputationOracle
    function payReward(address keeper, uint256 amount) external nonReentrant {
        if (amount == 0) revert ReputationOracleZeroAmount();
        address operator = _bindings[keeper].operator;
        if (operator == address(0)) revert ReputationOracleNoOperator(keeper);
        _rewards[operator] += amount;
        emit RewardPaid(keeper, operator, amount);
        STAKE_TOKEN.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IReputationOracle
    function claimRewards() external nonReentrant {
        uint256 amount = _rewards[msg.sender];
        if (amount == 0) revert ReputationOracleZeroAmount();
        _rewards[msg.sender] = 0;
        emit RewardsClaimed(msg.sender, amount);
        STAKE_TOKEN.safeTransfer(msg.sender, amount);
    }

    // ------------------------------------------------------------------------------------------ views

    /// @inheritdoc IKeeperEligibility
    function isEligible(address keeper) public view returns (bool) {
        address operator = _bindings[keeper].operator;
        if (operator == address(0)) return false;
        OperatorStake storage s = _stakes[operator];
        if (s.revoked || s.active < PARAMETERS.get(ParamKeys.MIN_STAKE)) return false;
        if (lastSeen(keeper) + PARAMETERS.get(ParamKeys.HEARTBEAT_MAX_AGE_SECONDS) < block.timestamp) return false;
        if (score(keeper) < PARAMETERS.get(ParamKeys.MIN_SCORE)) return false;
        return ATTESTATIONS.isAttested(keeper);
    }

    /// @inheritdoc IKeeperEligibility
    function score(address keeper) public view returns (uint256) {
        return _score(_decayed(_counters[keeper]));
    }

    /// @inheritdoc IKeeperEligibility
    function operatorOf(address keeper) external view returns (address) {
        return _bindings[keeper].operator;
    }

    /// @inheritdoc IReputationOracle
    function stakeOf(address operator) external view returns (OperatorStake memory) {
        return _stakes[operator];
    }

    /// @inheritdoc IReputationOracle
    function countersOf(address keeper) external view returns (Counters memory) {
        return _decayed(_counters[keeper]);
    }

    /// @inheritdoc IReputationOracle
    function lastSeen(address keeper) public view returns (uint64) {
        uint64 beat = _heartbeats[keeper];
        uint64 posted = RECEIPTS.lastPostedAt(keeper);
        return beat > posted ? beat : posted;
    }

    /// @inheritdoc IReputationOracle
    function health(address keeper) external view returns (uint256) {
        uint256 seen = lastSeen(keeper);
        if (seen == 0) return 0;
        uint256 maxAge = PARAMETERS.get(ParamKeys.HEARTBEAT_MAX_AGE_SECONDS);
        uint256 age = block.timestamp - seen;
        if (age <= maxAge) return ReputationMath.BPS;
        if (age >= 2 * maxAge) return 0;
        return (ReputationMath.BPS * (2 * maxAge - age)) / maxAge;
    }

    /// @inheritdoc IReputationOracle
    function rewardWeight(address keeper) external view returns (uint256) {
        return isEligible(keeper) ? score(keeper) : 0;
    }

    /// @inheritdoc IReputationOracle
    function disputeOf(uint256 disputeId) external view returns (Dispute memory) {
        return _disputes[disputeId];
    }

    /// @inheritdoc IReputationOracle
    function queue() external view returns (uint256 head, uint256 count) {
        return (_queueHead, _disputeCount);
    }

    /// @inheritdoc IReputationOracle
    function rewardsOf(address operator) external view returns (uint256) {
        return _rewards[operator];
    }

    /// @inheritdoc IReputationOracle
    function stakeTotals()
        external
        view
        returns (uint256 deposited, uint256 active, uint256 unbonding, uint256 slashed, uint256 withdrawn)
    {
        StakeTotals storage t = _totals;
        return (t.deposited, t.active, t.unbonding, t.slashed, t.withdrawn);
    }

    /// @notice Address receiving slashed stake net of whistleblower rewards.
    function slashReceiver() external view returns (address) {
        return _slashReceiver;
    }

    // ------------------------------------------------------------------------------------------ internals

    /// @dev Slashes `slashFractionBps` of the operator's active + unbonding stake, active first. Never more
    ///      than the stake: the fraction is at most 100% of what is there.
    function _slash(OperatorStake storage s) private returns (uint256 slashed) {
        uint256 total = uint256(s.active) + s.unbonding;
        slashed = ReputationMath.bpsOf(total, PARAMETERS.get(ParamKeys.SLASH_FRACTION_BPS));
        uint256 fromActive = slashed <= s.active ? slashed : s.active;
        uint256 fromUnbonding = slashed - fromActive;
        // Safe: fromActive <= active and fromUnbonding <= total - active = unbonding.
        unchecked {
            s.active -= uint128(fromActive);
            s.unbonding -= uint128(fromUnbonding);
            _totals.active -= fromActive;
            _totals.unbonding -= fromUnbonding;
        }
        _totals.slashed += slashed;
    }

    /// @dev Checks the evidence against the receipt(s) and returns its hash (one dispute per evidence).
    function _checkEvidence(uint256 receiptId, bytes32 campaignId, Evidence calldata e) private view returns (bytes32) {
        bytes32 leafHash = e.leaf.hash();
        if (!RECEIPTS.verifyLeaf(receiptId, leafHash, e.proof)) revert ReputationOracleInvalidProof(receiptId);
        if (e.kind == EvidenceKind.PriceOutOfBound) {
            // The authoritative bound is the campaign's published price window; the bound the keeper wrote
            // into its own leaf counts too (a trade outside either is a violation), so a keeper cannot
            // escape by declaring a wider bound in its leaves.
            if (!e.leaf.priceOutOfBound() && !_outsideCampaignWindow(campaignId, e.leaf.price)) {
                revert ReputationOracleEvidenceNotViolating(e.kind);
            }
            return keccak256(abi.encode(receiptId, e.kind, leafHash));
        }
        // DuplicateExecution: the same fill in an earlier receipt.
        if (e.otherReceiptId >= receiptId || e.otherLeaf.executionId != e.leaf.executionId) {
            revert ReputationOracleEvidenceNotViolating(e.kind);
        }
        bytes32 otherHash = e.otherLeaf.hash();
        if (!RECEIPTS.verifyLeaf(e.otherReceiptId, otherHash, e.otherProof)) {
            revert ReputationOracleInvalidProof(e.otherReceiptId);
        }
        return keccak256(abi.encode(receiptId, e.kind, e.leaf.executionId));
    }

    /// @dev Whether `price` lies outside the published price window of `campaignId`.
    function _outsideCampaignWindow(bytes32 campaignId, uint128 price) private view returns (bool) {
        address registry = RECEIPTS.campaignRegistry();
        if (registry == address(0)) return false;
        ICampaignRegistry.Campaign memory c = ICampaignRegistry(registry).campaignOf(campaignId);
        if (c.status == ICampaignRegistry.Status.None) return false;
        return price < c.minPrice || price > c.maxPrice;
    }

    /// @dev The operator answerable for a receipt the keeper posted at `postedAt`.
    function _operatorAt(address keeper, uint64 postedAt) private view returns (address) {
        KeeperBinding storage b = _bindings[keeper];
        if (b.operator != address(0) && postedAt >= b.boundAt) return b.operator;
        if (b.previousOperator != address(0) && postedAt <= b.releasedAt) return b.previousOperator;
        return address(0);
    }

    /// @dev Counters decayed from their last update to now.
    function _decayed(Counters memory c) private view returns (Counters memory) {
        uint256 elapsed = block.timestamp - c.updatedAt;
        if (c.updatedAt != 0 && elapsed != 0) {
            uint256 halfLife = PARAMETERS.get(ParamKeys.SCORE_HALF_LIFE_SECONDS);
            c.successes = uint128(ReputationMath.decay(c.successes, elapsed, halfLife));
            c.failures = uint128(ReputationMath.decay(c.failures, elapsed, halfLife));
            c.expiries = uint128(ReputationMath.decay(c.expiries, elapsed, halfLife));
            c.frauds = uint128(ReputationMath.decay(c.frauds, elapsed, halfLife));
            c.delaySum = uint128(ReputationMath.decay(c.delaySum, elapsed, halfLife));
        }
        c.updatedAt = uint64(block.timestamp);
        return c;
    }

    function _score(Counters memory c) private view returns (uint256) {
        return
            ReputationMath.score(
                c.successes,
                c.failures,
                c.expiries,
                c.frauds,
                c.delaySum,
                PARAMETERS.get(ParamKeys.CLAIM_TTL_SECONDS)
            );
    }
}

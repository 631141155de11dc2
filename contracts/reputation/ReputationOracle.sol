// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IReputationOracle} from "../interfaces/IReputationOracle.sol";
import {IKeeperEligibility} from "../interfaces/IKeeperEligibility.sol";
import {ICapitalSlashing} from "../interfaces/ICapitalSlashing.sol";
import {IOperatorExposure} from "../interfaces/IOperatorExposure.sol";
import {IDisputeDesk} from "../interfaces/IDisputeDesk.sol";
import {IReceiptRegistry} from "../interfaces/IReceiptRegistry.sol";
import {ICampaignRegistry} from "../interfaces/ICampaignRegistry.sol";
import {IAttestationRegistry} from "../interfaces/IAttestationRegistry.sol";
import {IParameters} from "../interfaces/IParameters.sol";
import {ParamKeys} from "../libraries/ParamKeys.sol";
import {ReputationMath} from "../libraries/ReputationMath.sol";

/// @title ReputationOracle
/// @notice Operators stake the deposit asset for their keeper keys; keepers are scored from on-chain
///         outcomes (decayed over time) and republish penalties, must stay healthy (heartbeats or receipts),
///         attested, free of dispute holds and not suspended to be eligible. Slashes come from the dispute
///         desk (fraud, once per receipt, against the operator snapshotted into the receipt) and the capital
///         book (a keeper's capital default). A key's binding cannot change while the key has a receipt
///         inside its challenge window or holds a claim.
contract ReputationOracle is IReputationOracle, AccessControl, ReentrancyGuard {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /// @notice Role that reports campaign outcomes (the campaign registry).
    bytes32 public constant REPORTER_ROLE = keccak256("REPORTER_ROLE");
    /// @notice Role that slashes for capital defaults (the keeper capital book).
    bytes32 public constant CAPITAL_ROLE = keccak256("CAPITAL_ROLE");

    /// @dev A keeper's binding to its operator, its dispute holds and its suspension.
    struct KeeperBinding {
        address operator;
        uint64 boundAt;
        uint32 holds;
        bool suspended;
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
    StakeTotals private _totals;
    address private _desk;
    IOperatorExposure private _capitalBook;

    /// @param stakeToken The deposit asset, staked by operators and used for bonds and rewards.
    /// @param parameters Governance thresholds.
    /// @param attestations The attestation registry.
    /// @param receipts The receipt registry.
    /// @param slashReceiver_ Receiver of slashed stake net of the whistleblower's cut (e.g. the vault).
    /// @param governance Holder of `DEFAULT_ADMIN_ROLE` (the deployer until the timelock).
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
    }

    modifier onlyDesk() {
        if (msg.sender != _desk) revert ReputationOracleNotDesk(msg.sender);
        _;
    }

    // ------------------------------------------------------------------------------------------ stake

    /// @inheritdoc IReputationOracle
    function stake(uint256 amount) external nonReentrant {
        if (amount == 0) revert ReputationOracleZeroAmount();
        OperatorStake storage s = _stakes[msg.sender];
        s.active += amount.toUint128();
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
        uint64 unlockAt = (block.timestamp + PARAMETERS.get(ParamKeys.UNBONDING_SECONDS)).toUint64();
        // Safe: amount <= active (a uint128) checked above, and _totals.active >= s.active.
        unchecked {
            s.active -= uint128(amount);
            _totals.active -= amount;
        }
        s.unbonding += amount.toUint128();
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
        IOperatorExposure book = _capitalBook;
        if (address(book) != address(0)) {
            uint256 owed = book.outstandingOf(msg.sender);
            if (owed != 0) revert ReputationOracleCapitalOutstanding(msg.sender, owed);
        }
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
        _requireUnlocked(keeper);
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
        _requireUnlocked(msg.sender);
        delete _proposals[msg.sender];
        b.operator = operator;
        b.boundAt = uint64(block.timestamp);
        emit KeeperBound(msg.sender, operator);
    }

    /// @inheritdoc IReputationOracle
    function removeKeeper(address keeper) external {
        KeeperBinding storage b = _bindings[keeper];
        if (b.operator != msg.sender) revert ReputationOracleNotOperator(keeper, msg.sender);
        _requireUnlocked(keeper);
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
            c.delaySum += (delaySeconds * ReputationMath.WAD).toUint128();
        } else if (outcome == Outcome.Failure) {
            c.failures += uint128(ReputationMath.WAD);
        } else {
            c.expiries += uint128(ReputationMath.WAD);
        }
        _counters[keeper] = c;
        emit OutcomeRecorded(keeper, outcome, delaySeconds, _score(c));
    }

    // ------------------------------------------------------------------------------------------ slashing

    /// @inheritdoc IReputationOracle
    function openCase(address operator, address keeper, bool hold) external onlyDesk {
        ++_stakes[operator].openDisputes;
        if (hold) emit KeeperHoldChanged(keeper, ++_bindings[keeper].holds);
    }

    /// @inheritdoc IReputationOracle
    function closeCase(address operator, address keeper, bool hold) external onlyDesk {
        --_stakes[operator].openDisputes;
        if (hold) emit KeeperHoldChanged(keeper, --_bindings[keeper].holds);
    }

    /// @inheritdoc IReputationOracle
    function slashForFraud(
        address operator,
        address keeper,
        address challenger
    ) external onlyDesk nonReentrant returns (uint256 slashed) {
        OperatorStake storage s = _stakes[operator];
        slashed = _take(
            s,
            ReputationMath.bpsOf(uint256(s.active) + s.unbonding, PARAMETERS.get(ParamKeys.SLASH_FRACTION_BPS))
        );
        // L3: the receipt's own operator (or one of its keys) earns nothing from reporting itself.
        bool own = challenger == operator || _bindings[challenger].operator == operator;
        uint256 reward = own ? 0 : ReputationMath.bpsOf(slashed, PARAMETERS.get(ParamKeys.WHISTLEBLOWER_SHARE_BPS));
        Counters memory c = _decayed(_counters[keeper]);
        c.frauds += uint128(ReputationMath.WAD);
        _counters[keeper] = c;
        emit SlashedForFraud(operator, keeper, challenger, slashed, reward, slashed - reward);
        if (reward != 0) STAKE_TOKEN.safeTransfer(challenger, reward);
        if (slashed > reward) STAKE_TOKEN.safeTransfer(_slashReceiver, slashed - reward);
    }

    /// @inheritdoc ICapitalSlashing
    function slashForDefault(
        address operator,
        address keeper,
        uint256 amount
    ) external onlyRole(CAPITAL_ROLE) nonReentrant returns (uint256 slashed) {
        slashed = _take(_stakes[operator], amount);
        _suspendKeeper(keeper);
        emit SlashedForDefault(operator, keeper, amount, slashed);
        if (slashed != 0) STAKE_TOKEN.safeTransfer(msg.sender, slashed);
    }

    /// @inheritdoc ICapitalSlashing
    function suspendKeeper(address keeper) external onlyRole(CAPITAL_ROLE) {
        _suspendKeeper(keeper);
    }

    // ------------------------------------------------------------------------------------------ governance

    /// @inheritdoc IReputationOracle
    function setOperatorRevoked(address operator, bool revoked) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _stakes[operator].revoked = revoked;
        emit OperatorRevocationChanged(operator, revoked);
    }

    /// @inheritdoc IReputationOracle
    function setDisputeDesk(address desk) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (desk == address(0)) revert ReputationOracleZeroAddress();
        _desk = desk;
        emit DisputeDeskSet(desk);
    }

    /// @inheritdoc IReputationOracle
    function setCapitalBook(address book) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _capitalBook = IOperatorExposure(book);
        emit CapitalBookSet(book);
    }

    /// @inheritdoc IReputationOracle
    function setKeeperSuspended(address keeper, bool suspended) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _bindings[keeper].suspended = suspended;
        emit KeeperSuspensionChanged(keeper, suspended);
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
        KeeperBinding storage b = _bindings[keeper];
        address operator = b.operator;
        if (operator == address(0) || b.holds != 0 || b.suspended) return false;
        OperatorStake storage s = _stakes[operator];
        if (s.revoked || s.active < PARAMETERS.get(ParamKeys.MIN_STAKE)) return false;
        if (lastSeen(keeper) + PARAMETERS.get(ParamKeys.HEARTBEAT_MAX_AGE_SECONDS) < block.timestamp) return false;
        if (score(keeper) < PARAMETERS.get(ParamKeys.MIN_SCORE)) return false;
        return ATTESTATIONS.isAttested(keeper);
    }

    /// @inheritdoc IKeeperEligibility
    function score(address keeper) public view returns (uint256) {
        return _penalised(keeper, _score(_decayed(_counters[keeper])));
    }

    /// @inheritdoc IReputationOracle
    function operatorOf(address keeper) external view override(IReputationOracle) returns (address) {
        return _bindings[keeper].operator;
    }

    /// @inheritdoc ICapitalSlashing
    function slashableStake(address operator) external view returns (uint256) {
        OperatorStake storage s = _stakes[operator];
        return uint256(s.active) + s.unbonding;
    }

    /// @inheritdoc ICapitalSlashing
    function receiptDisputeState(uint256 receiptId) external view returns (uint8) {
        address desk = _desk;
        return desk == address(0) ? 0 : IDisputeDesk(desk).receiptDisputeState(receiptId);
    }

    /// @inheritdoc ICapitalSlashing
    function isSuspended(address keeper) external view returns (bool) {
        return _bindings[keeper].suspended;
    }

    /// @inheritdoc IReputationOracle
    function holdOf(address keeper) external view returns (uint256 holds, bool suspended) {
        KeeperBinding storage b = _bindings[keeper];
        return (b.holds, b.suspended);
    }

    /// @inheritdoc IReputationOracle
    function disputeDesk() external view returns (address) {
        return _desk;
    }

    /// @inheritdoc IReputationOracle
    function capitalBook() external view returns (address) {
        return address(_capitalBook);
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

    /// @dev Takes up to `amount` from the operator's active then unbonding stake; returns what it took.
    function _take(OperatorStake storage s, uint256 amount) private returns (uint256 taken) {
        uint256 total = uint256(s.active) + s.unbonding;
        taken = amount < total ? amount : total;
        uint256 fromActive = taken <= s.active ? taken : s.active;
        uint256 fromUnbonding = taken - fromActive;
        // Safe: fromActive <= active and fromUnbonding <= total - active = unbonding (both uint128), and the
        // totals are sums over operators of those fields.
        unchecked {
            s.active -= uint128(fromActive);
            s.unbonding -= uint128(fromUnbonding);
            _totals.active -= fromActive;
            _totals.unbonding -= fromUnbonding;
        }
        _totals.slashed += taken;
    }

    /// @dev Sets the one suspension flag of `keeper` (no event when already suspended).
    function _suspendKeeper(address keeper) private {
        KeeperBinding storage b = _bindings[keeper];
        if (b.suspended) return;
        b.suspended = true;
        emit KeeperSuspensionChanged(keeper, true);
    }

    /// @dev Reverts while `keeper` has a receipt inside its challenge window or holds a claim.
    function _requireUnlocked(address keeper) private view {
        uint64 posted = RECEIPTS.lastPostedAt(keeper);
        bool recent = posted != 0 && block.timestamp <= posted + PARAMETERS.get(ParamKeys.CHALLENGE_WINDOW_SECONDS);
        address registry = RECEIPTS.campaignRegistry();
        uint256 claims = registry == address(0) ? 0 : ICampaignRegistry(registry).claimsHeldBy(keeper);
        if (recent || claims != 0) revert ReputationOracleKeyLocked(keeper, posted, claims);
    }

    /// @dev M5: republish penalty points of the key lower its score: `score * 10_000 / (10_000 + points *
    ///      penaltyWeightBps / 10_000)`.
    function _penalised(address keeper, uint256 raw) private view returns (uint256) {
        address registry = RECEIPTS.campaignRegistry();
        if (registry == address(0)) return raw;
        uint256 points = ICampaignRegistry(registry).penaltyPointsOf(keeper);
        return ReputationMath.penalised(raw, points, PARAMETERS.get(ParamKeys.PENALTY_WEIGHT_BPS));
    }

    /// @dev Counters decayed from their last update to now.
    function _decayed(Counters memory c) private view returns (Counters memory) {
        uint256 elapsed = block.timestamp - c.updatedAt;
        if (c.updatedAt != 0 && elapsed != 0) {
            uint256 halfLife = PARAMETERS.get(ParamKeys.SCORE_HALF_LIFE_SECONDS);
            // Safe narrowing: decay never increases a value, and each input is a uint128.
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

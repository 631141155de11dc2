// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IKeeperEligibility} from "./IKeeperEligibility.sol";
import {TraceLeafLib} from "../libraries/TraceLeafLib.sol";

/// @title IReputationOracle
/// @notice Operator stake, keeper scores from on-chain outcomes, eligibility, heartbeats, rewards, and
///         slashing through a FIFO arbitration queue of bonded challenges against receipts.
interface IReputationOracle is IKeeperEligibility {
    /// @notice Outcome of a claimed campaign, reported by the campaign registry.
    enum Outcome {
        Success,
        Failure,
        Expiry
    }

    /// @notice What a challenge proves. `PriceOutOfBound`: a leaf of the receipt whose price lies outside the
    ///         bound the leaf states. `DuplicateExecution`: a leaf of the receipt whose execution id also sits
    ///         in an earlier receipt (the same fill claimed twice).
    enum EvidenceKind {
        PriceOutOfBound,
        DuplicateExecution
    }

    /// @notice Lifecycle of a dispute.
    enum DisputeStatus {
        None,
        Pending,
        Upheld,
        Rejected
    }

    /// @notice Evidence attached to a challenge. `other*` fields are used by `DuplicateExecution` only.
    struct Evidence {
        EvidenceKind kind;
        TraceLeafLib.TraceLeaf leaf;
        bytes32[] proof;
        uint256 otherReceiptId;
        TraceLeafLib.TraceLeaf otherLeaf;
        bytes32[] otherProof;
    }

    /// @notice One dispute in the arbitration queue.
    struct Dispute {
        address challenger;
        uint64 openedAt;
        DisputeStatus status;
        EvidenceKind kind;
        address operator;
        address keeper;
        uint256 receiptId;
        uint256 bond;
        uint256 slashed;
        bytes32 evidenceHash;
    }

    /// @notice Stake of an operator. `unbonding` leaves at `unlockAt`; both parts are slashable.
    struct OperatorStake {
        uint128 active;
        uint128 unbonding;
        uint64 unlockAt;
        uint32 openDisputes;
        bool revoked;
    }

    /// @notice A keeper's outcome counters, each decayed by `2^(-age / scoreHalfLifeSeconds)` (1e18 = one
    ///         fresh outcome; `delaySum` is the decayed sum of claim-to-settle delays in seconds x 1e18).
    struct Counters {
        uint128 successes;
        uint128 failures;
        uint128 expiries;
        uint128 frauds;
        uint128 delaySum;
        uint64 updatedAt;
    }

    /// @notice Thrown when an amount is zero.
    error ReputationOracleZeroAmount();
    /// @notice Thrown when an operator asks to unstake more than its active stake.
    error ReputationOracleInsufficientStake(address operator, uint256 requested, uint256 active);
    /// @notice Thrown when withdrawing before the unbonding delay elapsed.
    error ReputationOracleStillBonded(address operator, uint64 unlockAt);
    /// @notice Thrown when withdrawing while disputes against the operator are pending.
    error ReputationOracleDisputesPending(address operator, uint32 openDisputes);
    /// @notice Thrown when a keeper already has an operator.
    error ReputationOracleKeeperBound(address keeper, address operator);
    /// @notice Thrown when a keeper accepts an operator that did not propose it.
    error ReputationOracleNotProposed(address keeper, address operator);
    /// @notice Thrown when an operator acts on a keeper it does not operate.
    error ReputationOracleNotOperator(address keeper, address caller);
    /// @notice Thrown when a challenge comes after the receipt's challenge window.
    error ReputationOracleChallengeWindowClosed(uint256 receiptId, uint256 closedAt);
    /// @notice Thrown when the challenged receipt's keeper has no operator to answer for it.
    error ReputationOracleNoOperator(address keeper);
    /// @notice Thrown when a Merkle proof does not place the leaf in the receipt.
    error ReputationOracleInvalidProof(uint256 receiptId);
    /// @notice Thrown when the evidence does not show the rule it claims is broken.
    error ReputationOracleEvidenceNotViolating(EvidenceKind kind);
    /// @notice Thrown when the same evidence was already submitted.
    error ReputationOracleEvidenceUsed(bytes32 evidenceHash);
    /// @notice Thrown when the arbiter resolves a dispute other than the head of the queue.
    error ReputationOracleOutOfOrder(uint256 disputeId, uint256 head);
    /// @notice Thrown when the slash receiver is set to zero.
    error ReputationOracleZeroAddress();

    /// @notice Emitted when an operator adds stake.
    event Staked(address indexed operator, uint256 amount, uint256 active);
    /// @notice Emitted when an operator moves stake into unbonding.
    event UnstakeRequested(address indexed operator, uint256 amount, uint256 unbonding, uint64 unlockAt);
    /// @notice Emitted when an operator withdraws unbonded stake.
    event Withdrawn(address indexed operator, uint256 amount);
    /// @notice Emitted when an operator proposes to operate a keeper.
    event KeeperProposed(address indexed operator, address indexed keeper);
    /// @notice Emitted when a keeper is bound to (or, with operator zero, released from) an operator.
    event KeeperBound(address indexed keeper, address indexed operator);
    /// @notice Emitted when a keeper pings (a receipt also counts as one, without this event).
    event Heartbeat(address indexed keeper, uint64 at);
    /// @notice Emitted for every outcome reported for a keeper.
    event OutcomeRecorded(address indexed keeper, Outcome outcome, uint256 delaySeconds, uint256 newScore);
    /// @notice Emitted when a challenge enters the arbitration queue.
    event Challenged(
        uint256 indexed disputeId,
        uint256 indexed receiptId,
        address indexed challenger,
        address operator,
        EvidenceKind kind,
        uint256 bond
    );
    /// @notice Emitted when the arbiter resolves a dispute.
    event DisputeResolved(
        uint256 indexed disputeId,
        bool upheld,
        uint256 slashed,
        uint256 whistleblowerReward,
        uint256 toSlashReceiver
    );
    /// @notice Emitted when governance revokes or reinstates an operator.
    event OperatorRevocationChanged(address indexed operator, bool revoked);
    /// @notice Emitted when governance changes where slashed stake goes.
    event SlashReceiverChanged(address indexed previous, address indexed current);
    /// @notice Emitted when a reward is credited to a keeper's operator.
    event RewardPaid(address indexed keeper, address indexed operator, uint256 amount);
    /// @notice Emitted when an operator claims its rewards.
    event RewardsClaimed(address indexed operator, uint256 amount);

    /// @notice Adds `amount` of the stake token to the caller's operator stake (pulled with `transferFrom`).
    /// @param amount Token amount.
    function stake(uint256 amount) external;

    /// @notice Moves `amount` of active stake into unbonding; the whole unbonding amount unlocks
    ///         `unbondingSeconds` after the latest request. Unbonding stake no longer counts for eligibility.
    /// @param amount Token amount.
    function requestUnstake(uint256 amount) external;

    /// @notice Sends the caller its unbonded stake once unlocked and no dispute against it is pending.
    function withdraw() external;

    /// @notice Proposes the caller as operator of `keeper` (the keeper then accepts).
    /// @param keeper The keeper key.
    function proposeKeeper(address keeper) external;

    /// @notice Called by a keeper key to accept `operator`'s proposal.
    /// @param operator The proposing operator.
    function acceptOperator(address operator) external;

    /// @notice Releases a keeper from the caller's operation. Receipts it posted before stay answerable by
    ///         the caller's stake.
    /// @param keeper The keeper key.
    function removeKeeper(address keeper) external;

    /// @notice Records the caller (a keeper key) as alive now.
    function heartbeat() external;

    /// @notice Records a campaign outcome for `keeper` (reporter role: the campaign registry).
    /// @param keeper The keeper key.
    /// @param outcome Success, failure or expiry.
    /// @param delaySeconds Claim-to-settle delay (successes only).
    function recordOutcome(address keeper, Outcome outcome, uint256 delaySeconds) external;

    /// @notice Challenges a receipt with evidence, locking `challengeBond` from the caller.
    /// @param receiptId The challenged receipt.
    /// @param evidence The evidence (verified here; only well-formed, violating evidence is queued).
    /// @return disputeId The new dispute's id (sequential from 1, resolved in that order).
    function challenge(uint256 receiptId, Evidence calldata evidence) external returns (uint256 disputeId);

    /// @notice Resolves the dispute at the head of the queue (arbiter role: governance).
    /// @param disputeId Must be the head of the queue.
    /// @param upheld True: slash the operator, pay the whistleblower, return the bond. False: the bond goes
    ///        to the challenged operator.
    function resolve(uint256 disputeId, bool upheld) external;

    /// @notice Revokes or reinstates an operator; a revoked operator's keepers are not eligible (governance).
    /// @param operator The operator.
    /// @param revoked True to revoke.
    function setOperatorRevoked(address operator, bool revoked) external;

    /// @notice Sets where the non-whistleblower part of slashes goes (governance).
    /// @param receiver The receiver (e.g. the vault).
    function setSlashReceiver(address receiver) external;

    /// @notice Pulls `amount` of the stake token from the caller and credits it to `keeper`'s operator.
    /// @param keeper The rewarded keeper.
    /// @param amount Token amount.
    function payReward(address keeper, uint256 amount) external;

    /// @notice Sends the caller its credited rewards.
    function claimRewards() external;

    /// @notice The operator's stake.
    /// @param operator The operator.
    function stakeOf(address operator) external view returns (OperatorStake memory);

    /// @notice The keeper's counters decayed to now.
    /// @param keeper The keeper key.
    function countersOf(address keeper) external view returns (Counters memory);

    /// @notice Last time the keeper was seen alive: its latest heartbeat or receipt.
    /// @param keeper The keeper key.
    function lastSeen(address keeper) external view returns (uint64);

    /// @notice Availability in bps: 10_000 while the last sign of life is within `heartbeatMaxAgeSeconds`,
    ///         then falling linearly to 0 over one more max age.
    /// @param keeper The keeper key.
    function health(address keeper) external view returns (uint256);

    /// @notice The keeper's weight in reward sharing: its score when eligible, else 0.
    /// @param keeper The keeper key.
    function rewardWeight(address keeper) external view returns (uint256);

    /// @notice The dispute with id `disputeId`.
    /// @param disputeId The dispute.
    function disputeOf(uint256 disputeId) external view returns (Dispute memory);

    /// @notice Id of the next dispute to resolve and the number of disputes ever opened.
    function queue() external view returns (uint256 head, uint256 count);

    /// @notice Rewards credited to an operator and not yet claimed.
    /// @param operator The operator.
    function rewardsOf(address operator) external view returns (uint256);

    /// @notice Accounting totals of the stake token: everything staked, currently active, unbonding,
    ///         slashed (paid out) and withdrawn. `deposited == active + unbonding + slashed + withdrawn`.
    function stakeTotals()
        external
        view
        returns (uint256 deposited, uint256 active, uint256 unbonding, uint256 slashed, uint256 withdrawn);
}

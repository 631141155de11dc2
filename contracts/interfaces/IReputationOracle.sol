// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IKeeperEligibility} from "./IKeeperEligibility.sol";
import {ICapitalSlashing} from "./ICapitalSlashing.sol";

/// @title IReputationOracle
/// @notice Operator stake, keeper bindings, keeper scores from on-chain outcomes, eligibility, heartbeats,
///         rewards, and the two kinds of slash: for fraud (ruled by the dispute desk, once per receipt) and
///         for a capital default (the capital book).
interface IReputationOracle is IKeeperEligibility, ICapitalSlashing {
    /// @notice Outcome of a claimed campaign, reported by the campaign registry.
    enum Outcome {
        Success,
        Failure,
        Expiry
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
    /// @notice Thrown when a key's binding changes while it has a receipt inside its challenge window or a
    ///         claim (its answerability must not move).
    error ReputationOracleKeyLocked(address keeper, uint64 lastPostedAt, uint256 claimsHeld);
    /// @notice Thrown when a desk-only function is called by another account.
    error ReputationOracleNotDesk(address caller);
    /// @notice Thrown when withdrawing while the operator's keys owe capital to the capital book.
    error ReputationOracleCapitalOutstanding(address operator, uint256 outstanding);
    /// @notice Thrown when a reward is paid for a keeper bound to no operator.
    error ReputationOracleNoOperator(address keeper);
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
    /// @notice Emitted when a receipt's operator is slashed for fraud (upheld dispute or unanswered demand).
    event SlashedForFraud(
        address indexed operator,
        address indexed keeper,
        address indexed challenger,
        uint256 slashed,
        uint256 whistleblowerReward,
        uint256 toSlashReceiver
    );
    /// @notice Emitted when the capital book slashes an operator for a keeper's capital default.
    event SlashedForDefault(address indexed operator, address indexed keeper, uint256 requested, uint256 slashed);
    /// @notice Emitted when a keeper's hold count changes (a dispute opened or ended against one of its receipts).
    event KeeperHoldChanged(address indexed keeper, uint256 holds);
    /// @notice Emitted when a keeper is suspended (capital default) or reinstated (governance).
    event KeeperSuspensionChanged(address indexed keeper, bool suspended);
    /// @notice Emitted when governance wires the dispute desk.
    event DisputeDeskSet(address desk);
    /// @notice Emitted when governance wires (or clears) the capital book.
    event CapitalBookSet(address book);
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

    /// @notice Sends the caller its unbonded stake once unlocked, no dispute or demand against it is pending
    ///         and the capital book reports nothing outstanding for it.
    function withdraw() external;

    /// @notice Proposes the caller as operator of `keeper` (the keeper then accepts).
    /// @param keeper The keeper key.
    function proposeKeeper(address keeper) external;

    /// @notice Called by a keeper key to accept `operator`'s proposal (not while the key is locked, see
    ///         `removeKeeper`).
    /// @param operator The proposing operator.
    function acceptOperator(address operator) external;

    /// @notice Releases a keeper from the caller's operation (not while the key has a receipt inside its
    ///         challenge window or holds a claim). Receipts it posted stay answerable by the caller's stake
    ///         (the operator is snapshotted into each receipt).
    /// @param keeper The keeper key.
    function removeKeeper(address keeper) external;

    /// @notice Records the caller (a keeper key) as alive now.
    function heartbeat() external;

    /// @notice Records a campaign outcome for `keeper` (reporter role: the campaign registry).
    /// @param keeper The keeper key.
    /// @param outcome Success, failure or expiry.
    /// @param delaySeconds Claim-to-settle delay (successes only).
    function recordOutcome(address keeper, Outcome outcome, uint256 delaySeconds) external;

    /// @notice Opens a case against `operator` (its withdrawals wait) and, with `hold`, puts `keeper` on hold
    ///         (not eligible) until the case closes. Dispute desk only.
    function openCase(address operator, address keeper, bool hold) external;

    /// @notice Closes a case opened with the same arguments. Dispute desk only.
    function closeCase(address operator, address keeper, bool hold) external;

    /// @notice Slashes `slashFractionBps` of `operator`'s active + unbonding stake for fraud in a receipt of
    ///         `keeper`, records the fraud in the keeper's counters and pays the whistleblower share to
    ///         `challenger`, unless the challenger is the operator or one of its keys (then everything goes to
    ///         the slash receiver). Dispute desk only; the desk calls it at most once per receipt.
    /// @return slashed Amount taken from the stake.
    function slashForFraud(address operator, address keeper, address challenger) external returns (uint256 slashed);

    /// @inheritdoc ICapitalSlashing
    function operatorOf(address keeper) external view override(IKeeperEligibility, ICapitalSlashing) returns (address);

    /// @notice Sets the dispute desk (admin).
    function setDisputeDesk(address desk) external;

    /// @notice Sets the capital book asked for outstanding capital before withdrawals (admin; zero = none).
    function setCapitalBook(address book) external;

    /// @notice Suspends or reinstates a keeper key (admin: governance's appeal of a default suspension).
    function setKeeperSuspended(address keeper, bool suspended) external;

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

    /// @notice Open dispute holds on the keeper and whether it is suspended (either makes it ineligible).
    /// @param keeper The keeper key.
    function holdOf(address keeper) external view returns (uint256 holds, bool suspended);

    /// @notice The dispute desk (zero until wired).
    function disputeDesk() external view returns (address);

    /// @notice The capital book (zero when none).
    function capitalBook() external view returns (address);

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

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IOperatorExposure} from "./IOperatorExposure.sol";

/// @title IKeeperCapital
/// @notice The keeper capital book: keepers draw the vault's sleeve capital here, one draw per claimed campaign,
///         and repay it with a receipt of that campaign. What an operator's keys owe (capital plus losses not yet
///         booked) never exceeds `slashableStake x capitalStakeMultipleBps / 10_000`; a draw not repaid by
///         `claimDeadline + repayGraceSeconds` is liquidated against the operator's stake; a loss is booked only
///         after the receipt's challenge window passes without an upheld or pending dispute.
/// @dev The vault keeps the sleeves and share accounting; only this book moves sleeve capital out and back.
interface IKeeperCapital is IOperatorExposure {
    /// @notice Lifecycle of a draw: Open (capital out), LossPending (repaid short: the shortfall is owed until the
    ///         receipt's challenge window closes), Closed (repaid, returned, loss booked or liquidated).
    enum DrawState {
        None,
        Open,
        LossPending,
        Closed
    }

    /// @notice One draw. `owed` is the principal while Open, the shortfall while LossPending.
    struct Draw {
        bytes32 campaignId;
        address keeper;
        uint40 repayBy;
        uint8 sleeve;
        DrawState state;
        address operator;
        uint96 owed;
        uint256 receiptId;
    }

    // ------------------------------------------------------------------ errors
    /// @notice Thrown when an amount that must be positive is zero.
    error KeeperCapitalZeroAmount();
    /// @notice Thrown when an address that must be set is zero.
    error KeeperCapitalZeroAddress();
    /// @notice Thrown when the caller does not hold the live claim of the campaign it draws for.
    error KeeperCapitalNotClaimant(bytes32 campaignId, address caller, address claimant);
    /// @notice Thrown when the caller is not an eligible keeper.
    error KeeperCapitalNotEligible(address keeper);
    /// @notice Thrown when the keeper was suspended by the capital book (bad price or PnL shortfall on a repayment).
    error KeeperCapitalKeeperSuspended(address keeper);
    /// @notice Thrown when the keeper is bound to no operator.
    error KeeperCapitalNoOperator(address keeper);
    /// @notice Thrown when the keeper already drew for this campaign.
    error KeeperCapitalAlreadyDrawn(address keeper, bytes32 campaignId, uint256 drawId);
    /// @notice Thrown when a draw would take the operator's keys past the stake bound.
    error KeeperCapitalOperatorBoundExceeded(address operator, uint256 amount, uint256 room);
    /// @notice Thrown when a draw would take the key past its own cap (total assets x keeperCapBps x score).
    error KeeperCapitalKeeperCapExceeded(address keeper, uint256 amount, uint256 room);
    /// @notice Thrown when the draw does not exist or is not in the state the call needs.
    error KeeperCapitalDrawNotInState(uint256 drawId, DrawState state);
    /// @notice Thrown when the caller is not the keeper that made the draw.
    error KeeperCapitalNotDrawer(uint256 drawId, address caller);
    /// @notice Thrown when a repayment without a receipt returns other than exactly its principal.
    error KeeperCapitalReceiptRequired(uint256 principal, uint256 returned);
    /// @notice Thrown when the cited receipt is not the caller's or not of the draw's campaign.
    error KeeperCapitalReceiptMismatch(uint256 receiptId, address keeper, bytes32 campaignId);
    /// @notice Thrown when the cited receipt was already used by a repayment.
    error KeeperCapitalReceiptAlreadyUsed(uint256 receiptId);
    /// @notice Thrown when `liquidate` is called before the draw's repay deadline.
    error KeeperCapitalNotOverdue(uint256 drawId, uint256 repayBy);
    /// @notice Thrown when `finalizeLoss` is called while the receipt can still be (or is being) challenged.
    error KeeperCapitalLossNotFinal(uint256 drawId, uint256 finalAt, uint8 disputeState);
    /// @notice Thrown when a source (eligibility, slashing, campaigns, receipts) has not been set.
    error KeeperCapitalSourceNotSet(bytes32 source);

    // ------------------------------------------------------------------ events
    /// @notice Emitted when a keeper draws for a campaign.
    event Drawn(
        uint256 indexed drawId,
        address indexed keeper,
        bytes32 indexed campaignId,
        address operator,
        uint8 sleeve,
        uint256 amount,
        uint256 repayBy
    );
    /// @notice Emitted when a draw is repaid: `profit` and `shortfall` are relative to `principal`; a positive
    ///         `shortfall` stays owed until `finalizeLoss`.
    event Repaid(
        uint256 indexed drawId,
        address indexed keeper,
        uint256 indexed receiptId,
        uint256 principal,
        uint256 returned,
        uint256 profit,
        uint256 shortfall
    );
    /// @notice Emitted when a pending shortfall is settled: `recovered` from the stake (dispute upheld), `loss`
    ///         booked to depositors.
    event LossFinalized(uint256 indexed drawId, uint256 recovered, uint256 loss);
    /// @notice Emitted when an overdue draw is liquidated: `slashed` from the operator's stake back to the sleeve,
    ///         `loss` booked to depositors.
    event Liquidated(uint256 indexed drawId, address indexed caller, uint256 owed, uint256 slashed, uint256 loss);
    /// @notice Emitted when a keeper is suspended by the capital book ("price": average price outside the bound,
    ///         "pnl": returned less than its receipt reports).
    event KeeperSuspended(address indexed keeper, bytes32 reason);
    /// @notice Emitted when governance sets a source ("eligibility", "slashing", "campaigns", "receipts",
    ///         "priceFeed").
    event SourceSet(bytes32 indexed source, address value);

    // ------------------------------------------------------------------ keepers
    /// @notice Draws `amount` from `sleeve` for campaign `campaignId`, whose live claim the caller holds; returns the
    ///         draw's id. Repay by `claimDeadline + repayGraceSeconds`.
    function draw(bytes32 campaignId, uint8 sleeve, uint256 amount) external returns (uint256 drawId);

    /// @notice Repays draw `drawId` with `returned` assets, citing the caller's receipt of the draw's campaign; capital
    ///         that traded nothing goes back with `receiptId` 0 and `returned == principal`. When `returned` is below
    ///         the principal, the shortfall stays owed until `finalizeLoss`.
    function repay(uint256 drawId, uint256 returned, uint256 receiptId) external;

    /// @notice Books (or recovers from the stake) the shortfall of a short repayment once its receipt's challenge
    ///         window has passed with no pending dispute, or at once when a dispute was upheld; anyone may call.
    function finalizeLoss(uint256 drawId) external;

    /// @notice Liquidates a draw not repaid by its deadline: the operator's stake is slashed by up to what is owed
    ///         (returned to the sleeve), the keeper suspended, the rest booked as a loss; anyone may call.
    function liquidate(uint256 drawId) external;

    // ------------------------------------------------------------------ views
    /// @notice Draw `drawId` (state None when it does not exist).
    function drawOf(uint256 drawId) external view returns (Draw memory);

    /// @notice The draw `keeper` made for `campaignId` (0 when none).
    function drawIdOf(address keeper, bytes32 campaignId) external view returns (uint256);

    /// @notice Number of draws made (ids run from 1).
    function drawCount() external view returns (uint256);

    /// @notice What `keeper` owes now: capital drawn plus shortfalls not yet booked.
    function keeperOutstanding(address keeper) external view returns (uint256);

    /// @notice Most `operator`'s keys may owe together: `slashableStake x capitalStakeMultipleBps / 10_000`.
    function operatorBound(address operator) external view returns (uint256);

    /// @notice Most `keeper` could draw from `sleeve` now (zero when not eligible, suspended, paused or tripped);
    ///         the campaign claim is checked at `draw`.
    function drawable(address keeper, uint8 sleeve) external view returns (uint256);

    /// @notice True when `keeper` is suspended: read from the reputation oracle, the one place a suspension lives
    ///         (false while no slashing source is set).
    function suspended(address keeper) external view returns (bool);

    // ------------------------------------------------------------------ governance (owner: the timelock)
    /// @notice Sets the sources: eligibility (reputation oracle), slashing, campaign registry, receipt registry.
    function setSources(address eligibility_, address slashing_, address campaigns_, address receipts_) external;

    /// @notice Sets the Chainlink reference feed bounding receipts' average prices.
    function setPriceFeed(address feed) external;
}

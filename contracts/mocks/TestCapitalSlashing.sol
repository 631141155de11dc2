// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ICapitalSlashing} from "../interfaces/ICapitalSlashing.sol";
import {IKeeperEligibility} from "../interfaces/IKeeperEligibility.sol";

/// @title TestCapitalSlashing
/// @notice Test double of the reputation oracle's capital side (`ICapitalSlashing`) plus `IKeeperEligibility`:
///         operators hold stake in this contract (funded by `stake`), keys are bound by `bind`, the test sets
///         dispute states. `slashForDefault` really moves the slashed tokens to the caller and suspends the keeper
///         (ineligible), as the oracle does. Unit and invariant tests only; the deployed system uses the oracle.
contract TestCapitalSlashing is ICapitalSlashing, IKeeperEligibility {
    using SafeERC20 for IERC20;

    /// @notice Thrown when `slashForDefault` is called by another account than the capital book.
    error TestCapitalSlashingNotBook(address caller);

    // solhint-disable-next-line immutable-vars-naming
    IERC20 public immutable asset;
    address public book;
    mapping(address operator => uint256) public stakeOf;
    mapping(address keeper => address) private _operator;
    mapping(address keeper => bool) private _eligible;
    mapping(address keeper => uint256) private _score;
    mapping(uint256 receiptId => uint8) private _dispute;
    mapping(address keeper => bool) private _suspended;
    uint256 public totalSlashed;

    constructor(IERC20 asset_) {
        asset = asset_;
    }

    /// @notice The only caller allowed to slash (the capital book).
    function setBook(address book_) external {
        book = book_;
    }

    /// @notice Pulls `amount` from the caller as `operator`'s stake.
    function stake(address operator, uint256 amount) external {
        stakeOf[operator] += amount;
        asset.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Binds `keeper` to `operator`, eligible with score `score_`.
    function bind(address keeper, address operator, uint256 score_) external {
        _operator[keeper] = operator;
        _eligible[keeper] = true;
        _score[keeper] = score_;
    }

    /// @notice Sets whether `keeper` is eligible.
    function setEligible(address keeper, bool eligible) external {
        _eligible[keeper] = eligible;
    }

    /// @notice Sets receipt `receiptId`'s dispute state (0 none, 1 pending, 2 upheld).
    function setDisputeState(uint256 receiptId, uint8 state) external {
        _dispute[receiptId] = state;
    }

    /// @inheritdoc ICapitalSlashing
    function slashableStake(address operator) external view returns (uint256) {
        return stakeOf[operator];
    }

    /// @inheritdoc ICapitalSlashing
    function slashForDefault(address operator, address keeper, uint256 amount) external returns (uint256 slashed) {
        if (msg.sender != book) revert TestCapitalSlashingNotBook(msg.sender);
        uint256 available = stakeOf[operator];
        slashed = amount < available ? amount : available;
        stakeOf[operator] = available - slashed;
        totalSlashed += slashed;
        _suspended[keeper] = true;
        if (slashed != 0) asset.safeTransfer(msg.sender, slashed);
    }

    /// @inheritdoc ICapitalSlashing
    function suspendKeeper(address keeper) external {
        if (msg.sender != book) revert TestCapitalSlashingNotBook(msg.sender);
        _suspended[keeper] = true;
    }

    /// @notice Lifts `keeper`'s suspension (what governance does on the oracle).
    function reinstate(address keeper) external {
        _suspended[keeper] = false;
    }

    /// @inheritdoc ICapitalSlashing
    function isSuspended(address keeper) external view returns (bool) {
        return _suspended[keeper];
    }

    /// @inheritdoc ICapitalSlashing
    function receiptDisputeState(uint256 receiptId) external view returns (uint8) {
        return _dispute[receiptId];
    }

    /// @inheritdoc IKeeperEligibility
    function operatorOf(address keeper) external view override(ICapitalSlashing, IKeeperEligibility) returns (address) {
        return _operator[keeper];
    }

    /// @inheritdoc IKeeperEligibility
    function isEligible(address keeper) external view returns (bool) {
        return _eligible[keeper] && !_suspended[keeper];
    }

    /// @inheritdoc IKeeperEligibility
    function score(address keeper) external view returns (uint256) {
        return _score[keeper];
    }
}

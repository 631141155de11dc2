// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";

/// @title VaultVotes
/// @notice Votes on the strategy vault's shares: OpenZeppelin's ERC20Votes (ERC-5805) with an hour-epoch clock,
///         the total supply recorded once per epoch instead of on every mint and burn, and each account's
///         delegate stored next to a flag telling whether the account has shares under an Earn lock.
/// @dev The deriving vault keeps the epoch of the last mint or burn in a slot its deposits and withdrawals
///      write anyway (`_supplyEpoch`, `_setSupplyEpoch`) and calls `_recordSupply` before every mint and burn.
///      See docs/SPECIFICATION.md, section "Vault", "Votes".
abstract contract VaultVotes is ERC20Votes {
    using Checkpoints for Checkpoints.Trace208;

    /// @notice Length of one vote-checkpoint epoch (the ERC-6372 clock ticks once per epoch).
    uint48 public constant VOTE_EPOCH_SECONDS = 1 hours;

    /// @dev One slot per account, read once per transfer or burn: its delegate, and whether it has shares
    ///      under an Earn lock (accounts without one skip the lock lookup).
    struct Holder {
        address delegatee;
        bool hasLock;
    }

    mapping(address account => Holder) private _holders;
    /// @dev Total supply at the end of each epoch in which it changed, recorded lazily (see `_recordSupply`).
    Checkpoints.Trace208 private _supplyHistory;

    /// @notice ERC-6372 clock: hour-long epochs since the Unix epoch. Checkpoints written in the same
    ///         epoch are merged, so deposits do not append a new checkpoint per block.
    function clock() public view override returns (uint48) {
        return uint48(block.timestamp / VOTE_EPOCH_SECONDS);
    }

    /// @notice ERC-6372 clock description (timepoints are `timestamp / 3600`).
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override returns (string memory) {
        return "mode=timestamp&epoch=3600";
    }

    /// @notice The delegate of `account`; address(0) (mint and burn side) never delegates.
    /// @dev Kept in `Holder` next to the lock flag; short-circuits the zero address so mints and burns skip
    ///      one cold storage read.
    function delegates(address account) public view override returns (address) {
        if (account == address(0)) return address(0);
        return _holders[account].delegatee;
    }

    /// @notice Total supply at the end of past epoch `timepoint` (the Governor's quorum base).
    /// @dev Epochs from the last mint or burn on have today's supply; earlier ones the recorded history.
    function getPastTotalSupply(uint256 timepoint) public view override returns (uint256) {
        uint48 epoch = _validateTimepoint(timepoint);
        if (epoch >= _supplyEpoch()) return totalSupply();
        return _supplyHistory.upperLookupRecent(epoch);
    }

    /// @dev Epoch of the last mint or burn (0 before the first mint), as stored by the vault.
    function _supplyEpoch() internal view virtual returns (uint256);

    /// @dev Stores the epoch of the last mint or burn.
    function _setSupplyEpoch(uint48 epoch) internal virtual;

    /// @dev Call before every mint and burn. Before the first one of an epoch, appends (epoch of the previous
    ///      change, supply now): the supply at the end of every epoch from that change up to now. Nothing is
    ///      appended before the first mint (the supply was zero). Later changes in the epoch append nothing.
    function _recordSupply() internal {
        uint48 epoch = clock();
        uint256 last = _supplyEpoch();
        if (last != epoch) {
            if (last != 0) _supplyHistory.push(uint48(last), SafeCast.toUint208(totalSupply()));
            _setSupplyEpoch(epoch);
        }
    }

    /// @dev Whether `account` has shares under an Earn lock.
    function _hasLock(address account) internal view returns (bool) {
        return _holders[account].hasLock;
    }

    /// @dev Sets or clears the lock flag of `account`.
    function _flagLock(address account, bool hasLock) internal {
        _holders[account].hasLock = hasLock;
    }

    /// @dev Moves votes between the delegates; the total supply is not checkpointed per change (see
    ///      `_recordSupply`).
    function _transferVotingUnits(address from, address to, uint256 amount) internal override {
        _moveDelegateVotes(delegates(from), delegates(to), amount);
    }

    /// @dev OpenZeppelin's delegation, with the delegate stored in `Holder`.
    function _delegate(address account, address delegatee) internal override {
        Holder storage holder = _holders[account];
        address previous = holder.delegatee;
        holder.delegatee = delegatee;
        emit DelegateChanged(account, previous, delegatee);
        _moveDelegateVotes(previous, delegatee, _getVotingUnits(account));
    }

    /// @dev The current supply of votes: the share supply.
    function _getTotalSupply() internal view override returns (uint256) {
        return totalSupply();
    }
}

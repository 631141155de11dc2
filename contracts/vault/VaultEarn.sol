// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IStrategyVault} from "../interfaces/IStrategyVault.sol";
import {ParamKeys} from "../libraries/ParamKeys.sol";
import {VaultMath} from "../libraries/VaultMath.sol";
import {VaultSources} from "./VaultSources.sol";

/// @title VaultEarn
/// @notice Earn bookkeeping of the strategy vault: share locks per tier and a Synthetix-style
///         reward-per-weight accumulator, where a lock's weight is `shares x tier multiplier / 10_000`.
/// @dev Holds no tokens and moves none: the vault pays claims out. Locked shares stay in the owner's
///      balance (they keep their votes); the vault refuses to move them in `_update`.
abstract contract VaultEarn is VaultSources {
    mapping(uint256 lockId => IStrategyVault.Lock) private _locks;
    uint256 private _lockCount;
    mapping(address account => uint256) private _lockedShares;
    mapping(address account => uint256) private _weights;
    uint256 private _totalWeight;
    /// @dev Rewards per unit of weight since deployment, scaled by `VaultMath.REWARD_PRECISION`.
    uint256 private _rewardPerWeight;
    mapping(address account => uint256) private _rewardPerWeightPaid;
    mapping(address account => uint256) private _rewards;

    /// @inheritdoc IStrategyVault
    function lock(uint256 shares, uint8 tier) external returns (uint256 lockId) {
        if (tier != 1 && tier != 2) revert StrategyVaultLockTierInvalid(tier);
        if (shares == 0) revert StrategyVaultZeroAmount();
        uint256 unlocked = _sharesOf(msg.sender) - _lockedOf(msg.sender);
        if (shares > unlocked) revert StrategyVaultSharesLocked(msg.sender, shares, unlocked);
        (bytes32 secondsKey, bytes32 multiplierKey) = tier == 1
            ? (ParamKeys.LOCK_TIER1_SECONDS, ParamKeys.LOCK_TIER1_MULTIPLIER_BPS)
            : (ParamKeys.LOCK_TIER2_SECONDS, ParamKeys.LOCK_TIER2_MULTIPLIER_BPS);
        uint256 unlockAt = block.timestamp + _param(secondsKey);
        lockId = _addLock(msg.sender, shares, tier, unlockAt, _param(multiplierKey));
        emit Locked(msg.sender, lockId, shares, tier, unlockAt);
    }

    /// @inheritdoc IStrategyVault
    function unlock(uint256 lockId) external {
        IStrategyVault.Lock memory entry = _lockOf(lockId);
        if (entry.owner == address(0)) revert StrategyVaultLockUnknown(lockId);
        if (block.timestamp < entry.unlockAt) revert StrategyVaultLockNotExpired(lockId, entry.unlockAt);
        _removeLock(lockId);
        emit Unlocked(entry.owner, lockId, entry.shares);
    }

    /// @inheritdoc IStrategyVault
    function lockedShares(address account) external view returns (uint256) {
        return _lockedOf(account);
    }

    /// @inheritdoc IStrategyVault
    function getLock(uint256 lockId) external view returns (IStrategyVault.Lock memory) {
        return _lockOf(lockId);
    }

    /// @inheritdoc IStrategyVault
    function earned(address account) external view returns (uint256) {
        return _earnedOf(account);
    }

    /// @dev Shares `account` holds (the share token's balance), locked or not.
    function _sharesOf(address account) internal view virtual returns (uint256);

    /// @dev Records whether `account` has shares under lock (set on its first lock, cleared on its last unlock).
    function _setHasLock(address account, bool hasLock) internal virtual;

    /// @dev Shares of `account` under lock.
    function _lockedOf(address account) internal view returns (uint256) {
        return _lockedShares[account];
    }

    /// @dev Sum of all lock weights (zero: nobody to pay Earn to).
    function _earnTotalWeight() internal view returns (uint256) {
        return _totalWeight;
    }

    /// @dev Unclaimed Earn rewards of `account`.
    function _earnedOf(address account) internal view returns (uint256) {
        uint256 accrued = VaultMath.earnedBy(_weights[account], _rewardPerWeight, _rewardPerWeightPaid[account]);
        return _rewards[account] + accrued;
    }

    /// @dev Lock `lockId` as stored.
    function _lockOf(uint256 lockId) internal view returns (IStrategyVault.Lock memory) {
        return _locks[lockId];
    }

    /// @dev Settles `account`'s rewards up to now (before its weight changes or it claims).
    function _settle(address account) internal {
        _rewards[account] = _earnedOf(account);
        _rewardPerWeightPaid[account] = _rewardPerWeight;
    }

    /// @dev Spreads `reward` over all weight. The caller checks that some weight exists.
    function _distributeEarn(uint256 reward) internal {
        _rewardPerWeight += VaultMath.rewardPerWeight(reward, _totalWeight);
    }

    /// @dev Records a new lock and returns its id (ids start at 1).
    function _addLock(
        address owner,
        uint256 shares,
        uint8 tier,
        uint256 unlockAt,
        uint256 multiplierBps
    ) internal returns (uint256 lockId) {
        _settle(owner);
        uint256 weight = VaultMath.bpsOf(shares, multiplierBps);
        lockId = ++_lockCount;
        _locks[lockId] = IStrategyVault.Lock({
            owner: owner,
            tier: tier,
            unlockAt: uint40(unlockAt),
            shares: shares,
            weight: weight
        });
        uint256 lockedBefore = _lockedShares[owner];
        if (lockedBefore == 0) _setHasLock(owner, true);
        _lockedShares[owner] = lockedBefore + shares;
        _weights[owner] += weight;
        _totalWeight += weight;
    }

    /// @dev Deletes lock `lockId` and returns it; the caller has checked owner and expiry.
    function _removeLock(uint256 lockId) internal returns (IStrategyVault.Lock memory entry) {
        entry = _locks[lockId];
        _settle(entry.owner);
        delete _locks[lockId];
        uint256 lockedAfter = _lockedShares[entry.owner] - entry.shares;
        _lockedShares[entry.owner] = lockedAfter;
        if (lockedAfter == 0) _setHasLock(entry.owner, false);
        _weights[entry.owner] -= entry.weight;
        _totalWeight -= entry.weight;
    }

    /// @dev Zeroes and returns `account`'s unclaimed rewards.
    function _takeRewards(address account) internal returns (uint256 amount) {
        _settle(account);
        amount = _rewards[account];
        _rewards[account] = 0;
    }
}

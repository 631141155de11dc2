// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title VaultMath
/// @notice Pure arithmetic of the strategy vault: basis points, linear profit unlock, caps, rebalance plan,
///         price deviation and the Earn reward-per-weight accumulator. All rounding favours the vault.
library VaultMath {
    uint256 internal constant BPS = 10_000;
    /// @dev Fixed-point scale of the Earn reward-per-weight accumulator.
    uint256 internal constant REWARD_PRECISION = 1e36;

    /// @notice `amount * bps / 10_000`, rounded down.
    function bpsOf(uint256 amount, uint256 bps) internal pure returns (uint256) {
        return Math.mulDiv(amount, bps, BPS);
    }

    /// @notice Profit still locked at `nowTs` when `locked` was locked at `lastReport` to unlock by `unlockEnd`.
    /// @dev Linear decay; rounds up so the share price never runs ahead of the schedule.
    function lockedAt(
        uint256 locked,
        uint256 lastReport,
        uint256 unlockEnd,
        uint256 nowTs
    ) internal pure returns (uint256) {
        if (nowTs < unlockEnd && locked != 0) {
            return Math.mulDiv(locked, unlockEnd - nowTs, unlockEnd - lastReport, Math.Rounding.Ceil);
        }
        return 0;
    }

    /// @notice End of the unlock after adding `amount` (unlocking by `newEnd`) to `locked` (unlocking by `oldEnd`):
    ///         the amount-weighted mean of the two ends, rounded up; `newEnd` when nothing was locked.
    function blendedUnlockEnd(
        uint256 locked,
        uint256 oldEnd,
        uint256 amount,
        uint256 newEnd
    ) internal pure returns (uint256) {
        if (locked == 0) return newEnd;
        if (oldEnd <= newEnd) return oldEnd + Math.mulDiv(newEnd - oldEnd, amount, locked + amount, Math.Rounding.Ceil);
        return newEnd + Math.mulDiv(oldEnd - newEnd, locked, locked + amount, Math.Rounding.Ceil);
    }

    /// @notice Earn's part of a profit: `profit x earnShareBps` scaled by the fraction of the share supply locked
    ///         (lock weight, capped at the supply), so a tiny lock earns its share of the slice, not all of it (L6).
    function earnSlice(
        uint256 profit,
        uint256 earnShareBps,
        uint256 totalWeight,
        uint256 supply
    ) internal pure returns (uint256) {
        if (supply == 0 || totalWeight == 0) return 0;
        return Math.mulDiv(bpsOf(profit, earnShareBps), Math.min(totalWeight, supply), supply);
    }

    /// @notice Room left under a cap: `cap - used`, or zero when the cap is reached.
    function room(uint256 cap, uint256 used) internal pure returns (uint256) {
        return cap > used ? cap - used : 0;
    }

    /// @notice A keeper's own cap: `totalAssets * keeperCapBps * min(score, 10_000) / 10_000^2`.
    function keeperCap(uint256 totalAssets, uint256 keeperCapBps, uint256 score) internal pure returns (uint256) {
        return Math.mulDiv(totalAssets, keeperCapBps * Math.min(score, BPS), BPS * BPS);
    }

    /// @notice Target split of the liquid (undrawn) assets between the buffer and the two drawable sleeves.
    /// @dev The buffer keeps its target first; what is above it goes to the sleeves up to their targets
    ///      (net of what keepers already hold), market making first; anything left stays in the buffer.
    /// @param liquid Buffer plus the undrawn assets of both sleeves.
    /// @param targets Target assets of market making, arbitrage and buffer (weight x total assets).
    /// @param drawn Assets currently drawn from market making and arbitrage.
    function rebalancePlan(
        uint256 liquid,
        uint256[3] memory targets,
        uint256[2] memory drawn
    ) internal pure returns (uint256 buffer, uint256 idle0, uint256 idle1) {
        uint256 available = room(liquid, targets[2]);
        idle0 = Math.min(room(targets[0], drawn[0]), available);
        available -= idle0;
        idle1 = Math.min(room(targets[1], drawn[1]), available);
        buffer = liquid - idle0 - idle1;
    }

    /// @notice Deviation of `price` from `ref` in basis points, rounded up.
    function deviationBps(uint256 price, uint256 ref) internal pure returns (uint256) {
        uint256 diff = price > ref ? price - ref : ref - price;
        return Math.mulDiv(diff, BPS, ref, Math.Rounding.Ceil);
    }

    /// @notice Scales a Chainlink answer with `decimals` decimals to 8 decimals (rounding down).
    function toPrice8(uint256 answer, uint8 decimals) internal pure returns (uint256) {
        if (decimals == 8) return answer;
        if (decimals > 8) return answer / 10 ** (decimals - 8);
        return answer * 10 ** (8 - decimals);
    }

    /// @notice Accumulator increase when `reward` is spread over `totalWeight` (rounded down: dust stays).
    function rewardPerWeight(uint256 reward, uint256 totalWeight) internal pure returns (uint256) {
        return Math.mulDiv(reward, REWARD_PRECISION, totalWeight);
    }

    /// @notice Rewards earned by `weight` while the accumulator moved from `paid` to `current` (rounded down).
    function earnedBy(uint256 weight, uint256 current, uint256 paid) internal pure returns (uint256) {
        return Math.mulDiv(weight, current - paid, REWARD_PRECISION);
    }
}

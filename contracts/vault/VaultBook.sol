// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IStrategyVault} from "../interfaces/IStrategyVault.sol";
import {ParamKeys} from "../libraries/ParamKeys.sol";
import {VaultMath} from "../libraries/VaultMath.sol";
import {VaultSources} from "./VaultSources.sol";

/// @title VaultBook
/// @notice The strategy vault's book: the slot every deposit and withdrawal reads and writes (buffer, sleeves,
///         end of the profit unlock, vote epoch of the last mint or burn, pause and breaker), the linear
///         profit unlock, and the pause and circuit-breaker switches.
/// @dev Amounts are 88-bit (the vault's `maxDeposit` keeps `buffer + sleeves` within them).
abstract contract VaultBook is VaultSources {
    /// @dev The one slot every deposit and withdrawal reads and writes: buffer (idle, serves withdrawals),
    ///      sleeves (undrawn + drawn of both drawable sleeves), end of the profit unlock, the vote epoch of the
    ///      last mint or burn (see `_recordSupply`), and the two switches.
    struct Book {
        uint88 buffer;
        uint88 sleeves;
        uint40 unlockEnd;
        uint24 supplyEpoch;
        bool paused;
        bool breaker;
    }

    /// @dev Profit locked at `lastReport`, unlocking linearly until `Book.unlockEnd` (read only before then).
    struct ProfitLock {
        uint128 locked;
        uint48 lastReport;
    }

    Book internal _book;
    ProfitLock private _profit;

    /// @inheritdoc IStrategyVault
    function lockedProfit() external view returns (uint256) {
        return _lockedProfitNow(_book.unlockEnd);
    }

    /// @inheritdoc IStrategyVault
    function breakerTripped() external view returns (bool) {
        return _book.breaker;
    }

    /// @inheritdoc IStrategyVault
    function resetBreaker() external onlyOwner {
        _book.breaker = false;
        emit BreakerReset(msg.sender);
    }

    /// @inheritdoc IStrategyVault
    function pause() external onlyGuardianOrOwner {
        _book.paused = true;
        emit Paused(msg.sender);
    }

    /// @inheritdoc IStrategyVault
    function unpause() external onlyOwner {
        _book.paused = false;
        emit Unpaused(msg.sender);
    }

    /// @inheritdoc IStrategyVault
    function paused() external view returns (bool) {
        return _book.paused;
    }

    /// @dev Books `amount` into the buffer as depositors' profit, unlocking linearly from now. The unlock end is
    ///      the amount-weighted blend of what was still locked (and its end) and the new profit (now + period), so a
    ///      tiny profit (or `absorbSurplus` of 1 unit) cannot restart the clock of a large locked profit (L7).
    function _lockProfit(uint256 amount) internal {
        Book memory b = _book;
        uint256 lockedNow = _lockedProfitNow(b.unlockEnd);
        _profit = ProfitLock({locked: SafeCast.toUint128(lockedNow + amount), lastReport: uint48(block.timestamp)});
        uint256 newEnd = block.timestamp + _param(ParamKeys.PROFIT_UNLOCK_SECONDS);
        b.unlockEnd = SafeCast.toUint40(VaultMath.blendedUnlockEnd(lockedNow, b.unlockEnd, amount, newEnd));
        b.buffer += SafeCast.toUint88(amount);
        _book = b;
    }

    /// @dev After a loss, locked profit can never exceed the booked assets.
    function _capLockedProfit() internal {
        Book memory b = _book;
        uint256 gross = uint256(b.buffer) + b.sleeves;
        if (_profit.locked > gross) _profit.locked = SafeCast.toUint128(gross);
    }

    /// @dev Trips the circuit breaker (draws stop until governance resets it).
    function _trip(bytes32 reason, uint256 value, uint256 bound) internal {
        _book.breaker = true;
        emit BreakerTripped(reason, value, bound);
    }

    /// @dev Profit still locked now, given the book's `unlockEnd` (no storage read once it has passed).
    function _lockedProfitNow(uint256 unlockEnd) internal view returns (uint256) {
        if (block.timestamp < unlockEnd) {
            ProfitLock memory p = _profit;
            return VaultMath.lockedAt(p.locked, p.lastReport, unlockEnd, block.timestamp);
        }
        return 0;
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IStrategyVault} from "../interfaces/IStrategyVault.sol";
import {IParameters} from "../interfaces/IParameters.sol";
import {ParamKeys} from "../libraries/ParamKeys.sol";
import {VaultMath} from "../libraries/VaultMath.sol";
import {VaultEarn} from "./VaultEarn.sol";
import {VaultSources} from "./VaultSources.sol";
import {VaultBook} from "./VaultBook.sol";
import {VaultVotes} from "./VaultVotes.sol";

/// @title StrategyVault
/// @notice ERC-4626 vault on the deposit asset whose capital keepers work in two sleeves (market making,
///         arbitrage) while an idle buffer serves withdrawals. Keepers draw and repay through the keeper capital
///         book (`KeeperCapital`), the only account that moves sleeve capital out and back. Shares carry votes
///         (checkpointed per hour-long epoch) and can be locked for Earn. See docs/SPECIFICATION.md, section "Vault".
/// @dev Assets are booked internally (`_book`, in `VaultBook`), never read from `balanceOf`: donations do not
///      move the share price. `totalAssets = buffer + sleeves - lockedProfit`. The asset must be a plain ERC-20.
///      Votes (clock, lazily recorded total supply, delegate + lock flag per holder) are in `VaultVotes`, Earn
///      locks and rewards in `VaultEarn`, sources and roles in `VaultSources`. A shortfall of a short repayment
///      stays in `_sleeveDrawn` (owed by the keeper's operator) until the capital book books or recovers it.
contract StrategyVault is ERC4626, ERC20Permit, VaultVotes, ReentrancyGuardTransient, VaultBook, VaultEarn {
    using SafeERC20 for IERC20;

    uint8 private constant _DECIMALS_OFFSET = 6;

    uint128[2] private _sleeveIdle;
    uint128[2] private _sleeveDrawn;
    uint256 private _reserved;
    mapping(address operator => uint256) private _keeperFees;

    /// @param asset_ The deposit asset.
    /// @param parameters_ The parameter store.
    /// @param owner_ Admin (the deployer, who hands it to the timelock).
    constructor(
        IERC20 asset_,
        IParameters parameters_,
        address owner_
    )
        ERC20("Strategy Vault Share", "svUSD")
        ERC20Permit("Strategy Vault Share")
        ERC4626(asset_)
        VaultSources(parameters_, owner_)
    {}

    // ================================================================== ERC-4626 accounting

    /// @notice Assets the shares are worth now: buffer + sleeves (undrawn and drawn) - profit still locked.
    function totalAssets() public view override returns (uint256) {
        Book memory b = _book;
        uint256 gross = uint256(b.buffer) + b.sleeves;
        if (block.timestamp < b.unlockEnd) {
            uint256 locked = _lockedProfitNow(b.unlockEnd);
            return gross > locked ? gross - locked : 0;
        }
        return gross;
    }

    /// @notice Zero while paused (deposits stopped), else the room left in the 88-bit books.
    function maxDeposit(address) public view override returns (uint256) {
        return _depositRoom();
    }

    /// @notice Zero while paused (deposits stopped), else the shares of the room left in the 88-bit books.
    function maxMint(address) public view override returns (uint256) {
        return _convertToShares(_depositRoom(), Math.Rounding.Floor);
    }

    /// @notice Assets `owner` can take out now: its unlocked shares' value, limited by the liquid assets.
    function maxWithdraw(address owner) public view override returns (uint256) {
        uint256 assets = _convertToAssets(_unlockedOf(owner), Math.Rounding.Floor);
        return Math.min(assets, _liquidUpTo(assets));
    }

    /// @notice Shares `owner` can redeem now: its unlocked shares, limited by the liquid assets.
    function maxRedeem(address owner) public view override returns (uint256) {
        uint256 shares = _unlockedOf(owner);
        uint256 assets = _convertToAssets(shares, Math.Rounding.Floor);
        uint256 liquid = _liquidUpTo(assets);
        return liquid < assets ? _convertToShares(liquid, Math.Rounding.Floor) : shares;
    }

    /// @notice ERC-4626 deposit, guarded against reentrancy through the asset.
    function deposit(uint256 assets, address receiver) public override nonReentrant returns (uint256) {
        return super.deposit(assets, receiver);
    }

    /// @inheritdoc IStrategyVault
    function depositWithPermit(
        uint256 assets,
        address receiver,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (uint256) {
        // A front-runner may submit the same permit first; the allowance it leaves serves the deposit.
        try IERC20Permit(asset()).permit(msg.sender, address(this), assets, deadline, v, r, s) {} catch {}
        return deposit(assets, receiver);
    }

    /// @notice ERC-4626 mint, guarded against reentrancy through the asset.
    function mint(uint256 shares, address receiver) public override nonReentrant returns (uint256) {
        return super.mint(shares, receiver);
    }

    /// @notice ERC-4626 withdraw, served from the buffer first; guarded against reentrancy.
    function withdraw(uint256 assets, address receiver, address owner) public override nonReentrant returns (uint256) {
        return super.withdraw(assets, receiver, owner);
    }

    /// @notice ERC-4626 redeem, served from the buffer first; guarded against reentrancy.
    function redeem(uint256 shares, address receiver, address owner) public override nonReentrant returns (uint256) {
        return super.redeem(shares, receiver, owner);
    }

    // ================================================================== sleeves and keepers

    /// @inheritdoc IStrategyVault
    function sleeveAssets(uint8 sleeve) external view returns (uint256) {
        if (sleeve == uint8(Sleeve.Buffer)) return _book.buffer;
        uint256 s = _drawable(sleeve);
        return uint256(_sleeveIdle[s]) + _sleeveDrawn[s];
    }

    /// @inheritdoc IStrategyVault
    function sleeveDrawn(uint8 sleeve) external view returns (uint256) {
        return _sleeveDrawn[_drawable(sleeve)];
    }

    /// @inheritdoc IStrategyVault
    function sleeveRoom(uint8 sleeve) external view returns (uint256) {
        uint256 s = _drawable(sleeve);
        Book memory b = _book;
        if (b.paused || b.breaker) return 0;
        (uint256 capRoom, uint256 idle) = _rooms(s);
        return Math.min(capRoom, idle);
    }

    /// @inheritdoc IStrategyVault
    function capitalOut(uint8 sleeve, uint256 amount, address to) external onlyCapitalBook nonReentrant {
        Book memory b = _book;
        if (b.paused) revert StrategyVaultIsPaused();
        if (b.breaker) revert StrategyVaultBreakerIsTripped();
        if (amount == 0) revert StrategyVaultZeroAmount();
        uint256 s = _drawable(sleeve);
        (uint256 capRoom, uint256 idle) = _rooms(s);
        if (amount > capRoom) revert StrategyVaultSleeveCapExceeded(sleeve, amount, capRoom);
        if (amount > idle) revert StrategyVaultSleeveIdleExceeded(sleeve, amount, idle);

        _sleeveIdle[s] = SafeCast.toUint128(idle - amount);
        _sleeveDrawn[s] += SafeCast.toUint128(amount);
        emit CapitalOut(sleeve, to, amount);
        IERC20(asset()).safeTransfer(to, amount);
    }

    /// @inheritdoc IStrategyVault
    function capitalIn(
        uint8 sleeve,
        uint256 amount,
        uint256 profit,
        address operator,
        uint256 fee
    ) external onlyCapitalBook nonReentrant {
        uint256 s = _drawable(sleeve);
        uint256 drawn = _sleeveDrawn[s];
        if (amount > drawn) revert StrategyVaultCapitalInExceedsDrawn(sleeve, amount, drawn);
        // `amount <= drawn` checked above, and `_sleeveIdle + _sleeveDrawn` of a sleeve is bounded by the 88-bit book.
        unchecked {
            _sleeveDrawn[s] = uint128(drawn - amount);
            _sleeveIdle[s] += uint128(amount);
        }
        if (profit != 0) _splitProfit(profit, operator, fee);
        emit CapitalIn(sleeve, amount, profit);
    }

    /// @inheritdoc IStrategyVault
    function bookLoss(uint8 sleeve, uint256 amount) external onlyCapitalBook returns (bool tripped) {
        uint256 s = _drawable(sleeve);
        uint256 drawn = _sleeveDrawn[s];
        if (amount > drawn) revert StrategyVaultCapitalInExceedsDrawn(sleeve, amount, drawn);
        uint256 maxLoss = VaultMath.bpsOf(totalAssets(), _param(ParamKeys.MAX_LOSS_BPS));
        _sleeveDrawn[s] = SafeCast.toUint128(drawn - amount);
        _book.sleeves -= SafeCast.toUint88(amount);
        _capLockedProfit();
        emit LossBooked(sleeve, amount);
        if (amount > maxLoss) {
            _trip("loss", amount, maxLoss);
            tripped = true;
        }
    }

    /// @inheritdoc IStrategyVault
    function tripBreaker(bytes32 reason, uint256 value, uint256 bound) external onlyCapitalBook {
        _trip(reason, value, bound);
    }

    /// @inheritdoc IStrategyVault
    function rebalance() external {
        (uint256 buffer, uint256 idle0, uint256 idle1) = _plan();
        uint256 drawn = uint256(_sleeveDrawn[0]) + _sleeveDrawn[1];
        _book.buffer = SafeCast.toUint88(buffer);
        _book.sleeves = SafeCast.toUint88(idle0 + idle1 + drawn);
        _sleeveIdle[0] = SafeCast.toUint128(idle0);
        _sleeveIdle[1] = SafeCast.toUint128(idle1);
        emit Rebalanced(buffer, idle0, idle1);
    }

    /// @inheritdoc IStrategyVault
    function rebalanceNeeded() external view returns (bool) {
        (uint256 buffer, , ) = _plan();
        uint256 current = _book.buffer;
        uint256 move = buffer > current ? buffer - current : current - buffer;
        return move != 0 && move > VaultMath.bpsOf(totalAssets(), _param(ParamKeys.REBALANCE_TOLERANCE_BPS));
    }

    /// @inheritdoc IStrategyVault
    function absorbSurplus() external nonReentrant returns (uint256 surplus) {
        uint256 booked = uint256(_book.buffer) + _sleeveIdle[0] + _sleeveIdle[1] + _reserved;
        uint256 balance = IERC20(asset()).balanceOf(address(this));
        if (balance > booked) {
            surplus = balance - booked;
            _lockProfit(surplus);
            emit SurplusAbsorbed(surplus);
        }
    }

    // ================================================================== Earn and fees

    /// @inheritdoc IStrategyVault
    function claim() external nonReentrant returns (uint256 amount) {
        amount = _takeRewards(msg.sender);
        _reserved -= amount;
        emit EarnClaimed(msg.sender, amount);
        if (amount != 0) IERC20(asset()).safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IStrategyVault
    function keeperFees(address operator) external view returns (uint256) {
        return _keeperFees[operator];
    }

    /// @inheritdoc IStrategyVault
    function claimKeeperFees() external nonReentrant returns (uint256 amount) {
        amount = _keeperFees[msg.sender];
        _keeperFees[msg.sender] = 0;
        _reserved -= amount;
        emit KeeperFeesClaimed(msg.sender, amount);
        if (amount != 0) IERC20(asset()).safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IStrategyVault
    function reservedAssets() external view returns (uint256) {
        return _reserved;
    }

    // ================================================================== votes and ERC-20 overrides

    /// @inheritdoc ERC4626
    function decimals() public view override(ERC20, ERC4626) returns (uint8) {
        return super.decimals();
    }

    /// @inheritdoc ERC20Permit
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    /// @dev Virtual shares: 10^6 shares per unit of asset, so the first-depositor inflation attack costs
    ///      the attacker a million times what it could steal.
    function _decimalsOffset() internal pure override returns (uint8) {
        return _DECIMALS_OFFSET;
    }

    /// @dev Shares held by `account` (locked or not), for the Earn bookkeeping.
    function _sharesOf(address account) internal view override returns (uint256) {
        return balanceOf(account);
    }

    /// @dev Records the supply before the epoch's first mint or burn, refuses to move or burn locked shares
    ///      (the lock is read only for accounts flagged as having one), then moves balances and votes.
    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        if (from == address(0) || to == address(0)) _recordSupply();
        if (from != address(0) && _hasLock(from)) {
            uint256 unlocked = balanceOf(from) - _lockedOf(from);
            if (value > unlocked) revert StrategyVaultSharesLocked(from, value, unlocked);
        }
        super._update(from, to, value);
    }

    /// @dev Flags whether `account` has shares under an Earn lock (in its `Holder` slot).
    function _setHasLock(address account, bool hasLock) internal override {
        _flagLock(account, hasLock);
    }

    /// @dev The epoch of the last mint or burn lives in the book, which deposits and withdrawals write anyway.
    function _supplyEpoch() internal view override returns (uint256) {
        return _book.supplyEpoch;
    }

    /// @dev Stores the epoch of the last mint or burn in the book.
    function _setSupplyEpoch(uint48 epoch) internal override {
        _book.supplyEpoch = SafeCast.toUint24(epoch);
    }

    /// @dev Books the deposit in the buffer, then pulls the assets and mints (OpenZeppelin).
    function _deposit(address caller, address receiver, uint256 assets, uint256 shares) internal override {
        _book.buffer += SafeCast.toUint88(assets);
        super._deposit(caller, receiver, assets, shares);
    }

    /// @dev Takes the assets from the buffer, then from the undrawn sleeves; then burns and pays.
    function _withdraw(
        address caller,
        address receiver,
        address owner,
        uint256 assets,
        uint256 shares
    ) internal override {
        Book memory b = _book;
        if (assets > b.buffer) {
            uint256 rest = assets - b.buffer;
            uint256 idle0 = _sleeveIdle[0];
            uint256 from0 = Math.min(rest, idle0);
            // Narrowing is exact: `from0 <= idle0` (a uint128), `rest - from0 <= _sleeveIdle[1]` (`maxWithdraw`
            // caps `assets` at the liquid assets, else the subtraction reverts), `rest <= b.sleeves` (88 bits) and
            // `assets <= b.buffer` (88 bits) in the other branch.
            _sleeveIdle[0] = uint128(idle0 - from0);
            _sleeveIdle[1] -= uint128(rest - from0);
            b.buffer = 0;
            b.sleeves -= uint88(rest);
            _book = b;
        } else {
            _book.buffer = b.buffer - uint88(assets);
        }
        super._withdraw(caller, receiver, owner, assets, shares);
    }

    // ================================================================== internals

    /// @dev Shares of `account` not under an Earn lock.
    function _unlockedOf(address account) private view returns (uint256 shares) {
        shares = balanceOf(account);
        if (_hasLock(account)) shares -= _lockedOf(account);
    }

    /// @dev Splits a profit: the keeper fee the capital book set (to `operator`), the Earn share (scaled by the
    ///      fraction of the supply locked), and the rest locked for depositors.
    function _splitProfit(uint256 profit, address operator, uint256 fee) private {
        if (fee > profit) fee = profit;
        if (fee != 0) _keeperFees[operator] += fee;
        uint256 toEarn = VaultMath.earnSlice(
            profit,
            _param(ParamKeys.EARN_SHARE_BPS),
            _earnTotalWeight(),
            totalSupply()
        );
        if (toEarn != 0) _distributeEarn(toEarn);
        _reserved += fee + toEarn;
        uint256 toDepositors = profit - fee - toEarn;
        _lockProfit(toDepositors);
        emit ProfitSplit(toDepositors, toEarn, fee, operator);
    }

    /// @dev Room under sleeve `s`'s cap (target weight x total assets) and its undrawn assets.
    function _rooms(uint256 s) private view returns (uint256 capRoom, uint256 idle) {
        capRoom = VaultMath.room(VaultMath.bpsOf(totalAssets(), _targetBps(s)), _sleeveDrawn[s]);
        idle = _sleeveIdle[s];
    }

    /// @dev Assets a deposit may add: zero while paused, else what keeps the booked total within 88 bits.
    function _depositRoom() private view returns (uint256) {
        Book memory b = _book;
        return b.paused ? 0 : type(uint88).max - (uint256(b.buffer) + b.sleeves);
    }

    /// @dev Liquid assets (buffer, then undrawn sleeves), read only as far as needed to cover `wanted`.
    function _liquidUpTo(uint256 wanted) private view returns (uint256 liquid) {
        liquid = _book.buffer;
        if (liquid < wanted) liquid += uint256(_sleeveIdle[0]) + _sleeveIdle[1];
    }

    /// @dev Where a rebalance would put the liquid assets now.
    function _plan() private view returns (uint256 buffer, uint256 idle0, uint256 idle1) {
        uint256 assets = totalAssets();
        uint256[3] memory targets = [
            VaultMath.bpsOf(assets, _targetBps(0)),
            VaultMath.bpsOf(assets, _targetBps(1)),
            VaultMath.bpsOf(assets, _param(ParamKeys.SLEEVE_TARGET_BUFFER_BPS))
        ];
        uint256 liquid = uint256(_book.buffer) + _sleeveIdle[0] + _sleeveIdle[1];
        return VaultMath.rebalancePlan(liquid, targets, [uint256(_sleeveDrawn[0]), uint256(_sleeveDrawn[1])]);
    }

    function _targetBps(uint256 s) private view returns (uint256) {
        return _param(s == 0 ? ParamKeys.SLEEVE_TARGET_MARKET_MAKING_BPS : ParamKeys.SLEEVE_TARGET_ARBITRAGE_BPS);
    }

    function _drawable(uint8 sleeve) private pure returns (uint256) {
        if (sleeve > uint8(Sleeve.Arbitrage)) revert StrategyVaultInvalidSleeve(sleeve);
        return sleeve;
    }
}

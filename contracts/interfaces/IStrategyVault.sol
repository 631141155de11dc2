// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IStrategyVault
/// @notice The ERC-4626 vault users deposit into. Capital sits in three sleeves (market making, arbitrage,
///         idle buffer); keepers draw from the first two through the keeper capital book and repay with a posted
///         receipt. Profit unlocks linearly, losses are booked once final, a circuit breaker stops draws, lockers earn
///         extra yield.
/// @dev The ERC-4626 / ERC-20 / ERC-5805 functions come from OpenZeppelin and are not repeated here.
interface IStrategyVault {
    /// @notice Capital sleeves, in the order of their target weights in `Parameters`.
    enum Sleeve {
        MarketMaking,
        Arbitrage,
        Buffer
    }

    /// @notice One Earn lock: `shares` of `owner` cannot move until `unlockAt`.
    struct Lock {
        address owner;
        uint8 tier;
        uint40 unlockAt;
        uint256 shares;
        uint256 weight;
    }

    // ------------------------------------------------------------------ errors
    /// @notice Thrown when a sleeve index is not a drawable sleeve (market making or arbitrage).
    error StrategyVaultInvalidSleeve(uint8 sleeve);
    /// @notice Thrown when a capital call does not come from the keeper capital book.
    error StrategyVaultNotCapitalBook(address caller);
    /// @notice Thrown when a draw would take the sleeve past its cap (target weight x total assets).
    error StrategyVaultSleeveCapExceeded(uint8 sleeve, uint256 amount, uint256 available);
    /// @notice Thrown when a sleeve does not hold enough undrawn assets for a draw.
    error StrategyVaultSleeveIdleExceeded(uint8 sleeve, uint256 amount, uint256 idle);
    /// @notice Thrown when a draw is attempted while the circuit breaker is tripped.
    error StrategyVaultBreakerIsTripped();
    /// @notice Thrown when a draw is attempted while the vault is paused.
    error StrategyVaultIsPaused();
    /// @notice Thrown when an amount that must be positive is zero.
    error StrategyVaultZeroAmount();
    /// @notice Thrown when the caller is neither the guardian nor the owner (the timelock).
    error StrategyVaultNotGuardian(address caller);
    /// @notice Thrown when capital coming back exceeds what the sleeve has drawn.
    error StrategyVaultCapitalInExceedsDrawn(uint8 sleeve, uint256 amount, uint256 drawn);
    /// @notice Thrown when a lock tier is not 1 or 2.
    error StrategyVaultLockTierInvalid(uint8 tier);
    /// @notice Thrown when an account moves, redeems or locks more shares than it holds unlocked.
    error StrategyVaultSharesLocked(address account, uint256 amount, uint256 unlocked);
    /// @notice Thrown when `unlock` names a lock that does not exist (never created or already released).
    error StrategyVaultLockUnknown(uint256 lockId);
    /// @notice Thrown when `unlock` is called before the lock expires.
    error StrategyVaultLockNotExpired(uint256 lockId, uint256 unlockAt);
    /// @notice Thrown when an address that must be set is zero.
    error StrategyVaultZeroAddress();

    // ------------------------------------------------------------------ events
    /// @notice Emitted when the capital book moves `amount` of `sleeve` out to keeper `to`.
    event CapitalOut(uint8 indexed sleeve, address indexed to, uint256 amount);
    /// @notice Emitted when the capital book brings `amount` of drawn capital back to `sleeve`, with `profit`.
    event CapitalIn(uint8 indexed sleeve, uint256 amount, uint256 profit);
    /// @notice Emitted when the capital book books `amount` drawn from `sleeve` as lost to depositors.
    event LossBooked(uint8 indexed sleeve, uint256 amount);
    /// @notice Emitted when a repayment's profit is split: locked for depositors, Earn, keeper fee.
    event ProfitSplit(uint256 toDepositors, uint256 toEarn, uint256 keeperFee, address indexed operator);
    /// @notice Emitted when the sleeves are rebalanced towards their targets.
    event Rebalanced(uint256 buffer, uint256 marketMakingIdle, uint256 arbitrageIdle);
    /// @notice Emitted when unbooked asset tokens are booked as depositors' profit.
    event SurplusAbsorbed(uint256 assets);
    /// @notice Emitted when the circuit breaker trips; `reason` is "loss" (a booked loss above `maxLossBps`),
    ///         "price" or "pnl" (a material repayment with a bad price or returning less than its receipt reports).
    event BreakerTripped(bytes32 indexed reason, uint256 value, uint256 bound);
    /// @notice Emitted when the guardian or governance resets the circuit breaker.
    event BreakerReset(address indexed by);
    /// @notice Emitted when shares are locked for Earn.
    event Locked(address indexed owner, uint256 indexed lockId, uint256 shares, uint8 tier, uint256 unlockAt);
    /// @notice Emitted when a lock is released.
    event Unlocked(address indexed owner, uint256 indexed lockId, uint256 shares);
    /// @notice Emitted when a locker claims its Earn rewards.
    event EarnClaimed(address indexed account, uint256 assets);
    /// @notice Emitted when a keeper operator claims its accrued performance fees.
    event KeeperFeesClaimed(address indexed operator, uint256 assets);
    /// @notice Emitted when the guardian or governance pauses deposits and draws.
    event Paused(address account);
    /// @notice Emitted when the guardian or governance resumes deposits and draws.
    event Unpaused(address account);
    /// @notice Emitted when governance sets a source address ("capitalBook", "guardian").
    event SourceSet(bytes32 indexed source, address value);

    /// @notice Deposits `assets` for `receiver` after an EIP-2612 permit of the asset (one transaction).
    /// @dev A failing permit (e.g. already used by a front-runner) is ignored; the deposit then needs an
    ///      allowance as usual.
    function depositWithPermit(
        uint256 assets,
        address receiver,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (uint256 shares);

    // ------------------------------------------------------------------ sleeves and keepers
    /// @notice Assets in `sleeve`: undrawn plus drawn for market making / arbitrage, idle for the buffer.
    function sleeveAssets(uint8 sleeve) external view returns (uint256);

    /// @notice Assets of `sleeve` currently held by keepers (including shortfalls not yet booked).
    function sleeveDrawn(uint8 sleeve) external view returns (uint256);

    /// @notice Most the capital book could move out of `sleeve` now: room under the sleeve's cap (target weight x
    ///         total assets) and its undrawn assets; zero while paused or tripped.
    function sleeveRoom(uint8 sleeve) external view returns (uint256);

    /// @notice The keeper capital book, the only account that moves sleeve capital out and back.
    function capitalBook() external view returns (address);

    /// @notice Moves `amount` of `sleeve`'s undrawn capital to keeper `to` (capital book only; not while paused or
    ///         tripped; within the sleeve's cap and idle assets).
    function capitalOut(uint8 sleeve, uint256 amount, address to) external;

    /// @notice Books `amount` of `sleeve`'s drawn capital as back and `profit` as profit, both already transferred
    ///         to the vault (capital book only). The profit pays `fee` to `operator`, the Earn share, and the rest
    ///         unlocks linearly for depositors.
    function capitalIn(uint8 sleeve, uint256 amount, uint256 profit, address operator, uint256 fee) external;

    /// @notice Books `amount` of `sleeve`'s drawn capital as lost to depositors (capital book only); trips the
    ///         breaker when the loss exceeds `maxLossBps` of total assets. Returns whether it tripped.
    function bookLoss(uint8 sleeve, uint256 amount) external returns (bool tripped);

    /// @notice Trips the circuit breaker for a material bad repayment (capital book only).
    function tripBreaker(bytes32 reason, uint256 value, uint256 bound) external;

    /// @notice Moves idle assets between the buffer and the undrawn parts of the sleeves to meet the targets.
    function rebalance() external;

    /// @notice True when the buffer is off its target by more than `rebalanceToleranceBps` of total assets.
    function rebalanceNeeded() external view returns (bool);

    /// @notice Books asset tokens the vault holds beyond its books (slashed stake sent by the reputation
    ///         oracle, donations) as depositors' profit, unlocking linearly like any profit; anyone may call.
    function absorbSurplus() external returns (uint256 surplus);

    /// @notice Profit not yet unlocked into the share price.
    function lockedProfit() external view returns (uint256);

    // ------------------------------------------------------------------ breaker, pause, roles
    /// @notice True when the circuit breaker stops draws.
    function breakerTripped() external view returns (bool);

    /// @notice Resets the circuit breaker (governance only: the guardian can stop, not restart).
    function resetBreaker() external;

    /// @notice Stops deposits and draws (guardian or governance, at once); withdrawals stay open.
    function pause() external;

    /// @notice Resumes deposits and draws (governance only).
    function unpause() external;

    /// @notice True when deposits and draws are stopped.
    function paused() external view returns (bool);

    // ------------------------------------------------------------------ Earn
    /// @notice Locks `shares` of the caller for `tier` (1 or 2); returns the new lock's id.
    function lock(uint256 shares, uint8 tier) external returns (uint256 lockId);

    /// @notice Releases an expired lock; anyone may call (the shares stay with the lock's owner, who loses
    ///         the lock's Earn weight, so an expired lock cannot keep earning as if still committed).
    function unlock(uint256 lockId) external;

    /// @notice Shares of `account` currently locked.
    function lockedShares(address account) external view returns (uint256);

    /// @notice Earn rewards of `account` not yet claimed, in assets.
    function earned(address account) external view returns (uint256);

    /// @notice Pays the caller's Earn rewards; returns the assets paid.
    function claim() external returns (uint256);

    /// @notice Performance fees accrued to keeper operator `operator`, in assets.
    function keeperFees(address operator) external view returns (uint256);

    /// @notice Pays the caller's accrued performance fees; returns the assets paid.
    function claimKeeperFees() external returns (uint256);

    /// @notice Lock `lockId` (owner zero once released or never created).
    function getLock(uint256 lockId) external view returns (Lock memory);

    /// @notice Assets held for Earn rewards and keeper fees, outside `totalAssets`.
    function reservedAssets() external view returns (uint256);

    // ------------------------------------------------------------------ governance (owner: the timelock)
    /// @notice Sets the keeper capital book.
    function setCapitalBook(address book) external;

    /// @notice Sets the guardian (zero: none).
    function setGuardian(address guardian_) external;
}

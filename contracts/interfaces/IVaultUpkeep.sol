// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IStaleClaimSource
/// @notice Extension point of the upkeep: a contract with claims that expire (the campaign registry) lists
///         the stale ones and expires them. `expireClaims` must re-check staleness itself and skip (not
///         revert on) ids that are no longer stale: anyone may relay an upkeep, with any ids.
interface IStaleClaimSource {
    /// @notice Up to `max` ids of claims past their deadline and not yet expired.
    function staleClaims(uint256 max) external view returns (bytes32[] memory ids);

    /// @notice Expires the listed claims that are still stale; returns how many it expired.
    function expireClaims(bytes32[] calldata ids) external returns (uint256 expired);
}

/// @title IVaultUpkeep
/// @notice Chainlink Automation upkeep for the protocol's periodic work: rebalancing the vault's buffer
///         and, once a claim source is set, expiring stale campaign claims. Profit unlock needs no upkeep
///         (it is continuous in `totalAssets`).
interface IVaultUpkeep {
    /// @notice Thrown when `performUpkeep` finds nothing to do (the work was done or is no longer due).
    error VaultUpkeepNothingToDo();
    /// @notice Thrown when an address that must be set is zero.
    error VaultUpkeepZeroAddress();

    /// @notice Emitted after an upkeep ran: whether it rebalanced and how many claims it expired.
    event UpkeepPerformed(bool rebalanced, uint256 claimsExpired);
    /// @notice Emitted when governance sets (or clears, with zero) the stale-claim source.
    event ClaimSourceSet(address source);

    /// @notice Most claim ids one upkeep expires (bounds the gas of `performUpkeep`).
    function MAX_CLAIMS_PER_UPKEEP() external view returns (uint256);

    /// @notice Sets the stale-claim source (owner only: the timelock); zero disables claim expiry.
    function setClaimSource(address source) external;
}

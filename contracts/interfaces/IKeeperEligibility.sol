// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IKeeperEligibility
/// @notice What the vault and the campaign registry ask the reputation layer about a keeper.
/// @dev A keeper is identified by its attested key (the address bound in its TEE quote's report data).
///      Its operator is the account that staked for it and receives its rewards.
interface IKeeperEligibility {
    /// @notice True when the keeper may act now: operator stake >= `minStake`, score >= `minScore`,
    ///         a fresh attestation of an allowed measurement, healthy heartbeat, not revoked.
    function isEligible(address keeper) external view returns (bool);

    /// @notice The keeper's reputation score in basis points (0..10_000), recomputable from on-chain outcomes.
    function score(address keeper) external view returns (uint256);

    /// @notice The operator that staked for `keeper` (zero when unregistered).
    function operatorOf(address keeper) external view returns (address);
}

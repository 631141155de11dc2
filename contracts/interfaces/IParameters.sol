// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IParameters
/// @notice Every tunable threshold of the protocol, owned by the governance timelock. Keys are listed in
///         `ParamKeys`; each has a default and bounds, and every change is bounded and emitted so keepers
///         can follow it (`ParameterChanged`) and retune at run time.
interface IParameters {
    /// @notice Thrown when a key is not one of `ParamKeys`.
    error ParametersUnknownKey(bytes32 key);
    /// @notice Thrown when a new value is outside the key's bounds.
    error ParametersOutOfBounds(bytes32 key, uint256 value, uint256 min, uint256 max);
    /// @notice Thrown when a change leaves the three sleeve targets not summing to 10_000 bps.
    error ParametersSleeveTargetsInvalid(uint256 sumBps);
    /// @notice Thrown when `setMany` gets arrays of different lengths.
    error ParametersLengthMismatch(uint256 keys, uint256 values);

    /// @notice Emitted on every value change.
    event ParameterChanged(bytes32 indexed key, uint256 oldValue, uint256 newValue);
    /// @notice Emitted when a TEE measurement is added to or removed from the allowlist.
    event MeasurementAllowlistChanged(bytes32 indexed measurementHash, bool allowed);

    /// @notice Current value of `key`; reverts with `ParametersUnknownKey` for unknown keys.
    function get(bytes32 key) external view returns (uint256);

    /// @notice Inclusive bounds a value of `key` must stay within.
    function bounds(bytes32 key) external view returns (uint256 min, uint256 max);

    /// @notice All known keys, in a stable order (for keepers and the governance page).
    function keys() external view returns (bytes32[] memory);

    /// @notice Sets one value (owner only: the timelock). Bounded; emits `ParameterChanged`.
    function set(bytes32 key, uint256 value) external;

    /// @notice Sets several values atomically (e.g. the three sleeve targets, which must sum to 10_000).
    function setMany(bytes32[] calldata keys_, uint256[] calldata values) external;

    /// @notice Whether a TEE measurement (keccak256 of the raw MRTD / MRENCLAVE bytes) is allowed.
    function isMeasurementAllowed(bytes32 measurementHash) external view returns (bool);

    /// @notice Adds or removes a measurement from the allowlist (owner only).
    function setMeasurementAllowed(bytes32 measurementHash, bool allowed) external;
}

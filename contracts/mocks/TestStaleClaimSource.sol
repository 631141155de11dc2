// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IStaleClaimSource} from "../interfaces/IVaultUpkeep.sol";

/// @title TestStaleClaimSource
/// @notice Test-only claim source for the upkeep's unit tests: claims with a deadline, stale once past it.
///         The deployed system will plug in the campaign registry instead.
contract TestStaleClaimSource is IStaleClaimSource {
    bytes32[] private _ids;
    mapping(bytes32 id => uint256) public deadline;
    mapping(bytes32 id => bool) public expired;

    /// @notice Adds a claim expiring at `deadline_`.
    function addClaim(bytes32 id, uint256 deadline_) external {
        _ids.push(id);
        deadline[id] = deadline_;
    }

    /// @inheritdoc IStaleClaimSource
    function staleClaims(uint256 max) external view returns (bytes32[] memory ids) {
        uint256 n;
        for (uint256 i = 0; i < _ids.length; ++i) {
            if (_isStale(_ids[i])) ++n;
        }
        ids = new bytes32[](n < max ? n : max);
        uint256 k;
        for (uint256 i = 0; i < _ids.length && k < ids.length; ++i) {
            if (_isStale(_ids[i])) {
                ids[k] = _ids[i];
                ++k;
            }
        }
    }

    /// @inheritdoc IStaleClaimSource
    function expireClaims(bytes32[] calldata ids) external returns (uint256 n) {
        for (uint256 i = 0; i < ids.length; ++i) {
            if (_isStale(ids[i])) {
                expired[ids[i]] = true;
                ++n;
            }
        }
    }

    function _isStale(bytes32 id) private view returns (bool) {
        return deadline[id] != 0 && block.timestamp > deadline[id] && !expired[id];
    }
}

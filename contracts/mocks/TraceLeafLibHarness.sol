// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TraceLeafLib} from "../libraries/TraceLeafLib.sol";

/// @title TraceLeafLibHarness
/// @notice Test-only: exposes `TraceLeafLib` so the shared trace vector (keeper/test-data/recording) is checked
///         against the library the contracts use.
contract TraceLeafLibHarness {
    /// @notice `TraceLeafLib.hash(leaf)`.
    /// @param leaf A trace leaf.
    function hash(TraceLeafLib.TraceLeaf calldata leaf) external pure returns (bytes32) {
        return TraceLeafLib.hash(leaf);
    }

    /// @notice `TraceLeafLib.priceOutOfBound(leaf)`.
    /// @param leaf A trace leaf.
    function priceOutOfBound(TraceLeafLib.TraceLeaf calldata leaf) external pure returns (bool) {
        return TraceLeafLib.priceOutOfBound(leaf);
    }

    /// @notice The receipt execution hash of `executionIds`: `keccak256(abi.encodePacked(executionIds))`.
    /// @param executionIds The leaves' execution ids in tree-input order.
    function executionHash(bytes32[] calldata executionIds) external pure returns (bytes32) {
        return keccak256(abi.encodePacked(executionIds));
    }
}

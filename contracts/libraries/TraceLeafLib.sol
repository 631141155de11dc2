// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title TraceLeafLib
/// @notice Encoding of one trade of an execution trace as a Merkle leaf, identical to the
///         `StandardMerkleTree` of the npm package openzeppelin/merkle-tree with the leaf types
///         `["bytes32","uint64","bytes32","bytes32","uint8","uint128","uint128","uint128","uint128","uint128"]`
///         (campaignId, timestamp, executionId, venue, side, price, size, fee, minPrice, maxPrice):
///         `keccak256(bytes.concat(keccak256(abi.encode(fields...))))`.
library TraceLeafLib {
    /// @notice One trade of a trace.
    /// @param campaignId The campaign the trade executes.
    /// @param timestamp Unix time of the fill, seconds.
    /// @param executionId Identity of one real fill: `keccak256(abi.encode(keccak256(bytes(venue)),
    ///        keccak256(bytes(orderId)), keccak256(bytes(fillId))))` with the venue's order id (or the transaction
    ///        hash) and the fill id of a partial fill (or the log index; empty when the order filled at once).
    /// @param venue The venue's name as bytes32 (`encodeBytes32String("binance")`).
    /// @param side 0 = buy, 1 = sell.
    /// @param price Execution price, quote per base, 8 decimals.
    /// @param size Base-asset amount filled x 1e18 (18 decimals whatever the base token's own decimals).
    /// @param fee Fee paid, converted to the deposit asset, in its smallest unit, rounded up (0 for a rebate).
    /// @param minPrice Lowest price the trade was allowed to fill at (the campaign's bound, 8 decimals).
    /// @param maxPrice Highest price the trade was allowed to fill at.
    struct TraceLeaf {
        bytes32 campaignId;
        uint64 timestamp;
        bytes32 executionId;
        bytes32 venue;
        uint8 side;
        uint128 price;
        uint128 size;
        uint128 fee;
        uint128 minPrice;
        uint128 maxPrice;
    }

    /// @notice The standard-tree leaf hash of `leaf` (double keccak of its ABI encoding).
    function hash(TraceLeaf calldata leaf) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(leaf))));
    }

    /// @notice True when the leaf's price lies outside the bound the leaf itself states.
    function priceOutOfBound(TraceLeaf calldata leaf) internal pure returns (bool) {
        return leaf.price < leaf.minPrice || leaf.price > leaf.maxPrice;
    }
}

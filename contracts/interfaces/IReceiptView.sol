// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IReceiptView
/// @notice The read side of the receipt registry that the vault and the reputation oracle rely on.
interface IReceiptView {
    /// @notice Aggregate figures of one execution trace, signed by the keeper with the root.
    /// @param volume Traded notional in deposit-asset units.
    /// @param avgPrice Volume-weighted average execution price, 8 decimals (as Chainlink USD feeds).
    /// @param pnl Realised profit (negative: loss) in deposit-asset units.
    struct ReceiptSummary {
        uint128 volume;
        uint128 avgPrice;
        int256 pnl;
    }

    /// @notice One posted receipt. `operator` is the keeper's operator when it posted (snapshotted: disputes
    ///         and slashes of this receipt hit it whatever the key's later bindings). `traceRoot` is the Merkle
    ///         root of the execution trace (leaves encoded as `@openzeppelin/merkle-tree`'s standard tree),
    ///         `cid` the trace's content id.
    struct Receipt {
        address keeper;
        address operator;
        uint64 postedAt;
        uint32 leafCount;
        bytes32 campaignId;
        bytes32 traceRoot;
        ReceiptSummary summary;
        string cid;
    }

    /// @notice The receipt with id `receiptId` (ids start at 1); reverts when it does not exist.
    function getReceipt(uint256 receiptId) external view returns (Receipt memory);
}

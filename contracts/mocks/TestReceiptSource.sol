// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IReceiptView} from "../interfaces/IReceiptView.sol";

/// @title TestReceiptSource
/// @notice Test-only receipt source for the vault's unit tests: stores receipts as given (no signature or
///         Merkle checks). The deployed system uses the receipt registry instead.
contract TestReceiptSource is IReceiptView {
    /// @notice Thrown when a receipt id was never stored.
    error TestReceiptSourceUnknown(uint256 receiptId);

    mapping(uint256 receiptId => Receipt) private _receipts;
    uint256 public count;

    /// @notice Stores a receipt of `keeper` with average price `avgPrice` (8 decimals); returns its id.
    function add(address keeper, uint128 avgPrice, int256 pnl) external returns (uint256 receiptId) {
        receiptId = ++count;
        Receipt storage r = _receipts[receiptId];
        r.keeper = keeper;
        r.postedAt = uint64(block.timestamp);
        r.leafCount = 1;
        r.campaignId = keccak256(abi.encode(receiptId));
        r.traceRoot = keccak256(abi.encode(keeper, receiptId));
        r.summary = ReceiptSummary({volume: 0, avgPrice: avgPrice, pnl: pnl});
    }

    /// @notice Stores a receipt of `keeper` for `campaignId` with average price `avgPrice` and `pnl`; returns its id.
    function addFor(
        address keeper,
        bytes32 campaignId,
        uint128 avgPrice,
        int256 pnl
    ) external returns (uint256 receiptId) {
        receiptId = ++count;
        Receipt storage r = _receipts[receiptId];
        r.keeper = keeper;
        r.postedAt = uint64(block.timestamp);
        r.leafCount = 1;
        r.campaignId = campaignId;
        r.traceRoot = keccak256(abi.encode(keeper, receiptId));
        r.summary = ReceiptSummary({volume: 0, avgPrice: avgPrice, pnl: pnl});
    }

    /// @inheritdoc IReceiptView
    function getReceipt(uint256 receiptId) external view returns (Receipt memory) {
        if (receiptId == 0 || receiptId > count) revert TestReceiptSourceUnknown(receiptId);
        return _receipts[receiptId];
    }
}

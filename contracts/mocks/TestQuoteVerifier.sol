// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IQuoteVerifier} from "../interfaces/IQuoteVerifier.sol";

/// @title TestQuoteVerifier
/// @notice Test double of an on-chain DCAP verifier (none runs on a local chain): a quote "verifies" when its
///         hash was registered with the fields to return. Never deployed by the deploy script.
contract TestQuoteVerifier is IQuoteVerifier {
    /// @notice Thrown when a quote was not registered (stands for a quote that fails verification).
    error TestQuoteVerifierUnknownQuote(bytes32 quoteHash);

    mapping(bytes32 quoteHash => VerifiedFields) private _fields;
    mapping(bytes32 quoteHash => bool) private _known;

    /// @notice Registers the fields `verifyQuote` returns for `quote`.
    /// @param quote The raw quote bytes.
    /// @param fields The fields to return.
    function setFields(bytes calldata quote, VerifiedFields calldata fields) external {
        _fields[keccak256(quote)] = fields;
        _known[keccak256(quote)] = true;
    }

    /// @inheritdoc IQuoteVerifier
    function verifyQuote(bytes calldata quote) external view returns (VerifiedFields memory) {
        bytes32 h = keccak256(quote);
        if (!_known[h]) revert TestQuoteVerifierUnknownQuote(h);
        return _fields[h];
    }
}

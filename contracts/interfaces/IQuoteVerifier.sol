// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IQuoteVerifier
/// @notice An on-chain verifier of Intel DCAP quotes (SGX or TDX), e.g. an adapter around a DCAP verifier
///         already deployed on the target chain. It checks the quote's signature chain and collateral and
///         returns the fields the attestation registry records.
interface IQuoteVerifier {
    /// @notice Fields of a quote whose signature chain and collateral verified.
    /// @param teeType 1 = SGX, 2 = TDX (as `IAttestationRegistry.TeeType`).
    /// @param tcbStatus The platform's TCB status (as `IAttestationRegistry.TcbStatus`).
    /// @param measurementHash keccak256 of the raw MRENCLAVE (SGX) or MRTD (TDX) bytes.
    /// @param reportData The quote's 64-byte report data.
    struct VerifiedFields {
        uint8 teeType;
        uint8 tcbStatus;
        bytes32 measurementHash;
        bytes reportData;
    }

    /// @notice Verifies `quote`; reverts when it does not verify.
    /// @param quote The raw DCAP quote bytes.
    /// @return fields The verified fields of the quote.
    function verifyQuote(bytes calldata quote) external returns (VerifiedFields memory fields);
}

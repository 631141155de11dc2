// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IQuoteVerifier} from "./IQuoteVerifier.sol";

/// @title IAttestationRegistry
/// @notice Records the TEE attestation of each keeper key: quote hash, TEE type, measurement, TCB status,
///         report data (binding the keeper's address) and time. A keeper counts as attested while its
///         record is fresh (`attestationMaxAgeSeconds`), its measurement is on the governance allowlist
///         (`Parameters.isMeasurementAllowed`), its TCB status is accepted and it is not revoked.
interface IAttestationRegistry {
    /// @notice Trusted execution environment of a quote.
    enum TeeType {
        None,
        Sgx,
        Tdx
    }

    /// @notice Intel's TCB status of the platform that produced a quote (DCAP naming). The first four are
    ///         accepted; `OutOfDate`, `OutOfDateConfigurationNeeded` and `Revoked` are not.
    enum TcbStatus {
        UpToDate,
        SWHardeningNeeded,
        ConfigurationNeeded,
        ConfigurationAndSWHardeningNeeded,
        OutOfDate,
        OutOfDateConfigurationNeeded,
        Revoked
    }

    /// @notice Fields of a quote verified off-chain by an approved verifier, who signs them (EIP-712).
    /// @param keeper The keeper key the quote binds (first 20 bytes of `reportData`).
    /// @param quoteHash keccak256 of the raw quote bytes.
    /// @param teeType SGX or TDX.
    /// @param measurementHash keccak256 of the raw MRENCLAVE / MRTD bytes.
    /// @param tcbStatus The TCB status the verification returned.
    /// @param reportData The quote's report data (64 bytes; the first 20 are the keeper address).
    /// @param verifiedAt Unix time of the verification (must be fresh and newer than the keeper's record).
    struct VerifiedQuote {
        address keeper;
        bytes32 quoteHash;
        TeeType teeType;
        bytes32 measurementHash;
        TcbStatus tcbStatus;
        bytes reportData;
        uint64 verifiedAt;
    }

    /// @notice The stored attestation of a keeper.
    struct Attestation {
        bytes32 quoteHash;
        bytes32 measurementHash;
        bytes32 reportDataHash;
        uint64 attestedAt;
        TeeType teeType;
        TcbStatus tcbStatus;
        address verifier;
    }

    /// @notice Thrown when the EIP-712 signer of verified fields is not an approved verifier.
    error AttestationRegistryVerifierNotApproved(address signer);
    /// @notice Thrown when the report data is shorter than the 20 bytes that bind the keeper.
    error AttestationRegistryReportDataTooShort(uint256 length);
    /// @notice Thrown when the report data binds another address than the keeper.
    error AttestationRegistryReportDataMismatch(address keeper, address bound);
    /// @notice Thrown when the measurement is not on the governance allowlist.
    error AttestationRegistryMeasurementNotAllowed(bytes32 measurementHash);
    /// @notice Thrown when the TCB status is not accepted (out of date or revoked).
    error AttestationRegistryTcbStatusRejected(TcbStatus status);
    /// @notice Thrown when the TEE type is neither SGX nor TDX.
    error AttestationRegistryTeeTypeInvalid(uint8 teeType);
    /// @notice Thrown when the verification time is in the future or older than the max age.
    error AttestationRegistryStale(uint64 verifiedAt, uint256 nowTime, uint256 maxAge);
    /// @notice Thrown when verified fields are not newer than the keeper's current record (replay).
    error AttestationRegistryNotNewer(uint64 verifiedAt, uint64 currentAttestedAt);
    /// @notice Thrown when `submitQuote` is called with no on-chain quote verifier configured.
    error AttestationRegistryNoQuoteVerifier();
    /// @notice Thrown when a quote (by hash) was already recorded: each attestation needs a fresh quote.
    error AttestationRegistryQuoteReused(bytes32 quoteHash);
    /// @notice Thrown when a zero address is given where a keeper is required.
    error AttestationRegistryZeroKeeper();

    /// @notice Emitted when a keeper's attestation is recorded.
    event AttestationRecorded(
        address indexed keeper,
        bytes32 quoteHash,
        TeeType teeType,
        bytes32 measurementHash,
        TcbStatus tcbStatus,
        uint64 attestedAt,
        address indexed verifier
    );
    /// @notice Emitted when governance revokes or reinstates a keeper key.
    event KeeperRevocationChanged(address indexed keeper, bool revoked);
    /// @notice Emitted when governance sets or clears the on-chain quote verifier.
    event QuoteVerifierChanged(address indexed previous, address indexed current);

    /// @notice Records fields verified and signed (EIP-712) by an approved verifier; anyone may relay.
    /// @param quote The verified fields.
    /// @param signature The verifier's EIP-712 signature over `quote`.
    function submitVerified(VerifiedQuote calldata quote, bytes calldata signature) external;

    /// @notice Verifies `quote` with the configured on-chain `IQuoteVerifier` and records it.
    /// @param quote The raw DCAP quote; its report data's first 20 bytes name the keeper.
    /// @return keeper The keeper key the quote binds.
    function submitQuote(bytes calldata quote) external returns (address keeper);

    /// @notice Revokes (or reinstates) a keeper key; a revoked key is never attested (governance only).
    /// @param keeper The keeper key.
    /// @param revoked True to revoke, false to reinstate.
    function setRevoked(address keeper, bool revoked) external;

    /// @notice Sets the on-chain quote verifier (zero disables `submitQuote`; governance only).
    /// @param verifier The verifier contract.
    function setQuoteVerifier(IQuoteVerifier verifier) external;

    /// @notice True when the keeper's attestation is fresh, allowed, accepted and not revoked, and its verifier is
    ///         still trusted (an off-chain verifier holding `VERIFIER_ROLE`, or the configured quote verifier).
    /// @param keeper The keeper key.
    function isAttested(address keeper) external view returns (bool);

    /// @notice The keeper's stored attestation (zeroes when none).
    /// @param keeper The keeper key.
    function attestationOf(address keeper) external view returns (Attestation memory);

    /// @notice Whether governance revoked the keeper key.
    /// @param keeper The keeper key.
    function isRevoked(address keeper) external view returns (bool);

    /// @notice The configured on-chain quote verifier (zero when none).
    function quoteVerifier() external view returns (IQuoteVerifier);

    /// @notice The EIP-712 digest a verifier signs for `quote`.
    /// @param quote The verified fields.
    function hashVerifiedQuote(VerifiedQuote calldata quote) external view returns (bytes32);

    /// @notice Whether a TCB status is accepted.
    /// @param status The TCB status.
    function isTcbAccepted(TcbStatus status) external pure returns (bool);
}

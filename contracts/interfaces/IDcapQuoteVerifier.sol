// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IQuoteVerifier} from "./IQuoteVerifier.sol";
import {IDcapCertificateRegistry} from "./IDcapCertificateRegistry.sol";
import {IDcapCollateralRegistry} from "./IDcapCollateralRegistry.sol";

/// @title IDcapQuoteVerifier
/// @notice On-chain verifier of Intel DCAP quotes: SGX quote v3 and TDX quote v4 with ECDSA-P256 attestation
///         keys and a PEM PCK chain in the certification data (type 5). It checks the PCK chain up to Intel's
///         root and the CRLs (certificate registry), the QE report's signature by the PCK key, the QE report
///         data binding the attestation key and QE authentication data, the attestation key's signature over
///         header and body, the QE identity and the TCB level from Intel-signed collateral (collateral
///         registry), all at `block.timestamp`. A quote needs only its own bytes once the collateral is stored.
interface IDcapQuoteVerifier is IQuoteVerifier {
    /// @notice Collateral kinds named by the collateral errors.
    enum Collateral {
        TcbInfo,
        QeIdentity
    }

    /// @notice Thrown when the quote is not SGX v3, TDX v4 or TDX v5 (TD 1.0 or 1.5 body).
    error DcapQuoteVerifierUnsupportedQuote(uint16 version, uint32 teeType);
    /// @notice Thrown when the attestation key is not ECDSA-256 with P-256 (type 2).
    error DcapQuoteVerifierUnsupportedKeyType(uint16 keyType);
    /// @notice Thrown when the quote is shorter than its own lengths say (`needed` bytes).
    error DcapQuoteVerifierTruncated(uint256 needed, uint256 length);
    /// @notice Thrown when certification data is not of the expected type (6 QE report, 5 PCK chain).
    error DcapQuoteVerifierCertificationDataType(uint16 certType);
    /// @notice Thrown when the attestation key's signature over header and body does not verify.
    error DcapQuoteVerifierQuoteSignatureInvalid();
    /// @notice Thrown when the QE report's signature by the PCK key does not verify.
    error DcapQuoteVerifierQeReportSignatureInvalid();
    /// @notice Thrown when the QE report data is not sha256(attestation key || QE auth data) || 32 zero bytes.
    error DcapQuoteVerifierQeReportDataMismatch(bytes32 expected, bytes32 reportDataHead, bytes32 reportDataTail);
    /// @notice Thrown when no collateral of `kind` is stored for the quote's TEE type (and FMSPC).
    error DcapQuoteVerifierCollateralMissing(Collateral kind);
    /// @notice Thrown when stored collateral of `kind` is expired (nextUpdate passed) or not yet issued.
    error DcapQuoteVerifierCollateralExpired(Collateral kind, uint256 issueDate, uint256 nextUpdate, uint256 nowTime);
    /// @notice Thrown when the QE report does not match the QE identity (field 0 MRSIGNER, 1 ISVPRODID,
    ///         2 MISCSELECT, 3 ATTRIBUTES, 4 debug).
    error DcapQuoteVerifierQeIdentityMismatch(uint8 field);
    /// @notice Thrown when the QE's ISVSVN is below every level of the QE identity.
    error DcapQuoteVerifierQeTcbLevelNotFound(uint16 isvSvn);
    /// @notice Thrown when no TCB level of the platform's TCB info matches its SVNs.
    error DcapQuoteVerifierTcbLevelNotFound(bytes6 fmspc, uint16 pceSvn, bytes16 cpuSvn);
    /// @notice Thrown when the platform's or QE's TCB status is Revoked.
    error DcapQuoteVerifierTcbRevoked();
    /// @notice Thrown when the SGX enclave is a debug enclave or the TD has debug or reserved attributes set
    ///         (or SEPT_VE_DISABLE clear).
    error DcapQuoteVerifierAttributesRefused(bytes16 attributes);

    /// @notice The certificate registry (PCK chains, CRLs).
    function certificates() external view returns (IDcapCertificateRegistry);

    /// @notice The collateral registry (TCB info, QE identity).
    function collateral() external view returns (IDcapCollateralRegistry);
}

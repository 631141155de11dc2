// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IDcapCertificateRegistry
/// @notice Intel SGX PKI on-chain: verifies certificates up to Intel's SGX Root CA (whose public key is a
///         constant), caches verified certificates by the hash of their PEM body so repeat verifications skip
///         the parsing and signature checks, and stores the Intel-signed CRLs (root CA CRL, PCK platform and
///         processor CA CRLs) that anyone may submit. Times are checked against `block.timestamp`.
interface IDcapCertificateRegistry {
    /// @notice A certificate whose signature chain to the root verified.
    /// @param keyX Subject public key, x coordinate (P-256).
    /// @param keyY Subject public key, y coordinate.
    /// @param serialHash keccak256 of the serial number's DER content bytes (as CRLs list it).
    /// @param subjectHash keccak256 of the DER subject name.
    /// @param issuerKeyHash keccak256(issuer keyX, keyY): the key whose CRL may revoke this certificate.
    /// @param notBefore Validity start (unix seconds).
    /// @param notAfter Validity end (unix seconds).
    /// @param isCa Whether basicConstraints mark it as a CA (required of the PCK CA, refused of the PCK cert).
    struct VerifiedCertificate {
        bytes32 keyX;
        bytes32 keyY;
        bytes32 serialHash;
        bytes32 subjectHash;
        bytes32 issuerKeyHash;
        uint64 notBefore;
        uint64 notAfter;
        bool isCa;
    }

    /// @notice The platform identity of a verified PCK certificate (Intel's SGX extension).
    /// @param keyX PCK public key, x coordinate.
    /// @param keyY PCK public key, y coordinate.
    /// @param fmspc Family-model-stepping-platform-customSKU: selects the TCB info.
    /// @param pceId The PCE identifier.
    /// @param pceSvn The PCE security version.
    /// @param cpuSvn The CPU security version (16 components).
    struct PckPlatform {
        bytes32 keyX;
        bytes32 keyY;
        bytes6 fmspc;
        bytes2 pceId;
        uint16 pceSvn;
        bytes16 cpuSvn;
    }

    /// @notice A stored CRL.
    /// @param crlHash keccak256 of the CRL's DER bytes (the set its revoked serials belong to).
    /// @param thisUpdate Issue time (unix seconds).
    /// @param nextUpdate Time after which the CRL is expired (unix seconds).
    struct CrlRecord {
        bytes32 crlHash;
        uint64 thisUpdate;
        uint64 nextUpdate;
    }

    /// @notice Thrown when a chain does not end in Intel's SGX Root CA (its key is `keyX`, `keyY`).
    error DcapCertificateRegistryUntrustedRoot(bytes32 keyX, bytes32 keyY);
    /// @notice Thrown when a certificate's or CRL's signature does not verify under its issuer's key.
    error DcapCertificateRegistrySignatureInvalid(bytes32 signedHash);
    /// @notice Thrown when a certificate's issuer name is not its issuer's subject name.
    error DcapCertificateRegistryIssuerMismatch(bytes32 issuerHash, bytes32 expectedSubjectHash);
    /// @notice Thrown when a certificate is outside its validity period at `nowTime`.
    error DcapCertificateRegistryCertificateExpired(uint256 notBefore, uint256 notAfter, uint256 nowTime);
    /// @notice Thrown when a certificate's serial is listed by its issuer's CRL.
    error DcapCertificateRegistryRevoked(bytes32 issuerKeyHash, bytes32 serialHash);
    /// @notice Thrown when no CRL of the issuer `issuerKeyHash` was submitted.
    error DcapCertificateRegistryCrlMissing(bytes32 issuerKeyHash);
    /// @notice Thrown when a CRL is expired (its nextUpdate passed) or not yet issued at `nowTime`.
    error DcapCertificateRegistryCrlExpired(
        bytes32 issuerKeyHash,
        uint256 thisUpdate,
        uint256 nextUpdate,
        uint256 nowTime
    );
    /// @notice Thrown when a submitted CRL is not newer than the stored one of the same issuer.
    error DcapCertificateRegistryCrlNotNewer(uint256 thisUpdate, uint256 storedThisUpdate);
    /// @notice Thrown when a PEM chain holds `count` certificates where `expected` are required.
    error DcapCertificateRegistryChainLength(uint256 count, uint256 expected);
    /// @notice Thrown when a CA certificate is used as the PCK (end-entity) certificate, or the reverse.
    error DcapCertificateRegistryCaFlag(bool isCa);

    /// @notice Emitted when a certificate is verified and cached.
    event CertificateCached(bytes32 indexed pemHash, bytes32 indexed issuerKeyHash, bytes32 subjectHash);
    /// @notice Emitted when a CRL is stored.
    event CrlStored(
        bytes32 indexed issuerKeyHash,
        bytes32 crlHash,
        uint64 thisUpdate,
        uint64 nextUpdate,
        uint256 revoked
    );

    /// @notice keccak256 of Intel's SGX Root CA public key (x, y): the issuer key hash of its CRL.
    function rootKeyHash() external view returns (bytes32);

    /// @notice Stores the root CA's CRL after checking its signature by the root key.
    /// @param der The CRL, DER.
    function submitRootCrl(bytes calldata der) external;

    /// @notice Stores a PCK CA's CRL after checking its signature by the CA, and the CA up to the root.
    /// @param der The CRL, DER.
    /// @param issuerChainPem The CA certificate then the root, PEM (Intel's `SGX-PCK-CRL-Issuer-Chain`).
    function submitPckCrl(bytes calldata der, bytes calldata issuerChainPem) external;

    /// @notice Verifies the first certificate of `chainPem` as issued by the root, valid now and not revoked by
    ///         the root CRL (caching it); the chain's other certificates are ignored (the root key is a constant).
    /// @param chainPem An issuer chain, PEM (e.g. the TCB signing certificate then the root).
    /// @return cert The verified certificate.
    function verifyRootIssued(bytes calldata chainPem) external returns (VerifiedCertificate memory cert);

    /// @notice Verifies a quote's PCK chain (PCK certificate, PCK platform/processor CA, root, PEM): signatures,
    ///         names, validity at `block.timestamp`, both CRLs (present, fresh, not listing the certificate).
    ///         Verified certificates are cached by PEM body hash, so repeated chains skip parsing and ECDSA.
    /// @param chainPem The PEM chain of certification data type 5.
    /// @return platform The PCK key and platform identity.
    function verifyPckChain(bytes calldata chainPem) external returns (PckPlatform memory platform);

    /// @notice The stored CRL of the issuer `issuerKeyHash` (zeroes when none).
    /// @param issuerKeyHash keccak256(issuer keyX, keyY).
    function crlOf(bytes32 issuerKeyHash) external view returns (CrlRecord memory);

    /// @notice Whether the current CRL of `issuerKeyHash` lists the serial with hash `serialHash`.
    /// @param issuerKeyHash keccak256(issuer keyX, keyY).
    /// @param serialHash keccak256 of the serial's DER content bytes.
    function isRevoked(bytes32 issuerKeyHash, bytes32 serialHash) external view returns (bool);
}

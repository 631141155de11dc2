// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IDcapCertificateRegistry} from "./IDcapCertificateRegistry.sol";

/// @title IDcapCollateralRegistry
/// @notice Intel-signed DCAP collateral on-chain: TCB info (per TEE type and FMSPC) and QE identity (per TEE
///         type), each submitted by anyone as Intel's raw JSON, its signature and its issuer chain. A document
///         is stored once its signature verifies under the Intel TCB signing certificate, which must chain to
///         Intel's SGX Root CA (checked by the certificate registry, with the root CRL), and while it is
///         current (issueDate <= now <= nextUpdate); a newer issue replaces an older one.
interface IDcapCollateralRegistry {
    /// @notice One TCB level of a TCB info, in Intel's order (highest first).
    /// @param sgxSvns The 16 SGX TCB component SVNs (matched against the PCK certificate's CPUSVN).
    /// @param tdxSvns The 16 TDX TCB component SVNs (matched against the TD report's TEE_TCB_SVN; zero for SGX).
    /// @param pceSvn The PCE SVN.
    /// @param status TCB status code (as `IAttestationRegistry.TcbStatus`).
    struct TcbLevel {
        bytes16 sgxSvns;
        bytes16 tdxSvns;
        uint16 pceSvn;
        uint8 status;
    }

    /// @notice A stored TCB info.
    struct TcbInfo {
        uint64 issueDate;
        uint64 nextUpdate;
        uint32 version;
        uint32 evaluationDataNumber;
        bytes2 pceId;
        TcbLevel[] levels;
    }

    /// @notice One QE identity TCB level.
    struct QeLevel {
        uint16 isvSvn;
        uint8 status;
    }

    /// @notice A stored QE identity.
    struct QeIdentity {
        uint64 issueDate;
        uint64 nextUpdate;
        uint32 version;
        uint32 evaluationDataNumber;
        bytes4 miscselect;
        bytes4 miscselectMask;
        bytes16 attributes;
        bytes16 attributesMask;
        bytes32 mrsigner;
        uint16 isvProdId;
        QeLevel[] levels;
    }

    /// @notice Thrown when a document's signature does not verify under its signing certificate.
    error DcapCollateralRegistrySignatureInvalid(bytes32 digest);
    /// @notice Thrown when a document's signature is not 64 bytes (r || s).
    error DcapCollateralRegistrySignatureLength(uint256 length);
    /// @notice Thrown when a document is expired (nextUpdate passed) or not yet issued at `nowTime`.
    error DcapCollateralRegistryExpired(uint256 issueDate, uint256 nextUpdate, uint256 nowTime);
    /// @notice Thrown when a document is not newer than the stored one (by issue date).
    error DcapCollateralRegistryNotNewer(uint256 issueDate, uint256 storedIssueDate);
    /// @notice Thrown when a document's id or version is not one this registry understands.
    error DcapCollateralRegistryUnsupported(bytes32 idHash, uint256 version);
    /// @notice Thrown when a TCB status string is not one of Intel's.
    error DcapCollateralRegistryUnknownStatus(bytes32 statusHash);
    /// @notice Thrown when a document holds no TCB level, or more than the registry stores.
    error DcapCollateralRegistryLevelCount(uint256 count);

    /// @notice Emitted when a TCB info is stored.
    event TcbInfoStored(
        uint8 indexed teeType,
        bytes6 indexed fmspc,
        uint64 issueDate,
        uint64 nextUpdate,
        uint256 levels
    );
    /// @notice Emitted when a QE identity is stored.
    event QeIdentityStored(uint8 indexed teeType, uint64 issueDate, uint64 nextUpdate, uint256 levels);

    /// @notice The certificate registry that verifies the signing certificates.
    function certificates() external view returns (IDcapCertificateRegistry);

    /// @notice Stores an Intel TCB info ("SGX" version >= 2 or "TDX" version >= 3).
    /// @param tcbInfoJson The raw `tcbInfo` JSON object Intel signed.
    /// @param signature Intel's signature, r || s (64 bytes).
    /// @param issuerChainPem The signing certificate then the root (Intel's `TCB-Info-Issuer-Chain`).
    function submitTcbInfo(
        bytes calldata tcbInfoJson,
        bytes calldata signature,
        bytes calldata issuerChainPem
    ) external;

    /// @notice Stores an Intel QE identity ("QE" version 2 for SGX, "TD_QE" version 2 or 3 for TDX).
    /// @param qeIdentityJson The raw `enclaveIdentity` JSON object Intel signed.
    /// @param signature Intel's signature, r || s (64 bytes).
    /// @param issuerChainPem The signing certificate then the root (Intel's `SGX-Enclave-Identity-Issuer-Chain`).
    function submitQeIdentity(
        bytes calldata qeIdentityJson,
        bytes calldata signature,
        bytes calldata issuerChainPem
    ) external;

    /// @notice The stored TCB info of a TEE type (1 SGX, 2 TDX) and FMSPC (issueDate 0 when none).
    function tcbInfo(uint8 teeType, bytes6 fmspc) external view returns (TcbInfo memory);

    /// @notice The stored QE identity of a TEE type (1 SGX, 2 TDX) (issueDate 0 when none).
    function qeIdentity(uint8 teeType) external view returns (QeIdentity memory);
}

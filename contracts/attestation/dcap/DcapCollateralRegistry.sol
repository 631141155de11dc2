// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IDcapCertificateRegistry} from "../../interfaces/IDcapCertificateRegistry.sol";
import {IDcapCollateralRegistry} from "../../interfaces/IDcapCollateralRegistry.sol";
import {DateTime} from "../../libraries/dcap/DateTime.sol";
import {EcdsaP256} from "../../libraries/dcap/EcdsaP256.sol";
import {JsonScanner} from "../../libraries/dcap/JsonScanner.sol";

/// @title DcapCollateralRegistry
/// @notice Intel-signed TCB info and QE identity on-chain (see `IDcapCollateralRegistry`). Permissionless: a
///         document is stored only when Intel's signature verifies under a signing certificate that chains to
///         Intel's SGX Root CA. The JSON is read by a purpose-built scanner (`JsonScanner`); only what quote
///         verification matches on is stored (SVN components, PCE SVN, status per level; the QE policy).
contract DcapCollateralRegistry is IDcapCollateralRegistry {
    using JsonScanner for bytes;

    /// @dev More levels than Intel has ever published for one FMSPC; bounds the storage a document takes.
    uint256 private constant MAX_LEVELS = 32;
    uint8 private constant SGX = 1;
    uint8 private constant TDX = 2;

    IDcapCertificateRegistry private immutable _CERTIFICATES;

    mapping(bytes32 key => TcbInfo) private _tcbInfos;
    mapping(uint8 teeType => QeIdentity) private _qeIdentities;

    /// @param certificateRegistry The registry that verifies Intel certificate chains and holds the root CRL.
    constructor(IDcapCertificateRegistry certificateRegistry) {
        _CERTIFICATES = certificateRegistry;
    }

    /// @inheritdoc IDcapCollateralRegistry
    function certificates() external view returns (IDcapCertificateRegistry) {
        return _CERTIFICATES;
    }

    /// @inheritdoc IDcapCollateralRegistry
    function submitTcbInfo(
        bytes calldata tcbInfoJson,
        bytes calldata signature,
        bytes calldata issuerChainPem
    ) external {
        _checkSignature(tcbInfoJson, signature, issuerChainPem);
        bytes memory j = tcbInfoJson;
        (uint256 s, uint256 e) = j.get(0, "id");
        bytes32 idHash = j.stringHash(s, e);
        uint8 teeType =
            idHash == keccak256("SGX")
                ? SGX
                : idHash == keccak256("TDX")
                    ? TDX
                    : 0;
        (s, e) = j.get(0, "version");
        uint256 version = j.toUint(s, e);
        if (teeType == 0 || version != 3) revert DcapCollateralRegistryUnsupported(idHash, version);
        (s, e) = j.get(0, "fmspc");
        bytes6 fmspc = bytes6(j.hexString(s, e, 6));
        TcbInfo storage info = _tcbInfos[keccak256(abi.encode(teeType, fmspc))];
        (uint64 issueDate, uint64 nextUpdate) = _window(j, info.issueDate);
        info.issueDate = issueDate;
        info.nextUpdate = nextUpdate;
        info.version = uint32(version);
        (s, e) = j.get(0, "tcbEvaluationDataNumber");
        info.evaluationDataNumber = uint32(j.toUint(s, e));
        (s, e) = j.get(0, "pceId");
        info.pceId = bytes2(j.hexString(s, e, 2));
        delete info.levels;
        (s, e) = j.get(0, "tcbLevels");
        uint256 count;
        for (uint256 o = j.firstElement(s); o != 0; o = j.nextElement(j.skipValue(o))) {
            if (++count > MAX_LEVELS) revert DcapCollateralRegistryLevelCount(count);
            info.levels.push(_tcbLevel(j, o, teeType));
        }
        if (count == 0) revert DcapCollateralRegistryLevelCount(0);
        emit TcbInfoStored(teeType, fmspc, issueDate, nextUpdate, count);
    }

    /// @inheritdoc IDcapCollateralRegistry
    function submitQeIdentity(
        bytes calldata qeIdentityJson,
        bytes calldata signature,
        bytes calldata issuerChainPem
    ) external {
        _checkSignature(qeIdentityJson, signature, issuerChainPem);
        bytes memory j = qeIdentityJson;
        (uint256 s, uint256 e) = j.get(0, "id");
        bytes32 idHash = j.stringHash(s, e);
        (s, e) = j.get(0, "version");
        uint256 version = j.toUint(s, e);
        uint8 teeType;
        if (idHash == keccak256("QE") && version == 2) teeType = SGX;
        else if (idHash == keccak256("TD_QE") && (version == 2 || version == 3)) teeType = TDX;
        else revert DcapCollateralRegistryUnsupported(idHash, version);
        QeIdentity storage q = _qeIdentities[teeType];
        (uint64 issueDate, uint64 nextUpdate) = _window(j, q.issueDate);
        q.issueDate = issueDate;
        q.nextUpdate = nextUpdate;
        q.version = uint32(version);
        (s, e) = j.get(0, "tcbEvaluationDataNumber");
        q.evaluationDataNumber = uint32(j.toUint(s, e));
        (s, e) = j.get(0, "miscselect");
        q.miscselect = bytes4(j.hexString(s, e, 4));
        (s, e) = j.get(0, "miscselectMask");
        q.miscselectMask = bytes4(j.hexString(s, e, 4));
        (s, e) = j.get(0, "attributes");
        q.attributes = bytes16(j.hexString(s, e, 16));
        (s, e) = j.get(0, "attributesMask");
        q.attributesMask = bytes16(j.hexString(s, e, 16));
        (s, e) = j.get(0, "mrsigner");
        q.mrsigner = j.hexString(s, e, 32);
        (s, e) = j.get(0, "isvprodid");
        q.isvProdId = uint16(j.toUint(s, e));
        delete q.levels;
        (s, e) = j.get(0, "tcbLevels");
        uint256 count;
        for (uint256 o = j.firstElement(s); o != 0; o = j.nextElement(j.skipValue(o))) {
            if (++count > MAX_LEVELS) revert DcapCollateralRegistryLevelCount(count);
            q.levels.push(_qeLevel(j, o));
        }
        if (count == 0) revert DcapCollateralRegistryLevelCount(0);
        emit QeIdentityStored(teeType, issueDate, nextUpdate, count);
    }

    /// @inheritdoc IDcapCollateralRegistry
    function tcbInfo(uint8 teeType, bytes6 fmspc) external view returns (TcbInfo memory) {
        return _tcbInfos[keccak256(abi.encode(teeType, fmspc))];
    }

    /// @inheritdoc IDcapCollateralRegistry
    function qeIdentity(uint8 teeType) external view returns (QeIdentity memory) {
        return _qeIdentities[teeType];
    }

    /// @dev Verifies Intel's signature (r || s over sha256 of the raw JSON) under the chain's signing certificate.
    function _checkSignature(bytes calldata json, bytes calldata signature, bytes calldata issuerChainPem) private {
        if (signature.length != 64) revert DcapCollateralRegistrySignatureLength(signature.length);
        IDcapCertificateRegistry.VerifiedCertificate memory signer = _CERTIFICATES.verifyRootIssued(issuerChainPem);
        bytes32 digest = sha256(json);
        if (!EcdsaP256.verify(digest, bytes32(signature[0:32]), bytes32(signature[32:64]), signer.keyX, signer.keyY)) {
            revert DcapCollateralRegistrySignatureInvalid(digest);
        }
    }

    /// @dev Reads issueDate and nextUpdate; requires the document current now and newer than the stored one.
    function _window(
        bytes memory j,
        uint64 storedIssueDate
    ) private view returns (uint64 issueDate, uint64 nextUpdate) {
        (uint256 s, uint256 e) = j.get(0, "issueDate");
        issueDate = uint64(DateTime.fromIso(j, s + 1, e - s - 2));
        (s, e) = j.get(0, "nextUpdate");
        nextUpdate = uint64(DateTime.fromIso(j, s + 1, e - s - 2));
        if (block.timestamp < issueDate || block.timestamp > nextUpdate) {
            revert DcapCollateralRegistryExpired(issueDate, nextUpdate, block.timestamp);
        }
        if (issueDate <= storedIssueDate) revert DcapCollateralRegistryNotNewer(issueDate, storedIssueDate);
    }

    /// @dev One element of `tcbLevels`: components, PCE SVN and status.
    function _tcbLevel(bytes memory j, uint256 o, uint8 teeType) private pure returns (TcbLevel memory level) {
        (uint256 ts, ) = j.get(o, "tcb");
        (uint256 s, ) = j.get(ts, "sgxtcbcomponents");
        level.sgxSvns = _svns(j, s);
        uint256 e;
        (s, e) = j.get(ts, "pcesvn");
        level.pceSvn = uint16(j.toUint(s, e));
        if (teeType == TDX) {
            (s, ) = j.get(ts, "tdxtcbcomponents");
            level.tdxSvns = _svns(j, s);
        }
        (s, e) = j.get(o, "tcbStatus");
        level.status = _status(j, s, e);
    }

    /// @dev One element of a QE identity's `tcbLevels`: ISVSVN and status.
    function _qeLevel(bytes memory j, uint256 o) private pure returns (QeLevel memory level) {
        (uint256 s, ) = j.get(o, "tcb");
        uint256 e;
        (s, e) = j.get(s, "isvsvn");
        level.isvSvn = uint16(j.toUint(s, e));
        (s, e) = j.get(o, "tcbStatus");
        level.status = _status(j, s, e);
    }

    /// @dev The 16 `svn` values of a components array as bytes (component 1 first).
    function _svns(bytes memory j, uint256 arr) private pure returns (bytes16 svns) {
        uint256 v;
        uint256 i;
        for (uint256 o = j.firstElement(arr); o != 0; o = j.nextElement(j.skipValue(o))) {
            (uint256 s, uint256 e) = j.get(o, "svn");
            uint256 svn = j.toUint(s, e);
            if (svn > 255 || i == 16) revert JsonScanner.JsonScannerMalformed(s);
            v = (v << 8) | svn;
            ++i;
        }
        if (i != 16) revert JsonScanner.JsonScannerMalformed(arr);
        svns = bytes16(uint128(v));
    }

    /// @dev Intel's TCB status string to its code (as `IAttestationRegistry.TcbStatus`).
    function _status(bytes memory j, uint256 s, uint256 e) private pure returns (uint8) {
        bytes32 h = j.stringHash(s, e);
        if (h == keccak256("UpToDate")) return 0;
        if (h == keccak256("SWHardeningNeeded")) return 1;
        if (h == keccak256("ConfigurationNeeded")) return 2;
        if (h == keccak256("ConfigurationAndSWHardeningNeeded")) return 3;
        if (h == keccak256("OutOfDate")) return 4;
        if (h == keccak256("OutOfDateConfigurationNeeded")) return 5;
        if (h == keccak256("Revoked")) return 6;
        revert DcapCollateralRegistryUnknownStatus(h);
    }
}

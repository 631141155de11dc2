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
        for (uint256 o = j.firstElement(s); o != 0;) {
            if (++count > MAX_LEVELS) revert DcapCollateralRegistryLevelCount(count);
            (TcbLevel memory level, uint256 end) = _tcbLevel(j, o, teeType);
            info.levels.push(level);
            o = j.nextElement(end);
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

    /// @dev One element of `tcbLevels` (components, PCE SVN, status), read in one pass; returns its end offset.
    function _tcbLevel(
        bytes memory j,
        uint256 o,
        uint8 teeType
    ) private pure returns (TcbLevel memory level, uint256 end) {
        bool hasStatus;
        bool hasTcb;
        for (uint256 i = j.firstMember(o); i != 0;) {
            (bytes32 key, uint256 v) = j.member(i);
            uint256 e;
            if (key == keccak256("tcb")) {
                e = _tcb(j, v, teeType, level);
                hasTcb = true;
            } else if (key == keccak256("tcbStatus")) {
                e = j.skipValue(v);
                level.status = _status(j, v, e);
                hasStatus = true;
            } else {
                e = j.skipValue(v);
            }
            (i, end) = j.nextMember(e);
        }
        if (!hasTcb) revert JsonScanner.JsonScannerKeyMissing("tcb");
        if (!hasStatus) revert JsonScanner.JsonScannerKeyMissing("tcbStatus");
    }

    /// @dev The `tcb` object of a level: SGX components, PCE SVN and (TDX) TDX components; returns its end offset.
    function _tcb(bytes memory j, uint256 o, uint8 teeType, TcbLevel memory level) private pure returns (uint256 end) {
        uint256 seen;
        for (uint256 i = j.firstMember(o); i != 0;) {
            (bytes32 key, uint256 v) = j.member(i);
            uint256 e;
            if (key == keccak256("sgxtcbcomponents")) {
                (level.sgxSvns, e) = _svns(j, v);
                seen |= 1;
            } else if (key == keccak256("pcesvn")) {
                e = j.skipValue(v);
                level.pceSvn = uint16(j.toUint(v, e));
                seen |= 2;
            } else if (key == keccak256("tdxtcbcomponents")) {
                (level.tdxSvns, e) = _svns(j, v);
                seen |= 4;
            } else {
                e = j.skipValue(v);
            }
            (i, end) = j.nextMember(e);
        }
        uint256 required = teeType == TDX ? 7 : 3;
        if (seen & required != required) revert JsonScanner.JsonScannerMalformed(o);
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

    /// @dev The 16 `svn` values of a components array as bytes (component 1 first), and the array's end offset.
    function _svns(bytes memory j, uint256 arr) private pure returns (bytes16 svns, uint256 end) {
        uint256 v;
        uint256 count;
        for (uint256 o = j.firstElement(arr); o != 0;) {
            (uint256 svn, uint256 objEnd) = _svn(j, o);
            if (count == 16) revert JsonScanner.JsonScannerMalformed(o);
            v = (v << 8) | svn;
            ++count;
            (o, end) = j.nextElementOrEnd(objEnd);
        }
        if (count != 16) revert JsonScanner.JsonScannerMalformed(arr);
        svns = bytes16(uint128(v));
    }

    /// @dev The `svn` of one component object (at most 255), and the object's end offset.
    function _svn(bytes memory j, uint256 o) private pure returns (uint256 svn, uint256 end) {
        bool found;
        for (uint256 i = j.firstMember(o); i != 0;) {
            (bytes32 key, uint256 value) = j.member(i);
            uint256 e = j.skipValue(value);
            if (key == keccak256("svn")) {
                svn = j.toUint(value, e);
                if (svn > 255) revert JsonScanner.JsonScannerMalformed(value);
                found = true;
            }
            (i, end) = j.nextMember(e);
        }
        if (!found) revert JsonScanner.JsonScannerKeyMissing("svn");
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

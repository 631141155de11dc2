// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IDcapCertificateRegistry} from "../../interfaces/IDcapCertificateRegistry.sol";
import {IDcapCollateralRegistry} from "../../interfaces/IDcapCollateralRegistry.sol";
import {IDcapQuoteVerifier} from "../../interfaces/IDcapQuoteVerifier.sol";
import {IQuoteVerifier} from "../../interfaces/IQuoteVerifier.sol";
import {DcapQuote} from "../../libraries/dcap/DcapQuote.sol";
import {EcdsaP256} from "../../libraries/dcap/EcdsaP256.sol";

/// @title DcapQuoteVerifier
/// @notice Verifies Intel DCAP quotes (SGX v3, TDX v4) on-chain against Intel's PKI and the Intel-signed
///         collateral stored in the registries (see `IDcapQuoteVerifier`). Written for this project after
///         Intel's "SGX ECDSA Quote Library" quote format and its verification steps.
contract DcapQuoteVerifier is IDcapQuoteVerifier {
    uint8 private constant SGX = 1;
    uint8 private constant TDX = 2;
    uint8 private constant STATUS_REVOKED = 6;

    IDcapCertificateRegistry private immutable _CERTIFICATES;
    IDcapCollateralRegistry private immutable _COLLATERAL;

    /// @param certificateRegistry PCK chains and CRLs.
    /// @param collateralRegistry TCB info and QE identity.
    constructor(IDcapCertificateRegistry certificateRegistry, IDcapCollateralRegistry collateralRegistry) {
        _CERTIFICATES = certificateRegistry;
        _COLLATERAL = collateralRegistry;
    }

    /// @inheritdoc IDcapQuoteVerifier
    function certificates() external view returns (IDcapCertificateRegistry) {
        return _CERTIFICATES;
    }

    /// @inheritdoc IDcapQuoteVerifier
    function collateral() external view returns (IDcapCollateralRegistry) {
        return _COLLATERAL;
    }

    /// @inheritdoc IQuoteVerifier
    function verifyQuote(bytes calldata quote) external returns (VerifiedFields memory fields) {
        DcapQuote.Parsed memory p = DcapQuote.parse(quote);
        IDcapCertificateRegistry.PckPlatform memory pck = _verifySignatures(quote, p);
        uint8 qeStatus = _qeStatus(quote[p.qeReport:p.qeReport + 384], p.teeType);
        uint8 platformStatus = _platformStatus(quote, p, pck);
        // The worse of the two (Intel's statuses are ordered by severity; dcap-qvl merges the same way).
        uint8 status = qeStatus > platformStatus ? qeStatus : platformStatus;
        if (status == STATUS_REVOKED) revert DcapQuoteVerifierTcbRevoked();
        _checkAttributes(quote, p);

        uint256 body = p.body;
        fields.teeType = p.teeType;
        fields.tcbStatus = status;
        if (p.teeType == SGX) {
            fields.measurementHash = keccak256(quote[body + 64:body + 96]); // MRENCLAVE
            fields.reportData = quote[body + 320:body + 384];
        } else {
            fields.measurementHash = keccak256(quote[body + 136:body + 184]); // MRTD
            fields.reportData = quote[body + 520:body + 584];
        }
    }

    /// @dev PCK chain (certificate registry), QE report signature by the PCK key, QE report data binding the
    ///      attestation key and QE authentication data, attestation key signature over header and body.
    function _verifySignatures(
        bytes calldata quote,
        DcapQuote.Parsed memory p
    ) private returns (IDcapCertificateRegistry.PckPlatform memory pck) {
        pck = _CERTIFICATES.verifyPckChain(quote[p.certData:p.certData + p.certDataLength]);
        bytes calldata qe = quote[p.qeReport:p.qeReport + 384];
        if (!EcdsaP256.verify(sha256(qe), p.qeSigR, p.qeSigS, pck.keyX, pck.keyY)) {
            revert DcapQuoteVerifierQeReportSignatureInvalid();
        }
        bytes32 expected = sha256(
            abi.encodePacked(p.attestKeyX, p.attestKeyY, quote[p.qeAuth:p.qeAuth + p.qeAuthLength])
        );
        bytes32 head = bytes32(qe[320:352]);
        bytes32 tail = bytes32(qe[352:384]);
        if (head != expected || tail != bytes32(0)) revert DcapQuoteVerifierQeReportDataMismatch(expected, head, tail);
        bytes32 signed = sha256(quote[0:p.body + p.bodyLength]);
        if (!EcdsaP256.verify(signed, p.sigR, p.sigS, p.attestKeyX, p.attestKeyY)) {
            revert DcapQuoteVerifierQuoteSignatureInvalid();
        }
    }

    /// @dev Checks the QE report against the QE identity and returns the QE's TCB status.
    function _qeStatus(bytes calldata qe, uint8 teeType) private view returns (uint8) {
        IDcapCollateralRegistry.QeIdentity memory id = _COLLATERAL.qeIdentity(teeType);
        _checkWindow(Collateral.QeIdentity, id.issueDate, id.nextUpdate);
        if (bytes32(qe[128:160]) != id.mrsigner) revert DcapQuoteVerifierQeIdentityMismatch(0);
        if (DcapQuote.le(qe, 256, 2) != id.isvProdId) revert DcapQuoteVerifierQeIdentityMismatch(1);
        if (bytes4(qe[16:20]) & id.miscselectMask != id.miscselect & id.miscselectMask) {
            revert DcapQuoteVerifierQeIdentityMismatch(2);
        }
        if (bytes16(qe[48:64]) & id.attributesMask != id.attributes & id.attributesMask) {
            revert DcapQuoteVerifierQeIdentityMismatch(3);
        }
        if (uint8(qe[48]) & 0x02 != 0) revert DcapQuoteVerifierQeIdentityMismatch(4);
        uint16 isvSvn = uint16(DcapQuote.le(qe, 258, 2));
        for (uint256 i; i < id.levels.length; ++i) {
            if (isvSvn >= id.levels[i].isvSvn) return id.levels[i].status;
        }
        revert DcapQuoteVerifierQeTcbLevelNotFound(isvSvn);
    }

    /// @dev The status of the first TCB level (Intel orders them highest first) the platform's SVNs reach.
    function _platformStatus(
        bytes calldata quote,
        DcapQuote.Parsed memory p,
        IDcapCertificateRegistry.PckPlatform memory pck
    ) private view returns (uint8) {
        uint8 teeType = p.teeType;
        uint256 body = p.body;
        IDcapCollateralRegistry.TcbInfo memory info = _COLLATERAL.tcbInfo(teeType, pck.fmspc);
        _checkWindow(Collateral.TcbInfo, info.issueDate, info.nextUpdate);
        bytes16 teeTcbSvn = teeType == TDX ? bytes16(quote[body:body + 16]) : bytes16(0);
        for (uint256 i; i < info.levels.length; ++i) {
            IDcapCollateralRegistry.TcbLevel memory level = info.levels[i];
            if (pck.pceSvn < level.pceSvn || !_atLeast(pck.cpuSvn, level.sgxSvns)) continue;
            if (teeType == TDX && !_atLeast(teeTcbSvn, level.tdxSvns)) continue;
            return level.status;
        }
        revert DcapQuoteVerifierTcbLevelNotFound(pck.fmspc, pck.pceSvn, pck.cpuSvn);
    }

    /// @dev Reverts when collateral is absent, not yet issued or expired at `block.timestamp`.
    function _checkWindow(Collateral kind, uint64 issueDate, uint64 nextUpdate) private view {
        if (issueDate == 0) revert DcapQuoteVerifierCollateralMissing(kind);
        if (block.timestamp < issueDate || block.timestamp > nextUpdate) {
            revert DcapQuoteVerifierCollateralExpired(kind, issueDate, nextUpdate, block.timestamp);
        }
    }

    /// @dev Refuses debug enclaves (SGX ATTRIBUTES.DEBUG) and TDs with debug (TUD) or reserved attributes
    ///      set or SEPT_VE_DISABLE clear (TDX module ABI, TD_ATTRIBUTES); a TD 1.5 report must have no
    ///      service TD (MRSERVICETD zero).
    function _checkAttributes(bytes calldata quote, DcapQuote.Parsed memory p) private pure {
        uint256 body = p.body;
        if (p.teeType == SGX) {
            bytes16 attributes = bytes16(quote[body + 48:body + 64]);
            if (uint8(attributes[0]) & 0x02 != 0) revert DcapQuoteVerifierAttributesRefused(attributes);
            return;
        }
        bytes8 a = bytes8(quote[body + 120:body + 128]);
        bool refused =
            uint8(a[0]) != 0 || // TUD: debug
                uint8(a[1]) != 0 ||
                uint8(a[2]) != 0 ||
                uint8(a[3]) & 0x2f != 0 || // reserved SEC bits 0-3 and bit 29
                uint8(a[3]) & 0x10 == 0 || // SEPT_VE_DISABLE must be set
                uint8(a[4]) != 0 ||
                uint8(a[5]) != 0 ||
                uint8(a[6]) != 0 ||
                uint8(a[7]) & 0x7f != 0; // reserved OTHER bits (PERFMON, bit 63, allowed)
        if (p.bodyLength == DcapQuote.TD15_REPORT_LENGTH) {
            bytes calldata serviceTd = quote[body + 600:body + 648];
            if (bytes32(serviceTd[0:32]) != 0 || bytes16(serviceTd[32:48]) != 0) refused = true;
        }
        if (refused) revert DcapQuoteVerifierAttributesRefused(bytes16(a));
    }

    /// @dev Whether every byte of `actual` is at least the byte of `required` at the same index.
    function _atLeast(bytes16 actual, bytes16 required) private pure returns (bool) {
        for (uint256 i; i < 16; ++i) {
            if (uint8(actual[i]) < uint8(required[i])) return false;
        }
        return true;
    }
}

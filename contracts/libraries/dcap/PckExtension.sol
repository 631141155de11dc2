// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Asn1Der} from "./Asn1Der.sol";
import {X509} from "./X509.sol";

/// @title PckExtension
/// @notice Reads Intel's SGX extension (OID 1.2.840.113741.1.13.1) of a PCK certificate: the platform's
///         FMSPC, PCE ID, PCESVN and CPUSVN, which select and match its TCB level in Intel's TCB info.
library PckExtension {
    using Asn1Der for bytes;
    using Asn1Der for Asn1Der.Node;

    /// @notice Thrown when the PCK certificate has no SGX extension or it lacks a required field.
    error PckExtensionMissingField(uint256 field);

    /// @dev keccak256 of the SGX extension OID content (1.2.840.113741.1.13.1).
    bytes32 private constant SGX_EXTENSION_OID = keccak256(hex"2a864886f84d010d01");
    /// @dev First 9 bytes of every OID inside the extension, left-aligned.
    bytes9 private constant PREFIX = hex"2a864886f84d010d01";

    /// @dev Field numbers (last arc): TCB = 2, PCE-ID = 3, FMSPC = 4; inside TCB: PCESVN = 17, CPUSVN = 18.
    uint256 internal constant FIELD_TCB = 2;
    uint256 internal constant FIELD_PCEID = 3;
    uint256 internal constant FIELD_FMSPC = 4;
    uint256 internal constant FIELD_PCESVN = 17;
    uint256 internal constant FIELD_CPUSVN = 18;

    /// @notice The platform fields of a PCK certificate.
    struct Platform {
        bytes6 fmspc;
        bytes2 pceId;
        uint16 pceSvn;
        bytes16 cpuSvn;
    }

    /// @notice Extracts FMSPC, PCE ID, PCESVN and CPUSVN from `cert`'s SGX extension.
    function parse(bytes memory der, X509.Certificate memory cert) internal pure returns (Platform memory p) {
        (bool found, Asn1Der.Node memory value) = X509.findExtension(der, cert, SGX_EXTENSION_OID);
        if (!found) revert PckExtensionMissingField(0);
        Asn1Der.Node memory seq = der.nodeAt(value.content, value.end).expectTag(Asn1Der.SEQUENCE);
        uint256 seen;
        uint256 offset = seq.content;
        while (offset < seq.end) {
            Asn1Der.Node memory entry = der.nodeAt(offset, seq.end).expectTag(Asn1Der.SEQUENCE);
            Asn1Der.Node memory oid = der.firstChild(entry).expectTag(Asn1Der.OID);
            Asn1Der.Node memory v = der.next(oid, entry);
            uint256 field = _field(der, oid, 10);
            if (field == FIELD_FMSPC) {
                if (v.expectTag(Asn1Der.OCTET_STRING).length() != 6) revert PckExtensionMissingField(FIELD_FMSPC);
                p.fmspc = bytes6(der.readBytes32(v.content, 6));
                seen |= 1 << FIELD_FMSPC;
            } else if (field == FIELD_PCEID) {
                if (v.expectTag(Asn1Der.OCTET_STRING).length() != 2) revert PckExtensionMissingField(FIELD_PCEID);
                p.pceId = bytes2(der.readBytes32(v.content, 2));
                seen |= 1 << FIELD_PCEID;
            } else if (field == FIELD_TCB) {
                seen |= _tcb(der, v.expectTag(Asn1Der.SEQUENCE), p);
            }
            offset = entry.end;
        }
        uint256 required = (1 << FIELD_FMSPC) | (1 << FIELD_PCEID) | (1 << FIELD_PCESVN) | (1 << FIELD_CPUSVN);
        if (seen & required != required) revert PckExtensionMissingField(required & ~seen);
    }

    /// @dev Reads PCESVN and CPUSVN from the TCB sequence; returns the seen-field bits.
    function _tcb(bytes memory der, Asn1Der.Node memory tcb, Platform memory p) private pure returns (uint256 seen) {
        uint256 offset = tcb.content;
        while (offset < tcb.end) {
            Asn1Der.Node memory entry = der.nodeAt(offset, tcb.end).expectTag(Asn1Der.SEQUENCE);
            Asn1Der.Node memory oid = der.firstChild(entry).expectTag(Asn1Der.OID);
            Asn1Der.Node memory v = der.next(oid, entry);
            if (oid.length() == 11 && der.byteAt(oid.content + 9) == FIELD_TCB) {
                uint256 sub = der.byteAt(oid.content + 10);
                if (sub == FIELD_PCESVN) {
                    uint256 svn = der.readUint(v.expectTag(Asn1Der.INTEGER));
                    if (svn > type(uint16).max) revert PckExtensionMissingField(FIELD_PCESVN);
                    p.pceSvn = uint16(svn);
                    seen |= 1 << FIELD_PCESVN;
                } else if (sub == FIELD_CPUSVN) {
                    if (v.expectTag(Asn1Der.OCTET_STRING).length() != 16) revert PckExtensionMissingField(FIELD_CPUSVN);
                    p.cpuSvn = bytes16(der.readBytes32(v.content, 16));
                    seen |= 1 << FIELD_CPUSVN;
                }
            }
            offset = entry.end;
        }
    }

    /// @dev The last arc of an extension OID of `len` content bytes under the SGX prefix (0 when another OID).
    function _field(bytes memory der, Asn1Der.Node memory oid, uint256 len) private pure returns (uint256) {
        if (oid.length() != len) return 0;
        if (bytes9(der.readBytes32(oid.content, 9)) != PREFIX) return 0;
        return der.byteAt(oid.content + 9);
    }
}

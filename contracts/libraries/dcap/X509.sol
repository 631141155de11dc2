// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Asn1Der} from "./Asn1Der.sol";
import {DateTime} from "./DateTime.sol";

/// @title X509
/// @notice Parser of the X.509 certificates and CRLs (RFC 5280) Intel's SGX PKI issues: ECDSA P-256 keys,
///         ecdsa-with-SHA256 signatures. It extracts what signature and validity checks need; it does not
///         verify anything itself.
library X509 {
    using Asn1Der for bytes;
    using Asn1Der for Asn1Der.Node;

    /// @notice Thrown when a certificate or CRL is not signed with ecdsa-with-SHA256.
    error X509UnsupportedSignatureAlgorithm(bytes32 oidHash);
    /// @notice Thrown when a subject public key is not an uncompressed P-256 point.
    error X509UnsupportedPublicKey();
    /// @notice Thrown when a signature value is not a DER ECDSA-Sig-Value of two integers of at most 32 bytes.
    error X509MalformedSignature();

    /// @dev keccak256 of the DER OID 1.2.840.10045.4.3.2 (ecdsa-with-SHA256), content bytes.
    bytes32 private constant ECDSA_SHA256_OID = keccak256(hex"2a8648ce3d040302");
    /// @dev keccak256 of the DER OID 2.5.29.19 (basicConstraints), content bytes.
    bytes32 private constant BASIC_CONSTRAINTS_OID = keccak256(hex"551d13");

    /// @notice The fields of a certificate that chain verification uses.
    struct Certificate {
        uint256 tbsStart;
        uint256 tbsLength;
        bytes32 serialHash;
        bytes32 issuerHash;
        bytes32 subjectHash;
        uint256 notBefore;
        uint256 notAfter;
        bytes32 keyX;
        bytes32 keyY;
        bytes32 sigR;
        bytes32 sigS;
        uint256 extensionsStart;
        uint256 extensionsEnd;
    }

    /// @notice The fields of a certificate revocation list.
    struct Crl {
        uint256 tbsStart;
        uint256 tbsLength;
        bytes32 issuerHash;
        uint256 thisUpdate;
        uint256 nextUpdate;
        uint256 revokedStart;
        uint256 revokedEnd;
        bytes32 sigR;
        bytes32 sigS;
    }

    /// @notice Parses a DER certificate.
    function parseCertificate(bytes memory der) internal pure returns (Certificate memory c) {
        Asn1Der.Node memory cert = der.root().expectTag(Asn1Der.SEQUENCE);
        Asn1Der.Node memory tbs = der.firstChild(cert).expectTag(Asn1Der.SEQUENCE);
        c.tbsStart = tbs.start;
        c.tbsLength = tbs.end - tbs.start;
        (c.sigR, c.sigS) = _signature(der, der.next(tbs, cert), cert);

        Asn1Der.Node memory n = der.firstChild(tbs);
        if (n.tag == 0xa0) n = der.next(n, tbs); // [0] EXPLICIT version
        c.serialHash = der.hashContent(n.expectTag(Asn1Der.INTEGER));
        n = der.next(n, tbs); // signature algorithm (repeated outside, checked there)
        n = der.next(n, tbs).expectTag(Asn1Der.SEQUENCE);
        c.issuerHash = der.hashNode(n);
        n = der.next(n, tbs).expectTag(Asn1Der.SEQUENCE);
        Asn1Der.Node memory t = der.firstChild(n);
        c.notBefore = _time(der, t);
        c.notAfter = _time(der, der.next(t, n));
        n = der.next(n, tbs).expectTag(Asn1Der.SEQUENCE);
        c.subjectHash = der.hashNode(n);
        n = der.next(n, tbs).expectTag(Asn1Der.SEQUENCE);
        (c.keyX, c.keyY) = _publicKey(der, n);
        while (!n.isLast(tbs)) {
            n = der.next(n, tbs);
            if (n.tag == 0xa3) {
                Asn1Der.Node memory exts = der.firstChild(n).expectTag(Asn1Der.SEQUENCE);
                c.extensionsStart = exts.content;
                c.extensionsEnd = exts.end;
            }
        }
    }

    /// @notice Parses a DER certificate revocation list.
    function parseCrl(bytes memory der) internal pure returns (Crl memory c) {
        Asn1Der.Node memory list = der.root().expectTag(Asn1Der.SEQUENCE);
        Asn1Der.Node memory tbs = der.firstChild(list).expectTag(Asn1Der.SEQUENCE);
        c.tbsStart = tbs.start;
        c.tbsLength = tbs.end - tbs.start;
        (c.sigR, c.sigS) = _signature(der, der.next(tbs, list), list);

        Asn1Der.Node memory n = der.firstChild(tbs);
        if (n.tag == Asn1Der.INTEGER) n = der.next(n, tbs); // version
        n = der.next(n, tbs).expectTag(Asn1Der.SEQUENCE); // issuer
        c.issuerHash = der.hashNode(n);
        n = der.next(n, tbs);
        c.thisUpdate = _time(der, n);
        if (n.isLast(tbs)) return c;
        n = der.next(n, tbs);
        if (n.tag == Asn1Der.UTC_TIME || n.tag == Asn1Der.GENERALIZED_TIME) {
            c.nextUpdate = _time(der, n);
            if (n.isLast(tbs)) return c;
            n = der.next(n, tbs);
        }
        if (n.tag == Asn1Der.SEQUENCE) {
            c.revokedStart = n.content;
            c.revokedEnd = n.end;
        }
    }

    /// @notice The value (OCTET STRING content node) of the extension whose OID content hashes to `oidHash`,
    ///         and whether it was found.
    function findExtension(
        bytes memory der,
        Certificate memory c,
        bytes32 oidHash
    ) internal pure returns (bool found, Asn1Der.Node memory value) {
        if (c.extensionsEnd == 0) return (false, value);
        Asn1Der.Node memory exts = Asn1Der.Node(Asn1Der.SEQUENCE, 0, c.extensionsStart, c.extensionsEnd);
        uint256 offset = c.extensionsStart;
        while (offset < c.extensionsEnd) {
            Asn1Der.Node memory ext = der.nodeAt(offset, exts.end).expectTag(Asn1Der.SEQUENCE);
            Asn1Der.Node memory oid = der.firstChild(ext).expectTag(Asn1Der.OID);
            if (der.hashContent(oid) == oidHash) {
                Asn1Der.Node memory v = der.next(oid, ext);
                if (v.tag == 0x01) v = der.next(v, ext); // critical flag
                return (true, v.expectTag(Asn1Der.OCTET_STRING));
            }
            offset = ext.end;
        }
    }

    /// @notice Whether the certificate's basicConstraints extension marks it as a CA.
    function isCa(bytes memory der, Certificate memory c) internal pure returns (bool) {
        (bool found, Asn1Der.Node memory v) = findExtension(der, c, BASIC_CONSTRAINTS_OID);
        if (!found) return false;
        Asn1Der.Node memory seq = der.nodeAt(v.content, v.end).expectTag(Asn1Der.SEQUENCE);
        if (seq.end == seq.content) return false;
        Asn1Der.Node memory flag = der.firstChild(seq);
        return flag.tag == 0x01 && flag.end > flag.content && der.byteAt(flag.content) != 0;
    }

    /// @dev Reads signatureAlgorithm (must be ecdsa-with-SHA256) and signatureValue following it.
    function _signature(
        bytes memory der,
        Asn1Der.Node memory alg,
        Asn1Der.Node memory parent
    ) private pure returns (bytes32 r, bytes32 s) {
        alg.expectTag(Asn1Der.SEQUENCE);
        bytes32 oidHash = der.hashContent(der.firstChild(alg).expectTag(Asn1Der.OID));
        if (oidHash != ECDSA_SHA256_OID) revert X509UnsupportedSignatureAlgorithm(oidHash);
        Asn1Der.Node memory bits = der.next(alg, parent).expectTag(Asn1Der.BIT_STRING);
        if (bits.end == bits.content || der.byteAt(bits.content) != 0) revert X509MalformedSignature();
        Asn1Der.Node memory seq = der.nodeAt(bits.content + 1, bits.end).expectTag(Asn1Der.SEQUENCE);
        Asn1Der.Node memory ri = der.firstChild(seq).expectTag(Asn1Der.INTEGER);
        Asn1Der.Node memory si = der.next(ri, seq).expectTag(Asn1Der.INTEGER);
        if (ri.length() > 33 || si.length() > 33) revert X509MalformedSignature();
        r = bytes32(der.readUint(ri));
        s = bytes32(der.readUint(si));
    }

    /// @dev Reads a SubjectPublicKeyInfo holding an uncompressed point (0x04 || x || y).
    function _publicKey(bytes memory der, Asn1Der.Node memory spki) private pure returns (bytes32 x, bytes32 y) {
        Asn1Der.Node memory alg = der.firstChild(spki).expectTag(Asn1Der.SEQUENCE);
        Asn1Der.Node memory bits = der.next(alg, spki).expectTag(Asn1Der.BIT_STRING);
        if (bits.length() != 66 || der.byteAt(bits.content) != 0 || der.byteAt(bits.content + 1) != 0x04) {
            revert X509UnsupportedPublicKey();
        }
        x = der.readBytes32(bits.content + 2, 32);
        y = der.readBytes32(bits.content + 34, 32);
    }

    /// @dev Unix time of a UTCTime or GeneralizedTime node.
    function _time(bytes memory der, Asn1Der.Node memory n) private pure returns (uint256) {
        if (n.tag != Asn1Der.UTC_TIME && n.tag != Asn1Der.GENERALIZED_TIME) {
            revert Asn1Der.Asn1DerUnexpectedTag(n.start, Asn1Der.UTC_TIME, n.tag);
        }
        return DateTime.fromX509(der, n.content, n.length(), n.tag == Asn1Der.GENERALIZED_TIME);
    }
}

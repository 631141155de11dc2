// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IDcapCertificateRegistry} from "../../interfaces/IDcapCertificateRegistry.sol";
import {Asn1Der} from "../../libraries/dcap/Asn1Der.sol";
import {EcdsaP256} from "../../libraries/dcap/EcdsaP256.sol";
import {PckExtension} from "../../libraries/dcap/PckExtension.sol";
import {Pem} from "../../libraries/dcap/Pem.sol";
import {X509} from "../../libraries/dcap/X509.sol";

/// @title DcapCertificateRegistry
/// @notice Intel SGX PKI on-chain (see `IDcapCertificateRegistry`): certificate chains to Intel's SGX Root CA,
///         a cache of verified certificates keyed by PEM body hash, and the Intel-signed CRLs. Permissionless:
///         everything stored is checked against Intel's root key, a constant.
contract DcapCertificateRegistry is IDcapCertificateRegistry {
    using Asn1Der for bytes;
    using Asn1Der for Asn1Der.Node;

    /// @notice Intel SGX Root CA public key, x coordinate.
    bytes32 public constant ROOT_KEY_X = 0x0ba9c4c0c0c86193a3fe23d6b02cda10a8bbd4e88e48b4458561a36e705525f5;
    /// @notice Intel SGX Root CA public key, y coordinate.
    bytes32 public constant ROOT_KEY_Y = 0x67918e2edc88e40d860bd0cc4ee26aacc988e505a953558c453f6b0904ae7394;
    /// @notice keccak256 of the root's DER subject name ("CN=Intel SGX Root CA, O=Intel Corporation, ...").
    bytes32 public constant ROOT_SUBJECT_HASH = 0x3112c8e9428b5c08824e727e3ea896f3597c8a91caeafe57d64a4bc08df71dfb;

    /// @notice keccak256 of the base64 body of Intel's SGX Root CA certificate as Intel's PCS serves it (64-column
    ///         lines): a chain ending in exactly these bytes needs no decoding to be recognised as the root.
    bytes32 public constant ROOT_PEM_BODY_HASH = 0x583bb9ec071cf8f28261018414d66bb954558836e6ee71d50425d24f05e0c3b0;

    /// @dev Intel's PCK chains are PCK certificate, PCK CA, root; issuer chains are signer, root.
    uint256 private constant PCK_CHAIN_LENGTH = 3;
    uint256 private constant MAX_ISSUER_CHAIN = 4;

    struct CachedPck {
        VerifiedCertificate cert;
        PckExtension.Platform platform;
    }

    mapping(bytes32 pemHash => VerifiedCertificate) private _certs;
    mapping(bytes32 pemHash => CachedPck) private _pcks;
    mapping(bytes32 pemHash => bool) private _trustedRoots;
    mapping(bytes32 issuerKeyHash => CrlRecord) private _crls;
    mapping(bytes32 crlHash => mapping(bytes32 serialHash => bool)) private _revoked;

    /// @inheritdoc IDcapCertificateRegistry
    function rootKeyHash() public pure returns (bytes32) {
        return keccak256(abi.encode(ROOT_KEY_X, ROOT_KEY_Y));
    }

    /// @inheritdoc IDcapCertificateRegistry
    function submitRootCrl(bytes calldata der) external {
        _storeCrl(der, ROOT_SUBJECT_HASH, ROOT_KEY_X, ROOT_KEY_Y);
    }

    /// @inheritdoc IDcapCertificateRegistry
    function submitPckCrl(bytes calldata der, bytes calldata issuerChainPem) external {
        VerifiedCertificate memory ca = _verifyFirstRootIssued(issuerChainPem);
        if (!ca.isCa) revert DcapCertificateRegistryCaFlag(false);
        _storeCrl(der, ca.subjectHash, ca.keyX, ca.keyY);
    }

    /// @inheritdoc IDcapCertificateRegistry
    function verifyRootIssued(bytes calldata chainPem) external returns (VerifiedCertificate memory cert) {
        cert = _verifyFirstRootIssued(chainPem);
    }

    /// @inheritdoc IDcapCertificateRegistry
    function verifyPckChain(bytes calldata chainPem) external returns (PckPlatform memory platform) {
        bytes memory pem = chainPem;
        (uint256[] memory starts, uint256[] memory ends) = Pem.bodies(pem, PCK_CHAIN_LENGTH);
        if (starts.length != PCK_CHAIN_LENGTH) {
            revert DcapCertificateRegistryChainLength(starts.length, PCK_CHAIN_LENGTH);
        }
        _checkRoot(pem, starts[2], ends[2]);
        VerifiedCertificate memory ca = _rootIssued(pem, starts[1], ends[1]);
        if (!ca.isCa) revert DcapCertificateRegistryCaFlag(false);
        _checkUsable(ca);
        CachedPck memory pck = _pck(pem, starts[0], ends[0], ca);
        _checkUsable(pck.cert);
        platform = PckPlatform({
            keyX: pck.cert.keyX,
            keyY: pck.cert.keyY,
            fmspc: pck.platform.fmspc,
            pceId: pck.platform.pceId,
            pceSvn: pck.platform.pceSvn,
            cpuSvn: pck.platform.cpuSvn
        });
    }

    /// @inheritdoc IDcapCertificateRegistry
    function crlOf(bytes32 issuerKeyHash) external view returns (CrlRecord memory) {
        return _crls[issuerKeyHash];
    }

    /// @inheritdoc IDcapCertificateRegistry
    function isRevoked(bytes32 issuerKeyHash, bytes32 serialHash) external view returns (bool) {
        return _revoked[_crls[issuerKeyHash].crlHash][serialHash];
    }

    /// @dev Verifies the first certificate of a PEM issuer chain under the root and checks it is usable now.
    function _verifyFirstRootIssued(bytes calldata chainPem) private returns (VerifiedCertificate memory cert) {
        bytes memory pem = chainPem;
        (uint256[] memory starts, uint256[] memory ends) = Pem.bodies(pem, MAX_ISSUER_CHAIN);
        if (starts.length == 0) revert DcapCertificateRegistryChainLength(0, 2);
        cert = _rootIssued(pem, starts[0], ends[0]);
        _checkUsable(cert);
    }

    /// @dev Requires the PEM body to be Intel's root certificate (its key equal to the constant); cached.
    function _checkRoot(bytes memory pem, uint256 start, uint256 end) private {
        bytes32 h = Pem.hashBody(pem, start, end);
        if (h == ROOT_PEM_BODY_HASH || _trustedRoots[h]) return;
        bytes memory der = Pem.decode(pem, start, end);
        X509.Certificate memory c = X509.parseCertificate(der);
        if (c.keyX != ROOT_KEY_X || c.keyY != ROOT_KEY_Y) revert DcapCertificateRegistryUntrustedRoot(c.keyX, c.keyY);
        _trustedRoots[h] = true;
    }

    /// @dev The certificate of the PEM body, verified as issued by the root (from cache, else verified and cached).
    function _rootIssued(bytes memory pem, uint256 start, uint256 end) private returns (VerifiedCertificate memory v) {
        bytes32 h = Pem.hashBody(pem, start, end);
        v = _certs[h];
        if (v.notAfter != 0) return v;
        bytes memory der = Pem.decode(pem, start, end);
        X509.Certificate memory c = X509.parseCertificate(der);
        v = _verifyIssued(der, c, ROOT_SUBJECT_HASH, ROOT_KEY_X, ROOT_KEY_Y);
        _certs[h] = v;
        emit CertificateCached(h, v.issuerKeyHash, v.subjectHash);
    }

    /// @dev The PCK certificate of the PEM body with its platform fields, verified under `ca` (cached).
    function _pck(
        bytes memory pem,
        uint256 start,
        uint256 end,
        VerifiedCertificate memory ca
    ) private returns (CachedPck memory p) {
        bytes32 h = Pem.hashBody(pem, start, end);
        bytes32 caKeyHash = keccak256(abi.encode(ca.keyX, ca.keyY));
        p = _pcks[h];
        if (p.cert.notAfter != 0) {
            // Same certificate bytes always have the same issuer; a cached entry under another CA cannot exist.
            if (p.cert.issuerKeyHash != caKeyHash) revert DcapCertificateRegistrySignatureInvalid(h);
            return p;
        }
        bytes memory der = Pem.decode(pem, start, end);
        X509.Certificate memory c = X509.parseCertificate(der);
        p.cert = _verifyIssued(der, c, ca.subjectHash, ca.keyX, ca.keyY);
        if (p.cert.isCa) revert DcapCertificateRegistryCaFlag(true);
        p.platform = PckExtension.parse(der, c);
        _pcks[h] = p;
        emit CertificateCached(h, caKeyHash, p.cert.subjectHash);
    }

    /// @dev Checks `c`'s issuer name and signature under the issuer (subject hash, key).
    function _verifyIssued(
        bytes memory der,
        X509.Certificate memory c,
        bytes32 issuerSubjectHash,
        bytes32 issuerX,
        bytes32 issuerY
    ) private view returns (VerifiedCertificate memory v) {
        if (c.issuerHash != issuerSubjectHash) {
            revert DcapCertificateRegistryIssuerMismatch(c.issuerHash, issuerSubjectHash);
        }
        bytes32 digest = der.sha256Range(c.tbsStart, c.tbsLength);
        if (!EcdsaP256.verify(digest, c.sigR, c.sigS, issuerX, issuerY)) {
            revert DcapCertificateRegistrySignatureInvalid(digest);
        }
        v = VerifiedCertificate({
            keyX: c.keyX,
            keyY: c.keyY,
            serialHash: c.serialHash,
            subjectHash: c.subjectHash,
            issuerKeyHash: keccak256(abi.encode(issuerX, issuerY)),
            notBefore: uint64(c.notBefore),
            notAfter: uint64(c.notAfter),
            isCa: X509.isCa(der, c)
        });
    }

    /// @dev Reverts unless `c` is valid now and its issuer's CRL is present, current and does not list it.
    function _checkUsable(VerifiedCertificate memory c) private view {
        if (block.timestamp < c.notBefore || block.timestamp > c.notAfter) {
            revert DcapCertificateRegistryCertificateExpired(c.notBefore, c.notAfter, block.timestamp);
        }
        CrlRecord memory crl = _crls[c.issuerKeyHash];
        if (crl.crlHash == bytes32(0)) revert DcapCertificateRegistryCrlMissing(c.issuerKeyHash);
        if (block.timestamp < crl.thisUpdate || block.timestamp > crl.nextUpdate) {
            revert DcapCertificateRegistryCrlExpired(c.issuerKeyHash, crl.thisUpdate, crl.nextUpdate, block.timestamp);
        }
        if (_revoked[crl.crlHash][c.serialHash]) revert DcapCertificateRegistryRevoked(c.issuerKeyHash, c.serialHash);
    }

    /// @dev Verifies a CRL issued by (subject hash, key), current now and newer than the stored one; stores it.
    function _storeCrl(bytes calldata crlDer, bytes32 issuerSubjectHash, bytes32 keyX, bytes32 keyY) private {
        bytes memory der = crlDer;
        bytes32 crlHash = keccak256(der);
        bytes32 issuerKeyHash = keccak256(abi.encode(keyX, keyY));
        CrlRecord memory stored = _crls[issuerKeyHash];
        if (stored.crlHash == crlHash) return; // the same CRL again: nothing to do
        X509.Crl memory crl = X509.parseCrl(der);
        if (crl.issuerHash != issuerSubjectHash) {
            revert DcapCertificateRegistryIssuerMismatch(crl.issuerHash, issuerSubjectHash);
        }
        bytes32 digest = der.sha256Range(crl.tbsStart, crl.tbsLength);
        if (!EcdsaP256.verify(digest, crl.sigR, crl.sigS, keyX, keyY)) {
            revert DcapCertificateRegistrySignatureInvalid(digest);
        }
        if (block.timestamp < crl.thisUpdate || block.timestamp > crl.nextUpdate) {
            revert DcapCertificateRegistryCrlExpired(issuerKeyHash, crl.thisUpdate, crl.nextUpdate, block.timestamp);
        }
        if (crl.thisUpdate <= stored.thisUpdate)
            revert DcapCertificateRegistryCrlNotNewer(crl.thisUpdate, stored.thisUpdate);
        uint256 count;
        if (crl.revokedEnd != 0) {
            Asn1Der.Node memory list = Asn1Der.Node(Asn1Der.SEQUENCE, 0, crl.revokedStart, crl.revokedEnd);
            uint256 offset = crl.revokedStart;
            while (offset < crl.revokedEnd) {
                Asn1Der.Node memory entry = der.nodeAt(offset, list.end).expectTag(Asn1Der.SEQUENCE);
                Asn1Der.Node memory serial = der.firstChild(entry).expectTag(Asn1Der.INTEGER);
                _revoked[crlHash][der.hashContent(serial)] = true;
                offset = entry.end;
                ++count;
            }
        }
        _crls[issuerKeyHash] = CrlRecord({
            crlHash: crlHash,
            thisUpdate: uint64(crl.thisUpdate),
            nextUpdate: uint64(crl.nextUpdate)
        });
        emit CrlStored(issuerKeyHash, crlHash, uint64(crl.thisUpdate), uint64(crl.nextUpdate), count);
    }
}

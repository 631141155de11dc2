// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Asn1Der} from "../libraries/dcap/Asn1Der.sol";
import {DateTime} from "../libraries/dcap/DateTime.sol";
import {JsonScanner} from "../libraries/dcap/JsonScanner.sol";
import {PckExtension} from "../libraries/dcap/PckExtension.sol";
import {Pem} from "../libraries/dcap/Pem.sol";
import {X509} from "../libraries/dcap/X509.sol";

/// @title DcapLibrariesHarness
/// @notice Exposes the DCAP parsing libraries to their unit tests. Never deployed by the deploy script.
contract DcapLibrariesHarness {
    /// @notice `Asn1Der.nodeAt` at `offset` within the whole buffer.
    function node(bytes memory der, uint256 offset) external pure returns (Asn1Der.Node memory) {
        return Asn1Der.nodeAt(der, offset, der.length);
    }

    /// @notice `X509.parseCertificate`.
    function parseCertificate(bytes memory der) external pure returns (X509.Certificate memory) {
        return X509.parseCertificate(der);
    }

    /// @notice `X509.isCa`.
    function isCa(bytes memory der) external pure returns (bool) {
        return X509.isCa(der, X509.parseCertificate(der));
    }

    /// @notice `X509.parseCrl`.
    function parseCrl(bytes memory der) external pure returns (X509.Crl memory) {
        return X509.parseCrl(der);
    }

    /// @notice `PckExtension.parse` of a DER certificate.
    function pckPlatform(bytes memory der) external pure returns (PckExtension.Platform memory) {
        return PckExtension.parse(der, X509.parseCertificate(der));
    }

    /// @notice Every certificate of a PEM chain, decoded (at most 4).
    function pemDecode(bytes memory pem) external pure returns (bytes[] memory ders) {
        (uint256[] memory starts, uint256[] memory ends) = Pem.bodies(pem, 4);
        ders = new bytes[](starts.length);
        for (uint256 i; i < starts.length; ++i) ders[i] = Pem.decode(pem, starts[i], ends[i]);
    }

    /// @notice `DateTime.fromIso` of a whole string.
    function isoToUnix(bytes memory s) external pure returns (uint256) {
        return DateTime.fromIso(s, 0, s.length);
    }

    /// @notice `JsonScanner.find` of `key` in the object at offset 0; the value as bytes.
    function jsonValue(bytes memory json, bytes memory key) external pure returns (bool found, bytes memory value) {
        (bool f, uint256 s, uint256 e) = JsonScanner.find(json, 0, key);
        if (!f) return (false, value);
        value = new bytes(e - s);
        for (uint256 i; i < e - s; ++i) value[i] = json[s + i];
        return (true, value);
    }
}

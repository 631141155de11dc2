// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IDcapQuoteVerifier} from "../../interfaces/IDcapQuoteVerifier.sol";

/// @title DcapQuote
/// @notice Layout of Intel DCAP quotes (Intel SGX ECDSA Quote Library reference, "Quote Format"): SGX v3
///         (48-byte header, 384-byte enclave report), TDX v4 (48-byte header, 584-byte TD 1.0 report, QE
///         report certification data type 6) and TDX v5 (header, body descriptor of type 2 = TD 1.0 or
///         3 = TD 1.5 with its size, then the report). Integers are little-endian. Reads from calldata.
library DcapQuote {
    uint256 internal constant HEADER_LENGTH = 48;
    uint256 internal constant SGX_REPORT_LENGTH = 384;
    uint256 internal constant TD10_REPORT_LENGTH = 584;
    uint256 internal constant TD15_REPORT_LENGTH = 648;
    uint32 internal constant TEE_SGX = 0;
    uint32 internal constant TEE_TDX = 0x81;
    uint16 internal constant ECDSA_P256 = 2;
    uint16 internal constant CERT_PCK_CHAIN = 5;
    uint16 internal constant CERT_QE_REPORT = 6;

    /// @notice Offsets and fields of a parsed quote.
    struct Parsed {
        uint8 teeType; // 1 SGX, 2 TDX
        uint256 body; // offset of the report body (the signed bytes are [0, body + bodyLength))
        uint256 bodyLength;
        bytes32 sigR;
        bytes32 sigS;
        bytes32 attestKeyX;
        bytes32 attestKeyY;
        uint256 qeReport; // offset of the 384-byte QE report
        bytes32 qeSigR;
        bytes32 qeSigS;
        uint256 qeAuth; // offset of the QE authentication data
        uint256 qeAuthLength;
        uint256 certData; // offset of the PEM chain
        uint256 certDataLength;
    }

    /// @notice Little-endian unsigned integer of `size` bytes at `offset`.
    function le(bytes calldata q, uint256 offset, uint256 size) internal pure returns (uint256 v) {
        for (uint256 i = size; i > 0; --i) v = (v << 8) | uint8(q[offset + i - 1]);
    }

    /// @notice Parses header and signature data; reverts on unsupported or truncated quotes.
    function parse(bytes calldata q) internal pure returns (Parsed memory p) {
        _need(q, HEADER_LENGTH);
        uint16 version = uint16(le(q, 0, 2));
        uint16 keyType = uint16(le(q, 2, 2));
        uint32 tee = uint32(le(q, 4, 4));
        p.body = HEADER_LENGTH;
        if (version == 3 && tee == TEE_SGX) {
            p.teeType = 1;
            p.bodyLength = SGX_REPORT_LENGTH;
        } else if (version == 4 && tee == TEE_TDX) {
            p.teeType = 2;
            p.bodyLength = TD10_REPORT_LENGTH;
        } else if (version == 5 && tee == TEE_TDX) {
            _need(q, HEADER_LENGTH + 6);
            uint256 bodyType = le(q, HEADER_LENGTH, 2);
            p.bodyLength = le(q, HEADER_LENGTH + 2, 4);
            bool known =
                (bodyType == 2 && p.bodyLength == TD10_REPORT_LENGTH) ||
                    (bodyType == 3 && p.bodyLength == TD15_REPORT_LENGTH);
            if (!known) revert IDcapQuoteVerifier.DcapQuoteVerifierUnsupportedQuote(version, tee);
            p.teeType = 2;
            p.body = HEADER_LENGTH + 6;
        } else {
            revert IDcapQuoteVerifier.DcapQuoteVerifierUnsupportedQuote(version, tee);
        }
        if (keyType != ECDSA_P256) revert IDcapQuoteVerifier.DcapQuoteVerifierUnsupportedKeyType(keyType);
        uint256 o = p.body + p.bodyLength;
        _need(q, o + 4);
        uint256 sigDataLength = le(q, o, 4);
        o += 4;
        _need(q, o + sigDataLength);
        _need(q, o + 128);
        p.sigR = bytes32(q[o:o + 32]);
        p.sigS = bytes32(q[o + 32:o + 64]);
        p.attestKeyX = bytes32(q[o + 64:o + 96]);
        p.attestKeyY = bytes32(q[o + 96:o + 128]);
        o += 128;
        if (version >= 4) {
            // v4/v5: the QE report and PCK chain are nested in certification data of type 6.
            _need(q, o + 6);
            uint16 outerType = uint16(le(q, o, 2));
            if (outerType != CERT_QE_REPORT)
                revert IDcapQuoteVerifier.DcapQuoteVerifierCertificationDataType(outerType);
            o += 6;
        }
        _need(q, o + 384 + 64 + 2);
        p.qeReport = o;
        o += 384;
        p.qeSigR = bytes32(q[o:o + 32]);
        p.qeSigS = bytes32(q[o + 32:o + 64]);
        o += 64;
        p.qeAuthLength = le(q, o, 2);
        p.qeAuth = o + 2;
        o += 2 + p.qeAuthLength;
        _need(q, o + 6);
        uint16 certType = uint16(le(q, o, 2));
        if (certType != CERT_PCK_CHAIN) revert IDcapQuoteVerifier.DcapQuoteVerifierCertificationDataType(certType);
        p.certDataLength = le(q, o + 2, 4);
        p.certData = o + 6;
        _need(q, p.certData + p.certDataLength);
    }

    /// @dev Reverts unless the quote holds at least `needed` bytes.
    function _need(bytes calldata q, uint256 needed) private pure {
        if (q.length < needed) revert IDcapQuoteVerifier.DcapQuoteVerifierTruncated(needed, q.length);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Pem
/// @notice Splits a PEM certificate chain ("-----BEGIN CERTIFICATE-----" ... "-----END CERTIFICATE-----",
///         as DCAP certification data type 5 and Intel's issuer-chain headers carry it) into its base64 bodies
///         and decodes them to DER.
library Pem {
    /// @notice Thrown when a BEGIN marker has no END marker or a body holds a non-base64 byte.
    error PemMalformed(uint256 offset);
    /// @notice Thrown when the chain holds more certificates than `maxCount`.
    error PemTooManyCertificates(uint256 maxCount);

    bytes private constant BEGIN = "-----BEGIN CERTIFICATE-----";
    bytes private constant END = "-----END CERTIFICATE-----";
    /// @dev 0xff for bytes that are not base64; index = ASCII code - 43 ('+').
    bytes private constant TABLE =
        hex"3effffff3f3435363738393a3b3c3dffffffffffffff000102030405060708090a0b0c0d0e0f10111213141516171819ffffffffffff1a1b1c1d1e1f202122232425262728292a2b2c2d2e2f30313233";

    /// @notice Offsets [start, end) of the base64 body of each certificate in `pem`, at most `maxCount`.
    function bodies(
        bytes memory pem,
        uint256 maxCount
    ) internal pure returns (uint256[] memory starts, uint256[] memory ends) {
        starts = new uint256[](maxCount);
        ends = new uint256[](maxCount);
        uint256 count;
        uint256 offset;
        while (true) {
            uint256 b = _find(pem, BEGIN, offset);
            if (b == type(uint256).max) break;
            uint256 e = _find(pem, END, b + BEGIN.length);
            if (e == type(uint256).max) revert PemMalformed(b);
            if (count == maxCount) revert PemTooManyCertificates(maxCount);
            starts[count] = b + BEGIN.length;
            ends[count] = e;
            ++count;
            offset = e + END.length;
        }
        assembly ("memory-safe") {
            mstore(starts, count)
            mstore(ends, count)
        }
    }

    /// @notice keccak256 of the base64 body [start, end).
    function hashBody(bytes memory pem, uint256 start, uint256 end) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            h := keccak256(add(add(pem, 32), start), sub(end, start))
        }
    }

    /// @notice Decodes the base64 body [start, end) of `pem`, skipping line breaks, stopping at padding.
    function decode(bytes memory pem, uint256 start, uint256 end) internal pure returns (bytes memory out) {
        out = new bytes(((end - start) * 3) / 4 + 3);
        bytes memory table = TABLE;
        uint256 acc;
        uint256 bits;
        uint256 w;
        for (uint256 i = start; i < end; ++i) {
            uint256 c;
            assembly ("memory-safe") {
                c := byte(0, mload(add(add(pem, 32), i)))
            }
            if (c == 0x0a || c == 0x0d) continue;
            if (c == 0x3d) break; // '=' padding ends the data
            uint256 v = 0xff;
            if (c >= 43 && c < 123) {
                assembly ("memory-safe") {
                    v := byte(0, mload(add(add(table, 32), sub(c, 43))))
                }
            }
            if (v == 0xff) revert PemMalformed(i);
            acc = (acc << 6) | v;
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                assembly ("memory-safe") {
                    mstore8(add(add(out, 32), w), shr(bits, acc))
                }
                ++w;
                acc &= (1 << bits) - 1;
            }
        }
        assembly ("memory-safe") {
            mstore(out, w)
        }
    }

    /// @dev Index of the first occurrence of `needle` in `hay` at or after `from`, or max when none.
    function _find(bytes memory hay, bytes memory needle, uint256 from) private pure returns (uint256) {
        uint256 n = needle.length;
        if (hay.length < n) return type(uint256).max;
        bytes32 head;
        bytes32 mask = bytes32(~(type(uint256).max >> (n * 8)));
        assembly ("memory-safe") {
            head := mload(add(needle, 32))
        }
        head &= mask;
        for (uint256 i = from; i + n <= hay.length; ++i) {
            bytes32 w;
            assembly ("memory-safe") {
                w := mload(add(add(hay, 32), i))
            }
            if (w & mask == head) return i;
        }
        return type(uint256).max;
    }
}

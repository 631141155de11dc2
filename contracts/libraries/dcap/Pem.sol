// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// Byte-level parsing of DER, PEM and JSON: assembly reads bytes without bounds checks the callers already did, and
// keeps the per-byte scans affordable (docs/benchmarks.md "On-chain DCAP verification").
// solhint-disable no-inline-assembly

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
        hex"3effffff3f3435363738393a3b3c3dffffffffffffff000102030405060708090a0b0c0d0e0f"
        hex"10111213141516171819ffffffffffff1a1b1c1d1e1f202122232425262728292a2b2c2d2e2f30313233";

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
        if (end < start || end > pem.length) revert PemMalformed(start);
        out = new bytes(((end - start) * 3) / 4 + 3);
        bytes memory table = TABLE;
        uint256 bad = type(uint256).max;
        uint256 w;
        assembly ("memory-safe") {
            let src := add(pem, 32)
            let dst := add(out, 32)
            let tbl := add(table, 32)
            let acc := 0
            let bits := 0
            for {
                let i := start
            } lt(i, end) {
                i := add(i, 1)
            } {
                let c := byte(0, mload(add(src, i)))
                // '\n' and '\r' separate lines; '=' is padding and ends the data.
                if eq(c, 0x3d) {
                    break
                }
                if iszero(or(eq(c, 0x0a), eq(c, 0x0d))) {
                    let v := 0xff
                    if and(gt(c, 42), lt(c, 123)) {
                        v := byte(0, mload(add(tbl, sub(c, 43))))
                    }
                    if eq(v, 0xff) {
                        bad := i
                        break
                    }
                    acc := or(shl(6, acc), v)
                    bits := add(bits, 6)
                    if gt(bits, 7) {
                        bits := sub(bits, 8)
                        mstore8(add(dst, w), shr(bits, acc))
                        w := add(w, 1)
                        acc := and(acc, sub(shl(bits, 1), 1))
                    }
                }
            }
            mstore(out, w)
        }
        if (bad != type(uint256).max) revert PemMalformed(bad);
    }

    /// @dev Index of the first occurrence of `needle` (at most 32 bytes, starting with '-') in `hay` at or
    ///      after `from`, or max when none. Words of 32 bytes without a '-' are skipped in one step.
    function _find(bytes memory hay, bytes memory needle, uint256 from) private pure returns (uint256 found) {
        uint256 n = needle.length;
        found = type(uint256).max;
        if (hay.length < n) return found;
        uint256 last = hay.length - n; // last start offset that fits
        assembly ("memory-safe") {
            let mask := not(shr(mul(n, 8), not(0)))
            let head := and(mload(add(needle, 32)), mask)
            let base := add(hay, 32)
            let ones := 0x0101010101010101010101010101010101010101010101010101010101010101
            let highs := 0x8080808080808080808080808080808080808080808080808080808080808080
            let dashes := mul(ones, 0x2d)
            for {
                let i := from
            } iszero(gt(i, last)) {} {
                let x := xor(mload(add(base, i)), dashes)
                // A zero byte in x is a '-' in the word: only then look at each start offset in it.
                switch iszero(and(and(sub(x, ones), not(x)), highs))
                case 1 {
                    i := add(i, 32)
                }
                default {
                    let wordEnd := add(i, 32)
                    for {} and(lt(i, wordEnd), iszero(gt(i, last))) {
                        i := add(i, 1)
                    } {
                        if eq(and(mload(add(base, i)), mask), head) {
                            found := i
                            break
                        }
                    }
                    if lt(found, not(0)) {
                        break
                    }
                }
            }
        }
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// Byte-level parsing of DER, PEM and JSON: assembly reads bytes without bounds checks the callers already did, and
// keeps the per-byte scans affordable (docs/benchmarks.md "On-chain DCAP verification").
// solhint-disable no-inline-assembly

/// @title JsonScanner
/// @notice A small purpose-built scanner for Intel's collateral JSON (TCB info, QE identity): finds the value
///         of a key among an object's own members (nested members are skipped, strings honour escapes), walks
///         array elements and reads numbers, strings and hex strings. No allocation; values are [start, end)
///         offsets into the buffer. It accepts RFC 8259 JSON without insignificant whitespace inside
///         values it reads (Intel's signed collateral has none).
library JsonScanner {
    /// @notice Thrown when the JSON is malformed at `offset`.
    error JsonScannerMalformed(uint256 offset);
    /// @notice Thrown when a required key is absent from an object.
    error JsonScannerKeyMissing(bytes key);

    uint256 private constant QUOTE = 0x22;
    uint256 private constant BACKSLASH = 0x5c;

    /// @notice The byte at `i` (caller bounds-checked).
    function byteAt(bytes memory json, uint256 i) internal pure returns (uint256 b) {
        assembly ("memory-safe") {
            b := byte(0, mload(add(add(json, 32), i)))
        }
    }

    /// @notice [start, end) of the value of `key` in the object starting at `obj` ('{'); reverts when absent.
    function get(bytes memory json, uint256 obj, bytes memory key) internal pure returns (uint256, uint256) {
        (bool found, uint256 s, uint256 e) = find(json, obj, key);
        if (!found) revert JsonScannerKeyMissing(key);
        return (s, e);
    }

    /// @notice Whether the object starting at `obj` has member `key`, and its value's [start, end).
    function find(
        bytes memory json,
        uint256 obj,
        bytes memory key
    ) internal pure returns (bool found, uint256 start, uint256 end) {
        uint256 n = json.length;
        if (obj >= n || byteAt(json, obj) != 0x7b) revert JsonScannerMalformed(obj);
        uint256 i = _ws(json, obj + 1);
        if (i < n && byteAt(json, i) == 0x7d) return (false, 0, 0);
        bytes32 keyHash = keccak256(key);
        while (true) {
            if (i >= n || byteAt(json, i) != QUOTE) revert JsonScannerMalformed(i);
            uint256 keyEnd = skipValue(json, i);
            bool match_;
            assembly ("memory-safe") {
                match_ := eq(keccak256(add(add(json, 33), i), sub(sub(keyEnd, i), 2)), keyHash)
            }
            i = _ws(json, keyEnd);
            if (i >= n || byteAt(json, i) != 0x3a) revert JsonScannerMalformed(i);
            i = _ws(json, i + 1);
            uint256 valueEnd = skipValue(json, i);
            if (match_) return (true, i, valueEnd);
            i = _ws(json, valueEnd);
            if (i >= n) revert JsonScannerMalformed(i);
            uint256 c = byteAt(json, i);
            if (c == 0x7d) return (false, 0, 0);
            if (c != 0x2c) revert JsonScannerMalformed(i);
            i = _ws(json, i + 1);
        }
    }

    /// @notice Offset just past the value starting at `i` (string, object, array, number, literal).
    function skipValue(bytes memory json, uint256 i) internal pure returns (uint256 end) {
        uint256 n = json.length;
        if (i >= n) revert JsonScannerMalformed(i);
        uint256 c = byteAt(json, i);
        if (c == QUOTE || c == 0x7b || c == 0x5b) {
            // One pass over the bytes (assembly: this scan is most of the cost of storing collateral): track
            // nesting depth outside strings, honour backslash escapes inside them.
            assembly ("memory-safe") {
                let base := add(json, 32)
                let depth := 0
                let inString := 0
                for {
                    let j := i
                } lt(j, n) {
                    j := add(j, 1)
                } {
                    let d := byte(0, mload(add(base, j)))
                    switch inString
                    case 1 {
                        switch d
                        case 0x5c {
                            j := add(j, 1)
                        }
                        case 0x22 {
                            inString := 0
                            if iszero(depth) {
                                end := add(j, 1)
                                break
                            }
                        }
                    }
                    default {
                        switch d
                        case 0x22 {
                            inString := 1
                        }
                        case 0x7b {
                            depth := add(depth, 1)
                        }
                        case 0x5b {
                            depth := add(depth, 1)
                        }
                        case 0x7d {
                            depth := sub(depth, 1)
                            if iszero(depth) {
                                end := add(j, 1)
                                break
                            }
                        }
                        case 0x5d {
                            depth := sub(depth, 1)
                            if iszero(depth) {
                                end := add(j, 1)
                                break
                            }
                        }
                    }
                }
            }
            if (end == 0) revert JsonScannerMalformed(i);
            return end;
        }
        uint256 k = i;
        while (k < n) {
            uint256 d = byteAt(json, k);
            if (d == 0x2c || d == 0x7d || d == 0x5d || d == 0x20 || d == 0x0a || d == 0x0d || d == 0x09) break;
            ++k;
        }
        if (k == i) revert JsonScannerMalformed(i);
        return k;
    }

    /// @notice Offset of the first member's key in the object at `obj` ('{'), or 0 when the object is empty.
    function firstMember(bytes memory json, uint256 obj) internal pure returns (uint256) {
        if (obj >= json.length || byteAt(json, obj) != 0x7b) revert JsonScannerMalformed(obj);
        uint256 i = _ws(json, obj + 1);
        if (i >= json.length) revert JsonScannerMalformed(i);
        return byteAt(json, i) == 0x7d ? 0 : i;
    }

    /// @notice keccak256 of the member key at `i` (its quote) and the offset of its value.
    function member(bytes memory json, uint256 i) internal pure returns (bytes32 keyHash, uint256 value) {
        if (i >= json.length || byteAt(json, i) != QUOTE) revert JsonScannerMalformed(i);
        uint256 keyEnd = skipValue(json, i);
        keyHash = stringHash(json, i, keyEnd);
        value = _ws(json, keyEnd);
        if (value >= json.length || byteAt(json, value) != 0x3a) revert JsonScannerMalformed(value);
        value = _ws(json, value + 1);
    }

    /// @notice After a member value ending at `valueEnd`: the next key's offset (0 at the end of the object) and,
    ///         at the end, the offset just past the object's '}'.
    function nextMember(bytes memory json, uint256 valueEnd) internal pure returns (uint256 next, uint256 objEnd) {
        uint256 i = _ws(json, valueEnd);
        if (i >= json.length) revert JsonScannerMalformed(i);
        uint256 c = byteAt(json, i);
        if (c == 0x7d) return (0, i + 1);
        if (c != 0x2c) revert JsonScannerMalformed(i);
        return (_ws(json, i + 1), 0);
    }

    /// @notice Start of the first element of the array at `arr` ('['), or 0 when the array is empty.
    function firstElement(bytes memory json, uint256 arr) internal pure returns (uint256) {
        if (arr >= json.length || byteAt(json, arr) != 0x5b) revert JsonScannerMalformed(arr);
        uint256 i = _ws(json, arr + 1);
        if (i >= json.length) revert JsonScannerMalformed(i);
        return byteAt(json, i) == 0x5d ? 0 : i;
    }

    /// @notice Start of the element after the one ending at `elementEnd`, or 0 at the end of the array.
    function nextElement(bytes memory json, uint256 elementEnd) internal pure returns (uint256 next) {
        (next, ) = nextElementOrEnd(json, elementEnd);
    }

    /// @notice Like `nextElement`, and at the end of the array the offset just past its ']'.
    function nextElementOrEnd(
        bytes memory json,
        uint256 elementEnd
    ) internal pure returns (uint256 next, uint256 arrayEnd) {
        uint256 i = _ws(json, elementEnd);
        if (i >= json.length) revert JsonScannerMalformed(i);
        uint256 c = byteAt(json, i);
        if (c == 0x5d) return (0, i + 1);
        if (c != 0x2c) revert JsonScannerMalformed(i);
        return (_ws(json, i + 1), 0);
    }

    /// @notice The unsigned decimal number [start, end).
    function toUint(bytes memory json, uint256 start, uint256 end) internal pure returns (uint256 v) {
        if (start >= end || end - start > 20) revert JsonScannerMalformed(start);
        for (uint256 i = start; i < end; ++i) {
            uint256 c = byteAt(json, i);
            if (c < 0x30 || c > 0x39) revert JsonScannerMalformed(i);
            v = v * 10 + (c - 0x30);
        }
    }

    /// @notice keccak256 of the string value [start, end) without its quotes.
    function stringHash(bytes memory json, uint256 start, uint256 end) internal pure returns (bytes32 h) {
        if (end < start + 2 || byteAt(json, start) != QUOTE) revert JsonScannerMalformed(start);
        assembly ("memory-safe") {
            h := keccak256(add(add(json, 33), start), sub(sub(end, start), 2))
        }
    }

    /// @notice The hex string value [start, end) (quoted, `2 * size` digits, size <= 32) as a left-aligned bytes32.
    function hexString(bytes memory json, uint256 start, uint256 end, uint256 size) internal pure returns (bytes32) {
        if (end != start + 2 + 2 * size || byteAt(json, start) != QUOTE || size > 32)
            revert JsonScannerMalformed(start);
        uint256 v;
        for (uint256 i = start + 1; i < end - 1; ++i) v = (v << 4) | _hexDigit(json, i);
        return bytes32(size == 0 ? 0 : v << (256 - 8 * size));
    }

    /// @dev The value of the hex digit at `i`.
    function _hexDigit(bytes memory json, uint256 i) private pure returns (uint256) {
        uint256 c = byteAt(json, i);
        if (c >= 0x30 && c <= 0x39) return c - 0x30;
        if (c >= 0x41 && c <= 0x46) return c - 0x37;
        if (c >= 0x61 && c <= 0x66) return c - 0x57;
        revert JsonScannerMalformed(i);
    }

    /// @dev First offset at or after `i` that is not JSON whitespace.
    function _ws(bytes memory json, uint256 i) private pure returns (uint256) {
        while (i < json.length) {
            uint256 c = byteAt(json, i);
            if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) break;
            ++i;
        }
        return i;
    }
}

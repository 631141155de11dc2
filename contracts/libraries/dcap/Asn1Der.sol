// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// Byte-level parsing of DER, PEM and JSON: assembly reads bytes without bounds checks the callers already did, and
// keeps the per-byte scans affordable (docs/benchmarks.md "On-chain DCAP verification").
// solhint-disable no-inline-assembly

/// @title Asn1Der
/// @notice Minimal reader of DER-encoded ASN.1 (X.690) inside a `bytes memory` buffer: a node is its tag, the
///         offset of its first byte, the offset of its content and the offset just past it. Only definite
///         lengths up to 4 length bytes are accepted (DER never uses indefinite lengths). Every read is bounded
///         by the buffer length and by the parent node, so a malformed input reverts instead of reading past.
library Asn1Der {
    /// @notice Thrown when the bytes at `offset` are not a well-formed DER node inside its bounds.
    error Asn1DerMalformed(uint256 offset);
    /// @notice Thrown when the node at `offset` has tag `actual` where `expected` is required.
    error Asn1DerUnexpectedTag(uint256 offset, uint256 expected, uint256 actual);

    uint256 internal constant SEQUENCE = 0x30;
    uint256 internal constant INTEGER = 0x02;
    uint256 internal constant BIT_STRING = 0x03;
    uint256 internal constant OCTET_STRING = 0x04;
    uint256 internal constant OID = 0x06;
    uint256 internal constant UTC_TIME = 0x17;
    uint256 internal constant GENERALIZED_TIME = 0x18;

    /// @notice A DER node: tag, first byte, first content byte and the offset just past its content.
    struct Node {
        uint256 tag;
        uint256 start;
        uint256 content;
        uint256 end;
    }

    /// @notice The byte at `offset` (no bounds check: callers check against the node bounds first).
    function byteAt(bytes memory der, uint256 offset) internal pure returns (uint256 b) {
        assembly ("memory-safe") {
            b := byte(0, mload(add(add(der, 32), offset)))
        }
    }

    /// @notice Reads the node starting at `offset`, which must end within `limit` (and within `der`).
    function nodeAt(bytes memory der, uint256 offset, uint256 limit) internal pure returns (Node memory n) {
        if (limit > der.length || offset + 2 > limit) revert Asn1DerMalformed(offset);
        uint256 lenByte = byteAt(der, offset + 1);
        uint256 len;
        uint256 content;
        if (lenByte < 0x80) {
            len = lenByte;
            content = offset + 2;
        } else {
            uint256 count = lenByte & 0x7f;
            if (count == 0 || count > 4 || offset + 2 + count > limit) revert Asn1DerMalformed(offset);
            for (uint256 i; i < count; ++i) {
                len = (len << 8) | byteAt(der, offset + 2 + i);
            }
            content = offset + 2 + count;
        }
        if (content + len > limit) revert Asn1DerMalformed(offset);
        n = Node({tag: byteAt(der, offset), start: offset, content: content, end: content + len});
    }

    /// @notice The root node of `der`.
    function root(bytes memory der) internal pure returns (Node memory) {
        return nodeAt(der, 0, der.length);
    }

    /// @notice The first child of constructed node `parent`.
    function firstChild(bytes memory der, Node memory parent) internal pure returns (Node memory) {
        return nodeAt(der, parent.content, parent.end);
    }

    /// @notice The node after `n` inside `parent`.
    function next(bytes memory der, Node memory n, Node memory parent) internal pure returns (Node memory) {
        return nodeAt(der, n.end, parent.end);
    }

    /// @notice Whether `n` is the last child of `parent`.
    function isLast(Node memory n, Node memory parent) internal pure returns (bool) {
        return n.end >= parent.end;
    }

    /// @notice Reverts unless `n` has tag `tag`; returns `n` for chaining.
    function expectTag(Node memory n, uint256 tag) internal pure returns (Node memory) {
        if (n.tag != tag) revert Asn1DerUnexpectedTag(n.start, tag, n.tag);
        return n;
    }

    /// @notice Content length of `n`.
    function length(Node memory n) internal pure returns (uint256) {
        return n.end - n.content;
    }

    /// @notice keccak256 of the whole node (tag, length and content).
    function hashNode(bytes memory der, Node memory n) internal pure returns (bytes32 h) {
        h = hashRange(der, n.start, n.end - n.start);
    }

    /// @notice keccak256 of the node's content.
    function hashContent(bytes memory der, Node memory n) internal pure returns (bytes32 h) {
        h = hashRange(der, n.content, n.end - n.content);
    }

    /// @notice keccak256 of `len` bytes of `der` at `offset` (caller bounds-checked).
    function hashRange(bytes memory der, uint256 offset, uint256 len) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            h := keccak256(add(add(der, 32), offset), len)
        }
    }

    /// @notice sha256 of `len` bytes of `der` at `offset` (caller bounds-checked), without copying.
    function sha256Range(bytes memory der, uint256 offset, uint256 len) internal view returns (bytes32 h) {
        bool ok;
        assembly ("memory-safe") {
            ok := staticcall(gas(), 0x02, add(add(der, 32), offset), len, 0x00, 0x20)
            h := mload(0x00)
        }
        if (!ok) revert Asn1DerMalformed(offset);
    }

    /// @notice Unsigned value of an INTEGER (or of any content) of at most 32 significant bytes.
    function readUint(bytes memory der, Node memory n) internal pure returns (uint256 v) {
        uint256 i = n.content;
        // DER prefixes a 0x00 to positive integers whose high bit is set: skip leading zeros.
        while (i < n.end && byteAt(der, i) == 0) ++i;
        if (n.end - i > 32) revert Asn1DerMalformed(n.start);
        for (; i < n.end; ++i) v = (v << 8) | byteAt(der, i);
    }

    /// @notice Reads `len` (at most 32) bytes at `offset` as a left-aligned bytes32.
    function readBytes32(bytes memory der, uint256 offset, uint256 len) internal pure returns (bytes32 v) {
        assembly ("memory-safe") {
            v := mload(add(add(der, 32), offset))
        }
        if (len < 32) v &= bytes32(~(type(uint256).max >> (len * 8)));
    }
}

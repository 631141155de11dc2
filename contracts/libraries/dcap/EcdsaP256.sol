// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {P256} from "@openzeppelin/contracts/utils/cryptography/P256.sol";

/// @title EcdsaP256
/// @notice ECDSA P-256 verification of Intel's signatures through OpenZeppelin's `P256` (the RIP-7212 /
///         EIP-7951 precompile where the chain has it, its Solidity implementation elsewhere). Intel does not
///         normalise `s`; `P256.verify` refuses `s > n/2` (malleability), so `s` is folded to `n - s` first:
///         (r, s) and (r, n - s) are the same signature, and nothing here keys on signature bytes.
library EcdsaP256 {
    /// @dev The order n of the P-256 group.
    uint256 private constant N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551;

    /// @notice Whether (r, s) is a valid signature of digest `h` under the key (x, y).
    function verify(bytes32 h, bytes32 r, bytes32 s, bytes32 x, bytes32 y) internal view returns (bool) {
        uint256 sv = uint256(s);
        if (sv > N / 2 && sv < N) sv = N - sv;
        return P256.verify(h, r, bytes32(sv), x, y);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title TestStablecoin
/// @notice The deposit asset on local networks: a 6-decimal stablecoin with an open `mint`.
/// @dev Never deployed on a real network: the deploy script refuses to.
contract TestStablecoin is ERC20, ERC20Permit {
    /// @notice Thrown when a single mint asks for more than `MAX_MINT`.
    error TestStablecoinMintTooLarge(uint256 amount, uint256 max);

    /// @notice Largest amount one `mint` call may create (10 billion units).
    uint256 public constant MAX_MINT = 10_000_000_000e6;

    constructor() ERC20("Test USD", "tUSD") ERC20Permit("Test USD") {}

    /// @notice Creates `amount` tokens for `to`; open to anyone (local networks only).
    /// @param to Receiver of the new tokens.
    /// @param amount Amount in token units (6 decimals).
    function mint(address to, uint256 amount) external {
        if (amount > MAX_MINT) revert TestStablecoinMintTooLarge(amount, MAX_MINT);
        _mint(to, amount);
    }

    /// @inheritdoc ERC20
    function decimals() public pure override returns (uint8) {
        return 6;
    }
}

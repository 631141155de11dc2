// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";

/// @title PlainERC4626
/// @notice Test-only reference: OpenZeppelin's ERC4626 with nothing added, the gas baseline the strategy
///         vault's deposit and redeem are measured against (same token, same run).
contract PlainERC4626 is ERC4626 {
    constructor(IERC20 asset_) ERC20("Plain Vault Share", "pvUSD") ERC4626(asset_) {}
}

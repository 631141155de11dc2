// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title ReentrantAsset
/// @notice Test-only hostile asset: on every transfer it calls back into a target with preset calldata
///         (for example the vault's `redeem` in the middle of a deposit) and records whether it succeeded.
contract ReentrantAsset is ERC20 {
    address public callbackTarget;
    bytes public payload;
    bool public attacking;
    bool public lastCallSucceeded;
    bytes public lastRevertData;

    constructor() ERC20("Hostile USD", "hUSD") {}

    /// @notice Mints freely (test token).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Arms the callback: the next transfer calls `target_` with `payload_` once.
    function arm(address target_, bytes calldata payload_) external {
        callbackTarget = target_;
        payload = payload_;
    }

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        address t = callbackTarget;
        if (t != address(0) && !attacking) {
            attacking = true;
            callbackTarget = address(0);
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory data) = t.call(payload);
            lastCallSucceeded = ok;
            lastRevertData = data;
            attacking = false;
        }
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title ReentrantToken
/// @notice Hostile ERC-20 for reentrancy tests: once armed, its next balance update calls back into a target
///         (e.g. the contract that is moving the token) and bubbles up any revert. It can also act as an account
///         (`execute`), so it can be an operator of the contract under attack. Tests only.
contract ReentrantToken is ERC20 {
    /// @notice Thrown when the token's own call reverts without data.
    error ReentrantTokenCallFailed();

    address private _target;
    bytes private _data;

    constructor() ERC20("Hostile", "HOST") {}

    /// @notice Mints `amount` to `to` (tests only).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Arms the callback: the next transfer calls `target` with `data`.
    function arm(address target, bytes calldata data) external {
        _target = target;
        _data = data;
    }

    /// @notice Calls `target` with `data` as this token (to act as an operator).
    function execute(address target, bytes calldata data) external returns (bytes memory) {
        return _call(target, data);
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        address target = _target;
        if (target != address(0)) {
            _target = address(0);
            _call(target, _data);
        }
    }

    function _call(address target, bytes memory data) private returns (bytes memory result) {
        bool ok;
        // solhint-disable-next-line avoid-low-level-calls
        (ok, result) = target.call(data);
        if (!ok) {
            if (result.length == 0) revert ReentrantTokenCallFailed();
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                revert(add(result, 32), mload(result))
            }
        }
    }
}

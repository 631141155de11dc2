// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IOperatorExposure} from "../interfaces/IOperatorExposure.sol";

/// @title TestOperatorExposure
/// @notice Test-only capital book for the reputation oracle's unit tests: the test sets what each operator
///         owes. The deployed system uses the keeper capital book instead.
contract TestOperatorExposure is IOperatorExposure {
    mapping(address operator => uint256) private _outstanding;

    /// @notice Sets what `operator` owes.
    function setOutstanding(address operator, uint256 amount) external {
        _outstanding[operator] = amount;
    }

    /// @inheritdoc IOperatorExposure
    function outstandingOf(address operator) external view returns (uint256) {
        return _outstanding[operator];
    }
}

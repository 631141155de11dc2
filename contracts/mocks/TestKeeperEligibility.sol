// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IKeeperEligibility} from "../interfaces/IKeeperEligibility.sol";

/// @title TestKeeperEligibility
/// @notice Test-only eligibility source for the vault's unit tests: the test sets each keeper's
///         eligibility, score and operator. The deployed system uses the reputation oracle instead.
contract TestKeeperEligibility is IKeeperEligibility {
    struct KeeperInfo {
        bool eligible;
        address operator;
        uint256 score;
    }

    mapping(address keeper => KeeperInfo) private _info;

    /// @notice Sets what the vault will be told about `keeper`.
    function setKeeper(address keeper, bool eligible, uint256 score_, address operator) external {
        _info[keeper] = KeeperInfo(eligible, operator, score_);
    }

    /// @inheritdoc IKeeperEligibility
    function isEligible(address keeper) external view returns (bool) {
        return _info[keeper].eligible;
    }

    /// @inheritdoc IKeeperEligibility
    function score(address keeper) external view returns (uint256) {
        return _info[keeper].score;
    }

    /// @inheritdoc IKeeperEligibility
    function operatorOf(address keeper) external view returns (address) {
        return _info[keeper].operator;
    }
}

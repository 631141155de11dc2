// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICapitalSlashing} from "../interfaces/ICapitalSlashing.sol";
import {IReputationOracle} from "../interfaces/IReputationOracle.sol";

/// @title OracleCapitalBridge
/// @notice Pre-merge stand-in for `ICapitalSlashing` on a reputation oracle that does not implement it yet: reads
///         the operator's slashable stake (active + unbonding) and binding from the oracle, reports no disputes and
///         cannot slash (`slashForDefault` returns 0, so a default is booked as a loss). The deploy script uses it
///         only when the deployed `ReputationOracle` lacks `slashableStake`; once the oracle implements
///         `ICapitalSlashing` the deploy wires the oracle itself and this contract is unused.
contract OracleCapitalBridge is ICapitalSlashing {
    // solhint-disable-next-line immutable-vars-naming
    IReputationOracle public immutable oracle;

    constructor(IReputationOracle oracle_) {
        oracle = oracle_;
    }

    /// @inheritdoc ICapitalSlashing
    function slashableStake(address operator) external view returns (uint256) {
        IReputationOracle.OperatorStake memory s = oracle.stakeOf(operator);
        return uint256(s.active) + s.unbonding;
    }

    /// @inheritdoc ICapitalSlashing
    function slashForDefault(address, address, uint256) external pure returns (uint256) {
        return 0;
    }

    /// @inheritdoc ICapitalSlashing
    function receiptDisputeState(uint256) external pure returns (uint8) {
        return 0;
    }

    /// @inheritdoc ICapitalSlashing
    function operatorOf(address keeper) external view returns (address) {
        return oracle.operatorOf(keeper);
    }
}

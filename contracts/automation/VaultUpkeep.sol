// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
// solhint-disable-next-line max-line-length
import {AutomationCompatibleInterface} from "@chainlink/contracts/src/v0.8/automation/interfaces/AutomationCompatibleInterface.sol";
import {IStrategyVault} from "../interfaces/IStrategyVault.sol";
import {IStaleClaimSource, IVaultUpkeep} from "../interfaces/IVaultUpkeep.sol";

/// @title VaultUpkeep
/// @notice Chainlink Automation upkeep: `checkUpkeep` (simulated off-chain by the Automation network) says
///         whether the vault's buffer needs a rebalance or stale claims wait for expiry; `performUpkeep`
///         re-checks on-chain and does only the work still due, so any relayer may call it.
contract VaultUpkeep is AutomationCompatibleInterface, IVaultUpkeep, Ownable {
    /// @inheritdoc IVaultUpkeep
    uint256 public constant MAX_CLAIMS_PER_UPKEEP = 50;

    /// @notice The vault whose buffer this upkeep keeps at target.
    // solhint-disable-next-line immutable-vars-naming
    IStrategyVault public immutable vault;
    /// @notice The stale-claim source (the campaign registry); zero while claim expiry is disabled.
    IStaleClaimSource public claimSource;

    /// @param vault_ The strategy vault.
    /// @param owner_ Admin (the deployer, who hands it to the timelock).
    constructor(IStrategyVault vault_, address owner_) Ownable(owner_) {
        if (address(vault_) == address(0)) revert VaultUpkeepZeroAddress();
        vault = vault_;
    }

    /// @inheritdoc IVaultUpkeep
    function setClaimSource(address source) external onlyOwner {
        claimSource = IStaleClaimSource(source);
        emit ClaimSourceSet(source);
    }

    /// @notice Whether work is due; `performData` encodes `(bool rebalance, bytes32[] staleClaimIds)`.
    function checkUpkeep(bytes calldata) external view returns (bool upkeepNeeded, bytes memory performData) {
        bool rebalance = vault.rebalanceNeeded();
        bytes32[] memory ids;
        IStaleClaimSource source = claimSource;
        if (address(source) != address(0)) ids = source.staleClaims(MAX_CLAIMS_PER_UPKEEP);
        upkeepNeeded = rebalance || ids.length != 0;
        performData = abi.encode(rebalance, ids);
    }

    /// @notice Does the work in `performData` that is still due; reverts when none is.
    function performUpkeep(bytes calldata performData) external {
        (bool rebalance, bytes32[] memory ids) = abi.decode(performData, (bool, bytes32[]));
        bool rebalanced;
        if (rebalance && vault.rebalanceNeeded()) {
            vault.rebalance();
            rebalanced = true;
        }
        uint256 expired;
        IStaleClaimSource source = claimSource;
        if (ids.length != 0 && address(source) != address(0)) {
            expired = source.expireClaims(_firstN(ids, MAX_CLAIMS_PER_UPKEEP));
        }
        if (!rebalanced && expired == 0) revert VaultUpkeepNothingToDo();
        emit UpkeepPerformed(rebalanced, expired);
    }

    /// @dev The first `n` ids (all of them when there are no more than `n`).
    function _firstN(bytes32[] memory ids, uint256 n) private pure returns (bytes32[] memory out) {
        if (ids.length < n + 1) return ids;
        out = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) out[i] = ids[i];
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {IStrategyVault} from "../interfaces/IStrategyVault.sol";
import {IParameters} from "../interfaces/IParameters.sol";
import {IKeeperEligibility} from "../interfaces/IKeeperEligibility.sol";
import {IReceiptView} from "../interfaces/IReceiptView.sol";
import {ParamKeys} from "../libraries/ParamKeys.sol";
import {VaultMath} from "../libraries/VaultMath.sol";

/// @title VaultSources
/// @notice What the strategy vault reads from outside and who may change it: the parameter store, the
///         keeper eligibility source, the receipt source, the Chainlink reference feed and the guardian.
///         The owner is the governance timelock.
abstract contract VaultSources is IStrategyVault, Ownable {
    /// @notice The protocol's parameter store (owned by the timelock).
    // solhint-disable-next-line immutable-vars-naming
    IParameters public immutable parameters;
    /// @notice Source of keeper eligibility and reputation (the reputation oracle); zero until set.
    IKeeperEligibility public eligibility;
    /// @notice Source of execution receipts (the receipt registry); zero until set.
    IReceiptView public receipts;
    /// @notice Chainlink reference feed bounding reported execution prices; zero until set.
    AggregatorV3Interface public priceFeed;
    /// @notice May pause, unpause and reset the breaker next to the owner (the timelock).
    address public guardian;

    modifier onlyGuardianOrOwner() {
        if (msg.sender != guardian && msg.sender != owner()) revert StrategyVaultNotGuardian(msg.sender);
        _;
    }

    /// @param parameters_ The parameter store.
    /// @param owner_ Admin (the deployer, who hands it to the timelock).
    /// @param eligibility_ Keeper eligibility source, or zero to set later by governance.
    /// @param receipts_ Receipt source, or zero to set later by governance.
    /// @param priceFeed_ Chainlink reference feed, or zero to set later by governance.
    constructor(
        IParameters parameters_,
        address owner_,
        address eligibility_,
        address receipts_,
        address priceFeed_
    ) Ownable(owner_) {
        if (address(parameters_) == address(0)) revert StrategyVaultZeroAddress();
        parameters = parameters_;
        eligibility = IKeeperEligibility(eligibility_);
        receipts = IReceiptView(receipts_);
        priceFeed = AggregatorV3Interface(priceFeed_);
    }

    /// @inheritdoc IStrategyVault
    function setEligibility(address source) external onlyOwner {
        if (source == address(0)) revert StrategyVaultZeroAddress();
        eligibility = IKeeperEligibility(source);
        emit SourceSet("eligibility", source);
    }

    /// @inheritdoc IStrategyVault
    function setReceipts(address source) external onlyOwner {
        if (source == address(0)) revert StrategyVaultZeroAddress();
        receipts = IReceiptView(source);
        emit SourceSet("receipts", source);
    }

    /// @inheritdoc IStrategyVault
    function setPriceFeed(address feed) external onlyOwner {
        if (feed == address(0)) revert StrategyVaultZeroAddress();
        priceFeed = AggregatorV3Interface(feed);
        emit SourceSet("priceFeed", feed);
    }

    /// @inheritdoc IStrategyVault
    function setGuardian(address guardian_) external onlyOwner {
        guardian = guardian_;
        emit SourceSet("guardian", guardian_);
    }

    /// @dev The current value of parameter `key`.
    function _param(bytes32 key) internal view returns (uint256) {
        return parameters.get(key);
    }

    /// @dev The Chainlink reference in 8 decimals; unset feeds, stale or non-positive answers revert.
    function _referencePrice() internal view returns (uint256) {
        AggregatorV3Interface feed = priceFeed;
        if (address(feed) == address(0)) revert StrategyVaultSourceNotSet("priceFeed");
        (, int256 answer, , uint256 updatedAt, ) = feed.latestRoundData();
        if (answer < 1) revert StrategyVaultOracleInvalidAnswer(answer);
        uint256 maxAge = _param(ParamKeys.ORACLE_MAX_AGE_SECONDS);
        if (updatedAt == 0 || updatedAt > block.timestamp || block.timestamp - updatedAt > maxAge) {
            revert StrategyVaultOracleStale(updatedAt, maxAge);
        }
        return VaultMath.toPrice8(uint256(answer), feed.decimals());
    }
}

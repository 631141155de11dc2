// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IStrategyVault} from "../interfaces/IStrategyVault.sol";
import {IParameters} from "../interfaces/IParameters.sol";

/// @title VaultSources
/// @notice What the strategy vault reads from outside and who may act on it: the parameter store, the keeper
///         capital book (the only account that moves sleeve capital) and the guardian. The owner is the
///         governance timelock.
/// @dev Guardian design: the guardian can only stop (pause at once); unpausing and resetting the breaker are the
///      owner's (the timelock's), so a leaked guardian key can at worst stop deposits and draws until governance
///      acts, never restart a vault governance or the breaker stopped.
abstract contract VaultSources is IStrategyVault, Ownable {
    /// @notice The protocol's parameter store (owned by the timelock).
    // solhint-disable-next-line immutable-vars-naming
    IParameters public immutable parameters;
    /// @notice The keeper capital book; zero until set (no capital can leave the sleeves before).
    address public capitalBook;
    /// @notice May pause at once next to the owner (the timelock); only the owner unpauses and resets the breaker.
    address public guardian;

    modifier onlyGuardianOrOwner() {
        if (msg.sender != guardian && msg.sender != owner()) revert StrategyVaultNotGuardian(msg.sender);
        _;
    }

    modifier onlyCapitalBook() {
        if (msg.sender != capitalBook || msg.sender == address(0)) revert StrategyVaultNotCapitalBook(msg.sender);
        _;
    }

    /// @param parameters_ The parameter store.
    /// @param owner_ Admin (the deployer, who hands it to the timelock).
    constructor(IParameters parameters_, address owner_) Ownable(owner_) {
        if (address(parameters_) == address(0)) revert StrategyVaultZeroAddress();
        parameters = parameters_;
    }

    /// @inheritdoc IStrategyVault
    function setCapitalBook(address book) external onlyOwner {
        if (book == address(0)) revert StrategyVaultZeroAddress();
        capitalBook = book;
        emit SourceSet("capitalBook", book);
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
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol";
import {Parameters} from "../../contracts/governance/Parameters.sol";
import {StrategyVault} from "../../contracts/vault/StrategyVault.sol";
import {KeeperCapital} from "../../contracts/vault/KeeperCapital.sol";
import {IKeeperCapital} from "../../contracts/interfaces/IKeeperCapital.sol";
import {IStrategyVault} from "../../contracts/interfaces/IStrategyVault.sol";
import {TestStablecoin} from "../../contracts/mocks/TestStablecoin.sol";
import {TestCapitalSlashing} from "../../contracts/mocks/TestCapitalSlashing.sol";
import {TestCampaignClaims} from "../../contracts/mocks/TestCampaignClaims.sol";
import {TestReceiptSource} from "../../contracts/mocks/TestReceiptSource.sol";

/// @dev The few cheatcodes these tests use (Hardhat's Solidity tests serve them at the usual address).
interface Vm {
    function prank(address sender) external;
    function warp(uint256 timestamp) external;
}

Vm constant VM = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

/// @title CapitalHandler
/// @notice Drives the vault and its keeper capital book with random but valid steps (draw for a claimed campaign,
///         repay with or without a receipt, profit or loss, dispute, finalise, liquidate, wait, rebalance) and keeps
///         ghost totals of where every drawn unit went. Owns the vault and the book (acts as governance).
contract CapitalHandler {
    uint256 internal constant USD = 1e6;
    uint128 internal constant PRICE = 1e8;
    uint256 public constant STAKE0 = 2_000 * USD;
    uint256 public constant STAKE1 = 1_000 * USD;

    TestStablecoin public asset;
    Parameters public params;
    StrategyVault public vault;
    KeeperCapital public capital;
    TestCapitalSlashing public slashing;
    TestCampaignClaims public claims;
    TestReceiptSource public receipts;
    MockV3Aggregator public feed;

    address[3] public keys = [address(0xA1), address(0xA2), address(0xA3)];
    /// @dev keys 0 and 1 belong to operator 0, key 2 to operator 1.
    address[2] public operators = [address(0xB1), address(0xB2)];

    uint256[] internal _draws;
    uint256 private _nonce;

    uint256 public ghostDrawn;
    uint256 public ghostBack;
    uint256 public ghostRecovered;
    uint256 public ghostLost;

    constructor() {
        asset = new TestStablecoin();
        params = new Parameters(address(this));
        feed = new MockV3Aggregator(8, int256(uint256(PRICE)));
        slashing = new TestCapitalSlashing(asset);
        claims = new TestCampaignClaims();
        receipts = new TestReceiptSource();
        vault = new StrategyVault(asset, params, address(this));
        capital = new KeeperCapital(
            IStrategyVault(address(vault)),
            params,
            address(this),
            address(slashing),
            address(slashing),
            address(claims),
            address(receipts),
            address(feed)
        );
        vault.setCapitalBook(address(capital));
        slashing.setBook(address(capital));
        asset.mint(address(this), 1_000_000 * USD);
        asset.approve(address(vault), type(uint256).max);
        asset.approve(address(slashing), type(uint256).max);
        vault.deposit(100_000 * USD, address(this));
        vault.rebalance();
        slashing.stake(operators[0], STAKE0);
        slashing.stake(operators[1], STAKE1);
        slashing.bind(keys[0], operators[0], 10_000);
        slashing.bind(keys[1], operators[0], 10_000);
        slashing.bind(keys[2], operators[1], 10_000);
        for (uint256 i = 0; i < 3; ++i) {
            asset.mint(keys[i], 1_000_000 * USD);
            VM.prank(keys[i]);
            asset.approve(address(capital), type(uint256).max);
        }
    }

    // ------------------------------------------------------------------ steps

    function draw(uint256 keySeed, uint256 sleeveSeed, uint256 amountSeed) external {
        address k = keys[keySeed % 3];
        uint8 sleeve = uint8(sleeveSeed % 2);
        uint256 room = capital.drawable(k, sleeve);
        if (room == 0) return;
        uint256 amount = 1 + (amountSeed % room);
        bytes32 campaignId = keccak256(abi.encode("campaign", ++_nonce));
        claims.setClaim(campaignId, k, uint64(block.timestamp + 120));
        VM.prank(k);
        _draws.push(capital.draw(campaignId, sleeve, amount));
        ghostDrawn += amount;
    }

    function repay(uint256 idxSeed, uint256 resultSeed, bool withReceipt) external {
        (uint256 drawId, IKeeperCapital.Draw memory d) = _pick(idxSeed);
        if (d.state != IKeeperCapital.DrawState.Open) return;
        uint256 principal = d.owed;
        if (!withReceipt) {
            VM.prank(d.keeper);
            capital.repay(drawId, principal, 0);
            ghostBack += principal;
            return;
        }
        uint256 returned = (principal * (8_000 + (resultSeed % 4_001))) / 10_000; // 80% .. 120%
        int256 pnl = int256(returned) - int256(principal);
        uint256 receiptId = receipts.addFor(d.keeper, d.campaignId, PRICE, pnl);
        feed.updateAnswer(int256(uint256(PRICE)));
        VM.prank(d.keeper);
        capital.repay(drawId, returned, receiptId);
        ghostBack += returned < principal ? returned : principal;
    }

    function dispute(uint256 idxSeed, uint8 stateSeed) external {
        (, IKeeperCapital.Draw memory d) = _pick(idxSeed);
        if (d.state != IKeeperCapital.DrawState.LossPending) return;
        slashing.setDisputeState(d.receiptId, stateSeed % 3);
    }

    function finalize(uint256 idxSeed) external {
        (uint256 drawId, IKeeperCapital.Draw memory d) = _pick(idxSeed);
        if (d.state != IKeeperCapital.DrawState.LossPending) return;
        uint256 slashedBefore = slashing.totalSlashed();
        try capital.finalizeLoss(drawId) {
            uint256 recovered = slashing.totalSlashed() - slashedBefore;
            ghostRecovered += recovered;
            ghostLost += d.owed - recovered;
        } catch {
            return; // window open or dispute pending
        }
    }

    function liquidate(uint256 idxSeed) external {
        (uint256 drawId, IKeeperCapital.Draw memory d) = _pick(idxSeed);
        if (d.state != IKeeperCapital.DrawState.Open || block.timestamp <= d.repayBy) return;
        uint256 slashedBefore = slashing.totalSlashed();
        capital.liquidate(drawId);
        uint256 recovered = slashing.totalSlashed() - slashedBefore;
        ghostRecovered += recovered;
        ghostLost += d.owed - recovered;
    }

    function wait(uint256 secondsSeed) external {
        VM.warp(block.timestamp + 1 + (secondsSeed % 2 days));
    }

    function rebalance() external {
        vault.rebalance();
    }

    /// @dev Governance lifts suspensions and resets the breaker, so the run keeps drawing.
    function reinstate(uint256 keySeed) external {
        address k = keys[keySeed % 3];
        slashing.reinstate(k);
        if (vault.breakerTripped()) vault.resetBreaker();
    }

    // ------------------------------------------------------------------ views for the invariants

    /// @notice What all keys owe together.
    function outstandingTotal() public view returns (uint256) {
        return capital.outstandingOf(operators[0]) + capital.outstandingOf(operators[1]);
    }

    function _pick(uint256 idxSeed) private view returns (uint256 drawId, IKeeperCapital.Draw memory d) {
        if (_draws.length == 0) return (0, d);
        drawId = _draws[idxSeed % _draws.length];
        d = capital.drawOf(drawId);
    }
}

/// @title KeeperCapitalInvariants
/// @notice Properties of the keeper capital book under random histories (H1, H2): an operator's keys never owe more
///         than its slashable stake, every drawn unit is repaid, returned, recovered from stake or booked as a loss,
///         the vault's drawn capital is exactly what keepers owe, and the vault's gross assets are buffer + sleeves.
contract KeeperCapitalInvariants {
    CapitalHandler internal handler;

    function setUp() public {
        handler = new CapitalHandler();
    }

    /// @dev Only the handler is called by the invariant runner.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function invariant_operatorKeysOweAtMostTheOperatorsStake() public view {
        KeeperCapital capital = handler.capital();
        TestCapitalSlashing slashing = handler.slashing();
        for (uint256 i = 0; i < 2; ++i) {
            address op = handler.operators(i);
            require(capital.outstandingOf(op) <= slashing.slashableStake(op), "operator owes more than its stake");
        }
    }

    function invariant_keysSumToTheirOperator() public view {
        KeeperCapital capital = handler.capital();
        uint256 op0 = capital.keeperOutstanding(handler.keys(0)) + capital.keeperOutstanding(handler.keys(1));
        require(op0 == capital.outstandingOf(handler.operators(0)), "keys of operator 0");
        require(capital.keeperOutstanding(handler.keys(2)) == capital.outstandingOf(handler.operators(1)), "op 1");
    }

    function invariant_everyDrawIsRepaidReturnedSlashedOrBooked() public view {
        uint256 accounted =
            handler.ghostBack() + handler.ghostRecovered() + handler.ghostLost() + handler.outstandingTotal();
        require(handler.ghostDrawn() == accounted, "ghost accounting does not close");
    }

    function invariant_vaultDrawnIsWhatKeepersOwe() public view {
        StrategyVault vault = handler.vault();
        require(vault.sleeveDrawn(0) + vault.sleeveDrawn(1) == handler.outstandingTotal(), "vault drawn != owed");
    }

    function invariant_grossAssetsAreBufferPlusSleeves() public view {
        StrategyVault vault = handler.vault();
        uint256 gross = vault.sleeveAssets(0) + vault.sleeveAssets(1) + vault.sleeveAssets(2);
        require(vault.totalAssets() + vault.lockedProfit() == gross, "gross != buffer + sleeves");
        uint256 liquid = gross - vault.sleeveDrawn(0) - vault.sleeveDrawn(1);
        uint256 held = handler.asset().balanceOf(address(vault));
        require(held >= liquid + vault.reservedAssets(), "vault holds less than it books");
    }

    function invariant_stakePlusSlashedIsConserved() public view {
        TestCapitalSlashing slashing = handler.slashing();
        uint256 stakes = slashing.stakeOf(handler.operators(0)) + slashing.stakeOf(handler.operators(1));
        require(stakes + slashing.totalSlashed() == handler.STAKE0() + handler.STAKE1(), "stake not conserved");
    }

    /// @notice H1: whatever the amount, a key cannot draw past what its operator's stake bounds.
    function testFuzz_draw_beyondTheOperatorBound_reverts(uint256 extra) public {
        KeeperCapital capital = handler.capital();
        address k = handler.keys(2);
        uint256 room = capital.operatorBound(handler.operators(1)) - capital.outstandingOf(handler.operators(1));
        uint256 amount = room + 1 + (extra % 1e30);
        bytes32 campaignId = keccak256(abi.encode("fuzz", extra));
        handler.claims().setClaim(campaignId, k, uint64(block.timestamp + 120));
        VM.prank(k);
        try capital.draw(campaignId, 1, amount) {
            revert("a draw beyond the operator's bound went through");
        } catch {}
        require(capital.outstandingOf(handler.operators(1)) <= handler.STAKE1(), "bound");
    }
}

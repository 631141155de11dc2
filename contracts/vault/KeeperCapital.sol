// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {IKeeperCapital} from "../interfaces/IKeeperCapital.sol";
import {IOperatorExposure} from "../interfaces/IOperatorExposure.sol";
import {IStrategyVault} from "../interfaces/IStrategyVault.sol";
import {IParameters} from "../interfaces/IParameters.sol";
import {IKeeperEligibility} from "../interfaces/IKeeperEligibility.sol";
import {ICapitalSlashing} from "../interfaces/ICapitalSlashing.sol";
import {ICampaignRegistry} from "../interfaces/ICampaignRegistry.sol";
import {IReceiptView} from "../interfaces/IReceiptView.sol";
import {ParamKeys} from "../libraries/ParamKeys.sol";
import {VaultMath} from "../libraries/VaultMath.sol";

/// @title KeeperCapital
/// @notice The keeper capital book of the strategy vault: every draw is tied to a campaign the keeper holds the
///         live claim of, bounded by its operator's slashable stake, and ends repaid by a receipt of that campaign,
///         returned principal-only, or liquidated against the stake. Losses wait out the receipt's challenge window.
///         See docs/SPECIFICATION.md, "Keepers: draw and repay".
/// @dev What an operator's keys owe (`outstandingOf`) counts capital out plus shortfalls not yet booked, keyed by the
///      operator snapshotted at the draw, so re-binding a key moves no debt. The vault trusts this book for every
///      capital movement; the book holds no assets between calls (slashed stake passes straight to the vault).
contract KeeperCapital is IKeeperCapital, Ownable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @dev Receipt id of a repayment that cites no receipt (registry ids start at 1): principal only.
    uint256 private constant _NO_RECEIPT = 0;
    /// @dev `ICapitalSlashing.receiptDisputeState` values.
    uint8 private constant _DISPUTE_PENDING = 1;
    uint8 private constant _DISPUTE_UPHELD = 2;

    /// @notice The strategy vault whose sleeves this book lends.
    // solhint-disable-next-line immutable-vars-naming
    IStrategyVault public immutable vault;
    /// @notice The vault's deposit asset.
    // solhint-disable-next-line immutable-vars-naming
    IERC20 public immutable asset;
    /// @notice The protocol's parameter store.
    // solhint-disable-next-line immutable-vars-naming
    IParameters public immutable parameters;
    /// @notice Keeper eligibility and score (the reputation oracle).
    IKeeperEligibility public eligibility;
    /// @notice Slashable stake, slashing for default and receipt disputes (the reputation oracle).
    ICapitalSlashing public slashing;
    /// @notice The campaign registry (live claims and claim deadlines).
    ICampaignRegistry public campaigns;
    /// @notice The receipt registry.
    IReceiptView public receipts;
    /// @notice Chainlink reference feed bounding receipts' average prices; zero: prices are not checked (no fee).
    AggregatorV3Interface public priceFeed;

    mapping(uint256 drawId => Draw) private _draws;
    uint256 private _drawCount;
    mapping(address keeper => mapping(bytes32 campaignId => uint256 drawId)) private _drawIds;
    mapping(address operator => uint256) private _operatorOutstanding;
    mapping(address keeper => uint256) private _keeperOutstanding;
    mapping(address source => mapping(uint256 receiptId => bool)) private _receiptUsed;

    /// @param vault_ The strategy vault (which must name this book as its `capitalBook`).
    /// @param parameters_ The parameter store.
    /// @param owner_ Admin (the deployer, who hands it to the timelock).
    /// @param eligibility_ Keeper eligibility source, or zero to set later.
    /// @param slashing_ Slashing source, or zero to set later.
    /// @param campaigns_ Campaign registry, or zero to set later.
    /// @param receipts_ Receipt registry, or zero to set later.
    /// @param priceFeed_ Reference feed, or zero to set later.
    constructor(
        IStrategyVault vault_,
        IParameters parameters_,
        address owner_,
        address eligibility_,
        address slashing_,
        address campaigns_,
        address receipts_,
        address priceFeed_
    ) Ownable(owner_) {
        if (address(vault_) == address(0) || address(parameters_) == address(0)) revert KeeperCapitalZeroAddress();
        vault = vault_;
        asset = IERC20(IERC4626(address(vault_)).asset());
        parameters = parameters_;
        eligibility = IKeeperEligibility(eligibility_);
        slashing = ICapitalSlashing(slashing_);
        campaigns = ICampaignRegistry(campaigns_);
        receipts = IReceiptView(receipts_);
        priceFeed = AggregatorV3Interface(priceFeed_);
    }

    // ================================================================== keepers

    /// @inheritdoc IKeeperCapital
    function draw(bytes32 campaignId, uint8 sleeve, uint256 amount) external nonReentrant returns (uint256 drawId) {
        (address operator, uint256 repayBy) = _checkDraw(campaignId, amount);
        drawId = ++_drawCount;
        _draws[drawId] = Draw({
            campaignId: campaignId,
            keeper: msg.sender,
            repayBy: SafeCast.toUint40(repayBy),
            sleeve: sleeve,
            state: DrawState.Open,
            operator: operator,
            owed: SafeCast.toUint96(amount),
            receiptId: 0
        });
        _drawIds[msg.sender][campaignId] = drawId;
        _operatorOutstanding[operator] += amount;
        _keeperOutstanding[msg.sender] += amount;
        emit Drawn(drawId, msg.sender, campaignId, operator, sleeve, amount, repayBy);
        // The vault checks pause, breaker, the sleeve's cap and idle assets, then pays the keeper.
        vault.capitalOut(sleeve, amount, msg.sender);
    }

    /// @dev Checks a draw of `amount` for `campaignId` by the caller; returns its operator and repay deadline.
    function _checkDraw(bytes32 campaignId, uint256 amount) private view returns (address operator, uint256 repayBy) {
        if (amount == 0) revert KeeperCapitalZeroAmount();
        (IKeeperEligibility elig, ICapitalSlashing slash, ICampaignRegistry camps) = _drawSources();
        address claimant = camps.liveClaimantOf(campaignId);
        if (claimant != msg.sender) revert KeeperCapitalNotClaimant(campaignId, msg.sender, claimant);
        if (slash.isSuspended(msg.sender)) revert KeeperCapitalKeeperSuspended(msg.sender);
        if (!elig.isEligible(msg.sender)) revert KeeperCapitalNotEligible(msg.sender);
        uint256 existing = _drawIds[msg.sender][campaignId];
        if (existing != 0) revert KeeperCapitalAlreadyDrawn(msg.sender, campaignId, existing);
        operator = slash.operatorOf(msg.sender);
        if (operator == address(0)) revert KeeperCapitalNoOperator(msg.sender);
        uint256 operatorRoom = VaultMath.room(_bound(slash, operator), _operatorOutstanding[operator]);
        if (amount > operatorRoom) revert KeeperCapitalOperatorBoundExceeded(operator, amount, operatorRoom);
        uint256 keeperRoom = _keeperRoom(elig, msg.sender);
        if (amount > keeperRoom) revert KeeperCapitalKeeperCapExceeded(msg.sender, amount, keeperRoom);
        repayBy = uint256(camps.campaignOf(campaignId).claimDeadline) + _param(ParamKeys.REPAY_GRACE_SECONDS);
    }

    /// @inheritdoc IKeeperCapital
    function repay(uint256 drawId, uint256 returned, uint256 receiptId) external nonReentrant {
        Draw memory d = _draws[drawId];
        if (d.state != DrawState.Open) revert KeeperCapitalDrawNotInState(drawId, d.state);
        if (d.keeper != msg.sender) revert KeeperCapitalNotDrawer(drawId, msg.sender);
        uint256 principal = d.owed;
        uint256 profit;
        uint256 fee;
        uint256 shortfall;
        Verdict memory v;
        if (receiptId == _NO_RECEIPT) {
            // Capital that traded nothing goes back without a receipt, principal only: no PnL without evidence.
            if (returned != principal) revert KeeperCapitalReceiptRequired(principal, returned);
        } else {
            v = _judge(_useReceipt(receiptId, d.campaignId), principal, returned);
            if (returned < principal) {
                shortfall = principal - returned;
            } else {
                profit = returned - principal;
                if (v.feeAllowed && profit != 0) {
                    fee = VaultMath.keeperCap(profit, _param(ParamKeys.KEEPER_FEE_BPS), eligibility.score(msg.sender));
                }
            }
        }
        uint256 back = principal - shortfall;

        if (shortfall == 0) {
            _draws[drawId].state = DrawState.Closed;
            _draws[drawId].owed = 0;
        } else {
            // The shortfall stays owed (and counts against the operator's bound) until `finalizeLoss`.
            _draws[drawId].state = DrawState.LossPending;
            _draws[drawId].owed = SafeCast.toUint96(shortfall);
            _draws[drawId].receiptId = receiptId;
        }
        _operatorOutstanding[d.operator] -= back;
        _keeperOutstanding[msg.sender] -= back;
        if (v.suspend != bytes32(0)) _suspend(msg.sender, v.suspend);
        emit Repaid(drawId, msg.sender, receiptId, principal, returned, profit, shortfall);

        if (v.tripReason != bytes32(0)) vault.tripBreaker(v.tripReason, v.tripValue, v.tripBound);
        if (returned != 0) asset.safeTransferFrom(msg.sender, address(vault), returned);
        if (back != 0 || profit != 0) vault.capitalIn(d.sleeve, back, profit, d.operator, fee);
    }

    /// @inheritdoc IKeeperCapital
    function finalizeLoss(uint256 drawId) external nonReentrant {
        Draw memory d = _draws[drawId];
        if (d.state != DrawState.LossPending) revert KeeperCapitalDrawNotInState(drawId, d.state);
        ICapitalSlashing slash = slashing;
        uint8 dispute = slash.receiptDisputeState(d.receiptId);
        uint256 finalAt =
            uint256(receipts.getReceipt(d.receiptId).postedAt) + _param(ParamKeys.CHALLENGE_WINDOW_SECONDS);
        if (dispute == _DISPUTE_PENDING || (dispute != _DISPUTE_UPHELD && block.timestamp <= finalAt)) {
            revert KeeperCapitalLossNotFinal(drawId, finalAt, dispute);
        }
        uint256 shortfall = d.owed;
        _close(drawId, d.keeper, d.operator, shortfall);
        uint256 recovered = dispute == _DISPUTE_UPHELD ? _slash(slash, d.operator, d.keeper, shortfall) : 0;
        emit LossFinalized(drawId, recovered, shortfall - recovered);
        _settleWithVault(d.sleeve, recovered, shortfall - recovered);
    }

    /// @inheritdoc IKeeperCapital
    function liquidate(uint256 drawId) external nonReentrant {
        Draw memory d = _draws[drawId];
        if (d.state != DrawState.Open) revert KeeperCapitalDrawNotInState(drawId, d.state);
        if (block.timestamp <= d.repayBy) revert KeeperCapitalNotOverdue(drawId, d.repayBy);
        uint256 owed = d.owed;
        _close(drawId, d.keeper, d.operator, owed);
        _suspend(d.keeper, "default");
        uint256 slashed = _slash(slashing, d.operator, d.keeper, owed);
        emit Liquidated(drawId, msg.sender, owed, slashed, owed - slashed);
        _settleWithVault(d.sleeve, slashed, owed - slashed);
    }

    // ================================================================== views

    /// @inheritdoc IKeeperCapital
    function drawOf(uint256 drawId) external view returns (Draw memory) {
        return _draws[drawId];
    }

    /// @inheritdoc IKeeperCapital
    function drawIdOf(address keeper, bytes32 campaignId) external view returns (uint256) {
        return _drawIds[keeper][campaignId];
    }

    /// @inheritdoc IKeeperCapital
    function drawCount() external view returns (uint256) {
        return _drawCount;
    }

    /// @inheritdoc IOperatorExposure
    function outstandingOf(address operator) external view returns (uint256) {
        return _operatorOutstanding[operator];
    }

    /// @inheritdoc IKeeperCapital
    function keeperOutstanding(address keeper) external view returns (uint256) {
        return _keeperOutstanding[keeper];
    }

    /// @inheritdoc IKeeperCapital
    function operatorBound(address operator) external view returns (uint256) {
        ICapitalSlashing slash = slashing;
        return address(slash) == address(0) ? 0 : _bound(slash, operator);
    }

    /// @inheritdoc IKeeperCapital
    function drawable(address keeper, uint8 sleeve) external view returns (uint256) {
        IKeeperEligibility elig = eligibility;
        ICapitalSlashing slash = slashing;
        if (address(elig) == address(0) || address(slash) == address(0) || address(campaigns) == address(0)) return 0;
        if (slash.isSuspended(keeper) || !elig.isEligible(keeper)) return 0;
        address operator = slash.operatorOf(keeper);
        if (operator == address(0)) return 0;
        uint256 operatorRoom = VaultMath.room(_bound(slash, operator), _operatorOutstanding[operator]);
        return Math.min(Math.min(vault.sleeveRoom(sleeve), operatorRoom), _keeperRoom(elig, keeper));
    }

    /// @inheritdoc IKeeperCapital
    function suspended(address keeper) external view returns (bool) {
        ICapitalSlashing slash = slashing;
        return address(slash) != address(0) && slash.isSuspended(keeper);
    }

    // ================================================================== governance

    /// @inheritdoc IKeeperCapital
    function setSources(
        address eligibility_,
        address slashing_,
        address campaigns_,
        address receipts_
    ) external onlyOwner {
        if (
            eligibility_ == address(0) || slashing_ == address(0) || campaigns_ == address(0) || receipts_ == address(0)
        ) revert KeeperCapitalZeroAddress();
        eligibility = IKeeperEligibility(eligibility_);
        slashing = ICapitalSlashing(slashing_);
        campaigns = ICampaignRegistry(campaigns_);
        receipts = IReceiptView(receipts_);
        emit SourceSet("eligibility", eligibility_);
        emit SourceSet("slashing", slashing_);
        emit SourceSet("campaigns", campaigns_);
        emit SourceSet("receipts", receipts_);
    }

    /// @inheritdoc IKeeperCapital
    function setPriceFeed(address feed) external onlyOwner {
        if (feed == address(0)) revert KeeperCapitalZeroAddress();
        priceFeed = AggregatorV3Interface(feed);
        emit SourceSet("priceFeed", feed);
    }

    // ================================================================== internals

    /// @dev What a receipt repayment did wrong: the keeper's suspension reason, and a breaker trip when material.
    struct Verdict {
        bool feeAllowed;
        bytes32 suspend;
        bytes32 tripReason;
        uint256 tripValue;
        uint256 tripBound;
    }

    /// @dev Judges a receipt repayment (M2, L8, L11). A bad average price or a return below the receipt's own PnL
    ///      suspends the keeper and forfeits the fee; it trips the vault's breaker only when material (the principal,
    ///      resp. the PnL shortfall, above `maxLossBps` of total assets). A stale or unset feed skips the price check
    ///      and the fee instead of refusing the repayment. The fee is paid only to a keeper still eligible.
    function _judge(
        IReceiptView.Receipt memory r,
        uint256 principal,
        uint256 returned
    ) private view returns (Verdict memory v) {
        (bool checked, uint256 deviation) = _deviation(r.summary.avgPrice);
        uint256 priceBound = _param(ParamKeys.PRICE_DEVIATION_BPS);
        bool badPrice = checked && deviation > priceBound;
        int256 realised = SafeCast.toInt256(returned) - SafeCast.toInt256(principal);
        uint256 pnlShortfall = realised < r.summary.pnl ? SafeCast.toUint256(r.summary.pnl - realised) : 0;
        if (badPrice || pnlShortfall != 0) {
            uint256 material = VaultMath.bpsOf(_totalAssets(), _param(ParamKeys.MAX_LOSS_BPS));
            v.suspend = badPrice ? bytes32("price") : bytes32("pnl");
            if (badPrice && principal > material)
                (v.tripReason, v.tripValue, v.tripBound) = ("price", deviation, priceBound);
            else if (pnlShortfall > material)
                (v.tripReason, v.tripValue, v.tripBound) = ("pnl", pnlShortfall, material);
        } else {
            v.feeAllowed = checked && eligibility.isEligible(r.keeper);
        }
    }

    /// @dev Checks receipt `receiptId` is the caller's, of `campaignId` and unused, marks it used and returns it.
    function _useReceipt(uint256 receiptId, bytes32 campaignId) private returns (IReceiptView.Receipt memory r) {
        IReceiptView source = receipts;
        if (address(source) == address(0)) revert KeeperCapitalSourceNotSet("receipts");
        if (_receiptUsed[address(source)][receiptId]) revert KeeperCapitalReceiptAlreadyUsed(receiptId);
        r = source.getReceipt(receiptId);
        if (r.keeper != msg.sender || r.campaignId != campaignId) {
            revert KeeperCapitalReceiptMismatch(receiptId, r.keeper, r.campaignId);
        }
        _receiptUsed[address(source)][receiptId] = true;
    }

    /// @dev Deviation of `avgPrice` from the reference in bps; `checked` false when the feed is unset, stale,
    ///      non-positive or unreadable (the repayment then goes through without a price check and without a fee).
    function _deviation(uint256 avgPrice) private view returns (bool checked, uint256 deviation) {
        AggregatorV3Interface feed = priceFeed;
        if (address(feed) == address(0)) return (false, 0);
        uint256 maxAge = _param(ParamKeys.ORACLE_MAX_AGE_SECONDS);
        try feed.latestRoundData() returns (uint80, int256 answer, uint256, uint256 updatedAt, uint80) {
            if (answer < 1 || updatedAt == 0 || updatedAt > block.timestamp || block.timestamp - updatedAt > maxAge) {
                return (false, 0);
            }
            try feed.decimals() returns (uint8 decimals) {
                uint256 ref = VaultMath.toPrice8(uint256(answer), decimals);
                if (ref == 0) return (false, 0);
                return (true, VaultMath.deviationBps(avgPrice, ref));
            } catch {
                return (false, 0);
            }
        } catch {
            return (false, 0);
        }
    }

    /// @dev Marks a draw closed and takes `amount` off what its keeper and operator owe.
    function _close(uint256 drawId, address keeper, address operator, uint256 amount) private {
        _draws[drawId].state = DrawState.Closed;
        _draws[drawId].owed = 0;
        _operatorOutstanding[operator] -= amount;
        _keeperOutstanding[keeper] -= amount;
    }

    /// @dev Slashes up to `amount` of `operator`'s stake for `keeper` (the tokens arrive here); never counts more
    ///      than was asked for.
    function _slash(
        ICapitalSlashing slash,
        address operator,
        address keeper,
        uint256 amount
    ) private returns (uint256 slashed) {
        slashed = Math.min(slash.slashForDefault(operator, keeper, amount), amount);
    }

    /// @dev Sends `recovered` slashed stake back to the sleeve and books `loss` to depositors.
    function _settleWithVault(uint8 sleeve, uint256 recovered, uint256 loss) private {
        if (recovered != 0) {
            asset.safeTransfer(address(vault), recovered);
            vault.capitalIn(sleeve, recovered, 0, address(0), 0);
        }
        if (loss != 0) vault.bookLoss(sleeve, loss);
    }

    /// @dev Issue 16 follow-up: the suspension lives in the reputation oracle only (one flag, which eligibility,
    ///      the campaign registry and this book all read); this book records why.
    function _suspend(address keeper, bytes32 reason) private {
        emit KeeperSuspended(keeper, reason);
        slashing.suspendKeeper(keeper);
    }

    /// @dev Most `operator`'s keys may owe: slashable stake x `capitalStakeMultipleBps` / 10_000.
    function _bound(ICapitalSlashing slash, address operator) private view returns (uint256) {
        return VaultMath.bpsOf(slash.slashableStake(operator), _param(ParamKeys.CAPITAL_STAKE_MULTIPLE_BPS));
    }

    /// @dev Room under `keeper`'s own cap: total assets x keeperCapBps x score, less what it owes.
    function _keeperRoom(IKeeperEligibility elig, address keeper) private view returns (uint256) {
        uint256 cap = VaultMath.keeperCap(_totalAssets(), _param(ParamKeys.KEEPER_CAP_BPS), elig.score(keeper));
        return VaultMath.room(cap, _keeperOutstanding[keeper]);
    }

    function _drawSources() private view returns (IKeeperEligibility, ICapitalSlashing, ICampaignRegistry) {
        if (address(eligibility) == address(0)) revert KeeperCapitalSourceNotSet("eligibility");
        if (address(slashing) == address(0)) revert KeeperCapitalSourceNotSet("slashing");
        if (address(campaigns) == address(0)) revert KeeperCapitalSourceNotSet("campaigns");
        return (eligibility, slashing, campaigns);
    }

    function _totalAssets() private view returns (uint256) {
        return IERC4626(address(vault)).totalAssets();
    }

    function _param(bytes32 key) private view returns (uint256) {
        return parameters.get(key);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IDisputeDesk} from "../interfaces/IDisputeDesk.sol";
import {IReputationOracle} from "../interfaces/IReputationOracle.sol";
import {IReceiptRegistry} from "../interfaces/IReceiptRegistry.sol";
import {IReceiptView} from "../interfaces/IReceiptView.sol";
import {ICampaignRegistry} from "../interfaces/ICampaignRegistry.sol";
import {IParameters} from "../interfaces/IParameters.sol";
import {ParamKeys} from "../libraries/ParamKeys.sol";
import {TraceLeafLib} from "../libraries/TraceLeafLib.sol";

/// @title DisputeDesk
/// @notice Disputes and data-availability demands against receipts (see `IDisputeDesk`). Holds the bonds;
///         stake, holds and slashes live in the reputation oracle, which this desk drives. Every slash hits
///         the operator snapshotted into the receipt, at most once per receipt.
contract DisputeDesk is IDisputeDesk, AccessControl, ReentrancyGuard {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using TraceLeafLib for TraceLeafLib.TraceLeaf;

    /// @notice Role that rules on disputes before (or after) their deadline.
    bytes32 public constant ARBITER_ROLE = keccak256("ARBITER_ROLE");

    /// @dev Open disputes and demands of one receipt, and whether it was slashed.
    struct ReceiptCase {
        uint32 open;
        bool slashed;
    }

    /// @notice The bond token (the stake token of the oracle).
    IERC20 public immutable STAKE_TOKEN;
    /// @notice Governance thresholds.
    IParameters public immutable PARAMETERS;
    /// @notice The receipts disputed.
    IReceiptRegistry public immutable RECEIPTS;
    /// @notice Stake, holds and slashes.
    IReputationOracle public immutable ORACLE;

    mapping(uint256 disputeId => Dispute) private _disputes;
    mapping(uint256 demandId => Demand) private _demands;
    mapping(uint256 receiptId => ReceiptCase) private _cases;
    mapping(bytes32 evidenceHash => bool) private _usedEvidence;
    mapping(uint256 receiptId => mapping(uint256 leafIndex => uint256 demandId)) private _demandIds;
    mapping(uint256 receiptId => mapping(bytes32 leafHash => uint64)) private _revealedAt;
    mapping(uint256 receiptId => mapping(bytes32 executionId => uint256 disputeId)) private _fillDisputes;
    mapping(uint256 disputeId => bytes32 executionId) private _disputedFill;
    uint256 private _disputeCount;
    uint256 private _demandCount;

    /// @param stakeToken The oracle's stake token (bonds are paid in it).
    /// @param parameters Governance thresholds.
    /// @param receipts The receipt registry.
    /// @param oracle The reputation oracle (must name this desk with `setDisputeDesk`).
    /// @param governance Holder of `DEFAULT_ADMIN_ROLE` and `ARBITER_ROLE` (the deployer until the timelock).
    constructor(
        IERC20 stakeToken,
        IParameters parameters,
        IReceiptRegistry receipts,
        IReputationOracle oracle,
        address governance
    ) {
        STAKE_TOKEN = stakeToken;
        PARAMETERS = parameters;
        RECEIPTS = receipts;
        ORACLE = oracle;
        _grantRole(DEFAULT_ADMIN_ROLE, governance);
        _grantRole(ARBITER_ROLE, governance);
    }

    // ------------------------------------------------------------------------------------------ disputes

    /// @inheritdoc IDisputeDesk
    function challenge(uint256 receiptId, Evidence calldata evidence) external nonReentrant returns (uint256 id) {
        IReceiptView.Receipt memory r = RECEIPTS.getReceipt(receiptId);
        if (_cases[receiptId].slashed) revert DisputeDeskReceiptSlashed(receiptId);
        bytes32 leafHash = evidence.leaf.hash();
        _requireOpen(receiptId, r.postedAt, leafHash);
        bytes32 evidenceHash = _checkEvidence(receiptId, r.campaignId, leafHash, evidence);
        if (_usedEvidence[evidenceHash]) revert DisputeDeskEvidenceUsed(evidenceHash);
        bool duplicate = evidence.kind == EvidenceKind.DuplicateExecution;
        uint256 other = duplicate ? evidence.otherReceiptId : 0;
        if (duplicate) _requireFillFree(receiptId, other, evidence.leaf.executionId);
        uint256 bond = PARAMETERS.get(ParamKeys.CHALLENGE_BOND);
        uint64 deadline = (block.timestamp + PARAMETERS.get(ParamKeys.ARBITRATION_DEADLINE_SECONDS)).toUint64();

        _usedEvidence[evidenceHash] = true;
        id = ++_disputeCount;
        if (duplicate) {
            bytes32 fill = evidence.leaf.executionId;
            _fillDisputes[receiptId][fill] = id;
            _fillDisputes[other][fill] = id;
            _disputedFill[id] = fill;
        }
        _disputes[id] = Dispute({
            challenger: msg.sender,
            openedAt: uint64(block.timestamp),
            deadline: deadline,
            status: DisputeStatus.Pending,
            kind: evidence.kind,
            verdict: Verdict.Rejected,
            receiptId: receiptId,
            otherReceiptId: other,
            bond: bond,
            slashed: 0,
            evidenceHash: evidenceHash
        });
        emit Challenged(id, receiptId, msg.sender, evidence.kind, other, bond, deadline);
        // M3/M1: verified evidence puts the keeper on hold at once; duplicate evidence holds both keepers.
        _open(receiptId, r.operator, r.keeper, true);
        if (duplicate) {
            IReceiptView.Receipt memory o = RECEIPTS.getReceipt(other);
            _open(other, o.operator, o.keeper, true);
        }
        STAKE_TOKEN.safeTransferFrom(msg.sender, address(this), bond);
    }

    /// @inheritdoc IDisputeDesk
    function resolve(uint256 disputeId, Verdict verdict) external onlyRole(ARBITER_ROLE) nonReentrant {
        Dispute storage d = _pending(disputeId);
        if (d.kind != EvidenceKind.DuplicateExecution && verdict > Verdict.Receipt) {
            revert DisputeDeskInvalidVerdict(disputeId, verdict);
        }
        _end(disputeId, d, verdict == Verdict.Rejected ? DisputeStatus.Rejected : DisputeStatus.Upheld, verdict);
    }

    /// @inheritdoc IDisputeDesk
    function enforce(uint256 disputeId) external nonReentrant {
        Dispute storage d = _pending(disputeId);
        if (block.timestamp <= d.deadline) revert DisputeDeskDeadlineNotReached(disputeId, d.deadline);
        if (d.kind == EvidenceKind.PriceOutOfBound) _end(disputeId, d, DisputeStatus.Upheld, Verdict.Receipt);
        else _end(disputeId, d, DisputeStatus.Lapsed, Verdict.Rejected);
    }

    // ------------------------------------------------------------------------------------------ data availability

    /// @inheritdoc IDisputeDesk
    function demandLeaf(uint256 receiptId, uint256 leafIndex) external nonReentrant returns (uint256 id) {
        IReceiptView.Receipt memory r = RECEIPTS.getReceipt(receiptId);
        if (_cases[receiptId].slashed) revert DisputeDeskReceiptSlashed(receiptId);
        _requireOpen(receiptId, r.postedAt, bytes32(0));
        if (leafIndex >= r.leafCount) revert DisputeDeskLeafIndexOutOfRange(receiptId, leafIndex, r.leafCount);
        uint256 existing = _demandIds[receiptId][leafIndex];
        if (existing != 0) revert DisputeDeskAlreadyDemanded(receiptId, leafIndex, existing);
        uint256 bond = PARAMETERS.get(ParamKeys.DATA_CHALLENGE_BOND);
        uint64 deadline = (block.timestamp + PARAMETERS.get(ParamKeys.REVEAL_WINDOW_SECONDS)).toUint64();

        id = ++_demandCount;
        _demandIds[receiptId][leafIndex] = id;
        _demands[id] = Demand({
            challenger: msg.sender,
            openedAt: uint64(block.timestamp),
            deadline: deadline,
            status: DemandStatus.Open,
            // Safe: leafIndex < leafCount, a uint32.
            leafIndex: uint32(leafIndex),
            receiptId: receiptId,
            bond: bond,
            leafHash: bytes32(0)
        });
        emit LeafDemanded(id, receiptId, msg.sender, leafIndex, bond, deadline);
        // A demand is not evidence: the keeper stays eligible, but the operator cannot withdraw meanwhile.
        _open(receiptId, r.operator, r.keeper, false);
        STAKE_TOKEN.safeTransferFrom(msg.sender, address(this), bond);
    }

    /// @inheritdoc IDisputeDesk
    function revealLeaf(
        uint256 demandId,
        TraceLeafLib.TraceLeaf calldata leaf,
        bytes32[] calldata proof
    ) external nonReentrant {
        Demand storage m = _demands[demandId];
        if (m.status != DemandStatus.Open) revert DisputeDeskDemandNotOpen(demandId);
        if (block.timestamp > m.deadline) revert DisputeDeskRevealTooLate(demandId, m.deadline);
        uint256 receiptId = m.receiptId;
        IReceiptView.Receipt memory r = RECEIPTS.getReceipt(receiptId);
        if (leaf.campaignId != r.campaignId) revert DisputeDeskWrongCampaign(receiptId, r.campaignId, leaf.campaignId);
        bytes32 leafHash = leaf.hash();
        if (!RECEIPTS.verifyLeaf(receiptId, leafHash, proof)) revert DisputeDeskInvalidProof(receiptId);
        // Sorted-pair proofs do not bind a position: distinct leaves per receipt make n demands need n leaves.
        if (_revealedAt[receiptId][leafHash] != 0) revert DisputeDeskLeafAlreadyRevealed(receiptId, leafHash);

        _revealedAt[receiptId][leafHash] = uint64(block.timestamp);
        m.status = DemandStatus.Revealed;
        m.leafHash = leafHash;
        emit LeafRevealed(demandId, receiptId, leafHash, leaf, proof);
        _close(receiptId, r.operator, r.keeper, false);
        // The challenger pays the operator for the trouble of answering.
        STAKE_TOKEN.safeTransfer(r.operator, m.bond);
    }

    /// @inheritdoc IDisputeDesk
    function finalizeDemand(uint256 demandId) external nonReentrant {
        Demand storage m = _demands[demandId];
        if (m.status != DemandStatus.Open) revert DisputeDeskDemandNotOpen(demandId);
        if (block.timestamp <= m.deadline) revert DisputeDeskRevealWindowOpen(demandId, m.deadline);
        uint256 receiptId = m.receiptId;
        IReceiptView.Receipt memory r = RECEIPTS.getReceipt(receiptId);

        m.status = DemandStatus.Unanswered;
        _close(receiptId, r.operator, r.keeper, false);
        uint256 slashed = _slashOnce(receiptId, r, m.challenger);
        emit DemandFinalised(demandId, receiptId, slashed);
        STAKE_TOKEN.safeTransfer(m.challenger, m.bond);
    }

    // ------------------------------------------------------------------------------------------ views

    /// @inheritdoc IDisputeDesk
    function receiptDisputeState(uint256 receiptId) external view returns (uint8) {
        ReceiptCase storage c = _cases[receiptId];
        if (c.slashed) return 2;
        return c.open != 0 ? 1 : 0;
    }

    /// @inheritdoc IDisputeDesk
    function disputeOf(uint256 disputeId) external view returns (Dispute memory) {
        return _disputes[disputeId];
    }

    /// @inheritdoc IDisputeDesk
    function demandOf(uint256 demandId) external view returns (Demand memory) {
        return _demands[demandId];
    }

    /// @inheritdoc IDisputeDesk
    function demandIdOf(uint256 receiptId, uint256 leafIndex) external view returns (uint256) {
        return _demandIds[receiptId][leafIndex];
    }

    /// @inheritdoc IDisputeDesk
    function counts() external view returns (uint256 disputes, uint256 demands) {
        return (_disputeCount, _demandCount);
    }

    /// @inheritdoc IDisputeDesk
    function fillDisputeOf(uint256 receiptId, bytes32 executionId) external view returns (uint256) {
        return _fillDisputes[receiptId][executionId];
    }

    /// @inheritdoc IDisputeDesk
    function revealedAt(uint256 receiptId, bytes32 leafHash) external view returns (uint64) {
        return _revealedAt[receiptId][leafHash];
    }

    // ------------------------------------------------------------------------------------------ internals

    function _pending(uint256 disputeId) private view returns (Dispute storage d) {
        d = _disputes[disputeId];
        if (d.status != DisputeStatus.Pending) revert DisputeDeskNotPending(disputeId);
    }

    /// @dev Ends a dispute: lifts the holds, slashes the receipts found at fault (once each), pays the bond.
    function _end(uint256 disputeId, Dispute storage d, DisputeStatus status, Verdict verdict) private {
        d.status = status;
        d.verdict = verdict;
        IReceiptView.Receipt memory r = RECEIPTS.getReceipt(d.receiptId);
        _close(d.receiptId, r.operator, r.keeper, true);
        uint256 slashed;
        if (verdict == Verdict.Receipt || verdict == Verdict.Both) slashed = _slashOnce(d.receiptId, r, d.challenger);
        address otherOperator;
        if (d.kind == EvidenceKind.DuplicateExecution) {
            IReceiptView.Receipt memory o = RECEIPTS.getReceipt(d.otherReceiptId);
            otherOperator = o.operator;
            bytes32 fill = _disputedFill[disputeId];
            delete _fillDisputes[d.receiptId][fill];
            delete _fillDisputes[d.otherReceiptId][fill];
            _close(d.otherReceiptId, o.operator, o.keeper, true);
            if (verdict == Verdict.Other || verdict == Verdict.Both) {
                slashed += _slashOnce(d.otherReceiptId, o, d.challenger);
            }
        }
        d.slashed = slashed;
        emit DisputeResolved(disputeId, status, verdict, slashed);
        if (status == DisputeStatus.Lapsed) {
            // Nobody showed a fault, yet both keepers were held until the deadline: the bond compensates the two
            // held operators, half each (the second half takes the odd unit), so no hold is free.
            uint256 half = d.bond / 2;
            emit LapsedBondPaid(disputeId, r.operator, otherOperator, half, d.bond - half);
            STAKE_TOKEN.safeTransfer(r.operator, half);
            STAKE_TOKEN.safeTransfer(otherOperator, d.bond - half);
        } else {
            // Rejected: the bond compensates the challenged operator; upheld: back to the challenger.
            STAKE_TOKEN.safeTransfer(status == DisputeStatus.Rejected ? r.operator : d.challenger, d.bond);
        }
    }

    /// @dev Refuses duplicate evidence equivalent to a pending dispute's: the same fill of either receipt, cited
    ///      with any other receipt, would only prolong the hold of a keeper already held for it.
    function _requireFillFree(uint256 receiptId, uint256 other, bytes32 executionId) private view {
        uint256 pending = _fillDisputes[receiptId][executionId];
        if (pending != 0) revert DisputeDeskFillInDispute(receiptId, executionId, pending);
        pending = _fillDisputes[other][executionId];
        if (pending != 0) revert DisputeDeskFillInDispute(other, executionId, pending);
    }

    /// @dev L2: slashes the receipt's operator unless the receipt was slashed before; returns the amount.
    function _slashOnce(
        uint256 receiptId,
        IReceiptView.Receipt memory r,
        address challenger
    ) private returns (uint256) {
        ReceiptCase storage c = _cases[receiptId];
        if (c.slashed) return 0;
        c.slashed = true;
        return ORACLE.slashForFraud(r.operator, r.keeper, challenger);
    }

    function _open(uint256 receiptId, address operator, address keeper, bool hold) private {
        ++_cases[receiptId].open;
        ORACLE.openCase(operator, keeper, hold);
    }

    function _close(uint256 receiptId, address operator, address keeper, bool hold) private {
        --_cases[receiptId].open;
        ORACLE.closeCase(operator, keeper, hold);
    }

    /// @dev A receipt is open to disputes and demands during its challenge window; a dispute citing a leaf
    ///      revealed for it stays possible for `revealWindowSeconds` after the reveal.
    function _requireOpen(uint256 receiptId, uint64 postedAt, bytes32 leafHash) private view {
        uint256 closesAt = postedAt + PARAMETERS.get(ParamKeys.CHALLENGE_WINDOW_SECONDS);
        if (block.timestamp <= closesAt) return;
        uint64 revealed = leafHash == bytes32(0) ? 0 : _revealedAt[receiptId][leafHash];
        if (revealed != 0 && block.timestamp <= revealed + PARAMETERS.get(ParamKeys.REVEAL_WINDOW_SECONDS)) return;
        revert DisputeDeskChallengeWindowClosed(receiptId, closesAt);
    }

    /// @dev Checks the evidence against the receipt(s) and returns its hash (one dispute per evidence).
    function _checkEvidence(
        uint256 receiptId,
        bytes32 campaignId,
        bytes32 leafHash,
        Evidence calldata e
    ) private view returns (bytes32) {
        if (!RECEIPTS.verifyLeaf(receiptId, leafHash, e.proof)) revert DisputeDeskInvalidProof(receiptId);
        if (e.kind == EvidenceKind.PriceOutOfBound) {
            // The authoritative bound is the campaign's published price window; the bound the keeper wrote
            // into its own leaf counts too (a trade outside either is a violation), so a keeper cannot
            // escape by declaring a wider bound in its leaves.
            if (!e.leaf.priceOutOfBound() && !_outsideCampaignWindow(campaignId, e.leaf.price)) {
                revert DisputeDeskEvidenceNotViolating(e.kind);
            }
            return keccak256(abi.encode(receiptId, e.kind, leafHash));
        }
        // DuplicateExecution: the same fill in another receipt, whichever came first (M1: judged symmetrically).
        uint256 other = e.otherReceiptId;
        if (other == receiptId || e.otherLeaf.executionId != e.leaf.executionId) {
            revert DisputeDeskEvidenceNotViolating(e.kind);
        }
        if (!RECEIPTS.verifyLeaf(other, e.otherLeaf.hash(), e.otherProof)) revert DisputeDeskInvalidProof(other);
        (uint256 lo, uint256 hi) = receiptId < other ? (receiptId, other) : (other, receiptId);
        return keccak256(abi.encode(lo, hi, e.kind, e.leaf.executionId));
    }

    /// @dev Whether `price` lies outside the published price window of `campaignId`.
    function _outsideCampaignWindow(bytes32 campaignId, uint128 price) private view returns (bool) {
        address registry = RECEIPTS.campaignRegistry();
        if (registry == address(0)) return false;
        ICampaignRegistry.Campaign memory c = ICampaignRegistry(registry).campaignOf(campaignId);
        if (c.status == ICampaignRegistry.Status.None) return false;
        return price < c.minPrice || price > c.maxPrice;
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TraceLeafLib} from "../libraries/TraceLeafLib.sol";

/// @title IDisputeDesk
/// @notice Challenges against receipts. Two instruments, both bonded:
///         - a dispute: evidence verified on-chain (a leaf outside its price bound, or the same fill in two
///           receipts). It puts the receipts' keepers on hold at once; an arbiter rules before a deadline;
///           price evidence not ruled on by then is upheld by anyone, duplicate evidence lapses;
///         - a data-availability demand: any leaf index of a receipt; the trace holder must reveal a leaf
///           (fields + proof, of the receipt's campaign, distinct from every leaf already revealed for that
///           receipt) within `revealWindowSeconds`, or anyone finalises and the receipt's operator is slashed.
///         A receipt is slashed at most once; the operator slashed is the one snapshotted into the receipt.
interface IDisputeDesk {
    /// @notice What a dispute proves. `PriceOutOfBound`: a leaf of the receipt whose price lies outside the
    ///         bound the leaf states or the campaign's published window. `DuplicateExecution`: a leaf of the
    ///         receipt whose execution id also sits in another receipt (the same fill claimed twice; which
    ///         receipt is at fault is for the arbiter).
    enum EvidenceKind {
        PriceOutOfBound,
        DuplicateExecution
    }

    /// @notice Lifecycle of a dispute. `Lapsed`: duplicate evidence nobody ruled on before the deadline (the bond
    ///         compensates the held operators).
    enum DisputeStatus {
        None,
        Pending,
        Upheld,
        Rejected,
        Lapsed
    }

    /// @notice The arbiter's ruling: no fault, the challenged receipt at fault, the other receipt (duplicate
    ///         evidence only), or both.
    enum Verdict {
        Rejected,
        Receipt,
        Other,
        Both
    }

    /// @notice Lifecycle of a data-availability demand.
    enum DemandStatus {
        None,
        Open,
        Revealed,
        Unanswered
    }

    /// @notice Evidence attached to a dispute. `other*` fields are used by `DuplicateExecution` only.
    struct Evidence {
        EvidenceKind kind;
        TraceLeafLib.TraceLeaf leaf;
        bytes32[] proof;
        uint256 otherReceiptId;
        TraceLeafLib.TraceLeaf otherLeaf;
        bytes32[] otherProof;
    }

    /// @notice One dispute. `slashed` is the total taken from the operators found at fault.
    struct Dispute {
        address challenger;
        uint64 openedAt;
        uint64 deadline;
        DisputeStatus status;
        EvidenceKind kind;
        Verdict verdict;
        uint256 receiptId;
        uint256 otherReceiptId;
        uint256 bond;
        uint256 slashed;
        bytes32 evidenceHash;
    }

    /// @notice One data-availability demand.
    struct Demand {
        address challenger;
        uint64 openedAt;
        uint64 deadline;
        DemandStatus status;
        uint32 leafIndex;
        uint256 receiptId;
        uint256 bond;
        bytes32 leafHash;
    }

    /// @notice Thrown when a challenge or demand comes after the receipt's challenge window.
    error DisputeDeskChallengeWindowClosed(uint256 receiptId, uint256 closedAt);
    /// @notice Thrown when a Merkle proof does not place the leaf in the receipt.
    error DisputeDeskInvalidProof(uint256 receiptId);
    /// @notice Thrown when the evidence does not show the rule it claims is broken.
    error DisputeDeskEvidenceNotViolating(EvidenceKind kind);
    /// @notice Thrown when the same evidence was already submitted.
    error DisputeDeskEvidenceUsed(bytes32 evidenceHash);
    /// @notice Thrown when duplicate evidence cites a fill (`executionId` of `receiptId`) that a pending dispute
    ///         (`disputeId`) already holds the receipt's keeper for: equivalent evidence would only prolong the hold.
    error DisputeDeskFillInDispute(uint256 receiptId, bytes32 executionId, uint256 disputeId);
    /// @notice Thrown when the receipt was already slashed (one slash per receipt).
    error DisputeDeskReceiptSlashed(uint256 receiptId);
    /// @notice Thrown when a dispute is not pending.
    error DisputeDeskNotPending(uint256 disputeId);
    /// @notice Thrown when a verdict does not fit the dispute's kind (`Other`/`Both` need duplicate evidence).
    error DisputeDeskInvalidVerdict(uint256 disputeId, Verdict verdict);
    /// @notice Thrown when a dispute is enforced before its arbitration deadline.
    error DisputeDeskDeadlineNotReached(uint256 disputeId, uint64 deadline);
    /// @notice Thrown when a demanded leaf index is not below the receipt's leaf count.
    error DisputeDeskLeafIndexOutOfRange(uint256 receiptId, uint256 leafIndex, uint256 leafCount);
    /// @notice Thrown when the leaf index of the receipt was already demanded.
    error DisputeDeskAlreadyDemanded(uint256 receiptId, uint256 leafIndex, uint256 demandId);
    /// @notice Thrown when a demand is not open (answered, finalised or unknown).
    error DisputeDeskDemandNotOpen(uint256 demandId);
    /// @notice Thrown when a reveal comes after the demand's deadline.
    error DisputeDeskRevealTooLate(uint256 demandId, uint64 deadline);
    /// @notice Thrown when a demand is finalised before its deadline.
    error DisputeDeskRevealWindowOpen(uint256 demandId, uint64 deadline);
    /// @notice Thrown when a revealed leaf is of another campaign than the receipt's.
    error DisputeDeskWrongCampaign(uint256 receiptId, bytes32 expected, bytes32 given);
    /// @notice Thrown when a revealed leaf was already revealed for the receipt (each demand needs its own leaf).
    error DisputeDeskLeafAlreadyRevealed(uint256 receiptId, bytes32 leafHash);

    /// @notice Emitted when a dispute opens; the receipts' keepers are on hold from now.
    event Challenged(
        uint256 indexed disputeId,
        uint256 indexed receiptId,
        address indexed challenger,
        EvidenceKind kind,
        uint256 otherReceiptId,
        uint256 bond,
        uint64 deadline
    );
    /// @notice Emitted when a lapsed duplicate dispute's bond is paid to the operators of the receipts it held.
    event LapsedBondPaid(
        uint256 indexed disputeId,
        address indexed operator,
        address indexed otherOperator,
        uint256 toOperator,
        uint256 toOther
    );
    /// @notice Emitted when a dispute ends (ruled, enforced after the deadline, or lapsed).
    event DisputeResolved(uint256 indexed disputeId, DisputeStatus status, Verdict verdict, uint256 slashed);
    /// @notice Emitted when a leaf of a receipt is demanded.
    event LeafDemanded(
        uint256 indexed demandId,
        uint256 indexed receiptId,
        address indexed challenger,
        uint256 leafIndex,
        uint256 bond,
        uint64 deadline
    );
    /// @notice Emitted when a demand is answered: the leaf and its proof are public evidence from now.
    event LeafRevealed(
        uint256 indexed demandId,
        uint256 indexed receiptId,
        bytes32 leafHash,
        TraceLeafLib.TraceLeaf leaf,
        bytes32[] proof
    );
    /// @notice Emitted when an unanswered demand is finalised (`slashed` is 0 when the receipt was slashed before).
    event DemandFinalised(uint256 indexed demandId, uint256 indexed receiptId, uint256 slashed);

    /// @notice Opens a dispute with evidence (verified here), locking `challengeBond` from the caller and
    ///         putting the receipt's keeper (for duplicates: both receipts' keepers) on hold.
    /// @param receiptId The challenged receipt (inside its challenge window, or citing a leaf revealed for it
    ///        less than `revealWindowSeconds` ago).
    /// @param evidence The evidence.
    /// @return disputeId The new dispute's id (sequential from 1; disputes are independent).
    function challenge(uint256 receiptId, Evidence calldata evidence) external returns (uint256 disputeId);

    /// @notice Rules on a pending dispute (arbiter role), before or after its deadline.
    /// @param disputeId The dispute.
    /// @param verdict `Rejected` (bond to the challenged receipt's operator), `Receipt`, `Other` or `Both`
    ///        (those receipts' operators slashed once each, bond back plus the whistleblower share).
    function resolve(uint256 disputeId, Verdict verdict) external;

    /// @notice After the arbitration deadline, anyone ends a pending dispute: price evidence (fully verified
    ///         on-chain) is upheld against the receipt; duplicate evidence lapses (bond back, holds lifted).
    /// @param disputeId The dispute.
    function enforce(uint256 disputeId) external;

    /// @notice Demands leaf `leafIndex` of a receipt inside its challenge window, locking `dataChallengeBond`.
    /// @param receiptId The receipt.
    /// @param leafIndex Below the receipt's leaf count; each index may be demanded once.
    /// @return demandId The new demand's id (sequential from 1).
    function demandLeaf(uint256 receiptId, uint256 leafIndex) external returns (uint256 demandId);

    /// @notice Answers an open demand before its deadline (anyone holding the trace). The bond goes to the
    ///         receipt's operator.
    /// @param demandId The demand.
    /// @param leaf A leaf of the receipt's campaign, not yet revealed for this receipt.
    /// @param proof Its Merkle proof against the receipt's root.
    function revealLeaf(uint256 demandId, TraceLeafLib.TraceLeaf calldata leaf, bytes32[] calldata proof) external;

    /// @notice After the deadline of an unanswered demand, anyone finalises it: the receipt's operator is
    ///         slashed (unless the receipt was slashed before) and the challenger gets its bond back plus the
    ///         whistleblower share.
    /// @param demandId The demand.
    function finalizeDemand(uint256 demandId) external;

    /// @notice 0 None, 1 Pending (an open dispute or demand on the receipt), 2 Upheld (the receipt was slashed).
    /// @param receiptId The receipt.
    function receiptDisputeState(uint256 receiptId) external view returns (uint8);

    /// @notice The dispute with id `disputeId`.
    function disputeOf(uint256 disputeId) external view returns (Dispute memory);

    /// @notice The demand with id `demandId`.
    function demandOf(uint256 demandId) external view returns (Demand memory);

    /// @notice Id of the demand for leaf `leafIndex` of a receipt (0 when none).
    function demandIdOf(uint256 receiptId, uint256 leafIndex) external view returns (uint256);

    /// @notice Number of disputes and demands ever opened.
    function counts() external view returns (uint256 disputes, uint256 demands);

    /// @notice When `leafHash` was revealed for the receipt (0 when never).
    function revealedAt(uint256 receiptId, bytes32 leafHash) external view returns (uint64);

    /// @notice The pending duplicate dispute citing fill `executionId` of receipt `receiptId` (0: none).
    function fillDisputeOf(uint256 receiptId, bytes32 executionId) external view returns (uint256);
}

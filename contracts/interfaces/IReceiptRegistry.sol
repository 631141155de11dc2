// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IReceiptView} from "./IReceiptView.sol";

/// @title IReceiptRegistry
/// @notice The on-chain half of the Recording Oracle: one receipt per execution, holding the Merkle root
///         of the trace, its content id, its leaf count and a summary, signed (EIP-712) by the keeper's
///         attested key. Anyone may relay a post; the signer must be attested, bound to an operator (which
///         the receipt snapshots) and hold the campaign's live claim. Repeated roots and repeated execution
///         hashes are rejected.
interface IReceiptRegistry is IReceiptView {
    /// @notice What a keeper signs and posts.
    /// @param keeper The keeper key that signs (must be attested and hold the campaign's claim).
    /// @param campaignId The campaign the trace executes.
    /// @param traceRoot Merkle root of the trace (standard-tree leaves, see `TraceLeafLib`).
    /// @param executionHash keccak256 of the trace's execution ids in leaf order
    ///        (`keccak256(abi.encodePacked(executionId_0, ..., executionId_n-1))`).
    /// @param leafCount Number of trades in the trace.
    /// @param summary Volume, average price and PnL of the trace.
    /// @param cid Content id of the trace document.
    /// @param nonce The keeper's next nonce (`nonceOf(keeper)`).
    struct ReceiptInput {
        address keeper;
        bytes32 campaignId;
        bytes32 traceRoot;
        bytes32 executionHash;
        uint32 leafCount;
        ReceiptSummary summary;
        string cid;
        uint256 nonce;
    }

    /// @notice Thrown when a receipt id does not exist.
    error ReceiptRegistryUnknownReceipt(uint256 receiptId);
    /// @notice Thrown when the EIP-712 signature is not the keeper's.
    error ReceiptRegistryBadSignature(address keeper, address signer);
    /// @notice Thrown when the nonce is not the keeper's next one (replay or gap).
    error ReceiptRegistryBadNonce(address keeper, uint256 expected, uint256 given);
    /// @notice Thrown when the signing keeper is not attested.
    error ReceiptRegistryNotAttested(address keeper);
    /// @notice Thrown when the keeper does not hold the campaign's live claim.
    error ReceiptRegistryNotClaimant(bytes32 campaignId, address keeper, address claimant);
    /// @notice Thrown when a trace root was already posted.
    error ReceiptRegistryDuplicateRoot(bytes32 traceRoot, uint256 existingId);
    /// @notice Thrown when an execution hash was already posted.
    error ReceiptRegistryDuplicateExecution(bytes32 executionHash, uint256 existingId);
    /// @notice Thrown when a receipt has no trade (leaf count zero, empty root or empty execution hash).
    error ReceiptRegistryEmptyTrace();
    /// @notice Thrown when the signing keeper is bound to no operator (unbound or released keys cannot post).
    error ReceiptRegistryUnbound(address keeper);
    /// @notice Thrown when the operator source is set twice or to zero.
    error ReceiptRegistryOperatorSourceInvalid(address current, address given);
    /// @notice Thrown when the campaign registry is set twice or to zero.
    error ReceiptRegistryCampaignRegistryInvalid(address current, address given);

    /// @notice Emitted when a receipt is posted.
    event ReceiptPosted(
        uint256 indexed receiptId,
        address indexed keeper,
        bytes32 indexed campaignId,
        bytes32 traceRoot,
        bytes32 executionHash,
        uint32 leafCount,
        ReceiptSummary summary,
        string cid,
        uint256 chainId
    );
    /// @notice Emitted once, when the operator source (the reputation oracle) is wired.
    event OperatorSourceSet(address operatorSource);
    /// @notice Emitted once, when the campaign registry is wired.
    event CampaignRegistrySet(address campaignRegistry);

    /// @notice Posts a receipt signed by `input.keeper`; anyone may relay it.
    /// @param input The signed fields.
    /// @param signature The keeper's EIP-712 signature over `input`.
    /// @return receiptId The new receipt's id (sequential from 1).
    function post(ReceiptInput calldata input, bytes calldata signature) external returns (uint256 receiptId);

    /// @notice Wires the campaign registry whose claims gate posts (once; admin only).
    /// @param registry The campaign registry.
    function setCampaignRegistry(address registry) external;

    /// @notice Wires the source of keeper-to-operator bindings (the reputation oracle; once; admin only).
    /// @param source The reputation oracle.
    function setOperatorSource(address source) external;

    /// @notice The operator source (zero until wired; posts revert until then).
    function operatorSource() external view returns (address);

    /// @notice True when `leaf` (a standard-tree leaf hash) belongs to the receipt's trace per `proof`.
    /// @param receiptId The receipt.
    /// @param leaf The leaf hash (`keccak256(bytes.concat(keccak256(abi.encode(...))))`).
    /// @param proof The Merkle proof (OpenZeppelin `MerkleProof`, sorted pairs).
    function verifyLeaf(uint256 receiptId, bytes32 leaf, bytes32[] calldata proof) external view returns (bool);

    /// @notice The campaign registry whose claims gate posts (zero until wired).
    function campaignRegistry() external view returns (address);

    /// @notice The execution hash committed by a receipt.
    /// @param receiptId The receipt.
    function executionHashOf(uint256 receiptId) external view returns (bytes32);

    /// @notice The id of the receipt holding `traceRoot` (0 when none).
    /// @param traceRoot A trace root.
    function receiptIdByRoot(bytes32 traceRoot) external view returns (uint256);

    /// @notice The id of the receipt holding `executionHash` (0 when none).
    /// @param executionHash An execution hash.
    function receiptIdByExecutionHash(bytes32 executionHash) external view returns (uint256);

    /// @notice Number of receipts posted (the last id).
    function receiptCount() external view returns (uint256);

    /// @notice The nonce the keeper's next receipt must carry.
    /// @param keeper The keeper key.
    function nonceOf(address keeper) external view returns (uint256);

    /// @notice Time of the keeper's last receipt (0 when none); receipts count as heartbeats.
    /// @param keeper The keeper key.
    function lastPostedAt(address keeper) external view returns (uint64);

    /// @notice The EIP-712 digest the keeper signs for `input`.
    /// @param input The receipt fields.
    function hashReceipt(ReceiptInput calldata input) external view returns (bytes32);
}

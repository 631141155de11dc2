// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IReceiptRegistry} from "../interfaces/IReceiptRegistry.sol";
import {IReceiptView} from "../interfaces/IReceiptView.sol";
import {IAttestationRegistry} from "../interfaces/IAttestationRegistry.sol";
import {ICampaignRegistry} from "../interfaces/ICampaignRegistry.sol";
import {IKeeperEligibility} from "../interfaces/IKeeperEligibility.sol";

/// @title ReceiptRegistry
/// @notice Execution receipts: the Merkle root and content id of each trace, signed with EIP-712 by the
///         keeper's attested key (domain: name, version, chain id, this contract), with a per-keeper nonce.
///         Posting costs the same whatever the number of trades: only the root and counts are stored.
contract ReceiptRegistry is IReceiptRegistry, AccessControl, EIP712 {
    /// @notice EIP-712 type of a receipt.
    bytes32 public constant RECEIPT_TYPEHASH = keccak256(
        "Receipt(address keeper,bytes32 campaignId,bytes32 traceRoot,bytes32 executionHash,uint32 leafCount,"
        "ReceiptSummary summary,string cid,uint256 nonce)"
        "ReceiptSummary(uint128 volume,uint128 avgPrice,int256 pnl)"
    );
    /// @notice EIP-712 type of a receipt's summary.
    bytes32 public constant SUMMARY_TYPEHASH = keccak256("ReceiptSummary(uint128 volume,uint128 avgPrice,int256 pnl)");

    /// @dev Per-keeper nonce and last post time, in one slot.
    struct KeeperState {
        uint64 nonce;
        uint64 lastPostedAt;
    }

    /// @notice Keeper attestations: only attested keys may post.
    IAttestationRegistry public immutable ATTESTATIONS;

    ICampaignRegistry private _campaigns;
    IKeeperEligibility private _operators;
    uint256 private _count;
    mapping(uint256 receiptId => Receipt) private _receipts;
    mapping(uint256 receiptId => bytes32) private _executionHashes;
    mapping(bytes32 traceRoot => uint256) private _byRoot;
    mapping(bytes32 executionHash => uint256) private _byExecution;
    mapping(address keeper => KeeperState) private _keepers;

    /// @param attestations The attestation registry.
    /// @param governance Holder of `DEFAULT_ADMIN_ROLE` (wires the campaign registry once).
    constructor(IAttestationRegistry attestations, address governance) EIP712("ReceiptRegistry", "1") {
        ATTESTATIONS = attestations;
        _grantRole(DEFAULT_ADMIN_ROLE, governance);
    }

    /// @inheritdoc IReceiptRegistry
    function setCampaignRegistry(address registry) external onlyRole(DEFAULT_ADMIN_ROLE) {
        address current = address(_campaigns);
        if (current != address(0) || registry == address(0)) {
            revert ReceiptRegistryCampaignRegistryInvalid(current, registry);
        }
        _campaigns = ICampaignRegistry(registry);
        emit CampaignRegistrySet(registry);
    }

    /// @inheritdoc IReceiptRegistry
    function setOperatorSource(address source) external onlyRole(DEFAULT_ADMIN_ROLE) {
        address current = address(_operators);
        if (current != address(0) || source == address(0)) revert ReceiptRegistryOperatorSourceInvalid(current, source);
        _operators = IKeeperEligibility(source);
        emit OperatorSourceSet(source);
    }

    /// @inheritdoc IReceiptRegistry
    function post(ReceiptInput calldata input, bytes calldata signature) external returns (uint256 receiptId) {
        address keeper = input.keeper;
        address signer = ECDSA.recover(hashReceipt(input), signature);
        if (signer != keeper) revert ReceiptRegistryBadSignature(keeper, signer);
        KeeperState memory k = _keepers[keeper];
        if (input.nonce != k.nonce) revert ReceiptRegistryBadNonce(keeper, k.nonce, input.nonce);
        if (!ATTESTATIONS.isAttested(keeper)) revert ReceiptRegistryNotAttested(keeper);
        address operator = _operators.operatorOf(keeper);
        if (operator == address(0)) revert ReceiptRegistryUnbound(keeper);
        address claimant = _campaigns.liveClaimantOf(input.campaignId);
        if (claimant != keeper) revert ReceiptRegistryNotClaimant(input.campaignId, keeper, claimant);
        if (input.leafCount == 0 || input.traceRoot == bytes32(0) || input.executionHash == bytes32(0)) {
            revert ReceiptRegistryEmptyTrace();
        }
        uint256 existing = _byRoot[input.traceRoot];
        if (existing != 0) revert ReceiptRegistryDuplicateRoot(input.traceRoot, existing);
        existing = _byExecution[input.executionHash];
        if (existing != 0) revert ReceiptRegistryDuplicateExecution(input.executionHash, existing);

        receiptId = ++_count;
        _receipts[receiptId] = Receipt({
            keeper: keeper,
            operator: operator,
            postedAt: uint64(block.timestamp),
            leafCount: input.leafCount,
            campaignId: input.campaignId,
            traceRoot: input.traceRoot,
            summary: input.summary,
            cid: input.cid
        });
        _executionHashes[receiptId] = input.executionHash;
        _byRoot[input.traceRoot] = receiptId;
        _byExecution[input.executionHash] = receiptId;
        _keepers[keeper] = KeeperState({nonce: k.nonce + 1, lastPostedAt: uint64(block.timestamp)});
        _emitPosted(receiptId, input);
    }

    /// @inheritdoc IReceiptView
    function getReceipt(uint256 receiptId) external view returns (Receipt memory) {
        _requireExists(receiptId);
        return _receipts[receiptId];
    }

    /// @inheritdoc IReceiptRegistry
    function verifyLeaf(uint256 receiptId, bytes32 leaf, bytes32[] calldata proof) external view returns (bool) {
        _requireExists(receiptId);
        return MerkleProof.verifyCalldata(proof, _receipts[receiptId].traceRoot, leaf);
    }

    /// @inheritdoc IReceiptRegistry
    function executionHashOf(uint256 receiptId) external view returns (bytes32) {
        _requireExists(receiptId);
        return _executionHashes[receiptId];
    }

    /// @inheritdoc IReceiptRegistry
    function receiptIdByRoot(bytes32 traceRoot) external view returns (uint256) {
        return _byRoot[traceRoot];
    }

    /// @inheritdoc IReceiptRegistry
    function receiptIdByExecutionHash(bytes32 executionHash) external view returns (uint256) {
        return _byExecution[executionHash];
    }

    /// @inheritdoc IReceiptRegistry
    function receiptCount() external view returns (uint256) {
        return _count;
    }

    /// @inheritdoc IReceiptRegistry
    function nonceOf(address keeper) external view returns (uint256) {
        return _keepers[keeper].nonce;
    }

    /// @inheritdoc IReceiptRegistry
    function lastPostedAt(address keeper) external view returns (uint64) {
        return _keepers[keeper].lastPostedAt;
    }

    /// @inheritdoc IReceiptRegistry
    function operatorSource() external view returns (address) {
        return address(_operators);
    }

    /// @inheritdoc IReceiptRegistry
    function campaignRegistry() external view returns (address) {
        return address(_campaigns);
    }

    /// @inheritdoc IReceiptRegistry
    function hashReceipt(ReceiptInput calldata input) public view returns (bytes32) {
        bytes32 summaryHash = keccak256(
            abi.encode(SUMMARY_TYPEHASH, input.summary.volume, input.summary.avgPrice, input.summary.pnl)
        );
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        RECEIPT_TYPEHASH,
                        input.keeper,
                        input.campaignId,
                        input.traceRoot,
                        input.executionHash,
                        input.leafCount,
                        summaryHash,
                        keccak256(bytes(input.cid)),
                        input.nonce
                    )
                )
            );
    }

    function _emitPosted(uint256 receiptId, ReceiptInput calldata input) private {
        emit ReceiptPosted(
            receiptId,
            input.keeper,
            input.campaignId,
            input.traceRoot,
            input.executionHash,
            input.leafCount,
            input.summary,
            input.cid,
            block.chainid
        );
    }

    function _requireExists(uint256 receiptId) private view {
        if (receiptId == 0 || receiptId > _count) revert ReceiptRegistryUnknownReceipt(receiptId);
    }
}

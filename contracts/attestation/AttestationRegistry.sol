// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IAttestationRegistry} from "../interfaces/IAttestationRegistry.sol";
import {IQuoteVerifier} from "../interfaces/IQuoteVerifier.sol";
import {IParameters} from "../interfaces/IParameters.sol";
import {ParamKeys} from "../libraries/ParamKeys.sol";

/// @title AttestationRegistry
/// @notice The TEE attestation of each keeper key. Quotes are verified either off-chain by verifiers that
///         governance approved (`VERIFIER_ROLE`), who sign the verified fields with EIP-712, or on-chain by an
///         `IQuoteVerifier` when governance configured one. Governance (`DEFAULT_ADMIN_ROLE`, the timelock)
///         approves verifiers, revokes keeper keys and sets the on-chain verifier.
contract AttestationRegistry is IAttestationRegistry, AccessControl, EIP712 {
    /// @notice Role of the off-chain quote verifiers whose signed fields are accepted.
    bytes32 public constant VERIFIER_ROLE = keccak256("VERIFIER_ROLE");

    /// @notice EIP-712 type of the fields a verifier signs.
    bytes32 public constant VERIFIED_QUOTE_TYPEHASH = keccak256(
        "VerifiedQuote(address keeper,bytes32 quoteHash,uint8 teeType,bytes32 measurementHash,"
        "uint8 tcbStatus,bytes reportData,uint64 verifiedAt)"
    );

    /// @notice Where every threshold (attestation max age, measurement allowlist) is read.
    IParameters public immutable PARAMETERS;

    mapping(address keeper => Attestation) private _attestations;
    mapping(address keeper => bool) private _revoked;
    mapping(bytes32 quoteHash => bool) private _usedQuotes;
    IQuoteVerifier private _quoteVerifier;

    /// @param parameters The governance parameter store.
    /// @param governance Holder of `DEFAULT_ADMIN_ROLE` (the deployer until the timelock takes over).
    constructor(IParameters parameters, address governance) EIP712("AttestationRegistry", "1") {
        PARAMETERS = parameters;
        _grantRole(DEFAULT_ADMIN_ROLE, governance);
    }

    /// @inheritdoc IAttestationRegistry
    function submitVerified(VerifiedQuote calldata quote, bytes calldata signature) external {
        address signer = ECDSA.recover(hashVerifiedQuote(quote), signature);
        if (!hasRole(VERIFIER_ROLE, signer)) revert AttestationRegistryVerifierNotApproved(signer);
        uint256 maxAge = PARAMETERS.get(ParamKeys.ATTESTATION_MAX_AGE_SECONDS);
        if (quote.verifiedAt > block.timestamp || quote.verifiedAt + maxAge < block.timestamp) {
            revert AttestationRegistryStale(quote.verifiedAt, block.timestamp, maxAge);
        }
        uint64 current = _attestations[quote.keeper].attestedAt;
        if (quote.verifiedAt <= current) revert AttestationRegistryNotNewer(quote.verifiedAt, current);
        _record(
            quote.keeper,
            quote.quoteHash,
            quote.teeType,
            quote.measurementHash,
            quote.tcbStatus,
            quote.reportData,
            quote.verifiedAt,
            signer
        );
    }

    /// @inheritdoc IAttestationRegistry
    function submitQuote(bytes calldata quote) external returns (address keeper) {
        IQuoteVerifier verifier = _quoteVerifier;
        if (address(verifier) == address(0)) revert AttestationRegistryNoQuoteVerifier();
        IQuoteVerifier.VerifiedFields memory f = verifier.verifyQuote(quote);
        if (f.teeType == 0 || f.teeType > uint8(TeeType.Tdx)) revert AttestationRegistryTeeTypeInvalid(f.teeType);
        if (f.tcbStatus > uint8(TcbStatus.Revoked)) revert AttestationRegistryTcbStatusRejected(TcbStatus.Revoked);
        keeper = _boundKeeper(f.reportData);
        _record(
            keeper,
            keccak256(quote),
            TeeType(f.teeType),
            f.measurementHash,
            TcbStatus(f.tcbStatus),
            f.reportData,
            uint64(block.timestamp),
            address(verifier)
        );
    }

    /// @inheritdoc IAttestationRegistry
    function setRevoked(address keeper, bool revoked) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _revoked[keeper] = revoked;
        emit KeeperRevocationChanged(keeper, revoked);
    }

    /// @inheritdoc IAttestationRegistry
    function setQuoteVerifier(IQuoteVerifier verifier) external onlyRole(DEFAULT_ADMIN_ROLE) {
        emit QuoteVerifierChanged(address(_quoteVerifier), address(verifier));
        _quoteVerifier = verifier;
    }

    /// @inheritdoc IAttestationRegistry
    function isAttested(address keeper) external view returns (bool) {
        Attestation storage a = _attestations[keeper];
        if (a.attestedAt == 0 || _revoked[keeper]) return false;
        // L10: an attestation counts only while its verifier is trusted: an off-chain verifier that still holds
        // VERIFIER_ROLE, or the on-chain quote verifier that is still configured.
        if (a.verifier != address(_quoteVerifier) && !hasRole(VERIFIER_ROLE, a.verifier)) return false;
        if (a.attestedAt + PARAMETERS.get(ParamKeys.ATTESTATION_MAX_AGE_SECONDS) < block.timestamp) return false;
        return isTcbAccepted(a.tcbStatus) && PARAMETERS.isMeasurementAllowed(a.measurementHash);
    }

    /// @inheritdoc IAttestationRegistry
    function attestationOf(address keeper) external view returns (Attestation memory) {
        return _attestations[keeper];
    }

    /// @inheritdoc IAttestationRegistry
    function isRevoked(address keeper) external view returns (bool) {
        return _revoked[keeper];
    }

    /// @inheritdoc IAttestationRegistry
    function quoteVerifier() external view returns (IQuoteVerifier) {
        return _quoteVerifier;
    }

    /// @inheritdoc IAttestationRegistry
    function hashVerifiedQuote(VerifiedQuote calldata quote) public view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        VERIFIED_QUOTE_TYPEHASH,
                        quote.keeper,
                        quote.quoteHash,
                        quote.teeType,
                        quote.measurementHash,
                        quote.tcbStatus,
                        keccak256(quote.reportData),
                        quote.verifiedAt
                    )
                )
            );
    }

    /// @inheritdoc IAttestationRegistry
    function isTcbAccepted(TcbStatus status) public pure returns (bool) {
        return uint8(status) <= uint8(TcbStatus.ConfigurationAndSWHardeningNeeded);
    }

    /// @dev The keeper address bound by a quote's report data: its first 20 bytes.
    function _boundKeeper(bytes memory reportData) private pure returns (address bound) {
        if (reportData.length < 20) revert AttestationRegistryReportDataTooShort(reportData.length);
        bound = address(bytes20(reportData));
    }

    /// @dev Checks the fields every attestation must satisfy, then stores and emits.
    function _record(
        address keeper,
        bytes32 quoteHash,
        TeeType teeType,
        bytes32 measurementHash,
        TcbStatus tcbStatus,
        bytes memory reportData,
        uint64 attestedAt,
        address verifier
    ) private {
        if (keeper == address(0)) revert AttestationRegistryZeroKeeper();
        if (_usedQuotes[quoteHash]) revert AttestationRegistryQuoteReused(quoteHash);
        address bound = _boundKeeper(reportData);
        if (bound != keeper) revert AttestationRegistryReportDataMismatch(keeper, bound);
        if (teeType == TeeType.None) revert AttestationRegistryTeeTypeInvalid(uint8(teeType));
        if (!isTcbAccepted(tcbStatus)) revert AttestationRegistryTcbStatusRejected(tcbStatus);
        if (!PARAMETERS.isMeasurementAllowed(measurementHash)) {
            revert AttestationRegistryMeasurementNotAllowed(measurementHash);
        }
        _usedQuotes[quoteHash] = true;
        _attestations[keeper] = Attestation({
            quoteHash: quoteHash,
            measurementHash: measurementHash,
            reportDataHash: keccak256(reportData),
            attestedAt: attestedAt,
            teeType: teeType,
            tcbStatus: tcbStatus,
            verifier: verifier
        });
        emit AttestationRecorded(keeper, quoteHash, teeType, measurementHash, tcbStatus, attestedAt, verifier);
    }
}

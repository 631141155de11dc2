// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IParameters} from "../interfaces/IParameters.sol";
import {ParamKeys} from "../libraries/ParamKeys.sol";

/// @title Parameters
/// @notice Every tunable threshold of the protocol, owned by the governance timelock. Each key has a
///         default and inclusive bounds fixed at deployment; changes outside the bounds revert, and a few
///         cross-parameter rules keep the set coherent (sleeve targets sum to 100%, unbonding outlasts the
///         challenge window, lock tiers are ordered, fee shares leave depositors the majority).
contract Parameters is IParameters, Ownable {
    struct Entry {
        uint256 value;
        uint128 min;
        uint128 max;
        bool known;
    }

    uint256 private constant _BPS = 10_000;
    /// @dev Highest `minScore` governance may set (L9).
    uint256 private constant _MAX_MIN_SCORE = 8_000;
    /// @dev Earn share plus keeper fee may take at most half of a profit.
    uint256 private constant _MAX_PROFIT_SHARES_BPS = 5_000;

    mapping(bytes32 key => Entry) private _entries;
    bytes32[] private _keys;
    mapping(bytes32 measurementHash => bool) private _allowedMeasurements;

    /// @param owner_ The governance timelock (or the deployer, who hands ownership to the timelock).
    constructor(address owner_) Ownable(owner_) {
        // keeper engine
        _define(ParamKeys.ROI_THRESHOLD_BPS, 15_000, 10_000, 50_000);
        _define(ParamKeys.SWITCH_COOLDOWN_SECONDS, 60, 0, 1 days);
        _define(ParamKeys.MAX_SWITCHES_PER_HOUR, 6, 1, 60);
        _define(ParamKeys.DEBOUNCE_SECONDS, 10, 0, 1 hours);
        _define(ParamKeys.MAX_SLIPPAGE_BPS, 50, 1, 1_000);
        _define(ParamKeys.RETRIES_PER_MINUTE_PER_PAIR, 3, 0, 60);
        _define(ParamKeys.PNL_DRAWDOWN_BPS, 500, 10, 5_000);
        _define(ParamKeys.BREAKER_COOLDOWN_SECONDS, 300, 60, 7 days);
        // vault
        _define(ParamKeys.SLEEVE_TARGET_MARKET_MAKING_BPS, 7_000, 0, _BPS);
        _define(ParamKeys.SLEEVE_TARGET_ARBITRAGE_BPS, 2_000, 0, _BPS);
        _define(ParamKeys.SLEEVE_TARGET_BUFFER_BPS, 1_000, 500, _BPS);
        _define(ParamKeys.KEEPER_CAP_BPS, 2_500, 100, _BPS);
        _define(ParamKeys.PROFIT_UNLOCK_SECONDS, 1 days, 1 hours, 30 days);
        _define(ParamKeys.MAX_LOSS_BPS, 200, 10, 5_000);
        _define(ParamKeys.PRICE_DEVIATION_BPS, 200, 10, 2_000);
        _define(ParamKeys.ORACLE_MAX_AGE_SECONDS, 1 hours, 1 minutes, 2 days);
        _define(ParamKeys.LOCK_TIER1_SECONDS, 30 days, 1 days, 365 days);
        _define(ParamKeys.LOCK_TIER1_MULTIPLIER_BPS, 15_000, _BPS, 50_000);
        _define(ParamKeys.LOCK_TIER2_SECONDS, 90 days, 1 days, 730 days);
        _define(ParamKeys.LOCK_TIER2_MULTIPLIER_BPS, 20_000, _BPS, 50_000);
        _define(ParamKeys.EARN_SHARE_BPS, 1_000, 0, _MAX_PROFIT_SHARES_BPS);
        _define(ParamKeys.KEEPER_FEE_BPS, 1_000, 0, 3_000);
        _define(ParamKeys.REBALANCE_TOLERANCE_BPS, 100, 10, 2_000);
        // keeper capital book: a keeper never holds more than its operator can lose (multiple at most 1x)
        _define(ParamKeys.CAPITAL_STAKE_MULTIPLE_BPS, _BPS, 1, _BPS);
        _define(ParamKeys.REPAY_GRACE_SECONDS, 1 hours, 1 minutes, 7 days);
        // reputation and slashing
        // L9: bounds that keep governance from bricking every keeper: a fresh keeper scores 10_000 and one
        // failure in a short history costs up to half, so `minScore` stops at 8_000; the stake floor stops at
        // one million units; one slash takes at most half the stake.
        _define(ParamKeys.MIN_STAKE, 1_000e6, 1e6, 1e12);
        _define(ParamKeys.MIN_SCORE, 5_000, 0, _MAX_MIN_SCORE);
        _define(ParamKeys.SLASH_FRACTION_BPS, 1_000, 1, 5_000);
        _define(ParamKeys.WHISTLEBLOWER_SHARE_BPS, 2_000, 0, 5_000);
        _define(ParamKeys.CHALLENGE_WINDOW_SECONDS, 1 days, 1 hours, 30 days);
        _define(ParamKeys.CHALLENGE_BOND, 100e6, 1e6, 1e12);
        _define(ParamKeys.UNBONDING_SECONDS, 7 days, 1 days, 60 days);
        _define(ParamKeys.SCORE_HALF_LIFE_SECONDS, 7 days, 1 hours, 365 days);
        _define(ParamKeys.HEARTBEAT_MAX_AGE_SECONDS, 10 minutes, 1 minutes, 1 days);
        // attestation
        _define(ParamKeys.ATTESTATION_MAX_AGE_SECONDS, 1 days, 1 hours, 30 days);
        // campaigns
        _define(ParamKeys.CAMPAIGN_RATE_LIMIT_COUNT, 10, 1, 1_000);
        _define(ParamKeys.CAMPAIGN_RATE_WINDOW_SECONDS, 60, 1, 1 days);
        _define(ParamKeys.CLAIM_TTL_SECONDS, 120, 12, 1 days);
        _define(ParamKeys.DISPATCH_WINDOW_SECONDS, 30, 1, 1 hours);
        _define(ParamKeys.REPUBLISH_PENALTY_POINTS, 100, 0, _BPS);
        _defineDisputeKeys();
        _checkInvariants();
    }

    /// @dev Disputes, data availability and score penalties (security review, issue 16).
    function _defineDisputeKeys() private {
        _define(ParamKeys.REVEAL_WINDOW_SECONDS, 1 hours, 5 minutes, 1 days);
        _define(ParamKeys.ARBITRATION_DEADLINE_SECONDS, 3 days, 1 hours, 30 days);
        _define(ParamKeys.DATA_CHALLENGE_BOND, 10e6, 1e5, 1e12);
        _define(ParamKeys.PENALTY_WEIGHT_BPS, 10_000, 0, 100_000);
    }

    /// @inheritdoc IParameters
    function get(bytes32 key) external view returns (uint256) {
        return _entry(key).value;
    }

    /// @inheritdoc IParameters
    function bounds(bytes32 key) external view returns (uint256 min, uint256 max) {
        Entry storage e = _entry(key);
        return (e.min, e.max);
    }

    /// @inheritdoc IParameters
    function keys() external view returns (bytes32[] memory) {
        return _keys;
    }

    /// @inheritdoc IParameters
    function set(bytes32 key, uint256 value) external onlyOwner {
        _set(key, value);
        _checkInvariants();
    }

    /// @inheritdoc IParameters
    function setMany(bytes32[] calldata keys_, uint256[] calldata values) external onlyOwner {
        if (keys_.length != values.length) revert ParametersLengthMismatch(keys_.length, values.length);
        for (uint256 i = 0; i < keys_.length; ++i) {
            _set(keys_[i], values[i]);
        }
        _checkInvariants();
    }

    /// @inheritdoc IParameters
    function isMeasurementAllowed(bytes32 measurementHash) external view returns (bool) {
        return _allowedMeasurements[measurementHash];
    }

    /// @inheritdoc IParameters
    function setMeasurementAllowed(bytes32 measurementHash, bool allowed) external onlyOwner {
        _allowedMeasurements[measurementHash] = allowed;
        emit MeasurementAllowlistChanged(measurementHash, allowed);
    }

    function _define(bytes32 key, uint256 value, uint256 min, uint256 max) private {
        _entries[key] = Entry({value: value, min: uint128(min), max: uint128(max), known: true});
        _keys.push(key);
    }

    function _entry(bytes32 key) private view returns (Entry storage e) {
        e = _entries[key];
        if (!e.known) revert ParametersUnknownKey(key);
    }

    function _set(bytes32 key, uint256 value) private {
        Entry storage e = _entry(key);
        if (value < e.min || value > e.max) revert ParametersOutOfBounds(key, value, e.min, e.max);
        uint256 old = e.value;
        e.value = value;
        emit ParameterChanged(key, old, value);
    }

    /// @dev Rules that tie several keys together; checked after every change (and at deployment).
    function _checkInvariants() private view {
        uint256 sum =
            _entries[ParamKeys.SLEEVE_TARGET_MARKET_MAKING_BPS].value +
                _entries[ParamKeys.SLEEVE_TARGET_ARBITRAGE_BPS].value +
                _entries[ParamKeys.SLEEVE_TARGET_BUFFER_BPS].value;
        if (sum != _BPS) revert ParametersSleeveTargetsInvalid(sum);
        _requireAtLeast(ParamKeys.UNBONDING_SECONDS, ParamKeys.CHALLENGE_WINDOW_SECONDS);
        _requireAtLeast(ParamKeys.LOCK_TIER2_SECONDS, ParamKeys.LOCK_TIER1_SECONDS);
        _requireAtLeast(ParamKeys.LOCK_TIER2_MULTIPLIER_BPS, ParamKeys.LOCK_TIER1_MULTIPLIER_BPS);
        uint256 shares = _entries[ParamKeys.EARN_SHARE_BPS].value + _entries[ParamKeys.KEEPER_FEE_BPS].value;
        if (shares > _MAX_PROFIT_SHARES_BPS) {
            revert ParametersOutOfBounds(ParamKeys.EARN_SHARE_BPS, shares, 0, _MAX_PROFIT_SHARES_BPS);
        }
    }

    /// @dev Reverts when `key`'s value is below `floorKey`'s value (reported as `key` out of bounds).
    function _requireAtLeast(bytes32 key, bytes32 floorKey) private view {
        Entry storage e = _entries[key];
        uint256 floor = _entries[floorKey].value;
        if (e.value < floor) revert ParametersOutOfBounds(key, e.value, floor, e.max);
    }
}

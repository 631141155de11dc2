// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title ReputationMath
/// @notice Time decay of outcome counters and the reputation score formula (see docs/SPECIFICATION.md,
///         "Reputation and slashing"). Every step rounds down, in the order written, so anyone can
///         recompute a score exactly from the emitted outcomes.
library ReputationMath {
    /// @dev One fresh outcome.
    uint256 internal constant WAD = 1e18;
    /// @dev Basis points.
    uint256 internal constant BPS = 10_000;
    /// @dev Weight of proven fraud: one fresh fraud divides the score by 1 + 4 = 5.
    uint256 internal constant FRAUD_WEIGHT = 4;
    /// @dev Virtual successes every key starts with (the prior of the success rate): a new keeper scores 10_000 and
    ///      one released claim under venue faults leaves it at 8_000, not at `minScore`; four net failures or
    ///      expiries still take it to 5_000. Frauds are weighed apart (`FRAUD_WEIGHT`).
    uint256 internal constant PRIOR_SUCCESSES = 4;

    /// @notice `value * 2^(-elapsed / halfLife)`, with `elapsed / halfLife` quantised down to 1/65536.
    /// @dev Whole half-lives shift right; the 16-bit remainder multiplies, bit by bit from the most
    ///      significant, by floor(1e18 * 2^(-1/2^i)) / 1e18 (i = 1..16), rounding down at each step.
    function decay(uint256 value, uint256 elapsed, uint256 halfLife) internal pure returns (uint256) {
        if (value == 0 || elapsed == 0) return value;
        uint256 halvings = elapsed / halfLife;
        if (halvings > 127) return 0;
        value >>= halvings;
        uint256 frac = ((elapsed % halfLife) << 16) / halfLife;
        if (frac == 0) return value;
        if (frac & 0x8000 != 0) value = (value * 707106781186547524) / WAD;
        if (frac & 0x4000 != 0) value = (value * 840896415253714543) / WAD;
        if (frac & 0x2000 != 0) value = (value * 917004043204671231) / WAD;
        if (frac & 0x1000 != 0) value = (value * 957603280698573646) / WAD;
        if (frac & 0x0800 != 0) value = (value * 978572062087700134) / WAD;
        if (frac & 0x0400 != 0) value = (value * 989228013193975484) / WAD;
        if (frac & 0x0200 != 0) value = (value * 994599423483633175) / WAD;
        if (frac & 0x0100 != 0) value = (value * 997296056085470126) / WAD;
        if (frac & 0x0080 != 0) value = (value * 998647112890970173) / WAD;
        if (frac & 0x0040 != 0) value = (value * 999323327502650752) / WAD;
        if (frac & 0x0020 != 0) value = (value * 999661606496243683) / WAD;
        if (frac & 0x0010 != 0) value = (value * 999830788931929063) / WAD;
        if (frac & 0x0008 != 0) value = (value * 999915390886613497) / WAD;
        if (frac & 0x0004 != 0) value = (value * 999957694548431132) / WAD;
        if (frac & 0x0002 != 0) value = (value * 999978847050491929) / WAD;
        if (frac & 0x0001 != 0) value = (value * 999989423469314464) / WAD;
        return value;
    }

    /// @notice The score in bps from decayed counters (all 1e18-scaled):
    ///         `rate = (S + 4e18) * 1e18 / (S + F + E + 4e18)` (four virtual successes: a new keeper starts at
    ///         10_000); `avgDelay = S > 0 ? D / S : 0` seconds; `delayFactor = 1e18 - min(avgDelay * 1e18 /
    ///         (2 * refDelay), 5e17)` (slow settlement costs up to half); `fraudFactor = 1e36 / (1e18 + 4X)`;
    ///         `score = 10_000 * rate / 1e18 * delayFactor / 1e18 * fraudFactor / 1e18`.
    /// @param successes S.
    /// @param failures F.
    /// @param expiries E.
    /// @param frauds X.
    /// @param delaySum D, decayed sum of delays in seconds x 1e18.
    /// @param refDelay Reference delay in seconds (the claim TTL).
    function score(
        uint256 successes,
        uint256 failures,
        uint256 expiries,
        uint256 frauds,
        uint256 delaySum,
        uint256 refDelay
    ) internal pure returns (uint256) {
        uint256 prior = PRIOR_SUCCESSES * WAD;
        uint256 rate = ((successes + prior) * WAD) / (successes + failures + expiries + prior);
        uint256 avgDelay = successes == 0 ? 0 : delaySum / successes;
        uint256 penalty = (avgDelay * WAD) / (2 * refDelay);
        if (penalty > WAD / 2) penalty = WAD / 2;
        uint256 delayFactor = WAD - penalty;
        uint256 fraudFactor = (WAD * WAD) / (WAD + FRAUD_WEIGHT * frauds);
        return (((((BPS * rate) / WAD) * delayFactor) / WAD) * fraudFactor) / WAD;
    }

    /// @notice A score lowered by republish penalty points:
    ///         `score * 10_000 / (10_000 + points * weightBps / 10_000)` (each step rounding down). With the
    ///         default weight (10_000) one point costs about 1 bps of the divisor: 100 points (one republish)
    ///         lower a score by ~1%, 10_000 points halve it.
    /// @param score_ The score in bps.
    /// @param points Penalty points of the key.
    /// @param weightBps Weight of one point (`penaltyWeightBps`).
    function penalised(uint256 score_, uint256 points, uint256 weightBps) internal pure returns (uint256) {
        if (points == 0 || weightBps == 0) return score_;
        return (score_ * BPS) / (BPS + (points * weightBps) / BPS);
    }

    /// @notice `amount * bps / 10_000`, rounded down.
    function bpsOf(uint256 amount, uint256 bps) internal pure returns (uint256) {
        return (amount * bps) / BPS;
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title ParamKeys
/// @notice Names of every tunable threshold held by `Parameters`. A key is the parameter's name as a
///         short string (`bytes32("roiThresholdBps")`), so Solidity, TypeScript
///         (`ethers.encodeBytes32String("roiThresholdBps")`) and the UI share one name per concept.
/// @dev Units are in each name: `Bps` = basis points (10_000 = 100%), `Seconds`, `Count`, token amounts
///      in the deposit asset's units. Defaults and bounds live in `Parameters`.
library ParamKeys {
    // ---------------------------------------------------------------- keeper engine (read off-chain)
    /// @dev Challenger ROI must reach this fraction of the current strategy's ROI to switch (15_000 = 1.5x).
    bytes32 internal constant ROI_THRESHOLD_BPS = "roiThresholdBps";
    /// @dev Minimum time between two strategy switches.
    bytes32 internal constant SWITCH_COOLDOWN_SECONDS = "switchCooldownSeconds";
    /// @dev Maximum strategy switches in any rolling hour.
    bytes32 internal constant MAX_SWITCHES_PER_HOUR = "maxSwitchesPerHour";
    /// @dev A challenger must stay best for this long before a switch (anti-flapping).
    bytes32 internal constant DEBOUNCE_SECONDS = "debounceSeconds";
    /// @dev Largest accepted slippage of an execution against its quote.
    bytes32 internal constant MAX_SLIPPAGE_BPS = "maxSlippageBps";
    /// @dev Order retries allowed per minute per trade pair.
    bytes32 internal constant RETRIES_PER_MINUTE_PER_PAIR = "retriesPerMinutePerPair";
    /// @dev Keeper PnL circuit breaker: largest drawdown from the high-water mark before pausing.
    bytes32 internal constant PNL_DRAWDOWN_BPS = "pnlDrawdownBps";
    /// @dev Keeper circuit breaker: pause length after a trip before trading resumes by rule.
    bytes32 internal constant BREAKER_COOLDOWN_SECONDS = "breakerCooldownSeconds";

    // ---------------------------------------------------------------- vault
    /// @dev Target weight of the market-making sleeve (the three targets sum to 10_000).
    bytes32 internal constant SLEEVE_TARGET_MARKET_MAKING_BPS = "sleeveTargetMarketMakingBps";
    /// @dev Target weight of the arbitrage sleeve.
    bytes32 internal constant SLEEVE_TARGET_ARBITRAGE_BPS = "sleeveTargetArbitrageBps";
    /// @dev Target weight of the idle buffer that serves withdrawals.
    bytes32 internal constant SLEEVE_TARGET_BUFFER_BPS = "sleeveTargetBufferBps";
    /// @dev Most one keeper may hold drawn at once, as a fraction of total assets, before reputation scaling.
    bytes32 internal constant KEEPER_CAP_BPS = "keeperCapBps";
    /// @dev Period over which a repayment's profit unlocks linearly into the share price.
    bytes32 internal constant PROFIT_UNLOCK_SECONDS = "profitUnlockSeconds";
    /// @dev Loss on one repayment, as a fraction of total assets, that trips the vault's circuit breaker.
    bytes32 internal constant MAX_LOSS_BPS = "maxLossBps";
    /// @dev Largest deviation of a receipt's average execution price from the Chainlink reference.
    bytes32 internal constant PRICE_DEVIATION_BPS = "priceDeviationBps";
    /// @dev Chainlink answers older than this are stale and rejected.
    bytes32 internal constant ORACLE_MAX_AGE_SECONDS = "oracleMaxAgeSeconds";
    /// @dev Earn lock tiers: duration and yield multiplier of tier 1 and tier 2 (tier 0 = no lock, 1x).
    bytes32 internal constant LOCK_TIER1_SECONDS = "lockTier1Seconds";
    bytes32 internal constant LOCK_TIER1_MULTIPLIER_BPS = "lockTier1MultiplierBps";
    bytes32 internal constant LOCK_TIER2_SECONDS = "lockTier2Seconds";
    bytes32 internal constant LOCK_TIER2_MULTIPLIER_BPS = "lockTier2MultiplierBps";
    /// @dev Share of each profit paid as Earn extra yield to locked depositors.
    bytes32 internal constant EARN_SHARE_BPS = "earnShareBps";
    /// @dev Share of each profit paid to keepers as performance fee (weighted by reputation).
    bytes32 internal constant KEEPER_FEE_BPS = "keeperFeeBps";
    /// @dev Buffer deviation from its target, as a fraction of total assets, that makes a rebalance due.
    bytes32 internal constant REBALANCE_TOLERANCE_BPS = "rebalanceToleranceBps";

    // ---------------------------------------------------------------- keeper capital book
    /// @dev What an operator's keys may owe together, as a fraction of its slashable stake (10_000 = 1x).
    bytes32 internal constant CAPITAL_STAKE_MULTIPLE_BPS = "capitalStakeMultipleBps";
    /// @dev Time after a campaign's claim deadline by which its draw must be repaid, else it is liquidated.
    bytes32 internal constant REPAY_GRACE_SECONDS = "repayGraceSeconds";

    // ---------------------------------------------------------------- reputation and slashing
    /// @dev Minimum operator stake for eligibility (deposit-asset units).
    bytes32 internal constant MIN_STAKE = "minStake";
    /// @dev Minimum reputation score for eligibility (0..10_000).
    bytes32 internal constant MIN_SCORE = "minScore";
    /// @dev Fraction of stake slashed when a challenge is upheld.
    bytes32 internal constant SLASH_FRACTION_BPS = "slashFractionBps";
    /// @dev Fraction of the slash paid to the challenger (whistleblower).
    bytes32 internal constant WHISTLEBLOWER_SHARE_BPS = "whistleblowerShareBps";
    /// @dev Time after a receipt is posted during which it may be challenged.
    bytes32 internal constant CHALLENGE_WINDOW_SECONDS = "challengeWindowSeconds";
    /// @dev Bond a challenger locks with a challenge (deposit-asset units).
    bytes32 internal constant CHALLENGE_BOND = "challengeBond";
    /// @dev Delay between requesting a stake withdrawal and being able to withdraw it.
    bytes32 internal constant UNBONDING_SECONDS = "unbondingSeconds";
    /// @dev Half-life of an outcome's weight in the score (older outcomes weigh less).
    bytes32 internal constant SCORE_HALF_LIFE_SECONDS = "scoreHalfLifeSeconds";
    /// @dev A keeper missing heartbeats for longer than this loses health (and eligibility).
    bytes32 internal constant HEARTBEAT_MAX_AGE_SECONDS = "heartbeatMaxAgeSeconds";

    // ---------------------------------------------------------------- attestation
    /// @dev An attestation older than this no longer counts.
    bytes32 internal constant ATTESTATION_MAX_AGE_SECONDS = "attestationMaxAgeSeconds";

    // ---------------------------------------------------------------- campaigns
    /// @dev Campaign creations allowed per publisher's operator (all its keys together) per rate window.
    bytes32 internal constant CAMPAIGN_RATE_LIMIT_COUNT = "campaignRateLimitCount";
    /// @dev Length of the campaign rate-limit window.
    bytes32 internal constant CAMPAIGN_RATE_WINDOW_SECONDS = "campaignRateWindowSeconds";
    /// @dev A claim not settled within this time expires and the campaign may be claimed again.
    bytes32 internal constant CLAIM_TTL_SECONDS = "claimTtlSeconds";
    /// @dev In dispatch mode, the time the assignee (then each backup in turn) has the campaign alone.
    bytes32 internal constant DISPATCH_WINDOW_SECONDS = "dispatchWindowSeconds";
    /// @dev Penalty points recorded against a publisher re-publishing a campaign with no economic change.
    bytes32 internal constant REPUBLISH_PENALTY_POINTS = "republishPenaltyPoints";

    // ---------------------------------------------------------------- disputes, data availability, campaigns
    //                                                                  (security review, issue 16)
    /// @dev Time the trace holder has to reveal a demanded leaf before the operator can be slashed.
    bytes32 internal constant REVEAL_WINDOW_SECONDS = "revealWindowSeconds";
    /// @dev Time the arbiter has to rule on a dispute; price evidence is then upheld by anyone.
    bytes32 internal constant ARBITRATION_DEADLINE_SECONDS = "arbitrationDeadlineSeconds";
    /// @dev Bond locked with a data-availability demand (deposit-asset units); paid to the operator on reveal.
    bytes32 internal constant DATA_CHALLENGE_BOND = "dataChallengeBond";
    /// @dev Weight of one republish penalty point in the score divisor (bps of 1 bps).
    bytes32 internal constant PENALTY_WEIGHT_BPS = "penaltyWeightBps";
}

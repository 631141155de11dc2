/**
 * `npm start`'s keepers (scripts/lib/keepers.ts): the operator stake covers what one keeper may have drawn at once, one
 * market-making campaign (the capital its two quotes lock) and one arbitrage campaign (its buy leg's worst case, sized
 * inside the configured risk limits), at a reference price up to 20% above the 3,000 start, so no draw is cut short
 * by the operator's bound; and both sleeves are drawn from (the strategies list market making and arbitrage).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  KEEPER_QUOTE_SIZE_ETH,
  KEEPER_RISK,
  OPERATOR_STAKE_TUSD,
  keeperStrategies,
} from "../../../scripts/lib/keepers.js";
import { keeperConfigSchema } from "./config.js";
import { maxPlanAmount, riskLimits } from "../execution/limits.js";
import { toWad, WAD } from "../execution/fixed.js";
import { buyCapitalWad } from "./capital.js";
import { sleeveOf } from "./engine-campaigns.js";
import { SLEEVES } from "../chain/vault.js";

test("npmStart_operatorStake_coversOneMarketMakingAndOneArbitrageDrawAtOnce", () => {
  const limits = riskLimits(keeperConfigSchema.shape.risk.parse(KEEPER_RISK));
  const price = toWad("3600"); // the 3,000 reference +20%
  const takerFeeBps = 10n;
  // The largest arbitrage plan the limits allow at that price, and what its campaign draws.
  const amount = maxPlanAmount(limits, price, "ETH", toWad("50"));
  const quote = (amount * price) / WAD;
  const arbitrageDraw = buyCapitalWad(amount, price, quote + (quote * takerFeeBps) / 10_000n);
  // A market-making campaign draws the capital its two quotes lock (the strategy's `capitalLocked`).
  const [mm] = keeperStrategies();
  const size = toWad((mm!.config as { orderSize: string }).orderSize);
  assert.equal(size, toWad(String(KEEPER_QUOTE_SIZE_ETH)));
  const marketMakingDraw = (2n * size * price) / WAD;
  const stake = toWad(OPERATOR_STAKE_TUSD);
  assert.ok(
    marketMakingDraw + arbitrageDraw <= stake,
    `stake ${OPERATOR_STAKE_TUSD} covers ${marketMakingDraw / WAD} + ${arbitrageDraw / WAD}`,
  );
  // Both sleeves: the listed strategies draw from market making's and arbitrage's.
  const sleeves = keeperStrategies().map((e) => sleeveOf(e.plugin as "marketMaking" | "arbitrage"));
  assert.deepEqual(sleeves, [SLEEVES.marketMaking, SLEEVES.arbitrage]);
});

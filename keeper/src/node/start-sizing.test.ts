/**
 * `npm start`'s keepers (scripts/lib/keepers.ts): the operator stake covers what one keeper may have drawn at once, one
 * market-making campaign (the capital its two quotes lock), two standing arbitrage windows (the closing one and its
 * successor) and one arbitrage campaign of its own (its buy leg's worst case, sized inside the configured risk limits),
 * at a reference price up to 20% above the 3,000 start, so no draw is cut short by the operator's bound; the three
 * keepers' windows fit the arbitrage sleeve of the demo deposit; and both sleeves are drawn from (the strategies list
 * market making and arbitrage).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  KEEPER_COUNT,
  KEEPER_QUOTE_SIZE_ETH,
  KEEPER_RISK,
  KEEPER_STANDING_WINDOWS,
  OPERATOR_STAKE_TUSD,
  keeperStrategies,
  writeKeeperFiles,
} from "../../../scripts/lib/keepers.js";
import { DEFAULT_DEMO_DEPOSIT_TUSD } from "../../../scripts/lib/env.js";
import { DEFAULT_ENGINE_PARAMETERS } from "../engine/parameters.js";
import { keeperConfigSchema, loadKeeperConfig } from "./config.js";
import { campaignSettings } from "./run.js";
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
  // Two standing windows while handing over, each drawing `drawAmount`.
  const windowDraw = toWad(KEEPER_STANDING_WINDOWS.drawAmount);
  const stake = toWad(OPERATOR_STAKE_TUSD);
  assert.ok(
    marketMakingDraw + 2n * windowDraw + arbitrageDraw <= stake,
    `stake ${OPERATOR_STAKE_TUSD} covers ${marketMakingDraw / WAD} + 2 x ${windowDraw / WAD} + ${arbitrageDraw / WAD}`,
  );
  // Both sleeves: the listed strategies draw from market making's and arbitrage's.
  const sleeves = keeperStrategies().map((e) => sleeveOf(e.plugin as "marketMaking" | "arbitrage"));
  assert.deepEqual(sleeves, [SLEEVES.marketMaking, SLEEVES.arbitrage]);
});

test("npmStart_standingWindows_everyKeepersTwoWindowsFitTheArbitrageSleeve", () => {
  const sleeve =
    (toWad(String(DEFAULT_DEMO_DEPOSIT_TUSD)) * BigInt(DEFAULT_ENGINE_PARAMETERS.sleeveTargetArbitrageBps)) / 10_000n;
  const windows = BigInt(KEEPER_COUNT) * 2n * toWad(KEEPER_STANDING_WINDOWS.drawAmount);
  assert.ok(windows <= sleeve, `${windows / WAD} of windows inside the ${sleeve / WAD} arbitrage sleeve`);
  // Room is left for a run outside its window: at least one market-making quote's worth.
  assert.ok(sleeve - windows >= toWad("3000"), `${(sleeve - windows) / WAD} left in the sleeve`);
});

test("npmStart_keeperConfig_enablesStandingWindowsInKeeperRun", () => {
  const dir = mkdtempSync(join(tmpdir(), "start-sizing-"));
  try {
    const path = writeKeeperFiles(dir, 1, {
      rpcUrl: "http://127.0.0.1:8545",
      deploymentPath: join(dir, "deployment.json"),
      simUrls: { binance: "http://127.0.0.1:1", okx: "http://127.0.0.1:2" },
      metricsPort: 0,
      verifierUrl: "http://127.0.0.1:3",
    });
    const config = loadKeeperConfig(path, { KEEPER_PRIVATE_KEY: `0x${"11".repeat(32)}` });
    const settings = campaignSettings(config);
    assert.deepEqual(settings.standingArbitrage, {
      drawUnits: 6_000n * 10n ** 6n,
      windowSeconds: KEEPER_STANDING_WINDOWS.windowSeconds,
      armLeadSeconds: KEEPER_STANDING_WINDOWS.armLeadSeconds,
    });
    assert.equal(settings.bookMaxAgeMs, KEEPER_STANDING_WINDOWS.bookMaxAgeMs);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * The arbitrage keeper as `keeper run` assembles it (and the tests, through the same function): arbitrage campaigns
 * as the opportunity source and execution, vault capital for the arbitrage sleeve when a vault adapter is given
 * (draws before each execution, repayments after), the risk controls (limits, kill switch, chain stop signals,
 * exposures; docs/SPECIFICATION.md "Keeper node / Risk controls") and the node that ticks them.
 */
import type { CampaignExecution, CampaignJob } from "../campaign/dispatcher.js";
import type { CapitalAdapter } from "../chain/vault.js";
import { SLEEVES } from "../chain/vault.js";
import { riskLimits, type RiskLimits } from "../execution/limits.js";
import { SafetyRules, type SafetyConfig } from "../execution/safety.js";
import { ArbitrageCampaigns } from "./arbitrage-campaigns.js";
import { CapitalFlow, FundedExecution } from "./capital.js";
import type { Journal } from "./journal.js";
import { KeeperNode, type KeeperNodeOptions } from "./keeper.js";
import { RiskControls, RiskStopError } from "./risk.js";

export interface ArbitrageKeeperOptions extends Omit<KeeperNodeOptions, "source" | "execution" | "capital" | "risk"> {
  /** Markets, receipt poster and execution budget of the campaigns (journal and log are the node's). */
  campaigns: Omit<ConstructorParameters<typeof ArbitrageCampaigns>[0], "journal" | "log" | "risk" | "safety">;
  /** The vault the keeper draws from; undefined: it trades its own capital only. */
  vault?: CapitalAdapter;
  /** Risk limits (default: `riskLimits()`, the configuration's defaults). */
  limits?: RiskLimits;
  /** The execution layer's safety rules on every order (default `DEFAULT_SAFETY`). */
  safety?: SafetyConfig;
}

/** Safety rules of a live keeper: 5 s cool-down after a failed execution, 60 orders a minute per venue and pair,
 * limits within 300 bps of the mid, and the loss breaker at the daily loss limit. */
export const DEFAULT_SAFETY: Omit<SafetyConfig, "maxLoss"> = {
  cooldownMs: 5_000,
  maxOrdersPerMinute: 60,
  maxSlippageBps: 300n,
};

/**
 * Refuses a campaign before it draws capital or trades while a stop signal holds (kill switch, vault paused,
 * keeper revoked, attestation expired) or its market is blocked by an exposure: the chain's signals are read again
 * first. A campaign that already journalled orders (a re-run after a restart) goes on: its orders are reconciled,
 * and the order guard still refuses any new opening order.
 */
export class GatedExecution implements CampaignExecution {
  constructor(
    private readonly inner: CampaignExecution,
    private readonly risk: RiskControls,
    private readonly journal: Journal,
  ) {}

  async execute(job: CampaignJob): Promise<{ receiptId: bigint }> {
    if (this.journal.ordersOfCampaign(job.id).length === 0) {
      await this.risk.refreshSignals(true);
      const reason = this.risk.stopReason() ?? this.risk.blockedReason(job.spec.assetPair);
      if (reason) throw new RiskStopError(`campaign ${job.id} not executed: ${reason}`);
    }
    return this.inner.execute(job);
  }
}

export function arbitrageKeeper(opts: ArbitrageKeeperOptions): {
  node: KeeperNode;
  campaigns: ArbitrageCampaigns;
  capital: CapitalFlow | undefined;
  risk: RiskControls;
} {
  const { campaigns: campaignOptions, vault, limits = riskLimits(), safety: safetyConfig, ...nodeOptions } = opts;
  const { journal, log, metrics, chain, venues } = nodeOptions;
  // The safety rules' reference price is the campaigns' latest mid (the campaigns need the rules: set below).
  const ref: { campaigns?: ArbitrageCampaigns } = {};
  const safety = new SafetyRules(
    { ...DEFAULT_SAFETY, ...safetyConfig, maxLoss: safetyConfig?.maxLoss ?? limits.maxDailyLoss },
    (venueId, pair) => ref.campaigns?.referencePrice(venueId, pair),
    campaignOptions.clock,
  );
  const risk = new RiskControls({
    journal,
    limits,
    venues,
    chain,
    vault,
    log,
    metrics,
    clock: campaignOptions.clock,
    unwindSlippageBps: campaignOptions.unwindSlippageBps,
    // The breaker an exposure tripped is reset once every exposure is flat.
    onAllFlat: () => {
      if (safety.tripped?.reason.includes("exposed")) safety.reset();
    },
  });
  const campaigns = new ArbitrageCampaigns({ ...campaignOptions, journal, log, risk, safety });
  ref.campaigns = campaigns;
  const capital = vault
    ? new CapitalFlow({ capital: vault, journal, sleeve: SLEEVES.arbitrage, log, metrics })
    : undefined;
  const funded = capital ? new FundedExecution(campaigns, capital) : campaigns;
  const node = new KeeperNode({
    ...nodeOptions,
    source: campaigns,
    execution: new GatedExecution(funded, risk, journal),
    capital,
    risk,
  });
  return { node, campaigns, capital, risk };
}

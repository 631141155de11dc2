/**
 * The arbitrage keeper as `keeper run` assembles it (and the tests, through the same function): arbitrage campaigns
 * as the opportunity source and execution, vault capital for the arbitrage sleeve when a vault adapter is given
 * (draws before each execution, repayments after), and the node that ticks them.
 */
import type { CapitalAdapter } from "../chain/vault.js";
import { SLEEVES } from "../chain/vault.js";
import { ArbitrageCampaigns } from "./arbitrage-campaigns.js";
import { CapitalFlow, FundedExecution } from "./capital.js";
import { KeeperNode, type KeeperNodeOptions } from "./keeper.js";

export interface ArbitrageKeeperOptions extends Omit<KeeperNodeOptions, "source" | "execution" | "capital"> {
  /** Markets, receipt poster and execution budget of the campaigns (journal and log are the node's). */
  campaigns: Omit<ConstructorParameters<typeof ArbitrageCampaigns>[0], "journal" | "log">;
  /** The vault the keeper draws from; undefined: it trades its own capital only. */
  vault?: CapitalAdapter;
}

export function arbitrageKeeper(opts: ArbitrageKeeperOptions): {
  node: KeeperNode;
  campaigns: ArbitrageCampaigns;
  capital: CapitalFlow | undefined;
} {
  const { campaigns: campaignOptions, vault, ...nodeOptions } = opts;
  const { journal, log, metrics } = nodeOptions;
  const campaigns = new ArbitrageCampaigns({ ...campaignOptions, journal, log });
  const capital = vault
    ? new CapitalFlow({ capital: vault, journal, sleeve: SLEEVES.arbitrage, log, metrics })
    : undefined;
  const node = new KeeperNode({
    ...nodeOptions,
    source: campaigns,
    execution: capital ? new FundedExecution(campaigns, capital) : campaigns,
    capital,
  });
  return { node, campaigns, capital };
}

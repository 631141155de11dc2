/**
 * `KeeperNode.stop()` finishes what traded: a campaign whose claim the chain's clock overtook mid-run (its receipt
 * refused, the campaign left `executing` with vault capital drawn) is claimed again, its receipt posted and settled,
 * and its draw repaid before the node stops; nothing is left to the next start, and nothing new is claimed.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import type { KeeperCapital } from "../../../types/ethers-contracts/index.js";
import { campaignSpecFromNames, type CampaignSpec } from "../campaign/id.js";
import type { CampaignJob } from "../campaign/dispatcher.js";
import type { EvmChainAdapter } from "../chain/evm.js";
import { localSystem, type LocalSystem } from "../chain/testing/local-system.js";
import { LeafReceiptPoster, twoFillsAt } from "../chain/testing/receipt-poster.js";
import { SLEEVES } from "../chain/vault.js";
import { ReceiptClaimNotLiveError } from "../recording/errors.js";
import { CapitalFlow, FundedExecution } from "./capital.js";
import { Journal } from "./journal.js";
import { KeeperNode } from "./keeper.js";
import { createMetrics } from "./metrics.js";
import { fundVault, USD } from "./testing/vault.js";

const PRICE = 3_050n * 10n ** 8n;

describe("KeeperNode stop", () => {
  let sys: LocalSystem;
  let keeper: EvmChainAdapter;
  let book: KeeperCapital;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "keeper-stop-"));
    sys = await localSystem();
    keeper = await sys.onboardKeeper(0);
    book = (await fundVault(sys, 100_000n * USD, 10, PRICE)).book;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const spec = async (salt: bigint, notBefore = 1n): Promise<CampaignSpec> => {
    const now = await keeper.now();
    return campaignSpecFromNames({
      assetPair: "ETH/USDT",
      priceWindow: {
        minPrice: 3_000n * 10n ** 8n,
        maxPrice: 3_100n * 10n ** 8n + salt,
        notBefore: now - 1n + notBefore,
        notAfter: now + 3_600n,
      },
      route: { strategyId: "arbitrage", sourceVenue: "alpha", targetVenue: "beta" },
    });
  };

  it("stop_campaignWhoseClaimLapsedMidRun_isClaimedAgainSettledAndItsDrawRepaid_nothingNewClaimed", async () => {
    const journal = new Journal(join(dir, "k0.db"));
    const flow = new CapitalFlow({ capital: keeper.capital!, journal, sleeve: SLEEVES.arbitrage });
    const executed: string[] = [];
    // The run trades (its order journalled, then filled); the chain's clock then overtakes its claim, so its receipt is
    // refused. Called again (a live claim), it posts the receipt of what it traded.
    const inner = {
      workingCapital: () => 300n * USD,
      async execute(job: CampaignJob): Promise<{ receiptId: bigint }> {
        executed.push(job.id);
        const clientOrderId = `stop-${job.id.slice(2, 10)}`;
        if (!journal.getOrder(clientOrderId)) {
          journal.recordOrderIntent({
            clientOrderId,
            campaignId: job.id,
            venue: "alpha",
            pair: "ETH/USDT",
            side: "buy",
            amount: String(10n ** 17n),
            limitPrice: String(3_050n * 10n ** 18n),
          });
          journal.updateOrder(clientOrderId, "filled", { exchangeOrderId: "x1", filled: String(10n ** 17n) });
          await sys.advance(Number(job.claimDeadline! - job.chainNow!) + 5);
          throw new ReceiptClaimNotLiveError(
            "campaign's claim is not this keeper's live claim: its receipt is not sent",
          );
        }
        return new LeafReceiptPoster(keeper).post({
          campaignId: job.id,
          leaves: twoFillsAt(job.id, PRICE, "stop"),
          summary: { volume: 610n * USD, avgPrice: PRICE, pnl: 0n },
          cid: `bafy-stop-${job.id.slice(2, 10)}`,
        });
      },
    };
    const node = new KeeperNode({
      chain: keeper,
      journal,
      log: pino({ level: "silent" }),
      metrics: createMetrics({ keeper: "stop-test" }),
      source: { detect: async () => [] },
      execution: new FundedExecution(inner, flow),
      capital: flow,
      venues: {},
      tickMs: 60_000,
      heartbeatSeconds: 3_600,
      manualTicks: true,
    });
    await node.start();
    // A run offers its campaign (as the engine's runs do, apart from the tick); no dispatcher step follows before the
    // stop.
    const first = await spec(1n);
    const id = keeper.campaignIdOf(first);
    await assert.rejects(node.dispatcher.offer({ spec: first }), ReceiptClaimNotLiveError);
    assert.equal(journal.campaignProgress(id), "executing", "its receipt was refused: the campaign is still open");
    assert.equal(journal.getCapital(id)?.state, "drawn");
    // Another campaign offered but not claimable yet (its window opens later): the stop must not claim it.
    const later = await spec(2n, 120n);
    const laterId = keeper.campaignIdOf(later);
    await node.dispatcher.offer({ spec: later });
    await sys.advance(130);

    await node.stop();
    const c = await keeper.getCampaign(id);
    assert.equal(c.status, "settled");
    assert.equal(journal.campaignProgress(id), "settled");
    assert.deepEqual(executed, [id, id]);
    assert.equal(journal.getCapital(id)?.state, "repaid");
    assert.equal(flow.outstanding(), 0n);
    assert.equal(await book.keeperOutstanding(keeper.account), 0n, "nothing stays drawn");
    assert.equal((await keeper.getCampaign(laterId)).status, "open", "nothing new claimed by the stop");
    journal.close();
  });
});

/**
 * Issue 15, finding 7 at the keeper level: a keeper node wired as `keeper run` wires it (vault capital on), on an
 * in-process chain with the whole system and the exchange simulator. When the vault is paused the vault has nothing
 * drawable; the keeper used to trade its own capital then ("nothing drawable: the campaign trades own capital").
 * Now a paused vault stops new orders at once, and trading resumes when the vault is unpaused.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KeeperCapital, StrategyVault } from "../../../types/ethers-contracts/index.js";
import { localSystem, type LocalSystem } from "../chain/testing/local-system.js";
import type { RunningSimulation } from "../sim/venues.js";
import { DEFAULT_RISK_LIMITS_CONFIG, riskLimits } from "../execution/limits.js";
import { keeperAccount, keeperNode, plantGap, startKeeperSimulation, SYMBOL } from "./testing/local-keepers.js";
import { until } from "./testing/until.js";
import { fundVault, USD } from "./testing/vault.js";

describe("keeper stop signals end to end", () => {
  let sys: LocalSystem;
  let run: RunningSimulation;
  let dir: string;
  let vault: StrategyVault;
  let book: KeeperCapital;
  let node: ReturnType<typeof keeperNode>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "risk-e2e-"));
    sys = await localSystem();
    run = await startKeeperSimulation(1);
    const governance = (await sys.adapter(0)).sender.signer;
    ({ vault, book } = await fundVault(sys, 100_000n * USD));
    vault = vault.connect(governance);
    node = keeperNode(await sys.onboardKeeper(0), run, 0, join(dir, "k0"), { capital: true });
  });
  after(async () => {
    await node.node.stop();
    node.journal.close();
    await run.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("issue15_7_run_vaultPaused_noNewOrderUntilUnpaused", async () => {
    const chain = await sys.adapter(0);
    const settled = async () => (await chain.campaigns.queryFilter(chain.campaigns.filters.CampaignSettled())).length;
    const orders = () =>
      [...run.sim.venues.values()].reduce(
        (n, v) => n + v.exchange.allOrders(keeperAccount(0).name, SYMBOL, { limit: 1000 }).length,
        0,
      );
    await node.node.start();
    plantGap(run, "29700");
    await until("the first gap settled", async () => (await settled()) === 1);
    await until("its capital repaid", async () => (await book.queryFilter(book.filters.Repaid())).length === 1);

    await (await vault.pause()).wait();
    const before = orders();
    plantGap(run, "29650");
    // Long enough for several ticks (50 ms) and a stop-signal refresh (2 s) to have happened.
    await new Promise((r) => setTimeout(r, 4_000));
    assert.equal(orders(), before, "no order while the vault is paused");
    assert.equal(await settled(), 1, "no campaign while the vault is paused");
    const stopped = (await node.metrics.registry.getSingleMetric("keeper_trading_stopped")?.get())?.values[0]?.value;
    assert.equal(stopped, 1, "keeper_trading_stopped reads 1");

    await (await vault.unpause()).wait();
    await until("the second gap settled once unpaused", async () => (await settled()) === 2);
  });
});

/**
 * The execution margin of the deadline test: the default (30 s). What follows the stop (the unwind on the other venue,
 * sealing and posting the receipt, settling) must fit in it on a loaded machine. With 12 s this test once timed out
 * waiting for the settlement under heavy load (cause not captured; a receipt post after the claim's end leaves the
 * campaign unsettled, and 12 s left little for it); it passed under `stress-ng --cpu 2` at load 8 with both margins.
 */
const MARGIN_SECONDS = 30;
/** Claim TTL: the margin plus 18 s of execution, as before. */
const CLAIM_TTL_SECONDS = MARGIN_SECONDS + 18;

describe("keeper execution deadline end to end", () => {
  let sys: LocalSystem;
  let run: RunningSimulation;
  let dir: string;
  let node: ReturnType<typeof keeperNode>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "risk-deadline-"));
    sys = await localSystem();
    run = await startKeeperSimulation(1);
    await sys.setParameter("claimTtlSeconds", BigInt(CLAIM_TTL_SECONDS));
    node = keeperNode(await sys.onboardKeeper(0), run, 0, join(dir, "k0"), {
      limits: riskLimits({ ...DEFAULT_RISK_LIMITS_CONFIG, executionMarginSeconds: MARGIN_SECONDS }),
    });
  });
  after(async () => {
    await node.node.stop();
    node.journal.close();
    await run.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("issue15_3_run_closeVenueTimingOut_ordersStopBeforeTheClaimExpires_receiptPostedAndSettled", async () => {
    // The gap buys on beta and sells on alpha; every order alpha receives hangs 2 s and is dropped. Each close
    // attempt then takes seconds (the venue's retries), and with the retry budget and three hedges the run used
    // to go on well past the claim: its receipt post reverted (ReceiptRegistryNotClaimant).
    const chain = await sys.adapter(0);
    run.servers.get("alpha")!.faults.configure({
      rules: [{ kind: "timeout", mode: "beforeExecute", hangMs: 2_000, endpoints: ["createOrder"] }],
    });
    await node.node.start();
    plantGap(run, "29700");
    const settled = async () => chain.campaigns.queryFilter(chain.campaigns.filters.CampaignSettled());
    await until("the campaign settled with its receipt", async () => (await settled()).length === 1, 120_000);
    const [event] = await settled();
    const receipt = await chain.receipts.getReceipt(event!.args.receiptId);
    assert.equal(receipt.keeper, (await sys.adapter(1)).account, "the receipt of the keeper that traded");
    // Every order (journalled before it is sent, failed ones included) went out before the claim's deadline minus
    // the margin (chain time follows wall time on this chain; 2 s of slack for block timestamps).
    const claimed = (await chain.campaigns.queryFilter(chain.campaigns.filters.CampaignClaimed()))[0]!;
    const stopAt = Number(claimed.args.deadline) * 1000 - MARGIN_SECONDS * 1000 + 2_000;
    const intents = node.journal.ordersOfCampaign(event!.args.campaignId);
    assert.ok(
      intents.some((o) => o.venue === "alpha"),
      "the close leg was tried on alpha",
    );
    for (const o of intents)
      assert.ok(o.createdAt < stopAt, `${o.venue} order at ${o.createdAt - stopAt} ms past the stop`);
  });
});

/**
 * Capital flow against the real vault and its keeper capital book on an in-process chain: draws for claimed campaigns
 * bounded by need and `drawable`, repayments of principal + the receipt's PnL citing the campaign's receipt, losses
 * (owed until the challenge window passes, then finalised), receipt-less returns of unused capital, and crash safety:
 * the flow is cut at every step (before and after each draw and repayment is sent), a new flow on the reopened journal
 * takes over, and no draw or repayment happens twice while no capital stays drawn.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Wallet, keccak256, toUtf8Bytes } from "ethers";
import {
  KeeperCapital__factory,
  MockV3Aggregator__factory,
  StrategyVault__factory,
  TestStablecoin__factory,
  type KeeperCapital,
  type StrategyVault,
} from "../../../types/ethers-contracts/index.js";
import { campaignSpecFromNames } from "../campaign/id.js";
import { EvmChainAdapter, readChainDeployment } from "../chain/evm.js";
import { DEV_MNEMONIC, localSystem, type LocalSystem } from "../chain/testing/local-system.js";
import { LeafReceiptPoster, twoFillsAt } from "../chain/testing/receipt-poster.js";
import { NO_RECEIPT, SLEEVES, type CapitalAdapter } from "../chain/vault.js";
import { CapitalFlow, buyCapitalWad, quoteWadToDepositUnits, repaymentParts } from "./capital.js";
import { Journal } from "./journal.js";

const USD = 10n ** 6n;
const PRICE = 3_050n * 10n ** 8n;
const ARB = SLEEVES.arbitrage;

describe("capital units", () => {
  it("quoteWadToDepositUnits_wadQuote_roundsUpTo6Decimals", () => {
    assert.equal(quoteWadToDepositUnits(1_485n * 10n ** 18n), 1_485n * USD);
    assert.equal(quoteWadToDepositUnits(10n ** 12n + 1n), 2n);
    assert.equal(quoteWadToDepositUnits(0n), 0n);
  });

  it("buyCapitalWad_worstCaseOrPlannedCost_takesTheLarger", () => {
    const amount = 5n * 10n ** 16n; // 0.05 base
    const limit = 29_700n * 10n ** 18n;
    assert.equal(buyCapitalWad(amount, limit, 0n), 1_485n * 10n ** 18n);
    assert.equal(buyCapitalWad(amount, limit, 1_490n * 10n ** 18n), 1_490n * 10n ** 18n);
  });

  it("repaymentParts_lossBeyondPrincipal_returnsZeroNeverNegative", () => {
    const own = { campaignId: "a", amount: 100n };
    assert.equal(repaymentParts(own, 7n)[0]!.returned, 107n);
    assert.equal(repaymentParts(own, -30n)[0]!.returned, 70n);
    assert.equal(repaymentParts(own, -130n)[0]!.returned, 0n);
  });
});

/** A `CapitalAdapter` that dies (throws a non-chain error) right before or right after sending the chosen write. */
type CrashPoint = "draw:before" | "draw:after" | "repay:before" | "repay:after";
class Crash extends Error {
  override name = "SimulatedCrash";
}
function crashing(inner: CapitalAdapter, at: CrashPoint | undefined): CapitalAdapter {
  const cut = async <T>(op: "draw" | "repay", send: () => Promise<T>): Promise<T> => {
    if (at === `${op}:before`) throw new Crash(`crash before ${op}`);
    const r = await send();
    if (at === `${op}:after`) throw new Crash(`crash after ${op}`);
    return r;
  };
  return {
    account: inner.account,
    drawable: (s) => inner.drawable(s),
    drawIdOf: (c) => inner.drawIdOf(c),
    drawOf: (d) => inner.drawOf(d),
    rebalanceIfNeeded: () => inner.rebalanceIfNeeded(),
    draw: (c, s, a) => cut("draw", () => inner.draw(c, s, a)),
    repay: (d, r, id) => cut("repay", () => inner.repay(d, r, id)),
    finalizeLossIfDue: (d) => inner.finalizeLossIfDue(d),
    depositBalance: () => inner.depositBalance(),
    receiptPnl: (id) => inner.receiptPnl(id),
  };
}

describe("CapitalFlow on the vault", () => {
  let sys: LocalSystem;
  let keeper: EvmChainAdapter;
  /** Publishes the campaigns: another operator's keeper, so the keeper's successes are scored (M4). */
  let publisher: EvmChainAdapter;
  let vault: StrategyVault;
  let book: KeeperCapital;
  let dir: string;
  let salt = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "capital-"));
    sys = await localSystem();
    keeper = await sys.onboardKeeper(0);
    publisher = await sys.onboardKeeper(1);
    // Depositor #10 funds the vault; the reference feed prices what the receipts below trade.
    const depositor = await sys.adapter(10);
    const asset = TestStablecoin__factory.connect(sys.addresses.asset, depositor.sender.signer);
    vault = StrategyVault__factory.connect(sys.addresses.vault!, depositor.sender.signer);
    book = KeeperCapital__factory.connect(sys.addresses.capitalBook!, depositor.sender.signer);
    await (await asset.approve(sys.addresses.vault!, 100_000n * USD)).wait();
    await (await vault.deposit(100_000n * USD, depositor.account)).wait();
    await freshReference();
  });

  /** The reference feed prices what the receipts below trade, and is fresh. */
  async function freshReference(): Promise<void> {
    const depositor = await sys.adapter(10);
    const feed = MockV3Aggregator__factory.connect(await book.priceFeed(), depositor.sender.signer);
    await (await feed.updateAnswer(PRICE)).wait();
  }

  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A published, claimed campaign of the keeper. */
  async function claimed(): Promise<string> {
    const now = await keeper.now();
    salt++;
    const spec = campaignSpecFromNames({
      assetPair: "ETH/USDT",
      priceWindow: {
        minPrice: 3_000n * 10n ** 8n,
        maxPrice: 3_100n * 10n ** 8n + BigInt(salt),
        notBefore: now - 1n,
        notAfter: now + 3_600n,
      },
      route: { strategyId: "arbitrage", sourceVenue: "alpha", targetVenue: "beta" },
    });
    await publisher.heartbeat();
    const { id } = await publisher.publishCampaign(spec, { mode: "race" });
    const claim = await keeper.claimCampaign(id);
    assert.equal(claim.claimed, true);
    return id;
  }

  /** Posts the campaign's receipt (two fills at the reference price, `pnl` reported), settles it, journals it settled. */
  async function settle(journal: Journal, id: string, pnl: bigint): Promise<bigint> {
    const leaves = twoFillsAt(id, PRICE, "capital");
    const { receiptId } = await new LeafReceiptPoster(keeper).post({
      campaignId: id,
      leaves,
      summary: { volume: 610n * USD, avgPrice: PRICE, pnl },
      cid: `bafy-capital-${id.slice(2, 10)}`,
    });
    assert.equal((await keeper.settleCampaign(id, receiptId)).settled, true);
    journal.advanceCampaign(id, "settled", `receipt ${receiptId}`);
    return receiptId;
  }

  const repaidEvents = async (receiptId: bigint) =>
    book.queryFilter(book.filters.Repaid(undefined, keeper.account, receiptId));
  const drawnEvents = async () => (await book.queryFilter(book.filters.Drawn(undefined, keeper.account))).length;
  const owed = () => book.keeperOutstanding(keeper.account);

  it("fund_thenRepayFinished_drawsWhatIsNeededAndReturnsPrincipalPlusReceiptPnl", async () => {
    const journal = new Journal(join(dir, "profit.db"));
    const flow = new CapitalFlow({ capital: keeper.capital!, journal, sleeve: ARB });
    const id = await claimed();
    assert.equal(await keeper.capital!.drawable(ARB), 0n, "deposits wait in the buffer until a rebalance");
    const wallet = await keeper.capital!.depositBalance();
    assert.equal(await flow.fund(id, 1_000n * USD), 1_000n * USD);
    assert.equal(await flow.fund(id, 1_000n * USD), 1_000n * USD, "a second call draws nothing more");
    assert.equal(await vault.sleeveAssets(ARB), 20_000n * USD, "the flow rebalanced: the arbitrage sleeve holds 20 %");
    assert.equal(await owed(), 1_000n * USD);
    const drawId = await book.drawIdOf(keeper.account, id);
    assert.equal((await book.drawOf(drawId)).campaignId, id, "the draw is tied to the claimed campaign");
    const receiptId = await settle(journal, id, 12n * USD);
    const assetsBefore = await vault.totalAssets();
    assert.equal(await flow.repayFinished(), 1);
    const [ev] = await repaidEvents(receiptId);
    assert.equal(ev!.args.principal, 1_000n * USD);
    assert.equal(ev!.args.returned, 1_012n * USD);
    assert.equal(await owed(), 0n);
    assert.equal(await vault.breakerTripped(), false, "price and PnL checks pass");
    assert.equal(await keeper.capital!.depositBalance(), wallet - 12n * USD, "the profit comes from the wallet");
    assert.equal(await vault.totalAssets(), assetsBefore, "the profit is locked at first");
    assert.equal(journal.getCapital(id)!.state, "repaid");
    assert.equal(await flow.repayFinished(), 0, "nothing repaid twice");
    journal.close();
  });

  it("repayFinished_loss_returnsLessAndTheLossIsBookedOnlyAfterTheChallengeWindow", async () => {
    const journal = new Journal(join(dir, "loss.db"));
    const flow = new CapitalFlow({ capital: keeper.capital!, journal, sleeve: ARB });
    await sys.setParameter("challengeWindowSeconds", 3_600n);
    const id = await claimed();
    await flow.fund(id, 500n * USD);
    const receiptId = await settle(journal, id, -5n * USD);
    // Gross assets (total + still locked profit of the earlier test, which unlocks block by block).
    const gross = async () => (await vault.totalAssets()) + (await vault.lockedProfit());
    const assetsBefore = await gross();
    await flow.repayFinished();
    const [ev] = await repaidEvents(receiptId);
    assert.equal(ev!.args.returned, 495n * USD);
    assert.equal(ev!.args.shortfall, 5n * USD);
    assert.equal(await gross(), assetsBefore, "nothing is booked on the keeper's word");
    assert.equal(await owed(), 5n * USD, "the shortfall stays owed");
    await flow.repayFinished();
    assert.equal(await owed(), 5n * USD, "the window is still open");
    await sys.advance(3_601);
    await keeper.heartbeat();
    await freshReference();
    await flow.repayFinished();
    assert.equal(await owed(), 0n);
    assert.equal(await gross(), assetsBefore - 5n * USD, "booked once the window passed undisputed");
    await sys.setParameter("challengeWindowSeconds", 86_400n);
    journal.close();
  });

  it("fund_needMoreThanDrawable_drawsOnlyDrawable_andNotEligibleDrawsNothing", async () => {
    const journal = new Journal(join(dir, "bounds.db"));
    const flow = new CapitalFlow({ capital: keeper.capital!, journal, sleeve: ARB });
    const id = await claimed();
    const room = await keeper.capital!.drawable(ARB);
    assert.equal(await flow.fund(id, room * 10n), room);
    await settle(journal, id, 0n);
    await flow.repayFinished();
    assert.equal(await owed(), 0n);
    journal.close();

    const strangerJournal = new Journal(join(dir, "stranger.db"));
    const stranger = await sys.adapter(9); // not onboarded: not eligible
    const other = new CapitalFlow({ capital: stranger.capital!, journal: strangerJournal, sleeve: ARB });
    assert.equal(await other.fund(keccak256(toUtf8Bytes("stranger")), 100n * USD), 0n);
    assert.equal(strangerJournal.getCapital(keccak256(toUtf8Bytes("stranger")))!.state, "unfunded");
    strangerJournal.close();
  });

  it("repayFinished_campaignWithoutReceipt_returnsPrincipalAtOnceCitingNoReceipt", async () => {
    const journal = new Journal(join(dir, "unused.db"));
    const flow = new CapitalFlow({ capital: keeper.capital!, journal, sleeve: ARB });
    const orphan = await claimed();
    await flow.fund(orphan, 300n * USD);
    await keeper.releaseCampaign(orphan); // nothing traded
    const price = await vault.convertToAssets(10n ** 12n);
    assert.equal(await flow.repayFinished(), 0, "the campaign is not finished yet");
    journal.advanceCampaign(orphan, "abandoned", "nothing filled");
    assert.equal(await flow.repayFinished(), 1);
    const [ev] = await repaidEvents(NO_RECEIPT);
    assert.equal(ev!.args.principal, 300n * USD);
    assert.equal(ev!.args.returned, 300n * USD);
    assert.equal(journal.getCapital(orphan)!.state, "repaid");
    assert.equal(await owed(), 0n);
    assert.equal(await vault.convertToAssets(10n ** 12n), price, "no PnL without a receipt");
    assert.equal(flow.outstanding(), 0n);
    journal.close();
  });

  for (const at of ["repay:before", "repay:after"] as const) {
    it(`crash_${at.replace(":", "_")}OfAReturn_restartReturnsExactlyOnce`, async () => {
      const path = join(dir, `crash-return-${at.replace(":", "-")}.db`);
      const id = await claimed();
      let journal = new Journal(path);
      const dying = new CapitalFlow({ capital: crashing(keeper.capital!, at), journal, sleeve: ARB });
      await dying.fund(id, 250n * USD);
      await keeper.releaseCampaign(id);
      journal.advanceCampaign(id, "abandoned", "nothing filled");
      const returnsBefore = (await repaidEvents(NO_RECEIPT)).length;
      await assert.rejects(dying.repayFinished(), Crash);
      journal.close();
      journal = new Journal(path);
      const flow = new CapitalFlow({ capital: keeper.capital!, journal, sleeve: ARB });
      await flow.recover();
      await flow.repayFinished();
      assert.equal((await repaidEvents(NO_RECEIPT)).length - returnsBefore, 1, "returned once");
      assert.equal(journal.getCapital(id)!.state, "repaid");
      assert.equal(await owed(), 0n, "nothing stays drawn");
      journal.close();
    });
  }

  it("readChainDeployment_withOrWithoutStrategyVault_capitalOnlyWithAVault", async () => {
    const signer = Wallet.fromPhrase(DEV_MNEMONIC).connect(sys.provider);
    for (const withVault of [false, true]) {
      const path = join(dir, `deployment-${withVault}.json`);
      const { addresses } = readChainDeployment(sys.writeDeployment(path, { vault: withVault }));
      assert.equal(addresses.vault, withVault ? sys.addresses.vault : undefined);
      assert.equal(addresses.capitalBook, withVault ? sys.addresses.capitalBook : undefined);
      const chain = await EvmChainAdapter.connect(signer, addresses);
      assert.equal(chain.capital !== undefined, withVault, "a keeper without a vault trades its own capital");
    }
  });

  for (const at of ["draw:before", "draw:after", "repay:before", "repay:after"] as const) {
    it(`crash_${at.replace(":", "_")}_restartNeitherDrawsNorRepaysTwiceAndNothingStaysDrawn`, async () => {
      const path = join(dir, `crash-${at.replace(":", "-")}.db`);
      const id = await claimed();
      const drawsBefore = await drawnEvents();
      // First process: dies at `at`.
      let journal = new Journal(path);
      const dying = new CapitalFlow({ capital: crashing(keeper.capital!, at), journal, sleeve: ARB });
      let receiptId: bigint | undefined;
      try {
        await dying.fund(id, 400n * USD);
        receiptId = await settle(journal, id, 4n * USD);
        dying.executed(id, receiptId);
        await dying.repayFinished();
        assert.fail("the flow should have crashed");
      } catch (err) {
        assert.ok(err instanceof Crash, String(err));
      }
      journal.close();
      // Second process: same journal; recovery, the re-run execution funds again, then repays.
      journal = new Journal(path);
      const flow = new CapitalFlow({ capital: keeper.capital!, journal, sleeve: ARB });
      await flow.recover();
      await flow.fund(id, 400n * USD);
      receiptId ??= await settle(journal, id, 4n * USD);
      flow.executed(id, receiptId);
      await flow.repayFinished();
      await flow.repayFinished();

      const draws = (await drawnEvents()) - drawsBefore;
      const repaid = await repaidEvents(receiptId);
      const rec = journal.getCapital(id)!;
      if (at === "draw:before") {
        assert.equal(draws, 0, "the draw was never sent: not sent later either");
        assert.equal(rec.state, "unfunded");
        assert.equal(repaid.length, 0);
      } else {
        assert.equal(draws, 1, "drawn once");
        assert.equal(repaid.length, 1, "repaid once");
        assert.equal(repaid[0]!.args.returned, 404n * USD);
        assert.equal(rec.state, "repaid");
      }
      assert.equal(await owed(), 0n, "nothing stays drawn");
      assert.equal(flow.outstanding(), 0n);
      journal.close();
    });
  }
});

/**
 * Crash test of the standing arbitrage window (`arbitrage.standingWindows` of `keeper run`): a keeper, a separate
 * process, holds windows on its route and is killed with SIGKILL at random points while a window arms, trades two
 * planted gaps (the first may still go the per-opportunity way while the window arms, the second trades inside it),
 * closes, posts its receipt, settles and repays; each time it is restarted on the same data directory (the journal's
 * order writes are `synchronous = NORMAL`: a process crash loses none). After every restart and quiet period: no client
 * order id was used twice at any venue, every order the venues know is in the journal, every filled order belongs to a
 * campaign settled on chain with one receipt, and the journal, the store and the capital book agree with the chain.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { KeeperCapital__factory } from "../../../types/ethers-contracts/index.js";
import { checkReceiptAgainstStore } from "../recording/receipt.js";
import { loadSealedReceipt } from "../recording/seal.js";
import { LocalDirectoryStore } from "../recording/store/local.js";
import { NO_RECEIPT } from "../chain/vault.js";
import { Journal } from "./journal.js";
import { plantGap, SYMBOL, writeKeeperRunConfig } from "./testing/local-keepers.js";
import { crashSystem, PASSPHRASE, type CrashSystem } from "./testing/crash.js";

const KILLS = 10;
const WINDOW_OPEN = "standing arbitrage window open";
const POLL_MS = 100;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (what: string | (() => string), cond: () => Promise<boolean> | boolean, ms = 180_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${typeof what === "string" ? what : what()}`);
    await sleep(POLL_MS);
  }
};

describe("keeper crash safety (kill -9) with standing arbitrage windows", () => {
  let s: CrashSystem;
  let configPath: string;
  let lastJournal = "";

  before(async () => {
    s = await crashSystem("crash-window-");
    configPath = writeKeeperRunConfig(join(s.dir, "keeper.json"), {
      name: "keeper0",
      i: 0,
      run: s.run,
      chain: s.chain,
      dataDir: join(s.dir, "data"),
      passphrase: PASSPHRASE,
      extra: {
        tickMs: 25,
        heartbeatSeconds: 60,
        logLevel: "info",
        // Windows of 10 s drawing 400 tUSD (two while handing over stay inside the operator's 1,000 tUSD stake); the
        // claim outlives the window by 20 s, time for a restarted keeper to recover a window killed near its end.
        arbitrage: { standingWindows: { enabled: true, drawAmount: "400", windowSeconds: 10, armLeadSeconds: 3 } },
        campaigns: { claimMarginSeconds: 20 },
        risk: { executionMarginSeconds: 5 },
      },
    });
  });

  after(async () => {
    await s?.close();
  });

  it("run_windowsKilledAtRandomPoints_noDuplicateOrderNoUnjournalledOrderEveryFillReceipted", async () => {
    const chain = await s.sys.adapter(1);
    const alpha = s.run.sim.venues.get("alpha")!.exchange;
    const beta = s.run.sim.venues.get("beta")!.exchange;
    const bobSells = () => beta.openOrders("bob", SYMBOL).length;
    const kills: number[] = [];
    const checkedRepays = new Set<bigint>();
    let c = await s.start(configPath);
    for (let round = 0; round < KILLS; round++) {
      // Two gaps of 0.012 BTC (~356 tUSD, inside a window's 400). The first arms a window on the idle route (it may
      // itself trade the per-opportunity way while the window arms); the second is planted once a window is open and
      // trades inside it.
      const mark = s.output().length;
      plantGap(s.run, String(29_700 - round * 5), "0.012");
      await until(`round ${round}: a window open`, () => s.output().slice(mark).includes(WINDOW_OPEN), 60_000);
      plantGap(s.run, String(29_698 - round * 5), "0.012");
      // Kill at a random point: the run in the window, the successor's arming, the close, receipt, settle, repay.
      const delay = Math.floor(Math.random() * 12_000);
      kills.push(delay);
      await sleep(delay);
      await s.kill9(c);
      c = await s.start(configPath);
      // The restarted keeper finishes what its predecessor left and trades what is left of the gaps.
      await until(`round ${round}: gaps traded`, () => bobSells() === 0);
      const why = () => `round ${round}: quiet\n${lastJournal}\n${s.output().split("\n").slice(-12).join("\n")}`;
      await until(why, async () => {
        const j = new Journal(join(s.dir, "data", "journal.db"));
        try {
          const busy = j.unfinishedCampaigns().filter((x) => ["claimed", "executing", "executed"].includes(x.progress));
          for (const rec of j.unfinishedCampaigns()) {
            const onChain = await chain.getCampaign(rec.campaignId);
            if (onChain.status === "claimed" && onChain.claimant === chain.account) busy.push(rec);
          }
          const finished = (id: string) => ["settled", "abandoned"].includes(j.campaignProgress(id) ?? "");
          const capital = [
            ...j.capitalRecords(["drawing", "repaying"]),
            ...j
              .capitalRecords(["drawn"])
              .filter(
                (r) =>
                  finished(r.campaignId) &&
                  (r.receiptId !== undefined || /receipt \d+/.test(j.getCampaign(r.campaignId)?.detail ?? "")),
              ),
          ];
          const done = busy.length === 0 && j.unsettledOrders().length === 0 && capital.length === 0;
          if (!done)
            lastJournal = JSON.stringify({ busy, orders: j.unsettledOrders(), capital }, (_k, v: unknown) =>
              typeof v === "bigint" ? v.toString() : v,
            );
          return done;
        } finally {
          j.close();
        }
      });

      // The checks read the journal and the chain at different moments: the keeper is stopped (SIGSTOP) while they
      // run, so a successor window arming in between cannot draw after the events were read and before the debt was
      // (a draw or repayment sent before the stop is reconciled below by its event).
      c.kill("SIGSTOP");
      try {
        const settled = await chain.campaigns.queryFilter(chain.campaigns.filters.CampaignSettled());
        const j = new Journal(join(s.dir, "data", "journal.db"));
        try {
          for (const venue of [alpha, beta]) {
            const orders = venue.allOrders("keeper0", SYMBOL, { limit: 5000 });
            // 1. No order twice: every client order id is unique at each venue.
            const ids = orders.map((o) => o.clientOrderId);
            assert.equal(new Set(ids).size, ids.length, `round ${round}: duplicate client order id`);
            for (const o of orders) {
              // 2. Nothing the venue knows is unknown to the journal (its intent was written before the order went out).
              const rec = j.getOrder(o.clientOrderId);
              assert.ok(rec, `round ${round}: order ${o.clientOrderId} at the venue is not in the journal`);
              // 3. Every fill is in a receipt: its campaign settled on chain.
              if (o.executedQty > 0n) {
                assert.equal(j.campaignProgress(rec.campaignId), "settled", `round ${round}: ${rec.campaignId} fill`);
                assert.ok(settled.some((e) => e.args.campaignId === rec.campaignId));
              }
            }
          }
          // 4. One receipt per settled campaign, and journal and chain agree on every campaign the journal knows.
          assert.equal(await chain.receipts.nonceOf(chain.account), BigInt(settled.length), `round ${round}: receipts`);
          for (const e of settled) {
            assert.equal(j.campaignProgress(e.args.campaignId), "settled", `round ${round}: ${e.args.campaignId}`);
          }
          for (const rec of j.unfinishedCampaigns()) {
            const onChain = await chain.getCampaign(rec.campaignId);
            assert.ok(onChain.status !== "settled", `round ${round}: ${rec.campaignId} settled on chain only`);
            assert.ok(
              onChain.status !== "claimed" || onChain.claimant !== chain.account,
              `round ${round}: claimed but idle`,
            );
          }
        } finally {
          j.close();
        }

        // 5. Each settled receipt is the one the keeper sealed, and the stored trace rebuilds it.
        const store = new LocalDirectoryStore(join(s.dir, "data", "store"));
        for (const e of settled) {
          const posted = await chain.getReceipt((await chain.getCampaign(e.args.campaignId)).settledReceiptId);
          const sealed = await loadSealedReceipt(join(s.dir, "data", "traces"), e.args.campaignId);
          assert.ok(sealed, `round ${round}: ${e.args.campaignId} sealed`);
          assert.equal(sealed.receipt.traceRoot, posted.traceRoot, `round ${round}: sealed root is the posted one`);
          assert.deepEqual(await checkReceiptAgainstStore(sealed.receipt, store), [], `round ${round}: store`);
        }

        // 6. Capital: the vault saw exactly the draws the journal funded, each repaid once against its receipt with the
        // receipt's PnL (or whole without one), and the capital book's debt is the journal's outstanding.
        const book = KeeperCapital__factory.connect(s.sys.addresses.capitalBook!, chain.sender.signer);
        const draws = await book.queryFilter(book.filters.Drawn(undefined, chain.account));
        const repays = await book.queryFilter(book.filters.Repaid(undefined, chain.account));
        const jc = new Journal(join(s.dir, "data", "journal.db"));
        try {
          // A draw the stop caught between its transaction and its journal update is `drawing` with its event; a
          // repayment caught so is `repaying` with or without its event.
          const drawOf = new Map(draws.map((e) => [e.args.campaignId, e.args.drawId]));
          const repaid = new Map(repays.map((e) => [e.args.drawId, e.args]));
          const funded = jc
            .capitalRecords()
            .filter((r) => r.state !== "unfunded" && (r.state !== "drawing" || drawOf.has(r.campaignId)));
          assert.equal(draws.length, funded.length, `round ${round}: draws on chain = funded campaigns in the journal`);
          const used = repays.map((e) => e.args.receiptId).filter((id) => id !== NO_RECEIPT);
          assert.equal(new Set(used).size, used.length, `round ${round}: a receipt repaid twice`);
          for (const e of repays.filter((x) => !checkedRepays.has(x.args.drawId))) {
            checkedRepays.add(e.args.drawId);
            if (e.args.receiptId === NO_RECEIPT) {
              assert.equal(
                e.args.returned,
                e.args.principal,
                `round ${round}: a return without receipt is the principal`,
              );
              continue;
            }
            const pnl = (await chain.receipts.getReceipt(e.args.receiptId)).summary.pnl;
            assert.equal(e.args.returned - e.args.principal, pnl > -e.args.principal ? pnl : -e.args.principal);
          }
          const drawn = funded
            .filter(
              (r) =>
                ["drawn", "drawing"].includes(r.state) ||
                (r.state === "repaying" && !repaid.has(drawOf.get(r.campaignId)!)),
            )
            .reduce((t, r) => t + r.amount, 0n);
          const short = funded
            .filter((r) => r.state === "repaid" && r.returned !== undefined && r.returned < r.amount)
            .reduce((t, r) => t + r.amount - r.returned!, 0n);
          const shortInFlight = funded
            .filter((r) => r.state === "repaying" && repaid.has(drawOf.get(r.campaignId)!))
            .map((r) => repaid.get(drawOf.get(r.campaignId)!)!)
            .reduce((t, e) => t + (e.returned < e.principal ? e.principal - e.returned : 0n), 0n);
          assert.equal(
            await book.keeperOutstanding(chain.account),
            drawn + short + shortInFlight,
            `round ${round}: capital book debt`,
          );
        } finally {
          jc.close();
        }
      } finally {
        c.kill("SIGCONT");
      }
    }
    await s.kill9(c);
    // Every round waited for an open window before its second gap. Windows closed by their own process (not killed
    // first: those were recovered by the next process, their fills receipted as above) and the runs they took:
    const settledWindows = s
      .output()
      .match(/"runs":\d+,"fills":\d+,"outcome":"settled","msg":"standing arbitrage window settled"/g);
    const windowRuns = (settledWindows ?? []).reduce((t, l) => t + Number(/"runs":(\d+)/.exec(l)![1]), 0);
    console.log(`kill delays after the second gap (ms): ${kills.join(", ")}`);
    console.log(
      `windows opened ${s.output().split(WINDOW_OPEN).length - 1}; settled by their own process ${settledWindows?.length ?? 0}, with ${windowRuns} runs`,
    );
  });
});

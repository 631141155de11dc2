/**
 * Crash test: a keeper (`keeper run`, a separate process) is killed with SIGKILL at random points 20 times while
 * it detects, publishes, claims, trades, posts and settles planted arbitrage gaps; each time it is restarted on the
 * same data directory. After every restart and quiet period: no client order id was used twice at any venue, every
 * traded gap has exactly one receipt on chain and a settled campaign, and the journal agrees with the chain.
 * (The same keeper killed 20 times while it quotes: `crash-quoting.test.ts`, its own system, run beside this file.)
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

const KILLS = 20;
/**
 * How often a wait polls. Each poll of the settle wait opens the journal and reads the chain: at 25 ms the test process
 * competed for the CPU with the keeper it waits for (the kill points come from random delays, not from polling).
 */
const POLL_MS = 100;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (what: string | (() => string), cond: () => Promise<boolean> | boolean, ms = 120_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${typeof what === "string" ? what : what()}`);
    await sleep(POLL_MS);
  }
};

describe("keeper crash safety (kill -9) while trading arbitrage gaps", () => {
  let s: CrashSystem;
  let configPath: string;
  let lastJournal = "";

  before(async () => {
    s = await crashSystem("crash-");
    configPath = writeKeeperRunConfig(join(s.dir, "keeper.json"), {
      name: "keeper0",
      i: 0,
      run: s.run,
      chain: s.chain,
      dataDir: join(s.dir, "data"),
      passphrase: PASSPHRASE,
      extra: { tickMs: 25, heartbeatSeconds: 60, logLevel: "info" },
    });
  });

  after(async () => {
    await s?.close();
  });

  it("run_killedAtRandomPoints20Times_noDuplicateOrderNoLostReceiptJournalAgreesWithChain", async () => {
    const chain = await s.sys.adapter(1);
    const alpha = s.run.sim.venues.get("alpha")!.exchange;
    const beta = s.run.sim.venues.get("beta")!.exchange;
    const bobSells = () => beta.openOrders("bob", SYMBOL).length;
    const kills: number[] = [];
    /** Seconds per round spent in each phase (printed at the end: where the test's time goes). */
    const phases = { start: 0, traded: 0, settled: 0, checks: 0 };
    let mark = performance.now();
    const lap = (phase: keyof typeof phases) => {
      const now = performance.now();
      phases[phase] += (now - mark) / 1000;
      mark = now;
    };
    const checkedRepays = new Set<bigint>();
    let c = await s.start(configPath);
    for (let round = 0; round < KILLS; round++) {
      // 0.03 BTC (~890 tUSD): inside what the keeper may draw (its operator's 1,000 tUSD stake), so one campaign,
      // capped at its draw, takes the whole gap.
      plantGap(s.run, String(29_700 - round * 5), "0.03");
      // Kill at a random point: detection, publish, claim, either leg, receipt post or settle.
      const delay = Math.floor(Math.random() * 400);
      kills.push(delay);
      await sleep(delay);
      await s.kill9(c);
      mark = performance.now();
      c = await s.start(configPath);
      lap("start");
      // The restarted keeper finishes what its predecessor left: the gap is traded and its campaign settled.
      await until(`round ${round}: gap traded`, () => bobSells() === 0);
      lap("traded");
      const why = () =>
        `round ${round}: campaign settled\n${lastJournal}\n${s.output().split("\n").slice(-12).join("\n")}`;
      await until(why, async () => {
        const j = new Journal(join(s.dir, "data", "journal.db"));
        try {
          const busy = j.unfinishedCampaigns().filter((x) => ["claimed", "executing", "executed"].includes(x.progress));
          // A campaign the chain shows claimed by this keeper is in progress even if the journal missed the claim.
          for (const rec of j.unfinishedCampaigns()) {
            const onChain = await chain.getCampaign(rec.campaignId);
            if (onChain.status === "claimed" && onChain.claimant === chain.account) busy.push(rec);
          }
          // Capital: no draw or repayment in flight, and the capital of every finished campaign with a receipt repaid.
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

      lap("settled");

      // 1. No order twice: every client order id is unique at each venue; one buy and one sell per gap.
      for (const venue of [alpha, beta]) {
        const ids = venue.allOrders("keeper0", SYMBOL, { limit: 1000 }).map((o) => o.clientOrderId);
        assert.equal(new Set(ids).size, ids.length, `round ${round}: duplicate client order id`);
      }
      const buys = beta.allOrders("keeper0", SYMBOL, { limit: 1000 }).filter((o) => o.executedQty > 0n);
      const sells = alpha.allOrders("keeper0", SYMBOL, { limit: 1000 }).filter((o) => o.executedQty > 0n);
      assert.equal(buys.length, round + 1, `round ${round}: buys`);
      assert.equal(sells.length, round + 1, `round ${round}: sells`);

      // 2. No lost receipt: one receipt per traded gap, each settling its campaign.
      const settled = await chain.campaigns.queryFilter(chain.campaigns.filters.CampaignSettled());
      assert.equal(settled.length, round + 1, `round ${round}: settled campaigns`);
      assert.equal(await chain.receipts.nonceOf(chain.account), BigInt(round + 1), `round ${round}: receipts`);

      // 3. Journal and chain agree on every campaign the journal knows.
      const j = new Journal(join(s.dir, "data", "journal.db"));
      try {
        for (const e of settled) {
          assert.equal(j.campaignProgress(e.args.campaignId), "settled", `round ${round}: ${e.args.campaignId}`);
        }
        for (const rec of j.unfinishedCampaigns()) {
          const onChain = await chain.getCampaign(rec.campaignId);
          assert.ok(
            onChain.status !== "settled",
            `round ${round}: ${rec.campaignId} settled on chain, ${rec.progress} in journal`,
          );
          assert.ok(
            onChain.status !== "claimed" || onChain.claimant !== chain.account,
            `round ${round}: claimed but idle`,
          );
        }
      } finally {
        j.close();
      }

      // 4. Recording and chain agree: each settled receipt is the one the keeper sealed, its CID resolves in the
      // keeper's store and the stored trace rebuilds it (a crash left no torn or second version).
      const store = new LocalDirectoryStore(join(s.dir, "data", "store"));
      for (const e of settled) {
        const posted = await chain.getReceipt((await chain.getCampaign(e.args.campaignId)).settledReceiptId);
        const sealed = await loadSealedReceipt(join(s.dir, "data", "traces"), e.args.campaignId);
        assert.ok(sealed, `round ${round}: ${e.args.campaignId} sealed`);
        assert.equal(sealed.receipt.traceRoot, posted.traceRoot, `round ${round}: sealed root is the posted one`);
        assert.equal(sealed.receipt.cid, posted.cid);
        assert.deepEqual(await checkReceiptAgainstStore(sealed.receipt, store), [], `round ${round}: store`);
      }

      // 5. Capital: the vault saw exactly the draws the journal funded (none twice), each funded campaign's capital
      // came back once against its receipt with the receipt's PnL, and what the vault says is owed is what the
      // journal says is outstanding (capital of a campaign without a receipt waits for the next repayment).
      const book = KeeperCapital__factory.connect(s.sys.addresses.capitalBook!, chain.sender.signer);
      const draws = await book.queryFilter(book.filters.Drawn(undefined, chain.account));
      const repays = await book.queryFilter(book.filters.Repaid(undefined, chain.account));
      const jc = new Journal(join(s.dir, "data", "journal.db"));
      try {
        const funded = jc.capitalRecords().filter((r) => r.state !== "unfunded" && r.state !== "drawing");
        assert.equal(draws.length, funded.length, `round ${round}: draws on chain = funded campaigns in the journal`);
        const used = repays.map((e) => e.args.receiptId).filter((id) => id !== NO_RECEIPT);
        assert.equal(new Set(used).size, used.length, `round ${round}: a receipt repaid twice`);
        for (const r of funded.filter((x) => x.state === "repaid")) {
          const ev = repays.find((e) => e.args.receiptId === r.repayReceiptId);
          assert.ok(ev, `round ${round}: ${r.campaignId} repaid on chain`);
        }
        for (const e of repays.filter((x) => !checkedRepays.has(x.args.drawId))) {
          checkedRepays.add(e.args.drawId);
          if (e.args.receiptId === NO_RECEIPT) {
            // Capital of a campaign that traded nothing (killed before its first fill, the gap then gone): returned
            // whole, citing no receipt.
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
        // Owed on chain: the capital of campaigns still drawn, plus the shortfalls of short repayments whose
        // challenge window is still open (a loss is booked only after it).
        const drawn = funded.filter((r) => r.state === "drawn").reduce((t, r) => t + r.amount, 0n);
        const short = funded
          .filter((r) => r.state === "repaid" && r.returned !== undefined && r.returned < r.amount)
          .reduce((t, r) => t + r.amount - r.returned!, 0n);
        assert.equal(
          await book.keeperOutstanding(chain.account),
          drawn + short,
          `round ${round}: capital book debt = journal outstanding`,
        );
      } finally {
        jc.close();
      }
      lap("checks");
    }
    await s.kill9(c);
    console.log(`kill delays after planting (ms): ${kills.join(", ")}`);
    console.log(
      `seconds in all rounds: ${JSON.stringify(phases, (_k, v: unknown) => (typeof v === "number" ? +v.toFixed(1) : v))}`,
    );
  });
});

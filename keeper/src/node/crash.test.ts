/**
 * Crash test: a keeper (`keeper run`, a separate process) is killed with SIGKILL at random points 20 times while
 * it detects, publishes, claims, trades, posts and settles planted arbitrage gaps; each time it is restarted on the
 * same data directory. After every restart and quiet period: no client order id was used twice at any venue, every
 * traded gap has exactly one receipt on chain and a settled campaign, and the journal agrees with the chain.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import hre from "hardhat";
import { devKey, localSystem, type LocalSystem } from "../chain/testing/local-system.js";
import type { RunningSimulation } from "../sim/venues.js";
import {
  MockV3Aggregator__factory,
  KeeperCapital__factory,
  StrategyVault__factory,
  TestStablecoin__factory,
} from "../../../types/ethers-contracts/index.js";
import { checkReceiptAgainstStore } from "../recording/receipt.js";
import { loadSealedReceipt } from "../recording/seal.js";
import { LocalDirectoryStore } from "../recording/store/local.js";
import { NO_RECEIPT } from "../chain/vault.js";
import { Journal } from "./journal.js";
import {
  MARKET_MAKING_STRATEGY,
  plantGap,
  startKeeperSimulation,
  SYMBOL,
  writeKeeperRunConfig,
} from "./testing/local-keepers.js";

const KEEPER_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const KILLS = 20;
const PASSPHRASE = "crash-test-passphrase";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (what: string | (() => string), cond: () => Promise<boolean> | boolean, ms = 120_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${typeof what === "string" ? what : what()}`);
    await sleep(25);
  }
};

describe("keeper crash safety (kill -9)", () => {
  let server: { close(): Promise<void> };
  let sys: LocalSystem;
  let run: RunningSimulation;
  let dir: string;
  let child: ChildProcess | undefined;
  let configPath: string;
  let output = "";
  let lastJournal = "";

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "crash-"));
    const rpc = await hre.network.createServer("default", "127.0.0.1", 0);
    const { port } = await rpc.listen();
    server = rpc;
    const url = `http://127.0.0.1:${port}`;
    sys = await localSystem(url);
    await sys.onboardKeeper(0);
    // Twenty gaps in about a minute: the creation rate limit (10 per 60 s by default) is not what this test is about,
    // and waiting out a full window would only slow it down (the dispatcher's own rate-limit tests cover it).
    await sys.setParameter("campaignRateLimitCount", 1_000n);
    // The lone keeper publishes its own campaigns, and successes on those are credited only a day later, once their
    // receipts can no longer be disputed (M4, issue 16), while every kill within this minute can leave a claim to
    // expire: its score would fall below `minScore` and lock it out. Reputation is not what this test is about.
    await sys.setParameter("minScore", 0n);
    // Vault capital: a depositor (#10) funds the vault, the reference feed prices the simulated market (flat 30 000),
    // and the deployment names the vault, so every campaign also draws and repays (killed at those steps too).
    const depositor = await sys.adapter(10);
    const vault = StrategyVault__factory.connect(sys.addresses.vault!, depositor.sender.signer);
    await (
      await TestStablecoin__factory.connect(sys.addresses.asset, depositor.sender.signer).approve(vault, 10n ** 11n)
    ).wait();
    await (await vault.deposit(10n ** 11n, depositor.account)).wait();
    const book = KeeperCapital__factory.connect(sys.addresses.capitalBook!, depositor.sender.signer);
    const feed = MockV3Aggregator__factory.connect(await book.priceFeed(), depositor.sender.signer);
    await (await feed.updateAnswer(30_000n * 10n ** 8n)).wait();
    run = await startKeeperSimulation(1);
    const deployment = sys.writeDeployment(join(dir, "deployment.json"), { vault: true });
    configPath = writeKeeperRunConfig(join(dir, "keeper.json"), {
      name: "keeper0",
      i: 0,
      run,
      chain: { rpcUrl: url, deployment },
      dataDir: join(dir, "data"),
      passphrase: PASSPHRASE,
      extra: { tickMs: 25, heartbeatSeconds: 60, logLevel: "info" },
    });
  });

  after(async () => {
    child?.kill("SIGKILL");
    await run?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async () => {
    const c = spawn(process.execPath, ["--import", "tsx", "src/node/cli.ts", "run", "--config", configPath], {
      cwd: KEEPER_DIR,
      env: { ...process.env, KEEPER_PRIVATE_KEY: devKey(1), KEEPER_CREDENTIALS_PASSPHRASE: PASSPHRASE },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let started = false;
    c.stdout!.on("data", (d: Buffer) => {
      const s = d.toString();
      output += s;
      if (s.includes("keeper started")) started = true;
    });
    c.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    child = c;
    await until("keeper started", () => started || c.exitCode !== null, 120_000);
    assert.equal(c.exitCode, null, output.slice(-2000));
    return c;
  };
  const kill9 = async (c: ChildProcess) => {
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGKILL");
    await exited;
  };

  it("run_killedAtRandomPoints20Times_noDuplicateOrderNoLostReceiptJournalAgreesWithChain", async () => {
    const chain = await sys.adapter(1);
    const alpha = run.sim.venues.get("alpha")!.exchange;
    const beta = run.sim.venues.get("beta")!.exchange;
    const bobSells = () => beta.openOrders("bob", SYMBOL).length;
    const kills: number[] = [];
    const checkedRepays = new Set<bigint>();
    let c = await start();
    for (let round = 0; round < KILLS; round++) {
      // 0.03 BTC (~890 tUSD): inside what the keeper may draw (its operator's 1,000 tUSD stake), so one campaign,
      // capped at its draw, takes the whole gap.
      plantGap(run, String(29_700 - round * 5), "0.03");
      // Kill at a random point: detection, publish, claim, either leg, receipt post or settle.
      const delay = Math.floor(Math.random() * 400);
      kills.push(delay);
      await sleep(delay);
      await kill9(c);
      c = await start();
      // The restarted keeper finishes what its predecessor left: the gap is traded and its campaign settled.
      await until(`round ${round}: gap traded`, () => bobSells() === 0);
      const why = () => `round ${round}: campaign settled\n${lastJournal}\n${output.split("\n").slice(-12).join("\n")}`;
      await until(why, async () => {
        const j = new Journal(join(dir, "data", "journal.db"));
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
      const j = new Journal(join(dir, "data", "journal.db"));
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
      const store = new LocalDirectoryStore(join(dir, "data", "store"));
      for (const e of settled) {
        const posted = await chain.getReceipt((await chain.getCampaign(e.args.campaignId)).settledReceiptId);
        const sealed = await loadSealedReceipt(join(dir, "data", "traces"), e.args.campaignId);
        assert.ok(sealed, `round ${round}: ${e.args.campaignId} sealed`);
        assert.equal(sealed.receipt.traceRoot, posted.traceRoot, `round ${round}: sealed root is the posted one`);
        assert.equal(sealed.receipt.cid, posted.cid);
        assert.deepEqual(await checkReceiptAgainstStore(sealed.receipt, store), [], `round ${round}: store`);
      }

      // 5. Capital: the vault saw exactly the draws the journal funded (none twice), each funded campaign's capital
      // came back once against its receipt with the receipt's PnL, and what the vault says is owed is what the
      // journal says is outstanding (capital of a campaign without a receipt waits for the next repayment).
      const book = KeeperCapital__factory.connect(sys.addresses.capitalBook!, chain.sender.signer);
      const draws = await book.queryFilter(book.filters.Drawn(undefined, chain.account));
      const repays = await book.queryFilter(book.filters.Repaid(undefined, chain.account));
      const jc = new Journal(join(dir, "data", "journal.db"));
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
    }
    await kill9(c);
    console.log(`kill delays after planting (ms): ${kills.join(", ")}`);
  });

  it("run_quotingKeeperKilled20Times_noQuoteOfTheDeadLeftNoClientIdTwiceNoCampaignTwice", async () => {
    // The same keeper, now market making on alpha (quotes resting while it runs), killed while it quotes.
    configPath = writeKeeperRunConfig(join(dir, "quoting.json"), {
      name: "keeper0",
      i: 0,
      run,
      chain: JSON.parse(readFileSync(join(dir, "keeper.json"), "utf8")).chain,
      dataDir: join(dir, "data-mm"),
      passphrase: PASSPHRASE,
      extra: {
        tickMs: 50,
        heartbeatSeconds: 60,
        logLevel: "info",
        strategies: [
          {
            ...MARKET_MAKING_STRATEGY,
            config: { ...(MARKET_MAKING_STRATEGY.config as Record<string, unknown>), refreshMs: 1_000 },
          },
        ],
        campaigns: { quotingWindowSeconds: 20, claimMarginSeconds: 15, priceBandBps: 500 },
      },
    });
    const alpha = run.sim.venues.get("alpha")!.exchange;
    const beta = run.sim.venues.get("beta")!.exchange;
    const resting = () => [...alpha.openOrders("keeper0", SYMBOL), ...beta.openOrders("keeper0", SYMBOL)];
    let killedQuoting = 0;
    let c = await start();
    for (let round = 0; round < KILLS; round++) {
      await until(`round ${round}: quoting`, () => alpha.openOrders("keeper0", SYMBOL).length > 0, 120_000);
      await sleep(Math.floor(Math.random() * 400));
      await kill9(c);
      const dead = new Set(resting().map((o) => o.clientOrderId));
      if (dead.size > 0) killedQuoting++;
      // Orders per campaign the dead process journalled: a restart never trades one of these campaigns again.
      const before = new Map<string, number>();
      {
        const j = new Journal(join(dir, "data-mm", "journal.db"));
        try {
          for (const id of new Set(j.unsettledOrders().map((o) => o.campaignId))) {
            before.set(id, j.ordersOfCampaign(id).length);
          }
        } finally {
          j.close();
        }
      }
      c = await start();
      // 1. No quote of the dead process rests on any venue once the restarted keeper has recovered its campaign.
      await until(
        `round ${round}: the dead process's quotes cancelled`,
        () => !resting().some((o) => dead.has(o.clientOrderId)),
        120_000,
      );
      // 2. No client order id twice at any venue.
      for (const venue of [alpha, beta]) {
        const ids = venue.allOrders("keeper0", SYMBOL, { limit: 5000 }).map((o) => o.clientOrderId);
        assert.equal(new Set(ids).size, ids.length, `round ${round}: duplicate client order id`);
      }
      // 3. No campaign executes twice: a campaign of the dead process gets no new order after the restart, and no
      // campaign settles twice on chain.
      const j = new Journal(join(dir, "data-mm", "journal.db"));
      try {
        for (const [id, n] of before) {
          assert.equal(j.ordersOfCampaign(id).length, n, `round ${round}: ${id} traded again after the restart`);
        }
      } finally {
        j.close();
      }
      const chain = await sys.adapter(1);
      const settled = await chain.campaigns.queryFilter(chain.campaigns.filters.CampaignSettled());
      const ids = settled.map((e) => e.args.campaignId);
      assert.equal(new Set(ids).size, ids.length, `round ${round}: a campaign settled twice`);
    }
    await kill9(c);
    // Killed while quotes rested (not between a cancel and the next quote) in most rounds: the check above bit.
    assert.ok(killedQuoting >= KILLS / 2, `killed with quotes resting in ${killedQuoting} of ${KILLS} rounds`);
  });
});

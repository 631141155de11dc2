import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Contract, parseEther } from "ethers";
import { evaluateRoute, DEFAULT_ARBITRAGE_CONFIG, type BridgeSnapshot, type VenueSnapshot } from "./arbitrage.js";
import { BridgeRelayer, BridgeVenue } from "./bridgeVenue.js";
import { executeArbitrage } from "./executor.js";
import { toWad, wadToNumber } from "./fixed.js";
import { localChain, uniswapFixture, type LocalChain } from "./testing/chain.js";
import { virtualTime } from "./testing/virtualTime.js";
import { WETH9Artifact } from "./uniswapV2Artifacts.js";
import { UniswapV2Venue, nativePriceFromPool } from "./uniswapV2Venue.js";

const PAIR = "WETH/USD";
let a: LocalChain;
let b: LocalChain;

before(async () => {
  [a, b] = await Promise.all([localChain(), localChain(31338)]);
});
after(async () => {
  await Promise.all([a.close(), b.close()]);
});

async function snap(venue: UniswapV2Venue, chain: string): Promise<VenueSnapshot> {
  const [liquidity, q, bal] = await Promise.all([
    venue.liquidity(PAIR),
    venue.quote(PAIR, "buy", toWad("1")),
    venue.balances(),
  ]);
  return {
    venueId: venue.id,
    kind: "dex",
    market: "ETH/USD",
    pair: PAIR,
    liquidity,
    gasCostPerOrder: q.gasCost,
    lot: 0n,
    baseAvailable: bal.WETH.free,
    quoteAvailable: bal.USD.free,
    chain,
  };
}

test("executeArbitrage_crossChainThroughTheBridge_buysLocksWaitsReleasesSells", async () => {
  const [fa, fb] = await Promise.all([uniswapFixture(a, 100n, 200_000n), uniswapFixture(b, 100n, 230_000n)]);
  // The relayer's WETH inventory on chain B.
  await (await new Contract(fb.weth, WETH9Artifact.abi, b.signers[9]).deposit({ value: parseEther("500") })).wait();
  const t = virtualTime();
  const keeper = await a.signers[0].getAddress();
  const relayer = new BridgeRelayer({
    sourceProvider: a.provider,
    sourceToken: fa.weth,
    escrow: await a.signers[9].getAddress(),
    destinationSigner: b.signers[9],
    destinationToken: fb.weth,
    feeBps: 5n,
    fixedFeeRaw: 0n,
    delayMs: 120_000,
    clock: t.clock,
  });
  const mk = (id: string, chain: LocalChain, fx: typeof fa) =>
    new UniswapV2Venue({
      id,
      signer: chain.signers[0],
      router: fx.router,
      pairs: [{ pair: PAIR, base: fx.weth, quote: fx.usd }],
      nativePriceInQuote: nativePriceFromPool(PAIR),
    });
  const dexA = mk("uni-a", a, fa);
  const dexB = mk("uni-b", b, fb);
  await Promise.all([dexA.init(), dexB.init()]);
  const bridge = new BridgeVenue({
    id: "bridge",
    pair: "WETH@a/WETH@b",
    sourceSigner: a.signers[0],
    recipient: keeper,
    relayer,
    nativePriceInQuote: async () => toWad("2000"),
  });
  const bq = await bridge.quote("WETH@a/WETH@b", "sell", toWad("1"));
  const book = await bridge.fetchOrderBook("WETH@a/WETH@b");
  const bridgeSnap: BridgeSnapshot = {
    venueId: "bridge",
    pair: "WETH@a/WETH@b",
    from: "a",
    to: "b",
    feeBps: 5n,
    fixedFee: 0n,
    delayMs: 120_000,
    gasCost: bq.gasCost,
    capacity: book.bids[0].amount,
  };
  const plan = evaluateRoute(await snap(dexA, "a"), await snap(dexB, "b"), DEFAULT_ARBITRAGE_CONFIG, bridgeSnap)!;
  assert.equal(plan.kind, "cross-chain");
  const usdA = (await dexA.balances()).USD.total;
  const usdB = (await dexB.balances()).USD.total;
  const report = await executeArbitrage({ "uni-a": dexA, "uni-b": dexB, bridge }, plan, "xchain-1", {
    retryBudget: 1,
    gasBudget: toWad("20"),
    clock: t.clock,
    sleep: async (ms) => {
      t.advance(ms);
      await relayer.poll();
    },
    bridgePollMs: 10_000,
  });
  assert.equal(report.status, "completed", JSON.stringify(report.events.map((e) => e.message)));
  assert.deepEqual(
    report.orders.map((o) => o.purpose),
    ["open", "bridge", "close"],
  );
  const bridged = report.orders[1];
  assert.equal(bridged.status, "closed");
  assert.ok(t.clock.now() - bridged.timestamp >= 120_000, "sold only after the release");
  // Realised: quote gained on B minus quote spent on A (gas counted separately), vs the plan
  // (whose delay-risk charge is a reserve, not a cash cost).
  const gained = (await dexB.balances()).USD.total - usdB;
  const spent = usdA - (await dexA.balances()).USD.total;
  assert.equal(gained - spent, report.quoteDelta);
  const realised = wadToNumber(report.pnl);
  const planned = wadToNumber(plan.expectedProfit + plan.costs.delayRisk);
  assert.ok(
    realised > 0 && Math.abs(realised - planned) / planned < 0.05,
    `realised ${realised} vs planned ${planned}`,
  );
  assert.equal(report.baseDelta, 0n, "bought = bridged; arrived (net of the bridge fee) = sold");
  assert.ok(bridged.fee > 0n);
});

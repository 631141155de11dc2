import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Contract, parseEther } from "ethers";
import { evaluateRoute, type VenueSnapshot } from "./arbitrage.js";
import { executeArbitrage } from "./executor.js";
import { toWad, wadToNumber } from "./fixed.js";
import { localChain, uniswapFixture, type LocalChain, type UniswapFixture } from "./testing/chain.js";
import { MemoryVenue } from "./testing/memoryVenue.js";
import { virtualTime } from "./testing/virtualTime.js";
import { UniswapV2Router02Artifact, ERC20_ABI } from "./uniswapV2Artifacts.js";
import { UniswapV2Venue, nativePriceFromPool } from "./uniswapV2Venue.js";

const PAIR = "WETH/USD";
let chain: LocalChain;

before(async () => {
  chain = await localChain();
});
after(async () => {
  await chain.close();
});

function cexVenue() {
  return new MemoryVenue(
    "cex",
    {
      "ETH/USD": {
        bids: [{ price: toWad("2100"), amount: toWad("1000") }],
        asks: [{ price: toWad("2101"), amount: toWad("1000") }],
      },
    },
    { ETH: toWad("100"), USD: toWad("1000000") },
    { lot: toWad("0.0001"), takerFeeBps: 10n },
  );
}

async function dexVenue(fx: UniswapFixture, signerIndex = 0) {
  const venue = new UniswapV2Venue({
    id: "uniswap",
    signer: chain.signers[signerIndex],
    router: fx.router,
    pairs: [{ pair: PAIR, base: fx.weth, quote: fx.usd }],
    nativePriceInQuote: nativePriceFromPool(PAIR),
  });
  await venue.init();
  return venue;
}

async function snapshots(dex: UniswapV2Venue, cex: MemoryVenue): Promise<[VenueSnapshot, VenueSnapshot]> {
  const [liq, q, bal, book, cbal] = await Promise.all([
    dex.liquidity(PAIR),
    dex.quote(PAIR, "buy", toWad("1")),
    dex.balances(),
    cex.fetchOrderBook("ETH/USD"),
    cex.balances(),
  ]);
  return [
    {
      venueId: dex.id,
      kind: "dex",
      market: "ETH/USD",
      pair: PAIR,
      liquidity: liq,
      gasCostPerOrder: q.gasCost,
      lot: 0n,
      baseAvailable: bal.WETH.free,
      quoteAvailable: bal.USD.free,
      chain: "a",
    },
    {
      venueId: cex.id,
      kind: "cex",
      market: "ETH/USD",
      pair: "ETH/USD",
      liquidity: { kind: "book", bids: book.bids, asks: book.asks, takerFeeBps: cex.takerFeeBps },
      gasCostPerOrder: 0n,
      lot: cex.lot,
      baseAvailable: cbal.ETH.free,
      quoteAvailable: cbal.USD.free,
    },
  ];
}

test("executeArbitrage_dexCexPlantedGap_capturesAnalyticProfitWithin5Percent", async () => {
  const fx = await uniswapFixture(chain, 100n, 200_000n);
  const dex = await dexVenue(fx);
  const cex = cexVenue();
  const [d, c] = await snapshots(dex, cex);
  const reserves = await dex.liquidity(PAIR);
  const plan = evaluateRoute(d, c)!;
  assert.equal(plan.kind, "dex-cex");
  const dexBefore = await dex.balances();
  const cexBefore = { ...cex.wallet };
  const t = virtualTime();
  const report = await executeArbitrage({ uniswap: dex, cex }, plan, "dexcex-1", {
    retryBudget: 2,
    gasBudget: toWad("50"),
    clock: t.clock,
    sleep: t.sleep,
  });
  assert.equal(report.status, "completed");
  // Analytic optimum of the planted gap: buy on the pool until its marginal cost meets the bid net of fees.
  const x = wadToNumber(reserves.reserveBase);
  const y = wadToNumber(reserves.reserveQuote);
  const pNet = 2100 * 0.999;
  const dStar = x - Math.sqrt((x * y) / (0.997 * pNet));
  const analytic = dStar * pNet - (y * dStar) / ((x - dStar) * 0.997) - wadToNumber(d.gasCostPerOrder);
  const realised = wadToNumber(report.pnl);
  assert.ok(Math.abs(realised - analytic) / analytic < 0.05, `realised ${realised} vs analytic ${analytic}`);
  assert.equal(report.baseDelta, 0n);
  // Balances reconcile to the unit: tokens on chain, wallet on the CEX, gas in ETH.
  const dexAfter = await dex.balances();
  const buy = report.orders.find((o) => o.venueId === "uniswap")!;
  const sell = report.orders.find((o) => o.venueId === "cex")!;
  assert.equal(dexAfter.WETH.total - dexBefore.WETH.total, buy.filled);
  assert.equal(dexBefore.USD.total - dexAfter.USD.total, buy.cost + buy.fee);
  assert.equal(dexBefore.ETH.total - dexAfter.ETH.total, buy.nativeFee);
  assert.equal(cex.wallet.USD - cexBefore.USD, sell.cost - sell.fee);
  assert.equal(cexBefore.ETH - cex.wallet.ETH, sell.filled);
});

test("executeArbitrage_poolMovedBeforeTheSwap_dexLegRevertsOnItsBoundAndNoCexOrderIsSent", async () => {
  const fx = await uniswapFixture(chain, 100n, 200_000n);
  const dex = await dexVenue(fx);
  const cex = cexVenue();
  const [d, c] = await snapshots(dex, cex);
  const plan = evaluateRoute(d, c)!;
  // Someone else buys first (a front-runner): the pool price rises past our limit.
  const other = chain.signers[1];
  const usd = new Contract(fx.usd, ERC20_ABI, chain.signers[0]);
  await (await usd.transfer(await other.getAddress(), parseEther("100000"))).wait();
  await (await new Contract(fx.usd, ERC20_ABI, other).approve(fx.router, parseEther("100000"))).wait();
  const router = new Contract(fx.router, UniswapV2Router02Artifact.abi, other);
  const block = await chain.provider.getBlock("latest");
  await (
    await router.swapExactTokensForTokens(
      parseEther("20000"),
      0n,
      [fx.usd, fx.weth],
      await other.getAddress(),
      block!.timestamp + 600,
    )
  ).wait();
  const before = await dex.balances();
  const report = await executeArbitrage({ uniswap: dex, cex }, plan, "dexcex-2", {
    retryBudget: 0,
    gasBudget: toWad("50"),
  });
  assert.equal(report.status, "abandoned");
  assert.equal(cex.placeCalls, 0, "no CEX leg without a DEX fill");
  const swap = report.orders[0];
  assert.equal(swap.status, "canceled");
  assert.match(swap.reason ?? "", /EXCESSIVE_INPUT_AMOUNT/);
  assert.deepEqual(await dex.balances(), before, "nothing moved, no gas spent");
});

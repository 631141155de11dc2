import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Contract, parseEther } from "ethers";
import { localChain, uniswapFixture, type LocalChain, type UniswapFixture } from "./testing/chain.js";
import { UniswapV2Venue, nativePriceFromPool } from "./uniswapV2Venue.js";
import { ERC20_ABI, UniswapV2Router02Artifact } from "./uniswapV2Artifacts.js";
import { InsufficientFundsError, InvalidOrderError } from "./errors.js";
import { divWad, mulWad, toWad } from "./fixed.js";

let chain: LocalChain;
let fx: UniswapFixture;
let venue: UniswapV2Venue;
const PAIR = "WETH/USD";

before(async () => {
  chain = await localChain();
  fx = await uniswapFixture(chain);
  venue = new UniswapV2Venue({
    id: "uniswap-a",
    signer: chain.signers[0],
    router: fx.router,
    pairs: [{ pair: PAIR, base: fx.weth, quote: fx.usd }],
    nativePriceInQuote: nativePriceFromPool(PAIR),
  });
  await venue.init();
});
after(async () => {
  await chain.close();
});

const router = () => new Contract(fx.router, UniswapV2Router02Artifact.abi, chain.signers[0]);

test("quote_sell_equalsRouterGetAmountsOutExactly", async () => {
  for (const size of ["0.001", "0.5", "3", "17.123456789"]) {
    const q = await venue.quote(PAIR, "sell", toWad(size));
    const [, out] = (await router().getAmountsOut(toWad(size), [fx.weth, fx.usd])) as bigint[];
    assert.equal(q.amountOut, out, `size ${size}`);
    assert.equal(await venue.quoteRaw(PAIR, "sell", toWad(size)), out);
  }
});

test("quote_buy_equalsRouterGetAmountsInExactly", async () => {
  for (const size of ["0.001", "0.5", "3", "17.123456789"]) {
    const q = await venue.quote(PAIR, "buy", toWad(size));
    const [inAmount] = (await router().getAmountsIn(toWad(size), [fx.usd, fx.weth])) as bigint[];
    assert.equal(q.amountIn, inAmount, `size ${size}`);
  }
});

test("quote_gasCost_isEstimateGasTimesGasPriceInQuote", async () => {
  const q = await venue.quote(PAIR, "sell", toWad("1"));
  const deadline = BigInt((await chain.provider.getBlock("latest"))!.timestamp) + 120n;
  const gas = await router().swapExactTokensForTokens.estimateGas(
    toWad("1"),
    0n,
    [fx.weth, fx.usd],
    await chain.signers[0].getAddress(),
    deadline,
  );
  const fees = await chain.provider.getFeeData();
  const price = divWad(toWad("200000"), toWad("100"));
  assert.equal(q.gasCost, mulWad(gas * fees.gasPrice!, price, "up"));
  assert.ok(q.gasCost > 0n);
  assert.ok(q.slippageBps > 0 && q.slippageBps < 100, `1 ETH in a 100 ETH pool moves the price ~1%: ${q.slippageBps}`);
  assert.ok(q.fee > 0n);
});

test("fetchOrderBook_synthesisedFromCurve_monotonicLevels", async () => {
  const book = await venue.fetchOrderBook(PAIR, 6);
  assert.equal(book.asks.length, 6);
  for (let i = 1; i < book.asks.length; i++) {
    assert.ok(book.asks[i].price > book.asks[i - 1].price, "asks get dearer");
    assert.ok(book.bids[i].price < book.bids[i - 1].price, "bids get cheaper");
  }
  assert.ok(book.bids[0].price < toWad("2000") && book.asks[0].price > toWad("2000"));
});

test("placeOrder_sellWithinLimit_fillsAtQuoteAndBalancesReconcileToTheUnit", async () => {
  const before = await venue.balances();
  const q = await venue.quote(PAIR, "sell", toWad("2"));
  const order = await venue.placeOrder({
    pair: PAIR,
    side: "sell",
    amount: toWad("2"),
    limitPrice: (q.price * 995n) / 1000n,
    timeInForce: "IOC",
    clientOrderId: "ksell1",
  });
  assert.equal(order.status, "closed");
  assert.equal(order.filled, toWad("2"));
  assert.equal(order.cost - order.fee, q.amountOut, "received exactly the quoted amount");
  const after = await venue.balances();
  assert.equal(after.WETH.total, before.WETH.total - toWad("2"));
  assert.equal(after.USD.total, before.USD.total + order.cost - order.fee);
  assert.equal(after.ETH.total, before.ETH.total - order.nativeFee!, "gas paid in ETH");
  assert.ok(order.gasCost > 0n);
});

test("placeOrder_buyExactOut_paysAtMostTheLimit", async () => {
  const before = await venue.balances();
  const q = await venue.quote(PAIR, "buy", toWad("1.5"));
  const order = await venue.placeOrder({
    pair: PAIR,
    side: "buy",
    amount: toWad("1.5"),
    limitPrice: (q.price * 1005n) / 1000n,
    timeInForce: "IOC",
    clientOrderId: "kbuy1",
  });
  assert.equal(order.filled, toWad("1.5"));
  assert.equal(order.cost + order.fee, q.amountIn);
  const after = await venue.balances();
  assert.equal(after.WETH.total, before.WETH.total + toWad("1.5"));
  assert.equal(after.USD.total, before.USD.total - order.cost - order.fee);
});

test("placeOrder_limitBetterThanPool_canceledWithNothingFilledAndNoGas", async () => {
  const before = await venue.balances();
  const q = await venue.quote(PAIR, "sell", toWad("1"));
  const order = await venue.placeOrder({
    pair: PAIR,
    side: "sell",
    amount: toWad("1"),
    limitPrice: q.price + toWad("1"),
    timeInForce: "IOC",
    clientOrderId: "ktight",
  });
  assert.equal(order.status, "canceled");
  assert.equal(order.filled, 0n);
  assert.match(order.reason ?? "", /INSUFFICIENT_OUTPUT_AMOUNT/);
  const after = await venue.balances();
  assert.deepEqual(after, before);
});

test("placeOrder_sameClientOrderId_neverSwapsTwice", async () => {
  const req = {
    pair: PAIR,
    side: "sell" as const,
    amount: toWad("0.1"),
    limitPrice: toWad("1000"),
    timeInForce: "IOC" as const,
    clientOrderId: "konce",
  };
  const a = await venue.placeOrder(req);
  const reserves = await venue.reservesRaw(PAIR);
  const b = await venue.placeOrder(req);
  assert.equal(a.id, b.id);
  assert.deepEqual(await venue.reservesRaw(PAIR), reserves);
  assert.deepEqual(await venue.fetchOrderByClientId(PAIR, "konce"), a);
  assert.equal((await venue.cancelOrder(PAIR, a.id)).status, "closed");
});

test("placeOrder_GTC_refused", async () => {
  await assert.rejects(
    venue.placeOrder({
      pair: PAIR,
      side: "sell",
      amount: toWad("0.1"),
      limitPrice: toWad("1000"),
      timeInForce: "GTC",
      clientOrderId: "kgtc",
    }),
    InvalidOrderError,
  );
});

test("placeOrder_moreThanWallet_throwsInsufficientFunds", async () => {
  const poor = new UniswapV2Venue({
    id: "uniswap-poor",
    signer: chain.signers[5],
    router: fx.router,
    pairs: [{ pair: PAIR, base: fx.weth, quote: fx.usd }],
    nativePriceInQuote: nativePriceFromPool(PAIR),
  });
  await assert.rejects(
    poor.placeOrder({
      pair: PAIR,
      side: "sell",
      amount: toWad("1"),
      limitPrice: toWad("1000"),
      timeInForce: "IOC",
      clientOrderId: "kpoor",
    }),
    InsufficientFundsError,
  );
  const q = await poor.quote(PAIR, "sell", toWad("1"));
  assert.ok(q.gasCost > 0n, "quotes still carry a gas estimate without a balance");
  const usd = new Contract(fx.usd, ERC20_ABI, chain.signers[0]);
  assert.equal(await usd.balanceOf(await chain.signers[5].getAddress()), 0n);
  assert.ok(parseEther("1") > 0n);
});

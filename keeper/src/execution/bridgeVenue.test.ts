import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Contract, parseEther } from "ethers";
import { BridgeRelayer, BridgeVenue } from "./bridgeVenue.js";
import { InvalidOrderError } from "./errors.js";
import { toWad } from "./fixed.js";
import { localChain, type LocalChain } from "./testing/chain.js";
import { virtualTime } from "./testing/virtualTime.js";
import { deployTestToken, ERC20_ABI } from "./uniswapV2Artifacts.js";

let a: LocalChain;
let b: LocalChain;
let tokenA: string;
let tokenB: string;
const PAIR = "TKN@a/TKN@b";

before(async () => {
  [a, b] = await Promise.all([localChain(), localChain(31338)]);
  tokenA = await deployTestToken(a.signers[0], parseEther("1000000"));
  tokenB = await deployTestToken(b.signers[9], parseEther("50")); // the relayer's inventory on chain B
});
after(async () => {
  await Promise.all([a.close(), b.close()]);
});

async function setup(delayMs = 60_000) {
  const t = virtualTime();
  const relayer = new BridgeRelayer({
    sourceProvider: a.provider,
    sourceToken: tokenA,
    escrow: await a.signers[9].getAddress(),
    destinationSigner: b.signers[9],
    destinationToken: tokenB,
    feeBps: 10n,
    fixedFeeRaw: 0n,
    delayMs,
    clock: t.clock,
  });
  const recipient = await b.signers[1].getAddress();
  const venue = new BridgeVenue({
    id: "bridge",
    pair: PAIR,
    sourceSigner: a.signers[0],
    recipient,
    relayer,
    nativePriceInQuote: async () => toWad("2000"),
  });
  return { t, relayer, venue, recipient };
}

const balanceOf = (token: string, chain: LocalChain, who: string): Promise<bigint> =>
  new Contract(token, ERC20_ABI, chain.provider).balanceOf(who);

test("quote_feeAndGas_oneWayOnly", async () => {
  const { venue } = await setup();
  const q = await venue.quote(PAIR, "sell", toWad("10"));
  assert.equal(q.amountOut, toWad("9.99"));
  assert.equal(q.fee, toWad("0.01"));
  assert.ok(q.gasCost > 0n);
  await assert.rejects(venue.quote(PAIR, "buy", toWad("1")), InvalidOrderError);
  const book = await venue.fetchOrderBook(PAIR);
  assert.equal(book.bids[0].price, toWad("0.999"));
});

test("placeOrder_locksThenReleasesOnlyAfterTheDelay", async () => {
  const { t, relayer, venue, recipient } = await setup();
  const escrow = await a.signers[9].getAddress();
  const escrowBefore = await balanceOf(tokenA, a, escrow);
  const recipientBefore = await balanceOf(tokenB, b, recipient);
  const order = await venue.placeOrder({
    pair: PAIR,
    side: "sell",
    amount: toWad("5"),
    limitPrice: toWad("0.99"),
    timeInForce: "IOC",
    clientOrderId: "kbridge1",
  });
  assert.equal(order.status, "open");
  assert.equal(order.fee, toWad("0.005"));
  assert.equal((await balanceOf(tokenA, a, escrow)) - escrowBefore, toWad("5"));
  assert.equal((await venue.balances())["TKN@b"].used, toWad("4.995"), "in flight");
  t.advance(59_999);
  await relayer.poll();
  assert.equal((await venue.fetchOrder(PAIR, order.id)).status, "open", "not before the delay");
  t.advance(1);
  await Promise.all([relayer.poll(), relayer.poll()]);
  assert.equal((await venue.fetchOrder(PAIR, order.id)).status, "closed");
  assert.equal(
    (await balanceOf(tokenB, b, recipient)) - recipientBefore,
    toWad("4.995"),
    "released once, net of the fee",
  );
  await relayer.poll();
  assert.equal((await balanceOf(tokenB, b, recipient)) - recipientBefore, toWad("4.995"));
  const again = await venue.placeOrder({
    pair: PAIR,
    side: "sell",
    amount: toWad("5"),
    limitPrice: toWad("0.99"),
    timeInForce: "IOC",
    clientOrderId: "kbridge1",
  });
  assert.equal(again.id, order.id, "same client order id, no second lock");
  assert.equal((await balanceOf(tokenA, a, escrow)) - escrowBefore, toWad("5"));
});

test("relayer_lockNotToEscrow_refused", async () => {
  const { relayer } = await setup();
  const token = new Contract(tokenA, ERC20_ABI, a.signers[0]);
  const tx = await token.transfer(await a.signers[2].getAddress(), toWad("1"));
  await tx.wait();
  await assert.rejects(relayer.submit(tx.hash, await b.signers[1].getAddress()), InvalidOrderError);
});

test("placeOrder_overCapacity_refusedBeforeLocking", async () => {
  const { venue } = await setup();
  const before = await balanceOf(tokenA, a, await a.signers[0].getAddress());
  await assert.rejects(
    venue.placeOrder({
      pair: PAIR,
      side: "sell",
      amount: toWad("1000"),
      limitPrice: toWad("0.99"),
      timeInForce: "IOC",
      clientOrderId: "kbig",
    }),
    InvalidOrderError,
  );
  assert.equal(await balanceOf(tokenA, a, await a.signers[0].getAddress()), before);
});

test("placeOrder_feeAboveLimit_canceledWithoutLocking", async () => {
  const { venue } = await setup();
  const before = await balanceOf(tokenA, a, await a.signers[0].getAddress());
  const order = await venue.placeOrder({
    pair: PAIR,
    side: "sell",
    amount: toWad("1"),
    limitPrice: toWad("0.9995"),
    timeInForce: "IOC",
    clientOrderId: "ktight",
  });
  assert.equal(order.status, "canceled");
  assert.equal(order.filled, 0n);
  assert.equal(await balanceOf(tokenA, a, await a.signers[0].getAddress()), before);
});

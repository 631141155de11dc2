import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BinanceFixture } from "../execution/testing/binanceFixture.js";
import { virtualTime } from "../execution/testing/virtualTime.js";
import { RequestBudget } from "../execution/budget.js";
import { CcxtVenue } from "../execution/ccxtVenue.js";
import { fromWad, toWad } from "../execution/fixed.js";
import type { OrderRequest } from "../execution/venue.js";
import { Journal } from "./journal.js";
import { liveVenues } from "./live-venues.js";
import { createMetrics } from "./metrics.js";

let fixture: BinanceFixture;
let baseUrl: string;
let dir: string;

before(async () => {
  fixture = new BinanceFixture(
    {
      ETHUSDT: {
        base: "ETH",
        quote: "USDT",
        tickSize: "0.01",
        stepSize: "0.001",
        bids: [[1999, 1]],
        asks: [[2001, 1]],
      },
    },
    { ETH: 10, USDT: 100_000 },
  );
  baseUrl = await fixture.start();
  dir = mkdtempSync(join(tmpdir(), "live-venues-"));
});
after(async () => {
  await fixture.stop();
  rmSync(dir, { recursive: true, force: true });
});

function setup(name: string) {
  const t = virtualTime();
  const budget = new RequestBudget({ capacity: 100, refillPerSecond: 50 }, t.clock, t.sleep);
  const ccxt = new CcxtVenue(fixture.client(baseUrl), {
    id: "bin",
    budget,
    clock: t.clock,
    sleep: t.sleep,
    random: () => 0.5,
  });
  const journal = new Journal(join(dir, `${name}.db`));
  const metrics = createMetrics({ keeper: name });
  const { bin } = liveVenues({ bin: ccxt }, { journal, metrics });
  const send = async (req: OrderRequest) => {
    journal.recordOrderIntent({
      ...req,
      campaignId: "c1",
      venue: "bin",
      amount: `${req.amount}`,
      limitPrice: `${req.limitPrice}`,
    });
    return bin!.placeOrder(req);
  };
  return { bin: bin!, journal, metrics, send };
}

const order = (clientOrderId: string, over: Partial<OrderRequest> = {}): OrderRequest => ({
  pair: "ETH/USDT",
  side: "buy",
  amount: toWad("0.5"),
  limitPrice: toWad("2001"),
  timeInForce: "IOC",
  clientOrderId,
  ...over,
});

test("F4_placeOrder_refusedByTheVenue_journalLeavesIntentAsRejected", async () => {
  const { send, journal, metrics } = setup("refused");
  await assert.rejects(send(order("kpoor", { side: "sell", amount: toWad("11"), limitPrice: toWad("1000") })));
  assert.equal(journal.getOrder("kpoor")?.state, "rejected");
  assert.equal((await metrics.orders.get()).values.find((v) => v.labels.outcome === "failed")?.value, 1);
  journal.close();
});

test("F4_placeOrder_unreachable_journalAdoptsWhatTheVenueSaysByClientId", async () => {
  const { send, journal } = setup("unreachable");
  for (let i = 0; i < 10; i++) fixture.faults.push({ method: "POST", path: "/api/v3/order", status: 503, body: {} });
  await assert.rejects(send(order("klost")));
  fixture.faults.length = 0;
  // The venue never saw it (every attempt was refused before execution): notFound, not intent.
  assert.equal(journal.getOrder("klost")?.state, "notFound");
  journal.close();
});

test("F4_placeOrder_filled_journalAndFillMetricsFromTheVenuesAnswer", async () => {
  const { send, journal, metrics } = setup("filled");
  const o = await send(order("kfill"));
  assert.equal(journal.getOrder("kfill")?.state, "filled");
  assert.equal(journal.getOrder("kfill")?.filled, o.filled.toString());
  assert.equal((await metrics.fills.get()).values[0]?.value, 1);
  assert.equal((await metrics.pnl.get()).values[0]?.value, -Number(fromWad(o.cost + o.fee)));
  journal.close();
});

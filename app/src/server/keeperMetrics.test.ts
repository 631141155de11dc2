import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { after, before, describe, it } from "node:test";
import { parseExposition } from "../lib/prometheus";
import { nodeStatus, readKeeperNode, readKeeperNodes } from "./keeperMetrics";

const ACCOUNT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

/** A keeper's `/metrics` as prom-client writes it (default label `keeper`), exposed on binance and paused. */
const EXPOSED = `# HELP keeper_healthy 1 while every venue answers
# TYPE keeper_healthy gauge
keeper_healthy{keeper="keeper1"} 0

# HELP keeper_venue_up 1 while the venue answers
# TYPE keeper_venue_up gauge
keeper_venue_up{venue="okx",keeper="keeper1"} 0
keeper_venue_up{venue="binance",keeper="keeper1"} 1

# HELP keeper_exposed_positions Positions an execution left open (exposed), by market and venue
# TYPE keeper_exposed_positions gauge
keeper_exposed_positions{market="ETH/USDT",venue="binance",keeper="keeper1"} 1
keeper_exposed_positions{market="BTC/USDT",venue="okx",keeper="keeper1"} 1

# HELP keeper_trading_stopped 1 while new campaigns and opening orders are stopped
# TYPE keeper_trading_stopped gauge
keeper_trading_stopped{keeper="keeper1"} 1

# HELP keeper_info 1, labelled with the keeper's chain account
# TYPE keeper_info gauge
keeper_info{account="${ACCOUNT}",keeper="keeper1"} 1

# HELP keeper_exposed_base Base asset an execution left open
# TYPE keeper_exposed_base gauge
keeper_exposed_base{market="ETH/USDT",venue="binance",asset="ETH",position="long",keeper="keeper1"} 0.4995

# HELP keeper_trading_stop_reason 1 for why new orders are stopped now
# TYPE keeper_trading_stop_reason gauge
keeper_trading_stop_reason{control="pause",reason="paused by keeper pause: operator check",keeper="keeper1"} 1
`;

/** The same keeper once flat, resumed and healthy (reset gauges write no sample). */
const FLAT = `# TYPE keeper_healthy gauge
keeper_healthy{keeper="keeper1"} 1
keeper_venue_up{venue="binance",keeper="keeper1"} 1
keeper_venue_up{venue="okx",keeper="keeper1"} 1
# TYPE keeper_exposed_positions gauge
keeper_trading_stopped{keeper="keeper1"} 0
keeper_info{account="${ACCOUNT}",keeper="keeper1"} 1
# TYPE keeper_exposed_base gauge
# TYPE keeper_trading_stop_reason gauge
`;

describe("nodeStatus", () => {
  it("nodeStatus_exposedPausedUnhealthyKeeper_mapsToItsAccount", () => {
    const s = nodeStatus("http://k1/metrics", parseExposition(EXPOSED));
    assert.deepEqual(s, {
      url: "http://k1/metrics",
      problem: null,
      account: ACCOUNT.toLowerCase(),
      name: "keeper1",
      healthy: false,
      venues: [
        { venue: "binance", up: true },
        { venue: "okx", up: false },
      ],
      stopped: true,
      stopReasons: [{ control: "pause", reason: "paused by keeper pause: operator check" }],
      exposures: [
        // Counted without a size (keeper_exposed_base missing for it): still listed.
        { market: "BTC/USDT", venue: "okx", asset: null, position: null, amount: null },
        {
          market: "ETH/USDT",
          venue: "binance",
          asset: "ETH",
          position: "long",
          amount: "499500000000000000",
        },
      ],
    });
  });

  it("nodeStatus_flatKeeper_noExposureNoStop", () => {
    const s = nodeStatus("http://k1/metrics", parseExposition(FLAT));
    assert.equal(s.healthy, true);
    assert.equal(s.stopped, false);
    assert.deepEqual(s.exposures, []);
    assert.deepEqual(s.stopReasons, []);
    assert.equal(s.account, ACCOUNT.toLowerCase());
  });

  it("nodeStatus_withoutKeeperInfo_accountUnknown", () => {
    const s = nodeStatus("http://k1/metrics", parseExposition('keeper_info{account="not-an-address"} 1\nup 1\n'));
    assert.equal(s.account, null);
    assert.equal(s.name, null);
    assert.equal(s.healthy, null);
    assert.equal(s.stopped, null);
  });
});

/** 1.2 MB of samples: more than an endpoint may send. */
const HUGE = "x 1\n".repeat(300_000);

describe("readKeeperNodes", () => {
  let server: Server;
  let base = "";
  let body = EXPOSED;
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === "/metrics") res.writeHead(200, { "content-type": "text/plain" }).end(body);
      else if (req.url === "/broken") res.writeHead(200).end("keeper_healthy{ 1\n");
      else if (req.url === "/huge") res.writeHead(200, { "content-length": HUGE.length }).end(HUGE);
      else if (req.url === "/chunked")
        res.writeHead(200).end(HUGE); // no length given
      else if (req.url !== "/hang") res.writeHead(500).end("boom");
      // "/hang" never answers.
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it("readKeeperNodes_readsEachEndpointLive_andAFailureIsOneLineNamingTheUrl", async () => {
    // A port that was free a moment ago: nothing listens there.
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const refused = `http://127.0.0.1:${(closed.address() as { port: number }).port}/metrics`;
    await new Promise<void>((r) => closed.close(() => r()));

    const urls = [`${base}/metrics`, refused, `${base}/error`, `${base}/broken`, `${base}/huge`, `${base}/chunked`];
    // Generous for a busy machine; only the endpoint that never answers is read with a short timeout.
    const nodes = [
      ...(await readKeeperNodes(urls, { timeoutMs: 30_000 })),
      await readKeeperNode(`${base}/hang`, { timeoutMs: 300 }),
    ];
    urls.push(`${base}/hang`);
    assert.deepEqual(
      nodes.map((n) => n.url),
      urls,
      "every endpoint, in order",
    );
    assert.equal(nodes[0]!.problem, null);
    assert.equal(nodes[0]!.exposures.length, 2);
    assert.match(nodes[1]!.problem!, new RegExp(`^metrics unreachable \\(${refused}\\): .*ECONNREFUSED`));
    assert.equal(nodes[2]!.problem, `metrics unreachable (${base}/error): HTTP 500`);
    assert.match(nodes[3]!.problem!, new RegExp(`^metrics unreadable \\(${base}/broken\\): line 1: `));
    assert.equal(nodes[4]!.problem, `metrics unreadable (${base}/huge): 1200000 bytes, more than 1000000`);
    assert.equal(nodes[5]!.problem, `metrics unreadable (${base}/chunked): more than 1000000 characters`);
    assert.equal(nodes[6]!.problem, `metrics unreachable (${base}/hang): no answer within 0.3 s`);
    for (const n of nodes.slice(1)) {
      assert.ok(!n.problem!.includes("\n"), n.problem!);
      assert.deepEqual([n.account, n.exposures, n.venues], [null, [], []]);
    }

    // Read again on every call: once the keeper is flat, so is the status.
    body = FLAT;
    const [again] = await readKeeperNodes([`${base}/metrics`]);
    assert.deepEqual(again!.exposures, []);
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KeeperNodeStatus } from "../server/keeperMetrics";
import {
  exposureAlert,
  exposureText,
  healthText,
  keeperLabel,
  keeperRows,
  sharedAccounts,
  stopText,
} from "./keeperNodes";

const A = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
const B = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc";

function node(over: Partial<KeeperNodeStatus> = {}): KeeperNodeStatus {
  return {
    url: "http://127.0.0.1:9101/metrics",
    problem: null,
    account: A,
    name: "keeper1",
    healthy: true,
    venues: [
      { venue: "binance", up: true },
      { venue: "okx", up: true },
    ],
    stopped: false,
    stopReasons: [],
    exposures: [],
    ...over,
  };
}

const LONG = {
  market: "ETH/USDT",
  venue: "binance",
  asset: "ETH",
  position: "long" as const,
  amount: "499500000000000000",
};

describe("keeper node lines", () => {
  it("exposureText_formatsTheFixedPointSize", () => {
    assert.equal(exposureText(LONG), "0.4995 ETH long on binance (ETH/USDT)");
    assert.equal(
      exposureText({ ...LONG, position: "short", amount: "2220000000000000000000", asset: "BTC" }),
      "2,220 BTC short on binance (ETH/USDT)",
    );
    // Six decimals at most (a base amount, not a price).
    assert.equal(exposureText({ ...LONG, amount: "123456789012345678" }), "0.123456 ETH long on binance (ETH/USDT)");
    assert.equal(
      exposureText({ ...LONG, asset: null, position: null, amount: null }),
      "a position open on binance (ETH/USDT) (size not exported)",
    );
  });

  it("exposureAlert_namesSizeVenueMarketAndKeeper", () => {
    assert.equal(
      exposureAlert(node(), LONG),
      "Exposed: 0.4995 ETH long on binance (ETH/USDT), keeper 0x7099…79c8 (keeper1); its ETH/USDT campaigns are blocked until flat",
    );
    assert.equal(keeperLabel(null, null), "unknown account");
  });

  it("healthText_downVenuesFirst", () => {
    assert.equal(healthText(node()), "healthy: binance up, okx up");
    assert.equal(
      healthText(
        node({
          healthy: false,
          venues: [
            { venue: "binance", up: true },
            { venue: "okx", up: false },
          ],
        }),
      ),
      "unhealthy (claims no new campaign): okx down, binance up",
    );
    assert.equal(healthText(node({ healthy: null })), "health not exported");
  });

  it("stopText_pausedOrChainStopWithItsReason", () => {
    assert.equal(stopText(node()), "trading");
    assert.equal(
      stopText(node({ stopped: true, stopReasons: [{ control: "pause", reason: "paused by keeper pause: audit" }] })),
      "stopped: paused by keeper pause: audit",
    );
    assert.equal(stopText(node({ stopped: true })), "stopped");
    assert.equal(stopText(node({ stopped: null })), "stop state not exported");
  });

  it("sharedAccounts_twoEndpointsClaimingOneKeeperAreNamed", () => {
    const other = node({ url: "http://127.0.0.1:9103/metrics" });
    assert.deepEqual(
      [...sharedAccounts([node(), node({ url: "http://x/metrics", account: B }), other])],
      [[A, ["http://127.0.0.1:9101/metrics", "http://127.0.0.1:9103/metrics"]]],
    );
    assert.equal(sharedAccounts([node(), node({ url: "http://y/metrics", account: null })]).size, 0);
  });

  it("keeperRows_endpointsThenChainKeepersNoEndpointReports", () => {
    const unreachable = node({
      url: "http://127.0.0.1:9102/metrics",
      problem: "metrics unreachable (...)",
      account: null,
    });
    const rows = keeperRows([B.toUpperCase().replace("0X", "0x"), A], [node(), unreachable]);
    assert.deepEqual(
      rows.map((r) => [r.account, r.node?.url ?? null]),
      [
        [A, "http://127.0.0.1:9101/metrics"],
        [null, "http://127.0.0.1:9102/metrics"],
        [B, null],
      ],
    );
  });
});

/**
 * Keepers x campaigns per minute on one local chain (in-process Hardhat chain, automine), with zero double
 * executions. For each keeper count K in 1..3, `--campaigns N` fresh race-mode campaigns are offered to every keeper
 * at once (each keeper's own dispatcher, journal and key); the winner of each claim posts a 2-leaf receipt (signed,
 * EIP-712) and settles. Counted: campaigns settled per minute of wall time, executions per campaign (must be 1),
 * losing claims. The per-strategy rate limit is raised to its maximum (1,000 per 60 s) so that it does not cap the
 * figure; keepers send a heartbeat every 25 campaigns (chain time runs ~1 s per automined block); each campaign has
 * its own asset pair so the one-claim-per-pair-per-block guard does not serialise them.
 *
 *   node_modules/.bin/node --import tsx scripts/bench/keepers.ts [--campaigns 60]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { encodeBytes32String, keccak256, toUtf8Bytes } from "ethers";
import { CampaignDispatcher, type CampaignJob } from "../../keeper/src/campaign/dispatcher.js";
import { campaignSpecFromNames } from "../../keeper/src/campaign/id.js";
import { parameterKey } from "../../keeper/src/chain/parameters.js";
import { localSystem } from "../../keeper/src/chain/testing/local-system.js";
import { LeafReceiptPoster } from "../../keeper/src/chain/testing/receipt-poster.js";
import { Journal } from "../../keeper/src/node/journal.js";

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} must be a positive integer`);
  return v;
};

async function measure(keeperCount: number, campaigns: number) {
  const dir = mkdtempSync(join(tmpdir(), "bench-keepers-"));
  const sys = await localSystem();
  const gov = await sys.adapter(0);
  await gov.sender.send("raise rate limit", {
    to: sys.addresses.parameters,
    data: gov.params.interface.encodeFunctionData("set", [parameterKey("campaignRateLimitCount"), 1_000n]),
  });
  const executions = new Map<string, number>();
  const keepers = [];
  for (let k = 0; k < keeperCount; k++) {
    const chain = await sys.onboardKeeper(k);
    const journal = new Journal(join(dir, `k${k}.db`));
    const poster = new LeafReceiptPoster(chain);
    const values = (await chain.parametersSnapshot()).values;
    const execution = {
      async execute(job: CampaignJob) {
        executions.set(job.id, (executions.get(job.id) ?? 0) + 1);
        const leaves = [0, 1].map((i) => ({
          campaignId: job.id,
          timestamp: 1_764_000_000n + BigInt(i),
          executionId: keccak256(toUtf8Bytes(`${chain.account} ${job.id} ${i}`)),
          venue: encodeBytes32String("alpha"),
          side: i,
          price: job.spec.priceWindow.minPrice,
          size: 10n ** 16n,
          fee: 10n,
          minPrice: job.spec.priceWindow.minPrice,
          maxPrice: job.spec.priceWindow.maxPrice,
        }));
        const summary = { volume: 60n * 10n ** 6n, avgPrice: job.spec.priceWindow.minPrice, pnl: 1n };
        return poster.post({ campaignId: job.id, leaves, summary, cid: `bafy-bench-${job.id.slice(2, 14)}` });
      },
    };
    keepers.push({
      chain,
      journal,
      d: new CampaignDispatcher({ chain, journal, execution, parameters: () => values }),
    });
  }
  const now = await gov.now();
  const specs = Array.from({ length: campaigns }, (_, i) =>
    campaignSpecFromNames({
      assetPair: `B${i}/USDC`,
      priceWindow: {
        minPrice: 3_000n * 10n ** 8n,
        maxPrice: 3_100n * 10n ** 8n,
        notBefore: now - 1n,
        notAfter: now + 3_600n,
      },
      route: { strategyId: "arbitrage", sourceVenue: "alpha", targetVenue: "beta" },
    }),
  );
  const started = performance.now();
  let lost = 0;
  let settled = 0;
  for (const [i, spec] of specs.entries()) {
    // Automine moves chain time ~1 s per block: keepers beat as `KeeperNode` does (half the allowed age).
    if (i > 0 && i % 25 === 0) for (const k of keepers) await k.chain.heartbeat();
    const outcomes = await Promise.all(keepers.map((k) => k.d.offer({ spec })));
    settled += outcomes.filter((o) => o === "settled").length;
    lost += outcomes.filter((o) => o === "lost").length;
  }
  const seconds = (performance.now() - started) / 1000;
  const doubles = [...executions.values()].filter((n) => n > 1).length;
  for (const k of keepers) k.journal.close();
  rmSync(dir, { recursive: true, force: true });
  return { keeperCount, campaigns, settled, lost, doubles, seconds, perMinute: (settled / seconds) * 60 };
}

const campaigns = arg("campaigns", 60);
console.log(
  `keepers x campaigns per minute, one in-process chain; ${campaigns} campaigns per run; ${cpus().length} cpus`,
);
console.log("keepers | settled | lost claims | double executions | seconds | campaigns/min");
for (const k of [1, 2, 3]) {
  const r = await measure(k, campaigns);
  console.log(
    `${String(r.keeperCount).padStart(7)} | ${String(r.settled).padStart(7)} | ${String(r.lost).padStart(11)} | ` +
      `${String(r.doubles).padStart(17)} | ${r.seconds.toFixed(1).padStart(7)} | ${r.perMinute.toFixed(0).padStart(13)}`,
  );
  if (r.doubles > 0 || r.settled !== campaigns) throw new Error(`run with ${k} keepers: ${JSON.stringify(r)}`);
}
process.exit(0);

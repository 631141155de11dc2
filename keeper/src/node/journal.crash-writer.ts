// Test helper for journal.test.ts: journals orders as fast as it can and prints each id once its write
// has committed, until the test kills it with SIGKILL.
import { Journal } from "./journal.js";

const [path, round] = process.argv.slice(2) as [string, string];
const journal = new Journal(path);
for (let i = 0; ; i++) {
  const id = `r${round}-${i}`;
  journal.recordOrderIntent({
    clientOrderId: id,
    campaignId: "0xc1",
    venue: "binance",
    pair: "ETH/USDT",
    side: "sell",
    amount: "1",
    limitPrice: "1",
  });
  process.stdout.write(`${id}\n`);
  if (i % 10 === 0) await new Promise((r) => setImmediate(r));
}

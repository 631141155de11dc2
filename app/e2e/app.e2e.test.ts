import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import {
  createPublicClient,
  createWalletClient,
  encodeFunctionData,
  http,
  parseAbi,
  parseSignature,
  formatUnits,
  parseUnits,
  stringToHex,
  type PublicClient,
} from "viem";
import { abis, vaultAbi } from "../src/generated/contracts";
import { formatAmount, shortAddress } from "../src/lib/format";
import { permitTypedData } from "../src/lib/permit";
import { audit } from "./audit";
import { RESULTS, ROOT, rpc, runScript, START_LOG, startSystem, type StopReport, type System } from "./harness";

const KEEPER_WORKDIR = join(RESULTS, "keeper-cycle");

const MOBILE = { width: 390, height: 844 };
const erc20 = parseAbi(["function balanceOf(address) view returns (uint256)"]);
/** What the deploy mints to each of the node's 20 development accounts (scripts/lib/system.ts). */
const DEV_FUNDING = 1_000_000n * 10n ** 6n;
const TUSD = 10n ** 6n;

/**
 * Development accounts. `npm start` runs in the background: #0 deploys and governs (the tests use it only
 * as the node's default account and as guardian), #1..#3 are its keepers, #4 its verifier, #5..#7 the
 * keepers' operators; scripts/keeper-cycle.ts uses #8 (keeper) and #9 (operator). The tests' own users
 * are #10..#16, which nothing else touches: their balances are exact.
 */
const USER = 10;
const INJECTED = 11;
const PERMIT_OWNER = 12;
const PERMIT_SPENDER = 13;
const OPERATOR = 14;
const BOUND_KEEPER = 15;
const OTHER = 16;
const START_KEEPERS = [1, 2, 3];
const CYCLE_KEEPER = 8;
const CYCLE_OPERATOR = 9;

let sys: System;
let client: PublicClient;
let context: BrowserContext;
let page: Page;
let asset: `0x${string}`;
let vault: `0x${string}`;
let shareDecimals = 0;
let shareSymbol = "";
let deployment: { contracts: Record<string, { address: `0x${string}` }> };
/** What `keeper-cycle.ts repay` printed: the posted receipt and its content id. */
let keeperReceipt = { receiptId: "", cid: "" };
let accounts: `0x${string}`[];
let stopReport: StopReport | undefined;
/** The roiThresholdBps value governance set (the keepers must pick it up). */
let governedRoi = 0n;

const tusd = (v: bigint) => `${formatAmount(v, 6)} tUSD`;
const sharesText = (v: bigint) => `${formatAmount(v, shareDecimals, 4)} ${shareSymbol}`;
const priceText = (v: bigint) => `${formatAmount(v, 6, 6)} tUSD`;

async function balanceOf(account: `0x${string}`): Promise<bigint> {
  return client.readContract({ address: asset, abi: erc20, functionName: "balanceOf", args: [account] });
}

async function call<T>(to: `0x${string}`, functionName: string, args: unknown[], blockNumber?: bigint): Promise<T> {
  return (await client.readContract({ address: to, abi: vaultAbi, functionName, args, blockNumber } as never)) as T;
}

/** The vault's share price (assets for one whole share), at a block or now. */
async function sharePrice(blockNumber?: bigint): Promise<bigint> {
  return call<bigint>(vault, "convertToAssets", [10n ** BigInt(shareDecimals)], blockNumber);
}

/**
 * Waits until the element shows what the chain says now (`expected` is read again on every try):
 * keepers keep the chain moving, so the page is compared with a fresh read, never with a constant
 * that may already be stale.
 */
async function showsChain(testid: string, expected: () => Promise<string>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let shown = "";
  let want = "";
  while (Date.now() < deadline) {
    want = await expected();
    shown = (
      await page
        .getByTestId(testid)
        .innerText()
        .catch(() => "")
    ).trim();
    if (shown === want) return;
    await page.waitForTimeout(200);
  }
  assert.equal(shown, want, `${testid} shows what the chain says`);
}

/** Wall-clock times (ms) of the chain's time jumps: the keepers' in-flight steps may fail right after one. */
const jumps: number[] = [];
/**
 * How long after a time jump a keeper's transactions may still fail: one in flight when the clock moved, and,
 * when `npm start` relays the reference price (every 15 s), repayments the vault refuses as long as that price
 * is stale for the new chain time. Then the keepers have recovered.
 */
const JUMP_SETTLE_MS = 20_000;

/**
 * Wall-clock spans (ms) in which the test injected venue faults on the simulators: keepers log errors then (an order
 * refused, an exposed position), as they must.
 */
const faultWindows: [number, number][] = [];

/** Waits until `cond` holds, polling; fails naming `what`. */
async function eventually(what: string, cond: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await page.waitForTimeout(250);
  }
}

/**
 * The chain-time spans the jumps skipped (`[latest block's time before, after]`): a claim or a window whose deadline
 * lies inside one was live before the jump and had lapsed after it, whatever the wall clock says of the keeper's
 * next step (under `stress-ng` a keeper's step after a jump came more than JUMP_SETTLE_MS later).
 */
const skipped: [bigint, bigint][] = [];

/** Advances the local chain's clock by `seconds` and mines a block. */
async function advance(seconds: number): Promise<void> {
  jumps.push(Date.now());
  const before = (await client.getBlock({ blockTag: "latest" })).timestamp;
  await rpc(sys.rpcUrl, "evm_increaseTime", [seconds]);
  await rpc(sys.rpcUrl, "evm_mine");
  skipped.push([before, (await client.getBlock({ blockTag: "latest" })).timestamp]);
}

/**
 * Whether a keeper's error line is about a campaign whose claim a time jump let lapse: its claim's deadline
 * (`claimed by K until U`) lies in a skipped span. `lapsed` collects those campaigns, so the "receipt lost" line the
 * keeper logs for the same campaign is attributed to the jump as well.
 */
function lapsedByJump(line: string, lapsed: Set<string>): boolean {
  const campaign = /"campaignId":"(0x[0-9a-f]{64})"/.exec(line)?.[1];
  const until = /claimed by 0x[0-9a-fA-F]{40} until (\d+), now \d+/.exec(line)?.[1];
  if (campaign && until && skipped.some(([from, to]) => BigInt(until) >= from && BigInt(until) < to)) {
    lapsed.add(campaign);
  }
  return campaign !== undefined && lapsed.has(campaign);
}

/** Sends a transaction from one of the node's accounts (what the guardian or a keeper does off the page). */
async function sendAs(from: `0x${string}`, to: `0x${string}`, data: `0x${string}`): Promise<void> {
  const hash = await rpc<`0x${string}`>(sys.rpcUrl, "eth_sendTransaction", [{ from, to, data }]);
  const receipt = await client.waitForTransactionReceipt({ hash });
  assert.equal(receipt.status, "success", `transaction ${hash} reverted`);
}

/**
 * Sends as the vault's owner, the timelock (unpausing is governance's since the guardian only pauses): impersonated
 * on the local chain, as a passed proposal would execute it.
 */
async function sendAsOwner(to: `0x${string}`, data: `0x${string}`): Promise<void> {
  const owner = await call<`0x${string}`>(vault, "owner", []);
  await rpc(sys.rpcUrl, "hardhat_impersonateAccount", [owner]);
  await rpc(sys.rpcUrl, "hardhat_setBalance", [owner, "0xde0b6b3a7640000"]);
  try {
    await sendAs(owner, to, data);
  } finally {
    await rpc(sys.rpcUrl, "hardhat_stopImpersonatingAccount", [owner]);
  }
}

/** One step of `scripts/keeper-cycle.ts` (keeper #8, operator #9) against the test chain; its JSON line. */
async function keeperCycle(step: string, ...args: string[]): Promise<string> {
  return runScript("scripts/keeper-cycle.ts", [
    "--rpc",
    sys.rpcUrl,
    "--network",
    sys.network,
    "--workdir",
    KEEPER_WORKDIR,
    step,
    ...args,
  ]);
}

/** The vault's events of one kind since `fromBlock` (inclusive), filtered by indexed arguments. */
async function vaultEvents(eventName: string, fromBlock: bigint, args: Record<string, unknown> = {}) {
  return (await client.getContractEvents({
    address: vault,
    abi: vaultAbi,
    eventName,
    args,
    fromBlock,
    toBlock: "latest",
  } as never)) as unknown as { blockNumber: bigint; args: Record<string, bigint | string> }[];
}

/** Events of the keeper capital book (draws, repayments, liquidations). */
async function bookEvents(eventName: string, fromBlock: bigint) {
  return (await client.getContractEvents({
    address: deployment.contracts.KeeperCapital!.address,
    abi: abis.KeeperCapital,
    eventName,
    fromBlock,
    toBlock: "latest",
  } as never)) as unknown as { blockNumber: bigint; args: Record<string, bigint | string> }[];
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(RESULTS, `${name}.png`), fullPage: true });
}

/** Usable at 390 px: nothing wider than the viewport (no sideways scrolling). */
async function assertFitsWidth(): Promise<void> {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= MOBILE.width, `page is ${width}px wide at ${MOBILE.width}px`);
}

async function selectAccount(index: number): Promise<void> {
  const picker = page.getByTestId("dev-account");
  // The picker lists the node's accounts once it has read them (the first render shows only the active one).
  await picker.locator("option").nth(index).waitFor({ state: "attached" });
  await picker.selectOption({ index });
  const want = accounts[index]!.toLowerCase();
  const deadline = Date.now() + 15_000;
  while ((await picker.inputValue()).toLowerCase() !== want && Date.now() < deadline) await page.waitForTimeout(100);
  assert.equal((await picker.inputValue()).toLowerCase(), want);
}

/** What the vault holds liquid at a block (the buffer and the sleeves' undrawn capital), as `maxWithdraw` counts it. */
async function liquid(blockNumber: bigint): Promise<bigint> {
  let total = await call<bigint>(vault, "sleeveAssets", [2], blockNumber);
  for (const s of [0, 1])
    total +=
      (await call<bigint>(vault, "sleeveAssets", [s], blockNumber)) -
      (await call<bigint>(vault, "sleeveDrawn", [s], blockNumber));
  return total;
}

/**
 * How long `npm start` may take to get ready: its `next build` alone took 3.5 min on 2 cores shared with five other
 * builds, and under `stress-ng --cpu 2` the whole start (chain, deploy, simulators, three keepers onboarded one after
 * the other, the app) was still onboarding its last keeper at 150 s. 7 minutes of margin by default; raise it further
 * on a slower machine (`E2E_START_TIMEOUT_MS`); the suite's own budget grows with it.
 */
const START_TIMEOUT_MS = Number(process.env.E2E_START_TIMEOUT_MS ?? 420_000);
/** At most what the exposure test waits: a campaign exposed by venue faults (150 s), then flat again (60 s). */
const EXPOSURE_TEST_MS = 240_000;

describe(
  "web app end to end (chromium, npm start: chain, deploy, simulators, keepers)",
  { timeout: 150_000 + START_TIMEOUT_MS + EXPOSURE_TEST_MS },
  () => {
    before(async () => {
      rmSync(RESULTS, { recursive: true, force: true }); // Screenshots of this run only.
      sys = await startSystem(START_TIMEOUT_MS);
      // No cache: the block number must be the chain's now, not one from seconds ago.
      client = createPublicClient({ transport: http(sys.rpcUrl), cacheTime: 0 });
      deployment = JSON.parse(
        readFileSync(join(ROOT, "deployments", `${sys.network}.json`), "utf8"),
      ) as typeof deployment;
      asset = deployment.contracts.DepositAsset!.address;
      vault = deployment.contracts.StrategyVault!.address;
      accounts = await rpc<`0x${string}`[]>(sys.rpcUrl, "eth_accounts");
      shareDecimals = await call<number>(vault, "decimals", []);
      shareSymbol = await call<string>(vault, "symbol", []);
      context = await sys.browser.newContext({ viewport: MOBILE });
      context.setDefaultTimeout(15_000);
      page = await context.newPage();
    });

    // The page as it was at the end of every test: what a failure looked like.
    afterEach(async (t) => {
      await page?.screenshot({ path: join(RESULTS, "last", `${t.name}.png`), fullPage: true }).catch(() => undefined);
    });

    after(async () => {
      await context?.close().catch(() => undefined);
      await sys?.stop();
    });

    it("npmStart_fundsTheTestAccountsAndRunsItsKeepers", async () => {
      assert.equal(accounts.length, 20);
      for (const i of [USER, INJECTED, PERMIT_OWNER, PERMIT_SPENDER, OPERATOR, BOUND_KEEPER, OTHER])
        assert.equal(await balanceOf(accounts[i]!), DEV_FUNDING, `account #${i} is funded by the deploy`);
      // The keepers of `npm start` are registered and heartbeating in the background.
      const api = (await (await fetch(`${sys.appUrl}/api/dashboard`)).json()) as {
        keepers: { keeper: string }[] | null;
      };
      assert.deepEqual(
        api.keepers?.map((k) => k.keeper.toLowerCase()).sort(),
        START_KEEPERS.map((i) => accounts[i]!.toLowerCase()).sort(),
      );
    });

    it("vaultPage_rendersAt390pxAndSaysWhetherTheVaultIsDeployed", async () => {
      await page.goto(sys.appUrl);
      await page.getByTestId("vault").waitFor();
      await assertFitsWidth();
      await shot("01-vault-disconnected");
    });

    it("devWallet_connectsWithTheNodesFirstAccount", async () => {
      await page.getByRole("button", { name: "Connect wallet" }).click();
      await page.getByRole("button", { name: "Development wallet (local node)" }).click();
      const picker = page.getByTestId("dev-account");
      await picker.waitFor();
      assert.equal((await picker.inputValue()).toLowerCase(), accounts[0]!.toLowerCase());
      await showsChain("asset-balance", async () => tusd(await balanceOf(accounts[0]!)));
    });

    it("devWallet_reconnectsAfterReload", async () => {
      await page.reload();
      await page.getByTestId("dev-account").waitFor();
      assert.equal((await page.getByTestId("dev-account").inputValue()).toLowerCase(), accounts[0]!.toLowerCase());
      await showsChain("asset-balance", async () => tusd(await balanceOf(accounts[0]!)));
    });

    it("devWallet_switchesAccount", async () => {
      await selectAccount(USER);
      await page
        .getByTestId("asset-balance")
        .filter({ hasText: /^1,000,000 tUSD$/ })
        .waitFor();
    });

    it("faucet_mintsAndTheBalanceChanges", async () => {
      const user = accounts[USER]!;
      await page.getByTestId("faucet-amount").fill("2500.5");
      await page.getByTestId("faucet").click();
      await page
        .locator('[data-testid="tx"][data-status="confirmed"]')
        .filter({ hasText: "Faucet 2500.5 tUSD" })
        .waitFor();
      await page
        .getByTestId("asset-balance")
        .filter({ hasText: /^1,002,500.5 tUSD$/ })
        .waitFor();
      assert.equal((await balanceOf(user)) - DEV_FUNDING, 2_500_500_000n);
      await assertFitsWidth();
      await shot("02-faucet-confirmed");
    });

    it("faucet_aboveTheMintLimitShowsTheDecodedReason", async () => {
      const before = await balanceOf(accounts[USER]!);
      await page.getByTestId("faucet-amount").fill("20000000000");
      await page.getByTestId("faucet").click();
      const failed = page.locator('[data-testid="tx"][data-status="failed"]');
      await failed.waitFor();
      assert.match(await failed.innerText(), /The faucet gives at most 10,000,000,000 tUSD per request\./);
      assert.equal(await balanceOf(accounts[USER]!), before);
      await shot("03-faucet-refused");
    });

    it("vault_permitDepositInOneTransactionShowsPreviewThenSharesAndBalanceChange", async () => {
      const user = accounts[USER]!;
      await page.getByTestId("vault").waitFor();
      const from = await client.getBlockNumber();
      const assetsBefore = await balanceOf(user);
      await page.getByTestId("deposit-amount").fill("1000");
      await page.getByTestId("deposit-preview").filter({ hasText: "You receive ≈" }).waitFor();
      // No allowance: the page offers the one-transaction permit deposit (`depositWithPermit`).
      await page.getByTestId("permit-deposit").click();
      await page
        .locator('[data-testid="tx"][data-status="confirmed"]')
        .filter({ hasText: "Permit and deposit 1000 tUSD" })
        .waitFor();
      assert.equal(assetsBefore - (await balanceOf(user)), 1_000n * TUSD);
      // The shares the vault's own preview gives at the deposit's block (same time, so the same unlocked
      // profit), whatever the keepers did to the share price until then: equal up to the rounding of the
      // conversion (the deposit itself keeps the assets-per-share ratio).
      const [deposit, ...more] = await vaultEvents("Deposit", from + 1n, { owner: user });
      assert.equal(more.length, 0);
      assert.equal(deposit!.args.assets, 1_000n * TUSD);
      const shares = await call<bigint>(vault, "balanceOf", [user]);
      assert.equal(shares, deposit!.args.shares);
      const preview = await call<bigint>(vault, "previewDeposit", [1_000n * TUSD], deposit!.blockNumber);
      assert.ok(preview - shares <= 2n && shares - preview <= 2n, `shares ${shares}, preview ${preview}`);
      await page
        .getByTestId("vault-shares")
        .filter({ hasText: sharesText(shares) })
        .waitFor();
      await page
        .getByTestId("asset-balance")
        .filter({ hasText: /^1,001,500.5 tUSD$/ })
        .waitFor();
      await showsChain("share-price", async () => priceText(await sharePrice()));
      await shot("20-vault-deposited");
    });

    it("vault_approveThenDepositAlsoWorks", async () => {
      const user = accounts[USER]!;
      const sharesBefore = await call<bigint>(vault, "balanceOf", [user]);
      const from = await client.getBlockNumber();
      await page.getByTestId("deposit-amount").fill("5");
      await page.getByTestId("approve").click();
      await page.locator('[data-testid="tx"][data-status="confirmed"]').filter({ hasText: "Approve 5 tUSD" }).waitFor();
      await page.getByTestId("deposit").click();
      await page.locator('[data-testid="tx"][data-status="confirmed"]').filter({ hasText: "Deposit 5 tUSD" }).waitFor();
      const [deposit] = await vaultEvents("Deposit", from + 1n, { owner: user });
      assert.equal(deposit!.args.assets, 5n * TUSD);
      const shares = await call<bigint>(vault, "balanceOf", [user]);
      assert.equal(shares - sharesBefore, deposit!.args.shares);
      await page
        .getByTestId("vault-shares")
        .filter({ hasText: sharesText(shares) })
        .waitFor();
    });

    it("vault_lockMovesSharesToLocked", async () => {
      await page.getByTestId("tab-earn").click();
      await page.getByTestId("lock-amount").fill("100");
      await page.getByTestId("lock-tier").selectOption("1");
      await page.getByTestId("lock").click();
      await page
        .locator('[data-testid="tx"][data-status="confirmed"]')
        .filter({ hasText: /^Lock 100 / })
        .waitFor();
      assert.equal(await call<bigint>(vault, "lockedShares", [accounts[USER]!]), 100n * 10n ** BigInt(shareDecimals));
      await page.getByTestId("locked-shares").filter({ hasText: /^100 / }).waitFor();
      await page.getByTestId("unlock-1").waitFor();
      await shot("22-vault-locked");
    });

    it("vault_withdrawalAboveWhatTheBufferHoldsAfterAKeeperDrawShowsTheDecodedReason", async () => {
      const user = accounts[USER]!;
      // A keeper is onboarded through the trust layer and draws 200 tUSD of market-making capital.
      await keeperCycle("onboard");
      const from = await client.getBlockNumber();
      const liquidBefore = await liquid(from);
      await keeperCycle("draw", "--amount", "200");
      // Capital leaves the vault only through its keeper capital book (`CapitalOut` to the keeper).
      const draws = await vaultEvents("CapitalOut", from + 1n);
      const mine = draws.filter((d) => String(d.args.to).toLowerCase() === accounts[CYCLE_KEEPER]!.toLowerCase());
      assert.deepEqual(
        mine.map((d) => d.args.amount),
        [200n * TUSD],
      );
      // Everything read at one block, so that the keepers of `npm start` cannot move it between reads.
      const at = await client.getBlockNumber();
      const liquidNow = await liquid(at);
      // What is drawn leaves the liquid part: exactly 200 less, unless another keeper moved capital meanwhile.
      const others = draws.length - mine.length + (await vaultEvents("CapitalIn", from + 1n)).length;
      if (others === 0) assert.equal(liquidBefore - liquidNow, 200n * TUSD);
      const unlocked =
        (await call<bigint>(vault, "balanceOf", [user], at)) - (await call<bigint>(vault, "lockedShares", [user], at));
      const value = await call<bigint>(vault, "convertToAssets", [unlocked], at);
      const max = await call<bigint>(vault, "maxWithdraw", [user], at);
      assert.equal(
        max,
        liquidNow < value ? liquidNow : value,
        "maxWithdraw: the unlocked value, capped by what is liquid",
      );
      assert.ok(value - max > 2n * TUSD, "the user's unlocked shares are worth more than the vault holds liquid");
      // Ask for (almost) all the shares are worth: more than the vault holds liquid even after the keepers of `npm start`
      // repay what they drew (the cycle keeper's draw stays out), so the refusal does not depend on their timing.
      const ask = value / TUSD;
      await page.getByTestId("tab-withdraw").click();
      await page.getByTestId("withdraw-amount").fill(String(ask));
      // The limits on the page and in the message are `maxWithdraw` at the block the page read or the wallet estimated
      // the call on: one of the blocks since `at` (the keepers of `npm start` keep moving capital meanwhile).
      const limits = new Map<bigint, bigint>();
      const limitsSinceAt = async () => {
        const now = await client.getBlockNumber();
        for (let b = at; b <= now; b++)
          if (!limits.has(b)) limits.set(b, await call<bigint>(vault, "maxWithdraw", [user], b));
        return [...limits.values()];
      };
      // The page refreshes its limit after the draw: wait until it shows one the vault had since.
      const hint = page.getByText(/^Above what the buffer holds for you now \(/);
      const deadline = Date.now() + 15_000;
      for (;;) {
        const text = await hint.innerText({ timeout: 15_000 });
        const shown = (await limitsSinceAt()).map((l) => `Above what the buffer holds for you now (${tusd(l)})`);
        if (shown.some((t) => text.startsWith(t))) break;
        assert.ok(Date.now() < deadline, `${text}; maxWithdraw since block ${at}: ${shown.join(", ")}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      await page.getByTestId("withdraw").click();
      const failed = page.locator('[data-testid="tx"][data-status="failed"]').filter({ hasText: `Withdraw ${ask}` });
      await failed.waitFor();
      const allowed = new Set((await limitsSinceAt()).map((l) => formatAmount(l, 6, 6)));
      const m = new RegExp(
        `Withdrawal above what the buffer holds: you asked for ${formatAmount(ask * TUSD, 6, 6).replace(/[.]/g, "\\.")} tUSD, at most ([\\d,.]+) tUSD can be withdrawn now \\(the buffer and undrawn sleeve capital`,
      ).exec(await failed.innerText());
      assert.ok(m, await failed.innerText());
      assert.ok(allowed.has(m[1]!), `at most ${m[1]} tUSD, maxWithdraw since block ${at}: ${[...allowed].join(", ")}`);
      await shot("21-vault-withdraw-above-buffer");
    });

    it("vault_withdrawReturnsAssets", async () => {
      const user = accounts[USER]!;
      const before = await balanceOf(user);
      const sharesBefore = await call<bigint>(vault, "balanceOf", [user]);
      const from = await client.getBlockNumber();
      await page.getByTestId("tab-withdraw").click();
      await page.getByTestId("withdraw-amount").fill("10");
      await page.getByTestId("withdraw-preview").filter({ hasText: "Burns ≈" }).waitFor();
      await page.getByTestId("withdraw").click();
      await page
        .locator('[data-testid="tx"][data-status="confirmed"]')
        .filter({ hasText: "Withdraw 10 tUSD" })
        .waitFor();
      assert.equal((await balanceOf(user)) - before, 10n * TUSD);
      const [withdrawal] = await vaultEvents("Withdraw", from + 1n, { owner: user });
      assert.equal(withdrawal!.args.assets, 10n * TUSD);
      const shares = await call<bigint>(vault, "balanceOf", [user]);
      assert.equal(sharesBefore - shares, withdrawal!.args.shares);
      const burned = withdrawal!.args.shares as bigint;
      const preview = await call<bigint>(vault, "previewWithdraw", [10n * TUSD], withdrawal!.blockNumber);
      assert.ok(preview - burned <= 2n && burned - preview <= 2n, `burned ${burned}, preview ${preview}`);
      await page
        .getByTestId("vault-shares")
        .filter({ hasText: sharesText(shares) })
        .waitFor();
    });

    it("operators_anAttestedKeeperShowsItsAttestationStatusAndAge", async () => {
      const keeper = accounts[CYCLE_KEEPER]!;
      await page.getByRole("link", { name: "Operators" }).click();
      await page.getByTestId("keeper-address").fill(keeper);
      await page.getByTestId("attestation-valid").filter({ hasText: /^yes$/ }).waitFor();
      const age = await page.getByTestId("attestation-age").innerText();
      const seconds = Number(/^(\d+) s ago$/.exec(age)?.[1]);
      assert.ok(seconds >= 0 && seconds < 120, `attestation age: ${age}`);
      assert.match(await page.getByTestId("attestation-expiry").innerText(), /^in 2[34]\.\d h$/);
      assert.equal(
        (await page.getByTestId("keeper-operator").innerText()).toLowerCase(),
        `${accounts[CYCLE_OPERATOR]!.slice(0, 6)}…${accounts[CYCLE_OPERATOR]!.slice(-4)}`.toLowerCase(),
      );
      await assertFitsWidth();
      await shot("10-operators-attested-keeper");
      await page.getByRole("link", { name: "Vault", exact: true }).click();
      await page.getByTestId("vault").waitFor();
    });

    it("vault_keeperProfitRaisesTheSharePriceAndLockersClaimTheirEarnShare", async () => {
      const user = accounts[USER]!;
      const from = await client.getBlockNumber();
      const priceBefore = await sharePrice(from);
      const earnedBefore = await call<bigint>(vault, "earned", [user], from);
      const lockedBefore = await call<bigint>(vault, "lockedProfit", [], from);
      // The keeper posts its receipt and repays the draw with 20 tUSD of profit.
      keeperReceipt = JSON.parse(await keeperCycle("repay", "--profit", "20")) as typeof keeperReceipt;
      assert.match(keeperReceipt.receiptId, /^[1-9]\d*$/);
      assert.match(keeperReceipt.cid, /^b[a-z2-7]+$/);
      // Profit unlocks linearly over a day: a day later the share price has moved by the profit that unlocked
      // meanwhile (what was still locked before, plus the depositors' part of every profit repaid in the window,
      // the cycle's and any of `npm start`'s keepers', minus what is still locked), less every loss, spread
      // over the shares (within the rounding of the vault's conversions).
      await advance(86_400);
      const at = await client.getBlockNumber();
      const priceAfter = await sharePrice(at);
      const splits = (await vaultEvents("ProfitSplit", from + 1n)).filter((e) => e.blockNumber <= at);
      // The capital book records the repayment; the vault books every loss (`LossBooked`) to depositors.
      const repaid = (await bookEvents("Repaid", from + 1n)).filter((e) => e.blockNumber <= at);
      const cycle = repaid.filter((e) => String(e.args.keeper).toLowerCase() === accounts[CYCLE_KEEPER]!.toLowerCase());
      assert.deepEqual(
        cycle.map((e) => [e.args.profit, e.args.shortfall]),
        [[20n * TUSD, 0n]],
      );
      const toDepositors = splits.reduce((a, e) => a + (e.args.toDepositors as bigint), 0n);
      const losses = (await vaultEvents("LossBooked", from + 1n))
        .filter((e) => e.blockNumber <= at)
        .reduce((a, e) => a + (e.args.amount as bigint), 0n);
      assert.ok(toDepositors > 0n);
      const supply = await call<bigint>(vault, "totalSupply", [], at);
      const unlocked = lockedBefore + toDepositors - (await call<bigint>(vault, "lockedProfit", [], at));
      const expected = ((unlocked - losses) * 10n ** BigInt(shareDecimals)) / supply;
      const rise = priceAfter - priceBefore;
      if (splits.length === 1 && losses === 0n && lockedBefore === 0n)
        assert.ok(
          priceAfter > priceBefore,
          `the cycle's profit raises the share price: ${priceBefore} -> ${priceAfter}`,
        );
      const tolerance = 2n + (expected < 0n ? -expected : expected) / 100n;
      assert.ok(rise - expected <= 2n && expected - rise <= tolerance, `rise ${rise}, expected about ${expected}`);
      await showsChain("share-price", async () => priceText(await sharePrice()));
      await page.getByTestId("tab-earn").click();
      const earnedAt = (await call<bigint>(vault, "earned", [user], at)) - earnedBefore;
      const toEarn = splits.reduce((a, e) => a + (e.args.toEarn as bigint), 0n);
      // The only locker earns the whole Earn share of the profits repaid in the window (less rounding).
      assert.ok(earnedAt <= toEarn && earnedAt * 1000n >= toEarn * 999n, `earned ${earnedAt} of ${toEarn}`);
      await page.getByTestId("earned").filter({ hasNotText: /^0 / }).waitFor();
      await shot("23-vault-profit-earned");
      const before = await balanceOf(user);
      const earned = await call<bigint>(vault, "earned", [user]);
      const claimFrom = await client.getBlockNumber();
      await page.getByTestId("claim").click();
      await page
        .locator('[data-testid="tx"][data-status="confirmed"]')
        .filter({ hasText: "Claim Earn yield" })
        .waitFor();
      // What was earned when the user clicked, plus anything the keepers' profits added until the claim was mined.
      const [claimed] = await vaultEvents("EarnClaimed", claimFrom + 1n, { account: user });
      assert.equal((await balanceOf(user)) - before, claimed!.args.assets);
      assert.ok((claimed!.args.assets as bigint) >= earned);
      await page.getByTestId("earned").filter({ hasText: /^0 / }).waitFor();
    });

    it("vault_lockCannotBeReleasedEarlyThenUnlocksAfterItsTier", async () => {
      await page.getByTestId("unlock-1").click();
      const early = page.locator('[data-testid="tx"][data-status="failed"]').filter({ hasText: "Unlock #1" });
      await early.waitFor();
      assert.match(await early.innerText(), /Lock #1 is still running: it can be unlocked from 20\d\d-/);
      await advance(30 * 86_400);
      await page.getByTestId("unlock-1").click();
      await page.locator('[data-testid="tx"][data-status="confirmed"]').filter({ hasText: "Unlock #1" }).waitFor();
      assert.equal(await call<bigint>(vault, "lockedShares", [accounts[USER]!]), 0n);
      await page.getByTestId("locked-shares").filter({ hasText: /^0 / }).waitFor();
    });

    it("operators_anAttestationOlderThanItsMaxAgeShowsExpired", async () => {
      // 31 days have passed on the chain since the keeper's attestation (max age: 1 day).
      await page.getByRole("link", { name: "Operators" }).click();
      await page.getByTestId("keeper-address").fill(accounts[CYCLE_KEEPER]!);
      await page.getByTestId("attestation-valid").filter({ hasText: /^no$/ }).waitFor();
      assert.match(await page.getByTestId("attestation-expiry").innerText(), /^3\d\.\d d ago$/);
      await shot("14-operators-attestation-expired");
      await page.getByRole("link", { name: "Vault", exact: true }).click();
      await page.getByTestId("vault").waitFor();
    });

    it("vault_pausedByTheGuardianShowsThePausedMessageAndRefusesDeposits", async () => {
      // The guardian (the deployer on a local chain) pauses the vault.
      await sendAs(accounts[0]!, vault, encodeFunctionData({ abi: vaultAbi, functionName: "pause" }));
      try {
        await page.getByTestId("vault-paused").waitFor();
        await page.getByTestId("tab-deposit").click();
        const before = await balanceOf(accounts[USER]!);
        await page.getByTestId("deposit-amount").fill("1");
        // Checked before the wallet is asked to sign the permit: `paused()` is read first.
        await page.getByTestId("permit-deposit").click();
        const failed = page
          .locator('[data-testid="tx"][data-status="failed"]')
          .filter({ hasText: "Permit and deposit 1 tUSD" });
        await failed.waitFor();
        assert.match(await failed.innerText(), /The vault is paused: deposits and keeper draws are stopped/);
        assert.equal(await balanceOf(accounts[USER]!), before);
        await assertFitsWidth();
        await shot("24-vault-paused");
      } finally {
        // Unpausing is governance's (the vault's owner, the timelock).
        await sendAsOwner(vault, encodeFunctionData({ abi: vaultAbi, functionName: "unpause" }));
      }
      await page.getByTestId("vault-paused").waitFor({ state: "detached" });
    });

    it("dashboard_readsTheChainAndNamesWhatIsMissing", async () => {
      const api = (await (await fetch(`${sys.appUrl}/api/dashboard`)).json()) as {
        chainId: number;
        head: { number: string };
        asset: { symbol: string; totalSupply: string } | null;
        vault: { sleeves: { name: string; assets: string }[] } | null;
        receipts: { count: number; latest: { id: number; cid: string; pnl: string }[] } | null;
        missing: string[];
      };
      assert.equal(api.chainId, 31337);
      // The keeper cycle's receipt, with the content id of its sealed trace (the keepers of `npm start`
      // post theirs beside it).
      const cycle = api.receipts?.latest.find((r) => r.id === Number(keeperReceipt.receiptId));
      assert.deepEqual(cycle && [cycle.cid, cycle.pnl], [keeperReceipt.cid, "5000000"]);
      assert.deepEqual(
        api.vault?.sleeves.map((x) => x.name),
        ["Market making", "Arbitrage", "Buffer"],
      );
      assert.equal(api.asset?.symbol, "tUSD");
      assert.notEqual(api.vault, null);
      assert.equal(api.missing.includes("StrategyVault"), false);
      assert.ok(BigInt(api.asset!.totalSupply) >= 20n * DEV_FUNDING + 2_500_500_000n);
      const bad = await fetch(`${sys.appUrl}/api/dashboard?points=1`);
      assert.equal(bad.status, 400);

      await page.getByRole("link", { name: "Risk" }).click();
      await page.getByTestId("dashboard").waitFor();
      await assertFitsWidth();
      await shot("04-dashboard");
    });

    it("dashboard_keeperModesSwitchesPnlAndSleevesDrawnFollowTheChain", async () => {
      type Activity = {
        keeper: string;
        mode: string;
        claims: number;
        switches: number;
        timeline: { mode: string; from: number; to: number }[];
        pnl: { strategy: string; pnl: string; draws: number; repaid: number; receiptPnl: string }[];
      };
      const api = (await (await fetch(`${sys.appUrl}/api/dashboard`)).json()) as {
        head: { number: string; timestamp: number };
        vault: { sleeves: { name: string; drawn: string; assets: string; target: string | null }[] };
        activity: { from: number; to: number; keepers: Activity[] } | null;
      };
      const head = BigInt(api.head.number);
      // Both keeper sleeves: drawn and assets as the vault reports them at the block the dashboard read.
      for (const s of [0, 1]) {
        assert.equal(BigInt(api.vault.sleeves[s]!.drawn), await call<bigint>(vault, "sleeveDrawn", [s], head));
        assert.equal(BigInt(api.vault.sleeves[s]!.assets), await call<bigint>(vault, "sleeveAssets", [s], head));
        assert.notEqual(api.vault.sleeves[s]!.target, null);
      }
      assert.ok(api.activity, "CampaignRegistry and KeeperCapital are deployed");
      const registry = deployment.contracts.CampaignRegistry!.address;
      const claimed = await client.getContractEvents({
        address: registry,
        abi: abis.CampaignRegistry,
        eventName: "CampaignClaimed",
        fromBlock: 0n,
        toBlock: head,
      });
      const drawn = (await bookEvents("Drawn", 0n)).filter((e) => e.blockNumber <= head);
      const repaid = (await bookEvents("Repaid", 0n)).filter((e) => e.blockNumber <= head);
      const liquidated = (await bookEvents("Liquidated", 0n)).filter((e) => e.blockNumber <= head);
      const byKeeper = new Map(api.activity.keepers.map((k) => [k.keeper.toLowerCase(), k]));
      for (const i of [...START_KEEPERS, CYCLE_KEEPER]) {
        const keeper = accounts[i]!.toLowerCase();
        const k = byKeeper.get(keeper);
        assert.ok(k, `keeper #${i} is listed`);
        // Every claim the registry recorded for it, and the capital book's PnL of its draws (returned − principal,
        // −owed when liquidated).
        assert.equal(
          k.claims,
          claimed.filter((e) => e.args.keeper!.toLowerCase() === keeper).length,
          `claims of #${i}`,
        );
        const draws = new Set(
          drawn.filter((e) => String(e.args.keeper).toLowerCase() === keeper).map((e) => e.args.drawId),
        );
        const pnl =
          repaid
            .filter((e) => draws.has(e.args.drawId!))
            .reduce((a, e) => a + (e.args.profit as bigint) - (e.args.shortfall as bigint), 0n) -
          liquidated.filter((e) => draws.has(e.args.drawId!)).reduce((a, e) => a + (e.args.owed as bigint), 0n);
        assert.equal(
          k.pnl.reduce((a, r) => a + BigInt(r.pnl), 0n),
          pnl,
          `PnL of #${i} across strategy types`,
        );
        assert.equal(
          k.pnl.reduce((a, r) => a + r.draws, 0),
          draws.size,
        );
        // The timeline covers the deployment to the head without gaps.
        assert.equal(k.timeline[0]!.from, api.activity.from);
        assert.equal(k.timeline.at(-1)!.to, api.activity.to);
        for (let j = 1; j < k.timeline.length; j++) assert.equal(k.timeline[j]!.from, k.timeline[j - 1]!.to);
      }
      // The cycle's keeper drew once for a market-making campaign and repaid it with 20 tUSD of profit; its receipt
      // reported 5 tUSD.
      const cycle = byKeeper.get(accounts[CYCLE_KEEPER]!.toLowerCase())!;
      assert.deepEqual(
        cycle.pnl.map((r) => [r.strategy, r.pnl, r.draws, r.repaid, r.receiptPnl]),
        [["marketMaking", String(20n * TUSD), 1, 1, "5000000"]],
      );
      assert.ok(cycle.timeline.some((t) => t.mode === "marketMaking"));
      // The page shows it.
      const card = page.getByTestId(`keeper-activity-${accounts[CYCLE_KEEPER]!.toLowerCase()}`);
      await card.waitFor();
      await card.locator('tr[data-strategy="marketMaking"]').filter({ hasText: "20 tUSD" }).waitFor();
      assert.match(await card.getByTestId("keeper-mode").innerText(), /^(Idle|Market making|Arbitrage|Rebalance)$/);
      await page.getByTestId("sleeve-0-drawn").waitFor();
      await page.getByTestId("sleeve-1-drawn").waitFor();
      await assertFitsWidth();
      await shot("04b-dashboard-keeper-modes");
    });

    it("operators_anOperatorStakesAndBindsAKeeper", async () => {
      const [operator, keeper] = [accounts[OPERATOR]!, accounts[BOUND_KEEPER]!];
      await page.getByRole("link", { name: "Operators" }).click();
      await selectAccount(OPERATOR);
      // Wait until the page has switched to the operator (the previous account also shows "0 tUSD" staked),
      // or the amount would be typed into the previous account's form.
      await page.locator(`[data-testid="keeper-address"][placeholder="${operator}" i]`).waitFor();
      await page
        .getByTestId("operator-stake")
        .filter({ hasText: /^0 tUSD$/ })
        .waitFor();
      await page.getByTestId("stake-amount").fill("1500");
      await page.getByTestId("stake-approve").click();
      await page
        .locator('[data-testid="tx"][data-status="confirmed"]')
        .filter({ hasText: "Approve 1500 tUSD" })
        .waitFor();
      await page.getByTestId("stake").click();
      await page
        .locator('[data-testid="tx"][data-status="confirmed"]')
        .filter({ hasText: "Stake 1500 tUSD" })
        .waitFor();
      await page
        .getByTestId("operator-stake")
        .filter({ hasText: /^1,500 tUSD$/ })
        .waitFor();
      assert.equal(await balanceOf(operator), DEV_FUNDING - 1_500n * TUSD);

      await page.getByTestId("propose-keeper").fill(keeper);
      await page.getByTestId("propose").click();
      await page.locator('[data-testid="tx"][data-status="confirmed"]').filter({ hasText: "Propose keeper" }).waitFor();
      await selectAccount(BOUND_KEEPER);
      await page.getByTestId("keeper-operator").filter({ hasText: "unregistered" }).waitFor();
      // Accepting an operator that did not propose this keeper: refused, with the reason.
      await page.getByTestId("accept-operator").fill(accounts[OTHER]!);
      await page.getByTestId("accept").click();
      const refused = page.locator('[data-testid="tx"][data-status="failed"]').filter({ hasText: "Accept operator" });
      await refused.waitFor();
      assert.match(await refused.innerText(), /has not proposed keeper .*: the operator proposes the keeper first\./);
      await page.getByTestId("accept-operator").fill(operator);
      await page.getByTestId("accept").click();
      await page
        .locator('[data-testid="tx"][data-status="confirmed"]')
        .filter({ hasText: "Accept operator" })
        .waitFor();
      await page
        .getByTestId("keeper-operator")
        .filter({ hasText: `${operator.slice(0, 6)}…` })
        .waitFor();
      await page.getByTestId("attestation-none").waitFor();
      await assertFitsWidth();
      await shot("05-operators");
    });

    it("operators_stakeAboveTheBalanceShowsInsufficientBalance", async () => {
      // The token's error surfaces from inside the oracle's transferFrom and is still decoded.
      await selectAccount(OTHER);
      await page
        .getByTestId("operator-stake")
        .filter({ hasText: /^0 tUSD$/ })
        .waitFor();
      await page.getByTestId("stake-amount").fill("2000000");
      await page.getByTestId("stake-approve").click();
      await page
        .locator('[data-testid="tx"][data-status="confirmed"]')
        .filter({ hasText: "Approve 2000000 tUSD" })
        .waitFor();
      await page.getByTestId("stake").click();
      const failed = page.locator('[data-testid="tx"][data-status="failed"]').filter({ hasText: "Stake 2000000 tUSD" });
      await failed.waitFor();
      assert.match(
        await failed.innerText(),
        /Insufficient balance: you have 1,000,000 tUSD, this needs 2,000,000 tUSD\./,
      );
      await shot("05b-operators-insufficient-balance");
    });

    it("dashboard_showsTheBoundKeepersSla", async () => {
      const api = (await (await fetch(`${sys.appUrl}/api/dashboard`)).json()) as {
        keepers: { keeper: string; operator: string; health: number; meanDelay: number | null }[] | null;
      };
      // `npm start`'s keepers (#1..#3, operators #5..#7), the cycle's (#8, operator #9) and the one bound
      // on the page (#15, operator #14).
      const pairs = (api.keepers ?? []).map((k) => `${k.keeper}>${k.operator}`.toLowerCase()).sort();
      const expected = [
        ...START_KEEPERS.map((i) => [i, i + 4]),
        [CYCLE_KEEPER, CYCLE_OPERATOR],
        [BOUND_KEEPER, OPERATOR],
      ].map(([k, o]) => `${accounts[k!]}>${accounts[o!]}`.toLowerCase());
      assert.deepEqual(pairs, expected.sort());
      const bound = api.keepers!.find((k) => k.keeper.toLowerCase() === accounts[BOUND_KEEPER]!.toLowerCase());
      assert.equal(bound!.meanDelay, null);
      await page.getByRole("link", { name: "Risk" }).click();
      await page.getByTestId("sla").waitFor();
      await assertFitsWidth();
      await shot("07-dashboard-sla-after-binding");
    });

    const ROI = stringToHex("roiThresholdBps", { size: 32 });
    const readParam = async (): Promise<bigint> =>
      client.readContract({
        address: deployment.contracts.Parameters!.address,
        abi: abis.IParameters,
        functionName: "get",
        args: [ROI],
      });

    it("governance_showsParametersAndBuildsAChangeProposal", async () => {
      await page.getByRole("link", { name: "Governance" }).click();
      const table = page.getByTestId("parameters");
      await table.waitFor();
      assert.match(await table.innerText(), /roiThresholdBps/);
      const proposed = (await readParam()) + 1_000n;
      await page.getByTestId("proposal-key").selectOption("roiThresholdBps");
      await page.getByTestId("proposal-value").fill(String(proposed));
      const calldata = await page.getByTestId("proposal-calldata").innerText();
      assert.equal(calldata, encodeFunctionData({ abi: abis.IParameters, functionName: "set", args: [ROI, proposed] }));
      await assertFitsWidth();
      await shot("06-governance");
    });

    it("governance_aParameterChangePassesThroughVoteQueueAndTimelockAndTheThresholdChanges", async () => {
      const user = accounts[USER]!;
      const initial = await readParam();
      const proposed = initial + 1_000n;
      const title = `Set roiThresholdBps to ${proposed}`;
      const votesText = async () => formatAmount(await call<bigint>(vault, "getVotes", [user]), 12, 4);
      // The depositor's votes must reach the quorum (a fraction of the supply): when `npm start`'s demo
      // depositor holds most shares, the depositor first tops its position up (through the node).
      const governor = deployment.contracts.VaultGovernor!.address;
      const clock = await client.readContract({ address: governor, abi: abis.VaultGovernor, functionName: "clock" });
      const quorum = await client.readContract({
        address: governor,
        abi: abis.VaultGovernor,
        functionName: "quorum",
        args: [BigInt(clock) - 1n],
      });
      const pastSupply = await call<bigint>(vault, "getPastTotalSupply", [BigInt(clock) - 1n]);
      const [supplyNow, mine] = [
        await call<bigint>(vault, "totalSupply", []),
        await call<bigint>(vault, "balanceOf", [user]),
      ];
      // Shares d such that mine + d >= (quorum / pastSupply) * (supplyNow + d), with a quarter more as margin.
      const missing = quorum * supplyNow - mine * pastSupply;
      if (missing > 0n) {
        const shares = (missing * 5n) / (4n * (pastSupply - quorum)) + 1n;
        const assets = (await call<bigint>(vault, "previewMint", [shares])) + TUSD;
        await sendAs(
          user,
          asset,
          encodeFunctionData({ abi: abis.TestStablecoin, functionName: "approve", args: [vault, assets] }),
        );
        await sendAs(user, vault, encodeFunctionData({ abi: vaultAbi, functionName: "deposit", args: [assets, user] }));
      }
      // The depositor delegates its shares' votes to itself, then proposes from the form.
      await selectAccount(USER);
      await page.getByTestId("delegate-self").click();
      await page
        .locator('[data-testid="tx"][data-status="confirmed"]')
        .filter({ hasText: "Delegate votes to yourself" })
        .waitFor();
      assert.equal(await call<bigint>(vault, "getVotes", [user]), await call<bigint>(vault, "balanceOf", [user]));
      await showsChain("votes", votesText);
      await page.getByTestId("proposal-key").selectOption("roiThresholdBps");
      await page.getByTestId("proposal-value").fill(String(proposed));
      await page.getByTestId("propose-change").click();
      await page
        .locator('[data-testid="tx"][data-status="confirmed"]')
        .filter({ hasText: `Propose: ${title}` })
        .waitFor();
      const proposal = page.getByTestId("proposal").filter({ hasText: title });
      await page.locator('[data-testid="proposal"][data-state="Pending"]').waitFor();
      assert.match(await proposal.innerText(), new RegExp(`Parameters\\.set roiThresholdBps → ${proposed}`));
      await shot("11-governance-proposal-pending");

      // Voting opens after the voting delay (1 hour-epoch, counted from the next epoch).
      await advance(2 * 3_600);
      await page.locator('[data-testid="proposal"][data-state="Active"]').waitFor();
      await page.getByTestId("vote-for").click();
      await page
        .locator('[data-testid="tx"][data-status="confirmed"]')
        .filter({ hasText: "Vote for on proposal" })
        .waitFor();
      const weight = formatAmount(await call<bigint>(vault, "balanceOf", [user]), 12, 2);
      await proposal
        .getByTestId("votes-for")
        .filter({ hasText: new RegExp(`^${weight.replace(/[.]/g, "\\.")}$`) })
        .waitFor();
      await shot("12-governance-voted");

      // The vote closes after 72 epochs: the proposal succeeded; queue it in the timelock.
      await advance(73 * 3_600);
      await page.locator('[data-testid="proposal"][data-state="Succeeded"]').waitFor();
      await page.getByTestId("queue").click();
      await page.locator('[data-testid="tx"][data-status="confirmed"]').filter({ hasText: "Queue proposal" }).waitFor();
      await page.locator('[data-testid="proposal"][data-state="Queued"]').waitFor();
      assert.equal(await readParam(), initial, "nothing changes before the timelock delay");

      // Executing before the timelock delay is refused with the reason; after it, the threshold changes.
      await page.getByTestId("execute").click();
      const early = page.locator('[data-testid="tx"][data-status="failed"]').filter({ hasText: "Execute proposal" });
      await early.waitFor();
      assert.match(
        await early.innerText(),
        /The timelock has not released this operation yet: its delay is still running/,
      );
      await advance(2 * 86_400 + 60);
      await page.getByTestId("execute").click();
      await page
        .locator('[data-testid="tx"][data-status="confirmed"]')
        .filter({ hasText: "Execute proposal" })
        .waitFor();
      await page.locator('[data-testid="proposal"][data-state="Executed"]').waitFor();
      assert.equal(await readParam(), proposed);
      governedRoi = proposed;
      await page
        .getByTestId("parameters")
        .locator("tr", { hasText: "roiThresholdBps" })
        .filter({ hasText: String(proposed) })
        .waitFor();
      await assertFitsWidth();
      await shot("13-governance-executed");
    });

    it("injectedWallet_wrongNetworkIsDetectedAndSwitchedInOneClick", async () => {
      const wallet = await sys.browser.newContext({ viewport: MOBILE });
      wallet.setDefaultTimeout(15_000);
      await wallet.addInitScript({ content: scriptedBrowserWallet(`${sys.appUrl}/api/rpc`, accounts[INJECTED]!) });
      const p = await wallet.newPage();
      try {
        await p.goto(sys.appUrl);
        await p.getByRole("button", { name: "Connect wallet" }).click();
        await p.getByRole("button", { name: "Browser wallet (injected)" }).click();
        const banner = p.getByTestId("wrong-network");
        await banner.waitFor();
        assert.match(await banner.innerText(), /on chain 1; this vault lives on the local chain \(chain 31337\)/);
        await p.screenshot({ path: join(RESULTS, "08-wrong-network.png"), fullPage: true });
        await p.getByRole("button", { name: "Switch to chain 31337" }).click();
        await banner.waitFor({ state: "detached" });
        await p
          .getByTestId("asset-balance")
          .filter({ hasText: /^1,000,000 tUSD$/ })
          .waitFor();

        // The user refuses to sign: the page says so, nothing is sent.
        await p.evaluate(() => ((window as unknown as { __wallet: { reject: boolean } }).__wallet.reject = true));
        await p.getByTestId("faucet-amount").fill("5");
        await p.getByTestId("faucet").click();
        const failed = p.locator('[data-testid="tx"][data-status="failed"]');
        await failed.waitFor();
        assert.match(await failed.innerText(), /You rejected the request in your wallet: nothing was sent\./);
        assert.equal(await balanceOf(accounts[INJECTED]!), DEV_FUNDING);
        await p.screenshot({ path: join(RESULTS, "09-rejected-signature.png"), fullPage: true });
      } finally {
        await wallet.close();
      }
    });

    it("permit_typedDataSignedByTheNodeIsAcceptedByTheToken", async () => {
      // The dev wallet's signing path (eth_signTypedData_v4 on the node) with the page's permit typed data.
      const [owner, spender] = [accounts[PERMIT_OWNER]!, accounts[PERMIT_SPENDER]!];
      const token = { address: asset, abi: abis.TestStablecoin } as const;
      const wallet = createWalletClient({ transport: http(sys.rpcUrl) });
      const [domain, nonce, block] = await Promise.all([
        client.readContract({ ...token, functionName: "eip712Domain" }),
        client.readContract({ ...token, functionName: "nonces", args: [owner] }),
        client.getBlock(),
      ]);
      const deadline = block.timestamp + 600n;
      const typed = permitTypedData(domain, { owner, spender, value: 123_000_000n, nonce, deadline });
      const sig = parseSignature(await wallet.signTypedData({ account: owner, ...typed }));
      const hash = await wallet.writeContract({
        ...token,
        functionName: "permit",
        args: [owner, spender, 123_000_000n, deadline, Number(sig.v), sig.r, sig.s],
        account: owner,
        chain: null,
      });
      assert.equal((await client.waitForTransactionReceipt({ hash })).status, "success");
      assert.equal(
        await client.readContract({ ...token, functionName: "allowance", args: [owner, spender] }),
        123_000_000n,
      );
    });

    it("rpcProxy_refusesMalformedRequests", async () => {
      const res = await fetch(`${sys.appUrl}/api/rpc`, {
        method: "POST",
        body: "{}",
        headers: { "content-type": "application/json" },
      });
      assert.equal(res.status, 400);
    });

    it("pages_meetTheLighthouseStyleBasicsAt390px", async () => {
      // Connected (the forms are shown), on every page: names, alt texts, lang, viewport, title, tap
      // targets, contrast, width.
      const found: string[] = [];
      for (const [path, ready] of [
        ["/", "vault"],
        ["/dashboard", "dashboard"],
        ["/operators", "keeper-address"],
        ["/governance", "parameters"],
      ] as const) {
        await page.goto(`${sys.appUrl}${path}`);
        await page.getByTestId(ready).waitFor();
        await page.getByTestId("dev-account").waitFor();
        found.push(...(await audit(page)).map((p) => `${path}: ${p}`));
      }
      assert.deepEqual(found, []);
    });

    it("keepers_recoveredFromTheTimeJumpsAndPickedUpTheGovernedThreshold", async () => {
      // 34 days of chain time were skipped: every keeper of `npm start` renewed its attestation through the
      // verifier, heartbeat again and is eligible for campaigns now, still ticks, and counts no new error.
      const keepers = START_KEEPERS.map((i) => accounts[i]!);
      const reputation = deployment.contracts.ReputationOracle!.address;
      const attestations = deployment.contracts.AttestationRegistry!.address;
      const eligible = async (k: `0x${string}`) =>
        (await client.readContract({
          address: reputation,
          abi: abis.ReputationOracle,
          functionName: "isEligible",
          args: [k],
        })) &&
        (await client.readContract({
          address: attestations,
          abi: abis.AttestationRegistry,
          functionName: "isAttested",
          args: [k],
        }));
      const deadline = Date.now() + 30_000;
      for (const k of keepers) {
        while (!(await eligible(k)) && Date.now() < deadline) await page.waitForTimeout(250);
        assert.ok(await eligible(k), `keeper ${k} is attested and eligible again`);
      }
      const metrics = async (port: number) => {
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        const sum = (name: string) =>
          text
            .split("\n")
            .filter((l) => l.startsWith(name))
            .reduce((acc, l) => acc + Number(l.split(" ").pop()), 0);
        return {
          ticks: sum("keeper_ticks_total"),
          errors: sum("keeper_errors_total"),
          beats: sum("keeper_heartbeats_total"),
          renewed: sum("keeper_attestations_renewed_total"),
        };
      };
      const ports = START_KEEPERS.map((_, i) => sys.portBase + 5 + i);
      const settled = Math.max(...jumps) + JUMP_SETTLE_MS - Date.now();
      if (settled > 0) await page.waitForTimeout(settled);
      const first = await Promise.all(ports.map(metrics));
      await page.waitForTimeout(2_000);
      const second = await Promise.all(ports.map(metrics));
      for (const [i, m] of second.entries()) {
        const name = `keeper${i + 1} ${JSON.stringify(m)}`;
        assert.ok(m.ticks > first[i]!.ticks, `${name} still ticks`);
        assert.equal(m.errors, first[i]!.errors, `${name} counts no new error`);
        assert.ok(m.beats >= 2, `${name} heartbeat again after the time jumps`);
        assert.ok(m.renewed >= 1, `${name} renewed its attestation`);
      }
      // Each keeper read the threshold governance changed.
      assert.ok(governedRoi > 0n);
      const log = sys.log();
      for (const n of [1, 2, 3])
        assert.match(
          log,
          new RegExp(
            `^\\[keeper${n}\\] \\{.*"changes":\\["roiThresholdBps=${governedRoi}"\\].*"parameters changed"`,
            "m",
          ),
        );
    });

    it("dashboard_keeperNodes_pauseAndAPositionLeftExposedByVenueFaultsShowFromTheKeepersOwnMetricsUntilFlat", async () => {
      const ids = START_KEEPERS.map((i) => accounts[i]!.toLowerCase());
      const card = (account: string) => page.locator(`[data-testid="keeper-node"][data-keeper="${account}"]`);
      const text = async (l: ReturnType<Page["locator"]>) => (await l.innerText().catch(() => "")).trim();
      await page.goto(`${sys.appUrl}/dashboard`);
      await page.getByTestId("keeper-nodes").waitFor();
      // Each of npm start's metrics endpoints maps to its keeper's account (keeper_info): flat and healthy.
      for (const [i, id] of ids.entries()) {
        const url = `http://127.0.0.1:${sys.portBase + 5 + i}/metrics`;
        await eventually(
          `keeper${i + 1}'s card read from ${url}`,
          async () => (await card(id).count()) === 1 && (await card(id).getAttribute("data-url")) === url,
        );
        assert.equal(await text(card(id).getByTestId("keeper-node-flat")), "No exposed position");
        await eventually(`keeper${i + 1} healthy`, async () =>
          (await text(card(id).getByTestId("keeper-node-health"))).startsWith("Health: healthy: "),
        );
      }
      // One card per endpoint; keepers bound by the tests themselves (#8, #15) have none configured and say so.
      assert.equal(await page.locator('[data-testid="keeper-node"]:not([data-url=""])').count(), 3);
      for (const other of await page.locator('[data-testid="keeper-node"][data-url=""]').all())
        assert.match(await other.innerText(), /no metrics endpoint configured for this keeper/);

      // `keeper pause` on keeper2's data dir: its card says why it is stopped, and no longer once resumed.
      const paused = card(ids[1]!).getByTestId("keeper-node-trading");
      const dataDir = join(sys.stateDir, "keeper2");
      await runScript("keeper/src/node/cli.ts", ["pause", "--data-dir", dataDir, "--reason", "e2e dashboard check"]);
      await eventually(
        "keeper2 shown paused",
        async () => (await text(paused)) === "Trading: stopped: paused by keeper pause: e2e dashboard check",
      );
      await shot("30-dashboard-keeper-paused");
      await runScript("keeper/src/node/cli.ts", ["resume", "--data-dir", dataDir]);
      await eventually("keeper2 shown resumed", async () => !(await text(paused)).includes("paused by keeper pause"));

      // A position left open by venue faults. While OKX's ETH/USDT is 40 bps down (20 s in every 90 s), the demo account bids
      // on Binance just under its best ask, so the gap pays more than minProfitBps: a keeper buys on OKX, then sells on
      // Binance. OKX fills one order (the keeper's buy) and refuses the rest (its unwind, then its flattening); Binance,
      // once the bid rests, refuses every order (the keeper's close and hedges).
      const sim = (venue: "binance" | "okx") => `http://127.0.0.1:${sys.portBase + (venue === "binance" ? 2 : 3)}`;
      const faults = async (venue: "binance" | "okx", config: object) => {
        const res = await fetch(`${sim(venue)}/sim/faults`, { method: "POST", body: JSON.stringify(config) });
        assert.equal(res.status, 200, `${venue} faults: ${await res.text()}`);
      };
      const refuse = { kind: "reject", endpoints: ["createOrder"] };
      const oneThenRefuse = {
        rules: [{ kind: "partialFill", fillRatio: 1, endpoints: ["createOrder"], maxTimes: 1 }, refuse],
      };
      const book = async (venue: "binance" | "okx") => {
        if (venue === "binance") {
          const b = (await (await fetch(`${sim(venue)}/api/v3/depth?symbol=ETHUSDT&limit=1`)).json()) as {
            bids: string[][];
            asks: string[][];
          };
          return { bid: parseUnits(b.bids[0]![0]!, 8), ask: parseUnits(b.asks[0]![0]!, 8) };
        }
        const o = (await (await fetch(`${sim(venue)}/api/v5/market/books?instId=ETH-USDT&sz=1`)).json()) as {
          data: { bids: string[][]; asks: string[][] }[];
        };
        return { bid: parseUnits(o.data[0]!.bids[0]![0]!, 8), ask: parseUnits(o.data[0]!.asks[0]![0]!, 8) };
      };
      const info = (await (await fetch(`${sim("binance")}/api/v3/exchangeInfo?symbol=ETHUSDT`)).json()) as {
        symbols: { filters: { filterType: string; tickSize?: string }[] }[];
      };
      const tick = parseUnits(info.symbols[0]!.filters.find((f) => f.filterType === "PRICE_FILTER")!.tickSize!, 8);
      /** A signed Binance-dialect request of the demo account alice (keys in the README). */
      const alice = async (method: "POST" | "DELETE", params: Record<string, string>) => {
        const query = new URLSearchParams({ ...params, timestamp: String(Date.now()), recvWindow: "10000" }).toString();
        const signature = createHmac("sha256", "sim-alice-secret").update(query).digest("hex");
        const res = await fetch(`${sim("binance")}/api/v3/order?${query}&signature=${signature}`, {
          method,
          headers: { "X-MBX-APIKEY": "sim-alice-api-key" },
        });
        return { status: res.status, body: (await res.json()) as { orderId?: number; code?: number; msg?: string } };
      };
      const bids: number[] = [];
      const exposedNow = async () =>
        (
          (await (await fetch(`${sys.appUrl}/api/keeper-nodes`)).json()) as { nodes: { exposures: unknown[] }[] }
        ).nodes.some((n) => n.exposures.length > 0);
      const window: [number, number] = [Date.now(), Infinity];
      faultWindows.push(window);
      const alert = page.getByTestId("exposure-alert");
      try {
        let armed = 0;
        await eventually(
          "a keeper's exposed position on the dashboard",
          async () => {
            if ((await alert.count()) > 0) return true;
            // (Re-)armed at most every 20 s while no keeper holds an exposure, during OKX's down phase.
            if (Date.now() - armed < 20_000 || (await exposedNow())) return false;
            const [b, o] = [await book("binance"), await book("okx")];
            if (o.ask * 10_000n > b.ask * 9_980n) return false; // OKX not 20 bps below Binance yet
            await faults("okx", oneThenRefuse);
            await faults("binance", {});
            armed = Date.now();
            const placed = await alice("POST", {
              symbol: "ETHUSDT",
              side: "BUY",
              type: "LIMIT",
              timeInForce: "GTC",
              quantity: "1",
              price: formatUnits(b.ask - tick, 8),
            });
            assert.equal(placed.status, 200, `the demo bid: ${JSON.stringify(placed.body)}`);
            bids.push(placed.body.orderId!);
            await faults("binance", { rules: [refuse] });
            return false;
          },
          150_000,
        );
        assert.equal(await alert.count(), 1, "one position left open");
        const keeper = (await alert.getAttribute("data-keeper"))!;
        const n = ids.indexOf(keeper) + 1;
        assert.ok(n > 0, `the exposure is mapped to one of npm start's keepers (${keeper})`);
        // The keeper's own error line names the same position as the dashboard (the figure is the live keeper's).
        const logged = new RegExp(
          `^\\[keeper${n}\\] \\{.*"level":50,.*"msg":"exposed: ([0-9.]+) ETH left open on (okx|binance) by campaign`,
          "m",
        ).exec(sys.log());
        assert.ok(logged, `keeper${n} logged the exposure at error level`);
        const venue = logged[2]!;
        const size = `${formatAmount(parseUnits(logged[1]!, 18), 18, 6)} ETH long on ${venue} (ETH/USDT)`;
        assert.equal(
          (await alert.innerText()).trim(),
          `Exposed: ${size}, keeper ${shortAddress(keeper)} (keeper${n}); its ETH/USDT campaigns are blocked until flat`,
        );
        assert.equal(await text(card(keeper).getByTestId("keeper-node-exposure")), `Exposed: ${size}`);
        await assertFitsWidth();
        await shot("31-dashboard-exposed");

        // Faults off: the keeper flattens the position (an IOC sell) and the line goes.
        await faults("okx", {});
        await faults("binance", {});
        await eventually("the exposure line gone once flat", async () => (await alert.count()) === 0, 60_000);
        assert.equal(await text(card(keeper).getByTestId("keeper-node-flat")), "No exposed position");
        // Flat, or what is left (a fee's worth) below the venue's minimum order.
        const flat = `"msg":"exposure on ${venue} ETH/USDT (is below the venue's minimum: )?flat"`;
        assert.match(sys.log(), new RegExp(`^\\[keeper${n}\\] \\{.*${flat}`, "m"));
        await shot("32-dashboard-flat-again");
      } finally {
        await faults("okx", {});
        await faults("binance", {});
        // The demo bids that are left (filled ones are unknown orders by now).
        for (const orderId of bids) {
          const r = await alice("DELETE", { symbol: "ETHUSDT", orderId: String(orderId) });
          assert.ok(r.status === 200 || r.body.code === -2011, `cancel ${orderId}: ${JSON.stringify(r.body)}`);
        }
        window[1] = Date.now() + JUMP_SETTLE_MS;
      }
    });

    it("npmStart_stopsOnCtrlCWithNoProcessLeftAndItsServicesLoggedNoErrorOutsideTimeJumps", async (t) => {
      await context.close();
      stopReport = await sys.stop();
      assert.deepEqual(stopReport.strays, [], "no process of the run is left after npm start exits");
      // As after Ctrl-C in a terminal: npm exits by SIGINT once its script (scripts/start.ts) has stopped.
      assert.ok(
        stopReport.exitCode === 0 || stopReport.signal === "SIGINT",
        `npm start: ${JSON.stringify(stopReport)}`,
      );
      const log = readFileSync(START_LOG, "utf8").split("\n");
      assert.ok(log.includes("[start] stopped"));
      // Keepers log JSON (pino): level 50 is error, 60 fatal. A keeper transaction in flight when the test
      // moves the chain's clock by days may fail (its campaign's deadline or its attestation passed under it);
      // such errors are allowed only within JUMP_SETTLE_MS after a jump (the keeper recovers, as the test above
      // checked), or, at any time, for a campaign whose claim deadline a jump skipped over (the keeper logs its lost
      // receipt whenever it next steps that campaign). Services print "[start] x exited" when one stops on its own.
      const lapsed = new Set<string>();
      const afterJump = (l: string) => {
        const t = Date.parse(/"time":"([^"]+)"/.exec(l)?.[1] ?? "");
        return (
          jumps.some((j) => t >= j && t <= j + JUMP_SETTLE_MS) ||
          faultWindows.some(([from, to]) => t >= from && t <= to) ||
          lapsedByJump(l, lapsed)
        );
      };
      const keeperErrors = log.filter((l) => /^\[(keeper\d|verifier)\] \{.*"level":(5\d|6\d)/.test(l));
      const errors = [
        ...keeperErrors.filter((l) => !afterJump(l)),
        ...log.filter(
          (l) =>
            /^\[start\] (chain|sim|app|verifier|keeper\d) exited with code [^0]/.test(l) || /^\[start\] error/.test(l),
        ),
      ];
      t.diagnostic(
        `keeper/verifier errors within ${JUMP_SETTLE_MS} ms after a time jump or during injected venue faults: ${keeperErrors.filter(afterJump).length}`,
      );
      assert.deepEqual(errors, []);
    });
  },
);

/**
 * A browser wallet (what MetaMask injects as `window.ethereum`), scripted for the test: it starts on
 * chain 1, switches chain on request, forwards reads and transactions to the local node through the
 * app's RPC proxy, and refuses to sign when `window.__wallet.reject` is set (the user clicking Reject).
 * Plain JavaScript in a string: it runs in the page, where the test's compiled helpers do not exist.
 */
function scriptedBrowserWallet(rpcUrl: string, account: string): string {
  return `(() => {
  const listeners = new Map();
  const state = { chainId: "0x1", reject: false };
  const emit = (event, arg) => (listeners.get(event) || new Set()).forEach((fn) => fn(arg));
  const provider = {
    isMetaMask: true,
    async request({ method, params }) {
      if (method === "eth_requestAccounts" || method === "eth_accounts") return [${JSON.stringify(account)}];
      if (method === "eth_chainId") return state.chainId;
      if (method === "wallet_switchEthereumChain") {
        state.chainId = params[0].chainId;
        emit("chainChanged", state.chainId);
        return null;
      }
      if (method === "wallet_requestPermissions" || method === "wallet_getPermissions")
        return [{ parentCapability: "eth_accounts" }];
      if (method === "eth_sendTransaction" && state.reject)
        throw Object.assign(new Error("User rejected the request."), { code: 4001 });
      if (method.startsWith("wallet_")) return null;
      const res = await fetch(${JSON.stringify(rpcUrl)}, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: params || [] }),
      });
      const body = await res.json();
      if (body.error) throw Object.assign(new Error(body.error.message), body.error);
      return body.result;
    },
    on(event, fn) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(fn);
    },
    removeListener(event, fn) {
      (listeners.get(event) || new Set()).delete(fn);
    },
  };
  window.ethereum = provider;
  window.__wallet = state;
})();`;
}

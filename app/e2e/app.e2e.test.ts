import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import {
  createPublicClient,
  createWalletClient,
  decodeFunctionResult,
  encodeFunctionData,
  http,
  parseAbi,
  parseSignature,
  stringToHex,
} from "viem";
import { abis, vaultAbi } from "../src/generated/contracts";
import { permitTypedData } from "../src/lib/permit";
import { RESULTS, ROOT, rpc, runScript, startSystem, type System } from "./harness";

const KEEPER_WORKDIR = join(RESULTS, "keeper-cycle");

const MOBILE = { width: 390, height: 844 };
const erc20 = parseAbi(["function balanceOf(address) view returns (uint256)"]);

let sys: System;
let context: BrowserContext;
let page: Page;
let asset: `0x${string}`;
let vault: `0x${string}`;
let deployment: { contracts: Record<string, { address: `0x${string}` }> };
/** The share price the page shows right after the first deposit. */
let sharePriceAtDeposit = "";
/** What `keeper-cycle.ts repay` printed: the posted receipt and its content id. */
let keeperReceipt = { receiptId: "", cid: "" };
let accounts: `0x${string}`[];

async function balanceOf(account: `0x${string}`): Promise<bigint> {
  const data = encodeFunctionData({ abi: erc20, functionName: "balanceOf", args: [account] });
  return BigInt(await rpc<string>(sys.rpcUrl, "eth_call", [{ to: asset, data }, "latest"]));
}

async function call<T>(to: `0x${string}`, functionName: string, args: unknown[]): Promise<T> {
  const data = encodeFunctionData({ abi: vaultAbi, functionName, args } as never);
  const raw = await rpc<`0x${string}`>(sys.rpcUrl, "eth_call", [{ to, data }, "latest"]);
  return decodeFunctionResult({ abi: vaultAbi, functionName, data: raw } as never) as T;
}

/** Advances the local chain's clock by `seconds` and mines a block. */
async function advance(seconds: number): Promise<void> {
  await rpc(sys.rpcUrl, "evm_increaseTime", [seconds]);
  await rpc(sys.rpcUrl, "evm_mine");
}

/** Sends a transaction from one of the node's accounts (what the guardian or a keeper does off the page). */
async function sendAs(from: `0x${string}`, to: `0x${string}`, data: `0x${string}`): Promise<void> {
  const hash = await rpc<string>(sys.rpcUrl, "eth_sendTransaction", [{ from, to, data }]);
  const receipt = await rpc<{ status: string }>(sys.rpcUrl, "eth_getTransactionReceipt", [hash]);
  assert.equal(receipt.status, "0x1", `transaction ${hash} reverted`);
}

/** One step of `scripts/keeper-cycle.ts` (keeper #8, operator #9) against the test chain; its JSON line. */
async function keeperCycle(step: string, ...args: string[]): Promise<string> {
  return runScript("scripts/keeper-cycle.ts", [
    "--rpc",
    sys.rpcUrl,
    "--network",
    "e2e",
    "--workdir",
    KEEPER_WORKDIR,
    step,
    ...args,
  ]);
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(RESULTS, `${name}.png`), fullPage: true });
}

/** Usable at 390 px: nothing wider than the viewport (no sideways scrolling). */
async function assertFitsWidth(): Promise<void> {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= MOBILE.width, `page is ${width}px wide at ${MOBILE.width}px`);
}

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

describe("web app end to end (chromium, local chain, real deploy)", { timeout: 120_000 }, () => {
  before(async () => {
    rmSync(RESULTS, { recursive: true, force: true }); // Screenshots of this run only.
    sys = await startSystem();
    deployment = JSON.parse(readFileSync(join(ROOT, "deployments", "e2e.json"), "utf8")) as typeof deployment;
    asset = deployment.contracts.DepositAsset!.address;
    vault = deployment.contracts.StrategyVault!.address;
    accounts = await rpc<`0x${string}`[]>(sys.rpcUrl, "eth_accounts");
    context = await sys.browser.newContext({ viewport: MOBILE });
    context.setDefaultTimeout(15_000);
    page = await context.newPage();
  });

  // The page as it was at the end of every test: what a failure looked like.
  afterEach(async (t) => {
    await page?.screenshot({ path: join(RESULTS, "last", `${t.name}.png`), fullPage: true }).catch(() => undefined);
  });

  after(async () => {
    await context?.close();
    await sys?.stop();
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
    await page.getByTestId("asset-balance").filter({ hasText: "1,000,000 tUSD" }).waitFor();
  });

  it("devWallet_reconnectsAfterReload", async () => {
    await page.reload();
    await page.getByTestId("dev-account").waitFor();
    await page.getByTestId("asset-balance").filter({ hasText: "1,000,000 tUSD" }).waitFor();
  });

  it("faucet_mintsAndTheBalanceChanges", async () => {
    const before = await balanceOf(accounts[0]!);
    await page.getByTestId("faucet-amount").fill("2500.5");
    await page.getByTestId("faucet").click();
    await page
      .locator('[data-testid="tx"][data-status="confirmed"]')
      .filter({ hasText: "Faucet 2500.5 tUSD" })
      .waitFor();
    await page.getByTestId("asset-balance").filter({ hasText: "1,002,500.5 tUSD" }).waitFor();
    assert.equal((await balanceOf(accounts[0]!)) - before, 2_500_500_000n);
    await assertFitsWidth();
    await shot("02-faucet-confirmed");
  });

  it("faucet_aboveTheMintLimitShowsTheDecodedReason", async () => {
    const before = await balanceOf(accounts[0]!);
    await page.getByTestId("faucet-amount").fill("20000000000");
    await page.getByTestId("faucet").click();
    const failed = page.locator('[data-testid="tx"][data-status="failed"]');
    await failed.waitFor();
    assert.match(await failed.innerText(), /The faucet gives at most 10,000,000,000 tUSD per request\./);
    assert.equal(await balanceOf(accounts[0]!), before);
    await shot("03-faucet-refused");
  });

  it("devWallet_switchesAccount", async () => {
    await page.getByTestId("dev-account").selectOption({ index: 1 });
    await page
      .getByTestId("asset-balance")
      .filter({ hasText: /^1,000,000 tUSD$/ })
      .waitFor();
    await page.getByTestId("faucet-amount").fill("1");
    await page.getByTestId("faucet").click();
    await page.locator('[data-testid="tx"][data-status="confirmed"]').filter({ hasText: "Faucet 1 tUSD" }).waitFor();
    assert.equal(await balanceOf(accounts[1]!), 1_000_001_000_000n);
  });

  it("vault_permitDepositInOneTransactionShowsPreviewThenSharesAndBalanceChange", async () => {
    await page.getByTestId("vault").waitFor();
    const assetsBefore = await balanceOf(accounts[1]!);
    await page.getByTestId("deposit-amount").fill("1000");
    await page.getByTestId("deposit-preview").filter({ hasText: "You receive ≈" }).waitFor();
    // No allowance: the page offers the one-transaction permit deposit (`depositWithPermit`).
    await page.getByTestId("permit-deposit").click();
    await page
      .locator('[data-testid="tx"][data-status="confirmed"]')
      .filter({ hasText: "Permit and deposit 1000 tUSD" })
      .waitFor();
    assert.equal(assetsBefore - (await balanceOf(accounts[1]!)), 1_000_000_000n);
    const shares = await call<bigint>(vault, "balanceOf", [accounts[1]!]);
    assert.ok(shares > 0n);
    await page.getByTestId("vault-shares").filter({ hasText: "1,000 " }).waitFor();
    await page
      .getByTestId("asset-balance")
      .filter({ hasText: /^999,001 tUSD$/ })
      .waitFor();
    sharePriceAtDeposit = await page.getByTestId("share-price").innerText();
    assert.equal(sharePriceAtDeposit, "1 tUSD");
    await shot("20-vault-deposited");
  });

  it("vault_approveThenDepositAlsoWorks", async () => {
    await page.getByTestId("deposit-amount").fill("5");
    await page.getByTestId("approve").click();
    await page.locator('[data-testid="tx"][data-status="confirmed"]').filter({ hasText: "Approve 5 tUSD" }).waitFor();
    await page.getByTestId("deposit").click();
    await page.locator('[data-testid="tx"][data-status="confirmed"]').filter({ hasText: "Deposit 5 tUSD" }).waitFor();
    await page.getByTestId("vault-shares").filter({ hasText: "1,005 " }).waitFor();
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
    assert.equal(await call<bigint>(vault, "lockedShares", [accounts[1]!]), 100n * 10n ** 12n);
    await page.getByTestId("locked-shares").filter({ hasText: /^100 / }).waitFor();
    await page.getByTestId("unlock-1").waitFor();
    await shot("22-vault-locked");
  });

  it("vault_withdrawalAboveWhatTheBufferHoldsAfterAKeeperDrawShowsTheDecodedReason", async () => {
    // A keeper is onboarded through the trust layer and draws 200 tUSD of market-making capital.
    await keeperCycle("onboard");
    await keeperCycle("draw", "--amount", "200");
    const max = await call<bigint>(vault, "maxWithdraw", [accounts[1]!]);
    const unlocked = (await call<bigint>(vault, "balanceOf", [accounts[1]!])) - 100n * 10n ** 12n;
    const value = await call<bigint>(vault, "convertToAssets", [unlocked]);
    assert.equal(max, 805_000_000n, "what is not drawn stays liquid: 1,005 - 200");
    assert.ok(value > max, "the user's unlocked shares are worth more than the vault holds liquid");
    await page.getByTestId("tab-withdraw").click();
    await page.getByTestId("withdraw-amount").fill("900");
    await page.getByText("Above what the buffer holds for you now (805 tUSD)").waitFor();
    await page.getByTestId("withdraw").click();
    const failed = page.locator('[data-testid="tx"][data-status="failed"]').filter({ hasText: "Withdraw 900" });
    await failed.waitFor();
    assert.match(
      await failed.innerText(),
      /Withdrawal above what the buffer holds: you asked for 900 tUSD, at most 805 tUSD can be withdrawn now \(the buffer and undrawn sleeve capital/,
    );
    await shot("21-vault-withdraw-above-buffer");
  });

  it("vault_withdrawReturnsAssets", async () => {
    const before = await balanceOf(accounts[1]!);
    await page.getByTestId("withdraw-amount").fill("10");
    await page.getByTestId("withdraw-preview").filter({ hasText: "Burns ≈" }).waitFor();
    await page.getByTestId("withdraw").click();
    await page.locator('[data-testid="tx"][data-status="confirmed"]').filter({ hasText: "Withdraw 10 tUSD" }).waitFor();
    assert.equal((await balanceOf(accounts[1]!)) - before, 10_000_000n);
    await page.getByTestId("vault-shares").filter({ hasText: "995 " }).waitFor();
  });

  it("operators_anAttestedKeeperShowsItsAttestationStatusAndAge", async () => {
    const keeper = accounts[8]!;
    await page.getByRole("link", { name: "Operators" }).click();
    await page.getByTestId("keeper-address").fill(keeper);
    await page.getByTestId("attestation-valid").filter({ hasText: /^yes$/ }).waitFor();
    const age = await page.getByTestId("attestation-age").innerText();
    const seconds = Number(/^(\d+) s ago$/.exec(age)?.[1]);
    assert.ok(seconds >= 0 && seconds < 120, `attestation age: ${age}`);
    assert.match(await page.getByTestId("attestation-expiry").innerText(), /^in 2[34]\.\d h$/);
    assert.equal(
      (await page.getByTestId("keeper-operator").innerText()).toLowerCase(),
      `${accounts[9]!.slice(0, 6)}…${accounts[9]!.slice(-4)}`.toLowerCase(),
    );
    await assertFitsWidth();
    await shot("10-operators-attested-keeper");
    await page.getByRole("link", { name: "Vault", exact: true }).click();
    await page.getByTestId("vault").waitFor();
  });

  it("vault_keeperProfitRaisesTheSharePriceAndLockersClaimTheirEarnShare", async () => {
    // The keeper posts its receipt and repays the draw with 20 tUSD of profit.
    keeperReceipt = JSON.parse(await keeperCycle("repay", "--profit", "20")) as typeof keeperReceipt;
    assert.equal(keeperReceipt.receiptId, "1");
    assert.match(keeperReceipt.cid, /^b[a-z2-7]+$/);
    // Profit unlocks linearly over a day: a day later the share price is higher.
    await advance(86_400);
    await page.getByTestId("share-price").filter({ hasNotText: sharePriceAtDeposit }).waitFor();
    const price = Number((await page.getByTestId("share-price").innerText()).replace(/[^\d.]/g, ""));
    assert.ok(price > 1 && price < 1.02, `share price ${price}`);
    await page.getByTestId("tab-earn").click();
    const earned = await call<bigint>(vault, "earned", [accounts[1]!]);
    assert.ok(earned > 1_900_000n, `the only locker earns the Earn share (10 %) of the profit: ${earned}`);
    await page.getByTestId("earned").filter({ hasNotText: /^0 / }).waitFor();
    await shot("23-vault-profit-earned");
    const before = await balanceOf(accounts[1]!);
    await page.getByTestId("claim").click();
    await page.locator('[data-testid="tx"][data-status="confirmed"]').filter({ hasText: "Claim Earn yield" }).waitFor();
    assert.equal((await balanceOf(accounts[1]!)) - before, earned);
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
    assert.equal(await call<bigint>(vault, "lockedShares", [accounts[1]!]), 0n);
    await page.getByTestId("locked-shares").filter({ hasText: /^0 / }).waitFor();
  });

  it("operators_anAttestationOlderThanItsMaxAgeShowsExpired", async () => {
    // 31 days have passed on the chain since the keeper's attestation (max age: 1 day).
    await page.getByRole("link", { name: "Operators" }).click();
    await page.getByTestId("keeper-address").fill(accounts[8]!);
    await page.getByTestId("attestation-valid").filter({ hasText: /^no$/ }).waitFor();
    assert.match(await page.getByTestId("attestation-expiry").innerText(), /^3\d\.\d d ago$/);
    await shot("14-operators-attestation-expired");
    await page.getByRole("link", { name: "Vault", exact: true }).click();
    await page.getByTestId("vault").waitFor();
  });

  it("vault_pausedByTheGuardianShowsThePausedMessageAndRefusesDeposits", async () => {
    // The guardian (the deployer on a local chain) pauses the vault.
    await sendAs(accounts[0]!, vault, encodeFunctionData({ abi: vaultAbi, functionName: "pause" }));
    await page.getByTestId("vault-paused").waitFor();
    await page.getByTestId("tab-deposit").click();
    const before = await balanceOf(accounts[1]!);
    await page.getByTestId("deposit-amount").fill("1");
    // Checked before the wallet is asked to sign the permit: `paused()` is read first.
    await page.getByTestId("permit-deposit").click();
    const failed = page
      .locator('[data-testid="tx"][data-status="failed"]')
      .filter({ hasText: "Permit and deposit 1 tUSD" });
    await failed.waitFor();
    assert.match(await failed.innerText(), /The vault is paused: deposits and keeper draws are stopped/);
    assert.equal(await balanceOf(accounts[1]!), before);
    await assertFitsWidth();
    await shot("24-vault-paused");
    await sendAs(accounts[0]!, vault, encodeFunctionData({ abi: vaultAbi, functionName: "unpause" }));
    await page.getByTestId("vault-paused").waitFor({ state: "detached" });
  });

  it("dashboard_readsTheChainAndNamesWhatIsMissing", async () => {
    const api = (await (await fetch(`${sys.appUrl}/api/dashboard`)).json()) as {
      chainId: number;
      head: { number: string };
      asset: { symbol: string; totalSupply: string } | null;
      vault: { sleeves: { name: string; assets: string }[] } | null;
      receipts: { latest: { id: number; cid: string; pnl: string }[] } | null;
      missing: string[];
    };
    assert.equal(api.chainId, 31337);
    // The keeper cycle's receipt, with the content id of its sealed trace.
    assert.deepEqual(
      api.receipts?.latest.map((r) => [r.id, r.cid, r.pnl]),
      [[1, keeperReceipt.cid, "5000000"]],
    );
    assert.deepEqual(
      api.vault?.sleeves.map((x) => x.name),
      ["Market making", "Arbitrage", "Buffer"],
    );
    assert.equal(api.asset?.symbol, "tUSD");
    assert.notEqual(api.vault, null);
    assert.equal(api.missing.includes("StrategyVault"), false);
    assert.ok(BigInt(api.asset!.totalSupply) >= 20n * 1_000_000n * 10n ** 6n + 2_500_500_000n);
    const bad = await fetch(`${sys.appUrl}/api/dashboard?points=1`);
    assert.equal(bad.status, 400);

    await page.getByRole("link", { name: "Risk" }).click();
    await page.getByTestId("dashboard").waitFor();
    await assertFitsWidth();
    await shot("04-dashboard");
  });

  it("operators_anOperatorStakesAndBindsAKeeper", async () => {
    const [operator, keeper] = [accounts[5]!, accounts[6]!];
    await page.getByRole("link", { name: "Operators" }).click();
    await page.getByTestId("dev-account").selectOption({ index: 5 });
    // Wait until the page has switched to account #5 (the previous account also shows "0 tUSD" staked),
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
    await page.locator('[data-testid="tx"][data-status="confirmed"]').filter({ hasText: "Stake 1500 tUSD" }).waitFor();
    await page
      .getByTestId("operator-stake")
      .filter({ hasText: /^1,500 tUSD$/ })
      .waitFor();
    assert.equal(await balanceOf(operator), 1_000_000n * 10n ** 6n - 1_500_000_000n);

    await page.getByTestId("propose-keeper").fill(keeper);
    await page.getByTestId("propose").click();
    await page.locator('[data-testid="tx"][data-status="confirmed"]').filter({ hasText: "Propose keeper" }).waitFor();
    await page.getByTestId("dev-account").selectOption({ index: 6 });
    await page.getByTestId("keeper-operator").filter({ hasText: "unregistered" }).waitFor();
    // Accepting an operator that did not propose this keeper: refused, with the reason.
    await page.getByTestId("accept-operator").fill(accounts[7]!);
    await page.getByTestId("accept").click();
    const refused = page.locator('[data-testid="tx"][data-status="failed"]').filter({ hasText: "Accept operator" });
    await refused.waitFor();
    assert.match(await refused.innerText(), /has not proposed keeper .*: the operator proposes the keeper first\./);
    await page.getByTestId("accept-operator").fill(operator);
    await page.getByTestId("accept").click();
    await page.locator('[data-testid="tx"][data-status="confirmed"]').filter({ hasText: "Accept operator" }).waitFor();
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
    await page.getByTestId("dev-account").selectOption({ index: 7 });
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
    // The keeper of the cycle (#8, operator #9) and the one bound on the page (#6, operator #5).
    assert.equal(api.keepers?.length, 2);
    const bound = api.keepers.find((k) => k.keeper.toLowerCase() === accounts[6]!.toLowerCase());
    assert.equal(bound?.operator.toLowerCase(), accounts[5]!.toLowerCase());
    assert.equal(bound!.meanDelay, null);
    await page.getByRole("link", { name: "Risk" }).click();
    await page.getByTestId("sla").waitFor();
    await assertFitsWidth();
    await shot("07-dashboard-sla-after-binding");
  });

  it("governance_showsParametersAndBuildsAChangeProposal", async () => {
    await page.getByRole("link", { name: "Governance" }).click();
    const table = page.getByTestId("parameters");
    await table.waitFor();
    assert.match(await table.innerText(), /roiThresholdBps/);
    await page.getByTestId("proposal-key").selectOption("roiThresholdBps");
    await page.getByTestId("proposal-value").fill("16000");
    const calldata = await page.getByTestId("proposal-calldata").innerText();
    assert.equal(
      calldata,
      encodeFunctionData({
        abi: abis.IParameters,
        functionName: "set",
        args: [stringToHex("roiThresholdBps", { size: 32 }), 16_000n],
      }),
    );
    await assertFitsWidth();
    await shot("06-governance");
  });

  it("governance_aParameterChangePassesThroughVoteQueueAndTimelockAndTheThresholdChanges", async () => {
    const key = stringToHex("roiThresholdBps", { size: 32 });
    const parameters = deployment.contracts.Parameters!.address;
    const readParam = async () =>
      decodeFunctionResult({
        abi: abis.IParameters,
        functionName: "get",
        data: await rpc<`0x${string}`>(sys.rpcUrl, "eth_call", [
          { to: parameters, data: encodeFunctionData({ abi: abis.IParameters, functionName: "get", args: [key] }) },
          "latest",
        ]),
      });
    assert.equal(await readParam(), 15_000n);
    // The depositor (#1) delegates its shares' votes to itself, then proposes from the form.
    await page.getByTestId("dev-account").selectOption({ index: 1 });
    await page.getByTestId("delegate-self").click();
    await page
      .locator('[data-testid="tx"][data-status="confirmed"]')
      .filter({ hasText: "Delegate votes to yourself" })
      .waitFor();
    await page.getByTestId("votes").filter({ hasText: "995" }).waitFor();
    await page.getByTestId("proposal-key").selectOption("roiThresholdBps");
    await page.getByTestId("proposal-value").fill("16000");
    await page.getByTestId("propose-change").click();
    await page
      .locator('[data-testid="tx"][data-status="confirmed"]')
      .filter({ hasText: "Propose: Set roiThresholdBps to 16000" })
      .waitFor();
    const proposal = page.getByTestId("proposal").filter({ hasText: "Set roiThresholdBps to 16000" });
    await page.locator('[data-testid="proposal"][data-state="Pending"]').waitFor();
    assert.match(await proposal.innerText(), /Parameters\.set roiThresholdBps → 16000/);
    await shot("11-governance-proposal-pending");

    // Voting opens after the voting delay (1 hour-epoch, counted from the next epoch).
    await advance(2 * 3_600);
    await page.locator('[data-testid="proposal"][data-state="Active"]').waitFor();
    await page.getByTestId("vote-for").click();
    await page
      .locator('[data-testid="tx"][data-status="confirmed"]')
      .filter({ hasText: "Vote for on proposal" })
      .waitFor();
    await proposal.getByTestId("votes-for").filter({ hasText: "995" }).waitFor();
    await shot("12-governance-voted");

    // The vote closes after 72 epochs: the proposal succeeded; queue it in the timelock.
    await advance(73 * 3_600);
    await page.locator('[data-testid="proposal"][data-state="Succeeded"]').waitFor();
    await page.getByTestId("queue").click();
    await page.locator('[data-testid="tx"][data-status="confirmed"]').filter({ hasText: "Queue proposal" }).waitFor();
    await page.locator('[data-testid="proposal"][data-state="Queued"]').waitFor();
    assert.equal(await readParam(), 15_000n, "nothing changes before the timelock delay");

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
    await page.locator('[data-testid="tx"][data-status="confirmed"]').filter({ hasText: "Execute proposal" }).waitFor();
    await page.locator('[data-testid="proposal"][data-state="Executed"]').waitFor();
    assert.equal(await readParam(), 16_000n);
    await page
      .getByTestId("parameters")
      .locator("tr", { hasText: "roiThresholdBps" })
      .filter({ hasText: "16000" })
      .waitFor();
    await assertFitsWidth();
    await shot("13-governance-executed");
  });

  it("injectedWallet_wrongNetworkIsDetectedAndSwitchedInOneClick", async () => {
    const wallet = await sys.browser.newContext({ viewport: MOBILE });
    wallet.setDefaultTimeout(15_000);
    await wallet.addInitScript({ content: scriptedBrowserWallet(`${sys.appUrl}/api/rpc`, accounts[2]!) });
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
      assert.equal(await balanceOf(accounts[2]!), 1_000_000n * 10n ** 6n);
      await p.screenshot({ path: join(RESULTS, "09-rejected-signature.png"), fullPage: true });
    } finally {
      await wallet.close();
    }
  });

  it("permit_typedDataSignedByTheNodeIsAcceptedByTheToken", async () => {
    // The dev wallet's signing path (eth_signTypedData_v4 on the node) with the page's permit typed data.
    const [owner, spender] = [accounts[3]!, accounts[4]!];
    const token = { address: asset, abi: abis.TestStablecoin } as const;
    const client = createPublicClient({ transport: http(sys.rpcUrl) });
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
});

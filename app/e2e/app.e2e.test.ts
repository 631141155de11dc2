import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import { encodeFunctionData, parseAbi } from "viem";
import { RESULTS, ROOT, rpc, startSystem, type System } from "./harness";

const MOBILE = { width: 390, height: 844 };
const erc20 = parseAbi(["function balanceOf(address) view returns (uint256)"]);

let sys: System;
let context: BrowserContext;
let page: Page;
let asset: `0x${string}`;
let accounts: `0x${string}`[];

async function balanceOf(account: `0x${string}`): Promise<bigint> {
  const data = encodeFunctionData({ abi: erc20, functionName: "balanceOf", args: [account] });
  return BigInt(await rpc<string>(sys.rpcUrl, "eth_call", [{ to: asset, data }, "latest"]));
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(RESULTS, `${name}.png`), fullPage: true });
}

/** Usable at 390 px: nothing wider than the viewport (no sideways scrolling). */
async function assertFitsWidth(): Promise<void> {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= MOBILE.width, `page is ${width}px wide at ${MOBILE.width}px`);
}

describe("web app end to end (chromium, local chain, real deploy)", { timeout: 120_000 }, () => {
  before(async () => {
    sys = await startSystem();
    const deployment = JSON.parse(readFileSync(join(ROOT, "deployments", "e2e.json"), "utf8")) as {
      contracts: Record<string, { address: `0x${string}` }>;
    };
    asset = deployment.contracts.DepositAsset!.address;
    accounts = await rpc<`0x${string}`[]>(sys.rpcUrl, "eth_accounts");
    context = await sys.browser.newContext({ viewport: MOBILE });
    context.setDefaultTimeout(15_000);
    page = await context.newPage();
  });

  after(async () => {
    await context?.close();
    await sys?.stop();
  });

  it("vaultPage_showsVaultNotDeployedBeforeTheVaultExists", async () => {
    await page.goto(sys.appUrl);
    await page.getByTestId("vault-missing").waitFor();
    assert.match(await page.getByTestId("vault-missing").innerText(), /not deployed on this network \(e2e, chain 31337\)/);
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

  it("faucet_mintsAndTheBalanceChanges", async () => {
    const before = await balanceOf(accounts[0]!);
    await page.getByTestId("faucet-amount").fill("2500.5");
    await page.getByTestId("faucet").click();
    await page.locator('[data-testid="tx"][data-status="confirmed"]').filter({ hasText: "Faucet 2500.5 tUSD" }).waitFor();
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
    await page.getByTestId("asset-balance").filter({ hasText: /^1,000,000 tUSD$/ }).waitFor();
    await page.getByTestId("faucet-amount").fill("1");
    await page.getByTestId("faucet").click();
    await page.locator('[data-testid="tx"][data-status="confirmed"]').filter({ hasText: "Faucet 1 tUSD" }).waitFor();
    assert.equal(await balanceOf(accounts[1]!), 1_000_001_000_000n);
  });

  it("dashboard_readsTheChainAndNamesWhatIsMissing", async () => {
    const api = (await (await fetch(`${sys.appUrl}/api/dashboard`)).json()) as {
      chainId: number;
      head: { number: string };
      asset: { symbol: string; totalSupply: string } | null;
      vault: unknown;
      missing: string[];
    };
    assert.equal(api.chainId, 31337);
    assert.equal(api.asset?.symbol, "tUSD");
    assert.equal(api.vault, null);
    assert.ok(api.missing.includes("StrategyVault"));
    assert.ok(BigInt(api.asset!.totalSupply) >= 20n * 1_000_000n * 10n ** 6n + 2_500_500_000n);
    const bad = await fetch(`${sys.appUrl}/api/dashboard?points=1`);
    assert.equal(bad.status, 400);

    await page.getByRole("link", { name: "Risk" }).click();
    await page.getByTestId("dashboard").waitFor();
    assert.match(await page.getByTestId("dashboard-missing").innerText(), /StrategyVault/);
    await assertFitsWidth();
    await shot("04-dashboard");
  });

  it("operatorsAndGovernance_degradeClearlyWithoutTheirContracts", async () => {
    await page.getByRole("link", { name: "Operators" }).click();
    await page.getByTestId("missing-ReputationOracle").first().waitFor();
    await assertFitsWidth();
    await shot("05-operators");
    await page.getByRole("link", { name: "Governance" }).click();
    await page.getByTestId("missing-Parameters").waitFor();
    await assertFitsWidth();
    await shot("06-governance");
  });

  it("rpcProxy_refusesMalformedRequests", async () => {
    const res = await fetch(`${sys.appUrl}/api/rpc`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
    assert.equal(res.status, 400);
  });
});

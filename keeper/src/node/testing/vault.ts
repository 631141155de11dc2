/**
 * Test support: the vault side of a local system as the keeper end-to-end tests need it: a depositor (development
 * account #10 by default) deposits into the `StrategyVault`, and the capital book's reference feed prices the
 * simulated BTC/USDT market (flat 30 000, as `startKeeperSimulation` quotes it), so keepers can draw capital.
 */
import {
  KeeperCapital__factory,
  MockV3Aggregator__factory,
  StrategyVault__factory,
  TestStablecoin__factory,
  type KeeperCapital,
  type StrategyVault,
} from "../../../../types/ethers-contracts/index.js";
import type { EvmChainAdapter } from "../../chain/evm.js";
import type { LocalSystem } from "../../chain/testing/local-system.js";

/** One unit of the deposit asset (6 decimals). */
export const USD = 10n ** 6n;

/** Reference price of the simulated market, 8 decimals (the feed's). */
export const SIM_BTC_PRICE = 30_000n * 10n ** 8n;

export interface FundedVault {
  /** The vault and the capital book, connected to the depositor. */
  vault: StrategyVault;
  book: KeeperCapital;
  depositor: EvmChainAdapter;
}

/** The depositor deposits `amount` (deposit-asset base units) and the feed is set to `price` (8 decimals). */
export async function fundVault(
  sys: LocalSystem,
  amount: bigint,
  depositorIndex = 10,
  price = SIM_BTC_PRICE,
): Promise<FundedVault> {
  const depositor = await sys.adapter(depositorIndex);
  const signer = depositor.sender.signer;
  const vault = StrategyVault__factory.connect(sys.addresses.vault!, signer);
  await (await TestStablecoin__factory.connect(sys.addresses.asset, signer).approve(vault, amount)).wait();
  await (await vault.deposit(amount, depositor.account)).wait();
  const book = KeeperCapital__factory.connect(sys.addresses.capitalBook!, signer);
  const feed = MockV3Aggregator__factory.connect(await book.priceFeed(), signer);
  await (await feed.updateAnswer(price)).wait();
  return { vault, book, depositor };
}

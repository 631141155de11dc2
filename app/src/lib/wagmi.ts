import { defineChain, type Chain } from "viem";
import { cookieStorage, createConfig, createStorage, http, type CreateConnectorFn } from "wagmi";
import { injected } from "wagmi/connectors";
import { devWallet } from "./devWallet";
import { RPC_MAX_BATCH } from "./rpc";

/** What `getConfig` needs to know about the page's target chain. */
export interface ChainTarget {
  chainId: number;
  network: string;
  local: boolean;
  rpcUrl: string;
}

/** The page's chain as a viem chain (RPC through the app's /api/rpc proxy). */
export function targetChain(t: ChainTarget): Chain {
  return defineChain({
    id: t.chainId,
    name: t.local ? `Local chain (${t.network})` : t.network,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [t.rpcUrl] } },
    testnet: t.local,
  });
}

/**
 * wagmi configuration (playground style factory): one chain, the injected wallet everywhere, the
 * development wallet on local chains only, cookie storage so the server renders the connected state.
 */
export function getConfig(t: ChainTarget) {
  const chain = targetChain(t);
  const connectors: CreateConnectorFn[] = t.local ? [devWallet({ rpcUrl: t.rpcUrl }), injected()] : [injected()];
  return createConfig({
    chains: [chain],
    connectors,
    storage: createStorage({ storage: cookieStorage }),
    ssr: true,
    pollingInterval: t.local ? 500 : 4_000,
    // Batches stay within what the app's `/api/rpc` proxy forwards (`RPC_MAX_BATCH` calls): the governance page reads
    // every parameter and its bounds at once, more than one batch holds.
    transports: { [chain.id]: http(t.rpcUrl, { batch: { batchSize: RPC_MAX_BATCH } }) },
  });
}

declare module "wagmi" {
  interface Register {
    config: ReturnType<typeof getConfig>;
  }
}

import { getAddress, RpcRequestError, SwitchChainError, type Address, type EIP1193RequestFn, type Hex } from "viem";
import { createConnector } from "wagmi";

const STORAGE_KEY = "vsv.devWallet.account";

/** Extra methods of the development wallet: list the node's accounts and pick one. */
export type DevWalletProperties = {
  listAccounts(): Promise<readonly Address[]>;
  selectAccount(account: Address): Promise<void>;
};

export interface DevWalletParameters {
  /** JSON-RPC endpoint of the local node (through the app's /api/rpc proxy). */
  rpcUrl: string;
}

devWallet.type = "devWallet" as const;

/**
 * A wallet for local chains only: the node's unlocked accounts sign (`eth_sendTransaction`,
 * `eth_signTypedData_v4` go to the node). One account is active at a time; the choice is kept in
 * localStorage. Never offered on a real network (the /api/rpc proxy also refuses signing there).
 */
export function devWallet({ rpcUrl }: DevWalletParameters) {
  let active: Address | undefined;
  let connected = false;
  let nextId = 1;

  async function rpc<T>(method: string, params: unknown = []): Promise<T> {
    const body = { jsonrpc: "2.0", id: nextId++, method, params };
    const res = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as { result?: T; error?: { code: number; message: string; data?: unknown } };
    if (json.error) throw new RpcRequestError({ body, error: json.error, url: rpcUrl });
    return json.result as T;
  }

  function stored(): Address | undefined {
    if (typeof localStorage === "undefined") return undefined;
    const v = localStorage.getItem(STORAGE_KEY);
    return v && /^0x[0-9a-fA-F]{40}$/.test(v) ? getAddress(v) : undefined;
  }

  return createConnector<{ request: EIP1193RequestFn }, DevWalletProperties>((config) => {
    async function nodeAccounts(): Promise<readonly Address[]> {
      return (await rpc<Hex[]>("eth_accounts")).map((a) => getAddress(a));
    }
    async function chainId(): Promise<number> {
      return Number(BigInt(await rpc<Hex>("eth_chainId")));
    }
    const provider = {
      request: (async ({ method, params }: { method: string; params?: unknown }) => {
        if (method === "eth_accounts" || method === "eth_requestAccounts") return active ? [active] : [];
        if (method === "wallet_switchEthereumChain") {
          const wanted = Number(BigInt((params as [{ chainId: Hex }])[0].chainId));
          if (wanted !== (await chainId()))
            throw new SwitchChainError(new Error(`the local node is chain ${await chainId()}`));
          return null;
        }
        return rpc(method, params ?? []);
      }) as EIP1193RequestFn,
    };

    return {
      id: "devWallet",
      name: "Development wallet (local node)",
      type: devWallet.type,
      async setup() {},
      async connect({ withCapabilities } = {}) {
        const accounts = await nodeAccounts();
        if (accounts.length === 0) throw new Error("the local node has no unlocked accounts");
        const remembered = stored();
        active = remembered && accounts.includes(remembered) ? remembered : accounts[0]!;
        connected = true;
        const list = withCapabilities ? [{ address: active, capabilities: {} }] : [active];
        return { accounts: list as never, chainId: await chainId() };
      },
      async disconnect() {
        connected = false;
      },
      async getAccounts() {
        return connected && active ? [active] : [];
      },
      async getChainId() {
        return chainId();
      },
      async getProvider() {
        return provider;
      },
      async isAuthorized() {
        // Reconnect after a reload when this wallet was used last (wagmi keeps that in its storage).
        const last = await config.storage?.getItem("recentConnectorId");
        if (last !== "devWallet") return false;
        const accounts = await nodeAccounts().catch(() => [] as readonly Address[]);
        const remembered = stored();
        active = remembered && accounts.includes(remembered) ? remembered : accounts[0];
        connected = active !== undefined;
        return connected;
      },
      async switchChain({ chainId: wanted }) {
        const chain = config.chains.find((c) => c.id === wanted);
        if (!chain || wanted !== (await chainId()))
          throw new SwitchChainError(new Error(`the development wallet only serves the local node`));
        return chain;
      },
      onAccountsChanged(accounts) {
        if (accounts.length === 0) this.onDisconnect();
        else config.emitter.emit("change", { accounts: accounts.map((a) => getAddress(a)) });
      },
      onChainChanged(chain) {
        config.emitter.emit("change", { chainId: Number(chain) });
      },
      async onDisconnect() {
        connected = false;
        config.emitter.emit("disconnect");
      },
      async listAccounts() {
        return nodeAccounts();
      },
      async selectAccount(account: Address) {
        const accounts = await nodeAccounts();
        if (!accounts.includes(account)) throw new Error(`${account} is not an account of the local node`);
        active = account;
        localStorage.setItem(STORAGE_KEY, account);
        config.emitter.emit("change", { accounts: [account] });
      },
    };
  });
}

/**
 * ccxt constructor options that point an unmodified ccxt exchange class at a simulated venue: only
 * the URLs change (every Binance API root is rewritten to the simulator's base URL, keeping its path).
 * The options only spare `loadMarkets` requests for derivatives and currencies; without them ccxt works
 * too (the simulator answers those with empty lists).
 */
import ccxt from "ccxt";
import type { AccountConfig } from "./scenario.js";

export interface CcxtSimConfig {
  apiKey: string;
  secret: string;
  password?: string;
  urls: { api: Record<string, string> };
  options: Record<string, unknown>;
  enableRateLimit?: boolean;
  timeout?: number;
}

let binanceApiUrls: Record<string, string> | undefined;

/** Options for `new ccxt.binance(...)` or `new ccxt.okx(...)` talking to the simulator at `baseUrl`. */
export function ccxtSimConfig(
  dialect: "binance" | "okx",
  baseUrl: string,
  account: Pick<AccountConfig, "apiKey" | "secret" | "passphrase">,
): CcxtSimConfig {
  const base = baseUrl.replace(/\/+$/, "");
  if (dialect === "okx")
    return {
      apiKey: account.apiKey,
      secret: account.secret,
      password: account.passphrase,
      urls: { api: { rest: base } },
      options: { fetchMarkets: { types: ["spot"] } },
    };
  binanceApiUrls ??= new ccxt.binance().urls["api"] as Record<string, string>;
  const api: Record<string, string> = {};
  for (const [k, v] of Object.entries(binanceApiUrls)) api[k] = v.replace(/^https?:\/\/[^/]+/, base);
  return {
    apiKey: account.apiKey,
    secret: account.secret,
    urls: { api },
    options: { fetchMarkets: { types: ["spot"] }, fetchCurrencies: false, fetchMargins: false },
  };
}

/**
 * Scenario format for the exchange simulator, validated with zod: assets, markets with their price
 * path (GBM with drift, volatility and jumps), venues (dialect, fees, liquidity, scripted price gaps,
 * faults) and the accounts funded on every venue. Seeded: the same scenario replays identically.
 */
import { z } from "zod";
import { ConfigError } from "../errors.js";

const decimal = z.string().regex(/^\d+(\.\d+)?$/, 'a non-negative decimal string such as "0.01"');

/** Logical operations of a venue, whatever the dialect; fault rules and rate limits refer to them. */
export const ENDPOINTS = [
  "ping",
  "time",
  "markets",
  "currencies",
  "orderBook",
  "ticker",
  "createOrder",
  "cancelOrder",
  "cancelAllOrders",
  "getOrder",
  "openOrders",
  "allOrders",
  "balance",
  "tradingFee",
  "myTrades",
] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

const endpoints = z.array(z.enum(ENDPOINTS)).min(1).optional();
const ruleBase = {
  /** Chance that a matching request triggers the fault (seeded per venue). */
  probability: z.number().min(0).max(1).default(1),
  /** Only requests to these endpoints (default: all). */
  endpoints,
  /** Fire at most this many times. */
  maxTimes: z.number().int().positive().optional(),
};

export const faultRuleSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("http5xx"),
    ...ruleBase,
    status: z.number().int().min(500).max(599).default(503),
  }),
  z.object({ kind: z.literal("rateLimit"), ...ruleBase, retryAfterSeconds: z.number().int().min(0).default(1) }),
  z.object({
    kind: z.literal("timeout"),
    ...ruleBase,
    /** `afterExecute`: the order is placed, only the answer is lost (the case idempotency guards). */
    mode: z.enum(["beforeExecute", "afterExecute"]).default("beforeExecute"),
    /** How long the server holds the connection before dropping it. */
    hangMs: z.number().int().positive().default(30_000),
  }),
  z.object({ kind: z.literal("reject"), ...ruleBase }),
  z.object({ kind: z.literal("partialFill"), ...ruleBase, fillRatio: z.number().min(0).max(1).default(0.5) }),
]);
export type FaultRule = z.infer<typeof faultRuleSchema>;

export const faultsSchema = z
  .object({
    /** Added latency per request, uniform in [min, max] ms. */
    latencyMs: z
      .object({ min: z.number().min(0), max: z.number().min(0) })
      .refine((l) => l.max >= l.min, "latencyMs.max must be >= latencyMs.min")
      .default({ min: 0, max: 0 }),
    rules: z.array(faultRuleSchema).default([]),
    /** Token-bucket request limit per API key (or IP for public calls); unset = unlimited. */
    rateLimit: z
      .object({
        capacity: z.number().int().positive(),
        refillPerSecond: z.number().positive(),
        /** After this many 429s inside one ban window, the client is banned (Binance: HTTP 418). */
        banAfterViolations: z.number().int().positive().default(5),
        banMs: z.number().int().positive().default(10_000),
      })
      .optional(),
  })
  .default({ latencyMs: { min: 0, max: 0 }, rules: [] });
export type FaultsConfig = z.infer<typeof faultsSchema>;

export const marketSchema = z.object({
  base: z.string().regex(/^[A-Z0-9]{2,10}$/),
  quote: z.string().regex(/^[A-Z0-9]{2,10}$/),
  tickSize: decimal,
  stepSize: decimal,
  minQty: decimal.optional(),
  minNotional: decimal.optional(),
  /** Fair price at step 0. */
  initialPrice: z.number().positive(),
  /** Annualised GBM volatility (0.6 = 60 %) and drift. */
  volatility: z.number().min(0).default(0.6),
  drift: z.number().default(0),
  /** Compound-Poisson jumps in log price: expected count per day and normal size in bps. */
  jumps: z
    .object({ perDay: z.number().min(0), meanBps: z.number(), stdBps: z.number().min(0) })
    .default({ perDay: 0, meanBps: 0, stdBps: 0 }),
});

export const liquiditySchema = z.object({
  /** Price levels per side that the background maker posts around the venue's mid. */
  levels: z.number().int().min(1).max(200).default(10),
  halfSpreadBps: z.number().min(0).default(5),
  spacingBps: z.number().positive().default(5),
  /** Quantity at the best level (base units), multiplied by (1 + growth)^i at level i. */
  qtyPerLevel: decimal,
  growth: z.number().min(0).default(0.25),
});
export type LiquidityConfig = z.infer<typeof liquiditySchema>;

export const flowSchema = z
  .object({
    /** Expected market orders per step (Poisson), each buy or sell with equal chance. */
    ordersPerStep: z.number().min(0).max(100),
    /** Order size, uniform between qtyMin and qtyMax (base units, floored to the step). */
    qtyMin: decimal,
    qtyMax: decimal,
  })
  .refine((f) => Number(f.qtyMax) >= Number(f.qtyMin), "qtyMax must be >= qtyMin");
export type FlowConfig = z.infer<typeof flowSchema>;

export const venueSchema = z.object({
  name: z.string().regex(/^[a-z0-9-]{1,32}$/),
  dialect: z.enum(["binance", "okx"]),
  /** Fees in basis points of the amount received (10 = 0.1 %). */
  makerFeeBps: z.number().min(0).max(1000).default(10),
  takerFeeBps: z.number().min(0).max(1000).default(10),
  /** Constant offset of this venue's mid from the fair price. */
  priceOffsetBps: z.number().default(0),
  /**
   * Scripted gaps: between fromStep (inclusive) and toStep (exclusive) the venue's mid moves by bps;
   * with repeatEvery the window recurs (the step is taken modulo repeatEvery).
   */
  gaps: z
    .array(
      z
        .object({
          market: z.string(),
          fromStep: z.number().int().min(0),
          toStep: z.number().int().min(1),
          bps: z.number(),
          repeatEvery: z.number().int().positive().optional(),
        })
        .refine((g) => g.toStep > g.fromStep, "gap toStep must be > fromStep")
        .refine((g) => g.repeatEvery === undefined || g.repeatEvery >= g.toStep, "repeatEvery must be >= toStep"),
    )
    .default([]),
  /** Background liquidity per market symbol ("BTC/USDT"); markets without an entry get no maker. */
  liquidity: z.record(z.string(), liquiditySchema).default({}),
  /** Background taker flow per market symbol: seeded market orders after each step's refill. */
  flow: z.record(z.string(), flowSchema).default({}),
  faults: faultsSchema,
  clientOrderIdScope: z.enum(["open", "all"]).default("open"),
});
export type VenueConfig = z.infer<typeof venueSchema>;

export const accountSchema = z.object({
  name: z.string().regex(/^[a-z0-9-]{1,32}$/),
  apiKey: z.string().min(8),
  secret: z.string().min(8),
  /** OKX passphrase. */
  passphrase: z.string().min(1),
  /** Starting balances (decimal strings) on every venue. */
  balances: z.record(z.string(), decimal),
});
export type AccountConfig = z.infer<typeof accountSchema>;

export const scenarioSchema = z
  .object({
    name: z.string().default("scenario"),
    seed: z.number().int(),
    /** Simulated time per step (ms): the dt of the price path. */
    stepMs: z.number().int().positive().default(1000),
    assets: z.array(
      z.object({ code: z.string().regex(/^[A-Z0-9]{2,10}$/), decimals: z.number().int().min(0).max(18) }),
    ),
    markets: z.array(marketSchema).min(1),
    venues: z.array(venueSchema).min(1),
    accounts: z.array(accountSchema).default([]),
  })
  .superRefine((s, ctx) => {
    const assets = new Set(s.assets.map((a) => a.code));
    const symbols = new Set(s.markets.map((m) => `${m.base}/${m.quote}`));
    for (const m of s.markets)
      for (const code of [m.base, m.quote])
        if (!assets.has(code)) ctx.addIssue({ code: "custom", message: `market asset ${code} is not in assets` });
    for (const v of s.venues) {
      for (const g of v.gaps)
        if (!symbols.has(g.market))
          ctx.addIssue({ code: "custom", message: `venue ${v.name}: gap on unknown market ${g.market}` });
      for (const sym of Object.keys(v.liquidity))
        if (!symbols.has(sym))
          ctx.addIssue({ code: "custom", message: `venue ${v.name}: liquidity for unknown market ${sym}` });
    }
    const names = new Set<string>();
    for (const v of s.venues) {
      if (names.has(v.name)) ctx.addIssue({ code: "custom", message: `duplicate venue name ${v.name}` });
      names.add(v.name);
    }
    const keys = new Set<string>();
    for (const a of s.accounts) {
      if (keys.has(a.apiKey)) ctx.addIssue({ code: "custom", message: `duplicate apiKey of account ${a.name}` });
      keys.add(a.apiKey);
      for (const code of Object.keys(a.balances))
        if (!assets.has(code)) ctx.addIssue({ code: "custom", message: `account ${a.name}: unknown asset ${code}` });
    }
  });
export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;

/** Validates a scenario; throws a ConfigError listing every problem with its path. */
export function parseScenario(input: unknown): Scenario {
  const r = scenarioSchema.safeParse(input);
  if (!r.success)
    throw new ConfigError("invalid simulator scenario", {
      details: r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; "),
    });
  return r.data;
}

/** Demo accounts of the default scenario; their keys are public by design (README). */
export const DEMO_ACCOUNTS: AccountConfig[] = [
  {
    name: "alice",
    apiKey: "sim-alice-api-key",
    secret: "sim-alice-secret",
    passphrase: "sim-alice-pass",
    balances: { BTC: "10", ETH: "100", USDT: "1000000" },
  },
  {
    name: "bob",
    apiKey: "sim-bob-api-key",
    secret: "sim-bob-secret",
    passphrase: "sim-bob-pass",
    balances: { BTC: "10", ETH: "100", USDT: "1000000" },
  },
];

/**
 * The default demo: BTC/USDT and ETH/USDT on a Binance-dialect and an OKX-dialect venue, background
 * liquidity on both, and a scripted 40 bps gap on OKX's BTC/USDT so arbitrage shows up.
 *
 * It gives makers the edge a real venue gives them: maker fees (2 bps) far below taker fees (10 bps),
 * and background takers (Poisson market orders, uninformed) that cross whatever rests at the touch,
 * the keeper's quotes included. The background maker's half-spread (4 bps on BTC, 5 bps on ETH) leaves
 * room inside it for a keeper's quotes that cover the maker fee and one step's adverse selection.
 */
export function defaultScenario(seed = 42): Scenario {
  return parseScenario({
    name: "demo",
    seed,
    stepMs: 1000,
    assets: [
      { code: "BTC", decimals: 8 },
      { code: "ETH", decimals: 8 },
      { code: "USDT", decimals: 8 },
    ],
    markets: [
      {
        base: "BTC",
        quote: "USDT",
        tickSize: "0.01",
        stepSize: "0.00001",
        minNotional: "5",
        initialPrice: 60_000,
        volatility: 0.6,
        jumps: { perDay: 4, meanBps: 0, stdBps: 80 },
      },
      {
        base: "ETH",
        quote: "USDT",
        tickSize: "0.01",
        stepSize: "0.0001",
        minNotional: "5",
        initialPrice: 3_000,
        volatility: 0.8,
      },
    ],
    venues: [
      {
        name: "binance",
        dialect: "binance",
        makerFeeBps: 2,
        takerFeeBps: 10,
        liquidity: {
          "BTC/USDT": { levels: 10, halfSpreadBps: 4, spacingBps: 3, qtyPerLevel: "0.5" },
          "ETH/USDT": { levels: 10, halfSpreadBps: 5, spacingBps: 4, qtyPerLevel: "5" },
        },
        flow: {
          "BTC/USDT": { ordersPerStep: 1, qtyMin: "0.001", qtyMax: "0.1" },
          "ETH/USDT": { ordersPerStep: 1, qtyMin: "0.01", qtyMax: "1" },
        },
      },
      {
        name: "okx",
        dialect: "okx",
        makerFeeBps: 2,
        takerFeeBps: 10,
        gaps: [{ market: "BTC/USDT", fromStep: 30, toStep: 90, bps: 40, repeatEvery: 300 }],
        liquidity: {
          "BTC/USDT": { levels: 10, halfSpreadBps: 4, spacingBps: 3, qtyPerLevel: "0.4" },
          "ETH/USDT": { levels: 10, halfSpreadBps: 5, spacingBps: 4, qtyPerLevel: "4" },
        },
        flow: {
          "BTC/USDT": { ordersPerStep: 1, qtyMin: "0.001", qtyMax: "0.1" },
          "ETH/USDT": { ordersPerStep: 1, qtyMin: "0.01", qtyMax: "1" },
        },
      },
    ],
    accounts: DEMO_ACCOUNTS,
  });
}

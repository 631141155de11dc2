import { readFileSync } from "node:fs";
import { z } from "zod";
import { ConfigError } from "../errors.js";
import { auditConfigSchema } from "../audit/config.js";
import { paperConfigSchema } from "../paper/config.js";
import { storeConfigSchema } from "../recording/store/config.js";
import { DEFAULT_RISK_LIMITS_CONFIG, riskLimitsSchema } from "../execution/limits.js";

/** Default of `risk.maxExposureWaitSeconds`: 15 minutes. */
export const DEFAULT_MAX_EXPOSURE_WAIT_SECONDS = 900;

const hex = (bytes: number) => new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`);

/** One exchange the keeper trades on (a ccxt exchange id and, for the local simulator, its base URL). */
export const venueConfigSchema = z.strictObject({
  /** Lower-case, at most 31 characters: traces record it as the leaf's `venue` (bytes32). */
  id: z
    .string()
    .max(31)
    .regex(/^[a-z0-9][a-z0-9._:-]*$/, "must be lower-case [a-z0-9._:-], at most 31 characters"),
  exchange: z.enum(["binance", "okx"]),
  /** Rewrites ccxt's API URLs (local simulator); omitted for the real exchange. */
  baseUrl: z.url().optional(),
  /** Name of the entry in the encrypted credentials file. */
  credentials: z.string().min(1),
});

/**
 * Standing arbitrage windows (docs/SPECIFICATION.md "Keeper node / Standing arbitrage window"). Off by default: a
 * window holds `drawAmount` of the arbitrage sleeve while it waits, and a window that gets no fill is released, a
 * failure on the keeper's record; turn it on where opportunities come often enough to fill most windows.
 */
export const standingWindowsSchema = z.strictObject({
  enabled: z.boolean().default(false),
  /**
   * Working capital each window draws from the arbitrage sleeve, in deposit-asset units (6 decimals): a run inside the
   * window trades at most this. Size it so every keeper's windows, two each while handing over, fit the sleeve.
   */
  drawAmount: z
    .string()
    .regex(/^\d+(\.\d{1,6})?$/, { error: "must be a decimal string with at most 6 decimals" })
    .refine((v) => /[1-9]/.test(v), { error: "must be more than 0" })
    .default("5000"),
  /** Longest window (s): it stops taking runs this long after its claim (or `claimMarginSeconds` before expiry). */
  windowSeconds: z.number().int().min(10).max(3_600).default(60),
  /** The route's next window is armed this long before the current one stops taking runs (s; at most half a window). */
  armLeadSeconds: z.number().int().min(1).max(1_800).default(10),
  /** A run inside a window plans on the tick's books when they are at most this old (ms); 0: it reads them again. */
  bookMaxAgeMs: z.number().int().min(0).max(1_000).default(100),
});
export const DEFAULT_STANDING_WINDOWS = {
  enabled: false,
  drawAmount: "5000",
  windowSeconds: 60,
  armLeadSeconds: 10,
  bookMaxAgeMs: 100,
} as const satisfies z.infer<typeof standingWindowsSchema>;

export const keeperConfigSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9-]{1,32}$/, { error: "must be 1-32 lowercase letters, digits or dashes" }),
  mode: z.enum(["live", "paper"]).default("live"),
  chain: z.strictObject({
    rpcUrl: z.url(),
    /** deployments/<network>.json written by the deploy script. */
    deployment: z.string().min(1),
  }),
  /** The keeper's attested key. Prefer the KEEPER_PRIVATE_KEY environment variable to a file value. */
  privateKey: z.string().regex(hex(32), { error: "must be 0x followed by 64 hex digits" }),
  venues: z.array(venueConfigSchema).default([]),
  /** Encrypted exchange credentials (see `keeper secrets`); the passphrase comes from the environment. */
  credentialsFile: z.string().optional(),
  pairs: z.array(z.string().regex(/^[A-Z0-9]+\/[A-Z0-9]+$/, { error: "must look like ETH/USDT" })).min(1),
  dataDir: z.string().min(1).default(".keeper-data"),
  metricsPort: z.number().int().min(0).max(65_535).default(0),
  heartbeatSeconds: z.number().int().min(5).max(3_600).default(60),
  tickMs: z.number().int().min(10).max(60_000).default(500),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("info"),
  /**
   * Nice value of the keeper's event-loop thread (its helper threads keep theirs), set first thing by `keeper run`;
   * below 0 needs root or CAP_SYS_NICE. Unset: the priority it was started with (priority.ts).
   */
  eventLoopNice: z.number().int().min(-20).max(19).optional(),
  /** Verifier service used by `keeper attest` (development quotes; chains without an on-chain quote verifier). */
  verifierUrl: z.url().optional(),
  /**
   * PCCS (Intel PCS API v4) the collateral of real TEE quotes comes from, for `keeper attest` and the renewal in
   * `keeper run` (sent on-chain where missing, or to the verifier service). Responses are cached.
   */
  pccsUrl: z.url().optional(),
  /**
   * Arbitrage campaigns: validity bucket of a campaign, the executor's retry budget, and standing windows (a claimed,
   * funded campaign per route held ahead of its opportunities).
   */
  arbitrage: z
    .strictObject({
      bucketSeconds: z.number().int().min(10).max(3_600).default(60),
      retryBudget: z.number().int().min(0).max(20).default(2),
      standingWindows: standingWindowsSchema.default(DEFAULT_STANDING_WINDOWS),
    })
    .default({ bucketSeconds: 60, retryBudget: 2, standingWindows: DEFAULT_STANDING_WINDOWS }),
  /**
   * The strategies the engine runs: `{ plugin, config }` with plugin `arbitrage`, `marketMaking` or `rebalance` and
   * that plugin's settings (validated by the plugin). Empty: one arbitrage strategy per pair across every venue.
   */
  strategies: z.array(z.object({ plugin: z.string().min(1), config: z.unknown() }).strict()).default([]),
  /** Campaigns of engine runs: a market maker quotes at most `quotingWindowSeconds`, ending `claimMarginSeconds` before its claim expires. */
  campaigns: z
    .object({
      quotingWindowSeconds: z.number().int().min(5).max(3_600).default(60),
      claimMarginSeconds: z.number().int().min(1).max(600).default(15),
      priceBandBps: z.number().int().min(1).max(5_000).default(500),
    })
    .strict()
    .default({ quotingWindowSeconds: 60, claimMarginSeconds: 15, priceBandBps: 500 }),
  /**
   * Vault capital: draw from the strategy's sleeve and repay after each campaign when the deployment has a
   * `StrategyVault` (docs/SPECIFICATION.md "Keeper node / Capital flow"). `enabled: false` trades own capital only.
   */
  capital: z.strictObject({ enabled: z.boolean().default(true) }).default({ enabled: true }),
  /** Content store of trace documents: `{ kind: "local", dir? }` (default `<dataDir>/store`) or `{ kind: "s3", ... }`. */
  store: storeConfigSchema.default({ kind: "local" }),
  /** Auditor (whistleblower) service inside `keeper run`: `{ enabled, maxBond, ... }`. */
  audit: auditConfigSchema.default({ enabled: false, maxBond: "0", pollMs: 2_000, blockRange: 5_000 }),
  /** Paper mode (`keeper run --paper`): simulated balances per venue. */
  paper: paperConfigSchema.default({ balances: {} }),
  /**
   * Risk limits of live trading (docs/SPECIFICATION.md "Keeper node / Risk controls"): notionals, profits and losses
   * in quote units, inventories in base units, all decimal strings; every key has a default.
   */
  risk: riskLimitsSchema
    .extend({
      /**
       * Seconds an exposure may stay open (flattening waits at the unwind bound while the book has collapsed) before
       * the keeper reports itself unhealthy (`/health` 503, `keeper_healthy` 0, no new claims) and logs an error line
       * a minute until an operator acts (`keeper flatten`) or the book recovers.
       */
      maxExposureWaitSeconds: z.number().int().min(10).max(604_800).default(DEFAULT_MAX_EXPOSURE_WAIT_SECONDS),
    })
    .strict()
    .default({ ...DEFAULT_RISK_LIMITS_CONFIG, maxExposureWaitSeconds: DEFAULT_MAX_EXPOSURE_WAIT_SECONDS }),
});

export type KeeperConfig = z.infer<typeof keeperConfigSchema>;

/** Environment variables that override the file, and where they go. Secrets belong here, not in files. */
export const ENV_OVERRIDES = {
  KEEPER_RPC_URL: ["chain", "rpcUrl"],
  KEEPER_PRIVATE_KEY: ["privateKey"],
  KEEPER_DATA_DIR: ["dataDir"],
  KEEPER_METRICS_PORT: ["metricsPort"],
  KEEPER_LOG_LEVEL: ["logLevel"],
} as const;

/**
 * Reads the keeper's configuration: a JSON file, then environment overrides, validated once with zod.
 * The first problem is reported as `config <path>: <message>` naming the field or the variable;
 * secret values are never echoed.
 */
export function loadKeeperConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): KeeperConfig {
  let raw: Record<string, unknown> = {};
  if (path) {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (err) {
      throw new ConfigError(`cannot read config file ${path}`, { cause: err });
    }
    try {
      raw = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`config file ${path} is not valid JSON`, { cause: err });
    }
  }
  const fromEnv = new Set<string>();
  for (const [variable, target] of Object.entries(ENV_OVERRIDES)) {
    const value = env[variable];
    if (value === undefined || value === "") continue;
    fromEnv.add(target.join("."));
    let node = raw as Record<string, unknown>;
    for (const part of target.slice(0, -1)) {
      node[part] = { ...((node[part] as Record<string, unknown> | undefined) ?? {}) };
      node = node[part] as Record<string, unknown>;
    }
    const last = target[target.length - 1]!;
    node[last] = variable === "KEEPER_METRICS_PORT" ? Number(value) : value;
  }
  const parsed = keeperConfigSchema.safeParse(raw);
  if (parsed.success) {
    const problem = crossFieldProblem(parsed.data);
    if (problem) throw new ConfigError(`config ${path ?? "(environment)"}: ${problem}`);
    return parsed.data;
  }
  const issue = parsed.error.issues[0]!;
  const field = issue.path.join(".");
  if (issue.code === "unrecognized_keys") {
    // A misspelt key would otherwise be ignored and its default used: refuse it, naming it.
    const known = knownKeys(keeperConfigSchema, issue.path);
    const names = issue.keys.map((k) => {
      const near = known.find((n) => n.toLowerCase() === k.toLowerCase());
      return near ? `"${k}" (did you mean "${near}"?)` : `"${k}"`;
    });
    throw new ConfigError(
      `config ${path ?? "(environment)"}: unknown key ${names.join(", ")}${field ? ` in ${field}` : ""}`,
    );
  }
  const variable = Object.entries(ENV_OVERRIDES).find(([, t]) => t.join(".") === field)?.[0];
  const where = fromEnv.has(field) && variable ? `${variable} (environment)` : field || "(root)";
  throw new ConfigError(`config ${path ?? "(environment)"}: ${where} ${issue.message}`);
}

/** A rule between two fields the schema cannot state field by field, or undefined. */
function crossFieldProblem(config: KeeperConfig): string | undefined {
  const w = config.arbitrage.standingWindows;
  const claim = w.windowSeconds + config.campaigns.claimMarginSeconds;
  if (w.enabled && claim <= config.risk.executionMarginSeconds) {
    // A window's orders stop `executionMarginSeconds` before its claim expires: with a shorter claim it never trades.
    return (
      `arbitrage.standingWindows.windowSeconds ${w.windowSeconds} + campaigns.claimMarginSeconds ` +
      `${config.campaigns.claimMarginSeconds} must exceed risk.executionMarginSeconds ${config.risk.executionMarginSeconds}`
    );
  }
  return undefined;
}

/** Keys of the object schema at `path` inside `schema` (for "did you mean"). */
function knownKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: z.ZodType | undefined = schema;
  for (const part of path) {
    node = unwrap(node);
    if (node instanceof z.ZodObject) node = (node.shape as Record<string, z.ZodType>)[String(part)];
    else if (node instanceof z.ZodArray) node = node.element as z.ZodType;
    else return [];
  }
  node = unwrap(node);
  return node instanceof z.ZodObject ? Object.keys(node.shape) : [];
}

function unwrap(node: z.ZodType | undefined): z.ZodType | undefined {
  while (node instanceof z.ZodDefault || node instanceof z.ZodOptional) node = node.unwrap() as z.ZodType;
  return node;
}

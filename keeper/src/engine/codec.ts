import { z } from "zod";
import type { EngineState } from "./engine.js";
import { EngineError } from "./errors.js";
import { STRATEGY_TYPES } from "./types.js";

/**
 * Engine state <-> text, for the keeper's crash-safe journal. JSON with two tagged forms: a bigint is
 * `{"$bigint":"123"}`, a Map is `{"$map":[[key, value], ...]}` (also inside a run's `resumeState`).
 * Restoring validates the whole shape and throws `EngineError` on anything else, so a corrupt journal
 * is refused rather than half-loaded. `decide` on a restored state decides exactly as on the original.
 */
export function serializeEngineState(state: EngineState): string {
  return JSON.stringify(state, (_key, value: unknown) => {
    if (typeof value === "bigint") return { $bigint: value.toString() };
    if (value instanceof Map) return { $map: [...value.entries()] };
    return value;
  });
}

export function deserializeEngineState(text: string): EngineState {
  let raw: unknown;
  try {
    raw = JSON.parse(text, (_key, value: unknown) => {
      if (typeof value === "object" && value !== null && !Array.isArray(value)) {
        const keys = Object.keys(value);
        if (keys.length === 1 && keys[0] === "$bigint") {
          const s = (value as { $bigint: unknown }).$bigint;
          if (typeof s !== "string" || !/^-?\d+$/.test(s)) throw new Error(`bad $bigint ${String(s)}`);
          return BigInt(s);
        }
        if (keys.length === 1 && keys[0] === "$map") {
          const entries = (value as { $map: unknown }).$map;
          if (!Array.isArray(entries) || !entries.every((e) => Array.isArray(e) && e.length === 2)) {
            throw new Error("bad $map");
          }
          return new Map(entries as [unknown, unknown][]);
        }
      }
      return value;
    });
  } catch (err) {
    throw new EngineError("engine state is not valid JSON", { cause: err });
  }
  const parsed = EngineStateSchema.safeParse(raw);
  if (!parsed.success) {
    throw new EngineError("engine state has an invalid shape", {
      cause: parsed.error,
      details: parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; "),
    });
  }
  return parsed.data as EngineState;
}

const time = z.number().finite();
const runId = z.number().int().positive();
const strategyType = z.enum(STRATEGY_TYPES);
const targets = z.object({ marketMaking: z.number().int(), arbitrage: z.number().int(), buffer: z.number().int() });
const amounts = z.object({ marketMaking: z.bigint(), arbitrage: z.bigint(), buffer: z.bigint() });

const EngineStateSchema = z
  .object({
    mode: z.enum(["idle", ...STRATEGY_TYPES]),
    nextRunId: runId,
    active: z
      .object({
        runId,
        strategyId: z.string(),
        type: strategyType,
        pair: z.string(),
        capital: z.bigint(),
        roi: z.number().finite(),
        startedAt: time,
        status: z.enum(["running", "stopping"]),
        stopReason: z.enum(["switch", "preempt", "breaker", "unprofitable"]).nullable(),
        resumedFrom: runId.nullable(),
        unprofitableSince: time.nullable(),
      })
      .strict()
      .nullable(),
    suspended: z
      .object({
        runId,
        strategyId: z.string(),
        type: strategyType,
        pair: z.string(),
        resumeState: z.unknown(),
        suspendedAt: time,
      })
      .strict()
      .nullable(),
    pending: z.object({ strategyId: z.string(), decidedAt: time }).strict().nullable(),
    locks: z
      .object({ marketMaking: runId.nullable(), arbitrage: runId.nullable(), rebalance: runId.nullable() })
      .strict(),
    switching: z
      .object({
        lastSwitchAt: time.nullable(),
        recent: z.array(time),
        challenger: z.object({ strategyId: z.string(), since: time }).strict().nullable(),
      })
      .strict(),
    queue: z.array(
      z.object({ strategyId: z.string(), type: strategyType, roi: z.number().finite(), since: time }).strict(),
    ),
    stats: z.map(z.string(), z.object({ successes: z.number().min(0), attempts: z.number().min(0) }).strict()),
    realisedPnl: z.bigint(),
    failures: z.map(z.string(), time),
    retries: z.map(z.string(), z.array(time)),
    slippage: z.map(z.string(), time),
    drawdown: z.object({ peakPnl: z.bigint().nullable(), trippedAt: time.nullable() }).strict(),
    targets: targets.strict().nullable(),
    amounts: amounts.strict().nullable(),
    lastVerdict: z.enum([
      "allowed",
      "noChallenger",
      "belowThreshold",
      "debouncing",
      "coolingDown",
      "frequencyCap",
      "paused",
      "idle",
      "stopping",
      "unprofitable",
      "runToCompletion",
    ]),
  })
  .strict()
  .superRefine((s, ctx) => {
    // Locks must name exactly the active and suspended runs of each type.
    for (const type of STRATEGY_TYPES) {
      const holder = s.active?.type === type ? s.active.runId : s.suspended?.type === type ? s.suspended.runId : null;
      if (s.locks[type] !== holder) {
        ctx.addIssue({ code: "custom", path: ["locks", type], message: `lock ${s.locks[type]} != holder ${holder}` });
      }
    }
    if (s.mode !== (s.active?.type ?? "idle")) {
      ctx.addIssue({ code: "custom", path: ["mode"], message: `mode ${s.mode} does not match the active run` });
    }
  });

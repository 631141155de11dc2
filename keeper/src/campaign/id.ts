/**
 * Campaign ids, computed exactly as `CampaignIdLib.id` on-chain:
 * `campaignId = keccak256(abi.encode(assetPair, priceWindow, route, dispatchCommitment))` with
 * `assetPair: bytes32`, `priceWindow: (uint128 minPrice, uint128 maxPrice, uint64 notBefore, uint64 notAfter)`,
 * `route: (bytes32 strategyId, bytes32 sourceVenue, bytes32 targetVenue)` and
 * `dispatchCommitment = keccak256(abi.encode(uint8 mode, uint8 dispatchBy, address[] dispatchOrder))`
 * (mode 0 race / 1 dispatch, dispatchBy 0 reputation / 1 capital; a race campaign is `(0, 0, [])`).
 * The dispatch list is inside the id so nobody can republish a spec as its sole assignee under the same id.
 * Names (pair symbol, strategy, venues) are short strings encoded as bytes32 (`encodeBytes32String`).
 * `test/vectors/campaign-id.json` pins the result for both the Solidity and the TypeScript side.
 */
import { AbiCoder, ParamType, encodeBytes32String, isHexString, keccak256 } from "ethers";
import { z } from "zod";
import { ConfigError } from "../errors.js";

const UINT128_MAX = (1n << 128n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;

/** ABI types of the four encoded values, in order. */
export const CAMPAIGN_ID_ABI_TYPES = [
  "bytes32",
  "tuple(uint128 minPrice, uint128 maxPrice, uint64 notBefore, uint64 notAfter)",
  "tuple(bytes32 strategyId, bytes32 sourceVenue, bytes32 targetVenue)",
  "bytes32",
] as const;

/** ABI types hashed into the dispatch commitment. */
export const DISPATCH_COMMITMENT_ABI_TYPES = ["uint8", "uint8", "address[]"] as const;

// Parsed once: ethers would parse the type strings again on every `encode`.
const DISPATCH_COMMITMENT_PARAMS = DISPATCH_COMMITMENT_ABI_TYPES.map((t) => ParamType.from(t));

/** How a campaign is dispatched: race (anyone eligible) or an ordered list ranked by reputation or capital. */
export interface CampaignDispatch {
  mode: "race" | "dispatch";
  /** Ordering rule of the list (dispatch mode; ignored and encoded as reputation in race mode). */
  dispatchBy?: "reputation" | "capital";
  /** Assignee then backups (dispatch mode); empty in race mode. */
  dispatchOrder?: readonly string[];
}

/** A race campaign: no list. */
export const RACE: CampaignDispatch = { mode: "race" };

const bytes32 = z.string().refine((s) => isHexString(s, 32), { message: "must be a 0x-prefixed 32-byte hex string" });
const uint = (max: bigint) =>
  z.coerce.bigint().refine((v) => v >= 0n && v <= max, { message: `must be an integer in [0, ${max}]` });

/** Validates a campaign spec (bytes32 fields as hex, numbers as bigint or decimal strings). */
export const campaignSpecSchema = z
  .object({
    assetPair: bytes32,
    priceWindow: z.object({
      minPrice: uint(UINT128_MAX),
      maxPrice: uint(UINT128_MAX),
      notBefore: uint(UINT64_MAX),
      notAfter: uint(UINT64_MAX),
    }),
    route: z.object({ strategyId: bytes32, sourceVenue: bytes32, targetVenue: bytes32 }),
  })
  .strict();

/** A campaign's economic content, as the `CampaignIdLib.CampaignSpec` struct. */
export type CampaignSpec = z.infer<typeof campaignSpecSchema>;

/** The same spec written with readable names (each at most 31 bytes of UTF-8). */
export interface NamedCampaignSpec {
  assetPair: string;
  priceWindow: CampaignSpec["priceWindow"];
  route: { strategyId: string; sourceVenue: string; targetVenue: string };
}

/** Thrown when a spec cannot be encoded (bad field, name too long). */
export class CampaignSpecError extends ConfigError {
  override name = "CampaignSpecError";
}

/** Validates `input` as a campaign spec, with one clear error naming the bad field. */
export function parseCampaignSpec(input: unknown): CampaignSpec {
  const parsed = campaignSpecSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CampaignSpecError(`invalid campaign spec: ${issue.path.join(".")} ${issue.message}`);
  }
  return parsed.data;
}

/** Encodes readable names as bytes32 (`encodeBytes32String`) and validates the result. */
export function campaignSpecFromNames(named: NamedCampaignSpec): CampaignSpec {
  const name = (field: string, value: string): string => {
    try {
      return encodeBytes32String(value);
    } catch (cause) {
      throw new CampaignSpecError(`invalid campaign spec: ${field} "${value}" does not fit in bytes32`, { cause });
    }
  };
  return parseCampaignSpec({
    assetPair: name("assetPair", named.assetPair),
    priceWindow: named.priceWindow,
    route: {
      strategyId: name("route.strategyId", named.route.strategyId),
      sourceVenue: name("route.sourceVenue", named.route.sourceVenue),
      targetVenue: name("route.targetVenue", named.route.targetVenue),
    },
  });
}

/** The on-chain enum values of a dispatch: `[mode, dispatchBy, list]` (race is always `[0, 0, []]`). */
export function dispatchArgs(d: CampaignDispatch): [number, number, string[]] {
  if (d.mode === "race") return [0, 0, []];
  return [1, d.dispatchBy === "capital" ? 1 : 0, [...(d.dispatchOrder ?? [])]];
}

/** `keccak256(abi.encode(uint8 mode, uint8 dispatchBy, address[] dispatchOrder))`, as `CampaignIdLib`. */
export function dispatchCommitment(d: CampaignDispatch): string {
  if (d.mode === "race") return RACE_COMMITMENT;
  return keccak256(AbiCoder.defaultAbiCoder().encode(DISPATCH_COMMITMENT_PARAMS, dispatchArgs(d)));
}

/** Every race campaign's commitment, `keccak256(abi.encode(0, 0, []))`. */
const RACE_COMMITMENT = keccak256(AbiCoder.defaultAbiCoder().encode(DISPATCH_COMMITMENT_PARAMS, dispatchArgs(RACE)));

/** One ABI word: a validated uint as 64 hex digits. */
const word = (v: bigint): string => v.toString(16).padStart(64, "0");

/**
 * The ABI encoding hashed into the id. Every field is static (bytes32, uints, tuples of them), so `abi.encode` is the
 * fields' 32-byte words in order (tuples in place): written directly, not through ethers' coder, which takes about
 * 0.15 ms per call and is on the engine's tick (each arbitrage estimate computes an id). `id.test.ts` checks the
 * result against `AbiCoder.encode` of `CAMPAIGN_ID_ABI_TYPES` and the shared vectors.
 */
export function encodeCampaignSpec(spec: CampaignSpec, dispatch: CampaignDispatch = RACE): string {
  const s = parseCampaignSpec(spec);
  const w = s.priceWindow;
  return (
    s.assetPair.toLowerCase() +
    word(w.minPrice) +
    word(w.maxPrice) +
    word(w.notBefore) +
    word(w.notAfter) +
    s.route.strategyId.slice(2).toLowerCase() +
    s.route.sourceVenue.slice(2).toLowerCase() +
    s.route.targetVenue.slice(2).toLowerCase() +
    dispatchCommitment(dispatch).slice(2)
  );
}

/**
 * `keccak256(abi.encode(assetPair, priceWindow, route, dispatchCommitment))`, as `CampaignRegistry.campaignIdOf`
 * (a race campaign unless `dispatch` says otherwise).
 */
export function campaignId(spec: CampaignSpec, dispatch: CampaignDispatch = RACE): string {
  return keccak256(encodeCampaignSpec(spec, dispatch));
}

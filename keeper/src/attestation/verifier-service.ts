/**
 * The verifier service: a governance-approved verifier (VERIFIER_ROLE in `AttestationRegistry`) receives a
 * keeper's quote, verifies it, and posts the verified fields, EIP-712-signed by its own key, with
 * `submitVerified`. Rules (docs/SPECIFICATION.md "Keeper node / Verifier service"):
 *
 * - a real quote is verified with DCAP (`verifyDcapQuote`, `@phala/dcap-qvl`) against the collateral sent with
 *   it, at the chain's current time; the report data must bind the keeper's address; the TCB status must be
 *   accepted; the measurement must be on the on-chain allowlist;
 * - a development quote (`DevelopmentQuoteProvider`) is accepted only when the verifier's chain id is a local
 *   development chain id, the quote names that chain id, and it binds the keeper; its fields are recorded as
 *   TDX with the fixed `DEVELOPMENT_MEASUREMENT` (which only local deployments allowlist);
 * - `verifiedAt` is the chain's latest block time; `quoteHash = keccak256(quote)` (the registry refuses reuse).
 * HTTP (loopback by default): `POST /attest` `{ keeper, quote: hex, collateral? }` -> `{ keeper, txHash, fields }`,
 * or 422 `{ error, reason }` for a refused quote; `GET /health`.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import { getAddress, getBytes, hexlify, isAddress, isHexString, keccak256 } from "ethers";
import type { Logger } from "pino";
import { z } from "zod";
import type { ChainAdapter, VerifiedQuoteFields } from "../chain/adapter.js";
import { KeeperError } from "../errors.js";
import type { Collateral } from "@phala/dcap-qvl";
import { parseCollateral, TCB_STATUS_CODE, TEE_TYPE_CODE, verifyDcapQuote } from "./dcap.js";
import { DEVELOPMENT_MEASUREMENT, isDevelopmentQuote, LOCAL_CHAIN_IDS, parseDevelopmentQuote } from "./development.js";
import { QuoteRejectedError } from "./errors.js";
import { parseReportData } from "./report-data.js";

export const attestRequestSchema = z.object({
  keeper: z.string().refine((a) => isAddress(a), { message: "must be an EVM address" }),
  quote: z.string().refine((q) => isHexString(q) && q.length > 2, { message: "must be 0x-prefixed hex bytes" }),
  collateral: z.unknown().optional(),
});
export type AttestRequest = z.infer<typeof attestRequestSchema>;

export interface VerifyContext {
  chainId: bigint;
  /** Chain time, unix seconds. */
  now: bigint;
  keeper: string;
  collateral?: Collateral;
  /** On-chain allowlist lookup (`Parameters.isMeasurementAllowed`). */
  isMeasurementAllowed: (measurementHash: string) => Promise<boolean>;
}

/** Verifies `quote` for `ctx.keeper` and returns the fields to post; throws `QuoteRejectedError` when refused. */
export async function verifyKeeperQuote(quote: Uint8Array, ctx: VerifyContext): Promise<VerifiedQuoteFields> {
  const keeper = getAddress(ctx.keeper);
  if (isDevelopmentQuote(quote)) {
    if (!LOCAL_CHAIN_IDS.includes(Number(ctx.chainId))) {
      throw new QuoteRejectedError("development-quote", "development quotes are accepted on local chains only", {
        details: `chain id ${ctx.chainId}`,
      });
    }
    const dev = parseDevelopmentQuote(quote)!;
    if (BigInt(dev.chainId) !== ctx.chainId) {
      throw new QuoteRejectedError("development-quote", "development quote made for another chain", {
        details: `quote chain ${dev.chainId}, verifier chain ${ctx.chainId}`,
      });
    }
    const reportData = getBytes(dev.reportData);
    const bound = parseReportData(reportData).address;
    if (bound !== keeper) {
      throw new QuoteRejectedError("report-data", "quote does not bind the keeper address", {
        details: `binds ${bound}, keeper ${keeper}`,
      });
    }
    await requireAllowed(DEVELOPMENT_MEASUREMENT, ctx);
    return {
      keeper,
      quoteHash: keccak256(quote),
      teeType: TEE_TYPE_CODE.TDX,
      measurementHash: DEVELOPMENT_MEASUREMENT,
      tcbStatus: TCB_STATUS_CODE.UpToDate,
      reportData: hexlify(reportData),
      verifiedAt: ctx.now,
    };
  }
  if (!ctx.collateral) {
    throw new QuoteRejectedError("malformed", "a DCAP quote needs its collateral", { details: "collateral missing" });
  }
  const v = verifyDcapQuote(quote, { collateral: ctx.collateral, nowSecs: Number(ctx.now), expectedAddress: keeper });
  await requireAllowed(v.measurementHash, ctx);
  return {
    keeper,
    quoteHash: v.quoteHash,
    teeType: TEE_TYPE_CODE[v.teeType],
    measurementHash: v.measurementHash,
    tcbStatus: TCB_STATUS_CODE[v.tcbStatus],
    reportData: v.reportData,
    verifiedAt: ctx.now,
  };
}

async function requireAllowed(measurementHash: string, ctx: VerifyContext): Promise<void> {
  if (!(await ctx.isMeasurementAllowed(measurementHash))) {
    throw new QuoteRejectedError("measurement", "measurement is not on the on-chain allowlist", {
      details: measurementHash,
    });
  }
}

/** A verifier bound to a chain: verifies and posts. */
export class VerifierService {
  constructor(
    private readonly chain: ChainAdapter,
    private readonly log?: Logger,
  ) {}

  async attest(input: unknown): Promise<{ keeper: string; txHash: string; fields: VerifiedQuoteFields }> {
    const parsed = attestRequestSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new QuoteRejectedError("malformed", `invalid request: ${issue.path.join(".")} ${issue.message}`);
    }
    const req = parsed.data;
    const fields = await verifyKeeperQuote(getBytes(req.quote), {
      chainId: this.chain.chainId,
      now: await this.chain.now(),
      keeper: req.keeper,
      collateral: req.collateral === undefined ? undefined : parseCollateral(req.collateral),
      isMeasurementAllowed: (h) => this.chain.measurementAllowed(h),
    });
    const txHash = await this.chain.submitVerifiedQuote(fields);
    this.log?.info({ keeper: fields.keeper, quoteHash: fields.quoteHash, txHash }, "attestation posted");
    return { keeper: fields.keeper, txHash, fields };
  }
}

const MAX_BODY = 1 << 20;

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new QuoteRejectedError("malformed", "request body too large");
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (cause) {
    throw new QuoteRejectedError("malformed", "request body is not JSON", { cause });
  }
}

/** Serves the verifier over HTTP; resolves once listening. */
export async function serveVerifier(
  service: VerifierService,
  port: number,
  host = "127.0.0.1",
  log?: Logger,
): Promise<Server> {
  const server = createServer((req, res) => {
    const reply = (status: number, body: unknown) =>
      res
        .writeHead(status, { "content-type": "application/json" })
        .end(JSON.stringify(body, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
    if (req.method === "GET" && req.url === "/health") return reply(200, { ok: true });
    if (req.method !== "POST" || req.url !== "/attest") return reply(404, { error: "not found" });
    readJson(req)
      .then((body) => service.attest(body))
      .then(
        (result) => reply(200, result),
        (err: unknown) => {
          if (err instanceof QuoteRejectedError) return reply(422, { error: err.shortMessage, reason: err.reason });
          log?.error({ err }, "attestation failed");
          const message = err instanceof KeeperError ? err.shortMessage : "internal error";
          return reply(500, { error: message });
        },
      );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

/** Client side (`keeper attest`): sends a quote to a verifier and returns its answer or throws its refusal. */
export async function requestAttestation(
  url: string,
  body: { keeper: string; quote: string; collateral?: unknown },
): Promise<{ keeper: string; txHash: string }> {
  const res = await fetch(new URL("/attest", url), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const answer = (await res.json()) as { error?: string; reason?: string; keeper: string; txHash: string };
  if (!res.ok) {
    throw new KeeperError(`verifier refused the quote: ${answer.error ?? res.statusText}`, {
      details: answer.reason,
    });
  }
  return answer;
}

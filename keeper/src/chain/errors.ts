import { isError, type Interface } from "ethers";
import { KeeperError } from "../errors.js";

/** A transaction or call the chain refused: `reason` is the decoded custom error name when known. */
export class ChainRevertError extends KeeperError {
  override name = "ChainRevertError";
  constructor(
    readonly label: string,
    readonly reason: string,
    readonly args: readonly unknown[],
    cause?: unknown,
  ) {
    super(`${label} reverted: ${reason}(${args.map(String).join(", ")})`, { cause });
  }
}

/** The RPC endpoint failed after every retry. */
export class ChainUnavailableError extends KeeperError {
  override name = "ChainUnavailableError";
}

/** Errors worth retrying: the node or the network failed, not the transaction. */
export function isTransientRpcError(err: unknown): boolean {
  // A decoded revert is the chain's answer, never a transport failure (its hex arguments may contain "502").
  if (err instanceof ChainRevertError || isError(err, "CALL_EXCEPTION")) return false;
  if (isError(err, "NETWORK_ERROR") || isError(err, "TIMEOUT") || isError(err, "SERVER_ERROR")) return true;
  const message = err instanceof Error ? err.message : String(err);
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|socket hang up|fetch failed|\b(?:429|502|503|504)\b|Too Many Requests/i.test(
    message,
  );
}

/** Nonce already used (by a previous attempt of ours that did land, or by another process using the key). */
export function isNonceError(err: unknown): boolean {
  if (isError(err, "NONCE_EXPIRED")) return true;
  const message = err instanceof Error ? err.message : String(err);
  return /nonce too low|nonce has already been used|already known|replacement transaction underpriced/i.test(message);
}

/** Decodes a revert into `ChainRevertError` using the contract interfaces that may have raised it. */
export function decodeRevert(
  label: string,
  err: unknown,
  interfaces: readonly Interface[],
): ChainRevertError | undefined {
  if (!isError(err, "CALL_EXCEPTION")) {
    // A send answered with a revert (JSON-RPC code 3 with revert data), e.g. by an automining node.
    const data = nestedRevertData(err);
    if (!data) return undefined;
    for (const iface of interfaces) {
      try {
        const parsed = iface.parseError(data);
        if (parsed) return new ChainRevertError(label, parsed.name, [...parsed.args], err);
      } catch {
        // Not this interface's error: try the next one.
      }
    }
    return new ChainRevertError(label, "unknown revert", [data], err);
  }
  const data = err.data;
  if (data) {
    for (const iface of interfaces) {
      try {
        const parsed = iface.parseError(data);
        if (parsed) return new ChainRevertError(label, parsed.name, [...parsed.args], err);
      } catch {
        // Not this interface's error: try the next one.
      }
    }
  }
  return new ChainRevertError(label, err.reason ?? err.shortMessage ?? "unknown revert", [], err);
}

/** Revert data carried by a JSON-RPC error (`{ code: 3, data }`) somewhere inside an ethers error. */
function nestedRevertData(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  const visit = (e: unknown, depth: number): string | undefined => {
    if (!e || typeof e !== "object" || seen.has(e) || depth > 4) return undefined;
    seen.add(e);
    const o = e as Record<string, unknown>;
    if (o["code"] === 3 && typeof o["data"] === "string" && /^0x[0-9a-fA-F]{8,}$/.test(o["data"])) return o["data"];
    for (const k of ["error", "info", "cause"]) {
      const found = visit(o[k], depth + 1);
      if (found) return found;
    }
    return undefined;
  };
  return visit(err, 0);
}

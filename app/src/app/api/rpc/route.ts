import { z } from "zod";
import { serverConfig } from "../../../server/config";
import { RPC_MAX_BATCH } from "../../../lib/rpc";

export const dynamic = "force-dynamic";

/** Methods that make the node sign with its own accounts: only forwarded to local chains. */
const SIGNING = /^(eth_sendTransaction|eth_sign|eth_signTransaction|eth_signTypedData.*|personal_.*|eth_accounts)$/;
const request = z.object({
  jsonrpc: z.literal("2.0"),
  id: z.union([z.number(), z.string(), z.null()]),
  method: z.string(),
  params: z.unknown().optional(),
});
const body = z.union([request, z.array(request).min(1).max(RPC_MAX_BATCH)]);

function rpcError(id: unknown, code: number, message: string) {
  return { jsonrpc: "2.0", id: id ?? null, error: { code, message } };
}

/**
 * JSON-RPC proxy from the browser to the configured node (so the page needs no CORS on the node and
 * the node stays on loopback). On non-local networks the node's signing methods are refused: there
 * the user's own wallet signs.
 */
export async function POST(req: Request): Promise<Response> {
  const config = serverConfig();
  let parsed: z.infer<typeof body>;
  try {
    parsed = body.parse(await req.json());
  } catch (err) {
    return Response.json(
      rpcError(
        null,
        -32600,
        `invalid JSON-RPC request: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`,
      ),
      { status: 400 },
    );
  }
  const calls = Array.isArray(parsed) ? parsed : [parsed];
  const refused = config.local ? undefined : calls.find((c) => SIGNING.test(c.method));
  if (refused)
    return Response.json(rpcError(refused.id, 4200, `${refused.method} is only served on local networks`), {
      status: 403,
    });
  try {
    const upstream = await fetch(config.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(parsed),
      cache: "no-store",
    });
    return new Response(upstream.body, { status: upstream.status, headers: { "content-type": "application/json" } });
  } catch (err) {
    const message = `the node at ${config.rpcUrl} is unreachable (${err instanceof Error ? err.message : String(err)})`;
    return Response.json(rpcError(Array.isArray(parsed) ? null : parsed.id, -32603, message), { status: 502 });
  }
}

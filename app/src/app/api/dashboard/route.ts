import { z } from "zod";
import { serverConfig } from "../../../server/config";
import { chainClient, readDashboard } from "../../../server/dashboard";
import { loadDeployment } from "../../../server/deployment";

export const dynamic = "force-dynamic";

const query = z.object({ points: z.coerce.number().int().min(2).max(200).default(32) });

/** Risk dashboard data: allocation by sleeve, share-price history and volatility, PnL, receipts. */
export async function GET(req: Request): Promise<Response> {
  const parsed = query.safeParse(Object.fromEntries(new URL(req.url).searchParams));
  if (!parsed.success) return Response.json({ error: `points ${parsed.error.issues[0]!.message}` }, { status: 400 });
  const config = serverConfig();
  const loaded = loadDeployment();
  try {
    const data = await readDashboard(
      chainClient(config.rpcUrl),
      config.network,
      loaded?.deployment ?? null,
      parsed.data.points,
    );
    return Response.json(data, { headers: { "cache-control": "no-store" } });
  } catch (err) {
    const message =
      err instanceof Error ? ((err as { shortMessage?: string }).shortMessage ?? err.message) : String(err);
    return Response.json({ error: `could not read the chain at ${config.rpcUrl}: ${message}` }, { status: 503 });
  }
}

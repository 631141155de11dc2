import { loadTarget, requestOrigin } from "../../../server/target";

export const dynamic = "force-dynamic";

/** The page's target (network, chain id, deployment with addresses) as JSON. */
export async function GET(): Promise<Response> {
  return Response.json(await loadTarget(await requestOrigin()));
}

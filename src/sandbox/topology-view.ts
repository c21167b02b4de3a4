import { Router, sendJson } from "../http/router.ts";
import type { SandboxPart } from "./part.ts";

/**
 * What the page's Topology panel draws: the graph the product discovered, read from the bot's
 * `GET /api/topology` (with its API token) and served same-origin at `/sandbox/discovered-topology`,
 * beside the simulation's ground truth at `/sandbox/topology`.
 */
export function topologyViewPart(o: { botUrl: string; apiToken?: string }): SandboxPart {
  const router = new Router().add("GET", "/sandbox/discovered-topology", async (_req, res) => {
    try {
      const r = await fetch(`${o.botUrl}/api/topology`, { headers: o.apiToken ? { authorization: `Bearer ${o.apiToken}` } : {}, signal: AbortSignal.timeout(5000) });
      const body = (await r.json()) as unknown;
      sendJson(res, r.ok ? 200 : 502, r.ok ? body : { error: "bot_error", detail: `the bot answered HTTP ${r.status}`, body });
    } catch (e) {
      sendJson(res, 502, { error: "bot_unreachable", detail: e instanceof Error ? e.message : String(e) });
    }
  });
  return { name: "topology-view", router, state: () => ({}) };
}

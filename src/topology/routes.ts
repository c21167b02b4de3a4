import { Router, type RouteRequest, sendJson } from "../http/router.ts";
import { safeEqual } from "../ingest/util.ts";
import type { DiscoveryRun } from "./discovery.ts";
import { type DiscoveredTopology, topologyJson } from "./model.ts";

/** True when the request carries `Authorization: Bearer <token>` (or no token is configured). */
export function bearerAllowed(req: Pick<RouteRequest, "headers">, token: string | undefined): boolean {
  if (!token) return true;
  const m = /^Bearer\s+(.+)$/i.exec(String(req.headers.authorization ?? ""));
  return !!m && safeEqual(m[1]!.trim(), token);
}

/**
 * `GET /api/topology`: the service graph the product uses, read-only, as
 * `{"services": [...], "edges": [{"from", "to", "sources": [...]}], "details": [...], "discovery": {...}}`.
 * With AISRE_API_TOKEN set it answers only `Authorization: Bearer <token>`.
 */
export function topologyRoutes(o: { topology: () => DiscoveredTopology; lastRun: () => DiscoveryRun | undefined; token?: string }): Router {
  const router = new Router().add("GET", "/api/topology", (req, res) => {
    if (!bearerAllowed(req, o.token)) return sendJson(res, 401, { error: "unauthorized", detail: "send Authorization: Bearer <AISRE_API_TOKEN>" }, { "www-authenticate": 'Bearer realm="aisre"' });
    sendJson(res, 200, { ...topologyJson(o.topology()), discovery: o.lastRun() ?? null });
  });
  for (const method of ["POST", "PUT", "PATCH", "DELETE"]) router.add(method, "/api/topology", (_req, res) => sendJson(res, 405, { error: "method_not_allowed", detail: "the topology API is read-only" }, { allow: "GET" }));
  return router;
}

import type { ServerResponse } from "node:http";
import { type RouteRequest, Router, sendJson } from "../../http/router.ts";
import type { World } from "./world/world.ts";

export interface HookContext {
  world: World;
  onKill: (queryId: string, detail: string) => void;
  onFlush: (prefix: string, keys: number) => void;
  state: () => Record<string, unknown>;
  topology: () => unknown;
  speed: number;
}

function body(req: RouteRequest): Record<string, unknown> {
  if (req.body.length === 0) return {};
  try {
    const v = JSON.parse(req.body.toString("utf8"));
    return v && typeof v === "object" ? v : {};
  } catch {
    return {};
  }
}

/** `/sim/...`: the database's running statements, the kill-query and flush-cache hooks, clock, state; `/sandbox/topology`: the true call graph. */
export function hooksRouter(ctx: HookContext): Router {
  const r = new Router();
  const iso = (ms: number): string => new Date(ms).toISOString();
  r.add("GET", "/sim/db/queries", (_req, res) => {
    const w = ctx.world;
    sendJson(res, 200, {
      database: "orders-db",
      queries: w.db.queries.map((q) => ({
        queryId: q.queryId,
        pid: q.pid,
        datname: q.datname,
        usename: q.usename,
        application_name: q.applicationName,
        client_addr: q.clientAddr,
        state: q.state,
        query_start: iso(q.startedAt),
        duration_seconds: Math.max(0, Math.round((w.now - q.startedAt) / 1000)),
        cpu_cores: Math.round(q.cores * 100) / 100,
        wait_event_type: null,
        query: q.query,
      })),
    });
  });
  r.add("POST", "/sim/hooks/kill-query", (req: RouteRequest, res: ServerResponse) => {
    const b = body(req);
    const w = ctx.world;
    const id = typeof b.queryId === "string" || typeof b.queryId === "number" ? String(b.queryId) : undefined;
    const target = id ? w.db.queries.find((q) => q.queryId === id) : [...w.db.queries].sort((a, c) => c.cores - a.cores)[0];
    if (!target) return sendJson(res, 404, { ok: false, error: id ? `no running query with id ${id}` : "no running query to kill" });
    if (b.dryRun === true) return sendJson(res, 200, { ok: true, dryRun: true, wouldKill: { queryId: target.queryId, pid: target.pid, query: target.query } });
    w.killQuery(target.queryId, typeof b.by === "string" ? b.by : "hook");
    ctx.onKill(target.queryId, `terminated pid ${target.pid} (${target.usename}): ${target.query.slice(0, 80)}`);
    sendJson(res, 200, { ok: true, killed: { queryId: target.queryId, pid: target.pid, usename: target.usename, query: target.query } });
  });
  r.add("POST", "/sim/hooks/flush-cache", (req, res) => {
    const b = body(req);
    const prefix = typeof b.prefix === "string" ? b.prefix : "";
    if (!prefix) return sendJson(res, 400, { ok: false, error: "prefix is required" });
    const keys = 800 + Math.round(prefix.length * 137);
    if (b.dryRun !== true) ctx.onFlush(prefix, keys);
    sendJson(res, 200, { ok: true, dryRun: b.dryRun === true, prefix, keys });
  });
  r.add("GET", "/sim/clock", (_req, res) => sendJson(res, 200, { simTime: iso(ctx.world.now), simTimeMs: ctx.world.now, speed: ctx.speed, realTime: iso(Date.now()) }));
  r.add("GET", "/sim/state", (_req, res) => sendJson(res, 200, ctx.state()));
  // Ground truth for tests and the page only: the product learns the graph from /k8s and /prometheus.
  r.add("GET", "/sandbox/topology", (_req, res) => sendJson(res, 200, ctx.topology()));
  return r;
}

import { Router, sendJson, type RouteRequest } from "../http/router.ts";
import type { Logger } from "../log.ts";
import type { SandboxPart } from "./part.ts";
import { itemAt } from "../domain/indexed.ts";

/** What a bot replica needs to use a shared sandbox (`POST /sandbox/app/replicas`). */
export interface SandboxAppInfo {
  botToken: string;
  signingSecret: string;
  kubeconfigPath?: string;
  simSpeed?: number;
}

const HOP_HEADERS = new Set(["host", "connection", "content-length", "transfer-encoding", "keep-alive"]);

/**
 * The app's front door in a shared sandbox (`npx aisre sandbox`): Slack events, interactivity and
 * every sandbox webhook (alerts, deploys, Jira, PagerDuty) go to `/sandbox/gateway/...`, which
 * forwards each request to one live bot replica (taking turns; a replica that does not answer is
 * skipped), like the load balancer in front of a real deployment. Replicas register themselves,
 * and learn the workspace's bot token and signing secret and the simulation clock.
 */
export function createGateway(options: { info: () => SandboxAppInfo; now?: () => number; logger: Logger }): SandboxPart & { prefix: string } {
  const replicas = new Map<string, { url: string; registeredAt: string; lastOk?: string }>();
  let turn = 0;

  const forward = async (req: RouteRequest<"rest">, res: import("node:http").ServerResponse) => {
    const list = [...replicas.values()];
    if (list.length === 0) return sendJson(res, 502, { ok: false, error: "no_replica", detail: "no bot replica registered (POST /sandbox/app/replicas)" });
    const query = req.query.size > 0 ? `?${req.query.toString()}` : "";
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP_HEADERS.has(k) && v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
    const start = turn++;
    for (let i = 0; i < list.length; i++) {
      const r = itemAt(list, (start + i) % list.length, "replica");
      try {
        const answer = await fetch(`${r.url}/${req.params.rest}${query}`, { method: req.method, headers, body: req.method === "GET" || req.method === "HEAD" ? undefined : new Uint8Array(req.body), signal: AbortSignal.timeout(30_000) });
        r.lastOk = new Date().toISOString();
        const body = Buffer.from(await answer.arrayBuffer());
        const out: Record<string, string> = {};
        answer.headers.forEach((v, k) => {
          if (!HOP_HEADERS.has(k) && k !== "content-encoding") out[k] = v;
        });
        res.writeHead(answer.status, out);
        res.end(body);
        return;
      } catch (e) {
        options.logger.warn({ replica: r.url, err: e }, "bot replica did not answer; trying the next");
      }
    }
    sendJson(res, 502, { ok: false, error: "no_replica_answered", detail: `none of ${list.length} replicas answered` });
  };

  const router = new Router({ maxBodyBytes: 20 * 1024 * 1024 })
    .add("POST", "/sandbox/app/replicas", (req, res) => {
      let url: string;
      try {
        url = String((JSON.parse(req.body.toString("utf8")) as { url?: unknown }).url ?? "");
        new URL(url);
      } catch {
        return sendJson(res, 400, { ok: false, error: "invalid_arguments", detail: 'expected {"url": "<the replica base URL>"}' });
      }
      replicas.set(url, { url, registeredAt: new Date().toISOString() });
      options.logger.info({ url, replicas: replicas.size }, "bot replica registered");
      sendJson(res, 200, { ok: true, ...options.info() });
    })
    .add("DELETE", "/sandbox/app/replicas", (req, res) => {
      const url = req.query.get("url") ?? "";
      replicas.delete(url);
      sendJson(res, 200, { ok: true });
    })
    .add("GET", "/sandbox/app/clock", (_req, res) => sendJson(res, 200, { ok: true, now: options.now?.() ?? Date.now(), speed: options.info().simSpeed ?? 1 }));
  for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"]) router.add(method, "/sandbox/gateway/*rest", forward);
  return { name: "gateway", prefix: "/sandbox/gateway", router, state: () => ({ replicas: [...replicas.values()] }) };
}

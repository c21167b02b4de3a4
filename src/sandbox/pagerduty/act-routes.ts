import { Router, sendJson, sendText } from "../../http/router.ts";
import { escapeHtml, parseJsonObject } from "./sandbox-http.ts";
import type { RouteRequest } from "../../http/router.ts";
import { PdRestError } from "./model.ts";
import { renderIncident } from "./render.ts";
import type { PdStore } from "./store.ts";
import type { WebhookDelivery } from "./webhook-sender.ts";

/**
 * Sandbox-only routes (no real PagerDuty has them): act as a person in the PagerDuty web app, force
 * failures, see webhook deliveries, and small web pages for `html_url` links.
 *
 * `POST /pagerduty/sandbox/act {as, incident, action, to?, content?, level?}`: `as` and `to` are a
 * handle ("alice"), a Slack user id, an email or a PagerDuty user id; `incident` an id, number or
 * incident key (dedup_key); `action` acknowledge | resolve | reassign (to) | note (content) |
 * escalate (level, default next).
 */

export interface PdActDeps {
  store: PdStore;
  site(req: RouteRequest): string;
  failNext(count: number, status: number, retryAfterSeconds: number): number;
  deliveries(): WebhookDelivery[];
  settle(): Promise<void>;
  asClient<T>(client: string, fn: () => T): T;
}

export function pagerdutyActRoutes(deps: PdActDeps): Router {
  const { store } = deps;
  const router = new Router();

  router.add("POST", "/pagerduty/sandbox/act", async (req, res) => {
    const body = parseJsonObject(req);
    if (!body) return sendJson(res, 400, { error: "invalid_json" });
    const actor = typeof body.as === "string" ? (store.user(body.as.replace(/^@/, "")) ?? store.user(`${body.as}@example.com`)) : undefined;
    if (!actor) return sendJson(res, 400, { error: "unknown_user", detail: `"as" must name a PagerDuty user (alice, U_BOB, carol@example.com or a user id)` });
    const incident = store.find(String(body.incident ?? ""));
    if (!incident) return sendJson(res, 404, { error: "unknown_incident" });
    const agent = { type: "user_reference" as const, id: actor.id };
    try {
      deps.asClient("PagerDuty", () => {
        switch (body.action) {
          case "acknowledge":
            store.acknowledge(incident, agent);
            return;
          case "resolve":
            store.resolve(incident, agent, typeof body.content === "string" ? body.content : undefined);
            return;
          case "reassign": {
            const to = typeof body.to === "string" ? (store.user(body.to) ?? store.user(`${body.to}@example.com`)) : undefined;
            if (!to) throw new PdRestError(400, 1007, "Assigned To User Not Found");
            store.reassign(incident, [to.id], agent);
            return;
          }
          case "note":
            store.addNote(incident, actor.id, String(body.content ?? ""));
            return;
          case "escalate":
            store.escalate(incident, body.level === undefined ? incident.escalationLevel + 1 : Number(body.level), agent);
            return;
          default:
            throw new PdRestError(400, 2001, "Invalid Input Provided", [`action must be acknowledge, resolve, reassign, note or escalate`]);
        }
      });
    } catch (e) {
      if (e instanceof PdRestError) return sendJson(res, e.status, e.body());
      throw e;
    }
    await deps.settle();
    sendJson(res, 200, { incident: renderIncident(deps.site(req), store, incident) });
  });

  router.add("POST", "/pagerduty/sandbox/faults", (req, res) => {
    const body = parseJsonObject(req);
    if (!body) return sendJson(res, 400, { error: "invalid_json" });
    const pending = deps.failNext(Math.max(0, Number(body.count ?? 1)), body.status === 503 ? 503 : 429, Math.max(0, Number(body.retryAfter ?? 1)));
    sendJson(res, 200, { pending });
  });

  router.add("GET", "/pagerduty/sandbox/webhooks", (_req, res) => sendJson(res, 200, { deliveries: deps.deliveries() }));

  router.add("GET", "/pagerduty/web/incidents/:id", (req, res) => {
    const i = store.find(req.params.id);
    if (!i) return sendText(res, 404, "Incident not found");
    const who = (id: string) => store.user(id)?.name ?? id;
    const notes = i.notes.map((n) => `<li><b>${escapeHtml(who(n.userId))}</b>: ${escapeHtml(n.content)}</li>`).join("");
    const html = `<!doctype html><meta charset="utf-8"><title>#${i.number} ${escapeHtml(i.title)}</title>
<h1>#${i.number} ${escapeHtml(i.title)}</h1>
<p>Status: <b>${i.status}</b> · Urgency: ${i.urgency} · Service: ${escapeHtml(store.service(i.serviceId)!.name)} · Assigned to: ${escapeHtml(i.assignments.map((a) => who(a.userId)).join(", ") || "nobody")} · Level ${i.escalationLevel}</p>
<p>Dedup key: <code>${escapeHtml(i.incidentKey)}</code></p><h2>Notes</h2><ul>${notes}</ul>`;
    sendText(res, 200, html, "text/html; charset=utf-8");
  });

  return router;
}

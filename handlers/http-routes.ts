import type { Services } from "../src/app/services.ts";
import { Router, sendJson, sendText } from "../src/http/router.ts";

const html = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/**
 * The bot's non-Slack routes: health, readiness, metrics, and the incident page aisre's incident
 * links (`/incidents/<id>`, unfurled in Slack) point at. Webhook routes are added by ingestion.
 */
export function opsRoutes(services: Services, state: { draining: boolean }): Router {
  return new Router()
    .add("GET", "/readyz", async (_req, res) => {
      if (state.draining) return sendJson(res, 503, { ok: false, detail: "shutting down" });
      const r = await services.ready();
      sendJson(res, r.ok ? 200 : 503, r);
    })
    .add("GET", "/incidents/:id", async (req, res) => {
      const incident = await services.store.incidents.get(req.params.id);
      if (!incident) return sendText(res, 404, "no such incident", "text/plain; charset=utf-8");
      const card = await services.store.incidents.card(incident.id);
      const rows: Array<[string, string]> = [["Severity", incident.severity], ["Status", incident.status], ["Services", incident.services.join(", ")], ["Opened", incident.createdAt], ...(card.diagnosis?.cause ? [["Leading cause", card.diagnosis.cause] as [string, string]] : [])];
      const body = `<!doctype html><meta charset="utf-8"><title>${html(incident.title)}</title><h1>${html(incident.title)}</h1><dl>${rows.map(([k, v]) => `<dt>${html(k)}</dt><dd>${html(v)}</dd>`).join("")}</dl>`;
      sendText(res, 200, body, "text/html; charset=utf-8");
    })
    .add("GET", "/metrics", async (_req, res) => {
      for (const e of await services.metrics.registry.collect()) services.logger.warn({ err: e }, "a metrics collector failed; its gauges keep their last value");
      sendText(res, 200, services.metrics.registry.expose(), "text/plain; version=0.0.4; charset=utf-8");
    });
}

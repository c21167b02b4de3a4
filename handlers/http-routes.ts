import type { Services } from "../src/app/services.ts";
import { Router, sendJson, sendText } from "../src/http/router.ts";

/** The bot's non-Slack routes: health, readiness and metrics. Webhook routes are added by ingestion. */
export function opsRoutes(services: Services, state: { draining: boolean }): Router {
  return new Router()
    .add("GET", "/readyz", async (_req, res) => {
      if (state.draining) return sendJson(res, 503, { ok: false, detail: "shutting down" });
      const r = await services.ready();
      sendJson(res, r.ok ? 200 : 503, r);
    })
    .add("GET", "/metrics", async (_req, res) => {
      for (const e of await services.metrics.registry.collect()) services.logger.warn({ err: e }, "a metrics collector failed; its gauges keep their last value");
      sendText(res, 200, services.metrics.registry.expose(), "text/plain; version=0.0.4; charset=utf-8");
    });
}

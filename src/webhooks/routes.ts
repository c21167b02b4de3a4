import { Router, sendJson } from "../http/router.ts";
import type { WebhookIntake } from "./intake.ts";

/** `POST /webhooks/<source>`. The router's own cap (the largest source limit) guards memory. */
export function webhookRoutes(intake: WebhookIntake, maxBodyBytes = 2 * 1024 * 1024): Router {
  return new Router({ maxBodyBytes }).add("POST", "/webhooks/:source", async (req, res) => {
    const answer = await intake.accept(req.params.source, { headers: req.headers, body: req.body });
    sendJson(res, answer.status, answer.body, answer.headers);
  });
}

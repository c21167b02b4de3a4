import { Router, sendJson } from "../http/router.ts";
import { webhookTooLarge } from "./answers.ts";
import type { WebhookIntake } from "./intake.ts";

/** What an unknown source may send before it is answered 404 (the body is not needed for that). */
const UNKNOWN_SOURCE_MAX_BYTES = 64 * 1024;

/**
 * `POST /webhooks/<source>`. Each source's documented limit (docs/webhooks.md) is enforced while
 * the body is read, so memory stays bounded and a larger body is refused with a clean 413
 * `webhook_too_large` (drained, not reset).
 */
export function webhookRoutes(intake: WebhookIntake): Router {
  const limit = (p: Record<string, string>) => intake.maxBytes(p.source ?? "") ?? UNKNOWN_SOURCE_MAX_BYTES;
  return new Router({ maxBodyBytes: limit, tooLarge: webhookTooLarge }).add("POST", "/webhooks/:source", async (req, res) => {
    const answer = await intake.accept(req.params.source ?? "", { headers: req.headers, body: req.body });
    sendJson(res, answer.status, answer.body, answer.headers);
  });
}

import type { ParsedDelivery, WebhookRequest } from "../ingest/types.ts";

/** What the webhook door answers, and how a delivery is kept: shared by the intake and the door thread. */
export type IntakeAnswer = { status: number; body: unknown; headers?: Record<string, string> };

/** Seconds a sender is asked to wait when the delivery could not be stored. */
export const STORE_RETRY_AFTER_S = 5;

/** Headers worth keeping with a stored delivery, so it can be parsed again after a crash. */
const KEPT_HEADERS = /^(content-type|x-|user-agent$)/i;

export const storeUnavailable = (detail: string): IntakeAnswer => ({
  status: 503,
  headers: { "retry-after": String(STORE_RETRY_AFTER_S) },
  body: { ok: false, error: "store_unavailable", detail: `the delivery was not stored (${detail}); retry later` },
});

export const accepted = (parsed: ParsedDelivery): IntakeAnswer => parsed.reply ?? { status: 202, body: { ok: true, status: "accepted", deliveryId: parsed.deliveryId, alerts: parsed.alerts.length, changes: parsed.changes.length, ignored: parsed.ignored } };

export const duplicate = (deliveryId: string): IntakeAnswer => ({ status: 200, body: { ok: true, status: "duplicate", deliveryId } });

/** The 413 body of a webhook over its source's limit. */
export const webhookTooLarge = (max: number) => ({ ok: false, error: "webhook_too_large", detail: `the body is over this source's limit of ${max} bytes` });

export function keptHeaders(h: WebhookRequest["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (KEPT_HEADERS.test(k) && v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

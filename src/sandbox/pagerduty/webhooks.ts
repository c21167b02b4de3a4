import { randomUUID } from "node:crypto";
import { signPagerDutyBody } from "../../integrations/pagerduty/webhook-signature.ts";
import { agentRef, reference, renderWebhookIncident } from "./render.ts";
import type { PdChange, PdStore } from "./store.ts";
import type { WebhookSender } from "./webhook-sender.ts";

/**
 * PagerDuty v3 webhooks: `{event: {id, event_type, resource_type, occurred_at, agent, client, data}}`
 * signed with `X-PagerDuty-Signature: v1=<hex hmac-sha256(secret, raw body)>` (one value per secret,
 * comma-separated, as during a rotation), with `X-Webhook-Id` (the same on every retry) and
 * `X-Webhook-Subscription`.
 */

export function pagerdutyWebhookBody(site: string, store: PdStore, change: PdChange, client: string): Record<string, unknown> {
  const { incident } = change;
  const data = change.note
    ? {
        incident: reference(site, "incident_reference", incident.id, incident.title),
        id: change.note.id,
        content: change.note.content,
        trimmed: false,
        type: "incident_note",
      }
    : renderWebhookIncident(site, store, incident);
  return {
    event: {
      id: randomUUID(),
      event_type: change.eventType,
      resource_type: "incident",
      occurred_at: new Date().toISOString(),
      agent: agentRef(site, store, change.agent),
      client: { name: client },
      data,
    },
  };
}

export function sendPagerDutyWebhook(sender: WebhookSender, target: { url: string; secrets: string[]; subscriptionId: string }, body: Record<string, unknown>): void {
  const raw = JSON.stringify(body);
  const id = randomUUID();
  const event = body.event as { event_type: string };
  sender.send({
    id,
    url: target.url,
    event: event.event_type,
    body: raw,
    headers: () => ({
      "content-type": "application/json; charset=utf-8",
      "user-agent": "PagerDuty-Webhook/V3.0",
      "x-webhook-id": id,
      "x-webhook-subscription": target.subscriptionId,
      ...(target.secrets.length ? { "x-pagerduty-signature": signPagerDutyBody(raw, target.secrets) } : {}),
    }),
  });
}

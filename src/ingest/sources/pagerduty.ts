import { z } from "zod";
import type { Alert, Severity } from "../../domain/alert.ts";
import { checkAlert, severityFromWord } from "../normalize.ts";
import type { ExternalEvent, ParsedDelivery, SecretSpecs, SecretValues, ReceivedWebhook, VerifyResult, WebhookRequest, WebhookSource } from "../types.ts";
import { compact, header, parseJsonBody, parseWith, stableHash, toIso, verifyHmacHeader } from "../util.ts";

const NAME = "pagerduty";

/** What it verifies with (docs/webhooks.md lists the same). */
const SECRETS = {
  pagerdutySecret: { env: "PAGERDUTY_WEBHOOK_SECRET", description: "the v3 webhook subscription's signing secret (comma-separated during a rotation: any verifies)", form: "list" },
} as const satisfies SecretSpecs;

/**
 * Incident keys (Events API v2 dedup keys) of incidents aisre itself raised: their webhooks are
 * echoes and never become alerts again (they still become external events for the sync).
 */
export const OWN_INCIDENT_KEY = /^aisre[:-]/;

const ref = z.object({ id: z.string(), summary: z.string().optional(), type: z.string().optional(), html_url: z.string().nullish(), self: z.string().nullish() });

const IncidentSchema = z.object({
  id: z.string().min(1),
  type: z.literal("incident"),
  title: z.string().default(""),
  status: z.string().optional(),
  number: z.number().optional(),
  html_url: z.string().nullish(),
  incident_key: z.string().nullish(),
  created_at: z.string().nullish(),
  reopened_at: z.string().nullish(),
  urgency: z.string().nullish(),
  service: ref.nullish(),
  assignees: z.array(ref).nullish(),
  escalation_policy: ref.nullish(),
  teams: z.array(ref).nullish(),
  priority: ref.nullish(),
  resolve_reason: z.unknown().optional(),
  conference_bridge: z.unknown().optional(),
});

/** Non-incident resources about an incident (incident_note, incident_responder, status updates …). */
const AboutIncidentSchema = z.looseObject({
  id: z.string().optional(),
  type: z.string(),
  incident: ref,
  content: z.string().nullish(),
  message: z.string().nullish(),
});

const EnvelopeSchema = z.object({
  event: z.object({
    id: z.string().optional(),
    event_type: z.string().min(1),
    resource_type: z.string(),
    occurred_at: z.string().min(1),
    agent: ref.nullish(),
    client: z.object({ name: z.string().optional() }).nullish(),
    data: z.looseObject({ type: z.string().optional() }),
  }),
});

function verify(req: WebhookRequest, secrets: SecretValues<typeof SECRETS>): VerifyResult {
  return verifyHmacHeader(req, "x-pagerduty-signature", "v1=", secrets.pagerdutySecret);
}

/** Priority P1…P5 first (P4 and P5 → sev4), else urgency: high → sev2, low → sev3. */
export function pagerdutySeverity(priority: string | undefined | null, urgency: string | undefined | null): Severity {
  const p = priority ? /^p(\d)$/i.exec(priority.trim()) : null;
  if (p) return (["sev1", "sev1", "sev2", "sev3", "sev4", "sev4"] as const)[Math.min(Number(p[1]), 5)]!;
  const fromWord = severityFromWord(priority ?? undefined);
  if (fromWord) return fromWord;
  return urgency === "high" ? "sev2" : "sev3";
}

function parse(req: ReceivedWebhook): ParsedDelivery {
  const { event } = parseWith(NAME, EnvelopeSchema, parseJsonBody(NAME, req));
  // event.id is the same on every retry of the event; X-Webhook-Id carries it too.
  const deliveryId = event.id || header(req, "x-webhook-id") || stableHash(req.body);
  const at = toIso(NAME, "event.occurred_at", event.occurred_at) ?? req.receivedAt;
  const alerts: Alert[] = [];
  const externalEvents: ExternalEvent[] = [];
  const ignored: string[] = [];
  const actor = event.agent ? compact({ actor: event.agent.summary ?? event.agent.id, actorId: event.agent.id }) : {};

  if (event.resource_type === "incident" && event.event_type.startsWith("incident.")) {
    if (event.data.type === "incident") {
      const inc = parseWith(NAME, IncidentSchema, event.data, "event.data");
      externalEvents.push({
        system: "pagerduty",
        type: event.event_type,
        externalId: inc.id,
        ...actor,
        at,
        data: compact({
          status: inc.status,
          title: inc.title,
          number: inc.number,
          urgency: inc.urgency ?? undefined,
          priority: inc.priority?.summary,
          service: inc.service?.summary,
          serviceId: inc.service?.id,
          assignees: inc.assignees?.map((a) => a.summary ?? a.id),
          escalationPolicy: inc.escalation_policy?.summary,
          incidentKey: inc.incident_key ?? undefined,
          htmlUrl: inc.html_url ?? undefined,
          resolveReason: inc.resolve_reason ?? undefined,
          eventId: deliveryId,
        }),
      });
      const alert = incidentAlert(event.event_type, inc, at);
      if (alert) {
        if (inc.incident_key && OWN_INCIDENT_KEY.test(inc.incident_key)) ignored.push(`incident ${inc.id} was raised by aisre (incident_key ${inc.incident_key}): no alert`);
        else alerts.push(checkAlert(NAME, alert, "event.data"));
      }
    } else {
      const about = parseWith(NAME, AboutIncidentSchema, event.data, "event.data");
      externalEvents.push({
        system: "pagerduty",
        type: event.event_type,
        externalId: about.incident.id,
        ...actor,
        at,
        data: compact({
          resourceType: about.type,
          resourceId: about.id,
          content: about.content ?? about.message ?? undefined,
          incidentTitle: about.incident.summary,
          htmlUrl: about.incident.html_url ?? undefined,
          eventId: deliveryId,
        }),
      });
    }
  } else {
    ignored.push(`${event.event_type} (${event.resource_type}) is not an incident event`);
  }
  return compact({ deliveryId, alerts, changes: [], externalEvents, ignored: ignored.length ? ignored : undefined });
}

/** incident.triggered / reopened → a firing alert; incident.resolved → that alert resolved. */
function incidentAlert(type: string, inc: z.output<typeof IncidentSchema>, at: string): Alert | undefined {
  if (type !== "incident.triggered" && type !== "incident.resolved" && type !== "incident.reopened") return undefined;
  const created = toIso(NAME, "event.data.created_at", inc.created_at) ?? at;
  const startsAt = type === "incident.reopened" ? (toIso(NAME, "event.data.reopened_at", inc.reopened_at) ?? at) : created;
  const labels: Record<string, string> = compact({
    pagerduty_incident: inc.id,
    pagerduty_incident_number: inc.number !== undefined ? String(inc.number) : undefined,
    pagerduty_service: inc.service?.summary,
    pagerduty_service_id: inc.service?.id,
    urgency: inc.urgency ?? undefined,
    priority: inc.priority?.summary,
    incident_key: inc.incident_key ?? undefined,
  }) as Record<string, string>;
  return compact({
    fingerprint: `pagerduty:${inc.id}`,
    source: NAME,
    name: inc.title || `PagerDuty incident ${inc.number ?? inc.id}`,
    status: type === "incident.resolved" ? "resolved" : "firing",
    severity: pagerdutySeverity(inc.priority?.summary, inc.urgency),
    service: inc.service?.summary,
    summary: inc.title || `PagerDuty incident ${inc.number ?? inc.id}`,
    labels,
    startsAt,
    endsAt: type === "incident.resolved" ? at : undefined,
    generatorUrl: inc.html_url ?? undefined,
  }) as Alert;
}

/** 1 MiB: v3 bodies are a few KiB. */
export const pagerduty: WebhookSource<typeof SECRETS> = { name: NAME, maxBytes: 1024 * 1024, secrets: SECRETS, verify, parse };

import { z } from "zod";

/**
 * A zod parser of PagerDuty v3 webhook bodies: `{event: {id, event_type, resource_type, occurred_at,
 * agent, client, data}}`, with `data` typed by its `type` — `incident` (acknowledged, resolved,
 * reassigned, escalated, triggered, priority_updated…), `incident_note` (annotated), and the other
 * incident resources (responders, status updates) kept loosely. Unknown fields pass through.
 */

const reference = z.looseObject({
  id: z.string(),
  type: z.string(),
  summary: z.string().nullish(),
  self: z.string().nullish(),
  html_url: z.string().nullish(),
});

export const PagerDutyWebhookIncident = z.looseObject({
  id: z.string(),
  type: z.literal("incident"),
  self: z.string().nullish(),
  html_url: z.string().nullish(),
  number: z.number(),
  status: z.enum(["triggered", "acknowledged", "resolved"]),
  incident_key: z.string().nullish(),
  created_at: z.string(),
  title: z.string(),
  service: reference,
  assignees: z.array(reference).default([]),
  escalation_policy: reference.nullish(),
  teams: z.array(reference).default([]),
  priority: reference.nullish(),
  urgency: z.enum(["high", "low"]).nullish(),
  reopened_at: z.string().nullish(),
  resolve_reason: z.unknown().optional(),
  conference_bridge: z.unknown().optional(),
});

export const PagerDutyWebhookNote = z.looseObject({
  id: z.string(),
  type: z.literal("incident_note"),
  incident: reference,
  content: z.string(),
  trimmed: z.boolean().optional(),
});

const OtherIncidentResource = z.looseObject({ type: z.string(), incident: reference.optional() });

export const PagerDutyWebhookBody = z.object({
  event: z.object({
    id: z.string(),
    event_type: z.string().min(1),
    resource_type: z.string(),
    occurred_at: z.string(),
    agent: reference.nullish(),
    client: z.looseObject({ name: z.string().optional() }).nullish(),
    data: z.union([PagerDutyWebhookIncident, PagerDutyWebhookNote, OtherIncidentResource]),
  }),
});

export type PagerDutyWebhook = z.infer<typeof PagerDutyWebhookBody>;
export type PagerDutyWebhookIncidentData = z.infer<typeof PagerDutyWebhookIncident>;
export type PagerDutyWebhookNoteData = z.infer<typeof PagerDutyWebhookNote>;

export type ParsedPagerDutyWebhook =
  | { ok: true; kind: "incident"; event: PagerDutyWebhook["event"]; incident: PagerDutyWebhookIncidentData }
  | { ok: true; kind: "note"; event: PagerDutyWebhook["event"]; note: PagerDutyWebhookNoteData }
  | { ok: true; kind: "other"; event: PagerDutyWebhook["event"] }
  | { ok: false; error: string };

/** Parses a raw body (string, bytes or already-parsed JSON). */
export function parsePagerDutyWebhook(body: string | Buffer | unknown): ParsedPagerDutyWebhook {
  let json: unknown = body;
  if (typeof body === "string" || Buffer.isBuffer(body)) {
    try {
      json = JSON.parse(body.toString());
    } catch {
      return { ok: false, error: "body is not JSON" };
    }
  }
  const r = PagerDutyWebhookBody.safeParse(json);
  if (!r.success) {
    const first = r.error.issues[0];
    return { ok: false, error: `${first?.path.join(".") || "body"}: ${first?.message ?? "invalid"}` };
  }
  const { event } = r.data;
  const incident = PagerDutyWebhookIncident.safeParse(event.data);
  if (incident.success) return { ok: true, kind: "incident", event, incident: incident.data };
  const note = PagerDutyWebhookNote.safeParse(event.data);
  if (note.success) return { ok: true, kind: "note", event, note: note.data };
  const failed = event.data.type === "incident" ? incident.error : event.data.type === "incident_note" ? note.error : undefined;
  const issue = failed?.issues[0];
  if (issue) return { ok: false, error: `event.data.${issue.path.join(".")}: ${issue.message}` };
  return { ok: true, kind: "other", event };
}

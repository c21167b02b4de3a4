import type { Incident } from "../domain/incident.ts";

/**
 * Slack message metadata (`metadata: {event_type, event_payload}`) on the posts aisre makes about an
 * incident, so other apps and workflows can read which incident a message belongs to and what
 * happened. The root post says `opened`; thread posts and card edits say `updated`, or `resolved`
 * once the incident is resolved.
 */
export const INCIDENT_EVENT_TYPES = {
  opened: "aisre_incident_opened",
  updated: "aisre_incident_updated",
  resolved: "aisre_incident_resolved",
} as const;

export type IncidentEventType = (typeof INCIDENT_EVENT_TYPES)[keyof typeof INCIDENT_EVENT_TYPES];

export interface IncidentMetadata {
  event_type: IncidentEventType;
  event_payload: { incident_id: string; severity: string; status: string; services: string[] } & Record<string, unknown>;
}

/** Which event a post about `incident` is: its root post opens it, everything else updates or resolves it. */
export function incidentEventType(incident: Pick<Incident, "status">, isRootPost: boolean): IncidentEventType {
  if (isRootPost) return INCIDENT_EVENT_TYPES.opened;
  return incident.status === "resolved" ? INCIDENT_EVENT_TYPES.resolved : INCIDENT_EVENT_TYPES.updated;
}

export function incidentMetadata(incident: Pick<Incident, "id" | "severity" | "status" | "services">, isRootPost: boolean): IncidentMetadata {
  return {
    event_type: incidentEventType(incident, isRootPost),
    event_payload: { incident_id: incident.id, severity: incident.severity, status: incident.status, services: [...incident.services] },
  };
}

/** The incident a queued Slack call is about: the one it records, or the one whose root it threads under or edits. */
export function incidentOfPayload(payload: Record<string, unknown>, recordIncidentId: string | undefined): string | undefined {
  if (recordIncidentId) return recordIncidentId;
  for (const field of ["thread_ts", "ts"] as const) {
    const v = payload[field];
    if (typeof v === "string" && v.startsWith("$root:")) return v.slice("$root:".length);
  }
  return undefined;
}

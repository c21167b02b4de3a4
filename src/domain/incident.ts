import type { Severity } from "./alert.ts";

export type IncidentStatus = "open" | "acknowledged" | "resolved";
export type IncidentOrigin = "alert" | "detected" | "declared";

export interface Incident {
  id: string;
  title: string;
  status: IncidentStatus;
  severity: Severity;
  origin: IncidentOrigin;
  services: string[];
  channel?: string;
  createdAt: string;
  updatedAt: string;
  resolvedAt?: string;
  acknowledgedBy?: string;
}

export type TimelineKind = "alert" | "change" | "status" | "hypothesis" | "action" | "message" | "anomaly" | "sync" | "note";

export interface TimelineEntry {
  id: number;
  incidentId: string;
  at: string;
  kind: TimelineKind;
  /** Who or what produced the entry (a Slack user id, "aisre", "pagerduty", …). */
  actor: string;
  text: string;
  data: Record<string, unknown>;
}

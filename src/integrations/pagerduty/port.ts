/**
 * What aisre needs from PagerDuty. The real adapter (@pagerduty/pdjs) implements it against
 * PagerDuty, and against the local sandbox when PagerDuty is not configured.
 */

export type PagerDutySeverity = "critical" | "error" | "warning" | "info";

/** The Events API v2 dedup_key of an aisre incident: stable, so retries and re-triggers never open a second page. */
export function dedupKeyFor(incidentId: string): string {
  return `aisre:${incidentId}`;
}

export interface PagerDutyTrigger {
  dedupKey: string;
  summary: string;
  /** The affected system (a service or host name). */
  source: string;
  severity: PagerDutySeverity;
  component?: string;
  group?: string;
  class?: string;
  customDetails?: Record<string, unknown>;
  links?: Array<{ href: string; text?: string }>;
  /** Overrides the configured routing key (per-service routing). */
  routingKey?: string;
}

export interface PagerDutyPerson {
  id: string;
  name: string;
  email?: string;
}

export interface PagerDutyIncidentView {
  id: string;
  number: number;
  title: string;
  status: "triggered" | "acknowledged" | "resolved";
  urgency: "high" | "low";
  url: string;
  dedupKey: string;
  service: { id: string; name: string };
  escalationPolicy: { id: string; name: string };
  escalationLevel?: number;
  assignees: PagerDutyPerson[];
  acknowledgedBy: string[];
  createdAt: string;
}

export interface PagerDutyOncall {
  user: PagerDutyPerson;
  level: number;
  escalationPolicy: { id: string; name: string };
  schedule?: { id: string; name: string };
  start: string | null;
  end: string | null;
}

export interface PagerDutyPort {
  /** Events API v2 trigger; the same dedupKey twice is one incident. */
  trigger(event: PagerDutyTrigger): Promise<{ dedupKey: string }>;
  acknowledge(dedupKey: string, routingKey?: string): Promise<void>;
  resolve(dedupKey: string, routingKey?: string): Promise<void>;
  /** The incident an aisre dedup key opened (the newest one), if any. */
  findByDedupKey(dedupKey: string): Promise<PagerDutyIncidentView | undefined>;
  getIncident(id: string): Promise<PagerDutyIncidentView>;
  /** Who is on call for a service (by name or id), lowest escalation level first. */
  listOncalls(service: string): Promise<PagerDutyOncall[]>;
  addNote(incidentId: string, content: string): Promise<{ id: string }>;
  /** The incident's notes (PagerDuty has no idempotency key for notes: a retry looks here first). */
  listNotes(incidentId: string): Promise<Array<{ id: string; content: string }>>;
  /** Escalates to `level`, or to the next level. */
  escalate(incidentId: string, level?: number): Promise<PagerDutyIncidentView>;
  /** Sets the incident's title (REST `PUT /incidents/{id}`): it follows what the incident is understood to be. */
  retitle(incidentId: string, title: string): Promise<PagerDutyIncidentView>;
  /** Reassigns to users given by PagerDuty id or email. */
  reassign(incidentId: string, users: string[]): Promise<PagerDutyIncidentView>;
  /** A user by id (name and email, to find the same person in Slack). */
  getUser(id: string): Promise<PagerDutyPerson>;
  /** The PagerDuty user aisre acts as (the From user of its writes): its changes come back in webhooks. */
  whoAmI(): Promise<PagerDutyPerson | undefined>;
}

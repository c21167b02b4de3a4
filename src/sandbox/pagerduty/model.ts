/** The PagerDuty sandbox's records. */

export interface PdUser {
  id: string;
  name: string;
  email: string;
  role: string;
  jobTitle: string;
  slackUserId?: string;
}

export interface PdService {
  id: string;
  name: string;
  description: string;
  escalationPolicyId: string;
  /** The Events API v2 integration key of the service's own integration. */
  integrationKey: string;
  integrationId: string;
}

export interface PdScheduleLayer {
  /** Users in rotation order. */
  userIds: string[];
  rotationStart: number;
  rotationMs: number;
}

export interface PdSchedule {
  id: string;
  name: string;
  timeZone: string;
  layer: PdScheduleLayer;
}

export type PdTarget = { type: "schedule_reference"; id: string } | { type: "user_reference"; id: string };

export interface PdEscalationPolicy {
  id: string;
  name: string;
  description: string;
  rules: Array<{ id: string; delayMinutes: number; targets: PdTarget[] }>;
  numLoops: number;
}

/** Who or what made a change (`event.agent` in webhooks, `last_status_change_by`). */
export type PdAgent = { type: "user_reference"; id: string } | { type: "service_reference"; id: string } | { type: "events_api_v2_inbound_integration_reference"; id: string; serviceId: string };

export type IncidentStatus = "triggered" | "acknowledged" | "resolved";

export interface PdAlert {
  id: string;
  createdAt: string;
  status: "triggered" | "resolved";
  summary: string;
  severity: string;
  source: string;
  component?: string;
  group?: string;
  class?: string;
  customDetails?: unknown;
  links: Array<{ href: string; text?: string }>;
}

export interface PdNote {
  id: string;
  userId: string;
  content: string;
  createdAt: string;
}

export interface PdLogEntry {
  id: string;
  type: string;
  createdAt: string;
  agent: PdAgent;
  summary: string;
}

export interface PdIncident {
  id: string;
  number: number;
  title: string;
  status: IncidentStatus;
  urgency: "high" | "low";
  serviceId: string;
  escalationPolicyId: string;
  escalationLevel: number;
  incidentKey: string;
  /** The routing key the triggering event came through (Events API incidents only). */
  routingKey?: string;
  createdAt: string;
  updatedAt: string;
  lastStatusChangeAt: string;
  lastStatusChangeBy: PdAgent;
  resolvedAt?: string;
  assignments: Array<{ at: string; userId: string }>;
  acknowledgements: Array<{ at: string; by: PdAgent }>;
  alerts: PdAlert[];
  notes: PdNote[];
  log: PdLogEntry[];
  resolution?: string;
}

/** An error in PagerDuty's REST shape: `{"error": {"message", "code", "errors"}}`. */
export class PdRestError extends Error {
  readonly status: number;
  readonly code: number;
  readonly errors: string[];
  constructor(status: number, code: number, message: string, errors: string[] = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.errors = errors;
  }
  body(): { error: { message: string; code: number; errors?: string[] } } {
    return { error: { message: this.message, code: this.code, ...(this.errors.length ? { errors: this.errors } : {}) } };
  }
}

export const notFound = (what = "Not Found"): PdRestError => new PdRestError(404, 2100, what);
export const invalidInput = (...errors: string[]): PdRestError => new PdRestError(400, 2001, "Invalid Input Provided", errors);

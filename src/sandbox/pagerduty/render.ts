import type { PdAgent, PdEscalationPolicy, PdIncident, PdNote, PdSchedule, PdService, PdUser } from "./model.ts";
import { TEAM } from "./seed.ts";
import type { OnCall, PdStore } from "./store.ts";
import { firstOf } from "../../domain/indexed.ts";

/**
 * PagerDuty REST JSON. `site` is the sandbox's PagerDuty base URL (http://localhost:3001/pagerduty);
 * `self` links point at its REST API, `html_url` at the sandbox's small web pages under `/web`.
 */

type Json = Record<string, unknown>;

export function reference(site: string, type: string, id: string, summary: string): Json {
  const plural = { user: "users", service: "services", escalation_policy: "escalation_policies", schedule: "schedules", team: "teams", incident: "incidents" }[type.replace(/_reference$/, "")] ?? type;
  return { id, type, summary, self: `${site}/${plural}/${id}`, html_url: `${site}/web/${plural}/${id}` };
}

export const userRef = (site: string, u: PdUser) => reference(site, "user_reference", u.id, u.name);
export const serviceRef = (site: string, s: PdService) => reference(site, "service_reference", s.id, s.name);
export const policyRef = (site: string, p: PdEscalationPolicy) => reference(site, "escalation_policy_reference", p.id, p.name);
export const scheduleRef = (site: string, s: PdSchedule) => reference(site, "schedule_reference", s.id, s.name);
export const teamRef = (site: string) => reference(site, "team_reference", TEAM.id, TEAM.name);

export function agentRef(site: string, store: PdStore, a: PdAgent): Json {
  if (a.type === "user_reference") return userRef(site, store.user(a.id)!);
  if (a.type === "service_reference") return serviceRef(site, store.service(a.id)!);
  return { id: a.id, type: a.type, summary: "Events API v2", self: `${site}/services/${a.serviceId}/integrations/${a.id}`, html_url: `${site}/web/services/${a.serviceId}` };
}

export function renderUser(site: string, u: PdUser): Json {
  return {
    ...userRef(site, u),
    type: "user",
    name: u.name,
    email: u.email,
    time_zone: "UTC",
    color: "green",
    role: u.role,
    avatar_url: `${site}/web/avatars/${u.id}.png`,
    description: "",
    invitation_sent: false,
    job_title: u.jobTitle,
    teams: [teamRef(site)],
    contact_methods: [reference(site, "email_contact_method_reference", `${u.id}E`, "Default")],
    notification_rules: [],
  };
}

export function renderService(site: string, store: PdStore, s: PdService, includeIntegrations = false): Json {
  const last = store
    .all()
    .filter((i) => i.serviceId === s.id)
    .at(-1);
  const integration = { id: s.integrationId, type: "events_api_v2_inbound_integration_reference", summary: "Events API v2", self: `${site}/services/${s.id}/integrations/${s.integrationId}`, html_url: `${site}/web/services/${s.id}` };
  return {
    ...serviceRef(site, s),
    type: "service",
    name: s.name,
    description: s.description,
    auto_resolve_timeout: null,
    acknowledgement_timeout: 1800,
    created_at: "2026-01-01T00:00:00Z",
    status: store.all().some((i) => i.serviceId === s.id && i.status !== "resolved") ? "critical" : "active",
    last_incident_timestamp: last?.createdAt ?? null,
    escalation_policy: policyRef(site, store.policy(s.escalationPolicyId)!),
    teams: [teamRef(site)],
    integrations: [includeIntegrations ? { ...integration, type: "events_api_v2_inbound_integration", name: "Events API v2", integration_key: s.integrationKey } : integration],
    incident_urgency_rule: { type: "constant", urgency: "high" },
    alert_creation: "create_alerts_and_incidents",
  };
}

export function renderPolicy(site: string, store: PdStore, p: PdEscalationPolicy): Json {
  return {
    ...policyRef(site, p),
    type: "escalation_policy",
    name: p.name,
    description: p.description,
    num_loops: p.numLoops,
    on_call_handoff_notifications: "if_has_services",
    escalation_rules: p.rules.map((r) => ({
      id: r.id,
      escalation_delay_in_minutes: r.delayMinutes,
      targets: r.targets.map((t) => (t.type === "user_reference" ? userRef(site, store.user(t.id)!) : scheduleRef(site, store.schedules.find((s) => s.id === t.id)!))),
    })),
    services: store.services.filter((s) => s.escalationPolicyId === p.id).map((s) => serviceRef(site, s)),
    teams: [teamRef(site)],
  };
}

export function renderSchedule(site: string, store: PdStore, s: PdSchedule): Json {
  const on = store.onCallFor(s.id);
  return {
    ...scheduleRef(site, s),
    type: "schedule",
    name: s.name,
    time_zone: s.timeZone,
    description: "Weekly rotation",
    users: s.layer.userIds.map((id) => userRef(site, store.user(id)!)),
    escalation_policies: store.policies.filter((p) => p.rules.some((r) => r.targets.some((t) => t.id === s.id))).map((p) => policyRef(site, p)),
    teams: [teamRef(site)],
    final_schedule: { name: "Final Schedule", rendered_schedule_entries: [{ start: on.start, end: on.end, user: userRef(site, store.user(on.userId)!) }] },
  };
}

export function renderOncall(site: string, store: PdStore, o: OnCall, include: string[]): Json {
  const user = store.user(o.userId)!;
  const policy = store.policy(o.escalationPolicyId)!;
  const schedule = o.scheduleId ? store.schedules.find((s) => s.id === o.scheduleId) : undefined;
  return {
    escalation_policy: include.includes("escalation_policies") ? renderPolicy(site, store, policy) : policyRef(site, policy),
    escalation_level: o.level,
    schedule: schedule ? (include.includes("schedules") ? renderSchedule(site, store, schedule) : scheduleRef(site, schedule)) : null,
    user: include.includes("users") ? renderUser(site, user) : userRef(site, user),
    start: o.start,
    end: o.end,
  };
}

export function renderNote(site: string, store: PdStore, n: PdNote): Json {
  return { id: n.id, user: userRef(site, store.user(n.userId)!), channel: { summary: "The PagerDuty website or APIs" }, content: n.content, created_at: n.createdAt };
}

export function renderIncident(site: string, store: PdStore, i: PdIncident): Json {
  const service = store.service(i.serviceId)!;
  const triggered = i.alerts.filter((a) => a.status === "triggered").length;
  // Every incident is created with its trigger log entry.
  const trigger = firstOf(i.log, `incident ${i.id} log`);
  return {
    ...reference(site, "incident", i.id, `[#${i.number}] ${i.title}`),
    type: "incident",
    incident_number: i.number,
    title: i.title,
    description: i.title,
    created_at: i.createdAt,
    updated_at: i.updatedAt,
    status: i.status,
    incident_key: i.incidentKey,
    service: serviceRef(site, service),
    assignments: i.assignments.map((a) => ({ at: a.at, assignee: userRef(site, store.user(a.userId)!) })),
    assigned_via: "escalation_policy",
    last_status_change_at: i.lastStatusChangeAt,
    last_status_change_by: agentRef(site, store, i.lastStatusChangeBy),
    resolved_at: i.resolvedAt ?? null,
    first_trigger_log_entry: { id: trigger.id, type: "trigger_log_entry_reference", summary: trigger.summary, self: `${site}/log_entries/${trigger.id}`, html_url: `${site}/web/incidents/${i.id}/log_entries/${trigger.id}` },
    alert_counts: { all: i.alerts.length, triggered, resolved: i.alerts.length - triggered },
    is_mergeable: true,
    escalation_policy: policyRef(site, store.policy(i.escalationPolicyId)!),
    escalation_level: i.escalationLevel,
    teams: [teamRef(site)],
    pending_actions: [],
    acknowledgements: i.acknowledgements.map((a) => ({ at: a.at, acknowledger: agentRef(site, store, a.by) })),
    alert_grouping: null,
    priority: null,
    resolve_reason: null,
    incidents_responders: [],
    responder_requests: [],
    subscriber_requests: [],
    urgency: i.urgency,
    conference_bridge: null,
  };
}

/** The `incident` object inside v3 webhooks (the fixture's shape: `number`, `assignees`). */
export function renderWebhookIncident(site: string, store: PdStore, i: PdIncident): Json {
  const service = store.service(i.serviceId)!;
  return {
    id: i.id,
    type: "incident",
    self: `${site}/incidents/${i.id}`,
    html_url: `${site}/web/incidents/${i.id}`,
    number: i.number,
    status: i.status,
    incident_key: i.incidentKey,
    created_at: i.createdAt.replace(/\.\d{3}Z$/, "Z"),
    title: i.title,
    service: serviceRef(site, service),
    assignees: i.assignments.map((a) => userRef(site, store.user(a.userId)!)),
    escalation_policy: policyRef(site, store.policy(i.escalationPolicyId)!),
    teams: [teamRef(site)],
    priority: null,
    urgency: i.urgency,
    conference_bridge: null,
    resolve_reason: null,
  };
}

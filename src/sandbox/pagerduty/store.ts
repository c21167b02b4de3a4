import { randomBytes } from "node:crypto";
import { PdRestError, invalidInput, notFound } from "./model.ts";
import type { PdAgent, PdAlert, PdEscalationPolicy, PdIncident, PdNote, PdSchedule, PdService, PdUser } from "./model.ts";
import { DEFAULT_SERVICE_NAME, seedEscalationPolicies, seedSchedules, seedServices, seedUsers } from "./seed.ts";
import { itemAt } from "../../domain/indexed.ts";

/** What changed, for the webhook sender: one v3 event type per change. */
export interface PdChange {
  eventType: string;
  incident: PdIncident;
  agent: PdAgent;
  note?: PdNote;
}

export interface OnCall {
  escalationPolicyId: string;
  level: number;
  scheduleId?: string;
  userId: string;
  start: string | null;
  end: string | null;
}

const randomId = () => `Q${randomBytes(5).toString("hex").toUpperCase().slice(0, 13)}`;

/** The PagerDuty account's state and the incident lifecycle rules. */
export class PdStore {
  readonly users: PdUser[] = seedUsers();
  readonly services: PdService[] = seedServices();
  readonly schedules: PdSchedule[];
  readonly policies: PdEscalationPolicy[] = seedEscalationPolicies();
  private readonly incidents: PdIncident[] = [];
  private nextNumber = 1;
  private readonly now: () => Date;
  private readonly onChange: (c: PdChange) => void;

  constructor(options: { now?: () => Date; onChange?: (c: PdChange) => void } = {}) {
    this.now = options.now ?? (() => new Date());
    this.onChange = options.onChange ?? (() => {});
    this.schedules = seedSchedules(this.now().getTime());
  }

  /** The incidents and the next number as JSON, for `restore` (the sandbox's data folder keeps it). */
  snapshot(): string {
    return JSON.stringify({ version: 1, incidents: this.incidents, nextNumber: this.nextNumber });
  }

  /** Replaces the incidents with a snapshot's: a restarted sandbox still has its pages. */
  restore(json: string): void {
    const data = JSON.parse(json) as { incidents: PdIncident[]; nextNumber: number };
    this.incidents.splice(0, this.incidents.length, ...data.incidents);
    this.nextNumber = data.nextNumber;
  }

  all(): PdIncident[] {
    return [...this.incidents];
  }

  /** By id, number or incident key. */
  find(ref: string): PdIncident | undefined {
    return this.incidents.find((i) => i.id === ref || String(i.number) === ref || i.incidentKey === ref);
  }

  incident(ref: string): PdIncident {
    const i = this.find(ref);
    if (!i) throw notFound("Incident Not Found");
    return i;
  }

  user(ref: string): PdUser | undefined {
    const lower = ref.toLowerCase();
    return this.users.find((u) => u.id === ref || u.email === lower || u.slackUserId === ref);
  }

  service(ref: string): PdService | undefined {
    return this.services.find((s) => s.id === ref || s.name === ref.toLowerCase());
  }

  policy(id: string): PdEscalationPolicy | undefined {
    return this.policies.find((p) => p.id === id);
  }

  /** The user on call for a schedule at a time, and the current rotation's bounds. */
  onCallFor(scheduleId: string, at = this.now().getTime()): { userId: string; start: string; end: string } {
    const s = this.schedules.find((x) => x.id === scheduleId)!;
    const turn = Math.floor((at - s.layer.rotationStart) / s.layer.rotationMs);
    const n = s.layer.userIds.length;
    const start = s.layer.rotationStart + turn * s.layer.rotationMs;
    return { userId: itemAt(s.layer.userIds, ((turn % n) + n) % n, `schedule ${scheduleId} user`), start: new Date(start).toISOString(), end: new Date(start + s.layer.rotationMs).toISOString() };
  }

  /** Everyone on call now, per escalation policy and level. */
  oncalls(): OnCall[] {
    const out: OnCall[] = [];
    for (const p of this.policies) {
      p.rules.forEach((rule, i) => {
        for (const t of rule.targets) {
          if (t.type === "schedule_reference") {
            const on = this.onCallFor(t.id);
            out.push({ escalationPolicyId: p.id, level: i + 1, scheduleId: t.id, userId: on.userId, start: on.start, end: on.end });
          } else out.push({ escalationPolicyId: p.id, level: i + 1, userId: t.id, start: null, end: null });
        }
      });
    }
    return out;
  }

  private assigneesAt(policyId: string, level: number): string[] {
    return this.oncalls()
      .filter((o) => o.escalationPolicyId === policyId && o.level === level)
      .map((o) => o.userId);
  }

  private stamp(i: PdIncident, agent: PdAgent, type: string, summary: string, statusChange = false): string {
    const at = this.now().toISOString();
    i.updatedAt = at;
    if (statusChange) {
      i.lastStatusChangeAt = at;
      i.lastStatusChangeBy = agent;
    }
    i.log.push({ id: randomId(), type, createdAt: at, agent, summary });
    return at;
  }

  /** A new incident on a service (from an event or the REST API). */
  open(input: { serviceId: string; title: string; urgency: "high" | "low"; incidentKey?: string; routingKey?: string; alert?: Omit<PdAlert, "id" | "createdAt" | "status">; agent: PdAgent; assigneeIds?: string[] }): PdIncident {
    const service = this.service(input.serviceId);
    if (!service) throw invalidInput("Service not found");
    const at = this.now().toISOString();
    const incident: PdIncident = {
      id: randomId(),
      number: this.nextNumber++,
      title: input.title,
      status: "triggered",
      urgency: input.urgency,
      serviceId: service.id,
      escalationPolicyId: service.escalationPolicyId,
      escalationLevel: 1,
      incidentKey: input.incidentKey ?? randomBytes(16).toString("hex"),
      routingKey: input.routingKey,
      createdAt: at,
      updatedAt: at,
      lastStatusChangeAt: at,
      lastStatusChangeBy: input.agent,
      assignments: (input.assigneeIds ?? this.assigneesAt(service.escalationPolicyId, 1)).map((userId) => ({ at, userId })),
      acknowledgements: [],
      alerts: input.alert ? [{ ...input.alert, id: randomId(), createdAt: at, status: "triggered" }] : [],
      notes: [],
      log: [{ id: randomId(), type: "trigger_log_entry", createdAt: at, agent: input.agent, summary: `Triggered: ${input.title}` }],
    };
    this.incidents.push(incident);
    this.onChange({ eventType: "incident.triggered", incident, agent: input.agent });
    return incident;
  }

  /** The open incident an event with this dedup key and routing key applies to. */
  openByDedupKey(routingKey: string, dedupKey: string): PdIncident | undefined {
    return this.incidents.find((i) => i.status !== "resolved" && i.incidentKey === dedupKey && i.routingKey === routingKey);
  }

  addAlert(i: PdIncident, alert: Omit<PdAlert, "id" | "createdAt" | "status">, agent: PdAgent): void {
    const at = this.stamp(i, agent, "trigger_log_entry", `Triggered again: ${alert.summary}`);
    i.alerts.push({ ...alert, id: randomId(), createdAt: at, status: "triggered" });
  }

  acknowledge(i: PdIncident, agent: PdAgent): boolean {
    if (i.status === "resolved") throw new PdRestError(400, 1001, "Incident Already Resolved");
    if (i.status === "acknowledged") return false;
    i.status = "acknowledged";
    const at = this.stamp(i, agent, "acknowledge_log_entry", "Acknowledged", true);
    i.acknowledgements.push({ at, by: agent });
    this.onChange({ eventType: "incident.acknowledged", incident: i, agent });
    return true;
  }

  resolve(i: PdIncident, agent: PdAgent, resolution?: string): boolean {
    if (i.status === "resolved") return false;
    i.status = "resolved";
    const at = this.stamp(i, agent, "resolve_log_entry", resolution ? `Resolved: ${resolution}` : "Resolved", true);
    i.resolvedAt = at;
    i.resolution = resolution;
    i.assignments = [];
    i.acknowledgements = [];
    for (const a of i.alerts) a.status = "resolved";
    this.onChange({ eventType: "incident.resolved", incident: i, agent });
    return true;
  }

  reassign(i: PdIncident, userIds: string[], agent: PdAgent): void {
    if (i.status === "resolved") throw new PdRestError(400, 1011, "Cannot process reassign action", ["Incident is resolved."]);
    const unknown = userIds.filter((id) => !this.user(id));
    if (unknown.length || userIds.length === 0) throw new PdRestError(400, 1007, "Assigned To User Not Found", unknown);
    const at = this.stamp(i, agent, "assign_log_entry", `Reassigned to ${userIds.map((id) => this.user(id)!.name).join(", ")}`, i.status !== "triggered");
    i.assignments = userIds.map((userId) => ({ at, userId }));
    // Reassigning re-opens the acknowledgement: the new assignees are notified.
    i.status = "triggered";
    i.acknowledgements = [];
    this.onChange({ eventType: "incident.reassigned", incident: i, agent });
  }

  escalate(i: PdIncident, level: number, agent: PdAgent): void {
    if (i.status === "resolved") throw new PdRestError(400, 1006, "Cannot Escalate", ["Incident is resolved."]);
    const policy = this.policy(i.escalationPolicyId)!;
    if (!Number.isInteger(level) || level < 1 || level > policy.rules.length) {
      throw new PdRestError(400, 1006, "Cannot Escalate", [`Escalation level must be between 1 and ${policy.rules.length}.`]);
    }
    const at = this.stamp(i, agent, "escalate_log_entry", `Escalated to level ${level}`, i.status !== "triggered");
    i.escalationLevel = level;
    i.assignments = this.assigneesAt(policy.id, level).map((userId) => ({ at, userId }));
    i.status = "triggered";
    i.acknowledgements = [];
    this.onChange({ eventType: "incident.escalated", incident: i, agent });
  }

  addNote(i: PdIncident, userId: string, content: string): PdNote {
    if (content.trim() === "") throw invalidInput("Note content can't be blank");
    const note: PdNote = { id: randomId(), userId, content, createdAt: this.now().toISOString() };
    i.notes.push(note);
    this.stamp(i, { type: "user_reference", id: userId }, "annotate_log_entry", "Note added");
    this.onChange({ eventType: "incident.annotated", incident: i, agent: { type: "user_reference", id: userId }, note });
    return note;
  }

  /** Where an event on the sandbox's global routing key goes: the service named by the event. */
  routeByName(...names: Array<string | undefined>): PdService {
    for (const n of names) {
      const s = n ? this.service(n.trim()) : undefined;
      if (s) return s;
    }
    return this.service(DEFAULT_SERVICE_NAME)!;
  }
}

import type { PagerDutyIncidentView, PagerDutyOncall, PagerDutyPerson, PagerDutyPort, PagerDutyTrigger } from "../../src/integrations/pagerduty/port.ts";

/**
 * An in-memory PagerDuty: a trigger opens one incident per dedup key (level 1), escalate moves it a
 * level up (to `maxLevel`, then refuses as PagerDuty does), on-call is a fixed rota. Records every call.
 */
export class MemoryPagerDuty implements PagerDutyPort {
  readonly calls: Array<{ method: string; args: unknown[] }> = [];
  readonly incidents = new Map<string, PagerDutyIncidentView>();
  /** The next trigger fails with this message. */
  failNext?: string;
  readonly rota: PagerDutyOncall[];
  readonly maxLevel: number;
  constructor(rota: PagerDutyOncall[] = [{ user: { id: "PU1", name: "Dana Oncall", email: "dana@example.com" }, level: 1, escalationPolicy: { id: "EP1", name: "Checkout" }, start: null, end: null }], maxLevel = 2) {
    this.rota = rota;
    this.maxLevel = maxLevel;
  }

  private log(method: string, ...args: unknown[]) {
    this.calls.push({ method, args });
  }

  private byId(id: string): PagerDutyIncidentView {
    const v = [...this.incidents.values()].find((i) => i.id === id);
    if (!v) throw new Error(`no PagerDuty incident ${id}`);
    return v;
  }

  async trigger(e: PagerDutyTrigger) {
    this.log("trigger", e);
    if (this.failNext) {
      const m = this.failNext;
      this.failNext = undefined;
      throw new Error(m);
    }
    if (!this.incidents.has(e.dedupKey)) {
      const n = this.incidents.size + 1;
      const first = this.rota.find((o) => o.level === 1)?.user;
      this.incidents.set(e.dedupKey, {
        id: `PD${n}`,
        number: n,
        title: e.summary,
        status: "triggered",
        urgency: "high",
        url: `https://example.pagerduty.com/incidents/PD${n}`,
        dedupKey: e.dedupKey,
        service: { id: "PS1", name: e.source },
        escalationPolicy: { id: "EP1", name: "Checkout" },
        escalationLevel: 1,
        assignees: first ? [first] : [],
        acknowledgedBy: [],
        createdAt: new Date(0).toISOString(),
      });
    }
    return { dedupKey: e.dedupKey };
  }
  async acknowledge(dedupKey: string) {
    this.log("acknowledge", dedupKey);
    const v = this.incidents.get(dedupKey);
    if (v) v.status = "acknowledged";
  }
  async resolve(dedupKey: string) {
    this.log("resolve", dedupKey);
    const v = this.incidents.get(dedupKey);
    if (v) v.status = "resolved";
  }
  async findByDedupKey(dedupKey: string) {
    this.log("findByDedupKey", dedupKey);
    return this.incidents.get(dedupKey);
  }
  async getIncident(id: string) {
    this.log("getIncident", id);
    return this.byId(id);
  }
  async listOncalls(service: string) {
    this.log("listOncalls", service);
    return this.rota;
  }
  readonly notes: Array<{ incidentId: string; id: string; content: string }> = [];
  async addNote(incidentId: string, content: string) {
    this.log("addNote", incidentId, content);
    const note = { incidentId, id: `N${this.calls.length}`, content };
    this.notes.push(note);
    return { id: note.id };
  }
  async listNotes(incidentId: string) {
    this.log("listNotes", incidentId);
    return this.notes.filter((n) => n.incidentId === incidentId).map(({ id, content }) => ({ id, content }));
  }
  async escalate(incidentId: string, level?: number) {
    this.log("escalate", incidentId, level);
    const v = this.byId(incidentId);
    const next = level ?? (v.escalationLevel ?? 1) + 1;
    if (next > this.maxLevel) throw new Error("there is no further escalation level");
    v.escalationLevel = next;
    const who = this.rota.find((o) => o.level === next)?.user;
    if (who) v.assignees = [who];
    return v;
  }
  async retitle(incidentId: string, title: string) {
    this.log("retitle", incidentId, title);
    const v = this.byId(incidentId);
    v.title = title;
    return v;
  }
  async reassign(incidentId: string, users: string[]) {
    this.log("reassign", incidentId, users);
    return this.byId(incidentId);
  }
  async getUser(id: string): Promise<PagerDutyPerson> {
    return this.rota.find((o) => o.user.id === id)?.user ?? { id, name: id };
  }
  async whoAmI(): Promise<PagerDutyPerson | undefined> {
    return { id: "PAISRE", name: "aisre" };
  }
}

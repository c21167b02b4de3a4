import { api, event } from "@pagerduty/pdjs";
import { silentLogger } from "../../log.ts";
import type { Logger } from "../../log.ts";
import { PagerDutyApiError, pagerDutyError } from "./errors.ts";
import type { PagerDutyIncidentView, PagerDutyOncall, PagerDutyPerson, PagerDutyPort, PagerDutyTrigger } from "./port.ts";

/**
 * PagerDutyPort over @pagerduty/pdjs. pdjs builds `https://${server}/…` from a host name, which is
 * how the real API and the EU region are reached; for any other base URL (the local sandbox on
 * http, a proxy path) it is given the full `url` of each call instead.
 */

export interface PdjsAdapterOptions {
  /** REST base, e.g. https://api.pagerduty.com or http://localhost:3001/pagerduty. */
  apiUrl: string;
  /** Events API base, e.g. https://events.pagerduty.com or http://localhost:3001/pagerduty. */
  eventsUrl: string;
  apiToken: string;
  routingKey: string;
  /** The PagerDuty user aisre acts as on writes (the From header). */
  fromEmail: string;
  /** Wait between pdjs's own retries of a 429 (default 5 s; pdjs retries 3 times). */
  retryTimeoutMs?: number;
  timeoutMs?: number;
  logger?: Logger;
}

type Json = Record<string, any>;
/** pdjs's event body type. It requires `payload` even on acknowledge/resolve, which the Events API v2 does not, hence the cast where those are sent. */
type PdjsEventData = Parameters<typeof event>[0]["data"];

/** What pdjs resolves with (its overloads type the call as a partial application). */
interface PdjsResponse {
  ok: boolean;
  status: number;
  data: any;
  headers: Headers;
}

/** The pdjs target for a base URL and path: a bare https host → `server`, anything else → `url`. */
export function pdjsTarget(baseUrl: string, path: string): { server: string; endpoint: string } | { url: string } {
  const u = new URL(baseUrl);
  const bare = u.protocol === "https:" && (u.pathname === "/" || u.pathname === "");
  return bare ? { server: u.host, endpoint: path } : { url: `${baseUrl.replace(/\/+$/, "")}${path}` };
}

function view(i: Json): PagerDutyIncidentView {
  return {
    id: i.id,
    number: i.incident_number,
    title: i.title,
    status: i.status,
    urgency: i.urgency,
    url: i.html_url,
    dedupKey: i.incident_key,
    service: { id: i.service?.id, name: i.service?.summary },
    escalationPolicy: { id: i.escalation_policy?.id, name: i.escalation_policy?.summary },
    escalationLevel: typeof i.escalation_level === "number" ? i.escalation_level : undefined,
    assignees: (i.assignments ?? []).map((a: Json) => ({ id: a.assignee.id, name: a.assignee.summary })),
    acknowledgedBy: (i.acknowledgements ?? []).map((a: Json) => a.acknowledger?.summary ?? a.acknowledger?.id),
    createdAt: i.created_at,
  };
}

export function createPdjsAdapter(options: PdjsAdapterOptions): PagerDutyPort {
  const logger = options.logger ?? silentLogger;
  const retryTimeout = options.retryTimeoutMs ?? 5_000;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const pd = api({ token: options.apiToken });

  async function rest(method: "get" | "post" | "put", path: string, what: string, extra: { data?: object; query?: Record<string, string | string[]> } = {}): Promise<Json> {
    const write = method !== "get";
    let res: PdjsResponse;
    try {
      res = (await pd({
        ...pdjsTarget(options.apiUrl, path),
        method,
        ...(write ? { data: extra.data ?? {}, headers: { From: options.fromEmail } } : {}),
        queryParameters: extra.query,
        retryTimeout,
        // pdjs's own timeout only sets an idle timer; abort through the signal instead.
        requestTimeout: 0,
        signal: AbortSignal.timeout(timeoutMs),
      } as Parameters<typeof pd>[0])) as unknown as PdjsResponse;
    } catch (e) {
      // pdjs rejects with the raw Response when a body is not JSON, or with a fetch error.
      const status = typeof (e as Response)?.status === "number" ? (e as Response).status : 0;
      throw new PagerDutyApiError(status, `PagerDuty ${what} failed: ${status ? `HTTP ${status}` : e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    if (!res.ok) throw pagerDutyError(res.status, res.data, res.headers.get("retry-after"), what);
    return res.data ?? {};
  }

  async function sendEvent(action: "trigger" | "acknowledge" | "resolve", data: Json): Promise<Json> {
    const target = pdjsTarget(options.eventsUrl, "/v2/enqueue");
    const body = { ...data, event_action: action };
    let res: PdjsResponse;
    try {
      res = ("server" in target
        ? await event({ data: body as PdjsEventData, server: target.server, retryTimeout, requestTimeout: 0, signal: AbortSignal.timeout(timeoutMs) })
        : await api({ url: target.url, method: "post", data: body, retryTimeout, requestTimeout: 0, signal: AbortSignal.timeout(timeoutMs) } as Parameters<typeof api>[0])) as unknown as PdjsResponse;
    } catch (e) {
      throw new PagerDutyApiError(0, `PagerDuty Events API ${action} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    if (res.status !== 202) throw pagerDutyError(res.status, res.data, res.headers.get("retry-after"), `Events API ${action}`);
    return res.data;
  }

  const findService = async (nameOrId: string): Promise<Json | undefined> => {
    if (/^P[A-Z0-9]{6}$/.test(nameOrId)) {
      try {
        return (await rest("get", `/services/${nameOrId}`, "get service")).service;
      } catch (e) {
        if (!(e instanceof PagerDutyApiError) || e.status !== 404) throw e;
      }
    }
    const { services } = await rest("get", "/services", "list services", { query: { query: nameOrId } });
    return (services as Json[]).find((s) => String(s.name).toLowerCase() === nameOrId.toLowerCase()) ?? (services as Json[])[0];
  };

  const userIds = async (users: string[]): Promise<string[]> =>
    Promise.all(
      users.map(async (u) => {
        if (!u.includes("@")) return u;
        const { users: found } = await rest("get", "/users", "find user", { query: { query: u } });
        const hit = (found as Json[]).find((x) => String(x.email).toLowerCase() === u.toLowerCase());
        if (!hit) throw new PagerDutyApiError(404, `No PagerDuty user has the email ${u}`);
        return String(hit.id);
      }),
    );

  /** The incident's escalation level; PagerDuty's incident object may not carry it, so it is read from who is assigned. */
  const currentLevel = async (i: PagerDutyIncidentView): Promise<number> => {
    if (i.escalationLevel !== undefined) return i.escalationLevel;
    const { oncalls } = await rest("get", "/oncalls", "list on-calls", { query: { "escalation_policy_ids[]": [i.escalationPolicy.id] } });
    const assigned = new Set(i.assignees.map((a) => a.id));
    const levels = (oncalls as Json[]).filter((o) => assigned.has(o.user.id)).map((o) => Number(o.escalation_level));
    return levels.length ? Math.min(...levels) : 1;
  };

  let me: Promise<PagerDutyPerson | undefined> | undefined;
  const person = (u: Json): PagerDutyPerson => ({ id: String(u.id), name: String(u.name ?? u.summary ?? u.id), ...(u.email ? { email: String(u.email) } : {}) });

  const port: PagerDutyPort = {
    async trigger(t: PagerDutyTrigger) {
      const res = await sendEvent("trigger", {
        routing_key: t.routingKey ?? options.routingKey,
        dedup_key: t.dedupKey,
        payload: {
          summary: t.summary.length > 1024 ? `${t.summary.slice(0, 1021)}...` : t.summary,
          source: t.source,
          severity: t.severity,
          ...(t.component ? { component: t.component } : {}),
          ...(t.group ? { group: t.group } : {}),
          ...(t.class ? { class: t.class } : {}),
          ...(t.customDetails ? { custom_details: t.customDetails } : {}),
        },
        ...(t.links?.length ? { links: t.links } : {}),
        client: "aisre",
      });
      return { dedupKey: String(res.dedup_key ?? t.dedupKey) };
    },
    async acknowledge(dedupKey, routingKey) {
      await sendEvent("acknowledge", { routing_key: routingKey ?? options.routingKey, dedup_key: dedupKey });
    },
    async resolve(dedupKey, routingKey) {
      await sendEvent("resolve", { routing_key: routingKey ?? options.routingKey, dedup_key: dedupKey });
    },
    async findByDedupKey(dedupKey) {
      const { incidents } = await rest("get", "/incidents", "find incident", { query: { incident_key: dedupKey, date_range: "all" } });
      const list = incidents as Json[];
      const last = list.at(-1);
      return last ? view(last) : undefined;
    },
    async getIncident(id) {
      return view((await rest("get", `/incidents/${id}`, "get incident")).incident);
    },
    async listOncalls(service) {
      const svc = await findService(service);
      if (!svc) {
        logger.warn({ service }, "no PagerDuty service of that name; no on-call");
        return [];
      }
      const { oncalls } = await rest("get", "/oncalls", "list on-calls", { query: { "escalation_policy_ids[]": [svc.escalation_policy.id], "include[]": ["users"], earliest: "true" } });
      return (oncalls as Json[])
        .map(
          (o): PagerDutyOncall => ({
            user: { id: o.user.id, name: o.user.name ?? o.user.summary, email: o.user.email },
            level: o.escalation_level,
            escalationPolicy: { id: o.escalation_policy.id, name: o.escalation_policy.summary },
            ...(o.schedule ? { schedule: { id: o.schedule.id, name: o.schedule.summary } } : {}),
            start: o.start ?? null,
            end: o.end ?? null,
          }),
        )
        .sort((a, b) => a.level - b.level);
    },
    async addNote(incidentId, content) {
      const { note } = await rest("post", `/incidents/${incidentId}/notes`, "add note", { data: { note: { content } } });
      return { id: String(note.id) };
    },
    async listNotes(incidentId) {
      const { notes } = await rest("get", `/incidents/${incidentId}/notes`, "list notes");
      return ((notes ?? []) as Json[]).map((n) => ({ id: String(n.id), content: String(n.content ?? "") }));
    },
    async escalate(incidentId, level) {
      const target = level ?? (await currentLevel(await port.getIncident(incidentId))) + 1;
      const { incident } = await rest("put", `/incidents/${incidentId}`, "escalate", { data: { incident: { type: "incident_reference", escalation_level: target } } });
      // The answer may not carry the level; it is the one just set.
      const v = view(incident);
      return { ...v, escalationLevel: v.escalationLevel ?? target };
    },
    async getUser(id) {
      return person((await rest("get", `/users/${id}`, "get user")).user);
    },
    whoAmI() {
      me ??= rest("get", "/users", "find the From user", { query: { query: options.fromEmail } }).then(({ users }) => {
        const hit = (users as Json[]).find((u) => String(u.email).toLowerCase() === options.fromEmail.toLowerCase());
        return hit ? person(hit) : undefined;
      });
      me.catch(() => (me = undefined));
      return me;
    },
    async retitle(incidentId, title) {
      const { incident } = await rest("put", `/incidents/${incidentId}`, "retitle", { data: { incident: { type: "incident_reference", title } } });
      return view(incident);
    },
    async reassign(incidentId, users) {
      const ids = await userIds(users);
      const { incident } = await rest("put", `/incidents/${incidentId}`, "reassign", {
        data: { incident: { type: "incident_reference", assignments: ids.map((id) => ({ assignee: { id, type: "user_reference" } })) } },
      });
      return view(incident);
    },
  };
  return port;
}

import type { ServerResponse } from "node:http";
import { Router, sendJson } from "../../http/router.ts";
import type { PathParams, RouteRequest } from "../../http/router.ts";
import type { Logger } from "../../log.ts";
import type { EventsApi } from "./events-api.ts";
import { PdRestError, invalidInput, notFound } from "./model.ts";
import type { PdIncident, PdUser } from "./model.ts";
import { renderIncident, renderNote, renderOncall, renderPolicy, renderSchedule, renderService, renderUser, teamRef } from "./render.ts";
import type { PdStore } from "./store.ts";

/**
 * The PagerDuty REST API subset under `/pagerduty/…` (incidents, notes, services, users, on-calls,
 * schedules, escalation policies) and Events API v2 at `/pagerduty/v2/enqueue`.
 * REST calls need `Authorization: Token token=<token>` (or `Bearer`); writes also need a `From`
 * header with the email of a PagerDuty user, as with an account-level token.
 */

export interface PdRestDeps {
  store: PdStore;
  events: EventsApi;
  apiTokens: string[];
  logger: Logger;
  site(req: RouteRequest): string;
  /** Consumes one forced failure, if any (test hook). */
  forcedFailure(): { status: number; retryAfterSeconds: number } | undefined;
  /** Runs a change with the webhook `client.name` it should carry. */
  asClient<T>(client: string, fn: () => T): T;
}

interface Call<K extends string = string> {
  req: RouteRequest<K>;
  res: ServerResponse;
  site: string;
  body: Record<string, any>;
  /** The From user; set for writes. */
  from: PdUser;
}

function tokenOf(req: RouteRequest): string | undefined {
  const h = req.headers.authorization ?? "";
  const m = /^Token token=(.+)$/i.exec(h.trim()) ?? /^Bearer (.+)$/i.exec(h.trim());
  return m?.[1]?.trim();
}

const list = (req: RouteRequest, name: string) => [...req.query.getAll(`${name}[]`), ...req.query.getAll(name)].flatMap((v) => v.split(",")).filter(Boolean);

function page<T>(req: RouteRequest, key: string, items: T[]): Record<string, unknown> {
  const limit = Math.min(100, Number(req.query.get("limit") ?? 25) || 25);
  const offset = Number(req.query.get("offset") ?? 0) || 0;
  return { [key]: items.slice(offset, offset + limit), limit, offset, more: offset + limit < items.length, total: req.query.get("total") === "true" ? items.length : null };
}

export function pagerdutyRestRoutes(deps: PdRestDeps): Router {
  const { store } = deps;
  const router = new Router();

  const route = <Path extends string>(method: string, path: Path, handler: (call: Call<PathParams<`/pagerduty${Path}`>>) => unknown, options: { write?: boolean; status?: number } = {}) => {
    router.add(method, `/pagerduty${path}`, (req, res) => {
      const token = tokenOf(req);
      if (!token || !deps.apiTokens.includes(token)) return sendJson(res, 401, { error: { message: "Authentication failed", code: 2006 } });
      const forced = deps.forcedFailure();
      if (forced) return sendJson(res, forced.status, { error: { message: forced.status === 429 ? "Rate Limit Exceeded" : "Service Unavailable", code: forced.status === 429 ? 2020 : 2000 } }, { "retry-after": String(forced.retryAfterSeconds) });
      let body: Record<string, any> = {};
      if (req.body.length > 0) {
        try {
          body = JSON.parse(req.body.toString("utf8"));
        } catch {
          return sendJson(res, 400, invalidInput("The request body is not valid JSON.").body());
        }
      }
      let from: PdUser | undefined;
      if (options.write) {
        const header = req.headers.from;
        const email = Array.isArray(header) ? header[0] : header;
        if (!email) return sendJson(res, 400, new PdRestError(400, 2016, `You must specify a user's email address in the "From" header to perform this action`).body());
        if (!/^[^\s@]+@[^\s@]+$/.test(email.trim())) return sendJson(res, 400, new PdRestError(400, 1028, `Malformed "From" header`).body());
        from = store.users.find((u) => u.email === email.trim().toLowerCase());
        if (!from) return sendJson(res, 400, new PdRestError(400, 1008, "Requester User Not Found").body());
      }
      try {
        const out = deps.asClient("PagerDuty API", () => handler({ req, res, site: deps.site(req), body, from: from! }));
        if (!res.headersSent) sendJson(res, options.status ?? 200, out);
      } catch (e) {
        if (e instanceof PdRestError) return sendJson(res, e.status, e.body());
        deps.logger.error({ err: e, path: req.path }, "pagerduty sandbox: unexpected error");
        sendJson(res, 500, { error: { message: "An internal error has occurred. PagerDuty team has been notified.", code: 2000 } });
      }
    });
  };

  /** One incident update as PUT /incidents/{id} and PUT /incidents take it. */
  const update = (i: PdIncident, u: Record<string, any>, from: PdUser) => {
    const agent = { type: "user_reference" as const, id: from.id };
    if (u.type !== undefined && u.type !== "incident" && u.type !== "incident_reference") throw invalidInput("Incident type must be incident or incident_reference");
    if (u.title !== undefined) {
      if (typeof u.title !== "string" || u.title.trim() === "") throw invalidInput("Title can't be blank");
      i.title = u.title;
    }
    if (u.urgency === "high" || u.urgency === "low") i.urgency = u.urgency;
    if (Array.isArray(u.assignments)) {
      const ids = u.assignments.map((a: any) => a?.assignee?.id).filter((x: unknown): x is string => typeof x === "string");
      store.reassign(i, ids, agent);
    }
    if (u.escalation_level !== undefined) store.escalate(i, Number(u.escalation_level), agent);
    if (u.status !== undefined) {
      if (u.status === "acknowledged") store.acknowledge(i, agent);
      else if (u.status === "resolved") store.resolve(i, agent, typeof u.resolution === "string" ? u.resolution : undefined);
      else throw new PdRestError(400, 1003, "Invalid Status Provided", ["Status must be one of acknowledged or resolved."]);
    }
    return i;
  };

  route("GET", "/incidents", ({ req, site }) => {
    const statuses = list(req, "statuses");
    const services = list(req, "service_ids");
    const users = list(req, "user_ids");
    const urgencies = list(req, "urgencies");
    const key = req.query.get("incident_key");
    const hits = store
      .all()
      .filter((i) => (statuses.length === 0 || statuses.includes(i.status)) && (services.length === 0 || services.includes(i.serviceId)))
      .filter((i) => (users.length === 0 || i.assignments.some((a) => users.includes(a.userId))) && (urgencies.length === 0 || urgencies.includes(i.urgency)))
      .filter((i) => !key || i.incidentKey === key);
    if (req.query.get("sort_by")?.endsWith(":desc")) hits.reverse();
    return page(
      req,
      "incidents",
      hits.map((i) => renderIncident(site, store, i)),
    );
  });
  route("GET", "/incidents/:id", ({ req, site }) => ({ incident: renderIncident(site, store, store.incident(req.params.id)) }));
  route(
    "POST",
    "/incidents",
    ({ body, site, from }) => {
      const inc = body.incident ?? {};
      if (inc.type !== "incident") throw invalidInput("Incident type must be incident");
      if (typeof inc.title !== "string" || inc.title.trim() === "") throw invalidInput("Title can't be blank");
      const service = store.service(String(inc.service?.id ?? ""));
      if (!service) throw new PdRestError(400, 5002, "Service Not Found");
      if (inc.incident_key && store.all().some((i) => i.incidentKey === inc.incident_key && i.status !== "resolved")) {
        throw new PdRestError(400, 2001, "Invalid Input Provided", ["Open incident with matching dedup key already exists on this service"]);
      }
      const assignees = Array.isArray(inc.assignments) ? inc.assignments.map((a: any) => String(a?.assignee?.id)) : undefined;
      const i = store.open({ serviceId: service.id, title: inc.title, urgency: inc.urgency === "low" ? "low" : "high", incidentKey: inc.incident_key, agent: { type: "user_reference", id: from.id }, assigneeIds: assignees });
      return { incident: renderIncident(site, store, i) };
    },
    { write: true, status: 201 },
  );
  route("PUT", "/incidents/:id", ({ req, body, site, from }) => ({ incident: renderIncident(site, store, update(store.incident(req.params.id), body.incident ?? {}, from)) }), { write: true });
  route(
    "PUT",
    "/incidents",
    ({ body, site, from }) => {
      if (!Array.isArray(body.incidents)) throw invalidInput("incidents must be an array");
      return { incidents: body.incidents.map((u: Record<string, any>) => renderIncident(site, store, update(store.incident(String(u.id)), u, from))) };
    },
    { write: true },
  );
  route("GET", "/incidents/:id/notes", ({ req, site }) => ({ notes: store.incident(req.params.id).notes.map((n) => renderNote(site, store, n)) }));
  route("POST", "/incidents/:id/notes", ({ req, body, site, from }) => ({ note: renderNote(site, store, store.addNote(store.incident(req.params.id), from.id, String(body.note?.content ?? ""))) }), { write: true, status: 201 });
  route("GET", "/incidents/:id/alerts", ({ req, site }) => {
    const i = store.incident(req.params.id);
    return page(
      req,
      "alerts",
      i.alerts.map((a) => ({
        id: a.id,
        type: "alert",
        summary: a.summary,
        status: a.status,
        severity: a.severity,
        created_at: a.createdAt,
        alert_key: i.incidentKey,
        incident: { id: i.id, type: "incident_reference", self: `${site}/incidents/${i.id}` },
        body: { type: "alert_body", contexts: a.links.map((l) => ({ type: "link", ...l })), details: a.customDetails ?? {}, cef_details: { source_component: a.component, source_origin: a.source, severity: a.severity, event_class: a.class, service_group: a.group } },
      })),
    );
  });
  route("GET", "/incidents/:id/log_entries", ({ req, site }) => {
    const i = store.incident(req.params.id);
    return page(
      req,
      "log_entries",
      i.log.map((l) => ({ id: l.id, type: l.type, summary: l.summary, created_at: l.createdAt, self: `${site}/log_entries/${l.id}`, incident: { id: i.id, type: "incident_reference" } })),
    );
  });

  route("GET", "/services", ({ req, site }) => {
    const q = (req.query.get("query") ?? "").toLowerCase();
    const withIntegrations = list(req, "include").includes("integrations");
    return page(
      req,
      "services",
      store.services.filter((s) => s.name.includes(q)).map((s) => renderService(site, store, s, withIntegrations)),
    );
  });
  route("GET", "/services/:id", ({ req, site }) => {
    const s = store.service(req.params.id);
    if (!s) throw new PdRestError(404, 5002, "Service Not Found");
    return { service: renderService(site, store, s, list(req, "include").includes("integrations")) };
  });
  route("GET", "/users", ({ req, site }) => {
    const q = (req.query.get("query") ?? "").toLowerCase();
    return page(
      req,
      "users",
      store.users.filter((u) => u.name.toLowerCase().includes(q) || u.email.includes(q)).map((u) => renderUser(site, u)),
    );
  });
  route("GET", "/users/:id", ({ req, site }) => {
    const u = store.users.find((x) => x.id === req.params.id);
    if (!u) throw new PdRestError(404, 2013, "User not found");
    return { user: renderUser(site, u) };
  });
  route("GET", "/oncalls", ({ req, site }) => {
    const policies = list(req, "escalation_policy_ids");
    const schedules = list(req, "schedule_ids");
    const users = list(req, "user_ids");
    const include = list(req, "include");
    const hits = store
      .oncalls()
      .filter((o) => policies.length === 0 || policies.includes(o.escalationPolicyId))
      .filter((o) => schedules.length === 0 || (o.scheduleId !== undefined && schedules.includes(o.scheduleId)))
      .filter((o) => users.length === 0 || users.includes(o.userId));
    return page(
      req,
      "oncalls",
      hits.map((o) => renderOncall(site, store, o, include)),
    );
  });
  route("GET", "/escalation_policies", ({ req, site }) =>
    page(
      req,
      "escalation_policies",
      store.policies.map((p) => renderPolicy(site, store, p)),
    ),
  );
  route("GET", "/escalation_policies/:id", ({ req, site }) => {
    const p = store.policy(req.params.id);
    if (!p) throw new PdRestError(404, 1014, "Escalation Policy Not Found");
    return { escalation_policy: renderPolicy(site, store, p) };
  });
  route("GET", "/schedules", ({ req, site }) =>
    page(
      req,
      "schedules",
      store.schedules.map((s) => renderSchedule(site, store, s)),
    ),
  );
  route("GET", "/schedules/:id", ({ req, site }) => {
    const s = store.schedules.find((x) => x.id === req.params.id);
    if (!s) throw new PdRestError(404, 3004, "Schedule Not Found");
    return { schedule: renderSchedule(site, store, s) };
  });
  route("GET", "/teams", ({ req, site }) => page(req, "teams", [{ ...teamRef(site), type: "team", name: "Site Reliability", description: "" }]));
  route("GET", "/priorities", ({ req }) => page(req, "priorities", []));

  const enqueue = (req: RouteRequest, res: ServerResponse) => {
    const forced = deps.forcedFailure();
    if (forced) return sendJson(res, forced.status, forced.status === 429 ? { status: "throttle event", message: "Requests for this service are arriving too quickly.  Please retry later." } : { status: "error", message: "Service unavailable" });
    let raw: unknown;
    try {
      raw = JSON.parse(req.body.toString("utf8"));
    } catch {
      return sendJson(res, 400, { status: "invalid event", message: "Event object is invalid", errors: ["Malformed JSON"] });
    }
    try {
      const r = deps.asClient(String((raw as Record<string, unknown>)?.client ?? "Events API v2"), () => deps.events.enqueue(raw, Date.now()));
      sendJson(res, r.status, r.body);
    } catch (e) {
      deps.logger.error({ err: e }, "pagerduty sandbox: events error");
      sendJson(res, 500, { status: "error", message: "Internal error" });
    }
  };
  router.add("POST", "/pagerduty/v2/enqueue", enqueue);
  router.add("POST", "/pagerduty/v2/change/enqueue", (_req, res) => sendJson(res, 202, { status: "success", message: "Change event processed" }));
  // Anything else under the REST prefix is unknown to PagerDuty too.
  router.add("*", "/pagerduty/*rest", (_req, res) => sendJson(res, 404, notFound().body()));
  return router;
}

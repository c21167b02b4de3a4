import type { ServerResponse } from "node:http";
import { Router, sendJson } from "../../http/router.ts";
import type { PathParams, RouteRequest } from "../../http/router.ts";
import type { Logger } from "../../log.ts";
import { JiraRestError } from "./model.ts";
import type { JiraUserRecord } from "./model.ts";
import { createMetaFields, renderComment, renderField, renderHistory, renderIssue, renderIssueType, renderPriority, renderProject, renderRemoteLink, renderStatus, renderTransition, renderUser } from "./render.ts";
import type { RenderContext } from "./render.ts";
import { searchIssues } from "./search.ts";
import { FIELDS, ISSUE_TYPES, LINK_TYPES, PRIORITIES, RESOLUTIONS, STATUSES, USERS } from "./seed.ts";
import type { JiraStore } from "./store.ts";
import type { LimitVerdict, WriteLimiter } from "./write-limit.ts";

/** The Jira REST API v2/v3 subset under `/jira/rest/api/{2,3,latest}/…`. */

export interface JiraRestDeps {
  store: JiraStore;
  limiter: WriteLimiter;
  logger: Logger;
  /** The site URL for `self` links, from the request's Host unless configured. */
  site(req: RouteRequest): string;
  now(): number;
}

interface Call<K extends string = string> {
  req: RouteRequest<K>;
  res: ServerResponse;
  user: JiraUserRecord;
  c: RenderContext;
  body: Record<string, unknown>;
}

type Handler<K extends string = string> = (call: Call<K>) => unknown;

function authenticate(req: RouteRequest): JiraUserRecord | undefined {
  const h = req.headers.authorization ?? "";
  const [scheme, value] = [h.slice(0, h.indexOf(" ")).toLowerCase(), h.slice(h.indexOf(" ") + 1).trim()];
  if (scheme === "basic") {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const i = decoded.indexOf(":");
    if (i <= 0 || i === decoded.length - 1) return undefined;
    const email = decoded.slice(0, i).toLowerCase();
    return USERS.find((u) => u.email === email);
  }
  // OAuth 2.0 (3LO) and personal access tokens: the sandbox treats any bearer token as the bot.
  if (scheme === "bearer" && value) return USERS[0];
  return undefined;
}

function limitHeaders(v: Extract<LimitVerdict, { ok: false }>, now: number): Record<string, string> {
  return {
    "retry-after": String(v.retryAfterSeconds),
    "x-ratelimit-reset": `${new Date(now + v.retryAfterSeconds * 1000).toISOString().slice(0, 16)}Z`,
    "ratelimit-reason": v.reason,
  };
}

export function jiraRestRoutes(deps: JiraRestDeps): Router {
  const { store, limiter } = deps;
  const router = new Router();
  const P = "/jira/rest/api/:v";

  const route = <Path extends string>(method: string, path: Path, handler: Handler<PathParams<`${typeof P}${Path}`>>, writeKeyParam?: PathParams<`${typeof P}${Path}`>) => {
    router.add(method, `${P}${path}`, async (req, res) => {
      const params: Record<string, string | undefined> = req.params;
      const v = params.v === "latest" ? "2" : params.v;
      if (v !== "2" && v !== "3") return sendJson(res, 404, { errorMessages: ["Unsupported REST API version."], errors: {} });
      const user = authenticate(req);
      if (!user) return sendJson(res, 401, { errorMessages: ["You are not authenticated. Authentication required to perform this operation."], errors: {} });
      const now = deps.now();
      const forced = limiter.checkRequest();
      if (!forced.ok) return sendJson(res, forced.status, { errorMessages: [forced.status === 429 ? "Rate limit exceeded." : "Service unavailable. Please try again later."], errors: {} }, limitHeaders(forced, now));
      let body: Record<string, unknown> = {};
      if (req.body.length > 0) {
        try {
          body = JSON.parse(req.body.toString("utf8"));
        } catch {
          return sendJson(res, 400, { errorMessages: ["Unexpected character in the request body: not valid JSON."], errors: {} });
        }
      }
      try {
        if (writeKeyParam) {
          const issue = store.issue(req.params[writeKeyParam]);
          const w = limiter.checkWrite(issue.key, now);
          if (!w.ok) return sendJson(res, 429, { errorMessages: [`Too many writes to ${issue.key}. Retry after ${w.retryAfterSeconds} seconds.`], errors: {} }, limitHeaders(w, now));
        }
        const out = await handler({ req, res, user, c: { site: deps.site(req), v }, body });
        if (!res.headersSent) {
          if (out === undefined) {
            res.writeHead(204);
            res.end();
          } else sendJson(res, 200, out);
        }
      } catch (e) {
        if (e instanceof JiraRestError) return sendJson(res, e.status, e.body());
        deps.logger.error({ err: e, path: req.path }, "jira sandbox: unexpected error");
        sendJson(res, 500, { errorMessages: ["Internal server error"], errors: {} });
      }
    });
  };
  const created = (res: ServerResponse, body: unknown) => sendJson(res, 201, body);

  route("GET", "/myself", ({ c, user }) => ({ ...renderUser(c, user), groups: { size: 1, items: [] }, applicationRoles: { size: 1, items: [] }, locale: "en_US" }));
  route("GET", "/serverInfo", ({ c }) => ({ baseUrl: c.site, version: "1001.0.0-SNAPSHOT", versionNumbers: [1001, 0, 0], deploymentType: "Cloud", buildNumber: 100000, serverTitle: "aisre sandbox Jira" }));
  route("GET", "/user", ({ c, req }) => {
    const u = USERS.find((x) => x.accountId === req.query.get("accountId"));
    if (!u) throw new JiraRestError(404, [`The user with account ID '${req.query.get("accountId") ?? ""}' does not exist`]);
    return renderUser(c, u);
  });
  route("GET", "/user/search", ({ c, req }) => {
    const q = (req.query.get("query") ?? req.query.get("username") ?? "").toLowerCase();
    return USERS.filter((u) => u.email.includes(q) || u.displayName.toLowerCase().includes(q)).map((u) => renderUser(c, u));
  });
  route("GET", "/project", ({ c }) => store.projects.map((p) => renderProject(c, p)));
  route("GET", "/project/search", ({ c }) => ({ startAt: 0, maxResults: 50, total: store.projects.length, isLast: true, values: store.projects.map((p) => renderProject(c, p)) }));
  route("GET", "/project/:key", ({ c, req }) => {
    const p = store.project(req.params.key);
    if (!p) throw new JiraRestError(404, [`No project could be found with key '${req.params.key}'.`]);
    return renderProject(c, p, true);
  });
  route("GET", "/issuetype", ({ c }) => ISSUE_TYPES.map((t) => renderIssueType(c, t)));
  route("GET", "/priority", ({ c }) => PRIORITIES.map((p) => renderPriority(c, p)));
  route("GET", "/status", ({ c }) => STATUSES.map((s) => renderStatus(c, s)));
  route("GET", "/resolution", ({ c }) => RESOLUTIONS.map((r) => ({ self: `${c.site}/rest/api/${c.v}/resolution/${r.id}`, ...r })));
  route("GET", "/field", () => FIELDS.map(renderField));
  route("GET", "/issueLinkType", ({ c }) => ({ issueLinkTypes: LINK_TYPES.map((t) => ({ ...t, self: `${c.site}/rest/api/${c.v}/issueLinkType/${t.id}` })) }));

  route("GET", "/issue/createmeta", ({ c, req }) => {
    const list = (name: string) =>
      req.query
        .getAll(name)
        .flatMap((v) => v.split(","))
        .filter(Boolean);
    const keys = [...list("projectKeys"), ...list("projectIds")];
    const typeNames = list("issuetypeNames");
    const typeIds = list("issuetypeIds");
    const expandFields = (req.query.get("expand") ?? "").includes("projects.issuetypes.fields");
    const projects = store.projects.filter((p) => keys.length === 0 || keys.some((k) => store.project(k) === p));
    return {
      expand: "projects",
      projects: projects.map((p) => ({
        ...renderProject(c, p),
        issuetypes: p.issueTypeIds
          .map((id) => ISSUE_TYPES.find((t) => t.id === id)!)
          .filter((t) => (typeNames.length === 0 || typeNames.includes(t.name)) && (typeIds.length === 0 || typeIds.includes(t.id)))
          .map((t) => ({
            ...renderIssueType(c, t),
            expand: "fields",
            ...(expandFields ? { fields: Object.fromEntries(createMetaFields(c, store, p, t).map((f) => [f.fieldId as string, f])) } : {}),
          })),
      })),
    };
  });
  const metaProject = (key: string) => {
    const p = store.project(key);
    if (!p) throw new JiraRestError(404, [`No project could be found with key '${key}'.`]);
    return p;
  };
  route("GET", "/issue/createmeta/:project/issuetypes", ({ c, req }) => {
    const p = metaProject(req.params.project);
    const types = p.issueTypeIds.map((id) => renderIssueType(c, ISSUE_TYPES.find((t) => t.id === id)!));
    return { issueTypes: types, maxResults: 50, startAt: 0, total: types.length };
  });
  route("GET", "/issue/createmeta/:project/issuetypes/:type", ({ c, req }) => {
    const p = metaProject(req.params.project);
    const t = ISSUE_TYPES.find((x) => x.id === req.params.type && p.issueTypeIds.includes(x.id));
    if (!t) throw new JiraRestError(404, [`Issue type with id '${req.params.type}' does not exist in project '${p.key}'.`]);
    const fields = createMetaFields(c, store, p, t);
    return { fields, maxResults: 50, startAt: 0, total: fields.length };
  });

  route("POST", "/issue", ({ c, res, user, body }) => {
    const issue = store.createIssue(user.accountId, body, c.v);
    created(res, { id: issue.id, key: issue.key, self: `${c.site}/rest/api/${c.v}/issue/${issue.id}` });
  });
  route("GET", "/issue/:key", ({ c, req }) => renderIssue(c, store, store.issue(req.params.key), { fields: req.query.get("fields") ?? undefined, expand: req.query.get("expand") ?? undefined }));
  route(
    "PUT",
    "/issue/:key",
    ({ c, req, user, body }) => {
      store.editIssue(user.accountId, req.params.key, body, c.v);
      return req.query.get("returnIssue") === "true" ? renderIssue(c, store, store.issue(req.params.key)) : undefined;
    },
    "key",
  );
  route("PUT", "/issue/:key/assignee", ({ req, user, body }) => store.assign(user.accountId, req.params.key, body.accountId === null || body.accountId === "-1" ? null : body), "key");
  route("GET", "/issue/:key/transitions", ({ c, req }) => ({ expand: "transitions", transitions: store.availableTransitions(req.params.key).map((t) => renderTransition(c, t)) }));
  route("POST", "/issue/:key/transitions", ({ c, req, user, body }) => store.transition(user.accountId, req.params.key, body, c.v), "key");
  route("GET", "/issue/:key/comment", ({ c, req }) => {
    const issue = store.issue(req.params.key);
    // Jira pages comments (startAt, maxResults ≤ 5000) and orders them by `created` or `-created`.
    const ordered = req.query.get("orderBy") === "-created" ? [...issue.comments].reverse() : issue.comments;
    const startAt = Math.max(0, Number(req.query.get("startAt") ?? 0) || 0);
    const maxResults = Math.min(5000, Math.max(0, Number(req.query.get("maxResults") ?? 5000) || 5000));
    return { startAt, maxResults, total: issue.comments.length, comments: ordered.slice(startAt, startAt + maxResults).map((cm) => renderComment(c, issue, cm)) };
  });
  // Comments by id with their properties when asked (`expand=properties`): how an app reads back what it kept on its comments.
  route("POST", "/comment/list", ({ c, req, body }) => {
    const ids = body.ids;
    if (!Array.isArray(ids) || ids.length > 1000) throw new JiraRestError(400, ["ids: a list of at most 1000 comment ids is required."]);
    const withProps = (req.query.get("expand") ?? "").split(",").includes("properties");
    const values = ids.flatMap((id) => {
      const found = store.commentById(String(id));
      if (!found) return [];
      const rendered = renderComment(c, found.issue, found.comment);
      return [withProps ? { ...rendered, properties: found.comment.properties ?? [] } : rendered];
    });
    return { maxResults: 1000, startAt: 0, total: values.length, isLast: true, values };
  });
  route("GET", "/comment/:id/properties", ({ c, req }) => {
    const found = store.commentById(req.params.id);
    if (!found) throw new JiraRestError(404, [`Can not find a comment for the id: ${req.params.id}.`]);
    return { keys: (found.comment.properties ?? []).map((p) => ({ self: `${c.site}/rest/api/${c.v}/comment/${found.comment.id}/properties/${encodeURIComponent(p.key)}`, key: p.key })) };
  });
  route("GET", "/comment/:id/properties/:propertyKey", ({ req }) => {
    const found = store.commentById(req.params.id);
    if (!found) throw new JiraRestError(404, [`Can not find a comment for the id: ${req.params.id}.`]);
    const p = (found.comment.properties ?? []).find((x) => x.key === req.params.propertyKey);
    if (!p) throw new JiraRestError(404, [`The property with key '${req.params.propertyKey}' does not exist.`]);
    return p;
  });
  route(
    "POST",
    "/issue/:key/comment",
    ({ c, req, res, user, body }) => {
      const cm = store.addComment(user.accountId, req.params.key, body.body, c.v, body.properties);
      created(res, renderComment(c, store.issue(req.params.key), cm));
    },
    "key",
  );
  route("GET", "/issue/:key/comment/:id", ({ c, req }) => {
    const issue = store.issue(req.params.key);
    const cm = issue.comments.find((x) => x.id === req.params.id);
    if (!cm) throw new JiraRestError(404, [`Can not find a comment for the id: ${req.params.id}.`]);
    return renderComment(c, issue, cm);
  });
  route("PUT", "/issue/:key/comment/:id", ({ c, req, user, body }) => renderComment(c, store.issue(req.params.key), store.updateComment(user.accountId, req.params.key, req.params.id, body.body, c.v)), "key");
  route("GET", "/issue/:key/remotelink", ({ c, req }) => {
    const issue = store.issue(req.params.key);
    return issue.remoteLinks.map((l) => renderRemoteLink(c, issue, l));
  });
  route(
    "POST",
    "/issue/:key/remotelink",
    ({ c, req, res, body }) => {
      const { link, created: isNew } = store.upsertRemoteLink(req.params.key, body);
      sendJson(res, isNew ? 201 : 200, { id: link.id, self: renderRemoteLink(c, store.issue(req.params.key), link).self });
    },
    "key",
  );
  route("DELETE", "/issue/:key/remotelink/:id", ({ req }) => store.deleteRemoteLink(req.params.key, req.params.id), "key");
  route("GET", "/issue/:key/changelog", ({ c, req }) => {
    const issue = store.issue(req.params.key);
    return { self: `${c.site}/rest/api/${c.v}/issue/${issue.key}/changelog`, startAt: 0, maxResults: 100, total: issue.changelog.length, isLast: true, values: issue.changelog.map((h) => renderHistory(c, h)) };
  });
  route("POST", "/issueLink", ({ res, user, body }) => {
    store.linkIssues(user.accountId, body);
    res.writeHead(201, { "content-length": "0" });
    res.end();
  });
  route("DELETE", "/issueLink/:id", ({ req }) => store.deleteLink(req.params.id));

  // Classic search (offset pagination, all navigable fields by default) and Cloud's /search/jql
  // (token pagination, only ids unless fields are asked for).
  const classicSearch = ({ c, req, user, body }: Call) => {
    const jql = String(body.jql ?? req.query.get("jql") ?? "");
    const startAt = Number(body.startAt ?? req.query.get("startAt") ?? 0);
    const maxResults = Math.min(100, Number(body.maxResults ?? req.query.get("maxResults") ?? 50));
    const fields = (body.fields as string[] | undefined) ?? req.query.get("fields") ?? undefined;
    const hits = searchIssues(store.all(), jql, user.accountId, deps.now());
    return {
      expand: "schema,names",
      startAt,
      maxResults,
      total: hits.length,
      issues: hits.slice(startAt, startAt + maxResults).map((i) => renderIssue(c, store, i, { fields, expand: String(body.expand ?? req.query.get("expand") ?? ""), defaultFields: "*navigable" })),
    };
  };
  route("GET", "/search", classicSearch);
  route("POST", "/search", classicSearch);
  const jqlSearch = ({ c, req, user, body }: Call) => {
    const jql = String(body.jql ?? req.query.get("jql") ?? "");
    const start = Number(body.nextPageToken ?? req.query.get("nextPageToken") ?? 0) || 0;
    const maxResults = Math.min(5000, Number(body.maxResults ?? req.query.get("maxResults") ?? 50));
    const fields = (body.fields as string[] | undefined) ?? req.query.get("fields") ?? undefined;
    const hits = searchIssues(store.all(), jql, user.accountId, deps.now());
    const page = hits.slice(start, start + maxResults);
    const isLast = start + maxResults >= hits.length;
    return {
      issues: page.map((i) => renderIssue(c, store, i, { fields, expand: String(body.expand ?? req.query.get("expand") ?? ""), defaultFields: "none" })),
      isLast,
      ...(isLast ? {} : { nextPageToken: String(start + maxResults) }),
    };
  };
  route("GET", "/search/jql", jqlSearch);
  route("POST", "/search/jql", jqlSearch);

  return router;
}

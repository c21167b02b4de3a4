import JiraApiModule from "jira-client";
import type { Severity } from "../../domain/alert.ts";
import { AppError } from "../../errors.ts";
import { silentLogger } from "../../log.ts";
import type { Logger } from "../../log.ts";
import { adfToText, textToAdf } from "./adf.ts";
import { JiraApiError, jiraUserError, toJiraApiError } from "./errors.ts";
import { catalogFromCreateMeta, fieldValue, planFollowUpIssue, planIncidentIssue, resolveField } from "./field-mapping.ts";
import type { FieldCatalog, JiraFieldMapping } from "./field-mapping.ts";
import { COMMENT_MARK_PROPERTY, incidentLabel } from "./port.ts";
import type { CommentMark, FollowUpItem, JiraIssueRef, JiraIssueView, JiraPort, JiraRemoteLink, JiraSyncValues, JiraUserRef, MarkedComment, NewIncidentIssue } from "./port.ts";
import { nextTransition } from "./transition-path.ts";
import type { TransitionOption } from "./transition-path.ts";
import { jiraTransport } from "./transport.ts";

/**
 * JiraPort over the `jira-client` package, for Jira Cloud (email + API token, or OAuth bearer),
 * Data Center, and the local sandbox (the same code, pointed at http://localhost:3001/jira).
 */

export interface JiraClientAdapterOptions {
  /** Site URL: https://acme.atlassian.net, or the sandbox's http://localhost:3001/jira. */
  baseUrl: string;
  email?: string;
  apiToken?: string;
  bearer?: string;
  /** REST version: "2" (plain-text bodies) or "3" (Atlassian Document Format). Default "2". */
  apiVersion?: "2" | "3";
  mapping: JiraFieldMapping;
  timeoutMs?: number;
  strictSSL?: boolean;
  logger?: Logger;
}

// jira-client is CommonJS with `exports.default`; depending on the loader the class is the module or its default.
const JiraApi = ((JiraApiModule as unknown as { default?: typeof JiraApiModule }).default ?? JiraApiModule) as typeof JiraApiModule;

type Json = Record<string, any>;

const SEVERITIES: Severity[] = ["sev1", "sev2", "sev3", "sev4"];

export function createJiraClientAdapter(options: JiraClientAdapterOptions): JiraPort {
  const url = new URL(options.baseUrl);
  const site = options.baseUrl.replace(/\/+$/, "");
  const apiVersion = options.apiVersion ?? "2";
  const mapping = options.mapping;
  const logger = options.logger ?? silentLogger;
  const client = new JiraApi({
    protocol: url.protocol.replace(":", ""),
    host: url.hostname,
    port: url.port || undefined,
    base: url.pathname.replace(/\/+$/, ""),
    apiVersion,
    strictSSL: options.strictSSL ?? true,
    timeout: options.timeoutMs ?? 30_000,
    request: jiraTransport,
    ...(options.bearer ? { bearer: options.bearer } : { username: options.email, password: options.apiToken }),
  } as ConstructorParameters<typeof JiraApiModule>[0] & { bearer?: string });

  // jira-client has no public POST for an arbitrary resource; these are the methods its own calls use.
  const raw = client as unknown as {
    doRequest(options: unknown): Promise<unknown>;
    makeRequestHeader(uri: string, options: Record<string, unknown>): unknown;
    makeUri(o: { pathname: string; query?: Record<string, string> }): string;
  };

  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      const err = toJiraApiError(e);
      logger.debug({ err, what }, "jira call failed");
      throw err;
    }
  };
  const ref = (key: string, id: string): JiraIssueRef => ({ key, id, url: `${site}/browse/${key}` });

  const catalogs = new Map<string, Promise<{ typeId: string; subtask: boolean; catalog: FieldCatalog }>>();
  const screen = (project: string, issueType: string) => {
    const cacheKey = `${project}/${issueType}`;
    let p = catalogs.get(cacheKey);
    if (!p) {
      p = (async () => {
        const types = (await call("createmeta issue types", () => client.genericGet(`issue/createmeta/${project}/issuetypes`))) as Json;
        const list = (types.issueTypes ?? types.values ?? []) as Json[];
        const type = list.find((t) => String(t.name).toLowerCase() === issueType.toLowerCase());
        if (!type) {
          throw new AppError("jira_mapping", `Jira project ${project} has no issue type "${issueType}" (available: ${list.map((t) => t.name).join(", ") || "none visible to aisre"}).`, { status: 502 });
        }
        const page = (await call("createmeta fields", () => client.genericGet(`issue/createmeta/${project}/issuetypes/${type.id}`))) as Json;
        return { typeId: String(type.id), subtask: type.subtask === true, catalog: catalogFromCreateMeta(page.fields ?? page.values ?? page.results) };
      })();
      p.catch(() => catalogs.delete(cacheKey));
      catalogs.set(cacheKey, p);
    }
    return p;
  };
  const fieldId = async (nameOrId: string | undefined) => (nameOrId ? resolveField((await screen(mapping.project, mapping.issueType)).catalog, nameOrId) : undefined);

  let statusCategories: Promise<Map<string, TransitionOption["to"]["category"]>> | undefined;
  const categories = () => {
    statusCategories ??= call("statuses", () => client.listStatus()).then((list) => new Map((list as unknown as Json[]).map((s) => [String(s.name).toLowerCase(), s.statusCategory?.key])));
    return statusCategories;
  };

  let me: Promise<JiraUserRef> | undefined;

  const port: JiraPort = {
    async createIssue(input: NewIncidentIssue) {
      const { catalog } = await screen(mapping.project, mapping.issueType);
      const plan = planIncidentIssue(input, mapping, catalog, apiVersion);
      if (plan.problems.length > 0) throw new AppError("jira_mapping", `Cannot create the Jira ticket: ${plan.problems.join(" ")}`, { status: 502 });
      try {
        const created = (await call("create issue", () => client.addNewIssue({ fields: plan.fields }))) as Json;
        return ref(created.key, created.id);
      } catch (e) {
        if (e instanceof JiraApiError && !e.retryable) throw jiraUserError(e, `create a ${mapping.issueType} in ${mapping.project}`);
        throw e;
      }
    },

    async findIncidentIssue(incidentId: string) {
      const jql = `project = "${mapping.project}" AND labels = "${incidentLabel(incidentId)}" ORDER BY created ASC`;
      const found = (await call("find incident issue", () => client.searchJira(jql, { maxResults: 1, fields: ["summary"] }))) as Json;
      const first = (found.issues as Json[] | undefined)?.[0];
      return first ? ref(String(first.key), String(first.id)) : undefined;
    },

    async getIssue(key: string): Promise<JiraIssueView> {
      const issue = (await call("get issue", () => client.findIssue(key))) as Json;
      const f = issue.fields as Json;
      const severityField = await fieldId(mapping.severityField?.field);
      const timelineField = await fieldId(mapping.timelineField);
      const sevValue = severityField ? f[severityField.id]?.value : undefined;
      const severity = SEVERITIES.find((s) => mapping.severityField?.values[s] === sevValue) ?? null;
      const values: JiraSyncValues = {
        status: f.status?.name ?? "",
        summary: f.summary ?? "",
        description: adfToText(f.description ?? ""),
        priority: f.priority?.name ?? null,
        severity,
        timeline: timelineField && f[timelineField.id] != null ? adfToText(f[timelineField.id]) : null,
        labels: f.labels ?? [],
        assignee: f.assignee?.accountId ?? null,
      };
      const assignee = f.assignee ? { accountId: f.assignee.accountId, displayName: f.assignee.displayName, email: f.assignee.emailAddress } : null;
      return { ref: ref(issue.key, issue.id), values, statusCategory: f.status?.statusCategory?.key ?? "new", assignee, updated: f.updated };
    },

    async updateFields(key, values, custom = {}) {
      const { catalog } = await screen(mapping.project, mapping.issueType);
      const fields: Record<string, unknown> = {};
      const put = (nameOrId: string | undefined, value: unknown) => {
        const f = nameOrId ? resolveField(catalog, nameOrId) : undefined;
        if (f) fields[f.id] = fieldValue(f, value, apiVersion);
        else if (nameOrId) logger.warn({ field: nameOrId, issue: key }, "jira field not on the create screen; not written");
      };
      if (values.summary !== undefined) fields.summary = values.summary;
      if (values.description !== undefined) fields.description = apiVersion === "3" ? textToAdf(values.description) : values.description;
      if (values.priority !== undefined) fields.priority = values.priority === null ? null : { name: values.priority };
      if (values.labels !== undefined) fields.labels = values.labels;
      if (values.assignee !== undefined) fields.assignee = values.assignee === null ? null : { accountId: values.assignee };
      if (values.severity !== undefined && mapping.severityField) put(mapping.severityField.field, values.severity === null ? null : mapping.severityField.values[values.severity]);
      if (values.timeline !== undefined) put(mapping.timelineField, values.timeline);
      Object.assign(fields, custom);
      if (Object.keys(fields).length === 0) return;
      await call("update issue", () => client.updateIssue(key, { fields }));
    },

    async transitionTo(key, statusName) {
      const targetCategory = (await categories()).get(statusName.toLowerCase());
      const visited: string[] = [];
      for (let step = 0; step < 6; step++) {
        const issue = (await call("get status", () => client.findIssue(key, "", "status"))) as Json;
        const current = String(issue.fields.status.name);
        if (current.toLowerCase() === statusName.toLowerCase()) return { changed: step > 0, status: current };
        visited.push(current);
        const { transitions } = (await call("list transitions", () => client.listTransitions(key))) as { transitions: Json[] };
        const options: TransitionOption[] = transitions.map((t) => ({ id: String(t.id), name: String(t.name), to: { name: String(t.to?.name), category: t.to?.statusCategory?.key } }));
        const next = nextTransition(options, statusName, targetCategory, visited);
        if (!next) {
          throw new AppError("jira_transition", `Jira's workflow offers no way from "${current}" to "${statusName}" for ${key} (available: ${options.map((o) => `${o.name} → ${o.to.name}`).join(", ") || "none"}).`, { status: 502 });
        }
        await call("transition", () => client.transitionIssue(key, { transition: { id: next.id } }));
      }
      throw new AppError("jira_transition", `Could not reach "${statusName}" for ${key} within 6 transitions.`, { status: 502 });
    },

    async addComment(key, text, mark) {
      const body = apiVersion === "3" ? textToAdf(text) : text;
      const properties = mark ? [{ key: COMMENT_MARK_PROPERTY, value: mark }] : undefined;
      const res = (await call("add comment", () => client.addCommentAdvanced(key, { body, ...(properties ? { properties } : {}) }))) as Json;
      return { id: String(res.id) };
    },

    async markedComments(key) {
      // The newest comments first (a retry looks for what it wrote moments ago); only aisre's own.
      const me = await port.whoAmI();
      const page = (await call("list comments", () => client.genericGet(`issue/${encodeURIComponent(key)}/comment?orderBy=-created&maxResults=100`))) as Json;
      const ids = ((page.comments ?? []) as Json[]).filter((c) => (c.author?.accountId ?? c.author?.key ?? c.author?.name) === me.accountId).map((c) => Number(c.id));
      if (ids.length === 0) return [];
      // Their properties in one call (Jira Cloud's comment list, expand=properties); where the site
      // has no comment list (older Data Center), the property of each of the latest 20, one by one.
      let marks: Array<{ id: string; value: unknown }>;
      try {
        const list = (await call("comment properties", () => raw.doRequest(raw.makeRequestHeader(raw.makeUri({ pathname: "/comment/list", query: { expand: "properties" } }), { method: "POST", body: { ids }, followAllRedirects: true })))) as Json;
        marks = ((list.values ?? []) as Json[]).map((c) => ({ id: String(c.id), value: ((c.properties ?? []) as Json[]).find((p) => p.key === COMMENT_MARK_PROPERTY)?.value }));
      } catch (e) {
        if (!(e instanceof JiraApiError) || (e.status !== 404 && e.status !== 405)) throw e;
        marks = [];
        for (const id of ids.slice(0, 20)) {
          const p = (await call("comment property", () => client.genericGet(`comment/${id}/properties/${COMMENT_MARK_PROPERTY}`)).catch((x: unknown) => {
            if (x instanceof JiraApiError && x.status === 404) return undefined;
            throw x;
          })) as Json | undefined;
          marks.push({ id: String(id), value: p?.value });
        }
      }
      const out: MarkedComment[] = [];
      for (const { id, value } of marks) {
        const mark = value as CommentMark | undefined;
        if (mark && typeof mark === "object") out.push({ id, ...(Array.isArray(mark.writes) ? { writes: mark.writes.map(String) } : {}), ...(typeof mark.slot === "string" ? { slot: mark.slot } : {}) });
      }
      return out;
    },

    async updateComment(key, commentId, text) {
      await call("update comment", () => client.updateComment(key, commentId, (apiVersion === "3" ? textToAdf(text) : text) as unknown as string));
    },

    async addRemoteLink(key, link: JiraRemoteLink) {
      await call("add remote link", () =>
        client.createRemoteLink(key, {
          ...(link.globalId ? { globalId: link.globalId } : {}),
          application: { type: "com.aisre", name: "aisre" },
          object: { url: link.url, title: link.title, ...(link.summary ? { summary: link.summary } : {}) },
        }),
      );
    },

    async createLinkedIssue(fromKey, item: FollowUpItem) {
      const project = mapping.followUp.project ?? mapping.project;
      const { catalog, subtask } = await screen(project, mapping.followUp.issueType);
      const plan = planFollowUpIssue(item, { project, issueType: mapping.followUp.issueType, subtask, parentKey: fromKey }, ["aisre", "follow-up"], catalog, apiVersion);
      if (plan.problems.length > 0) throw new AppError("jira_mapping", `Cannot create the follow-up issue: ${plan.problems.join(" ")}`, { status: 502 });
      const created = (await call("create follow-up", () => client.addNewIssue({ fields: plan.fields }))) as Json;
      if (!subtask) {
        await call("link follow-up", () => client.issueLink({ type: { name: mapping.followUp.linkType }, inwardIssue: { key: fromKey }, outwardIssue: { key: created.key } }));
      }
      return ref(created.key, created.id);
    },

    async findUserByEmail(email) {
      const found = (await call("find user", () => client.searchUsers({ query: email, maxResults: 10 }))) as Json[];
      const u = found.find((x) => String(x.emailAddress ?? "").toLowerCase() === email.toLowerCase()) ?? (found.length === 1 ? found[0] : undefined);
      return u ? { accountId: u.accountId ?? u.key ?? u.name, displayName: u.displayName, email: u.emailAddress } : undefined;
    },

    whoAmI() {
      me ??= call("myself", () => client.getCurrentUser()).then((u: Json) => ({ accountId: u.accountId ?? u.key ?? u.name, displayName: u.displayName, email: u.emailAddress }));
      me.catch(() => (me = undefined));
      return me;
    },
  };
  return port;
}

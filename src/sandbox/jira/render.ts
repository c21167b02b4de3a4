import { textToAdf } from "../../integrations/jira/adf.ts";
import type { CommentRecord, FieldRecord, IssueLinkRecord, IssueRecord, IssueTypeRecord, JiraUserRecord, PriorityRecord, ProjectRecord, RemoteLinkRecord, StatusRecord, TransitionRecord } from "./model.ts";
import { FIELDS, ISSUE_TYPES, LINK_TYPES, PRIORITIES, RESOLUTIONS, STATUSES, USERS } from "./seed.ts";
import type { JiraStore } from "./store.ts";

/**
 * Jira REST JSON for the sandbox's records. `site` is the base URL of the sandbox site
 * (e.g. http://localhost:3001/jira); `v` the REST version the caller used ("2" or "3"): v3 renders
 * rich text as Atlassian Document Format.
 */
export interface RenderContext {
  site: string;
  v: string;
}

const api = (c: RenderContext, path: string) => `${c.site}/rest/api/${c.v}${path}`;
const rich = (c: RenderContext, text: string | null) => (text === null ? null : c.v === "3" ? textToAdf(text) : text);

export function renderUser(c: RenderContext, u: JiraUserRecord | undefined): Record<string, unknown> | null {
  if (!u) return null;
  const avatar = `${c.site}/avatar/${encodeURIComponent(u.accountId)}.png`;
  return {
    self: api(c, `/user?accountId=${encodeURIComponent(u.accountId)}`),
    accountId: u.accountId,
    accountType: u.accountType,
    emailAddress: u.email,
    avatarUrls: { "48x48": avatar, "24x24": avatar, "16x16": avatar, "32x32": avatar },
    displayName: u.displayName,
    active: true,
    timeZone: "UTC",
  };
}

const userById = (c: RenderContext, id: string | null) =>
  id
    ? renderUser(
        c,
        USERS.find((u) => u.accountId === id),
      )
    : null;

export function renderStatus(c: RenderContext, s: StatusRecord): Record<string, unknown> {
  return {
    self: api(c, `/status/${s.id}`),
    description: s.description,
    iconUrl: `${c.site}/images/icons/statuses/generic.png`,
    name: s.name,
    id: s.id,
    statusCategory: { self: api(c, `/statuscategory/${s.category.id}`), id: s.category.id, key: s.category.key, colorName: s.category.colorName, name: s.category.name },
  };
}

export function renderPriority(c: RenderContext, p: PriorityRecord): Record<string, unknown> {
  return { self: api(c, `/priority/${p.id}`), iconUrl: `${c.site}/images/icons/priorities/${p.name.toLowerCase()}.svg`, name: p.name, id: p.id, statusColor: p.statusColor, description: p.name };
}

export function renderIssueType(c: RenderContext, t: IssueTypeRecord): Record<string, unknown> {
  return { self: api(c, `/issuetype/${t.id}`), id: t.id, description: t.description, iconUrl: `${c.site}/images/icons/issuetypes/${t.id}.svg`, name: t.name, subtask: t.subtask, hierarchyLevel: t.hierarchyLevel };
}

export function renderProject(c: RenderContext, p: ProjectRecord, full = false): Record<string, unknown> {
  const avatar = `${c.site}/avatar/project/${p.key}.png`;
  const base: Record<string, unknown> = {
    self: api(c, `/project/${p.id}`),
    id: p.id,
    key: p.key,
    name: p.name,
    avatarUrls: { "48x48": avatar, "24x24": avatar, "16x16": avatar, "32x32": avatar },
    projectTypeKey: "software",
    simplified: false,
    style: "classic",
    isPrivate: false,
  };
  if (!full) return base;
  return {
    ...base,
    description: `${p.name} project`,
    lead: userById(c, p.leadAccountId),
    issueTypes: p.issueTypeIds.map((id) => renderIssueType(c, ISSUE_TYPES.find((t) => t.id === id)!)),
    assigneeType: "UNASSIGNED",
  };
}

export function renderField(f: FieldRecord): Record<string, unknown> {
  return {
    id: f.id,
    key: f.id,
    name: f.name,
    custom: f.custom,
    orderable: true,
    navigable: true,
    searchable: true,
    clauseNames: f.custom ? [`cf[${f.id.split("_")[1]}]`, f.name] : [f.id],
    schema: f.schema,
  };
}

export function renderComment(c: RenderContext, issue: IssueRecord, cm: CommentRecord): Record<string, unknown> {
  const author = userById(c, cm.authorId);
  return {
    self: api(c, `/issue/${issue.id}/comment/${cm.id}`),
    id: cm.id,
    author,
    body: rich(c, cm.body),
    updateAuthor: author,
    created: cm.created,
    updated: cm.updated,
    jsdPublic: true,
  };
}

/** The small issue form used inside links, sub-task lists and webhook comment events. */
export function renderIssueSummary(c: RenderContext, issue: IssueRecord): Record<string, unknown> {
  return {
    id: issue.id,
    key: issue.key,
    self: api(c, `/issue/${issue.id}`),
    fields: {
      summary: issue.summary,
      status: renderStatus(c, STATUSES.find((s) => s.id === issue.statusId)!),
      priority: issue.priorityId ? renderPriority(c, PRIORITIES.find((p) => p.id === issue.priorityId)!) : null,
      issuetype: renderIssueType(c, ISSUE_TYPES.find((t) => t.id === issue.issueTypeId)!),
    },
  };
}

export function renderIssueLink(c: RenderContext, store: JiraStore, link: IssueLinkRecord, fromKey: string): Record<string, unknown> {
  const type = LINK_TYPES.find((t) => t.id === link.typeId)!;
  const out: Record<string, unknown> = {
    id: link.id,
    self: api(c, `/issueLink/${link.id}`),
    type: { id: type.id, name: type.name, inward: type.inward, outward: type.outward, self: api(c, `/issueLinkType/${type.id}`) },
  };
  // Seen from the outward issue, the other end is the inward issue, and the other way round.
  if (link.outwardKey === fromKey) out.inwardIssue = renderIssueSummary(c, store.issue(link.inwardKey));
  else out.outwardIssue = renderIssueSummary(c, store.issue(link.outwardKey));
  return out;
}

export function renderRemoteLink(c: RenderContext, issue: IssueRecord, l: RemoteLinkRecord): Record<string, unknown> {
  return { id: l.id, self: api(c, `/issue/${issue.key}/remotelink/${l.id}`), globalId: l.globalId, application: l.application ?? {}, relationship: l.relationship, object: l.object };
}

/** All fields of an issue, by field id, as GET /issue renders them. */
export function renderIssueFields(c: RenderContext, store: JiraStore, issue: IssueRecord): Record<string, unknown> {
  const project = store.project(issue.projectKey)!;
  const resolution = RESOLUTIONS.find((r) => r.name === issue.resolution);
  const fields: Record<string, unknown> = {
    summary: issue.summary,
    description: rich(c, issue.description),
    issuetype: renderIssueType(c, ISSUE_TYPES.find((t) => t.id === issue.issueTypeId)!),
    project: renderProject(c, project),
    status: renderStatus(c, STATUSES.find((s) => s.id === issue.statusId)!),
    statusCategory: renderStatus(c, STATUSES.find((s) => s.id === issue.statusId)!).statusCategory,
    priority: issue.priorityId ? renderPriority(c, PRIORITIES.find((p) => p.id === issue.priorityId)!) : null,
    assignee: userById(c, issue.assigneeId),
    reporter: userById(c, issue.reporterId),
    creator: userById(c, issue.creatorId),
    labels: issue.labels,
    duedate: issue.duedate,
    created: issue.created,
    updated: issue.updated,
    resolution: resolution ? { self: api(c, `/resolution/${resolution.id}`), id: resolution.id, description: resolution.description, name: resolution.name } : null,
    resolutiondate: issue.resolutiondate,
    components: [],
    fixVersions: [],
    watches: { self: api(c, `/issue/${issue.key}/watchers`), watchCount: 1, isWatching: true },
    comment: { comments: issue.comments.map((cm) => renderComment(c, issue, cm)), self: api(c, `/issue/${issue.id}/comment`), maxResults: issue.comments.length, total: issue.comments.length, startAt: 0 },
    issuelinks: store.linksOf(issue.key).map((l) => renderIssueLink(c, store, l, issue.key)),
    subtasks: store.subtasksOf(issue.key).map((s) => renderIssueSummary(c, s)),
  };
  if (issue.parentKey) fields.parent = renderIssueSummary(c, store.issue(issue.parentKey));
  for (const f of FIELDS.filter((x) => x.custom)) {
    const v = issue.custom[f.id];
    if (v === undefined || v === null) fields[f.id] = null;
    else if (f.kind === "select") {
      const o = f.options!.find((x) => x.id === v)!;
      fields[f.id] = { self: `${c.site}/rest/api/${c.v}/customFieldOption/${o.id}`, value: o.value, id: o.id };
    } else if (f.kind === "text" && f.rich) fields[f.id] = rich(c, v as string);
    else fields[f.id] = v;
  }
  return fields;
}

/** Which field ids a `fields` parameter asks for (`*all`, `*navigable`, a list, `-x` exclusions). */
export function selectFields(all: string[], param: string | string[] | undefined, fallback: "*all" | "*navigable" | "none"): string[] {
  const parts = (Array.isArray(param) ? param : (param ?? "").split(",")).map((s) => s.trim()).filter(Boolean);
  const wanted = parts.length === 0 ? [fallback] : parts;
  let chosen = new Set<string>();
  for (const p of wanted) {
    if (p === "*all" || p === "*navigable") all.forEach((f) => chosen.add(f));
    else if (p === "none") chosen = new Set();
    else if (!p.startsWith("-")) chosen.add(p);
  }
  for (const p of wanted) if (p.startsWith("-")) chosen.delete(p.slice(1));
  return [...chosen];
}

export function renderIssue(c: RenderContext, store: JiraStore, issue: IssueRecord, options: { fields?: string | string[]; expand?: string; defaultFields?: "*all" | "*navigable" | "none" } = {}): Record<string, unknown> {
  const all = renderIssueFields(c, store, issue);
  const chosen = selectFields(Object.keys(all), options.fields, options.defaultFields ?? "*all");
  const fields: Record<string, unknown> = {};
  for (const id of chosen) if (id in all) fields[id] = all[id];
  const out: Record<string, unknown> = {
    expand: "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
    id: issue.id,
    self: api(c, `/issue/${issue.id}`),
    key: issue.key,
    fields,
  };
  const expand = (options.expand ?? "").split(",").map((s) => s.trim());
  if (expand.includes("changelog")) {
    out.changelog = { startAt: 0, maxResults: issue.changelog.length, total: issue.changelog.length, histories: issue.changelog.map((h) => renderHistory(c, h)) };
  }
  if (expand.includes("names")) out.names = Object.fromEntries(FIELDS.map((f) => [f.id, f.name]));
  return out;
}

export function renderHistory(c: RenderContext, h: IssueRecord["changelog"][number]): Record<string, unknown> {
  return { id: h.id, author: userById(c, h.authorId), created: h.created, items: h.items };
}

export function renderTransition(c: RenderContext, t: TransitionRecord): Record<string, unknown> {
  const to = STATUSES.find((s) => s.id === t.to)!;
  return { id: t.id, name: t.name, to: renderStatus(c, to), hasScreen: false, isGlobal: false, isInitial: false, isAvailable: true, isConditional: false, isLooped: false, fields: {} };
}

/** The create screen of a project and issue type: which fields exist, which are required. */
export function createMetaFields(c: RenderContext, store: JiraStore, project: ProjectRecord, type: IssueTypeRecord): Array<Record<string, unknown>> {
  const required = new Set(["project", "issuetype", "summary", ...(type.subtask ? ["parent"] : []), ...(project.requiredFields[type.id] ?? [])]);
  const ids = [...new Set(["project", "issuetype", "summary", ...(type.subtask ? ["parent"] : []), ...store.editableFields(type.id)])];
  return ids.map((id) => {
    const f = FIELDS.find((x) => x.id === id)!;
    const meta: Record<string, unknown> = { required: required.has(id), schema: f.schema, name: f.name, key: id, fieldId: id, hasDefaultValue: id === "priority", operations: f.kind === "labels" ? ["add", "set", "remove"] : ["set"] };
    if (id === "priority") {
      meta.allowedValues = PRIORITIES.map((p) => renderPriority(c, p));
      meta.defaultValue = renderPriority(c, PRIORITIES.find((p) => p.name === "Medium")!);
    }
    if (id === "issuetype") meta.allowedValues = [renderIssueType(c, type)];
    if (id === "project") meta.allowedValues = [renderProject(c, project)];
    if (f.options) meta.allowedValues = f.options.map((o) => ({ self: `${c.site}/rest/api/${c.v}/customFieldOption/${o.id}`, value: o.value, id: o.id }));
    return meta;
  });
}

import { adfToText, isAdfDoc } from "../../integrations/jira/adf.ts";
import { displayValue, fieldById, findUser, parseFieldValue } from "./field-input.ts";
import { ISSUE_NOT_FOUND, JiraRestError, jiraTime } from "./model.ts";
import type { ChangeHistory, ChangeItem, CommentRecord, IssueLinkRecord, IssueRecord, ProjectRecord, RemoteLinkRecord, StatusRecord, TransitionRecord } from "./model.ts";
import { DEFAULT_PRIORITY_ID, INCIDENT_CUSTOM_FIELDS, ISSUE_TYPES, LINK_TYPES, RESOLUTIONS, STATUSES, SYSTEM_EDITABLE, TRANSITIONS, seedProjects } from "./seed.ts";

/** What changed, for the webhook sender: one per create, edit, transition or comment. */
export type JiraChange = { kind: "created"; issue: IssueRecord; actorId: string } | { kind: "updated"; issue: IssueRecord; actorId: string; history: ChangeHistory; eventType: string } | { kind: "commented"; issue: IssueRecord; actorId: string; comment: CommentRecord; updated?: boolean };

interface EditBody {
  fields?: Record<string, unknown>;
  update?: Record<string, Array<Record<string, unknown>>>;
}

const notOnScreen = (id: string) => `Field '${id}' cannot be set. It is not on the appropriate screen, or unknown.`;

/** The sandbox Jira site's state and the rules Jira applies when it changes. */
/** A comment body as Jira accepts it: a string in API v2, an ADF document in v3; never empty. */
function commentText(body: unknown, apiVersion: string): string {
  let text: string;
  if (apiVersion === "3") {
    if (!isAdfDoc(body)) throw new JiraRestError(400, [], { comment: "Comment body is not valid! Operation value must be an Atlassian Document (see the Atlassian Document Format)" });
    text = adfToText(body);
  } else {
    if (typeof body !== "string") throw new JiraRestError(400, [], { comment: "Comment body can not be empty!" });
    text = body;
  }
  if (text.trim() === "") throw new JiraRestError(400, [], { comment: "Comment body can not be empty!" });
  return text;
}

/** A create request's `properties` as Jira takes them: `[{key, value}]`, keys of 1–255 characters. */
function entityProperties(raw: unknown): Array<{ key: string; value: unknown }> {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new JiraRestError(400, ["Can not deserialize instance of java.util.ArrayList out of START_OBJECT token"]);
  return raw.map((p) => {
    const key = (p as { key?: unknown })?.key;
    if (typeof key !== "string" || key.length === 0 || key.length > 255) throw new JiraRestError(400, ["The property key must be between 1 and 255 characters long."]);
    return { key, value: (p as { value?: unknown }).value ?? null };
  });
}

export class JiraStore {
  readonly projects: ProjectRecord[];
  private readonly issues = new Map<string, IssueRecord>();
  private readonly links: IssueLinkRecord[] = [];
  private readonly counters = new Map<string, number>();
  private nextIssueId = 10001;
  private nextCommentId = 10001;
  private nextHistoryId = 10001;
  private nextLinkId = 10001;
  private nextRemoteLinkId = 10001;
  private readonly now: () => Date;
  private readonly onChange: (c: JiraChange) => void;

  constructor(options: { requiredFields?: Record<string, string[]>; now?: () => Date; onChange?: (c: JiraChange) => void } = {}) {
    this.projects = seedProjects(options.requiredFields);
    this.now = options.now ?? (() => new Date());
    this.onChange = options.onChange ?? (() => {});
  }

  /** The issues, links and id counters as JSON, for `restore` (the sandbox's data folder keeps it). */
  snapshot(): string {
    return JSON.stringify({
      version: 1,
      issues: [...this.issues.values()],
      links: this.links,
      counters: [...this.counters.entries()],
      next: { issue: this.nextIssueId, comment: this.nextCommentId, history: this.nextHistoryId, link: this.nextLinkId, remoteLink: this.nextRemoteLinkId },
    });
  }

  /** Replaces the issues with a snapshot's: a restarted sandbox still has its tickets. */
  restore(json: string): void {
    const data = JSON.parse(json) as { issues: IssueRecord[]; links: IssueLinkRecord[]; counters: Array<[string, number]>; next: { issue: number; comment: number; history: number; link: number; remoteLink: number } };
    this.issues.clear();
    for (const i of data.issues) this.issues.set(i.key, i);
    this.links.splice(0, this.links.length, ...data.links);
    this.counters.clear();
    for (const [k, v] of data.counters) this.counters.set(k, v);
    this.nextIssueId = data.next.issue;
    this.nextCommentId = data.next.comment;
    this.nextHistoryId = data.next.history;
    this.nextLinkId = data.next.link;
    this.nextRemoteLinkId = data.next.remoteLink;
  }

  project(keyOrId: string): ProjectRecord | undefined {
    return this.projects.find((p) => p.key === keyOrId.toUpperCase() || p.id === keyOrId);
  }

  all(): IssueRecord[] {
    return [...this.issues.values()];
  }

  find(keyOrId: string): IssueRecord | undefined {
    const k = keyOrId.toUpperCase();
    return this.issues.get(k) ?? [...this.issues.values()].find((i) => i.id === keyOrId);
  }

  issue(keyOrId: string): IssueRecord {
    const found = this.find(keyOrId);
    if (!found) throw ISSUE_NOT_FOUND();
    return found;
  }

  status(id: string): StatusRecord {
    return STATUSES.find((s) => s.id === id)!;
  }

  linksOf(key: string): IssueLinkRecord[] {
    return this.links.filter((l) => l.inwardKey === key || l.outwardKey === key);
  }

  subtasksOf(key: string): IssueRecord[] {
    return this.all().filter((i) => i.parentKey === key);
  }

  /** Fields that can be set on an issue of this type (create adds project, issuetype, parent). */
  editableFields(issueTypeId: string): string[] {
    return issueTypeId === "10001" ? [...SYSTEM_EDITABLE, ...INCIDENT_CUSTOM_FIELDS] : SYSTEM_EDITABLE;
  }

  createIssue(actorId: string, body: EditBody, apiVersion: string): IssueRecord {
    const fields = body.fields ?? {};
    const errors: Record<string, string> = {};
    const projRef = (fields.project ?? {}) as Record<string, unknown>;
    const project = typeof projRef.key === "string" ? this.project(projRef.key) : typeof projRef.id === "string" ? this.project(projRef.id) : undefined;
    if (!project) errors.project = "Specify a valid project ID or key";
    const typeRef = (fields.issuetype ?? {}) as Record<string, unknown>;
    const type = ISSUE_TYPES.find((t) => t.id === typeRef.id || t.name === typeRef.name);
    if (!fields.issuetype) errors.issuetype = "Specify an issue type";
    else if (!type || (project && !project.issueTypeIds.includes(type.id))) errors.issuetype = "The issue type selected is invalid.";
    if (typeof fields.summary !== "string" || fields.summary.trim() === "") errors.summary = "You must specify a summary of the issue.";
    if (Object.keys(errors).length > 0 || !project || !type) throw new JiraRestError(400, [], errors);

    const values = this.parseFields(fields, this.editableFields(type.id), apiVersion, errors, ["project", "issuetype", "parent"]);
    let parentKey: string | null = null;
    if (type.subtask) {
      const parentRef = (fields.parent ?? {}) as Record<string, unknown>;
      const parent = typeof parentRef.key === "string" ? this.find(parentRef.key) : typeof parentRef.id === "string" ? this.find(parentRef.id) : undefined;
      if (!fields.parent) errors.parent = "Sub-task issues need a parent issue.";
      else if (!parent) errors.parent = "Could not find issue by id or key.";
      else if (ISSUE_TYPES.find((t) => t.id === parent.issueTypeId)?.subtask) errors.parent = "Given parent issue does not belong to appropriate hierarchy.";
      else parentKey = parent.key;
    } else if (fields.parent !== undefined) errors.parent = "Given parent issue does not belong to appropriate hierarchy.";
    for (const id of project.requiredFields[type.id] ?? []) {
      const v = values.get(id);
      if (v === undefined || v === null || (Array.isArray(v) && v.length === 0) || v === "") errors[id] = `${fieldById(id)?.name ?? id} is required.`;
    }
    if (Object.keys(errors).length > 0) throw new JiraRestError(400, [], errors);

    const n = (this.counters.get(project.key) ?? 0) + 1;
    this.counters.set(project.key, n);
    const at = jiraTime(this.now());
    const issue: IssueRecord = {
      id: String(this.nextIssueId++),
      key: `${project.key}-${n}`,
      projectKey: project.key,
      issueTypeId: type.id,
      summary: "",
      description: null,
      statusId: "10000",
      priorityId: DEFAULT_PRIORITY_ID,
      assigneeId: null,
      reporterId: actorId,
      creatorId: actorId,
      labels: [],
      duedate: null,
      parentKey,
      resolution: null,
      resolutiondate: null,
      custom: {},
      created: at,
      updated: at,
      comments: [],
      remoteLinks: [],
      changelog: [],
    };
    for (const [id, v] of values) this.setStored(issue, id, v);
    this.issues.set(issue.key, issue);
    this.onChange({ kind: "created", issue, actorId });
    return issue;
  }

  editIssue(actorId: string, keyOrId: string, body: EditBody, apiVersion: string): void {
    const issue = this.issue(keyOrId);
    const errors: Record<string, string> = {};
    const values = this.parseFields(body.fields ?? {}, this.editableFields(issue.issueTypeId), apiVersion, errors);
    const comments = this.applyUpdateOps(issue, body.update ?? {}, values, apiVersion, errors);
    if (Object.keys(errors).length > 0) throw new JiraRestError(400, [], errors);
    const items = this.applyValues(issue, values);
    this.record(issue, actorId, items, items.length === 1 && items[0]?.field === "assignee" ? "issue_assigned" : "issue_updated");
    for (const text of comments) this.addComment(actorId, issue.key, text, "2");
  }

  assign(actorId: string, keyOrId: string, ref: unknown): void {
    const issue = this.issue(keyOrId);
    const user = ref === null ? null : findUser(ref);
    if (ref !== null && !user) throw new JiraRestError(400, [], { assignee: "Specify a valid value for assignee" });
    const items = this.applyValues(issue, new Map([["assignee", user ? user.accountId : null]]));
    this.record(issue, actorId, items, "issue_assigned");
  }

  availableTransitions(keyOrId: string): TransitionRecord[] {
    const issue = this.issue(keyOrId);
    return TRANSITIONS.filter((t) => t.from.includes(issue.statusId));
  }

  transition(actorId: string, keyOrId: string, body: EditBody & { transition?: { id?: string; name?: string } }, apiVersion: string): void {
    const issue = this.issue(keyOrId);
    const wanted = body.transition ?? {};
    const t = this.availableTransitions(issue.key).find((x) => x.id === String(wanted.id ?? "") || (wanted.id === undefined && x.name === wanted.name));
    if (!t) throw new JiraRestError(400, [`Transition id '${wanted.id ?? wanted.name ?? ""}' is not valid for this issue.`]);
    const errors: Record<string, string> = {};
    const fields = { ...(body.fields ?? {}) };
    const resolutionRef = fields.resolution as Record<string, unknown> | undefined;
    delete fields.resolution;
    const values = this.parseFields(fields, this.editableFields(issue.issueTypeId), apiVersion, errors);
    const comments = this.applyUpdateOps(issue, body.update ?? {}, values, apiVersion, errors);
    const resolution = resolutionRef ? RESOLUTIONS.find((r) => r.id === resolutionRef.id || r.name === resolutionRef.name) : undefined;
    if (resolutionRef && !resolution) errors.resolution = `Resolution '${String(resolutionRef.name ?? resolutionRef.id)}' is not valid`;
    if (Object.keys(errors).length > 0) throw new JiraRestError(400, [], errors);

    const from = this.status(issue.statusId);
    const to = this.status(t.to);
    const items: ChangeItem[] = [];
    if (to.category.key === "done" && from.category.key !== "done") {
      const name = resolution?.name ?? "Done";
      items.push({ field: "resolution", fieldtype: "jira", fieldId: "resolution", from: null, fromString: null, to: RESOLUTIONS.find((r) => r.name === name)!.id, toString: name });
      issue.resolution = name;
      issue.resolutiondate = jiraTime(this.now());
    } else if (to.category.key !== "done" && issue.resolution) {
      items.push({ field: "resolution", fieldtype: "jira", fieldId: "resolution", from: RESOLUTIONS.find((r) => r.name === issue.resolution)!.id, fromString: issue.resolution, to: null, toString: null });
      issue.resolution = null;
      issue.resolutiondate = null;
    }
    items.push({ field: "status", fieldtype: "jira", fieldId: "status", from: from.id, fromString: from.name, to: to.id, toString: to.name });
    issue.statusId = to.id;
    items.push(...this.applyValues(issue, values));
    const eventType = to.category.key === "done" && from.category.key !== "done" ? "issue_resolved" : from.category.key === "done" ? "issue_reopened" : "issue_generic";
    this.record(issue, actorId, items, eventType);
    for (const text of comments) this.addComment(actorId, issue.key, text, "2");
  }

  addComment(actorId: string, keyOrId: string, body: unknown, apiVersion: string, properties?: unknown): CommentRecord {
    const issue = this.issue(keyOrId);
    const text = commentText(body, apiVersion);
    const props = entityProperties(properties);
    const at = jiraTime(this.now());
    const comment: CommentRecord = { id: String(this.nextCommentId++), authorId: actorId, body: text, created: at, updated: at, ...(props.length > 0 ? { properties: props } : {}) };
    issue.comments.push(comment);
    issue.updated = at;
    this.onChange({ kind: "commented", issue, actorId, comment });
    return comment;
  }

  /** A comment by its id, on whichever issue it is (`/comment/{id}/…` and `/comment/list`). */
  commentById(id: string): { issue: IssueRecord; comment: CommentRecord } | undefined {
    for (const issue of this.issues.values()) {
      const comment = issue.comments.find((c) => c.id === id);
      if (comment) return { issue, comment };
    }
    return undefined;
  }

  /** Edits a comment (only its author may, as in Jira with default permissions); fires comment_updated. */
  updateComment(actorId: string, keyOrId: string, commentId: string, body: unknown, apiVersion: string): CommentRecord {
    const issue = this.issue(keyOrId);
    const comment = issue.comments.find((c) => c.id === commentId);
    if (!comment) throw new JiraRestError(404, [`Can not find a comment for the id: ${commentId}.`]);
    if (comment.authorId !== actorId) throw new JiraRestError(403, ["You do not have the permission to edit this comment."]);
    const text = commentText(body, apiVersion);
    const at = jiraTime(this.now());
    comment.body = text;
    comment.updated = at;
    issue.updated = at;
    this.onChange({ kind: "commented", issue, actorId, comment, updated: true });
    return comment;
  }

  /** Creates a remote link, or updates the one with the same globalId (as Jira does). */
  upsertRemoteLink(keyOrId: string, body: Record<string, unknown>): { link: RemoteLinkRecord; created: boolean } {
    const issue = this.issue(keyOrId);
    const object = (body.object ?? {}) as RemoteLinkRecord["object"];
    const errors: Record<string, string> = {};
    if (typeof object.url !== "string" || object.url === "") errors.url = "'url' is required.";
    if (typeof object.title !== "string" || object.title === "") errors.title = "'title' is required.";
    if (Object.keys(errors).length > 0) throw new JiraRestError(400, [], errors);
    const globalId = typeof body.globalId === "string" ? body.globalId : undefined;
    const existing = globalId ? issue.remoteLinks.find((l) => l.globalId === globalId) : undefined;
    const fields = {
      globalId,
      application: body.application as Record<string, unknown> | undefined,
      relationship: body.relationship as string | undefined,
      object: { url: object.url, title: object.title, summary: object.summary, icon: object.icon, status: object.status },
    };
    issue.updated = jiraTime(this.now());
    if (existing) {
      Object.assign(existing, fields);
      return { link: existing, created: false };
    }
    const link: RemoteLinkRecord = { id: this.nextRemoteLinkId++, ...fields };
    issue.remoteLinks.push(link);
    return { link, created: true };
  }

  deleteRemoteLink(keyOrId: string, id: string): void {
    const issue = this.issue(keyOrId);
    const i = issue.remoteLinks.findIndex((l) => String(l.id) === id);
    if (i < 0) throw new JiraRestError(404, ["Remote link not found."]);
    issue.remoteLinks.splice(i, 1);
  }

  linkIssues(actorId: string, body: Record<string, unknown>): IssueLinkRecord {
    const typeRef = (body.type ?? {}) as Record<string, unknown>;
    const type = LINK_TYPES.find((t) => t.id === typeRef.id || t.name === typeRef.name);
    if (!type) throw new JiraRestError(404, [`No issue link type with name '${String(typeRef.name ?? typeRef.id ?? "")}' found.`]);
    const ref = (r: unknown) => {
      const o = (r ?? {}) as Record<string, unknown>;
      const found = this.find(String(o.key ?? o.id ?? ""));
      if (!found) throw new JiraRestError(404, ["Issue does not exist or you do not have permission to see it."]);
      return found;
    };
    const inward = ref(body.inwardIssue);
    const outward = ref(body.outwardIssue);
    const link: IssueLinkRecord = { id: String(this.nextLinkId++), typeId: type.id, inwardKey: inward.key, outwardKey: outward.key };
    this.links.push(link);
    const comment = (body.comment ?? undefined) as Record<string, unknown> | undefined;
    if (comment?.body !== undefined) this.addComment(actorId, inward.key, comment.body, isAdfDoc(comment.body) ? "3" : "2");
    return link;
  }

  deleteLink(id: string): void {
    const i = this.links.findIndex((l) => l.id === id);
    if (i < 0) throw new JiraRestError(404, [`No issue link with id '${id}' exists.`]);
    this.links.splice(i, 1);
  }

  private parseFields(fields: Record<string, unknown>, editable: string[], apiVersion: string, errors: Record<string, string>, skip: string[] = []): Map<string, unknown> {
    const values = new Map<string, unknown>();
    for (const [id, raw] of Object.entries(fields)) {
      if (skip.includes(id)) continue;
      const field = fieldById(id);
      if (!field || !editable.includes(id)) {
        errors[id] = notOnScreen(id);
        continue;
      }
      const r = parseFieldValue(field, raw, apiVersion);
      if (r.ok) values.set(id, r.value);
      else errors[id] = r.error;
    }
    return values;
  }

  /** `update: {labels: [{add: "x"}], comment: [{add: {body}}], summary: [{set: "..."}]}`; returns comments to add. */
  private applyUpdateOps(issue: IssueRecord, update: Record<string, Array<Record<string, unknown>>>, values: Map<string, unknown>, apiVersion: string, errors: Record<string, string>): unknown[] {
    const comments: unknown[] = [];
    for (const [id, ops] of Object.entries(update)) {
      if (id === "comment") {
        for (const op of ops) {
          const add = op.add as Record<string, unknown> | undefined;
          if (add?.body === undefined) errors.comment = "Comment body can not be empty!";
          else comments.push(apiVersion === "3" && isAdfDoc(add.body) ? adfToText(add.body) : add.body);
        }
        continue;
      }
      const field = fieldById(id);
      if (!field || !this.editableFields(issue.issueTypeId).includes(id)) {
        errors[id] = notOnScreen(id);
        continue;
      }
      for (const op of ops) {
        if ("set" in op) {
          const r = parseFieldValue(field, op.set, apiVersion);
          if (r.ok) values.set(id, r.value);
          else errors[id] = r.error;
        } else if (field.kind === "labels" && ("add" in op || "remove" in op)) {
          const current = (values.get(id) as string[] | undefined) ?? (this.stored(issue, id) as string[]);
          const label = String(op.add ?? op.remove);
          if (/\s/.test(label)) errors[id] = `The label '${label}' contains spaces which is invalid.`;
          else values.set(id, "add" in op ? [...new Set([...current, label])] : current.filter((l) => l !== label));
        } else errors[id] = `Operation not supported for field '${id}'.`;
      }
    }
    return comments;
  }

  private stored(issue: IssueRecord, id: string): unknown {
    switch (id) {
      case "summary":
        return issue.summary;
      case "description":
        return issue.description;
      case "priority":
        return issue.priorityId;
      case "assignee":
        return issue.assigneeId;
      case "reporter":
        return issue.reporterId;
      case "labels":
        return issue.labels;
      case "duedate":
        return issue.duedate;
      default:
        return issue.custom[id] ?? (fieldById(id)?.kind === "labels" ? [] : null);
    }
  }

  private setStored(issue: IssueRecord, id: string, v: unknown): void {
    switch (id) {
      case "summary":
        issue.summary = v as string;
        return;
      case "description":
        issue.description = v as string | null;
        return;
      case "priority":
        issue.priorityId = v as string | null;
        return;
      case "assignee":
        issue.assigneeId = v as string | null;
        return;
      case "reporter":
        issue.reporterId = v as string;
        return;
      case "labels":
        issue.labels = v as string[];
        return;
      case "duedate":
        issue.duedate = v as string | null;
        return;
      default:
        issue.custom[id] = v;
    }
  }

  /** Writes the values that differ and returns the changelog items for them. */
  private applyValues(issue: IssueRecord, values: Map<string, unknown>): ChangeItem[] {
    const items: ChangeItem[] = [];
    for (const [id, v] of values) {
      const before = this.stored(issue, id);
      if (JSON.stringify(before ?? null) === JSON.stringify(v ?? null)) continue;
      const field = fieldById(id)!;
      this.setStored(issue, id, v);
      const rawId = (x: unknown) => (x === null || x === undefined ? null : field.kind === "user" || field.kind === "select" || id === "priority" ? String(x) : null);
      items.push({
        field: field.custom ? field.name : id,
        fieldtype: field.custom ? "custom" : "jira",
        fieldId: id,
        from: rawId(before),
        fromString: displayValue(field, before),
        to: rawId(v),
        toString: displayValue(field, v),
      });
    }
    return items;
  }

  private record(issue: IssueRecord, actorId: string, items: ChangeItem[], eventType: string): void {
    if (items.length === 0) return;
    const at = jiraTime(this.now());
    const history: ChangeHistory = { id: String(this.nextHistoryId++), authorId: actorId, created: at, items };
    issue.changelog.push(history);
    issue.updated = at;
    this.onChange({ kind: "updated", issue, actorId, history, eventType });
  }
}

/** The Jira sandbox's in-memory records (what Jira stores, not how the REST API renders it). */

export interface JiraUserRecord {
  accountId: string;
  displayName: string;
  email: string;
  /** Slack user id of the same person, for the sandbox page; real Jira has no such thing. */
  slackUserId?: string;
  accountType: "atlassian" | "app";
}

export interface StatusCategory {
  id: number;
  key: "new" | "indeterminate" | "done";
  colorName: string;
  name: string;
}

export interface StatusRecord {
  id: string;
  name: string;
  description: string;
  category: StatusCategory;
}

export interface TransitionRecord {
  id: string;
  name: string;
  /** Status ids the transition is available from. */
  from: string[];
  to: string;
}

export interface PriorityRecord {
  id: string;
  name: string;
  statusColor: string;
}

export interface IssueTypeRecord {
  id: string;
  name: string;
  description: string;
  subtask: boolean;
  hierarchyLevel: number;
}

export type FieldKind = "string" | "text" | "select" | "labels" | "user" | "date" | "number";

export interface FieldOption {
  id: string;
  value: string;
}

export interface FieldRecord {
  id: string;
  name: string;
  custom: boolean;
  kind: FieldKind;
  /** Jira's field schema (`{type, system}` or `{type, custom, customId}`). */
  schema: Record<string, unknown>;
  options?: FieldOption[];
  /** Field ids that a v3 request must send as an ADF document rather than a string. */
  rich?: boolean;
}

export interface ProjectRecord {
  id: string;
  key: string;
  name: string;
  leadAccountId: string;
  issueTypeIds: string[];
  /** Per issue type id: custom field ids that are required on create. */
  requiredFields: Record<string, string[]>;
}

export interface CommentRecord {
  id: string;
  authorId: string;
  body: string;
  created: string;
  updated: string;
  /** Entity properties (apps keep their own data on a comment: `properties` on create, `/comment/{id}/properties`). */
  properties?: Array<{ key: string; value: unknown }>;
}

export interface RemoteLinkRecord {
  id: number;
  globalId?: string;
  application?: Record<string, unknown>;
  relationship?: string;
  object: { url: string; title: string; summary?: string; icon?: Record<string, unknown>; status?: Record<string, unknown> };
}

export interface ChangeItem {
  field: string;
  fieldtype: "jira" | "custom";
  fieldId: string;
  from: string | null;
  fromString: string | null;
  to: string | null;
  toString: string | null;
}

export interface ChangeHistory {
  id: string;
  authorId: string;
  created: string;
  items: ChangeItem[];
}

export interface IssueRecord {
  id: string;
  key: string;
  projectKey: string;
  issueTypeId: string;
  summary: string;
  description: string | null;
  statusId: string;
  priorityId: string | null;
  assigneeId: string | null;
  reporterId: string;
  creatorId: string;
  labels: string[];
  duedate: string | null;
  parentKey: string | null;
  resolution: string | null;
  resolutiondate: string | null;
  /** Custom field id → value (an option id for selects, a string, a string[] for labels). */
  custom: Record<string, unknown>;
  created: string;
  updated: string;
  comments: CommentRecord[];
  remoteLinks: RemoteLinkRecord[];
  changelog: ChangeHistory[];
}

export interface IssueLinkTypeRecord {
  id: string;
  name: string;
  inward: string;
  outward: string;
}

export interface IssueLinkRecord {
  id: string;
  typeId: string;
  inwardKey: string;
  outwardKey: string;
}

/** An error in Jira's shape: `{"errorMessages": [...], "errors": {field: message}}`. */
export class JiraRestError extends Error {
  readonly status: number;
  readonly errorMessages: string[];
  readonly errors: Record<string, string>;
  constructor(status: number, errorMessages: string[], errors: Record<string, string> = {}) {
    super(errorMessages[0] ?? Object.values(errors)[0] ?? `HTTP ${status}`);
    this.status = status;
    this.errorMessages = errorMessages;
    this.errors = errors;
  }
  body(): { errorMessages: string[]; errors: Record<string, string> } {
    return { errorMessages: this.errorMessages, errors: this.errors };
  }
}

export const ISSUE_NOT_FOUND = (): JiraRestError => new JiraRestError(404, ["Issue does not exist or you do not have permission to see it."]);

/** Jira's timestamp format: `2024-05-01T10:20:30.000+0000`. */
export function jiraTime(d: Date): string {
  return d.toISOString().replace("Z", "+0000");
}

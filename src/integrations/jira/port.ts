import type { Severity } from "../../domain/alert.ts";

/**
 * What aisre needs from Jira. The real adapter (jira-client) implements it against Jira Cloud or
 * Data Center, and against the local sandbox when no credentials are configured.
 */

export interface JiraIssueRef {
  key: string;
  id: string;
  /** The issue's page for humans (…/browse/OPS-1). */
  url: string;
}

export interface JiraUserRef {
  accountId: string;
  displayName: string;
  email?: string;
}

/** Logical field values aisre reads and writes, independent of a site's custom field ids. */
export interface JiraSyncValues {
  status: string;
  summary: string;
  description: string;
  priority: string | null;
  severity: Severity | null;
  /** The timeline summary field aisre keeps up to date. */
  timeline: string | null;
  labels: string[];
  /** Account id, or null when unassigned. */
  assignee: string | null;
}

export type JiraSyncField = keyof JiraSyncValues;

export interface JiraIssueView {
  ref: JiraIssueRef;
  values: JiraSyncValues;
  statusCategory: "new" | "indeterminate" | "done";
  assignee: JiraUserRef | null;
  updated: string;
}

export interface NewIncidentIssue {
  incidentId: string;
  title: string;
  description: string;
  severity: Severity;
  services: string[];
  timeline?: string;
  labels?: string[];
  assigneeAccountId?: string;
}

/** A follow-up action item from a postmortem, created as a linked issue. */
export interface FollowUpItem {
  summary: string;
  description?: string;
  assigneeAccountId?: string;
  /** YYYY-MM-DD. */
  dueDate?: string;
  labels?: string[];
}

export interface JiraRemoteLink {
  url: string;
  title: string;
  /** Makes the link idempotent: posting the same globalId updates it. */
  globalId?: string;
  summary?: string;
}

/** What aisre keeps on a comment it writes (entity property `aisre`): the queued writes it carries, or its kept slot. */
export interface CommentMark {
  writes?: string[];
  slot?: string;
}

export interface MarkedComment extends CommentMark {
  id: string;
}

/** The comment property aisre's marks live under. */
export const COMMENT_MARK_PROPERTY = "aisre";

/** The label every incident ticket carries: what `findIncidentIssue` searches for. */
export const incidentLabel = (incidentId: string) => `aisre-${incidentId.trim().replace(/[\s"]+/g, "-")}`;

export interface JiraPort {
  createIssue(input: NewIncidentIssue): Promise<JiraIssueRef>;
  /**
   * The ticket an earlier attempt created for the incident (found by its `incidentLabel`), so a
   * retry after a lost answer or a crash never creates a second one.
   */
  findIncidentIssue(incidentId: string): Promise<JiraIssueRef | undefined>;
  getIssue(key: string): Promise<JiraIssueView>;
  /** Writes logical fields (unknown custom values can go through `custom`, by field id). */
  updateFields(key: string, values: Partial<Omit<JiraSyncValues, "status">>, custom?: Record<string, unknown>): Promise<void>;
  /** Moves the issue to the named status, through intermediate statuses when needed. */
  transitionTo(key: string, statusName: string): Promise<{ changed: boolean; status: string }>;
  /** Adds a comment; `mark` is kept on it as the `aisre` comment property (what `markedComments` reads back). */
  addComment(key: string, text: string, mark?: CommentMark): Promise<{ id: string }>;
  /**
   * aisre's recent comments on the issue that carry its mark: how a write that may already have
   * been made (its writer died, or its answer was lost) is recognised before it is made again.
   */
  markedComments(key: string): Promise<MarkedComment[]>;
  /** Rewrites a comment aisre wrote (a postmortem copy kept up to date). */
  updateComment(key: string, commentId: string, text: string): Promise<void>;
  addRemoteLink(key: string, link: JiraRemoteLink): Promise<void>;
  createLinkedIssue(fromKey: string, item: FollowUpItem): Promise<JiraIssueRef>;
  /** The account aisre acts as (to recognise its own changes in webhooks). */
  whoAmI(): Promise<JiraUserRef>;
  /** The Jira user with this email (to assign the ticket to the Slack user who acknowledged). */
  findUserByEmail(email: string): Promise<JiraUserRef | undefined>;
}

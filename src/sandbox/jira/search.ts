import { displayValue, fieldById } from "./field-input.ts";
import { JqlError, evaluateJql, parseJql } from "./jql.ts";
import type { JqlFieldValue } from "./jql.ts";
import { JiraRestError } from "./model.ts";
import type { IssueRecord } from "./model.ts";
import { FIELDS, ISSUE_TYPES, PRIORITIES, STATUSES, USERS } from "./seed.ts";

/** Runs a JQL query over the sandbox's issues: project, status, labels, key in, text ~ and more. */

const values = (...v: Array<string | null | undefined>): JqlFieldValue => ({ kind: "values", values: v.filter((x): x is string => typeof x === "string" && x !== "") });

function userValues(accountId: string | null): JqlFieldValue {
  const u = USERS.find((x) => x.accountId === accountId);
  return u ? values(u.accountId, u.email, u.displayName) : values();
}

function fieldValue(issue: IssueRecord, name: string): JqlFieldValue {
  const lower = name.toLowerCase();
  const status = STATUSES.find((s) => s.id === issue.statusId)!;
  switch (lower) {
    case "project":
      return values(issue.projectKey, issue.projectKey === "OPS" ? "Operations" : "Engineering");
    case "key":
    case "issuekey":
    case "id":
      return values(issue.key, issue.id);
    case "status":
      return values(status.name, status.id);
    case "statuscategory":
      return values(status.category.name, status.category.key);
    case "labels":
      return values(...issue.labels);
    case "priority": {
      const p = PRIORITIES.find((x) => x.id === issue.priorityId);
      return values(p?.name, p?.id);
    }
    case "issuetype":
    case "type": {
      const t = ISSUE_TYPES.find((x) => x.id === issue.issueTypeId);
      return values(t?.name, t?.id);
    }
    case "assignee":
      return userValues(issue.assigneeId);
    case "reporter":
      return userValues(issue.reporterId);
    case "parent":
      return values(issue.parentKey);
    case "resolution":
      return values(issue.resolution);
    case "summary":
      return { kind: "text", text: issue.summary };
    case "description":
      return { kind: "text", text: issue.description ?? "" };
    case "comment":
      return { kind: "text", text: issue.comments.map((c) => c.body).join("\n") };
    case "text": {
      const customText = FIELDS.filter((f) => f.custom && (f.kind === "text" || f.kind === "string"))
        .map((f) => issue.custom[f.id])
        .filter((v): v is string => typeof v === "string");
      return { kind: "text", text: [issue.summary, issue.description ?? "", ...issue.comments.map((c) => c.body), ...customText].join("\n") };
    }
    case "created":
      return { kind: "time", ms: Date.parse(issue.created.replace("+0000", "Z")) };
    case "updated":
      return { kind: "time", ms: Date.parse(issue.updated.replace("+0000", "Z")) };
    case "resolutiondate":
    case "resolved":
      return { kind: "time", ms: issue.resolutiondate ? Date.parse(issue.resolutiondate.replace("+0000", "Z")) : null };
  }
  const field = fieldById(lower) ?? FIELDS.find((f) => f.custom && f.name.toLowerCase() === lower);
  if (!field) throw new JqlError(`Field '${name}' does not exist or you do not have permission to view it.`);
  const v = issue.custom[field.id];
  if (field.kind === "text") return { kind: "text", text: typeof v === "string" ? v : "" };
  if (Array.isArray(v)) return values(...(v as string[]));
  return values(displayValue(field, v), v === null || v === undefined ? null : String(v));
}

const PRIORITY_RANK = (issue: IssueRecord) => PRIORITIES.findIndex((p) => p.id === issue.priorityId);

function sortKey(issue: IssueRecord, field: string): string | number {
  switch (field.toLowerCase()) {
    case "created":
      return issue.created;
    case "updated":
      return issue.updated;
    case "priority":
      return -PRIORITY_RANK(issue);
    case "key":
    case "issuekey": {
      const [p, n] = issue.key.split("-");
      return `${p}-${(n ?? "").padStart(8, "0")}`;
    }
    case "status":
      return STATUSES.find((s) => s.id === issue.statusId)!.name;
    default:
      return issue.summary;
  }
}

export function searchIssues(issues: IssueRecord[], jql: string, currentUser: string, now = Date.now()): IssueRecord[] {
  try {
    const q = parseJql(jql ?? "");
    const hits = issues.filter((issue) => evaluateJql(q.where, { field: (f) => fieldValue(issue, f), currentUser, now }));
    const order =
      q.orderBy.length > 0
        ? q.orderBy
        : [
            { field: "created", dir: "desc" as const },
            { field: "key", dir: "desc" as const },
          ];
    return hits.sort((a, b) => {
      for (const o of order) {
        const ka = sortKey(a, o.field);
        const kb = sortKey(b, o.field);
        if (ka < kb) return o.dir === "asc" ? -1 : 1;
        if (ka > kb) return o.dir === "asc" ? 1 : -1;
      }
      return 0;
    });
  } catch (e) {
    if (e instanceof JqlError) throw new JiraRestError(400, [e.message]);
    throw e;
  }
}

import { randomUUID } from "node:crypto";
import { hmacSha256Hex } from "../../ingest/util.ts";
import type { WebhookSender } from "../pagerduty/webhook-sender.ts";
import { renderComment, renderIssue, renderIssueSummary, renderUser } from "./render.ts";
import type { RenderContext } from "./render.ts";
import { USERS } from "./seed.ts";
import type { JiraChange, JiraStore } from "./store.ts";

/**
 * Jira Cloud webhook bodies (`jira:issue_created`, `jira:issue_updated` with `issue_event_type_name`
 * and `changelog.items`, `comment_created`, `comment_updated`) and their delivery. Webhooks render issues in the REST
 * v2 shape, as Jira does. With a secret, each is signed like Jira's admin webhooks:
 * `X-Hub-Signature: sha256=<hex hmac of the raw body>`.
 */

export function jiraWebhookBody(site: string, store: JiraStore, change: JiraChange, timestamp: number): { event: string; body: Record<string, unknown> } {
  const c: RenderContext = { site, v: "2" };
  const user = renderUser(
    c,
    USERS.find((u) => u.accountId === change.actorId),
  );
  switch (change.kind) {
    case "created":
      return {
        event: "jira:issue_created",
        body: { timestamp, webhookEvent: "jira:issue_created", issue_event_type_name: "issue_created", user, issue: renderIssue(c, store, change.issue) },
      };
    case "updated":
      return {
        event: "jira:issue_updated",
        body: {
          timestamp,
          webhookEvent: "jira:issue_updated",
          issue_event_type_name: change.eventType,
          user,
          issue: renderIssue(c, store, change.issue),
          changelog: { id: change.history.id, items: change.history.items },
        },
      };
    case "commented": {
      const summary = renderIssueSummary(c, change.issue);
      const fields = summary.fields as Record<string, unknown>;
      fields.assignee = renderUser(
        c,
        USERS.find((u) => u.accountId === change.issue.assigneeId),
      );
      fields.project = { key: change.issue.projectKey, self: `${site}/rest/api/2/project/${change.issue.projectKey}` };
      const event = change.updated ? "comment_updated" : "comment_created";
      return {
        event,
        body: { timestamp, webhookEvent: event, comment: renderComment(c, change.issue, change.comment), issue: summary },
      };
    }
  }
}

export function jiraSignature(secret: string, body: string): string {
  return `sha256=${hmacSha256Hex(secret, body)}`;
}

export function sendJiraWebhook(sender: WebhookSender, url: string, secret: string | undefined, event: string, body: Record<string, unknown>): void {
  const raw = JSON.stringify(body);
  const id = randomUUID();
  sender.send({
    id,
    url,
    event,
    body: raw,
    headers: (attempt) => ({
      "content-type": "application/json; charset=utf-8",
      "user-agent": "Atlassian Webhook HTTP Client",
      "x-atlassian-webhook-identifier": id,
      ...(attempt > 1 ? { "x-atlassian-webhook-retry": String(attempt - 1) } : {}),
      ...(secret ? { "x-hub-signature": jiraSignature(secret, raw) } : {}),
    }),
  });
}

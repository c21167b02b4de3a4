import { describe, expect, it } from "vitest";
import { WebhookParseError } from "../../src/ingest/errors.ts";
import { adfText, jira } from "../../src/ingest/sources/jira.ts";
import { hmacHex, req } from "./helpers.ts";

const user = {
  self: "https://acme.atlassian.net/rest/api/2/user?accountId=5b10a2844c20165700ede21g",
  accountId: "5b10a2844c20165700ede21g",
  avatarUrls: { "48x48": "https://avatar-management.example/48.png" },
  displayName: "Alice Oncall",
  active: true,
  timeZone: "Europe/Berlin",
  accountType: "atlassian",
};

const issue = {
  id: "10042",
  self: "https://acme.atlassian.net/rest/api/2/10042",
  key: "OPS-17",
  fields: {
    summary: "[sev2] checkout 5xx",
    status: { self: "https://acme.atlassian.net/rest/api/2/status/3", name: "In Progress", id: "3" },
    priority: { name: "High", id: "2" },
    assignee: user,
    labels: ["aisre", "INC-20260102-abc123"],
    issuetype: { name: "Incident" },
    customfield_10020: null,
  },
};

const updated = {
  timestamp: 1767322800000,
  webhookEvent: "jira:issue_updated",
  issue_event_type_name: "issue_generic",
  user,
  issue,
  changelog: {
    id: "10153",
    items: [
      { field: "status", fieldtype: "jira", fieldId: "status", from: "10000", fromString: "To Do", to: "3", toString: "In Progress" },
      { field: "priority", fieldtype: "jira", fieldId: "priority", from: "3", fromString: "Medium", to: "2", toString: "High" },
      { field: "labels", fieldtype: "jira", fieldId: "labels", from: null, fromString: "", to: null, toString: "aisre" },
    ],
  },
};

const commented = {
  timestamp: 1767323000000,
  webhookEvent: "comment_created",
  comment: {
    self: "https://acme.atlassian.net/rest/api/2/issue/10042/comment/10007",
    id: "10007",
    author: { ...user, accountId: "712020:bob", displayName: "Bob Dev" },
    body: "Rolled back checkout to 1.4.1, error rate is dropping.",
    updateAuthor: { ...user, accountId: "712020:bob", displayName: "Bob Dev" },
    created: "2026-01-02T03:03:20.000+0000",
    updated: "2026-01-02T03:03:20.000+0000",
    jsdPublic: true,
  },
  issue: { id: "10042", self: issue.self, key: "OPS-17", fields: { summary: issue.fields.summary, issuetype: issue.fields.issuetype, priority: issue.fields.priority, status: issue.fields.status } },
};

describe("jira cloud webhook", () => {
  it("turns issue_updated into an external event with the field changes", () => {
    const out = jira.parse(req(updated, { "X-Atlassian-Webhook-Identifier": "a1b2c3-retry-safe" }));
    expect(out).toEqual({
      deliveryId: "a1b2c3-retry-safe",
      alerts: [],
      changes: [],
      externalEvents: [
        {
          system: "jira",
          type: "jira:issue_updated",
          externalId: "OPS-17",
          actor: "Alice Oncall",
          actorId: "5b10a2844c20165700ede21g",
          at: "2026-01-02T03:00:00.000Z",
          data: {
            issueId: "10042",
            issueEventType: "issue_generic",
            summary: "[sev2] checkout 5xx",
            status: "In Progress",
            priority: "High",
            assignee: "Alice Oncall",
            labels: ["aisre", "INC-20260102-abc123"],
            changes: [
              { field: "status", fieldId: "status", from: "10000", fromString: "To Do", to: "3", toString: "In Progress" },
              { field: "priority", fieldId: "priority", from: "3", fromString: "Medium", to: "2", toString: "High" },
              { field: "labels", fieldId: "labels", fromString: "", toString: "aisre" },
            ],
          },
        },
      ],
    });
  });

  it("does not mistake a missing toString for Object.prototype.toString", () => {
    const body = { ...updated, changelog: { id: "1", items: [{ field: "description", from: null, fromString: "old" }] } };
    const changes = jira.parse(req(body)).externalEvents![0]!.data.changes as Array<Record<string, unknown>>;
    expect(changes).toEqual([{ field: "description", fromString: "old" }]);
  });

  it("turns comment_created into an external event with the comment text and its author", () => {
    const out = jira.parse(req(commented));
    expect(out.externalEvents?.[0]).toMatchObject({
      type: "comment_created",
      externalId: "OPS-17",
      actor: "Bob Dev",
      actorId: "712020:bob",
      at: "2026-01-02T03:03:20.000Z",
      data: { comment: { id: "10007", body: "Rolled back checkout to 1.4.1, error rate is dropping.", author: "Bob Dev", authorId: "712020:bob", created: "2026-01-02T03:03:20.000+0000" } },
    });
    expect(out.deliveryId).toMatch(/^[0-9a-f]{32}$/);
  });

  it("reads comment bodies in Atlassian Document Format", () => {
    const adf = {
      type: "doc",
      version: 1,
      content: [
        {
          type: "paragraph",
          content: [
            { type: "text", text: "Rolled " },
            { type: "text", text: "back", marks: [{ type: "strong" }] },
          ],
        },
        { type: "paragraph", content: [{ type: "text", text: "Watching." }] },
      ],
    };
    const out = jira.parse(req({ ...commented, comment: { ...commented.comment, body: adf } }));
    expect((out.externalEvents![0]!.data.comment as { body: string }).body).toBe("Rolled back\nWatching.");
    expect(adfText(null)).toBe("");
  });

  it("verifies X-Hub-Signature (sha256=) when a secret is configured", () => {
    const body = JSON.stringify(updated);
    expect(jira.verify(req(body, { "X-Hub-Signature": `sha256=${hmacHex("j-secret", body)}` }), { jiraSecret: "j-secret" })).toEqual({ ok: true });
    expect(jira.verify(req(body, { "X-Hub-Signature": `sha256=${hmacHex("nope", body)}` }), { jiraSecret: "j-secret" })).toMatchObject({ ok: false });
    expect(jira.verify(req(body), { jiraSecret: "j-secret" })).toMatchObject({ ok: false });
    expect(jira.verify(req(body), {})).toEqual({ ok: true });
  });

  it("ignores events without an issue and names malformed fields", () => {
    expect(jira.parse(req({ timestamp: 1, webhookEvent: "project_created" })).ignored).toEqual(["project_created carries no issue"]);
    const field = (body: unknown) => {
      try {
        jira.parse(req(body));
      } catch (e) {
        if (e instanceof WebhookParseError) return e.field;
      }
      return "no error";
    };
    expect(field({ ...updated, webhookEvent: undefined })).toBe("webhookEvent");
    expect(field({ ...updated, issue: { ...issue, key: undefined } })).toBe("issue.key");
    expect(field({ ...updated, changelog: { items: [{ fromString: "x" }] } })).toBe("changelog.items[0].field");
    expect(field({ ...commented, comment: { ...commented.comment, id: 10007 } })).toBe("comment.id");
  });
});

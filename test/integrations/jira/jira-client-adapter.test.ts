import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../../src/errors.ts";
import { createJiraClientAdapter } from "../../../src/integrations/jira/jira-client-adapter.ts";
import type { JiraClientAdapterOptions } from "../../../src/integrations/jira/jira-client-adapter.ts";
import { jiraAdapterOptions } from "../../../src/integrations/jira/config.ts";
import { JiraApiError } from "../../../src/integrations/jira/errors.ts";
import { loadConfig } from "../../../src/config.ts";
import { createJiraSandbox } from "../../../src/sandbox/jira/jira-sandbox.ts";
import type { JiraSandbox } from "../../../src/sandbox/jira/jira-sandbox.ts";
import { serveRouter } from "../../sandbox/jira/serve.ts";
import type { Served } from "../../sandbox/jira/serve.ts";

// The real adapter (jira-client) against the Jira sandbox over HTTP, configured as `npm start` does.

let sandbox: JiraSandbox;
let server: Served;
let options: JiraClientAdapterOptions;

beforeAll(async () => {
  sandbox = createJiraSandbox({ requiredFields: { Incident: ["customfield_10040"], Task: [] } });
  server = await serveRouter(sandbox.router);
  options = jiraAdapterOptions(loadConfig({}).jira, server.url);
});

afterAll(async () => {
  await server.close();
});

const incident = { incidentId: "INC-20260101-abc123", title: "Checkout latency and 5xx", description: "p99 above 2 s since 10:02", severity: "sev1" as const, services: ["checkout", "orders db"] };

describe("Jira adapter over jira-client", () => {
  it("uses the sandbox account when no Jira credentials are configured", async () => {
    expect(options.baseUrl).toBe(`${server.url}/jira`);
    const me = await createJiraClientAdapter(options).whoAmI();
    expect(me).toMatchObject({ displayName: "aisre", email: "aisre@example.com" });
  });

  it("creates an incident ticket with the field mapping and severity → priority", async () => {
    const jira = createJiraClientAdapter(options);
    const ref = await jira.createIssue({ ...incident, timeline: "10:02 alert fired", labels: ["checkout"] });
    expect(ref).toEqual({ key: expect.stringMatching(/^OPS-\d+$/), id: expect.any(String), url: `${server.url}/jira/browse/${ref.key}` });
    // A retry finds the ticket by the incident's label instead of creating a second one.
    expect(await jira.findIncidentIssue(incident.incidentId)).toMatchObject({ key: expect.stringMatching(/^OPS-\d+$/) });
    expect(await jira.findIncidentIssue("INC-20260101-none00")).toBeUndefined();
    const view = await jira.getIssue(ref.key);
    expect(view.values).toEqual({
      status: "To Do",
      summary: incident.title,
      description: incident.description,
      priority: "Highest",
      severity: "sev1",
      timeline: "10:02 alert fired",
      labels: ["aisre", "incident", "aisre-INC-20260101-abc123", "checkout"],
      assignee: null,
    });
    const raw = sandbox.store.issue(ref.key);
    expect(raw.custom).toMatchObject({ customfield_10042: ["checkout", "orders-db"], customfield_10043: incident.incidentId });
  });

  it("explains a required custom field the mapping does not fill", async () => {
    const jira = createJiraClientAdapter({ ...options, mapping: { ...options.mapping, severityField: undefined } });
    const err = await jira.createIssue(incident).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe("jira_mapping");
    expect(err.userMessage).toContain(`Jira requires the field "Severity" (customfield_10040)`);
    expect(err.userMessage).toContain("SEV-1, SEV-2, SEV-3, SEV-4");
  });

  it("fills other required fields from extraFields, and rejects values that are not options", async () => {
    const strict = createJiraSandbox({ requiredFields: { Incident: ["customfield_10040", "customfield_10044"] } });
    const s = await serveRouter(strict.router);
    try {
      const base = jiraAdapterOptions(loadConfig({}).jira, s.url);
      const missing = await createJiraClientAdapter(base)
        .createIssue(incident)
        .catch((e) => e);
      expect(missing.userMessage).toContain(`"Customer impact" (customfield_10044)`);
      const wrong = await createJiraClientAdapter({ ...base, mapping: { ...base.mapping, extraFields: { "Customer impact": "Everyone" } } })
        .createIssue(incident)
        .catch((e) => e);
      expect(wrong.userMessage).toContain(`"Everyone" is not an option`);
      const ok = await createJiraClientAdapter({ ...base, mapping: { ...base.mapping, extraFields: { "Customer impact": "Customers affected" } } }).createIssue(incident);
      expect(strict.store.issue(ok.key).custom.customfield_10044).toBe("10200");
    } finally {
      await s.close();
    }
  });

  it("names the issue type when the project has none of that name", async () => {
    const jira = createJiraClientAdapter({ ...options, mapping: { ...options.mapping, issueType: "Outage" } });
    const err = await jira.createIssue(incident).catch((e) => e);
    expect(err.userMessage).toContain(`no issue type "Outage"`);
  });

  it("updates fields and moves through the workflow to the named status", async () => {
    const jira = createJiraClientAdapter(options);
    const { key } = await jira.createIssue({ ...incident, severity: "sev3" });
    await jira.updateFields(key, { severity: "sev2", priority: "High", timeline: "10:02 alert\n10:05 rollback", assignee: "712020:alice" });
    let view = await jira.getIssue(key);
    expect(view.values).toMatchObject({ severity: "sev2", priority: "High", timeline: "10:02 alert\n10:05 rollback", assignee: "712020:alice" });
    expect(view.assignee).toMatchObject({ displayName: "Alice Chen", email: "alice@example.com" });
    expect(await jira.transitionTo(key, "Done")).toEqual({ changed: true, status: "Done" });
    expect(await jira.transitionTo(key, "Done")).toEqual({ changed: false, status: "Done" });
    expect(await jira.transitionTo(key, "In Progress")).toEqual({ changed: true, status: "In Progress" });
    view = await jira.getIssue(key);
    expect(view.statusCategory).toBe("indeterminate");
    const err = await jira.transitionTo(key, "Blocked").catch((e) => e);
    expect(err.code).toBe("jira_transition");
  });

  it("comments in plain text on v2 and ADF on v3, and adds idempotent remote links", async () => {
    const v2 = createJiraClientAdapter(options);
    const v3 = createJiraClientAdapter({ ...options, apiVersion: "3" });
    const { key } = await v3.createIssue(incident);
    expect(sandbox.store.issue(key).description).toBe(incident.description);
    await v2.addComment(key, "Hypothesis: payments DB connection pool exhausted (confidence 0.7)");
    await v3.addComment(key, "Action: rollback approved by carol\nVerified: error rate back to 0.1%");
    expect(sandbox.store.issue(key).comments.map((c) => c.body)).toEqual(["Hypothesis: payments DB connection pool exhausted (confidence 0.7)", "Action: rollback approved by carol\nVerified: error rate back to 0.1%"]);
    await v2.addRemoteLink(key, { url: "https://slack.example/archives/C1/p1", title: "Incident thread", globalId: "aisre:slack:INC-1" });
    await v2.addRemoteLink(key, { url: "https://slack.example/archives/C1/p1", title: "Incident thread (updated)", globalId: "aisre:slack:INC-1" });
    expect(sandbox.store.issue(key).remoteLinks.map((l) => l.object.title)).toEqual(["Incident thread (updated)"]);
  });

  it("creates follow-up action items as linked issues or sub-tasks", async () => {
    const jira = createJiraClientAdapter({ ...options, mapping: { ...options.mapping, followUp: { project: "ENG", issueType: "Task", linkType: "Relates" } } });
    const { key } = await jira.createIssue(incident);
    const item = await jira.createLinkedIssue(key, { summary: "Alert on connection pool saturation", dueDate: "2026-12-01", assigneeAccountId: "712020:bob", labels: ["payments"] });
    expect(item.key).toMatch(/^ENG-/);
    const stored = sandbox.store.issue(item.key);
    expect(stored).toMatchObject({ duedate: "2026-12-01", assigneeId: "712020:bob", labels: ["aisre", "follow-up", "payments"] });
    expect(sandbox.store.linksOf(key)).toEqual([expect.objectContaining({ inwardKey: key, outwardKey: item.key })]);
    const sub = await createJiraClientAdapter({ ...options, mapping: { ...options.mapping, followUp: { issueType: "Sub-task", linkType: "Relates" } } }).createLinkedIssue(key, { summary: "Add runbook" });
    expect(sandbox.store.issue(sub.key).parentKey).toBe(key);
  });

  it("reports Jira errors with status and Retry-After", async () => {
    const jira = createJiraClientAdapter(options);
    const notFound = await jira.getIssue("OPS-424242").catch((e) => e);
    expect(notFound).toBeInstanceOf(JiraApiError);
    expect(notFound).toMatchObject({ status: 404, retryable: false });
    sandbox.failNext(1, 429, 7);
    const limited = await jira.getIssue("OPS-1").catch((e) => e);
    expect(limited).toMatchObject({ status: 429, retryAfterMs: 7000, retryable: true });
    const denied = await createJiraClientAdapter({ ...options, email: "nobody@example.com" })
      .whoAmI()
      .catch((e) => e);
    expect(denied.status).toBe(401);
  });
});

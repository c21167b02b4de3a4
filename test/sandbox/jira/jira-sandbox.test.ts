import { createHmac } from "node:crypto";
import JiraApi from "jira-client";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { JIRA_SANDBOX_ACCOUNT } from "../../../src/integrations/jira/sandbox-account.ts";
import { createJiraSandbox } from "../../../src/sandbox/jira/jira-sandbox.ts";
import type { JiraSandbox } from "../../../src/sandbox/jira/jira-sandbox.ts";
import { serveRouter, webhookReceiver } from "./serve.ts";
import type { HookReceiver, Served } from "./serve.ts";
import { defined } from "../../support/defined.ts";

// The real jira-client, with its own default transport, against the sandbox over HTTP.

const SECRET = "jira-webhook-secret";
let sandbox: JiraSandbox;
let server: Served;
let hooks: HookReceiver;

function client(apiVersion = "2", auth: { username?: string; password?: string; bearer?: string } = { username: JIRA_SANDBOX_ACCOUNT.email, password: JIRA_SANDBOX_ACCOUNT.apiToken }): JiraApi {
  return new JiraApi({ protocol: "http", host: "127.0.0.1", port: String(server.port), base: "/jira", apiVersion, strictSSL: false, ...auth });
}

async function rejection(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return JSON.parse((e as Error).message);
  }
  throw new Error("expected a rejection");
}

const incidentFields = (summary: string, extra: Record<string, unknown> = {}) => ({
  fields: { project: { key: "OPS" }, issuetype: { name: "Incident" }, summary, customfield_10040: { value: "SEV-2" }, ...extra },
});

beforeAll(async () => {
  hooks = await webhookReceiver();
  sandbox = createJiraSandbox({ webhookUrl: `${hooks.url}/webhooks/jira`, webhookSecret: SECRET, webhookRetryDelaysMs: [20, 20] });
  server = await serveRouter(sandbox.router);
});

afterAll(async () => {
  await sandbox.stop?.();
  await server.close();
  await hooks.close();
});

beforeEach(async () => {
  await sandbox.idle();
  hooks.received.length = 0;
});

describe("Jira sandbox through jira-client", () => {
  it("answers myself, projects, issue types, priorities and fields", async () => {
    const jira = client();
    const me = await jira.getCurrentUser();
    expect(me).toMatchObject({ accountId: JIRA_SANDBOX_ACCOUNT.accountId, emailAddress: JIRA_SANDBOX_ACCOUNT.email });
    expect((await jira.listProjects()).map((p: any) => p.key)).toEqual(["OPS", "ENG"]);
    expect((await jira.listIssueTypes()).map((t: any) => t.name)).toContain("Incident");
    expect((await jira.listPriorities()).map((p: any) => p.name)).toEqual(["Highest", "High", "Medium", "Low", "Lowest"]);
    const fields = await jira.listFields();
    expect(fields.find((f: any) => f.name === "Severity")).toMatchObject({ id: "customfield_10040", custom: true });
  });

  it("rejects requests without credentials and accepts bearer tokens", async () => {
    const anonymous = await fetch(`${server.url}/jira/rest/api/2/myself`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ errorMessages: [expect.any(String)] });
    expect(await client("2", { bearer: "some-oauth-token" }).getCurrentUser()).toMatchObject({ accountId: JIRA_SANDBOX_ACCOUNT.accountId });
  });

  it("creates, gets and updates an issue, assignee included", async () => {
    const jira = client();
    const created = await jira.addNewIssue(incidentFields("Checkout 5xx spike", { labels: ["aisre", "checkout"], priority: { name: "High" }, description: "Error rate above 5%" }));
    expect(created).toMatchObject({ key: expect.stringMatching(/^OPS-\d+$/), id: expect.any(String) });
    const issue = await jira.findIssue(created.key);
    expect(issue.fields).toMatchObject({
      summary: "Checkout 5xx spike",
      description: "Error rate above 5%",
      labels: ["aisre", "checkout"],
      priority: { name: "High" },
      status: { name: "To Do", statusCategory: { key: "new" } },
      customfield_10040: { value: "SEV-2" },
      assignee: null,
      reporter: { accountId: JIRA_SANDBOX_ACCOUNT.accountId },
    });
    await jira.updateIssue(created.key, { fields: { assignee: { accountId: "712020:alice" }, priority: { name: "Highest" } }, update: { labels: [{ add: "sev1" }] } });
    const after = await jira.findIssue(created.key, "changelog");
    expect(after.fields.assignee).toMatchObject({ displayName: "Alice Chen", emailAddress: "alice@example.com" });
    expect(after.fields.priority.name).toBe("Highest");
    expect(after.fields.labels).toEqual(["aisre", "checkout", "sev1"]);
    expect(
      after.changelog.histories
        .at(-1)
        .items.map((i: any) => i.field)
        .sort(),
    ).toEqual(["assignee", "labels", "priority"]);
  });

  it("returns Jira's error shapes: missing required custom field, unknown issue, field not on screen", async () => {
    const jira = client();
    const missing = await rejection(jira.addNewIssue({ fields: { project: { key: "OPS" }, issuetype: { name: "Incident" }, summary: "No severity" } }));
    expect(missing).toEqual({ errorMessages: [], errors: { customfield_10040: "Severity is required." } });
    const noSummary = await rejection(jira.addNewIssue({ fields: { project: { key: "OPS" }, issuetype: { name: "Task" } } }));
    expect(noSummary.errors.summary).toBe("You must specify a summary of the issue.");
    const notFound = await fetch(`${server.url}/jira/rest/api/2/issue/OPS-9999`, { headers: { authorization: `Bearer x` } });
    expect(notFound.status).toBe(404);
    expect(await notFound.json()).toEqual({ errorMessages: ["Issue does not exist or you do not have permission to see it."], errors: {} });
    const { key } = await jira.addNewIssue({ fields: { project: { key: "ENG" }, issuetype: { name: "Task" }, summary: "t" } });
    const status = await rejection(jira.updateIssue(key, { fields: { status: { name: "Done" } } }));
    expect(status.errors.status).toMatch(/cannot be set/);
  });

  it("describes required fields in createmeta (old and new endpoints)", async () => {
    const jira = client();
    const meta = await jira.getIssueCreateMetadata({ projectKeys: ["OPS"], issuetypeNames: ["Incident"], expand: "projects.issuetypes.fields" });
    const fields = meta.projects[0].issuetypes[0].fields;
    expect(fields.customfield_10040).toMatchObject({ required: true, name: "Severity", allowedValues: expect.arrayContaining([expect.objectContaining({ value: "SEV-1" })]) });
    expect(fields.customfield_10041).toMatchObject({ required: false, name: "Incident timeline" });
    const types = await jira.genericGet("issue/createmeta/OPS/issuetypes");
    const incident = types.issueTypes.find((t: any) => t.name === "Incident");
    const page = await jira.genericGet(`issue/createmeta/OPS/issuetypes/${incident.id}`);
    expect(
      page.fields
        .filter((f: any) => f.required)
        .map((f: any) => f.fieldId)
        .sort(),
    ).toEqual(["customfield_10040", "issuetype", "project", "summary"]);
  });

  it("walks the workflow To Do → In Progress → Done with transitions", async () => {
    const jira = client();
    const { key } = await jira.addNewIssue(incidentFields("Workflow"));
    const first = await jira.listTransitions(key);
    expect(first.transitions.map((t: any) => t.to.name)).toEqual(["In Progress"]);
    const invalid = await rejection(jira.transitionIssue(key, { transition: { id: "31" } }));
    expect(invalid.errorMessages[0]).toBe("Transition id '31' is not valid for this issue.");
    await jira.transitionIssue(key, { transition: { id: first.transitions[0].id } });
    const second = await jira.listTransitions(key);
    await jira.transitionIssue(key, { transition: { id: second.transitions.find((t: any) => t.to.name === "Done").id } });
    const done = await jira.findIssue(key);
    expect(done.fields.status.name).toBe("Done");
    expect(done.fields.resolution.name).toBe("Done");
    expect(done.fields.resolutiondate).toEqual(expect.any(String));
  });

  it("searches with the JQL subset", async () => {
    const jira = client();
    const a = await jira.addNewIssue(incidentFields("Payments DB connections exhausted", { labels: ["aisre", "payments"] }));
    const b = await jira.addNewIssue(incidentFields("Inventory rollout errors", { labels: ["aisre", "inventory"] }));
    await jira.transitionIssue(b.key, { transition: { id: "21" } });
    const keys = async (jql: string) => (await jira.searchJira(jql, { maxResults: 100 })).issues.map((i: any) => i.key);
    expect(await keys(`project = OPS AND labels = payments`)).toEqual([a.key]);
    expect(await keys(`project = OPS AND status = "In Progress" AND labels = aisre`)).toEqual([b.key]);
    expect(await keys(`key in (${a.key}, ${b.key}) ORDER BY key ASC`)).toEqual([a.key, b.key]);
    expect(await keys(`text ~ "connections exhausted"`)).toEqual([a.key]);
    expect(await keys(`labels = aisre AND status != Done AND summary ~ inventory`)).toEqual([b.key]);
    const bad = await rejection(jira.searchJira(`nosuchfield = 1`));
    expect(bad.errorMessages[0]).toMatch(/Field 'nosuchfield' does not exist/);
    const page = await fetch(`${server.url}/jira/rest/api/3/search/jql`, {
      method: "POST",
      headers: { authorization: "Bearer t", "content-type": "application/json" },
      body: JSON.stringify({ jql: `key = ${a.key}`, fields: ["summary"] }),
    }).then((r) => r.json());
    expect(page).toEqual({ issues: [expect.objectContaining({ key: a.key, fields: { summary: "Payments DB connections exhausted" } })], isLast: true });
  });

  it("adds and lists comments; v3 takes and renders ADF bodies", async () => {
    const v2 = client("2");
    const v3 = client("3");
    const { key } = await v2.addNewIssue(incidentFields("Comments", { description: "line one\nline two" }));
    await v2.addComment(key, "Hypothesis: bad deploy of inventory v2.3");
    const adf = { type: "doc", version: 1, content: [{ type: "paragraph", content: [{ type: "text", text: "Rolled back" }] }] };
    const posted = await v3.addCommentAdvanced(key, { body: adf });
    expect(posted.body).toEqual(adf);
    const plain = await rejection(v3.addComment(key, "a plain string is not ADF"));
    expect(plain.errors.comment).toMatch(/Atlassian Document/);
    const list = await v2.getComments(key);
    expect(list.comments.map((c: any) => c.body)).toEqual(["Hypothesis: bad deploy of inventory v2.3", "Rolled back"]);
    const viaV3 = await v3.findIssue(key);
    expect(viaV3.fields.description.type).toBe("doc");
  });

  it("creates remote links, sub-tasks and issue links", async () => {
    const jira = client();
    const { key } = await jira.addNewIssue(incidentFields("Links"));
    await jira.createRemoteLink(key, { globalId: "aisre:INC-1", object: { url: "https://slack.example/thread", title: "Slack thread" } });
    await jira.createRemoteLink(key, { globalId: "aisre:INC-1", object: { url: "https://slack.example/thread2", title: "Slack thread (moved)" } });
    const links = await jira.getRemoteLinks(key);
    expect(links).toHaveLength(1);
    expect(links[0].object.title).toBe("Slack thread (moved)");
    const sub = await jira.addNewIssue({ fields: { project: { key: "OPS" }, issuetype: { name: "Sub-task" }, parent: { key }, summary: "Add connection pool alert" } });
    const follow = await jira.addNewIssue({ fields: { project: { key: "ENG" }, issuetype: { name: "Task" }, summary: "Load-test payments" } });
    await jira.issueLink({ type: { name: "Relates" }, inwardIssue: { key }, outwardIssue: { key: follow.key } });
    const issue = await jira.findIssue(key);
    expect(issue.fields.subtasks.map((s: any) => s.key)).toEqual([sub.key]);
    expect(issue.fields.issuelinks[0]).toMatchObject({ type: { name: "Relates" }, outwardIssue: { key: follow.key } });
    const noParent = await rejection(jira.addNewIssue({ fields: { project: { key: "OPS" }, issuetype: { name: "Sub-task" }, summary: "orphan" } }));
    expect(noParent.errors.parent).toBeDefined();
  });
});

describe("Jira sandbox limits", () => {
  it("answers 429 with Retry-After when one issue is written too fast", async () => {
    const jira = client();
    const { key } = await jira.addNewIssue(incidentFields("Hot issue"));
    sandbox.setRateLimit({ writesPerIssue: 2, windowMs: 60_000 });
    try {
      const put = () => fetch(`${server.url}/jira/rest/api/2/issue/${key}`, { method: "PUT", headers: { authorization: "Bearer t", "content-type": "application/json" }, body: JSON.stringify({ fields: { summary: `s${Math.random()}` } }) });
      expect((await put()).status).toBe(204);
      expect((await put()).status).toBe(204);
      const limited = await put();
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(limited.headers.get("ratelimit-reason")).toBe("jira-per-issue-on-write");
    } finally {
      sandbox.setRateLimit({ writesPerIssue: 20, windowMs: 2_000 });
    }
  });

  it("fails the next N responses on demand", async () => {
    sandbox.failNext(2, 503, 3);
    const first = await fetch(`${server.url}/jira/rest/api/2/myself`, { headers: { authorization: "Bearer t" } });
    expect(first.status).toBe(503);
    expect(first.headers.get("retry-after")).toBe("3");
    const viaRoute = await fetch(`${server.url}/jira/sandbox/faults`, { method: "POST", body: JSON.stringify({ count: 1, status: 429, retryAfter: 2 }) });
    expect(await viaRoute.json()).toEqual({ pending: 2 });
    expect((await fetch(`${server.url}/jira/rest/api/2/myself`, { headers: { authorization: "Bearer t" } })).status).toBe(503);
    expect((await fetch(`${server.url}/jira/rest/api/2/myself`, { headers: { authorization: "Bearer t" } })).status).toBe(429);
    expect((await fetch(`${server.url}/jira/rest/api/2/myself`, { headers: { authorization: "Bearer t" } })).status).toBe(200);
  });
});

describe("Jira sandbox webhooks", () => {
  it("sends issue_created, and signs webhooks with X-Hub-Signature", async () => {
    const { key } = await client().addNewIssue(incidentFields("Webhook create"));
    const [hook] = await hooks.waitFor((h) => h.length >= 1);
    defined(hook, "hook");
    expect(hook.body).toMatchObject({ webhookEvent: "jira:issue_created", issue_event_type_name: "issue_created", issue: { key }, user: { accountId: JIRA_SANDBOX_ACCOUNT.accountId } });
    expect(hook.headers["x-hub-signature"]).toBe(`sha256=${createHmac("sha256", SECRET).update(hook.raw).digest("hex")}`);
    expect(hook.headers["x-atlassian-webhook-identifier"]).toEqual(expect.any(String));
  });

  it("sends webhooks when a person acts in Jira (assignee, transition, comment)", async () => {
    const { key } = await client().addNewIssue(incidentFields("Human acts"));
    await sandbox.idle();
    hooks.received.length = 0;
    const act = async (body: Record<string, unknown>) => {
      const res = await fetch(`${server.url}/jira/sandbox/act`, { method: "POST", body: JSON.stringify({ issue: key, ...body }) });
      expect(res.status).toBe(200);
      return res.json();
    };
    await act({ as: "U_ALICE", assignee: "bob" });
    await act({ as: "carol", transition: "In Progress", comment: "Taking over as IC" });
    const got = await hooks.waitFor((h) => h.length >= 3);
    const [assigned, transitioned, commented] = got.map((h) => h.body);
    expect(assigned).toMatchObject({ webhookEvent: "jira:issue_updated", issue_event_type_name: "issue_assigned", user: { displayName: "Alice Chen", emailAddress: "alice@example.com" } });
    expect(assigned.changelog.items).toEqual([expect.objectContaining({ field: "assignee", fromString: null, toString: "Bob Martin", to: "712020:bob" })]);
    expect(transitioned).toMatchObject({ issue_event_type_name: "issue_generic", user: { displayName: "Carol Diaz" } });
    expect(transitioned.changelog.items).toEqual([expect.objectContaining({ field: "status", fromString: "To Do", toString: "In Progress" })]);
    expect(commented).toMatchObject({ webhookEvent: "comment_created", comment: { body: "Taking over as IC", author: { displayName: "Carol Diaz" } }, issue: { key } });
    const state = sandbox.state().jiraIssues as Array<Record<string, any>>;
    expect(state.find((i) => i.key === key)).toMatchObject({ status: "In Progress", severity: "SEV-2", assignee: { name: "Bob Martin", slackUserId: "U_BOB" }, comments: 1 });
  });

  it("retries a webhook the receiver failed with 5xx", async () => {
    hooks.respondWith.push(503);
    await client().addNewIssue(incidentFields("Retry me"));
    const [hook] = await hooks.waitFor((h) => h.length >= 1);
    defined(hook, "hook");
    expect(hook.headers["x-atlassian-webhook-retry"]).toBe("1");
    // The sender marks the delivery after the receiver's 200 arrives: wait for it to settle.
    await sandbox.idle();
    expect(sandbox.deliveries().find((d) => d.id === hook.headers["x-atlassian-webhook-identifier"])).toMatchObject({ status: "delivered", attempts: 2 });
  });
});

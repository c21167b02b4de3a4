import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config.ts";
import { jiraAdapterOptions } from "../../../src/integrations/jira/config.ts";
import { createJiraClientAdapter } from "../../../src/integrations/jira/jira-client-adapter.ts";
import type { JiraPort } from "../../../src/integrations/jira/port.ts";
import { JiraWriteQueue, memorySyncedStore } from "../../../src/integrations/jira/write-queue.ts";
import { createJiraSandbox } from "../../../src/sandbox/jira/jira-sandbox.ts";
import type { JiraSandbox } from "../../../src/sandbox/jira/jira-sandbox.ts";
import { serveRouter } from "../../sandbox/jira/serve.ts";
import type { Served } from "../../sandbox/jira/serve.ts";
import { itemAt } from "../../../src/domain/indexed.ts";

// The write queue with the real adapter against the sandbox: debouncing, 429 + Retry-After, 5xx,
// and a human's assignee edit surviving later syncs.

let sandbox: JiraSandbox;
let server: Served;
let jira: JiraPort;

beforeAll(async () => {
  sandbox = createJiraSandbox();
  server = await serveRouter(sandbox.router);
  jira = createJiraClientAdapter(jiraAdapterOptions(loadConfig({}).jira, server.url));
});

afterAll(async () => {
  await server.close();
});

const newIssue = () => jira.createIssue({ incidentId: "INC-1", title: "Queue test", description: "d", severity: "sev3", services: ["cart"] });
const schedule = { debounceMs: 30, maxDelayMs: 200, baseBackoffMs: 20, maxBackoffMs: 100 };

describe("JiraWriteQueue", () => {
  it("coalesces a burst of changes into one edit per issue", async () => {
    const { key } = await newIssue();
    const queue = new JiraWriteQueue({ port: jira, schedule });
    queue.sync(key, { severity: "sev2", priority: "High" });
    queue.sync(key, { timeline: "10:00 alert" });
    queue.sync(key, { timeline: "10:00 alert\n10:03 hypothesis", severity: "sev1", priority: "Highest" });
    queue.comment(key, "Hypothesis: cart cache evictions");
    await queue.idle();
    const issue = sandbox.store.issue(key);
    expect(issue.changelog).toHaveLength(1);
    expect(
      itemAt(issue.changelog, 0)
        .items.map((i) => i.field)
        .sort(),
    ).toEqual(["Incident timeline", "Severity", "priority"]);
    expect((await jira.getIssue(key)).values).toMatchObject({ severity: "sev1", priority: "Highest", timeline: "10:00 alert\n10:03 hypothesis" });
    expect(issue.comments.map((c) => c.body)).toEqual(["Hypothesis: cart cache evictions"]);
    queue.close();
  });

  it("waits for Retry-After on 429 and retries 5xx, then writes everything once", async () => {
    const { key } = await newIssue();
    const queue = new JiraWriteQueue({ port: jira, schedule });
    sandbox.failNext(1, 429, 1);
    const start = Date.now();
    queue.sync(key, { status: "In Progress" });
    queue.comment(key, "Acknowledged in Slack by alice");
    await queue.idle();
    expect(Date.now() - start).toBeGreaterThanOrEqual(1000);
    sandbox.failNext(2, 503, 0);
    queue.sync(key, { status: "Done" });
    await queue.idle();
    const issue = sandbox.store.issue(key);
    expect(sandbox.store.status(issue.statusId).name).toBe("Done");
    expect(issue.comments).toHaveLength(1);
    queue.close();
  });

  it("coalesces the comments queued within one debounce window into one comment", async () => {
    const { key } = await newIssue();
    const queue = new JiraWriteQueue({ port: jira, schedule });
    queue.comment(key, "Resolved by aisre after 12 min.");
    queue.comment(key, "Reopened. RedisEvictionsHigh fired again");
    queue.comment(key, "Resolved by aisre after 15 min.");
    queue.comment(key, "Resolved by aisre after 15 min.");
    await queue.idle();
    expect(sandbox.store.issue(key).comments.map((c) => c.body)).toEqual(["Resolved by aisre after 12 min.\n\nReopened. RedisEvictionsHigh fired again\n\nResolved by aisre after 15 min."]);
    queue.close();
  });

  it("gives up after maxAttempts and reports what was lost", async () => {
    const { key } = await newIssue();
    const lost: unknown[] = [];
    const queue = new JiraWriteQueue({ port: jira, schedule: { ...schedule, maxAttempts: 2 }, onGiveUp: (k, writes) => lost.push({ k, writes }) });
    sandbox.failNext(2, 503, 0);
    queue.comment(key, "never lands");
    await queue.idle();
    expect(lost).toEqual([{ k: key, writes: expect.objectContaining({ comments: ["never lands"] }) }]);
    expect(sandbox.store.issue(key).comments).toEqual([]);
    queue.close();
  });

  it("never overwrites a human's assignee change, while still syncing the fields aisre owns", async () => {
    const { key } = await newIssue();
    const synced = memorySyncedStore();
    const kept: unknown[] = [];
    const queue = new JiraWriteQueue({ port: jira, synced, schedule, onKeptHumanEdits: (_k, edits) => kept.push(...edits) });
    queue.sync(key, { assignee: "712020:alice", severity: "sev3" });
    await queue.idle();
    expect(sandbox.store.issue(key).assigneeId).toBe("712020:alice");

    const res = await fetch(`${server.url}/jira/sandbox/act`, { method: "POST", body: JSON.stringify({ as: "carol", issue: key, assignee: "bob" }) });
    expect(res.status).toBe(200);

    queue.sync(key, { assignee: "712020:alice", severity: "sev1", priority: "Highest", status: "In Progress" });
    await queue.idle();
    const issue = sandbox.store.issue(key);
    expect(issue.assigneeId).toBe("712020:bob");
    expect((await jira.getIssue(key)).values).toMatchObject({ severity: "sev1", priority: "Highest", status: "In Progress", assignee: "712020:bob" });
    expect(kept).toEqual([{ field: "assignee", human: "712020:bob", wanted: "712020:alice" }]);
    expect(await synced.get(key)).toMatchObject({ assignee: "712020:alice", severity: "sev1", status: "In Progress" });
    queue.close();
  });
});

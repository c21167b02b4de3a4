import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { JiraStore } from "../../src/sandbox/jira/store.ts";
import { PdStore } from "../../src/sandbox/pagerduty/store.ts";
import { persistSnapshots } from "../../src/sandbox/persist-file.ts";
import { persistWorkspace } from "../../src/sandbox/slack/persist.ts";
import { SlackWorkspace } from "../../src/sandbox/slack/workspace.ts";

describe("the sandbox Slack workspace across a restart", () => {
  it("keeps channels, messages, threads, edits and metadata in the data folder; new messages come after", () => {
    const file = join(mkdtempSync(join(tmpdir(), "aisre-ws-")), "sandbox", "slack-workspace.json");
    const before = new SlackWorkspace();
    const saved = persistWorkspace(before, file);
    const incidents = before.channel("#incidents")!.id;
    const root = before.post({ channel: incidents, user: before.botUserId, text: "root card", metadata: { event_type: "aisre_outbox", event_payload: { outbox_id: "7" } } });
    const reply = before.post({ channel: incidents, user: "U_ALICE", text: "looking", threadTs: root.ts });
    before.update(incidents, root.ts, { text: "root card (edited)" }, before.botUserId);
    const created = before.createChannel({ name: "inc-42", creator: "U_CAROL", members: ["U_ALICE"] });
    saved.close();

    const after = new SlackWorkspace();
    persistWorkspace(after, file).close();
    expect(after.message(incidents, root.ts)).toMatchObject({ text: "root card (edited)", metadata: { event_payload: { outbox_id: "7" } } });
    expect(after.replies(incidents, root.ts).map((m) => m.ts)).toEqual([reply.ts]);
    expect(after.channel("#inc-42")?.id).toBe(created.id);
    expect(after.isMember(created.id, "U_ALICE")).toBe(true);
    // A later edit finds the message (it failed with message_not_found when the workspace was forgotten).
    expect(after.update(incidents, root.ts, { text: "resolved" }).text).toBe("resolved");
    const next = after.post({ channel: incidents, user: "U_BOB", text: "later" });
    expect(Number(next.ts)).toBeGreaterThan(Number(reply.ts));
  });
});

describe("the Jira and PagerDuty sandboxes across a restart", () => {
  const dir = () => join(mkdtempSync(join(tmpdir(), "aisre-parts-")), "sandbox");
  const keep = (file: string, store: { snapshot(): string; restore(json: string): void }) => persistSnapshots({ file, what: "test", snapshot: () => store.snapshot(), restore: (j) => store.restore(j), everyMs: 60_000 });

  it("keeps Jira's issues and comments; the next issue gets the next key", () => {
    const file = join(dir(), "jira.json");
    const before = new JiraStore({ requiredFields: {} });
    const saved = keep(file, before);
    const issue = before.createIssue("aisre", { fields: { project: { key: "OPS" }, issuetype: { name: "Incident" }, summary: "Checkout failing", labels: ["aisre-INC-1"] } }, "2");
    before.addComment("aisre", issue.key, "Hypothesis: inventory deploy", "2");
    saved.close();

    const after = new JiraStore({ requiredFields: {} });
    keep(file, after).close();
    expect(after.find(issue.key)).toMatchObject({ summary: "Checkout failing", labels: ["aisre-INC-1"] });
    expect(after.find(issue.key)?.comments.map((c) => c.body)).toEqual(["Hypothesis: inventory deploy"]);
    const next = after.createIssue("aisre", { fields: { project: { key: "OPS" }, issuetype: { name: "Incident" }, summary: "Another" } }, "2");
    expect(next.key).not.toBe(issue.key);
    expect(Number(next.id)).toBeGreaterThan(Number(issue.id));
  });

  it("keeps PagerDuty's incidents by dedup key; numbers continue", () => {
    const file = join(dir(), "pagerduty.json");
    const before = new PdStore();
    const saved = keep(file, before);
    const service = before.services[0]!;
    const page = before.open({ serviceId: service.id, title: "Checkout failing", urgency: "high", incidentKey: "aisre:INC-1", agent: { type: "service_reference", id: service.id } });
    saved.close();

    const after = new PdStore();
    keep(file, after).close();
    expect(after.find("aisre:INC-1")).toMatchObject({ id: page.id, title: "Checkout failing", number: page.number });
    const next = after.open({ serviceId: service.id, title: "Another", urgency: "low", agent: { type: "service_reference", id: service.id } });
    expect(next.number).toBe(page.number + 1);
  });
});

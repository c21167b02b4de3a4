import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JiraIssueState } from "../../src/sandbox/jira/jira-sandbox.ts";
import { JIRA_SCHEDULE, syncHarness, type SyncHarness } from "./harness.ts";
import { itemAt } from "../../src/domain/indexed.ts";

// Jira sync on the real jira-client adapter against the Jira sandbox, webhooks back through the intake.

// One harness for the file (PGlite and two sandboxes take seconds to start); each test has its own incidents.
let shared: SyncHarness;
let h: SyncHarness;
beforeAll(async () => {
  shared = await syncHarness();
}, 180_000);
afterAll(async () => {
  await shared?.close();
});
const use = () => (h = shared);

const issueOf = async (incidentId: string): Promise<JiraIssueState> => {
  const link = await h.store.links.get(incidentId, "jira");
  expect(link).toBeDefined();
  return (h.jiraSandbox.state().jiraIssues as JiraIssueState[]).find((i) => i.key === link!.externalId)!;
};
const record = async (incidentId: string) => h.jiraSandbox.store.issue((await h.store.links.get(incidentId, "jira"))!.externalId);
/** aisre's and people's comments, without the postmortem copy (which the postmortem tests cover). */
const comments = async (incidentId: string) => (await record(incidentId)).comments.map((c) => c.body).filter((b) => !b.startsWith("h2. Postmortem"));
const writes = () => h.jiraCalls.filter((c) => ["updateFields", "transitionTo", "addComment", "updateComment"].includes(c.method));

describe("Jira: a ticket per incident", () => {
  it("creates one ticket with the mapped fields, linked from the incident, and keeps aisre's fields in step", async () => {
    use();
    const inc = await h.open({ severity: "sev2", service: "checkout" });
    await h.settle();
    const issue = await issueOf(inc.id);
    expect(issue).toMatchObject({ type: "Incident", status: "To Do", priority: "High", severity: "SEV-2", summary: `[SEV2] ${inc.title}`, labels: ["aisre", "incident", `aisre-${inc.id}`] });
    const r = await record(inc.id);
    expect(r.custom.customfield_10042).toEqual(["checkout"]);
    expect(r.custom.customfield_10043).toBe(inc.id);
    expect(String(r.custom.customfield_10041)).toContain("Incident opened");
    expect((await h.store.timeline.list(inc.id, ["sync"])).map((e) => e.text)).toContain(`Jira ticket ${issue.key} created`);
    // A second event never creates a second ticket.
    await h.sync.jira!.ensureTicket(inc.id);
    expect(h.jiraCalls.filter((c) => c.method === "createIssue")).toHaveLength(1);

    await h.incidents.setSeverity(inc.id, "sev1", "U_CAROL");
    await h.incidents.changeStatus(inc.id, "acknowledged", "U_ALICE", "test");
    await h.settle();
    expect(await issueOf(inc.id)).toMatchObject({ status: "In Progress", priority: "Highest", severity: "SEV-1", summary: `[SEV1] ${inc.title}`, assignee: { slackUserId: "U_ALICE" } });
    await h.incidents.changeStatus(inc.id, "resolved", "U_ALICE", "rolled back");
    await h.settle();
    expect((await issueOf(inc.id)).status).toBe("Done");
    expect((await comments(inc.id)).at(-1)).toMatch(/^Resolved by Alice Chen after \d+ min\. Reason: rolled back\./);
  });

  it("names a required field the mapping does not fill, in the thread, instead of failing silently; mapping it fixes it", { timeout: 300_000 }, async () => {
    h = await syncHarness({ jira: { requiredFields: { Incident: ["customfield_10040", "customfield_10044"] } } });
    try {
      const inc = await h.open();
      await h.settle();
      expect(await h.store.links.get(inc.id, "jira")).toBeUndefined();
      const thread = (await h.thread(inc.id)).join("\n");
      expect(thread).toContain('Jira requires the field \\"Customer impact\\" (customfield_10044)');
      expect(thread).toContain("extraFields");
      expect(thread).toContain("Allowed values: Customers affected, Internal only, None");
      await h.close();

      h = await syncHarness({ jira: { requiredFields: { Incident: ["customfield_10040", "customfield_10044"] } }, file: { jira: { mapping: { extraFields: { "Customer impact": "Customers affected" } } } } });
      const again = await h.open();
      await h.settle();
      expect((await record(again.id)).custom.customfield_10044).toBeDefined();
    } finally {
      await h.close();
    }
  });

  it("debounces writes per issue: a burst of changes becomes a few writes", async () => {
    use();
    const inc = await h.open();
    await h.settle();
    const before = writes().length;
    const done: number[] = [];
    for (let i = 0; i < 30; i++) {
      await h.incidents.ingest({ alerts: [{ fingerprint: `burst-${i}`, source: "alertmanager", name: `Burst${i}`, status: "firing", severity: "sev3", service: inc.services[0], summary: "burst", labels: { i: String(i) }, startsAt: new Date().toISOString() }], changes: [] });
      done.push(Date.now());
    }
    // Let the queue write on its own schedule (no flush) before settling.
    await new Promise((r) => setTimeout(r, JIRA_SCHEDULE.debounceMs + 400));
    await h.settle();
    const during = writes().slice(before);
    // What the schedule promises: one write per quiet period, and at least one per maxDelayMs of a
    // continuous burst. On a loaded machine the burst takes longer, so the bound follows its timing.
    const quietGaps = done.filter((t, i) => i > 0 && t - itemAt(done, i - 1) >= JIRA_SCHEDULE.debounceMs).length;
    const bound = 1 + quietGaps + Math.floor((done.at(-1)! - itemAt(done, 0)) / JIRA_SCHEDULE.maxDelayMs);
    expect(during.length).toBeGreaterThan(0);
    expect(during.length).toBeLessThanOrEqual(bound);
    expect(during.length).toBeLessThan(30);
    expect(String((await record(inc.id)).custom.customfield_10041)).toContain("Burst29 fired");
    // Alerts are not significant: no comment for them.
    expect(await comments(inc.id)).toEqual([]);
  });

  it("retries 429 and 503, waiting the Retry-After Jira sends", async () => {
    use();
    const inc = await h.open();
    await h.settle();
    h.jiraSandbox.failNext(2, 429, 1);
    const t0 = Date.now();
    await h.incidents.setSeverity(inc.id, "sev1", "U_CAROL");
    await h.settle();
    expect((await issueOf(inc.id)).priority).toBe("Highest");
    const failed = h.jiraCalls.filter((c) => !c.ok && c.at >= t0);
    expect(failed.length).toBeGreaterThanOrEqual(1);
    const success = itemAt(
      h.jiraCalls.filter((c) => c.ok && c.method === "updateFields" && c.at >= t0),
      0,
    );
    // The second attempt waited Retry-After (1 s) after the first failure.
    expect(success.at - itemAt(failed, 0).at).toBeGreaterThanOrEqual(950);

    h.jiraSandbox.failNext(1, 503, 0);
    await h.incidents.changeStatus(inc.id, "acknowledged", "U_ALICE", "test");
    await h.settle();
    expect((await issueOf(inc.id)).status).toBe("In Progress");
  });

  it("creating the ticket is retried too", async () => {
    use();
    h.jiraSandbox.failNext(2, 503, 0);
    const inc = await h.open();
    await h.settle();
    expect(await h.store.links.get(inc.id, "jira")).toBeDefined();
  });

  it("never creates a second ticket when the first was created but not linked (answer lost, or the replica died)", async () => {
    use();
    const inc = await h.open();
    await h.settle();
    const first = (await h.store.links.get(inc.id, "jira"))!.externalId;
    const creates = h.jiraCalls.filter((c) => c.method === "createIssue").length;
    // The ticket exists in Jira, but the replica died before it stored the link.
    await h.db.query("DELETE FROM external_links WHERE incident_id = $1 AND system = 'jira'", [inc.id]);
    await h.sync.jira!.ensureTicket(inc.id);
    expect((await h.store.links.get(inc.id, "jira"))?.externalId).toBe(first);
    expect(h.jiraCalls.filter((c) => c.method === "createIssue").length).toBe(creates);
  });
});

describe("Jira: declared field ownership", () => {
  it("the summary follows the card's headline while nobody has edited it", async () => {
    use();
    const inc = await h.open({ severity: "sev2" });
    await h.settle();
    expect((await issueOf(inc.id)).summary).toBe(`[SEV2] ${inc.title}`);
    const headline = "Checkout failing 30 % — inventory deploy 2.3.0 likely";
    await h.store.incidents.mergeCard(inc.id, { headline });
    (await h.incidents.headlineChanged(h.store, inc, headline))();
    await h.settle();
    expect((await issueOf(inc.id)).summary).toBe(`[SEV2] ${headline}`);
    // Severity changes keep the headline.
    await h.incidents.setSeverity(inc.id, "sev1", "U_CAROL");
    await h.settle();
    expect((await issueOf(inc.id)).summary).toBe(`[SEV1] ${headline}`);
    // A person's summary is theirs: a later headline does not overwrite it.
    const key = (await issueOf(inc.id)).key;
    expect((await h.act("jira", { as: "carol", issue: key, fields: { summary: "Inventory reservations failing" } })).status).toBe(200);
    await h.settle();
    await h.store.incidents.mergeCard(inc.id, { headline: "Checkout failing 40 % — inventory deploy 2.3.0 likely" });
    (await h.incidents.headlineChanged(h.store, inc, "Checkout failing 40 % — inventory deploy 2.3.0 likely"))();
    await h.settle();
    expect((await issueOf(inc.id)).summary).toBe("Inventory reservations failing");
  });

  it("never overwrites a person's change to a field aisre does not own; puts back the fields it owns", async () => {
    use();
    const inc = await h.open();
    await h.incidents.changeStatus(inc.id, "acknowledged", "U_ALICE", "test");
    await h.settle();
    const key = (await issueOf(inc.id)).key;
    expect((await issueOf(inc.id)).assignee?.slackUserId).toBe("U_ALICE");

    // People change the assignee and the summary (theirs) and the priority (aisre's).
    expect((await h.act("jira", { as: "carol", issue: key, assignee: "bob", fields: { summary: "Inventory reservations failing" }, priority: "Low" })).status).toBe(200);
    await h.settle();
    // Later syncs: severity up, reopen/ack cycle, resolve.
    await h.incidents.setSeverity(inc.id, "sev1", "U_CAROL");
    await h.incidents.changeStatus(inc.id, "open", "U_CAROL", "again");
    await h.incidents.changeStatus(inc.id, "acknowledged", "U_ALICE", "again");
    await h.incidents.changeStatus(inc.id, "resolved", "U_ALICE", "done");
    await h.settle();
    const issue = await issueOf(inc.id);
    expect(issue.assignee?.slackUserId).toBe("U_BOB");
    expect(issue.summary).toBe("Inventory reservations failing");
    expect(issue.priority).toBe("Highest");
    expect(issue.status).toBe("Done");
  });
});

describe("Jira: comments only for significant events", () => {
  it("comments new hypotheses, remediation outcomes and the resolution; not alerts, not recommendations, not card re-renders", async () => {
    use();
    const inc = await h.open();
    await h.settle();
    await h.store.timeline.append({ incidentId: inc.id, kind: "hypothesis", actor: "aisre", text: "inventory 2.3.0 regression (KeyError warehouse_id)", data: { confidence: 0.8 } });
    await h.store.timeline.append({ incidentId: inc.id, kind: "action", actor: "aisre", text: "Recommended: rollback inventory", data: { event: "recommended" } });
    await h.store.timeline.append({ incidentId: inc.id, kind: "action", actor: "U_ALICE", text: "Rolled back inventory to 2.2.1", data: { event: "executed" } });
    await h.store.timeline.append({ incidentId: inc.id, kind: "action", actor: "aisre", text: "Verified: error rate back under 1%", data: { event: "verified" } });
    await h.settle();
    // The root card's diagnosis is re-rendered on every re-rank: it is not a source of comments.
    await h.store.incidents.mergeCard(inc.id, { diagnosis: { cause: "orders-db connection pool exhausted", confidence: 0.55 } });
    await h.settle();
    // The same hypothesis again is not a new comment; the diagnosis's published update is.
    await h.store.timeline.append({ incidentId: inc.id, kind: "hypothesis", actor: "aisre", text: "inventory 2.3.0 regression (KeyError warehouse_id)", data: {} });
    await h.store.timeline.append({ incidentId: inc.id, kind: "hypothesis", actor: "aisre", text: "Diagnosis: orders-db is the likely cause (55%)", data: { event: "analysis" } });
    await h.settle();
    await h.incidents.changeStatus(inc.id, "resolved", "U_ALICE", "rolled back");
    await h.settle();
    // Events that land within one debounce window are one comment.
    expect(await comments(inc.id)).toEqual(["Hypothesis: inventory 2.3.0 regression (KeyError warehouse_id)\n\nRemediation: Rolled back inventory to 2.2.1\n\nRemediation: Verified: error rate back under 1%", "Diagnosis: orders-db is the likely cause (55%)", expect.stringMatching(/^Resolved by Alice Chen/)]);
  });
});

describe("Jira: inbound webhooks", () => {
  it("shows people's status, assignee and comment changes in the thread and on the timeline; ignores aisre's own", async () => {
    use();
    const inc = await h.open();
    await h.incidents.changeStatus(inc.id, "acknowledged", "U_ALICE", "test");
    await h.settle();
    // aisre's own writes (create, fields, transition, assignee) came back as webhooks: none shows up.
    expect((await h.store.timeline.list(inc.id, ["sync"])).filter((e) => e.actor.startsWith("jira:"))).toEqual([]);
    const key = (await issueOf(inc.id)).key;
    await h.act("jira", { as: "bob", issue: key, assignee: "bob", comment: "Looking at the inventory deploy" });
    await h.act("jira", { as: "carol", issue: key, transition: "Done" });
    await h.settle();
    const sync = (await h.store.timeline.list(inc.id, ["sync"])).filter((e) => e.actor.startsWith("jira:")).map((e) => e.text);
    expect(sync).toEqual([`Jira ${key}: Bob Martin assigned the ticket to Bob Martin.`, `Jira ${key}: Bob Martin commented in Jira: "Looking at the inventory deploy"`, `Jira ${key}: Carol Diaz moved the ticket from In Progress to Done.`]);
    const thread = (await h.thread(inc.id)).join("\n");
    expect(thread).toContain("Looking at the inventory deploy");
    expect(thread).toContain("aisre owns the ticket's status");
    // The Slack incident's status is not taken from Jira: aisre owns the ticket's status.
    expect((await h.store.incidents.get(inc.id))!.status).toBe("acknowledged");
  });
});

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTION, VIEW } from "../../blocks/ids.ts";
import type { Incident } from "../../src/domain/incident.ts";
import { eventually, startTestAisre, type SlackMessageShape, type TestAisre } from "../support/harness.ts";
import { itemAt } from "../../src/domain/indexed.ts";

/**
 * The issue's "Done when", on the whole product and its sandbox: a bad-deploy incident creates a
 * Jira ticket and a PagerDuty incident; acking in PagerDuty updates the Slack card; a person's
 * assignee change in Jira survives later syncs; resolving in Slack resolves both; the postmortem
 * draft appears in the thread and in Jira with a correct timeline; Edit keeps the change, Jira follows.
 */

const M = 60_000;
const text = (m: { text?: string; blocks?: unknown[] }) => `${m.text ?? ""} ${JSON.stringify(m.blocks ?? [])}`;

type JiraState = { key: string; status: string; priority: string; severity: string; assignee: { name: string; slackUserId?: string } | null; comments: number; labels: string[] };
type PdState = { id: string; number: number; status: string; dedupKey: string; assignees: Array<{ slackUserId?: string }>; acknowledgedBy: string[]; notes: Array<{ by: string; content: string }> };

describe("Jira and PagerDuty sync with postmortems, end to end", () => {
  let t: TestAisre;
  let incident: Incident;
  let channel: string;
  let rootTs: string;

  const services = () => t.aisre.services;
  const state = async () => (await t.state()) as { jiraIssues: JiraState[]; pagerdutyIncidents: PdState[] };
  const jira = async () => {
    const link = await services().store.links.get(incident.id, "jira");
    return (await state()).jiraIssues.find((i) => i.key === link!.externalId)!;
  };
  const pd = async () => (await state()).pagerdutyIncidents.find((i) => i.dedupKey === `aisre:${incident.id}`);
  const rootCard = async () => (await t.history("#incidents")).find((m) => m.ts === rootTs)!;
  const replies = () => t.replies("#incidents", rootTs);
  const jiraComments = async (key: string) => {
    const res = await fetch(`${t.sandboxUrl}/jira/rest/api/2/issue/${key}/comment`, { headers: { authorization: `Basic ${Buffer.from("alice@example.com:x").toString("base64")}` } });
    return ((await res.json()) as { comments: Array<{ id: string; body: string; author: { displayName: string } }> }).comments;
  };

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "aisre-sync-e2e-"));
    const syncFile = join(dir, "sync.yaml");
    // Short debounce for the test clock; page every severity so the scenario's incident pages.
    writeFileSync(syncFile, "jira:\n  debounceMs: 200\n  maxDelayMs: 1000\npagerduty:\n  pageFor: [sev1, sev2, sev3, sev4]\n");
    t = await startTestAisre({ env: { AISRE_SYNC_FILE: syncFile } });
    channel = await t.channelId("#incidents");
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  it("a bad-deploy incident creates a Jira ticket and a PagerDuty incident, linked on the card", async () => {
    const sim = t.aisre.sandbox!.sim!;
    expect((await fetch(`${t.sandboxUrl}/sandbox/scenarios/bad-deploy`, { method: "POST" })).ok).toBe(true);
    incident = await eventually(
      async () => {
        sim.tick(M);
        await sim.flush();
        return (await services().store.incidents.listOpen()).find((i) => i.services.includes("inventory") || i.services.includes("checkout"));
      },
      "the bad-deploy incident",
      30_000,
    );
    const root = await eventually(async () => services().store.slackMessages.get(incident.id, "root"), "the root card");
    rootTs = root.ts;

    const ticket = await eventually(async () => (await state()).jiraIssues[0], "the Jira ticket");
    expect(ticket).toMatchObject({ status: "To Do", labels: expect.arrayContaining(["aisre", "incident"]) });
    const page = await eventually(async () => pd(), "the PagerDuty incident");
    expect(page).toMatchObject({ status: "triggered", dedupKey: `aisre:${incident.id}` });

    // The card links both; the thread has the paging card with who is paged.
    await eventually(async () => {
      const card = text(await rootCard());
      return card.includes(`Jira ${ticket.key}`) && card.includes("PagerDuty") ? card : undefined;
    }, "the card to link Jira and PagerDuty");
    const paging = await eventually(async () => (await replies()).find((m) => text(m).includes(ACTION.pagingEscalate)), "the paging card with Escalate");
    expect(text(paging)).toContain("U_ALICE");
  }, 90_000);

  it("acknowledging in PagerDuty updates the Slack card; the ack is not echoed back", async () => {
    const res = await fetch(`${t.sandboxUrl}/pagerduty/sandbox/act`, { method: "POST", body: JSON.stringify({ as: "alice", incident: `aisre:${incident.id}`, action: "acknowledge" }) });
    expect(res.status).toBe(200);
    const card = await eventually(async () => {
      const c = await rootCard();
      return text(c).includes("ack <@U_ALICE>") ? c : undefined;
    }, "the card to show Alice's acknowledgement");
    expect(text(card)).toContain("acknowledged");
    expect((await services().store.incidents.get(incident.id))!.acknowledgedBy).toBe("U_ALICE");
    // Jira follows the Slack incident: In Progress, assigned to the acknowledger while nobody else chose.
    await eventually(async () => {
      const j = await jira();
      return j.status === "In Progress" && j.assignee?.slackUserId === "U_ALICE" ? j : undefined;
    }, "Jira to follow: In Progress, assigned to Alice");
    // No echo: PagerDuty saw one acknowledgement (Alice's), nothing from aisre.
    await services().sync.idle();
    expect((await pd())!.acknowledgedBy).toEqual(["Alice Chen"]);
    // The thread's note goes through the Slack outbox (thread replies after card edits): wait for it.
    await eventually(async () => (/acknowledged in PagerDuty by Alice Chen/.test((await replies()).map(text).join("\n")) ? true : undefined), "the thread to say Alice acknowledged in PagerDuty");
  }, 60_000);

  it("the Escalate button on the paging card escalates the page to the next level", async () => {
    const paging = (await replies()).find((m) => text(m).includes(ACTION.pagingEscalate))!;
    const seen = await t.click("U_ALICE", channel, paging.ts, ACTION.pagingEscalate, incident.id);
    // The answer is an ephemeral in the thread, to Alice. The click's watch settles once the bot is quiet
    // for a second; on a loaded machine the digest's edit can settle it before the answer comes, so the
    // thread as Alice sees it (ephemerals to her included) is read until it holds the answer.
    const escalated = /Escalated: PagerDuty #\d+ \(level 2\)/;
    if (!escalated.test(seen.map(text).join("\n")))
      await eventually(async () => {
        const r = await fetch(`${t.sandboxUrl}/sandbox/users/U_ALICE/channels/${channel}/threads/${rootTs}`);
        const thread = (await r.json()) as { replies: SlackMessageShape[] };
        return thread.replies.some((m) => escalated.test(text(m))) ? true : undefined;
      }, "the escalation's answer to Alice");
    const p = await eventually(async () => {
      const x = await pd();
      return x?.assignees.some((a) => a.slackUserId === "U_CAROL") ? x : undefined;
    }, "the page to reach level 2 (Carol)");
    expect(p.notes.map((n) => n.content).join("\n")).toContain("escalated from Slack by");
    await eventually(async () => {
      const card = (await replies()).find((m) => m.ts === paging.ts);
      return card && text(card).includes("level 2") ? card : undefined;
    }, "the paging card to show level 2");
  }, 60_000);

  it("a person's assignee change in Jira shows in the thread and survives later syncs", async () => {
    const key = (await jira()).key;
    const res = await fetch(`${t.sandboxUrl}/jira/sandbox/act`, { method: "POST", body: JSON.stringify({ as: "carol", issue: key, assignee: "bob", comment: "Bob owns the inventory fix" }) });
    expect(res.status).toBe(200);
    await eventually(async () => ((await replies()).some((m) => text(m).includes("assigned the ticket to *Bob Martin*")) ? true : undefined), "the assignee change in the thread");
    await eventually(async () => ((await replies()).some((m) => text(m).includes("Bob owns the inventory fix")) ? true : undefined), "the Jira comment in the thread");
    const timeline = await services().store.timeline.list(incident.id, ["sync"]);
    expect(timeline.map((e) => e.text).join("\n")).toMatch(/Carol Diaz assigned the ticket to Bob Martin/);

    // Later syncs: severity and status change (aisre writes priority, severity, status, timeline).
    await t.command("U_CAROL", "#incidents", `incident severity sev1 ${incident.id}`);
    await services().sync.idle();
    const j = await eventually(async () => {
      const x = await jira();
      return x.priority === "Highest" && x.severity === "SEV-1" ? x : undefined;
    }, "Jira to take the new severity");
    expect(j.assignee?.slackUserId).toBe("U_BOB");
  }, 60_000);

  it("resolving in Slack resolves both, and the postmortem draft appears in the thread and in Jira with the timeline", async () => {
    await t.click("U_CAROL", channel, rootTs, ACTION.incidentResolve, incident.id);
    await eventually(async () => ((await pd())?.status === "resolved" ? true : undefined), "PagerDuty to resolve");
    await eventually(async () => ((await jira()).status === "Done" ? true : undefined), "Jira to be Done");

    const pm = await eventually(async () => (await replies()).find((m) => text(m).includes("Postmortem:") && text(m).includes(ACTION.postmortemEdit)), "the postmortem in the thread");
    const body = text(pm);
    for (const section of ["Summary", "Impact", "Root cause", "Trigger", "Detection", "Timeline (UTC)", "Resolution", "What went well", "What went wrong", "Action items", "Lessons learned"]) expect(body).toContain(section);
    expect(body).toContain("Error budget used");

    await services().sync.idle();
    const key = (await jira()).key;
    const comments = await eventually(async () => {
      const c = (await jiraComments(key)).filter((x) => x.body.includes("h2. Postmortem"));
      return c.length ? c : undefined;
    }, "the postmortem in Jira");
    expect(comments).toHaveLength(1);
    const copy = itemAt(comments, 0).body;
    // The timeline is the incident's, in order.
    const lines = copy.split("\n");
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    const opened = at(/Incident opened/);
    const ticket = at(new RegExp(`Jira ticket ${key} created`));
    const paged = at(/Paged .* through PagerDuty/);
    const acked = at(/acknowledged in PagerDuty by Alice Chen/);
    const reassigned = at(/assigned the ticket to Bob Martin/);
    const resolved = at(/(open|acknowledged) → resolved/);
    expect([opened, ticket, paged, acked, reassigned, resolved].every((i) => i > 0)).toBe(true);
    expect(opened).toBeLessThan(ticket);
    expect(ticket).toBeLessThan(acked);
    expect(paged).toBeLessThan(acked);
    expect(acked).toBeLessThan(reassigned);
    expect(reassigned).toBeLessThan(resolved);
    expect(copy).toMatch(/HighErrorRate|SLOErrorBudgetBurn/);
    // Times in the copy are the timeline's.
    const first = itemAt(await services().store.timeline.list(incident.id), 0);
    expect(copy).toContain(new Date(first.at).toISOString().slice(11, 19));

    // The human assignee is still there after the resolve and postmortem writes.
    expect((await jira()).assignee?.slackUserId).toBe("U_BOB");
  }, 90_000);

  it("Edit keeps a person's text (also across Regenerate), and the Jira copy follows in place", async () => {
    const pm = (await replies()).find((m) => text(m).includes(ACTION.postmortemEdit))!;
    const click = await fetch(`${t.sandboxUrl}/sandbox/users/U_ALICE/clicks`, { method: "POST", body: JSON.stringify({ channel, ts: pm.ts, action_id: ACTION.postmortemEdit, value: incident.id }) });
    const opened = (await click.json()) as { views?: Array<{ id: string; callback_id?: string }> };
    const view = opened.views?.find((v) => v.callback_id === VIEW.postmortemEdit) ?? opened.views?.[0];
    expect(view).toBeDefined();
    const summary = "inventory 2.3.0 broke reservations for marketplace SKUs; rolled back.";
    const submit = await fetch(`${t.sandboxUrl}/sandbox/users/U_ALICE/views/${view!.id}/submit`, { method: "POST", body: JSON.stringify({ values: { postmortem_summary: summary } }) });
    expect(submit.status).toBe(200);
    await eventually(async () => ((await services().sync.postmortems.get(incident.id))?.sections.summary === summary ? true : undefined), "the edit to be stored");

    await t.click("U_BOB", channel, pm.ts, ACTION.postmortemRegenerate, incident.id);
    const p = await eventually(async () => {
      const x = await services().sync.postmortems.get(incident.id);
      return x && x.version >= 3 ? x : undefined;
    }, "the regenerated postmortem");
    expect(p.sections.summary).toBe(summary);
    expect(p.edited).toEqual(["summary"]);

    await services().sync.idle();
    const key = (await jira()).key;
    const copies = (await jiraComments(key)).filter((x) => x.body.includes("h2. Postmortem"));
    expect(copies).toHaveLength(1);
    expect(itemAt(copies, 0).body).toContain(summary);
    // The thread's copy is edited through the Slack outbox, after the Jira write: wait for it.
    await eventually(async () => {
      const msg: SlackMessageShape | undefined = (await replies()).find((m) => m.ts === pm.ts);
      return msg && text(msg).includes("marketplace SKUs") ? true : undefined;
    }, "the thread's postmortem edited with the person's summary");
  }, 60_000);

  it("review then final: the postmortem enters the knowledge base and action items become linked Jira issues", async () => {
    const pm = (await replies()).find((m) => text(m).includes(ACTION.postmortemEdit))!;
    await t.click("U_CAROL", channel, pm.ts, `${ACTION.postmortemStatus}:in_review`, `${incident.id}|in_review`);
    // The message is edited through the outbox: click once it offers the next step.
    const current = await eventually(async () => (await replies()).find((m) => m.ts === pm.ts && text(m).includes(`${ACTION.postmortemStatus}:final`)), "the message to offer Approve as final");
    await t.click("U_CAROL", channel, current.ts, `${ACTION.postmortemStatus}:final`, `${incident.id}|final`);
    const final = await eventually(async () => {
      const x = await services().sync.postmortems.get(incident.id);
      return x?.status === "final" && x.actionItems.every((i) => i.jiraKey) ? x : undefined;
    }, "final, with follow-up issues");
    expect(final.actionItems.length).toBeGreaterThan(0);
    const kb = await services().store.knowledge.get(`postmortem:${incident.id}`);
    expect(kb).toMatchObject({ kind: "postmortem" });
    expect(kb!.body).toContain("## Timeline (UTC)");
    const issues = (await state()).jiraIssues;
    expect(issues.filter((i) => i.labels.includes("follow-up")).length).toBe(final.actionItems.length);
    const hits = await services().knowledge.search("inventory reservations rollback", { kinds: ["postmortem"] });
    expect(hits.map((h) => h.id)).toContain(`postmortem:${incident.id}`);
  }, 60_000);

  it("/aisre postmortem regenerates it on command, keeping the status and the edits", async () => {
    const before = (await services().sync.postmortems.get(incident.id))!;
    // Ids are accepted in any case.
    const seen = await t.command("U_BOB", "#incidents", `postmortem ${incident.id.toUpperCase()}`);
    expect(seen.map(text).join("\n")).toContain(`Regenerating the postmortem of ${incident.id}`);
    const after = await eventually(async () => {
      const x = await services().sync.postmortems.get(incident.id);
      return x && x.version > before.version ? x : undefined;
    }, "the regenerated postmortem");
    expect(after.status).toBe("final");
    expect(after.edited).toEqual(["summary"]);
  }, 60_000);
});

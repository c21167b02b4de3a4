import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { causeGradeMessage } from "../../blocks/feedback.ts";
import { ACTION, BLOCK, INPUT, VIEW } from "../../blocks/ids.ts";
import { registerListeners } from "../../handlers/index.ts";
import { feedbackValue } from "../../src/domain/grades.ts";
import { dedupKeyFor } from "../../src/integrations/pagerduty/port.ts";
import { defined } from "../support/defined.ts";
import { MemoryPagerDuty } from "../support/memory-pagerduty.ts";
import { fakeApp, recorder, type FakeApp } from "./fake-bolt.ts";
import { listenerServices, type ListenerServices } from "./listener-services.ts";

// The buttons (share, paging, postmortem, feedback, incident card) and the postmortem Edit modal as
// listener units, as Bolt's starter template tests them: the listeners registered as the app
// registers them, a fake ack, respond and client; behind them the real services on a PGlite test
// database, an in-memory Slack and an in-memory PagerDuty.

let world: ListenerServices;
let bolt: FakeApp;
let pagerduty: MemoryPagerDuty;

beforeAll(async () => {
  pagerduty = new MemoryPagerDuty();
  world = await listenerServices({ ports: { pagerduty } });
  bolt = fakeApp();
  registerListeners(bolt.app, world.services);
  await world.services.knowledge.indexRunbooks("./runbooks");
});
afterAll(async () => world.close());

const declare = (title: string) => world.services.incidents.declare({ title, severity: "sev2", services: ["checkout"], by: "U_ALICE" });

/** A click as Bolt hands it to the listener: the action, the body (who, where) and the fakes. */
async function click(actionId: string, value: string, o: { user?: string; answers?: Parameters<typeof recorder>[0]; message?: { text: string; blocks: unknown[] } } = {}) {
  const r = recorder(o.answers);
  await bolt.get(`action:${actionId}`)({
    ack: r.ack,
    respond: r.respond,
    client: r.client,
    action: { type: "button", action_id: actionId, value },
    body: { type: "block_actions", trigger_id: "T-7", user: { id: o.user ?? "U_ALICE" }, channel: { id: "C_INCIDENTS" }, container: { type: "message", channel_id: "C_INCIDENTS", message_ts: "1700000000.000100" }, ...(o.message ? { message: { ts: "1700000000.000100", ...o.message } } : {}) },
  });
  return r;
}
const text = (r: { replies: Array<Record<string, unknown>> }, i = 0) => String(r.replies[i]?.text);

describe("Share in channel (listener unit)", () => {
  it("acks, marks the ephemeral card shared, then posts a fresh card for everyone naming who shared it", async () => {
    for (const [value, says] of [
      ["status|checkout", "checkout"],
      ["oncall|checkout", "Dana Oncall"],
      ["runbook|disk full", "Runbooks for"],
    ] as const) {
      const r = await click(ACTION.shareInChannel, value, { user: "U_BOB" });
      expect(r.calls).toEqual(["ack", "respond", "respond"]);
      expect(r.replies[0]).toEqual({ response_type: "ephemeral", replace_original: true, text: ":white_check_mark: Shared in the channel." });
      expect(r.replies[1]).toMatchObject({ response_type: "in_channel", replace_original: false });
      expect(text(r, 1)).toContain(says);
      expect(JSON.stringify(r.replies[1]?.blocks)).toContain("Shared by <@U_BOB>");
      // The shared copy has no Share button of its own.
      expect(JSON.stringify(r.replies[1]?.blocks)).not.toContain(ACTION.shareInChannel);
    }
  });

  it("a value it cannot read (an older button) is an ephemeral warning, and nothing is posted in the channel", async () => {
    for (const value of ["weather|checkout", "status|", "garbage"]) {
      const r = await click(ACTION.shareInChannel, value);
      expect(r.calls).toEqual(["ack", "respond"]);
      expect(r.replies[0]).toEqual({ response_type: "ephemeral", replace_original: false, text: ":warning: This button is from an older version of aisre: run the command again." });
    }
  });
});

describe("paging card buttons (listener unit)", () => {
  it("Page on-call pages through PagerDuty once; a second click says it is already paged", async () => {
    const incident = await declare("payments down");
    const r = await click(ACTION.pagingPage, incident.id);
    expect(r.calls).toEqual(["ack", "respond"]);
    expect(r.replies[0]).toMatchObject({ response_type: "ephemeral", replace_original: false, text: expect.stringMatching(/^:pager: Paged the on-call: PagerDuty #\d+ \(level 1\)\.$/) });
    expect(pagerduty.incidents.get(dedupKeyFor(incident.id))?.status).toBe("triggered");
    const again = await click(ACTION.pagingPage, incident.id);
    expect(text(again)).toMatch(/^Already paged: PagerDuty #\d+/);
    expect(pagerduty.calls.filter((c) => c.method === "trigger" && (c.args[0] as { dedupKey: string }).dedupKey === dedupKeyFor(incident.id))).toHaveLength(1);
  });

  it("Escalate moves the page a level up; past the last level it says why, ephemerally", async () => {
    const incident = await declare("orders slow");
    await click(ACTION.pagingPage, incident.id);
    const r = await click(ACTION.pagingEscalate, incident.id, { user: "U_BOB" });
    expect(r.calls).toEqual(["ack", "respond"]);
    expect(text(r)).toMatch(/^:arrow_double_up: Escalated: PagerDuty #\d+ \(level 2\)/);
    expect(pagerduty.incidents.get(dedupKeyFor(incident.id))?.escalationLevel).toBe(2);
    const past = await click(ACTION.pagingEscalate, incident.id);
    expect(past.replies[0]).toMatchObject({ response_type: "ephemeral", text: ":warning: Could not escalate: there is no further escalation level." });
  });

  it("paging an incident that does not exist, or when PagerDuty fails, is an ephemeral warning to page by hand", async () => {
    const gone = await click(ACTION.pagingPage, "INC-20990101-fff");
    expect(gone.calls).toEqual(["ack", "respond"]);
    expect(text(gone)).toBe(":warning: Paging failed: no incident INC-20990101-fff. Page the on-call by hand.");
    const incident = await declare("search down");
    pagerduty.failNext = "PagerDuty answered 400: Invalid routing key";
    const failed = await click(ACTION.pagingPage, incident.id);
    expect(text(failed)).toMatch(/^:warning: Paging failed: .*Invalid routing key.*\. Page the on-call by hand\.$/);
    // Nothing lost: the failure is on the incident's timeline.
    expect((await world.services.store.timeline.list(incident.id)).some((e) => e.text.includes("could not page"))).toBe(true);
  });
});

describe("postmortem buttons and Edit modal (listener unit)", () => {
  it("Edit opens the modal (with the click's trigger id) on the incident's postmortem; none yet is an ephemeral note", async () => {
    const incident = await declare("cart errors");
    const none = await click(ACTION.postmortemEdit, incident.id);
    expect(none.calls).toEqual(["ack", "respond"]);
    expect(none.replies[0]).toMatchObject({ response_type: "ephemeral", text: `There is no postmortem for ${incident.id} yet.` });
    await world.services.sync.postmortems.draft(incident.id, "U_ALICE");
    const r = await click(ACTION.postmortemEdit, incident.id);
    expect(r.calls).toEqual(["ack", "client.views.open"]);
    expect(r.api[0]?.args).toMatchObject({ trigger_id: "T-7", view: { type: "modal", callback_id: VIEW.postmortemEdit } });
    const opened = r.api[0];
    defined(opened, "the views.open call");
    const view = opened.args.view as { private_metadata: string };
    expect(JSON.parse(view.private_metadata)).toMatchObject({ incidentId: incident.id, channel: "C_INCIDENTS" });
  });

  it("a modal Slack refuses to open is an apology with a reference, after the ack", async () => {
    const incident = await declare("login slow");
    await world.services.sync.postmortems.draft(incident.id, "U_ALICE");
    const r = await click(ACTION.postmortemEdit, incident.id, { answers: { "views.open": () => ({ ok: false, error: "expired_trigger_id" }) } });
    expect(r.calls).toEqual(["ack", "client.views.open", "respond"]);
    expect(text(r)).toMatch(/^:x: Something went wrong while handling that \(ref `[0-9a-z]+`\)/);
  });

  it("Regenerate redrafts from the timeline; the status buttons move it along, and a jump it may not make is a warning", async () => {
    const incident = await declare("images missing");
    await world.services.sync.postmortems.draft(incident.id, "U_ALICE");
    const regen = await click(ACTION.postmortemRegenerate, incident.id);
    expect(regen.calls).toEqual(["ack", "respond"]);
    expect(text(regen)).toBe("Regenerated the postmortem from the timeline (v2).");
    const jump = await click(`${ACTION.postmortemStatus}:final`, `${incident.id}|final`);
    expect(jump.replies[0]).toMatchObject({ response_type: "ephemeral", text: ":warning: A draft postmortem cannot go to final directly." });
    expect((await world.services.sync.postmortems.get(incident.id))?.status).toBe("draft");
    const review = await click(`${ACTION.postmortemStatus}:in_review`, `${incident.id}|in_review`);
    expect(review.calls).toEqual(["ack", "respond"]);
    expect(text(review)).toBe("The postmortem is in review.");
    expect((await world.services.sync.postmortems.get(incident.id))?.status).toBe("in_review");
    const odd = await click(`${ACTION.postmortemStatus}:published`, `${incident.id}|published`);
    expect(text(odd)).toMatch(/^:x: Something went wrong while handling that/);
    expect((await world.services.sync.postmortems.get(incident.id))?.status).toBe("in_review");
  });

  it("the Edit modal's submission acks, then keeps the person's text; a form that lost its incident is refused in the modal", async () => {
    const incident = await declare("queue stuck");
    await world.services.sync.postmortems.draft(incident.id, "U_ALICE");
    const values = { postmortem_summary: { [INPUT.postmortemText]: { value: "A bad config flag stopped the consumers." } } };
    const acks: unknown[] = [];
    const ack = async (a?: unknown) => void acks.push(a);
    await bolt.get(`view:${VIEW.postmortemEdit}`)({ ack, view: { private_metadata: JSON.stringify({ incidentId: incident.id, cut: {} }), state: { values } }, body: { user: { id: "U_BOB" } } });
    expect(acks).toEqual([undefined]);
    const pm = await world.services.sync.postmortems.get(incident.id);
    expect(pm?.sections.summary).toBe("A bad config flag stopped the consumers.");
    expect(pm?.edited).toContain("summary");

    const lost: unknown[] = [];
    await bolt.get(`view:${VIEW.postmortemEdit}`)({ ack: async (a?: unknown) => void lost.push(a), view: { private_metadata: "not json", state: { values } }, body: { user: { id: "U_BOB" } } });
    expect(lost).toEqual([{ response_action: "errors", errors: { postmortem_summary: "This form lost track of its incident; open Edit again." } }]);
    expect((await world.services.sync.postmortems.get(incident.id))?.version).toBe(pm?.version);
  });
});

describe("feedback buttons (listener unit)", () => {
  it("👍/👎 on an answer is stored against the message and thanked ephemerally; an unreadable value stores nothing", async () => {
    const incident = await declare("feeds stale");
    const r = await click(ACTION.aiFeedback, feedbackValue("negative", "answer", incident.id), { user: "U_CAROL" });
    expect(r.calls).toEqual(["ack", "respond"]);
    expect(text(r)).toMatch(/^Thanks: noted that this was wrong or unhelpful\./);
    const mine = (await world.services.store.feedback.ratings()).filter((x) => x.userId === "U_CAROL");
    expect(mine).toEqual([expect.objectContaining({ channel: "C_INCIDENTS", messageTs: "1700000000.000100", subject: "answer", sentiment: "negative", incidentId: incident.id })]);
    const odd = await click(ACTION.aiFeedback, "sideways|answer|", { user: "U_DAVE" });
    expect(odd.calls).toEqual(["ack", "respond"]);
    expect(text(odd)).toMatch(/^:x: Something went wrong while handling that/);
    expect((await world.services.store.feedback.ratings()).filter((x) => x.userId === "U_DAVE")).toEqual([]);
  });

  it("a cause grade is stored, the question is edited in place to show it, and the grader is thanked", async () => {
    const incident = await declare("emails delayed");
    const r = await click(`${ACTION.causeGradePrefix}partly`, incident.id, { user: "U_CAROL" });
    expect(r.calls).toEqual(["ack", "client.chat.update", "respond"]);
    expect(r.api[0]?.args).toMatchObject({ channel: "C_INCIDENTS", ts: "1700000000.000100" });
    expect(JSON.stringify(r.api[0]?.args)).toContain("U_CAROL");
    expect(text(r)).toMatch(/^Recorded: \*Partly\*/);
    expect(await world.services.store.feedback.gradesOf(incident.id)).toEqual([expect.objectContaining({ userId: "U_CAROL", grade: "partly" })]);
  });

  it("a grade given in the resolution note redraws the question and keeps the note", async () => {
    const incident = await declare("search slow");
    const note = { type: "section", block_id: "note", text: { type: "mrkdwn", text: `:white_check_mark: ${incident.id} open → *resolved* by aisre: all alerts resolved` } };
    const question = causeGradeMessage({ incidentId: incident.id, grades: [] });
    const r = await click(`${ACTION.causeGradePrefix}right`, incident.id, { user: "U_DAVE", message: { text: "resolved", blocks: [note, ...question.blocks] } });
    expect(r.calls).toEqual(["ack", "client.chat.update", "respond"]);
    const update = r.api[0];
    defined(update, "the update");
    const blocks = (update.args as { blocks: Array<{ block_id?: string }> }).blocks;
    expect(blocks[0]).toEqual(note);
    expect(blocks.map((b) => b.block_id)).toEqual(["note", BLOCK.causeGradeQuestion, BLOCK.causeGrade, BLOCK.causeGradeBy]);
    expect(JSON.stringify(blocks.at(-1))).toContain("U_DAVE");
  });

  it("a grade for an incident that is gone, or a grade it does not know, is an ephemeral answer and stores nothing", async () => {
    const gone = await click(`${ACTION.causeGradePrefix}right`, "INC-20990101-fff");
    expect(gone.calls).toEqual(["ack", "respond"]);
    expect(text(gone)).toBe("That incident no longer exists.");
    const incident = await declare("uploads failing");
    const odd = await click(`${ACTION.causeGradePrefix}maybe`, incident.id);
    expect(odd.calls).toEqual(["ack", "respond"]);
    expect(text(odd)).toMatch(/^:x: Something went wrong while handling that/);
    expect(await world.services.store.feedback.gradesOf(incident.id)).toEqual([]);
  });
});

describe("incident card buttons (listener unit)", () => {
  it("Acknowledge, Resolve and Reopen ack, then change the status as the clicking user (the card re-renders through the outbox)", async () => {
    const incident = await declare("checkout 5xx");
    for (const [action, to] of [
      [ACTION.incidentAcknowledge, "acknowledged"],
      [ACTION.incidentResolve, "resolved"],
      [ACTION.incidentReopen, "open"],
    ] as const) {
      const r = await click(action, incident.id, { user: "U_BOB" });
      expect(r.calls).toEqual(["ack"]);
      expect((await world.services.store.incidents.get(incident.id))?.status).toBe(to);
    }
    const timeline = await world.services.store.timeline.list(incident.id);
    expect(timeline.filter((e) => e.kind === "status" && e.actor === "U_BOB").map((e) => e.text)).toHaveLength(3);
  });

  it("a click that changes nothing, or on an incident that is gone, is an ephemeral note", async () => {
    const incident = await declare("search 5xx");
    const same = await click(ACTION.incidentReopen, incident.id);
    expect(same.calls).toEqual(["ack", "respond"]);
    expect(same.replies[0]).toMatchObject({ response_type: "ephemeral", text: `${incident.id} is already open.` });
    const gone = await click(ACTION.incidentResolve, "INC-20990101-fff");
    expect(gone.replies[0]).toMatchObject({ response_type: "ephemeral", text: ":warning: Incident INC-20990101-fff no longer exists." });
  });
});

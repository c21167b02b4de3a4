import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blockKitPostmortemPresenter } from "../../blocks/postmortem.ts";
import type { NarrativeInput, PostmortemNarrator } from "../../src/postmortem/narrator.ts";
import { syncHarness, type SyncHarness } from "../sync/harness.ts";
import { itemAt } from "../../src/domain/indexed.ts";
import { defined } from "../support/defined.ts";
import { eventually } from "../support/eventually.ts";
import { RESOLVE_HOLD_MS } from "../../src/postmortem/postmortem-service.ts";
import type { Clock } from "../../src/domain/clock.ts";
import type { RequestCountsPort } from "../../src/postmortem/request-counts.ts";

// The postmortem service on the sync harness: drafted on resolve from the timeline, in the thread and
// as one Jira comment edited in place; edits kept; draft → in review → final; knowledge base and
// follow-up issues; an optional narrator that only sees redacted text.

class FakeNarrator implements PostmortemNarrator {
  readonly name = "fake-model";
  inputs: NarrativeInput[] = [];
  fail = false;
  async narrate(input: NarrativeInput) {
    this.inputs.push(input);
    if (this.fail) throw new Error("model unavailable");
    return { summary: "The model's summary of what happened.", lessons: "• The model's lesson." };
  }
}

let h: SyncHarness;
const narrator = new FakeNarrator();
/** Requests measured over incidents (the metrics backend): only "shipping" has the counter; the window asked is kept. */
const measured: Array<{ services: readonly string[]; startMs: number; endMs: number }> = [];
const requests: RequestCountsPort = {
  async count(services, startMs, endMs) {
    measured.push({ services, startMs, endMs });
    return services.includes("shipping") ? [{ service: "shipping", total: 200_000, failed: 100 }] : [];
  },
};
beforeAll(async () => {
  h = await syncHarness({ narrator, postmortemPresenter: blockKitPostmortemPresenter, requests });
}, 60_000);
afterAll(async () => {
  await h?.close();
});

const jiraKey = async (incidentId: string) => (await h.store.links.get(incidentId, "jira"))!.externalId;
const postmortemComments = async (incidentId: string) => h.jiraSandbox.store.issue(await jiraKey(incidentId)).comments.filter((c) => c.body.startsWith("h2. Postmortem"));

describe("postmortem drafts", () => {
  it("is drafted when the incident resolves: in the thread and once in Jira, from the timeline, the narrative from the (redacted) model", async () => {
    const inc = await h.open({ service: "checkout" });
    await h.incidents.recordThreadMessage(inc.id, { user: "U_BOB", text: "rolling back now, ping bob@example.com or 10.0.0.7", ts: "1.1" });
    await h.incidents.changeStatus(inc.id, "acknowledged", "U_ALICE", "on it");
    await h.incidents.changeStatus(inc.id, "resolved", "U_ALICE", "rolled back");
    await h.settle();
    const p = (await h.sync.postmortems.get(inc.id))!;
    expect(p).toMatchObject({ status: "draft", version: 1, narrative: "fake-model" });
    expect(p.sections.summary).toBe("The model's summary of what happened.");
    expect(p.sections.impact).toContain("Duration:");
    expect(p.timeline.map((m) => m.text)).toEqual(expect.arrayContaining(["Incident opened (alert)", "Status open → acknowledged: on it", "rolling back now, ping bob@example.com or 10.0.0.7", "Status acknowledged → resolved: rolled back"]));
    const sent = JSON.stringify(narrator.inputs.at(-1));
    expect(sent).toContain("rolling back now");
    expect(sent).not.toMatch(/bob@example\.com|10\.0\.0\.7/);

    const thread = (await h.thread(inc.id)).filter((m) => m.includes("postmortem_edit"));
    expect(thread).toHaveLength(1);
    expect(thread[0]).toContain("Postmortem: ");
    expect(thread[0]).toContain("Ready for review");
    const comments = await postmortemComments(inc.id);
    expect(comments).toHaveLength(1);
    expect(itemAt(comments, 0).body).toContain("h3. Timeline (UTC)");
    expect(itemAt(comments, 0).body).toContain("(Bob Martin)");
  });

  it("falls back to the templates when the model fails", async () => {
    narrator.fail = true;
    try {
      const inc = await h.open();
      await h.incidents.changeStatus(inc.id, "resolved", "U_ALICE", "flapped");
      await h.settle();
      const p = (await h.sync.postmortems.get(inc.id))!;
      expect(p.narrative).toBe("template");
      expect(p.sections.summary).toMatch(/^On \d{4}-\d{2}-\d{2}, /);
    } finally {
      narrator.fail = false;
    }
  });

  it("counts the error budget from the requests measured over the incident, not from the worst case", async () => {
    const inc = await h.open({ service: "shipping" });
    await h.incidents.changeStatus(inc.id, "resolved", "U_ALICE", "fixed");
    await h.settle();
    const p = (await h.sync.postmortems.get(inc.id))!;
    expect(measured.at(-1)?.services).toEqual(["shipping"]);
    expect(p.sections.impact).toContain("100 of 200,000 shipping requests failed (0.05 %) during the incident");
    expect(p.sections.impact).not.toContain("if every request failed");
  });

  it("is titled by what the incident turned out to be (the card's headline), not its first signal", async () => {
    const inc = await h.open({ name: "CheckoutLatencyAnomaly" });
    await h.store.incidents.mergeCard(inc.id, { headline: "Checkout failing 21 % — orders-db likely (its cpu rose)" });
    await h.incidents.changeStatus(inc.id, "resolved", "U_ALICE", "killed the query");
    await h.settle();
    const p = (await h.sync.postmortems.get(inc.id))!;
    expect(p.title).toBe("Checkout failing 21 % — orders-db likely (its cpu rose)");
  });

  it("is titled by the worst the impact got, once the diagnosis has seen it, not the last reading", async () => {
    const inc = await h.open({ name: "CheckoutLatencyAnomaly" });
    await h.store.incidents.mergeCard(inc.id, { headline: "Checkout failing 12 % — inventory deploy 2.3.0 likely", resolvedHeadline: "Checkout failed up to 30 % — inventory deploy 2.3.0 likely" });
    await h.incidents.changeStatus(inc.id, "resolved", "U_ALICE", "rolled back");
    await h.settle();
    expect((await h.sync.postmortems.get(inc.id))!.title).toBe("Checkout failed up to 30 % — inventory deploy 2.3.0 likely");
  });

  it("keeps people's edits across Regenerate; the thread message and the Jira comment are edited in place", async () => {
    const inc = await h.open();
    await h.incidents.changeStatus(inc.id, "resolved", "U_ALICE", "fixed");
    await h.settle();
    const [first] = await postmortemComments(inc.id);
    defined(first, "first");
    await h.sync.postmortems.edit(inc.id, { rootCause: "A bad cache key after the 2.3 deploy.", actionItems: "Add a cache-key test | <@U_BOB> | 2026-12-15" }, "U_CAROL");
    await h.store.timeline.append({ incidentId: inc.id, kind: "message", actor: "U_CAROL", text: "one more thing for the review" });
    const p = await h.sync.postmortems.draft(inc.id, "U_BOB");
    await h.settle();
    expect(p.version).toBe(3);
    expect(p.sections.rootCause).toBe("A bad cache key after the 2.3 deploy.");
    expect(p.actionItems).toEqual([{ text: "Add a cache-key test", owner: "U_BOB", due: "2026-12-15" }]);
    expect(p.timeline.map((m) => m.text)).toContain("one more thing for the review");
    // The postmortem's own events are not part of its timeline.
    expect(p.timeline.some((m) => m.text.startsWith("Postmortem "))).toBe(false);
    const comments = await postmortemComments(inc.id);
    expect(comments).toHaveLength(1);
    expect(itemAt(comments, 0).id).toBe(first.id);
    expect(itemAt(comments, 0).body).toContain("A bad cache key after the 2.3 deploy.");
    expect(itemAt(comments, 0).body).toContain("v3");
    const messages = (await h.thread(inc.id)).filter((m) => m.includes("postmortem_edit"));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain("A bad cache key");
    // Clearing a section goes back to aisre's text.
    const back = await h.sync.postmortems.edit(inc.id, {}, "U_CAROL", ["rootCause"]);
    expect(back.edited).toEqual(["actionItems"]);
  });

  it("draft → in review → final; final enters the knowledge base and its action items become linked Jira issues", async () => {
    const inc = await h.open({ service: "payments" });
    await h.incidents.changeStatus(inc.id, "resolved", "U_ALICE", "fixed");
    await h.settle();
    await expect(h.sync.postmortems.setStatus(inc.id, "final", "U_CAROL")).rejects.toThrow(/cannot go to final directly/);
    await h.sync.postmortems.setStatus(inc.id, "in_review", "U_CAROL");
    const final = await h.sync.postmortems.setStatus(inc.id, "final", "U_CAROL");
    await h.settle();
    expect(final.status).toBe("final");
    expect(final.actionItems.length).toBeGreaterThan(0);
    expect(final.actionItems.every((i) => /^OPS-\d+$/.test(i.jiraKey ?? ""))).toBe(true);
    const key = await jiraKey(inc.id);
    const followUp = h.jiraSandbox.store.issue(itemAt(final.actionItems, 0).jiraKey!);
    expect(followUp).toMatchObject({ summary: itemAt(final.actionItems, 0).text, labels: expect.arrayContaining(["aisre", "follow-up", "postmortem"]) });
    expect(followUp.duedate).toBe(itemAt(final.actionItems, 0).due);
    const links = (h.jiraSandbox.state().jiraIssues as Array<{ key: string }>).length;
    expect(links).toBeGreaterThan(1);
    expect(JSON.stringify(h.jiraSandbox.store.issue(key))).toContain(itemAt(final.actionItems, 0).jiraKey!);
    const kb = h.kb.find((e) => e.id === `postmortem:${inc.id}`)!;
    expect(kb).toMatchObject({ kind: "postmortem", meta: { incidentId: inc.id, services: ["payments"], jira: key } });
    expect(kb.body).toContain("## Action items");
    expect(kb.body).toContain(itemAt(final.actionItems, 0).jiraKey!);
    // An edit of a final postmortem updates the knowledge base; new action items get issues too.
    await h.sync.postmortems.edit(inc.id, { lessons: "• Keep the payments runbook current." }, "U_CAROL");
    expect(h.kb.find((e) => e.id === `postmortem:${inc.id}`)!.body).toContain("Keep the payments runbook current.");
  });

  it("/aisre postmortem before resolution drafts from what is known so far", async () => {
    const inc = await h.open();
    const p = await h.sync.postmortems.draft(inc.id, "U_CAROL");
    expect(p.sections.resolution).toContain("Not resolved yet.");
    expect(p.facts.durationMinutes).toBeUndefined();
  });
});

/** The system's clock moved by hand. */
class HandClock implements Clock {
  t = Date.now();
  now = () => this.t;
  sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  timer = (ms: number, fn: () => void) => {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  };
}

describe("a resolution aisre made itself", () => {
  let hh: SyncHarness;
  const clock = new HandClock();
  beforeAll(async () => {
    hh = await syncHarness({ postmortemPresenter: blockKitPostmortemPresenter, postmortemClock: clock });
  }, 60_000);
  afterAll(async () => {
    await hh?.close();
  });

  it("is drafted once it has held: a flapping alert's first lull resolves the incident and its next flip reopens it, with no postmortem in between", async () => {
    const inc = await hh.open({ service: "cache" });
    // The cache's evictions went quiet: aisre resolves; they fire again two minutes later.
    const resolvedAt = clock.t;
    await hh.incidents.changeStatus(inc.id, "resolved", "aisre", "all alerts resolved and quiet for 5 min");
    await hh.settle();
    // The hold is in the store, due in the system's time (not this process's timers).
    expect(await hh.store.postmortemHolds.get(inc.id)).toMatchObject({ by: "aisre", dueAt: new Date(resolvedAt + RESOLVE_HOLD_MS).toISOString() });
    clock.t += 2 * 60_000;
    await hh.incidents.changeStatus(inc.id, "open", "aisre", "RedisEvictionsHigh on cache fired again");
    await hh.settle();
    // The reopen dropped it, in its own transaction.
    expect(await hh.store.postmortemHolds.get(inc.id)).toBeUndefined();
    // The first resolution's hold runs out while the incident is open: nothing to draft.
    clock.t += RESOLVE_HOLD_MS;
    await hh.sync.postmortems.draftHeld();
    await hh.sync.postmortems.idle();
    expect(await hh.sync.postmortems.get(inc.id)).toBeUndefined();
    // Resolved for good: drafted once the resolution has held.
    await hh.incidents.changeStatus(inc.id, "resolved", "aisre", "the fix was verified and its alerts have been quiet for 5 min");
    await hh.settle();
    await hh.sync.postmortems.draftHeld();
    expect(await hh.sync.postmortems.get(inc.id)).toBeUndefined();
    clock.t += RESOLVE_HOLD_MS;
    await hh.sync.postmortems.draftHeld();
    const p = await eventually(async () => hh.sync.postmortems.get(inc.id), "the postmortem draft");
    await hh.settle();
    expect(p.version).toBe(1);
    expect(await hh.store.postmortemHolds.get(inc.id)).toBeUndefined();
    expect(p.timeline.map((m) => m.text)).toContain("Status resolved → open: RedisEvictionsHigh on cache fired again");
    expect((await hh.thread(inc.id)).filter((m) => m.includes("postmortem_edit"))).toHaveLength(1);
  });

  it("a person's resolution is drafted at once (the system's clock not moved)", async () => {
    const inc = await hh.open({ service: "payments" });
    await hh.incidents.changeStatus(inc.id, "resolved", "U_ALICE", "restarted payments");
    const p = await eventually(async () => hh.sync.postmortems.get(inc.id), "the postmortem draft");
    expect(p.version).toBe(1);
  });

  it("an incident merged into another gets no postmortem of its own when its hold comes due", async () => {
    const inc = await hh.open({ service: "orders" });
    await hh.store.incidents.mergeCard(inc.id, { mergedInto: "INC-ELSEWHERE" });
    await hh.incidents.changeStatus(inc.id, "resolved", "aisre", "merged into INC-ELSEWHERE: one failure");
    clock.t += RESOLVE_HOLD_MS;
    await hh.settle();
    await hh.sync.postmortems.draftHeld();
    await hh.sync.postmortems.idle();
    expect(await hh.sync.postmortems.get(inc.id)).toBeUndefined();
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { escapeText } from "../../src/text/slack-markup.ts";
import { eventually, startTestAisre, type TestAisre } from "../support/harness.ts";

/**
 * The assistant container end to end: the sandbox sends `assistant_thread_started` and `message.im`
 * as Slack does, the real Bolt `Assistant` answers through the emulated assistant.threads.* and
 * chat.*Stream methods, and the control API reports the thread.
 */

interface ThreadAnswer {
  ok: boolean;
  channel: string;
  thread_ts: string;
  title: string;
  status: string;
  context: { channel_id?: string };
  suggested_prompts: { title?: string; prompts: Array<{ title: string; message: string }> } | null;
  messages: Array<{ ts: string; text: string; user: string; blocks?: Array<{ type: string; text?: unknown; elements?: unknown[] }>; metadata?: { event_type: string; event_payload: Record<string, unknown> } }>;
}

let t: TestAisre;

beforeAll(async () => {
  t = await startTestAisre();
}, 240_000);

afterAll(async () => {
  await t?.close();
});

async function ask(user: string, body: Record<string, string>): Promise<ThreadAnswer> {
  const res = await fetch(`${t.sandboxUrl}/sandbox/users/${user}/assistant`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return (await res.json()) as ThreadAnswer;
}

describe("the assistant container (side panel / DM)", () => {
  it("a new thread: greeting, the suggested prompts, a title, and a streamed answer; the status is gone at the end", async () => {
    const incidents = await t.channelId("incidents");
    const a = await ask("U_ALICE", { text: "Who's on call for payments?", channel: "#incidents" });
    expect(a.channel).toMatch(/^D/);
    expect(a.thread_ts).toMatch(/^\d+\.\d+$/);
    expect(a.suggested_prompts?.prompts.map((p) => p.title)).toEqual(["What's on fire?", "Summarise the checkout incident", "Who's on call for payments?"]);
    expect(a.title).toBe("Who's on call for payments?");
    expect(a.context.channel_id).toBe(incidents);
    expect(a.status).toBe("");
    const [greeting, answer] = a.messages;
    expect(greeting?.text).toContain("I'm aisre");
    // The greeting carries the thread's context in its metadata (read back by another replica).
    const replies = await t.replies(a.channel, a.thread_ts, { includeAllMetadata: true });
    const greetingRead = replies.find((m) => m.ts === greeting?.ts) as { metadata?: { event_type: string; event_payload: { channel_id?: string } } } | undefined;
    expect(greetingRead?.metadata?.event_type).toBe("assistant_thread_context");
    expect(greetingRead?.metadata?.event_payload.channel_id).toBe(incidents);
    // The answer was streamed: a markdown block with the on-call text, then the footer.
    expect(answer?.blocks?.[0]?.type).toBe("markdown");
    expect(String(answer?.blocks?.[0]?.text)).toMatch(/payments/i);
    expect(answer?.blocks?.some((b) => b.type === "context")).toBe(true);
    expect(answer?.blocks?.at(-1)?.type).toBe("context_actions");
    expect(JSON.stringify(answer?.blocks?.at(-1))).toContain("feedback_buttons");
  }, 120_000);

  it("a follow-up in the same thread is answered there, and a context change is kept", async () => {
    const first = await ask("U_BOB", { text: "What's on fire?" });
    // Nothing is open yet: it says so (not a service's health).
    expect(String(first.messages.at(-1)?.blocks?.[0]?.text)).toContain("Nothing is on fire");
    const sre = await t.channelId("sre");
    const next = await ask("U_BOB", { text: "how is checkout doing?", thread_ts: first.thread_ts, channel: "#sre" });
    expect(next.thread_ts).toBe(first.thread_ts);
    expect(next.context.channel_id).toBe(sre);
    expect(next.messages.length).toBeGreaterThanOrEqual(3);
    expect(String(next.messages.at(-1)?.blocks?.[0]?.text)).toMatch(/checkout/i);
  }, 120_000);

  it("refuses an unknown thread and a missing text", async () => {
    const res = await fetch(`${t.sandboxUrl}/sandbox/users/U_ALICE/assistant`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "hi", thread_ts: "1.000001" }) });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toBe("thread_not_found");
    const none = await fetch(`${t.sandboxUrl}/sandbox/users/U_ALICE/assistant`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(none.status).toBe(400);
  });
});

describe("unfurls of aisre incident links", () => {
  it("a person's link to an incident gets the incident's preview (link_shared → chat.unfurl); other links do not", async () => {
    const alerts = [{ name: "HighErrorRate", status: "firing", severity: "critical", service: "payments", summary: "HighErrorRate on payments" }];
    expect((await t.postWebhook("generic", { alerts })).status).toBe(202);
    const incident = await eventually(async () => (await t.aisre.services.store.incidents.listOpen()).find((i) => i.services.includes("payments")), "the payments incident");
    const url = `${t.botUrl}/incidents/${incident.id}`;
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("payments");
    expect((await fetch(`${t.botUrl}/incidents/INC-nope`)).status).toBe(404);

    await t.message("U_CAROL", "#sre", `look at ${url} and ${t.botUrl}/incidents/INC-nope please`);
    const shared = await eventually(async () => {
      const m = (await t.history("#sre")).find((x) => String(x.text).includes(incident.id));
      const unfurls = (m?.attachments as Array<{ is_app_unfurl?: boolean; original_url?: string; blocks?: unknown[] }> | undefined)?.filter((a) => a.is_app_unfurl);
      return unfurls?.length ? unfurls : undefined;
    }, "the unfurl on the message");
    expect(shared).toHaveLength(1);
    expect(shared[0]?.original_url).toBe(url);
    const text = JSON.stringify(shared[0]?.blocks);
    expect(text).toContain("payments");
    expect(text).toContain(incident.id);
    expect(text).toContain("Open the incident thread");
  }, 120_000);
});

describe('"What\'s on fire?"', () => {
  it("lists the open incidents (severity, age, leading cause, thread link) and firing alerts outside them, in the container and to an @mention", async () => {
    const store = t.aisre.services.store;
    const incident = await eventually(async () => (await store.incidents.listOpen()).find((i) => i.services.includes("payments")), "the payments incident");
    // The leading cause: the live diagnosis's, or (when it stays unsure) one set here.
    const diagnosed = await eventually(async () => (await store.incidents.card(incident.id)).diagnosis?.cause, "a leading cause", 20_000).catch(() => undefined);
    if (!diagnosed) await store.incidents.mergeCard(incident.id, { diagnosis: { cause: "payment-provider timeouts", confidence: 0.62 } });
    const root = await eventually(() => store.slackMessages.get(incident.id, "root"), "the root card");
    // An alert firing that no incident holds (not grouped yet).
    await store.alerts.upsert({ fingerprint: "fp-loose-1", source: "generic", name: "DiskAlmostFull", status: "firing", severity: "sev3", service: "reporting", summary: "disk 93%", labels: {}, startsAt: new Date().toISOString() }, undefined, undefined);

    const openNow = (await store.incidents.listOpen()).length;
    const a = await ask("U_CAROL", { text: "What's on fire?" });
    const body = String(a.messages.at(-1)?.blocks?.[0]?.text);
    expect(body).toContain(`${openNow} open incident${openNow === 1 ? "" : "s"}`);
    expect(body).toContain(incident.id);
    expect(body).toContain(incident.severity.toUpperCase());
    expect(body).toMatch(/opened (just now|\d+ min ago)/);
    const card = (await store.incidents.card(incident.id)).diagnosis;
    expect(body).toContain(`leading cause: ${escapeText(card?.cause ?? "?")}`);
    expect(body).toContain(`(confidence ${Math.round((card?.confidence ?? 0) * 100)}%)`);
    // The link to the thread: the root card's permalink (channel and ts).
    expect(body).toContain(`${root.ts.replace(".", "")}`);
    expect(body).toContain("Firing, not in an incident yet");
    expect(body).toContain("DiskAlmostFull");
    expect(body).toContain("reporting");
    expect(body).not.toMatch(/is \*(healthy|degraded|unhealthy)\*/);

    // The same answer engine for an @mention in a channel.
    const bot = t.aisre.sandbox!.workspace.botUserId;
    const seen = await t.message("U_CAROL", "#sre", `<@${bot}> what's on fire?`);
    const reply = seen.find((m) => m.user === bot && `${m.text}${JSON.stringify(m.blocks ?? [])}`.includes("DiskAlmostFull"));
    if (!reply) throw new Error(`no answer to the @mention: ${JSON.stringify(seen).slice(0, 800)}`);
    expect(`${reply.text}${JSON.stringify(reply.blocks ?? [])}`).toContain(incident.id);
  }, 120_000);
});

import { describe, expect, it } from "vitest";
import { BLOCK, INPUT, VIEW, ACTION } from "../../blocks/ids.ts";
import { registerTimelineActions } from "../../handlers/actions/timeline.ts";
import { parseChartChoice } from "../../handlers/actions/charts.ts";
import { registerAppMention, questionFrom } from "../../handlers/events/app-mention.ts";
import { registerThreadMessages } from "../../handlers/events/thread-message.ts";
import { registerDeclareIncidentView } from "../../handlers/views/declare-incident.ts";
import type { Services } from "../../src/app/services.ts";
import type { Incident } from "../../src/domain/incident.ts";
import { silentLogger } from "../../src/log.ts";
import { createAppMetrics } from "../../src/observability/metrics.ts";
import { fakeApp, recorder } from "./fake-bolt.ts";

// Events, views and actions as listener units, as Bolt's starter template tests them: a fake app,
// ack and client; only the service methods each listener calls.

const services = (extra: Record<string, unknown>) => ({ logger: silentLogger, metrics: createAppMetrics(), ...extra }) as unknown as Services;
const incident = { id: "INC-20261205-abc123", title: "checkout 5xx", status: "open", severity: "sev2", services: ["checkout"], createdAt: "2026-12-05T10:00:00.000Z", updatedAt: "2026-12-05T10:00:00.000Z" } as unknown as Incident;

describe("app_mention (listener unit)", () => {
  function mentionServices(claimed: Set<string>, timeline: unknown[]) {
    return services({
      store: {
        slackEvents: { claim: async (id: string) => (claimed.has(id) ? false : (claimed.add(id), true)) },
        slackMessages: { incidentForThread: async (channel: string, ts: string) => (channel === "C_INC" && ts === "100.1" ? incident.id : undefined) },
        timeline: { append: async (e: unknown) => void timeline.push(e) },
      },
    });
  }

  it("shows what it reads as the thread's status at once, then posts the answer in the thread; the question goes on the timeline", async () => {
    const timeline: unknown[] = [];
    const asked: unknown[] = [];
    const { app, get } = fakeApp();
    registerAppMention(app, mentionServices(new Set(), timeline), async (q) => (asked.push(q), { text: "inventory 2.3.0 was deployed at 10:02", footnote: "from the deploy log" }));
    const r = recorder();
    await get("event:app_mention")({ event: { channel: "C_INC", ts: "100.2", thread_ts: "100.1", user: "U_ALICE", text: "<@UBOT> what changed?" }, body: { event_id: "Ev1" }, client: r.client });
    expect(r.calls).toEqual(["client.assistant.threads.setStatus", "client.chat.postMessage"]);
    expect(r.api[0]?.args).toMatchObject({ channel_id: "C_INC", thread_ts: "100.1", status: "Checking recent deploys and changes…", loading_messages: expect.arrayContaining(["Writing it up…"]) });
    expect(r.api[1]?.args).toMatchObject({ channel: "C_INC", thread_ts: "100.1", text: expect.stringContaining("inventory 2.3.0") });
    expect(asked).toEqual([{ text: "what changed?", user: "U_ALICE", channel: "C_INC", threadTs: "100.1", incidentId: incident.id }]);
    expect(timeline).toEqual([expect.objectContaining({ incidentId: incident.id, kind: "message", actor: "U_ALICE" })]);
  });

  it("answers an event id once, even when Slack retries it", async () => {
    const claimed = new Set<string>();
    const { app, get } = fakeApp();
    let answers = 0;
    registerAppMention(app, mentionServices(claimed, []), async () => (answers++, { text: "ok" }));
    const r = recorder();
    const args = { event: { channel: "C_X", ts: "5.1", user: "U_BOB", text: "<@UBOT> hi" }, body: { event_id: "Ev2" }, client: r.client };
    await get("event:app_mention")(args);
    await get("event:app_mention")(args);
    expect(answers).toBe(1);
    expect(r.calls).toEqual(["client.assistant.threads.setStatus", "client.chat.postMessage"]);
  });

  it("a failure while answering is an apology in the thread (which also ends the status)", async () => {
    const { app, get } = fakeApp();
    registerAppMention(app, mentionServices(new Set(), []), async () => Promise.reject(new Error("model down")));
    const r = recorder();
    await get("event:app_mention")({ event: { channel: "C_X", ts: "6.1", user: "U_BOB", text: "<@UBOT> hi" }, body: { event_id: "Ev3" }, client: r.client });
    expect(r.calls).toEqual(["client.assistant.threads.setStatus", "client.chat.postMessage"]);
    expect(r.api[1]?.args).toMatchObject({ channel: "C_X", thread_ts: "6.1" });
    expect(String(r.api[1]?.args.text)).toMatch(/^:x: Sorry, I could not answer that/);
  });

  it("answers even when the thread's status cannot be shown", async () => {
    const { app, get } = fakeApp();
    registerAppMention(app, mentionServices(new Set(), []), async () => ({ text: "checkout is healthy" }));
    const r = recorder({
      "assistant.threads.setStatus": () => {
        throw new Error("An API error occurred: missing_scope");
      },
    });
    await get("event:app_mention")({ event: { channel: "C_X", ts: "7.1", user: "U_BOB", text: "<@UBOT> how is checkout?" }, body: { event_id: "Ev4" }, client: r.client });
    expect(r.calls).toEqual(["client.assistant.threads.setStatus", "client.chat.postMessage"]);
    expect(r.api[1]?.args).toMatchObject({ channel: "C_X", thread_ts: "7.1", text: expect.stringContaining("checkout is healthy") });
  });

  it("strips the bot mention from the question", () => {
    expect(questionFrom("<@U123ABC|aisre> why is checkout down?")).toBe("why is checkout down?");
  });
});

describe("thread messages (listener unit)", () => {
  it("records a human reply in an incident's thread on its timeline, and nothing else", async () => {
    const recorded: unknown[] = [];
    const { app, get } = fakeApp();
    registerThreadMessages(
      app,
      services({
        store: { slackMessages: { incidentForThread: async (_c: string, ts: string) => (ts === "100.1" ? incident.id : undefined) } },
        incidents: { recordThreadMessage: async (...args: unknown[]) => void recorded.push(args) },
      }),
    );
    const listener = get("message");
    const context = { botUserId: "UBOT" };
    await listener({ message: { channel: "C_INC", ts: "100.5", thread_ts: "100.1", user: "U_ALICE", text: "rolling back now" }, context });
    await listener({ message: { channel: "C_INC", ts: "100.6", thread_ts: "100.1", user: "U_ALICE", text: "<@UBOT> status?" }, context });
    await listener({ message: { channel: "C_INC", ts: "100.7", thread_ts: "100.1", subtype: "bot_message", text: "card" }, context });
    await listener({ message: { channel: "C_INC", ts: "100.8", user: "U_ALICE", text: "not in a thread" }, context });
    await listener({ message: { channel: "C_OTHER", ts: "9.2", thread_ts: "9.1", user: "U_ALICE", text: "another thread" }, context });
    expect(recorded).toEqual([[incident.id, { user: "U_ALICE", text: "rolling back now", ts: "100.5" }]]);
  });
});

describe("declare-incident modal submission (listener unit)", () => {
  const submit = (title: string, severity?: string, service?: string) => ({
    view: {
      state: {
        values: {
          [BLOCK.declareTitle]: { [INPUT.title]: { value: title } },
          [BLOCK.declareSeverity]: { [INPUT.severity]: { selected_option: severity ? { value: severity } : undefined } },
          [BLOCK.declareService]: { [INPUT.service]: { selected_option: service ? { value: service } : undefined } },
        },
      },
    },
    body: { user: { id: "U_ALICE" } },
  });

  it("a short title is refused in the modal (errors ack), and nothing is declared", async () => {
    const declared: unknown[] = [];
    const { app, get } = fakeApp();
    registerDeclareIncidentView(app, services({ incidents: { declare: async (d: unknown) => void declared.push(d) } }));
    const r = recorder();
    await get(`view:${VIEW.declareIncident}`)({ ...submit(" x "), ack: r.ack });
    expect(r.acks).toEqual([{ response_action: "errors", errors: { [BLOCK.declareTitle]: "Say in a few words what is wrong." } }]);
    expect(declared).toEqual([]);
  });

  it("a valid submission acks first, then declares as the submitting user", async () => {
    const order: string[] = [];
    const { app, get } = fakeApp();
    registerDeclareIncidentView(app, services({ incidents: { declare: async (d: unknown) => void order.push(`declare ${JSON.stringify(d)}`) } }));
    const ack = async (response?: unknown) => void order.push(`ack ${JSON.stringify(response ?? null)}`);
    await get(`view:${VIEW.declareIncident}`)({ ...submit("Checkout failing", "sev1", "checkout"), ack });
    expect(order).toEqual(["ack null", `declare ${JSON.stringify({ title: "Checkout failing", severity: "sev1", services: ["checkout"], by: "U_ALICE" })}`]);
  });
});

describe("Timeline button (listener unit)", () => {
  it("acks, then opens the timeline modal with the click's trigger id", async () => {
    const { app, get } = fakeApp();
    registerTimelineActions(app, services({ store: { incidents: { get: async () => incident, card: async () => ({ headline: "Checkout failing 30 %" }) }, timeline: { list: async () => [{ at: "2026-12-05T10:00:00.000Z", kind: "alert", text: "HighErrorRate fired" }] } } }));
    const r = recorder();
    await get(`action:${ACTION.incidentTimeline}`)({ ack: r.ack, action: { value: incident.id }, body: { trigger_id: "T-9", user: { id: "U_ALICE" } }, client: r.client, respond: r.respond });
    expect(r.calls).toEqual(["ack", "client.views.open"]);
    expect(r.api[0]?.args).toMatchObject({ trigger_id: "T-9", view: { type: "modal" } });
    // The modal names the incident by its current title (the card's headline), as the lists do.
    expect(JSON.stringify(r.api[0]?.args)).toContain("Checkout failing 30 %");
  });

  it("an incident that no longer exists is an ephemeral warning", async () => {
    const { app, get } = fakeApp();
    registerTimelineActions(app, services({ store: { incidents: { get: async () => undefined } } }));
    const r = recorder();
    await get(`action:${ACTION.incidentTimeline}`)({ ack: r.ack, action: { value: "INC-gone" }, body: { trigger_id: "T-9", user: { id: "U_ALICE" } }, client: r.client, respond: r.respond });
    expect(r.calls).toEqual(["ack", "respond"]);
    expect(r.replies[0]).toMatchObject({ response_type: "ephemeral", text: ":warning: Incident INC-gone no longer exists." });
  });
});

describe("digest chart select (listener unit)", () => {
  it("reads `<incident>|<service>|<kind>` and refuses anything else", () => {
    expect(parseChartChoice("INC-1|inventory|errors")).toEqual({ incidentId: "INC-1", service: "inventory", kind: "errors" });
    expect(parseChartChoice("INC-1|inventory|disk")).toBeUndefined();
    expect(parseChartChoice("INC-1|inventory")).toBeUndefined();
    expect(parseChartChoice(undefined)).toBeUndefined();
  });
});

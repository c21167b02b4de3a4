import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTION } from "../../blocks/ids.ts";
import { ThreadContextStore } from "../../handlers/events/assistant-context-store.ts";
import { registerListeners } from "../../handlers/index.ts";
import type { Incident } from "../../src/domain/incident.ts";
import { fakeApp, recorder, type FakeApp } from "./fake-bolt.ts";
import { listenerServices, type ListenerServices } from "./listener-services.ts";

// The events (Home tab, link unfurls, the assistant container) and the Home Refresh and the
// PagerDuty-less Page button as listener units, as Bolt's starter template tests them: the listeners
// registered as the app registers them, a fake client; behind them the real services on a PGlite
// test database and an in-memory Slack (no PagerDuty configured).

let world: ListenerServices;
let bolt: FakeApp;
let incident: Incident;

beforeAll(async () => {
  world = await listenerServices();
  bolt = fakeApp();
  registerListeners(bolt.app, world.services);
  incident = await world.services.incidents.declare({ title: "checkout failing", severity: "sev1", services: ["checkout"], by: "U_ALICE" });
  await world.deliver();
});
afterAll(async () => world.close());

const errors = (code: string) => world.services.metrics.errors.get({ code });
const published = (user: string) => world.slack.calls.filter((c) => c.method === "views.publish" && c.payload.user_id === user);

describe("Home tab (listener unit)", () => {
  it("app_home_opened on the Home tab publishes the person's view; another tab publishes nothing", async () => {
    await bolt.get("event:app_home_opened")({ event: { type: "app_home_opened", user: "U_ALICE", tab: "home", channel: "D_ALICE" } });
    expect(published("U_ALICE")).toHaveLength(1);
    const view = published("U_ALICE")[0]?.payload.view as { type: string };
    expect(view.type).toBe("home");
    expect(JSON.stringify(view)).toContain("checkout failing");
    await bolt.get("event:app_home_opened")({ event: { type: "app_home_opened", user: "U_BOB", tab: "messages", channel: "D_BOB" } });
    expect(published("U_BOB")).toEqual([]);
  });

  it("Refresh acks, then republishes at once", async () => {
    const r = recorder();
    await bolt.get(`action:${ACTION.homeRefresh}`)({ ack: r.ack, body: { user: { id: "U_CAROL" } }, action: { action_id: ACTION.homeRefresh }, client: r.client });
    expect(r.calls).toEqual(["ack"]);
    expect(published("U_CAROL")).toHaveLength(1);
  });

  it("when Slack refuses the view, the failure is counted and logged, and the listener does not throw", async () => {
    const before = errors("app_home");
    world.slack.failures = Array.from({ length: 20 }, () => ({ code: "not_authed", transient: false }));
    try {
      await bolt.get("event:app_home_opened")({ event: { type: "app_home_opened", user: "U_DAVE", tab: "home", channel: "D_DAVE" } });
      const r = recorder();
      await bolt.get(`action:${ACTION.homeRefresh}`)({ ack: r.ack, body: { user: { id: "U_DAVE" } }, client: r.client });
      expect(r.calls).toEqual(["ack"]);
    } finally {
      world.slack.failures = [];
    }
    expect(errors("app_home")).toBe(before + 2);
  });
});

describe("link unfurls (listener unit)", () => {
  const base = "https://aisre.example.com";
  const permalink = { "chat.getPermalink": () => ({ ok: true, permalink: "https://example.slack.com/archives/C_INCIDENTS/p1700000000001000" }) };

  it("a link to an incident unfurls into the incident at a glance with a link to its thread; other links are left alone", async () => {
    const r = recorder(permalink);
    const links = [
      { url: `${base}/incidents/${incident.id}`, domain: "aisre.example.com" },
      { url: `${base}/incidents/INC-20990101-fff`, domain: "aisre.example.com" },
      { url: "https://example.com/elsewhere", domain: "example.com" },
    ];
    await bolt.get("event:link_shared")({ event: { type: "link_shared", channel: "C_SRE", message_ts: "55.5", user: "U_ALICE", links }, client: r.client });
    expect(r.calls).toEqual(["client.chat.getPermalink", "client.chat.unfurl"]);
    const unfurl = r.api[1]?.args as { channel: string; ts: string; unfurls: Record<string, unknown> };
    expect(unfurl).toMatchObject({ channel: "C_SRE", ts: "55.5" });
    expect(Object.keys(unfurl.unfurls)).toEqual([`${base}/incidents/${incident.id}`]);
    expect(JSON.stringify(unfurl.unfurls)).toContain("checkout failing");
    expect(JSON.stringify(unfurl.unfurls)).toContain("Open the incident thread");
  });

  it("in the composer it answers by unfurl id; links to nothing it knows are not answered at all", async () => {
    const r = recorder(permalink);
    await bolt.get("event:link_shared")({ event: { type: "link_shared", channel: "COMPOSER", message_ts: "x", source: "composer", unfurl_id: "UF1", user: "U_ALICE", links: [{ url: `${base}/incidents/${incident.id}`, domain: "aisre.example.com" }] }, client: r.client });
    expect(r.api[1]?.args).toMatchObject({ unfurl_id: "UF1", source: "composer" });
    expect(r.api[1]?.args).not.toHaveProperty("channel");
    const none = recorder();
    await bolt.get("event:link_shared")({ event: { type: "link_shared", channel: "C_SRE", message_ts: "56.5", user: "U_ALICE", links: [{ url: `${base}/incidents/INC-20990101-fff`, domain: "aisre.example.com" }] }, client: none.client });
    expect(none.calls).toEqual([]);
  });

  it("a failing chat.unfurl is counted and logged; the listener does not throw", async () => {
    const before = errors("internal");
    const r = recorder({
      ...permalink,
      "chat.unfurl": () => {
        throw new Error("cannot_unfurl_url");
      },
    });
    await bolt.get("event:link_shared")({ event: { type: "link_shared", channel: "C_SRE", message_ts: "57.5", user: "U_ALICE", links: [{ url: `${base}/incidents/${incident.id}`, domain: "aisre.example.com" }] }, client: r.client });
    expect(r.calls).toEqual(["client.chat.getPermalink", "client.chat.unfurl"]);
    expect(errors("internal")).toBe(before + 1);
  });
});

describe("assistant container (listener unit)", () => {
  const quietLogger = { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => "error", setName() {} };
  const context = { botUserId: "UBOT", teamId: "T1" };
  /** Runs an assistant event through what app.assistant registered, as Bolt's middleware chain does. */
  async function assistantEvent(payload: Record<string, unknown>, r: ReturnType<typeof recorder>) {
    let passedOn = false;
    const middleware = bolt.assistants[0]?.getMiddleware();
    if (!middleware) throw new Error("no assistant registered");
    await middleware({ payload, event: payload, message: payload, body: { event: payload }, context, client: r.client, logger: quietLogger, next: async () => void (passedOn = true) });
    return { passedOn };
  }
  const started = { type: "assistant_thread_started", assistant_thread: { user_id: "U_ALICE", channel_id: "D_ALICE", thread_ts: "20.1", context: { channel_id: "C_INCIDENTS" } } };
  const firstMessage = { "conversations.replies": () => ({ ok: true, messages: [{ ts: "20.2", user: "UBOT", text: "Hi", blocks: [] }] }) };

  it("a new thread gets the greeting (carrying the context), the context saved on it, and the suggested prompts", async () => {
    const r = recorder(firstMessage);
    await assistantEvent(started, r);
    expect(r.calls).toEqual(["client.chat.postMessage", "client.conversations.replies", "client.chat.update", "client.assistant.threads.setSuggestedPrompts"]);
    expect(r.api[0]?.args).toMatchObject({ channel: "D_ALICE", thread_ts: "20.1", text: expect.stringContaining("Hi <@U_ALICE>, I'm aisre"), metadata: { event_type: "assistant_thread_context", event_payload: { channel_id: "C_INCIDENTS" } } });
    expect(r.api[2]?.args).toMatchObject({ channel: "D_ALICE", ts: "20.2", metadata: { event_type: "assistant_thread_context", event_payload: { channel_id: "C_INCIDENTS" } } });
    expect(r.api[3]?.args).toMatchObject({ channel_id: "D_ALICE", thread_ts: "20.1", title: "Try asking" });
  });

  it("a question sets the title and a working status, then streams the answer and ends with the feedback buttons", async () => {
    const r = recorder(firstMessage);
    const { passedOn } = await assistantEvent({ type: "message", channel: "D_ALICE", channel_type: "im", user: "U_ALICE", text: "what's on fire?", ts: "20.3", thread_ts: "20.1" }, r);
    expect(passedOn).toBe(false);
    expect(r.calls.slice(0, 3)).toEqual(["client.assistant.threads.setTitle", "client.assistant.threads.setStatus", "client.chatStream"]);
    expect(r.api[0]?.args).toMatchObject({ channel_id: "D_ALICE", thread_ts: "20.1", title: "what's on fire?" });
    expect(r.api[2]?.args).toMatchObject({ channel: "D_ALICE", thread_ts: "20.1", recipient_team_id: "T1", recipient_user_id: "U_ALICE" });
    const appended = r.api
      .filter((c) => c.method === "chatStream.append")
      .map((c) => String(c.args.markdown_text))
      .join("");
    expect(appended).toContain("checkout");
    expect(r.calls.at(-1)).toBe("client.chatStream.stop");
    expect(JSON.stringify(r.api.at(-1)?.args)).toContain(ACTION.aiFeedback);
  });

  it("a failure while answering clears the status and says sorry in the thread; messages outside the container pass on", async () => {
    const before = errors("internal");
    const r = recorder({
      ...firstMessage,
      "assistant.threads.setTitle": () => {
        throw new Error("ratelimited");
      },
    });
    await assistantEvent({ type: "message", channel: "D_ALICE", channel_type: "im", user: "U_ALICE", text: "why is checkout down?", ts: "20.4", thread_ts: "20.1" }, r);
    expect(r.calls).toEqual(["client.assistant.threads.setTitle", "client.assistant.threads.setStatus", "client.chat.postMessage"]);
    expect(r.api[1]?.args).toMatchObject({ status: "" });
    expect(r.api[2]?.args).toMatchObject({ channel: "D_ALICE", thread_ts: "20.1", text: expect.stringMatching(/^:x: Sorry, I could not answer that/) });
    expect(errors("internal")).toBe(before + 1);
    const elsewhere = recorder();
    const { passedOn } = await assistantEvent({ type: "message", channel: "C_SRE", channel_type: "channel", user: "U_ALICE", text: "hi", ts: "30.1" }, elsewhere);
    expect(passedOn).toBe(true);
    expect(elsewhere.calls).toEqual([]);
  });

  it("another replica reads a thread's context back from its first message's metadata", async () => {
    const r = recorder({ "conversations.replies": () => ({ ok: true, messages: [{ ts: "20.2", user: "UBOT", text: "Hi", metadata: { event_type: "assistant_thread_context", event_payload: { channel_id: "C_INCIDENTS" } } }] }) });
    const args = { payload: { type: "message", channel: "D_ALICE", thread_ts: "20.1" }, client: r.client, context } as unknown as Parameters<ThreadContextStore["get"]>[0];
    const store = new ThreadContextStore();
    expect(await store.get(args)).toEqual({ channel_id: "C_INCIDENTS" });
    expect(await store.get(args)).toEqual({ channel_id: "C_INCIDENTS" });
    expect(r.calls).toEqual(["client.conversations.replies"]);
  });
});

describe("Page on-call without PagerDuty (listener unit)", () => {
  it("acks and says to page by hand, ephemerally", async () => {
    const r = recorder();
    await bolt.get(`action:${ACTION.pagingPage}`)({ ack: r.ack, respond: r.respond, client: r.client, action: { action_id: ACTION.pagingPage, value: incident.id }, body: { user: { id: "U_ALICE" } } });
    expect(r.calls).toEqual(["ack", "respond"]);
    expect(r.replies[0]).toMatchObject({ response_type: "ephemeral", text: expect.stringContaining("PagerDuty sync is off") });
  });
});

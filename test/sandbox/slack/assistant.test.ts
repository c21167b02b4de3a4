import { Assistant } from "@slack/bolt";
import { WebClient } from "@slack/web-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_BOT_EVENTS } from "../../../src/sandbox/slack/events.ts";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { BOT_TOKEN, control, startPair, type Pair } from "./harness.ts";
import { slackErrorCode as code } from "../../support/slack-error.ts";

/**
 * The emulated assistant container and text streaming, through the real Bolt `Assistant` and the
 * real WebClient (retries off so a Slack error surfaces as the error code): the events Slack sends
 * (`assistant_thread_started`, `assistant_thread_context_changed`, `message.im`), the
 * assistant.threads.* and chat.*Stream methods and the errors their reference pages list.
 */

const seen: Array<{ kind: string; payload: Record<string, unknown> }> = [];
const shared: Array<Record<string, unknown>> = [];
let pair: Pair;
let client: WebClient;

beforeAll(async () => {
  pair = await startPair((app) => {
    // A mention answered slowly: a first reply, the thread's status while it works, then the answer.
    app.event("app_mention", async ({ event, client: bot }) => {
      const thread = { channel: event.channel, thread_ts: event.thread_ts ?? event.ts };
      await bot.chat.postMessage({ ...thread, text: "on it" });
      await bot.assistant.threads.setStatus({ channel_id: thread.channel, thread_ts: thread.thread_ts, status: "Reading checkout's metrics…" }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 900));
      await bot.chat.postMessage({ ...thread, text: "checkout is healthy" });
    });
    app.event("link_shared", async ({ event }) => {
      shared.push(event as unknown as Record<string, unknown>);
    });
    app.assistant(
      new Assistant({
        threadStarted: async ({ event, setSuggestedPrompts, say }) => {
          seen.push({ kind: "started", payload: event as unknown as Record<string, unknown> });
          await say("hello");
          await setSuggestedPrompts({ title: "Try", prompts: [{ title: "A", message: "a?" }] });
        },
        threadContextChanged: async ({ event }) => {
          seen.push({ kind: "context", payload: event as unknown as Record<string, unknown> });
        },
        userMessage: async ({ message, sayStream, setStatus }) => {
          seen.push({ kind: "message", payload: message as unknown as Record<string, unknown> });
          await setStatus("Reading checkout's metrics…");
          const s = sayStream({ buffer_size: 4 });
          await s.append({ markdown_text: "**one** " });
          await s.append({ markdown_text: "two" });
          await s.stop({ blocks: [{ type: "context", elements: [{ type: "mrkdwn", text: "done" }] }] });
        },
      }),
    );
  });
  client = new WebClient(BOT_TOKEN, { slackApiUrl: `${pair.sandbox.url}/api/`, retryConfig: { retries: 0 } });
}, 60_000);

afterAll(async () => {
  await pair?.close();
});

describe("the assistant container", () => {
  it("subscribes to what manifest.yml declares", () => {
    const manifest = parse(readFileSync(new URL("../../../manifest.yml", import.meta.url), "utf8")) as { settings: { event_subscriptions: { bot_events: string[] } } };
    expect([...DEFAULT_BOT_EVENTS].sort()).toEqual([...manifest.settings.event_subscriptions.bot_events].sort());
  });

  it("sends assistant_thread_started, context changes and message.im; Bolt's Assistant answers with a status and a stream", async () => {
    const { slack } = pair.sandbox;
    const incidents = pair.sandbox.workspace.channel("#incidents")!;
    const watch = slack.watch("U_ALICE");
    const t = slack.assistant.startThread("U_ALICE", "#incidents");
    await watch.result();
    const started = seen.find((s) => s.kind === "started")?.payload as { assistant_thread: { user_id: string; channel_id: string; thread_ts: string; context: Record<string, unknown> } };
    expect(started.assistant_thread).toEqual({ user_id: "U_ALICE", channel_id: t.channel, thread_ts: t.threadTs, context: { channel_id: incidents.id, team_id: pair.sandbox.workspace.team.id, enterprise_id: null } });
    expect(pair.sandbox.workspace.assistantThread(t.channel, t.threadTs)?.suggestedPrompts).toEqual({ title: "Try", prompts: [{ title: "A", message: "a?" }] });

    slack.assistant.changeContext("U_ALICE", t.threadTs, "#sre");
    await pair.sandbox.slack.events.idle();
    const changed = seen.find((s) => s.kind === "context")?.payload as { assistant_thread: { context: { channel_id: string } } } | undefined;
    expect(changed?.assistant_thread.context.channel_id).toBe(pair.sandbox.workspace.channel("#sre")!.id);

    const statuses: string[] = [];
    const off = pair.sandbox.workspace.subscribe((c) => {
      if (c.kind === "assistant_thread") statuses.push(c.thread.status);
    });
    const w2 = slack.watch("U_ALICE");
    slack.assistant.ask("U_ALICE", t.threadTs, "how is checkout?");
    await w2.result();
    off();
    const msg = seen.find((s) => s.kind === "message")?.payload as { channel_type: string; thread_ts: string; text: string };
    expect(msg).toMatchObject({ channel_type: "im", thread_ts: t.threadTs, text: "how is checkout?" });
    // The status was shown, then cleared by the app's reply.
    expect(statuses).toContain("Reading checkout's metrics…");
    expect(pair.sandbox.workspace.assistantThread(t.channel, t.threadTs)?.status).toBe("");
    const replies = pair.sandbox.workspace.replies(t.channel, t.threadTs);
    const streamed = replies.at(-1)!;
    expect(streamed.text).toBe("**one** two");
    expect(streamed.blocks?.map((b) => b.type)).toEqual(["markdown", "context"]);
    expect(streamed.stream?.stoppedAt).toBeDefined();
  });

  it("answers the errors Slack documents", async () => {
    const { slack, workspace } = pair.sandbox;
    const t = slack.assistant.startThread("U_BOB");
    await pair.sandbox.slack.events.idle();
    const base = { channel_id: t.channel, thread_ts: t.threadTs };
    expect(await code(client.assistant.threads.setStatus({ ...base, thread_ts: "1.000001", status: "x" }))).toBe("invalid_thread_ts");
    expect(await code(client.assistant.threads.setStatus({ ...base, channel_id: "D0NOPE", status: "x" }))).toBe("channel_not_found");
    expect(await code(client.assistant.threads.setStatus({ ...base, status: "x", loading_messages: Array.from({ length: 11 }, (_, i) => `m${i}`) }))).toBe("invalid_arguments");
    expect(await code(client.assistant.threads.setSuggestedPrompts({ ...base, prompts: Array.from({ length: 5 }, (_, i) => ({ title: `t${i}`, message: "m" })) as never }))).toBe("invalid_arguments");
    expect(await code(client.assistant.threads.setSuggestedPrompts({ ...base, prompts: [{ title: "t", message: "" }] }))).toBe("invalid_arguments");
    expect(await code(client.assistant.threads.setTitle({ ...base, title: "Checkout" }))).toBe("ok");
    expect(workspace.message(t.channel, t.threadTs)?.assistantThread?.title).toBe("Checkout");
    const user = new WebClient(slack.userToken("U_BOB"), { slackApiUrl: `${pair.sandbox.url}/api/`, retryConfig: { retries: 0 } });
    expect(await code(user.assistant.threads.setStatus({ ...base, status: "x" }))).toBe("not_allowed_token_type");

    // Streams: outside a DM Slack needs the recipient; a stopped stream takes no more text.
    const incidents = workspace.channel("#incidents")!;
    const parent = workspace.post({ channel: incidents.id, user: "U_BOB", text: "question" });
    expect(await code(client.chat.startStream({ channel: incidents.id, thread_ts: parent.ts, markdown_text: "hi" }))).toBe("missing_recipient_team_id");
    expect(await code(client.chat.startStream({ channel: incidents.id, thread_ts: parent.ts, markdown_text: "hi", recipient_team_id: workspace.team.id }))).toBe("missing_recipient_user_id");
    expect(await code(client.chat.startStream({ channel: t.channel, thread_ts: t.threadTs, markdown_text: "x".repeat(12_001) }))).toBe("msg_too_long");
    expect(await code(client.chat.startStream({ channel: t.channel, thread_ts: t.threadTs, chunks: [{ type: "nope" }] as never }))).toBe("invalid_chunks");
    const s = await client.chat.startStream({ channel: incidents.id, thread_ts: parent.ts, markdown_text: "a", recipient_team_id: workspace.team.id, recipient_user_id: "U_BOB" });
    expect(await code(client.chat.appendStream({ channel: incidents.id, ts: s.ts!, chunks: [{ type: "markdown_text", text: "b" }] }))).toBe("ok");
    expect(await code(client.chat.stopStream({ channel: incidents.id, ts: s.ts! }))).toBe("ok");
    expect(await code(client.chat.appendStream({ channel: incidents.id, ts: s.ts!, markdown_text: "c" }))).toBe("message_not_in_streaming_state");
    expect(await code(client.chat.stopStream({ channel: incidents.id, ts: s.ts! }))).toBe("message_not_in_streaming_state");
    expect(await code(client.chat.appendStream({ channel: incidents.id, ts: "1.000001", markdown_text: "c" }))).toBe("message_not_found");
    expect(workspace.message(incidents.id, s.ts!)?.text).toBe("ab");
  });

  it("shows the app's status under a thread in a channel until its reply, and a person's action waits for that reply", async () => {
    const { workspace } = pair.sandbox;
    const incidents = workspace.channel("#incidents")!;
    const parent = workspace.post({ channel: incidents.id, user: "U_BOB", text: "question" });
    const base = { channel_id: incidents.id, thread_ts: parent.ts };
    // Only the status: prompts and titles belong to the assistant container.
    expect(await code(client.assistant.threads.setStatus({ ...base, status: "Looking into it…" }))).toBe("ok");
    expect(await code(client.assistant.threads.setTitle({ ...base, title: "x" }))).toBe("invalid_thread_ts");
    expect(await code(client.assistant.threads.setStatus({ ...base, thread_ts: "1.000001", status: "x" }))).toBe("invalid_thread_ts");
    const thread = await control(pair.sandbox, `/sandbox/users/U_BOB/channels/${incidents.id}/threads/${parent.ts}`, undefined, "GET");
    expect(thread.json.status).toBe("Looking into it…");
    // The app's reply ends it.
    await client.chat.postMessage({ channel: incidents.id, thread_ts: parent.ts, text: "answer" });
    expect((await control(pair.sandbox, `/sandbox/users/U_BOB/channels/${incidents.id}/threads/${parent.ts}`, undefined, "GET")).json.status).toBeNull();
    expect(workspace.busyChannelThreads()).toEqual([]);

    // The watch behind the control API: quiet for longer than its settle time, but the status says the answer is coming.
    const asked = await control(pair.sandbox, "/sandbox/users/U_ALICE/messages", { channel: "#incidents", text: `<@${workspace.botUserId}> how is checkout?` });
    expect(asked.json.messages.map((m: { text: string }) => m.text)).toEqual(["on it", "checkout is healthy"]);
  });

  it("sends link_shared for links to the app's domain and attaches chat.unfurl's previews, with Slack's errors", async () => {
    const { slack, workspace } = pair.sandbox;
    const url = "http://127.0.0.1:9/incidents/INC-1";
    const m = slack.actions.postMessage("U_ALICE", "#sre", `see ${url} and https://example.org/x`);
    await slack.events.idle();
    const ev = shared.find((e) => e.message_ts === m.ts) as { channel: string; user: string; is_bot_user_member: boolean; source: string; unfurl_id: string; links: unknown[] } | undefined;
    expect(ev).toMatchObject({ channel: m.channel, user: "U_ALICE", is_bot_user_member: true, source: "conversations_history", links: [{ domain: "127.0.0.1", url }] });
    const preview = { blocks: [{ type: "section", text: { type: "mrkdwn", text: "*INC-1*" } }] };
    expect(await code(client.chat.unfurl({ channel: m.channel, ts: m.ts, unfurls: { "http://127.0.0.1:9/incidents/INC-2": preview } }))).toBe("cannot_unfurl_message");
    expect(await code(client.chat.unfurl({ channel: m.channel, ts: m.ts, unfurls: { "https://example.org/x": preview } }))).toBe("cannot_unfurl_url");
    expect(await code(client.chat.unfurl({ channel: "C0NOPE", ts: m.ts, unfurls: { [url]: preview } }))).toBe("cannot_find_channel");
    expect(await code(client.chat.unfurl({ channel: m.channel, ts: m.ts, unfurls: { [url]: { blocks: [{ type: "nope" }] } } as never }))).toBe("invalid_blocks");
    expect(await code(client.chat.unfurl({ unfurl_id: ev!.unfurl_id, source: "conversations_history", unfurls: { [url]: preview } } as never))).toBe("ok");
    const read = await client.conversations.history({ channel: m.channel, latest: m.ts, inclusive: true, limit: 1 });
    const att = (read.messages?.[0]?.attachments ?? []) as Array<{ is_app_unfurl?: boolean; original_url?: string; blocks?: unknown[] }>;
    expect(att).toEqual([expect.objectContaining({ is_app_unfurl: true, original_url: url, blocks: preview.blocks })]);
    // The app's own links are not sent back to it.
    const before = shared.length;
    await client.chat.postMessage({ channel: "#sre", text: url });
    await slack.events.idle();
    expect(shared.length).toBe(before);
    expect(workspace.message(m.channel, m.ts)?.unfurls?.[url]).toBeDefined();
  });
});

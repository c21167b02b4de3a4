import { ErrorCode, WebClient, type MessageMetadata } from "@slack/web-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type RunningSandbox } from "../../../src/sandbox/server.ts";
import { BOT_TOKEN, quietLogger, SIGNING_SECRET } from "./harness.ts";
import { itemAt } from "../../../src/domain/indexed.ts";

let sandbox: RunningSandbox;
let client: WebClient;

async function slackError(p: Promise<unknown>): Promise<{ error: string; data: Record<string, any> }> {
  try {
    await p;
  } catch (e) {
    const err = e as { code?: string; data?: Record<string, any> };
    expect(err.code).toBe(ErrorCode.PlatformError);
    return { error: err.data!.error, data: err.data! };
  }
  throw new Error("expected a Slack error");
}

beforeAll(async () => {
  // No bot listening: these tests only exercise the Web API (events go nowhere, quietly).
  sandbox = await startSandbox({ port: 0, signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN, eventsUrl: "http://127.0.0.1:9/slack/events" });
  client = new WebClient(BOT_TOKEN, { logger: quietLogger, slackApiUrl: `${sandbox.url}/api/` });
});

afterAll(async () => {
  await sandbox.close();
});

describe("Slack Web API emulator with the real WebClient", () => {
  it("auth.test identifies the bot; a missing or wrong token is refused", async () => {
    const r = await client.auth.test();
    expect(r).toMatchObject({ ok: true, user_id: sandbox.workspace.botUserId, bot_id: sandbox.workspace.botId, team_id: sandbox.workspace.team.id });
    const noToken = new WebClient(undefined, { logger: quietLogger, slackApiUrl: `${sandbox.url}/api/`, retryConfig: { retries: 0 } });
    expect((await slackError(noToken.auth.test())).error).toBe("not_authed");
    const wrong = new WebClient("xoxb-wrong", { logger: quietLogger, slackApiUrl: `${sandbox.url}/api/`, retryConfig: { retries: 0 } });
    expect((await slackError(wrong.auth.test())).error).toBe("invalid_auth");
  });

  it("accepts the token as a form field, and ignores it inside a JSON body (as Slack does)", async () => {
    const form = await fetch(`${sandbox.url}/api/auth.test`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `token=${BOT_TOKEN}` });
    expect(await form.json()).toMatchObject({ ok: true });
    const json = await fetch(`${sandbox.url}/api/auth.test`, { method: "POST", headers: { "content-type": "application/json; charset=utf-8" }, body: JSON.stringify({ token: BOT_TOKEN }) });
    expect(await json.json()).toMatchObject({ ok: false, error: "not_authed" });
    const bearerJson = await fetch(`${sandbox.url}/api/chat.postMessage`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${BOT_TOKEN}` },
      body: JSON.stringify({ channel: "#sre", text: "json body" }),
    });
    const body = (await bearerJson.json()) as Record<string, any>;
    expect(body).toMatchObject({ ok: true, warning: "missing_charset", response_metadata: { warnings: ["missing_charset"] } });
  });

  it("unknown methods answer unknown_method, even without a token", async () => {
    expect((await slackError(client.apiCall("nope.nothing"))).error).toBe("unknown_method");
    const bare = await fetch(`${sandbox.url}/api/nope.nothing`, { method: "POST" });
    expect(await bare.json()).toEqual({ ok: false, error: "unknown_method", req_method: "nope.nothing" });
    const known = await fetch(`${sandbox.url}/api/chat.postMessage`, { method: "POST" });
    expect(await known.json()).toEqual({ ok: false, error: "not_authed" });
  });

  it("posts, threads, updates, deletes and links messages", async () => {
    const root = await client.chat.postMessage({ channel: "#incidents", text: "root", blocks: [{ type: "section", text: { type: "mrkdwn", text: "*root*" } }] });
    expect(root).toMatchObject({ ok: true, channel: sandbox.workspace.channel("incidents")!.id });
    expect(root.message).toMatchObject({ type: "message", text: "root", user: sandbox.workspace.botUserId, bot_id: sandbox.workspace.botId });
    expect((root.message!.blocks![0] as { block_id?: string }).block_id).toBeTruthy();
    const channel = root.channel!;
    const reply = await client.chat.postMessage({ channel, thread_ts: root.ts!, text: "reply" });
    // A reply's ts as thread_ts lands in the same thread.
    const reply2 = await client.chat.postMessage({ channel, thread_ts: reply.ts!, text: "reply 2" });
    expect(reply2.message).toMatchObject({ thread_ts: root.ts });

    const replies = await client.conversations.replies({ channel, ts: root.ts! });
    expect(replies.messages!.map((m) => m.text)).toEqual(["root", "reply", "reply 2"]);
    expect(replies.messages![0]).toMatchObject({ reply_count: 2, thread_ts: root.ts });

    const updated = await client.chat.update({ channel, ts: root.ts!, text: "root v2" });
    expect(updated).toMatchObject({ ok: true, ts: root.ts, text: "root v2" });
    const history = await client.conversations.history({ channel, limit: 1 });
    expect(history.messages![0]).toMatchObject({ ts: root.ts, text: "root v2", edited: { user: sandbox.workspace.botUserId } });

    const link = await client.chat.getPermalink({ channel, message_ts: reply.ts! });
    expect(link.permalink).toBe(`${sandbox.url}/archives/${channel}/p${reply.ts!.replace(".", "")}?thread_ts=${root.ts}&cid=${channel}`);

    await client.chat.delete({ channel, ts: reply2.ts! });
    expect((await client.conversations.replies({ channel, ts: root.ts! })).messages).toHaveLength(2);
    expect((await slackError(client.chat.delete({ channel, ts: reply2.ts! }))).error).toBe("message_not_found");
  });

  it("stores message metadata and returns it from history and replies only with include_all_metadata", async () => {
    const metadata = { event_type: "aisre_incident_opened", event_payload: { incident_id: "INC-1", severity: "sev2", services: ["checkout"] } };
    // A list of strings is a payload value Slack accepts; the SDK's type only lists objects.
    const root = await client.chat.postMessage({ channel: "#incidents", text: "with metadata", metadata: metadata as unknown as MessageMetadata });
    const channel = root.channel!;
    await client.chat.postMessage({ channel, thread_ts: root.ts!, text: "reply", metadata: { event_type: "aisre_incident_updated", event_payload: { incident_id: "INC-1" } } });
    const plain = await client.conversations.history({ channel, limit: 1 });
    expect(itemAt(plain.messages!, 0).text).toBe("with metadata");
    expect(itemAt(plain.messages!, 0).metadata).toBeUndefined();
    const full = await client.conversations.history({ channel, limit: 1, include_all_metadata: true });
    expect(itemAt(full.messages!, 0).metadata).toEqual(metadata);
    const replies = await client.conversations.replies({ channel, ts: root.ts!, include_all_metadata: true });
    expect(replies.messages!.map((m) => m.metadata?.event_type)).toEqual(["aisre_incident_opened", "aisre_incident_updated"]);
    expect((await client.conversations.replies({ channel, ts: root.ts! })).messages!.every((m) => m.metadata === undefined)).toBe(true);
    // chat.update without metadata leaves it; with metadata replaces it.
    await client.chat.update({ channel, ts: root.ts!, text: "edited" });
    expect(itemAt((await client.conversations.history({ channel, limit: 1, include_all_metadata: true })).messages!, 0).metadata).toEqual(metadata);
    const resolved = { event_type: "aisre_incident_resolved", event_payload: { incident_id: "INC-1" } };
    await client.chat.update({ channel, ts: root.ts!, text: "resolved", metadata: resolved });
    expect(itemAt((await client.conversations.history({ channel, limit: 1, include_all_metadata: true })).messages!, 0).metadata).toEqual(resolved);
  });

  it("sends ephemeral messages only to a member, and they stay out of history", async () => {
    const r = await client.chat.postEphemeral({ channel: "#sre", user: "U_BOB", text: "psst" });
    expect(r.message_ts).toMatch(/^\d+\.\d{6}$/);
    const history = await client.conversations.history({ channel: sandbox.workspace.channel("sre")!.id });
    expect(history.messages!.some((m) => m.text === "psst")).toBe(false);
    const ch = sandbox.workspace.createChannel({ name: "eph-test", creator: sandbox.workspace.botUserId });
    expect((await slackError(client.chat.postEphemeral({ channel: ch.id, user: "U_BOB", text: "x" }))).error).toBe("user_not_in_channel");
  });

  it("creates, lists, joins, invites, sets topics", async () => {
    const created = await client.conversations.create({ name: "inc-42-checkout" });
    const id = created.channel!.id!;
    expect(created.channel).toMatchObject({ name: "inc-42-checkout", is_member: true, is_channel: true });
    expect((await slackError(client.conversations.create({ name: "inc-42-checkout" }))).error).toBe("name_taken");
    expect((await slackError(client.conversations.create({ name: "Bad Name" }))).error).toBe("invalid_name_specials");

    const join = await client.conversations.join({ channel: id });
    expect(join).toMatchObject({ ok: true, warning: "already_in_channel" });

    await client.conversations.invite({ channel: id, users: "U_ALICE,U_CAROL" });
    expect((await slackError(client.conversations.invite({ channel: id, users: "U_ALICE" }))).error).toBe("already_in_channel");
    const info = await client.conversations.info({ channel: id, include_num_members: true });
    expect(info.channel).toMatchObject({ num_members: 3 });

    await client.conversations.setTopic({ channel: id, topic: "SEV2: checkout errors" });
    expect((await client.conversations.info({ channel: id })).channel!.topic!.value).toBe("SEV2: checkout errors");

    const all: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.conversations.list({ limit: 2, cursor, types: "public_channel,private_channel" });
      all.push(...page.channels!.map((c) => c.name!));
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor);
    expect(all).toEqual(expect.arrayContaining(["incidents", "sre", "inc-42-checkout"]));
    expect((await slackError(client.conversations.info({ channel: "C0NOPE" }))).error).toBe("channel_not_found");
  });

  it("knows the people and the sre-approvers group", async () => {
    const alice = await client.users.info({ user: "U_ALICE" });
    expect(alice.user).toMatchObject({ id: "U_ALICE", name: "alice", is_bot: false, profile: { email: "alice@example.com" } });
    const list = await client.users.list({});
    expect(list.members!.map((m) => m.id)).toEqual(expect.arrayContaining(["U_ALICE", "U_BOB", "U_CAROL", sandbox.workspace.botUserId]));
    expect((await slackError(client.users.info({ user: "U_NOBODY" }))).error).toBe("user_not_found");
    const groups = await client.usergroups.list({ include_users: true });
    const approvers = groups.usergroups!.find((g) => g.handle === "sre-approvers")!;
    expect(approvers.users).toEqual(["U_ALICE", "U_CAROL"]);
    const members = await client.usergroups.users.list({ usergroup: approvers.id! });
    expect(members.users).toEqual(["U_ALICE", "U_CAROL"]);
    expect(members.users).not.toContain("U_BOB");
    expect((await client.users.lookupByEmail({ email: "bob@example.com" })).user!.id).toBe("U_BOB");
  });

  it("adds reactions, pins and bookmarks", async () => {
    const m = await client.chat.postMessage({ channel: "#sre", text: "pin me" });
    await client.reactions.add({ channel: m.channel!, timestamp: m.ts!, name: "eyes" });
    expect((await slackError(client.reactions.add({ channel: m.channel!, timestamp: m.ts!, name: "eyes" }))).error).toBe("already_reacted");
    await client.pins.add({ channel: m.channel!, timestamp: m.ts! });
    expect((await slackError(client.pins.add({ channel: m.channel!, timestamp: m.ts! }))).error).toBe("already_pinned");
    const h = await client.conversations.history({ channel: m.channel!, limit: 1 });
    expect(h.messages![0]).toMatchObject({ reactions: [{ name: "eyes", count: 1 }], pinned_to: [m.channel] });
    const b = await client.bookmarks.add({ channel_id: m.channel!, title: "Jira OPS-1", type: "link", link: "https://jira.example.com/browse/OPS-1" });
    expect(b.bookmark).toMatchObject({ title: "Jira OPS-1", type: "link", channel_id: m.channel });
    expect((await slackError(client.bookmarks.add({ channel_id: m.channel!, title: "x", type: "folder" as "link", link: "https://x" }))).error).toBe("invalid_bookmark_type");
  });

  it("uploads a chart with the external upload flow into a thread and serves the image back", async () => {
    const root = await client.chat.postMessage({ channel: "#incidents", text: "incident" });
    const png = Buffer.from("89504e470d0a1a0a0000000d4948445200000001000000010806000000", "hex");
    const r = await client.filesUploadV2({ channel_id: root.channel!, thread_ts: root.ts!, file: png, filename: "latency.png", title: "p99 latency", initial_comment: "p99 over the last hour" });
    expect(r.ok).toBe(true);
    const replies = await client.conversations.replies({ channel: root.channel!, ts: root.ts! });
    const fileMsg = replies.messages!.at(-1)!;
    expect(fileMsg.text).toBe("p99 over the last hour");
    const file = itemAt(fileMsg.files!, 0);
    expect(file).toMatchObject({ name: "latency.png", title: "p99 latency", mimetype: "image/png", size: png.length });
    const unauth = await fetch(file.url_private!);
    expect(unauth.headers.get("content-type")).toContain("text/html");
    const img = await fetch(file.url_private!, { headers: { authorization: `Bearer ${BOT_TOKEN}` } });
    expect(img.headers.get("content-type")).toBe("image/png");
    expect(Buffer.from(await img.arrayBuffer())).toEqual(png);
    const pub = await fetch(`${sandbox.url}/sandbox/files/${file.id}`);
    expect(Buffer.from(await pub.arrayBuffer())).toEqual(png);
  });

  it("a user token acts as that person", async () => {
    const token = sandbox.slack.userToken("U_ALICE");
    const alice = new WebClient(token, { logger: quietLogger, slackApiUrl: `${sandbox.url}/api/`, retryConfig: { retries: 0 } });
    const r = await alice.chat.postMessage({ channel: "#sre", text: "hello from alice" });
    expect(r.message).toMatchObject({ user: "U_ALICE" });
    expect(r.message!.bot_id).toBeUndefined();
    const bot = await client.chat.postMessage({ channel: "#sre", text: "bot" });
    expect((await slackError(alice.chat.update({ channel: bot.channel!, ts: bot.ts!, text: "hijack" }))).error).toBe("cant_update_message");
  });
});

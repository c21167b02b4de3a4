import { createHmac } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { App, HTTPReceiver, LogLevel } from "@slack/bolt";
import { afterEach, describe, expect, it } from "vitest";
import { startSandbox, type RunningSandbox } from "../../../src/sandbox/server.ts";
import { signedHeaders } from "../../../src/sandbox/slack/signing.ts";
import { BOT_TOKEN, control, lateServer, SIGNING_SECRET, sleep } from "./harness.ts";
import { itemAt } from "../../../src/domain/indexed.ts";
import { defined } from "../../support/defined.ts";

interface Received {
  headers: IncomingMessage["headers"];
  body: string;
  at: number;
  signatureOk: boolean;
}

/** The receiver's own check, written from Slack's docs (not the sandbox's code). */
function verify(headers: IncomingMessage["headers"], body: string): boolean {
  const ts = String(headers["x-slack-request-timestamp"]);
  const expected = `v0=${createHmac("sha256", SIGNING_SECRET).update(`v0:${ts}:${body}`).digest("hex")}`;
  return headers["x-slack-signature"] === expected && Math.abs(Date.now() / 1000 - Number(ts)) < 300;
}

/** A tiny app endpoint that records every request and answers as `answer` says. */
async function tinyReceiver(answer: (r: Received, n: number) => Promise<{ status: number; headers?: Record<string, string>; body?: string }> | { status: number; headers?: Record<string, string>; body?: string }) {
  const srv = await lateServer();
  const received: Received[] = [];
  srv.setListener((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const r: Received = { headers: req.headers, body, at: Date.now(), signatureOk: verify(req.headers, body) };
      received.push(r);
      const a = await answer(r, received.length);
      if (res.destroyed) return;
      res.writeHead(a.status, a.headers ?? {});
      res.end(a.body ?? "");
    });
  });
  return { ...srv, received };
}

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function sandboxFor(eventsUrl: string, timeFactor = 1000): Promise<RunningSandbox> {
  const s = await startSandbox({ port: 0, signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN, eventsUrl, timeFactor, watch: { settleMs: 100, maxMs: 300 } });
  cleanup.push(() => s.close());
  return s;
}

const events = (received: Received[]) => received.filter((r) => r.headers["content-type"] === "application/json").map((r) => ({ ...r, json: JSON.parse(r.body) }));

describe("signed delivery to the app", () => {
  it("signs events, slash commands and interactions with v0 HMAC-SHA256", async () => {
    const rx = await tinyReceiver(() => ({ status: 200 }));
    cleanup.push(rx.close);
    const sandbox = await sandboxFor(`${rx.url}/slack/events`);
    await control(sandbox, "/sandbox/users/U_ALICE/messages", { channel: "#incidents", text: `hey <@${sandbox.workspace.botUserId}> is checkout ok?` });
    await control(sandbox, "/sandbox/users/U_BOB/commands", { channel: "#sre", command: "/aisre", text: "help" });
    const card = sandbox.workspace.post({
      channel: sandbox.workspace.channel("sre")!.id,
      user: sandbox.workspace.botUserId,
      text: "card",
      blocks: [{ type: "actions", block_id: "b1", elements: [{ type: "button", action_id: "ack", text: { type: "plain_text", text: "Ack" }, value: "v" }] }],
    });
    await control(sandbox, "/sandbox/users/U_BOB/clicks", { channel: "#sre", ts: card.ts, action_id: "ack" });
    expect(rx.received.length).toBeGreaterThanOrEqual(4);
    expect(rx.received.every((r) => r.signatureOk)).toBe(true);

    const evs = events(rx.received);
    const message = evs.find((e) => e.json.event.type === "message")!.json;
    const mention = evs.find((e) => e.json.event.type === "app_mention")!.json;
    expect(message).toMatchObject({ type: "event_callback", team_id: sandbox.workspace.team.id, api_app_id: sandbox.workspace.appId, authorizations: [{ user_id: sandbox.workspace.botUserId, is_bot: true }] });
    expect(message.event_id).toMatch(/^Ev[A-Z0-9]+$/);
    expect(typeof message.event_time).toBe("number");
    expect(message.event).toMatchObject({ type: "message", user: "U_ALICE", channel_type: "channel", channel: sandbox.workspace.channel("incidents")!.id });
    expect(mention.event).toMatchObject({ type: "app_mention", user: "U_ALICE", text: `hey <@${sandbox.workspace.botUserId}> is checkout ok?` });
    expect(mention.event_id).not.toBe(message.event_id);

    const forms = rx.received.filter((r) => r.headers["content-type"] === "application/x-www-form-urlencoded");
    const click = JSON.parse(new URLSearchParams(itemAt(forms, 1).body).get("payload")!);
    expect(click).toMatchObject({ type: "block_actions", user: { id: "U_BOB" }, container: { type: "message", message_ts: card.ts, is_ephemeral: false }, actions: [{ action_id: "ack", block_id: "b1", value: "v", type: "button" }] });
    const cmd = itemAt(forms, 0);
    const fields = Object.fromEntries(new URLSearchParams(cmd.body));
    expect(fields).toMatchObject({ command: "/aisre", text: "help", user_id: "U_BOB", user_name: "bob", channel_name: "sre", team_id: sandbox.workspace.team.id });
    expect(fields.response_url).toMatch(/\/hooks\/commands\//);
    expect(fields.trigger_id).toMatch(/^\d+\.\d+\.[0-9a-f]+$/);
  });

  it("thread replies carry thread_ts and parent_user_id", async () => {
    const rx = await tinyReceiver(() => ({ status: 200 }));
    cleanup.push(rx.close);
    const sandbox = await sandboxFor(`${rx.url}/slack/events`);
    const root = await control(sandbox, "/sandbox/users/U_CAROL/messages", { channel: "#incidents", text: "checkout is down" });
    await control(sandbox, "/sandbox/users/U_ALICE/messages", { channel: "#incidents", text: "@aisre what changed?", thread_ts: root.json.message.ts });
    const mention = events(rx.received).find((e) => e.json.event.type === "app_mention")!.json.event;
    expect(mention).toMatchObject({ thread_ts: root.json.message.ts, parent_user_id: "U_CAROL", text: `<@${sandbox.workspace.botUserId}> what changed?` });
  });

  it("a real Bolt HTTPReceiver refuses a tampered body and a stale timestamp, and accepts the real thing", async () => {
    const srv = await lateServer();
    cleanup.push(srv.close);
    const receiver = new HTTPReceiver({ signingSecret: SIGNING_SECRET, logLevel: LogLevel.ERROR });
    const app = new App({ token: BOT_TOKEN, receiver, logLevel: LogLevel.ERROR, tokenVerificationEnabled: false, botId: "B0AISREBOT", botUserId: "U0AISREBOT" });
    void app;
    srv.setListener(receiver.requestListener);
    const body = JSON.stringify({ type: "url_verification", challenge: "abc", token: "t" });
    const send = (headers: Record<string, string>, b = body) => fetch(`${srv.url}/slack/events`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: b });
    expect((await send(signedHeaders(SIGNING_SECRET, body))).status).toBe(200);
    expect((await send(signedHeaders(SIGNING_SECRET, body), body.replace("abc", "abd"))).status).toBe(401);
    expect((await send(signedHeaders(SIGNING_SECRET, body, Math.floor(Date.now() / 1000) - 6 * 60))).status).toBe(401);
    expect((await send(signedHeaders("ffffffffffffffffffffffffffffffff", body))).status).toBe(401);

    const sandbox = await sandboxFor(`${srv.url}/slack/events`);
    expect(await sandbox.verifyEventsUrl()).toBe(true);
  });
});

describe("Events API retries", () => {
  it("an ack slower than 3 s fails and is retried with x-slack-retry-num / http_timeout", async () => {
    const rx = await tinyReceiver(async (_r, n) => {
      if (n === 1) await sleep(3300);
      return { status: 200 };
    });
    cleanup.push(rx.close);
    const sandbox = await sandboxFor(`${rx.url}/slack/events`);
    sandbox.workspace.post({ channel: sandbox.workspace.channel("sre")!.id, user: "U_BOB", text: "slow one" });
    await sandbox.slack.events.idle();
    expect(rx.received).toHaveLength(2);
    const [first, retry] = events(rx.received);
    defined(retry, "retry");
    defined(first, "first");
    expect(first.headers["x-slack-retry-num"]).toBeUndefined();
    expect(retry.headers["x-slack-retry-num"]).toBe("1");
    expect(retry.headers["x-slack-retry-reason"]).toBe("http_timeout");
    expect(retry.json.event_id).toBe(first.json.event_id);
    expect(retry.at - first.at).toBeGreaterThanOrEqual(2900);
    expect(retry.signatureOk).toBe(true);
  }, 20_000);

  it("an error answer is retried 3 times at Slack's intervals scaled by the time factor", async () => {
    const rx = await tinyReceiver(() => ({ status: 500 }));
    cleanup.push(rx.close);
    const sandbox = await sandboxFor(`${rx.url}/slack/events`, 200);
    sandbox.workspace.post({ channel: sandbox.workspace.channel("sre")!.id, user: "U_BOB", text: "fails" });
    await sandbox.slack.events.idle();
    const got = events(rx.received);
    expect(got.map((g) => g.headers["x-slack-retry-num"] ?? "0")).toEqual(["0", "1", "2", "3"]);
    expect(got.slice(1).every((g) => g.headers["x-slack-retry-reason"] === "http_error")).toBe(true);
    expect(new Set(got.map((g) => g.json.event_id)).size).toBe(1);
    // Slack: at once, after 1 minute, after 5 minutes → 0 ms, 300 ms, 1500 ms at 200x.
    expect(itemAt(got, 2).at - itemAt(got, 1).at).toBeGreaterThanOrEqual(280);
    expect(itemAt(got, 3).at - itemAt(got, 2).at).toBeGreaterThanOrEqual(1450);
    const log = sandbox.slack.core.delivery.log.filter((l) => l.kind === "event");
    expect(log.map((l) => l.reason)).toEqual(["http_error", "http_error", "http_error", "http_error"]);
  }, 20_000);

  it("X-Slack-No-Retry: 1 stops the retries", async () => {
    const rx = await tinyReceiver(() => ({ status: 500, headers: { "x-slack-no-retry": "1" } }));
    cleanup.push(rx.close);
    const sandbox = await sandboxFor(`${rx.url}/slack/events`);
    sandbox.workspace.post({ channel: sandbox.workspace.channel("sre")!.id, user: "U_BOB", text: "no retry" });
    await sandbox.slack.events.idle();
    expect(rx.received).toHaveLength(1);
  });

  it("a slash command acked too late shows operation_timeout to the user", async () => {
    const rx = await tinyReceiver(async () => {
      await sleep(3300);
      return { status: 200 };
    });
    cleanup.push(rx.close);
    const sandbox = await sandboxFor(`${rx.url}/slack/events`);
    const r = await control(sandbox, "/sandbox/users/U_ALICE/commands", { channel: "#sre", command: "/aisre", text: "status" });
    expect(r.json).toMatchObject({ ok: false, error: "http_timeout" });
    expect(r.json.messages).toEqual([expect.objectContaining({ user: "USLACKBOT", is_ephemeral: true, text: '/aisre failed with the error "operation_timeout"' })]);
  }, 20_000);
});

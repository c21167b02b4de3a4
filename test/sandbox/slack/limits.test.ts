import { ErrorCode, WebClient, WebClientEvent } from "@slack/web-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type RunningSandbox } from "../../../src/sandbox/server.ts";
import { BOT_TOKEN, quietLogger, SIGNING_SECRET } from "./harness.ts";

let sandbox: RunningSandbox;
let client: WebClient;
let n = 0;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN, eventsUrl: "http://127.0.0.1:9/slack/events" });
  client = new WebClient(BOT_TOKEN, { logger: quietLogger, slackApiUrl: `${sandbox.url}/api/`, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
});

afterAll(async () => {
  await sandbox.close();
});

/** A fresh channel per case: chat.postMessage is rate-limited per channel. */
async function channel(): Promise<string> {
  const r = await client.conversations.create({ name: `limits-${++n}` });
  return r.channel!.id!;
}

async function post(blocks: unknown[], text = "fallback"): Promise<{ ok: boolean; error?: string; errors?: string[]; messages?: string[] }> {
  try {
    await client.chat.postMessage({ channel: await channel(), text, blocks: blocks as never });
    return { ok: true };
  } catch (e) {
    const err = e as { code?: string; data?: Record<string, any> };
    if (err.code !== ErrorCode.PlatformError) throw e;
    return { ok: false, error: err.data!.error, errors: err.data!.errors, messages: err.data!.response_metadata?.messages };
  }
}

const x = (len: number) => "x".repeat(len);
const section = (len: number) => ({ type: "section", text: { type: "mrkdwn", text: x(len) } });
const button = (over: Record<string, unknown> = {}) => ({ type: "button", text: { type: "plain_text", text: "Go" }, action_id: "go", ...over });

/** Each limit: accepted at the limit, refused one past it, with Slack's error and detail. */
const cases: Array<{ name: string; at: () => unknown[]; past: () => unknown[]; detail: string }> = [
  { name: "50 blocks per message", at: () => Array.from({ length: 50 }, () => ({ type: "divider" })), past: () => Array.from({ length: 51 }, () => ({ type: "divider" })), detail: "no more than 50 items allowed [json-pointer:/blocks]" },
  { name: "section text 3,000", at: () => [section(3000)], past: () => [section(3001)], detail: "must be less than 3001 characters [json-pointer:/blocks/0/text/text]" },
  { name: "header 150", at: () => [{ type: "header", text: { type: "plain_text", text: x(150) } }], past: () => [{ type: "header", text: { type: "plain_text", text: x(151) } }], detail: "must be less than 151 characters [json-pointer:/blocks/0/text/text]" },
  {
    name: "button text 75",
    at: () => [{ type: "actions", elements: [button({ text: { type: "plain_text", text: x(75) } })] }],
    past: () => [{ type: "actions", elements: [button({ text: { type: "plain_text", text: x(76) } })] }],
    detail: "must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]",
  },
  { name: "action_id 255", at: () => [{ type: "actions", elements: [button({ action_id: x(255) })] }], past: () => [{ type: "actions", elements: [button({ action_id: x(256) })] }], detail: "must be less than 256 characters [json-pointer:/blocks/0/elements/0/action_id]" },
  { name: "block_id 255", at: () => [{ type: "divider", block_id: x(255) }], past: () => [{ type: "divider", block_id: x(256) }], detail: "must be less than 256 characters [json-pointer:/blocks/0/block_id]" },
  { name: "button value 2,000", at: () => [{ type: "actions", elements: [button({ value: x(2000) })] }], past: () => [{ type: "actions", elements: [button({ value: x(2001) })] }], detail: "must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]" },
  {
    name: "25 elements per actions block",
    at: () => [{ type: "actions", elements: Array.from({ length: 25 }, (_, i) => button({ action_id: `a${i}` })) }],
    past: () => [{ type: "actions", elements: Array.from({ length: 26 }, (_, i) => button({ action_id: `a${i}` })) }],
    detail: "no more than 25 items allowed [json-pointer:/blocks/0/elements]",
  },
  {
    name: "10 elements per context block",
    at: () => [{ type: "context", elements: Array.from({ length: 10 }, () => ({ type: "mrkdwn", text: "c" })) }],
    past: () => [{ type: "context", elements: Array.from({ length: 11 }, () => ({ type: "mrkdwn", text: "c" })) }],
    detail: "no more than 10 items allowed [json-pointer:/blocks/0/elements]",
  },
];

describe("Block Kit limits at Slack's boundaries", () => {
  for (const c of cases) {
    it(`${c.name}: accepted at the limit, invalid_blocks one past it`, async () => {
      expect(await post(c.at())).toEqual({ ok: true });
      const r = await post(c.past());
      expect(r.ok).toBe(false);
      expect(r.error).toBe("invalid_blocks");
      expect(r.errors).toContain(c.detail);
      expect(r.messages).toContain(`[ERROR] ${c.detail}`);
    });
  }

  it("reports unknown block types and properties (e.g. camelCase fields)", async () => {
    const r = await post([{ type: "image", imageUrl: "https://example.com/a.png", alt_text: "a" }]);
    expect(r.error).toBe("invalid_blocks");
    expect(r.errors).toContain("unsupported property: imageUrl [json-pointer:/blocks/0/imageUrl]");
    expect((await post([{ type: "sparkle" }])).error).toBe("invalid_blocks");
  });

  it("modals hold 100 blocks; 101 is invalid_arguments with the pointer", async () => {
    const blocks = (k: number) => Array.from({ length: k }, () => ({ type: "divider" }));
    const view = (k: number) => ({ type: "modal", title: { type: "plain_text", text: "Limits" }, blocks: blocks(k) });
    const trigger = () => sandbox.slack.core.triggers.issue({ user: "U_ALICE" });
    expect((await client.views.open({ trigger_id: trigger(), view: view(100) as never })).ok).toBe(true);
    const err = await client.views.open({ trigger_id: trigger(), view: view(101) as never }).catch((e) => e.data);
    expect(err).toMatchObject({ ok: false, error: "invalid_arguments" });
    expect(err.response_metadata.messages).toContain("[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]");
    const longTitle = await client.views.open({ trigger_id: trigger(), view: { ...view(1), title: { type: "plain_text", text: x(25) } } as never }).catch((e) => e.data);
    expect(longTitle.response_metadata.messages).toContain("[ERROR] must be less than 25 characters [json-pointer:/view/title/text]");
  });

  it("the Home tab holds 100 blocks", async () => {
    const home = (k: number) => ({ type: "home", blocks: Array.from({ length: k }, () => ({ type: "divider" })) });
    expect((await client.views.publish({ user_id: "U_ALICE", view: home(100) as never })).ok).toBe(true);
    expect((await client.views.publish({ user_id: "U_ALICE", view: home(101) as never }).catch((e) => e.data)).error).toBe("invalid_arguments");
  });
});

describe("message errors", () => {
  const err = (p: Promise<unknown>) => p.then(() => "ok").catch((e) => (e as { data: { error: string } }).data.error);

  it("msg_too_long past 40,000 characters", async () => {
    expect(await err(client.chat.postMessage({ channel: await channel(), text: x(40000) }))).toBe("ok");
    expect(await err(client.chat.postMessage({ channel: await channel(), text: x(40001) }))).toBe("msg_too_long");
  });

  it("no_text, channel_not_found, not_in_channel, thread_not_found", async () => {
    expect(await err(client.chat.postMessage({ channel: await channel(), text: "" }))).toBe("no_text");
    expect(await err(client.chat.postMessage({ channel: "C0MISSING", text: "hi" }))).toBe("channel_not_found");
    expect(await err(client.chat.postMessage({ channel: "#nowhere", text: "hi" }))).toBe("channel_not_found");
    const notMine = sandbox.workspace.createChannel({ name: "people-only", creator: "U_CAROL", members: ["U_ALICE"] });
    expect(await err(client.chat.postMessage({ channel: notMine.id, text: "hi" }))).toBe("not_in_channel");
    expect(await err(client.conversations.history({ channel: notMine.id }))).toBe("not_in_channel");
    expect(await err(client.chat.postMessage({ channel: await channel(), text: "hi", thread_ts: "1234567890.123456" }))).toBe("thread_not_found");
    expect(await err(client.conversations.replies({ channel: await channel(), ts: "1234567890.123456" }))).toBe("thread_not_found");
  });

  it("message_not_found and cant_update_message", async () => {
    const ch = await channel();
    expect(await err(client.chat.update({ channel: ch, ts: "1234567890.123456", text: "x" }))).toBe("message_not_found");
    const alice = new WebClient(sandbox.slack.userToken("U_CAROL"), { logger: quietLogger, slackApiUrl: `${sandbox.url}/api/`, retryConfig: { retries: 0 } });
    const hers = await alice.chat.postMessage({ channel: "#sre", text: "mine" });
    expect(await err(client.chat.update({ channel: hers.channel!, ts: hers.ts!, text: "not yours" }))).toBe("cant_update_message");
  });
});

describe("chat.postMessage rate limit", () => {
  it("answers HTTP 429 with Retry-After and ratelimited past a small burst", async () => {
    const ch = await channel();
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 6; i++) {
      last = await fetch(`${sandbox.url}/api/chat.postMessage`, {
        method: "POST",
        headers: { authorization: `Bearer ${BOT_TOKEN}`, "content-type": "application/json; charset=utf-8" },
        body: JSON.stringify({ channel: ch, text: `m${i}` }),
      });
      statuses.push(last.status);
      if (last.status === 429) break;
    }
    expect(statuses.slice(0, 4)).toEqual([200, 200, 200, 200]);
    expect(last!.status).toBe(429);
    expect(last!.headers.get("retry-after")).toBe("1");
    expect(await last!.json()).toEqual({ ok: false, error: "ratelimited" });
    // Another channel is not affected.
    const other = await client.chat.postMessage({ channel: await channel(), text: "elsewhere" });
    expect(other.ok).toBe(true);
  });

  it("the real WebClient waits Retry-After and succeeds", async () => {
    const ch = await channel();
    const patient = new WebClient(BOT_TOKEN, { logger: quietLogger, slackApiUrl: `${sandbox.url}/api/` });
    const limited: number[] = [];
    patient.on(WebClientEvent.RATE_LIMITED, (retryAfter: number) => limited.push(retryAfter));
    const started = Date.now();
    for (let i = 0; i < 6; i++) expect((await patient.chat.postMessage({ channel: ch, text: `m${i}` })).ok).toBe(true);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited.every((s) => s >= 1)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect((await patient.conversations.history({ channel: ch })).messages).toHaveLength(6);
  });
});

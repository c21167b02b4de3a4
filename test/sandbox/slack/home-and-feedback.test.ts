import type { App, BlockAction, FeedbackButtonsAction } from "@slack/bolt";
import { WebClient } from "@slack/web-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BOT_TOKEN, control, quietLogger, startPair, type Pair } from "./harness.ts";

/**
 * The Home tab (app_home_opened → views.publish, and the control API's `/home`) and Slack's AI
 * feedback controls (feedback_buttons in a context_actions block): validated, drawn and clicked as
 * Slack does, through a real Bolt app and WebClient.
 */

const feedbackRow = (over: Record<string, unknown> = {}) => ({
  type: "context_actions",
  elements: [
    {
      type: "feedback_buttons",
      action_id: "rate",
      positive_button: { text: { type: "plain_text", text: "👍" }, value: "good", accessibility_label: "Helpful" },
      negative_button: { text: { type: "plain_text", text: "👎" }, value: "bad" },
      ...over,
    },
  ],
});

const seen = { opened: [] as Array<Record<string, any>>, clicks: [] as Array<BlockAction<FeedbackButtonsAction>> };
let pair: Pair;
let client: WebClient;

function setup(app: App): void {
  app.event("app_home_opened", async ({ event, client }) => {
    seen.opened.push(event as never);
    const n = seen.opened.filter((e) => e.user === event.user).length;
    await client.views.publish({ user_id: event.user, view: { type: "home", blocks: [{ type: "section", text: { type: "mrkdwn", text: `Hello <@${event.user}>, visit ${n}` } }] } });
  });
  app.action("rate", async ({ ack, body }) => {
    await ack();
    seen.clicks.push(body as never);
  });
}

beforeAll(async () => {
  pair = await startPair(setup, { watch: { settleMs: 300, maxMs: 1500 } });
  // Retries only for the rate limit (several posts to one channel), which the WebClient waits out.
  client = new WebClient(BOT_TOKEN, { slackApiUrl: `${pair.sandbox.url}/api/`, logger: quietLogger as never, retryConfig: { retries: 3, factor: 1, minTimeout: 100, maxTimeout: 200 } });
});
afterAll(async () => {
  await pair?.close();
});

describe("feedback_buttons in a context_actions block", () => {
  it("is accepted, stored with generated ids, and refused where Slack refuses it", async () => {
    const ok = await client.chat.postMessage({ channel: "#incidents", text: "answer", blocks: [{ type: "section", text: { type: "mrkdwn", text: "It was the deploy." } }, feedbackRow({ action_id: undefined }) as never] });
    expect(ok.ok).toBe(true);
    const stored = (ok.message?.blocks ?? [])[1] as { block_id?: string; elements: Array<{ action_id?: string }> };
    expect(stored.block_id).toBeTruthy();
    expect(stored.elements[0]?.action_id).toBeTruthy();

    const refused = async (block: unknown) => {
      try {
        await client.chat.postEphemeral({ channel: "#incidents", user: "U_ALICE", text: "x", blocks: [block as never] });
        return [];
      } catch (e) {
        return ((e as { data?: { errors?: string[] } }).data?.errors ?? ["?"]) as string[];
      }
    };
    expect(await refused(feedbackRow({ negative_button: undefined }))).toContain("missing required field: negative_button [json-pointer:/blocks/0/elements/0]");
    expect(await refused(feedbackRow({ positive_button: { text: { type: "mrkdwn", text: "up" }, value: "v" } }))).toContain('must be "plain_text" [json-pointer:/blocks/0/elements/0/positive_button/text/type]');
    expect(await refused(feedbackRow({ positive_button: { text: { type: "plain_text", text: "x".repeat(76) }, value: "v" } }))).toContain("must be less than 76 characters [json-pointer:/blocks/0/elements/0/positive_button/text/text]");
    expect(await refused(feedbackRow({ positive_button: { text: { type: "plain_text", text: "up" }, value: "v".repeat(2001) } }))).toContain("must be less than 2001 characters [json-pointer:/blocks/0/elements/0/positive_button/value]");
    expect(await refused({ type: "context_actions", elements: [{ type: "button", action_id: "b", text: { type: "plain_text", text: "b" } }] })).toContain('must be one of "feedback_buttons", "icon_button" [json-pointer:/blocks/0/elements/0/type]');
    const six = { type: "context_actions", elements: Array.from({ length: 6 }, (_, i) => ({ type: "icon_button", icon: "trash", action_id: `i${i}`, text: { type: "plain_text", text: "Delete" } })) };
    expect(await refused(six)).toContain("no more than 5 items allowed [json-pointer:/blocks/0/elements]");
    expect(await refused({ type: "context_actions", elements: [] })).toContain("must provide at least 1 item [json-pointer:/blocks/0/elements]");
  });

  it("a click sends block_actions with the clicked side's text and value, as Bolt types it", async () => {
    const posted = await client.chat.postMessage({ channel: "#incidents", text: "answer", blocks: [{ type: "section", text: { type: "mrkdwn", text: "It was the deploy." } }, { ...feedbackRow(), block_id: "fb1" } as never] });
    const ts = posted.ts!;
    const r = await control(pair.sandbox, "/sandbox/users/U_ALICE/clicks", { channel: "#incidents", ts, action_id: "rate", value: "bad" });
    expect(r.status).toBe(200);
    await control(pair.sandbox, "/sandbox/users/U_BOB/clicks", { channel: "#incidents", ts, action_id: "rate", value: "positive" });
    const [alice, bob] = seen.clicks.slice(-2);
    expect(alice?.actions[0]).toMatchObject({ type: "feedback_buttons", action_id: "rate", block_id: "fb1", value: "bad", text: { type: "plain_text", text: "👎" } });
    expect(typeof alice?.actions[0]?.action_ts).toBe("string");
    expect(alice?.user.id).toBe("U_ALICE");
    expect(alice?.container).toMatchObject({ type: "message", message_ts: ts });
    expect(alice?.message?.ts).toBe(ts);
    expect(alice?.state).toEqual({ values: {} });
    expect(bob?.actions[0]).toMatchObject({ value: "good", text: { text: "👍" } });
    // A click must name a side.
    const bad = await control(pair.sandbox, "/sandbox/users/U_ALICE/clicks", { channel: "#incidents", ts, action_id: "rate", value: "meh" });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toBe("invalid_value");
  });
});

describe("the Home tab", () => {
  it("opening Home delivers app_home_opened and answers with the view the app published", async () => {
    const first = await control(pair.sandbox, "/sandbox/users/U_CAROL/home");
    expect(first.status).toBe(200);
    expect(first.json.view).toMatchObject({ type: "home", blocks: [{ type: "section", text: { text: "Hello <@U_CAROL>, visit 1" } }] });
    const ev = seen.opened.at(-1)!;
    expect(ev).toMatchObject({ type: "app_home_opened", user: "U_CAROL", tab: "home" });
    expect(ev.channel).toMatch(/^D[A-Z0-9]+$/);
    expect(ev.view).toBeUndefined();
    // The second time the event carries the published view, and the same home channel.
    const second = await control(pair.sandbox, "/sandbox/users/U_CAROL/home");
    expect(second.json.view.blocks[0].text.text).toBe("Hello <@U_CAROL>, visit 2");
    const ev2 = seen.opened.at(-1)!;
    expect(ev2.view).toMatchObject({ id: first.json.view.id, type: "home" });
    expect(ev2.channel).toBe(ev.channel);
    // The page reads it too.
    const ws = (await (await fetch(`${pair.sandbox.url}/sandbox/workspace?user=U_CAROL`)).json()) as { home: { id: string } };
    expect(ws.home.id).toBe(first.json.view.id);
    expect((await control(pair.sandbox, "/sandbox/users/U_NOBODY/home")).status).toBe(404);
  });

  it("views.publish answers as Slack does: invalid_arguments, user_not_found, hash_conflict", async () => {
    const err = async (args: Record<string, unknown>) =>
      client.apiCall("views.publish", args).then(
        () => "ok",
        (e: { data?: { error?: string } }) => e.data?.error,
      );
    const view = { type: "home", blocks: [{ type: "divider" }] };
    expect(await err({ user_id: "U_BOB", view })).toBe("ok");
    expect(await err({ user_id: "U_BOB", view: { ...view, type: "modal", title: { type: "plain_text", text: "x" } } })).toBe("invalid_arguments");
    expect(await err({ view })).toBe("invalid_arguments");
    expect(await err({ user_id: "U_NOBODY", view })).toBe("user_not_found");
    const current = await client.views.publish({ user_id: "U_BOB", view: view as never });
    expect(await err({ user_id: "U_BOB", view, hash: "1.stale" })).toBe("hash_conflict");
    expect(await err({ user_id: "U_BOB", view, hash: current.view?.hash })).toBe("ok");
  });

  it("views.publish answers not_enabled when the app has no Home tab", async () => {
    const other = await startPair(() => {}, { homeTabEnabled: false });
    try {
      const c = new WebClient(BOT_TOKEN, { slackApiUrl: `${other.sandbox.url}/api/`, logger: quietLogger as never, retryConfig: { retries: 0 } });
      await expect(c.views.publish({ user_id: "U_ALICE", view: { type: "home", blocks: [] } })).rejects.toMatchObject({ data: { error: "not_enabled" } });
    } finally {
      await other.close();
    }
  });
});

import type { App, BlockAction, ButtonAction, StaticSelectAction } from "@slack/bolt";
import { ErrorCode } from "@slack/web-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { control, sleep, startPair, type Pair } from "./harness.ts";

let pair: Pair;
const seen = { commands: [] as Array<{ response_url: string; trigger_id: string; text: string }>, messages: [] as Array<Record<string, unknown>>, closed: [] as string[], selects: [] as string[] };

const incidentCard = (status: string) => [
  { type: "header", text: { type: "plain_text", text: "SEV2 checkout: 5xx errors" } },
  { type: "section", block_id: "status", text: { type: "mrkdwn", text: `*Status:* ${status}` } },
  {
    type: "actions",
    block_id: "acts",
    elements: [
      {
        type: "button",
        action_id: "approve",
        text: { type: "plain_text", text: "Approve rollback" },
        style: "primary",
        value: "rollback:checkout",
        confirm: { title: { type: "plain_text", text: "Sure?" }, text: { type: "plain_text", text: "Roll back checkout" }, confirm: { type: "plain_text", text: "Yes" }, deny: { type: "plain_text", text: "No" } },
      },
      { type: "button", action_id: "dismiss", text: { type: "plain_text", text: "Dismiss" }, value: "dismiss" },
      { type: "static_select", action_id: "severity", placeholder: { type: "plain_text", text: "Severity" }, options: ["SEV1", "SEV2", "SEV3"].map((s) => ({ text: { type: "plain_text", text: s }, value: s.toLowerCase() })) },
    ],
  },
];

const modal = {
  type: "modal",
  callback_id: "postmortem",
  notify_on_close: true,
  title: { type: "plain_text", text: "Postmortem" },
  submit: { type: "plain_text", text: "Save" },
  blocks: [
    { type: "input", block_id: "summary", label: { type: "plain_text", text: "Summary" }, element: { type: "plain_text_input", action_id: "text", multiline: true } },
    {
      type: "input",
      block_id: "sev",
      label: { type: "plain_text", text: "Severity" },
      element: {
        type: "static_select",
        action_id: "pick",
        options: [
          { text: { type: "plain_text", text: "SEV1" }, value: "sev1" },
          { text: { type: "plain_text", text: "SEV2" }, value: "sev2" },
        ],
      },
    },
    { type: "input", block_id: "when", optional: true, label: { type: "plain_text", text: "Date" }, element: { type: "datepicker", action_id: "date" } },
  ],
};

function setup(app: App): void {
  app.command("/aisre", async ({ command, ack, respond, client }) => {
    seen.commands.push({ response_url: command.response_url, trigger_id: command.trigger_id, text: command.text });
    if (command.text === "quick") return ack({ response_type: "ephemeral", text: "quick ack" } as never);
    if (command.text === "postmortem") {
      await ack();
      await client.views.open({ trigger_id: command.trigger_id, view: modal as never });
      return;
    }
    await ack();
    if (command.text === "help") await respond({ response_type: "ephemeral", text: "aisre commands", blocks: [{ type: "section", text: { type: "mrkdwn", text: "`/aisre help` show help" } }] });
    if (command.text === "card") await respond({ response_type: "in_channel", text: "card", blocks: incidentCard("investigating") as never });
  });
  app.action<BlockAction<ButtonAction>>("approve", async ({ ack, body, client }) => {
    await ack();
    await client.chat.update({ channel: body.channel!.id, ts: body.message!.ts, text: "approved", blocks: incidentCard(`rollback approved by <@${body.user.id}>`) as never });
  });
  app.action<BlockAction<ButtonAction>>("dismiss", async ({ ack, respond }) => {
    await ack();
    await respond({ replace_original: true, text: "Dismissed." });
  });
  app.action<BlockAction<StaticSelectAction>>("severity", async ({ ack, action }) => {
    await ack();
    seen.selects.push(action.selected_option.value);
  });
  app.view("postmortem", async ({ ack, view, body, client }) => {
    const summary = view.state.values.summary?.text?.value ?? "";
    if (summary.length < 5) return ack({ response_action: "errors", errors: { summary: "Write a bit more" } });
    await ack();
    const sev = view.state.values.sev?.pick?.selected_option?.value;
    await client.chat.postMessage({ channel: "#incidents", text: `Postmortem by <@${body.user.id}> (${sev}, ${view.state.values.when?.date?.selected_date}): ${summary}` });
  });
  app.view({ callback_id: "postmortem", type: "view_closed" }, async ({ ack, body }) => {
    await ack();
    seen.closed.push(body.view.id);
  });
  app.event("app_mention", async ({ event, say }) => {
    await say({ text: `You asked: ${event.text}`, thread_ts: event.thread_ts ?? event.ts });
  });
  app.message(async ({ message }) => {
    seen.messages.push(message as unknown as Record<string, unknown>);
  });
}

beforeAll(async () => {
  pair = await startPair(setup, { watch: { settleMs: 300, maxMs: 1500 } });
});

afterAll(async () => {
  await pair?.close();
});

describe("slash commands", () => {
  it("/aisre help answers ephemerally: only the user who ran it sees it", async () => {
    const r = await control(pair.sandbox, "/sandbox/users/U_ALICE/commands", { channel: "#sre", command: "/aisre", text: "help" });
    expect(r.status).toBe(200);
    expect(r.json.messages).toHaveLength(1);
    expect(r.json.messages[0]).toMatchObject({ type: "message", is_ephemeral: true, text: "aisre commands", bot_id: pair.sandbox.workspace.botId, channel: pair.sandbox.workspace.channel("sre")!.id });
    const forAlice = await control(pair.sandbox, "/sandbox/users/U_ALICE/channels/%23sre/messages", undefined, "GET");
    const forBob = await control(pair.sandbox, "/sandbox/users/U_BOB/channels/%23sre/messages", undefined, "GET");
    expect(forAlice.json.messages.some((m: { text: string }) => m.text === "aisre commands")).toBe(true);
    expect(forBob.json.messages.some((m: { text: string }) => m.text === "aisre commands")).toBe(false);
  });

  it("an ack with a body becomes the reply", async () => {
    const r = await control(pair.sandbox, "/sandbox/users/U_BOB/commands", { channel: "#sre", command: "/aisre", text: "quick" });
    expect(r.json.messages.map((m: { text: string }) => m.text)).toEqual(["quick ack"]);
  });

  it("an unregistered command is refused by Slackbot", async () => {
    const r = await control(pair.sandbox, "/sandbox/users/U_BOB/commands", { channel: "#sre", command: "/nope", text: "" });
    expect(r.json.messages[0]).toMatchObject({ user: "USLACKBOT", is_ephemeral: true });
  });

  it("response_url works 5 times, then answers used_url", async () => {
    await control(pair.sandbox, "/sandbox/users/U_CAROL/commands", { channel: "#sre", command: "/aisre", text: "five" });
    const url = seen.commands.at(-1)!.response_url;
    const post = (body: unknown) => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const first = await post({ text: "one" });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ ok: true });
    expect((await post({ response_type: "in_channel", text: "two, for everyone" })).status).toBe(200);
    expect((await post({ replace_original: true, text: "two, edited" })).status).toBe(200);
    expect((await post({ delete_original: true })).status).toBe(200);
    expect((await post({ text: "five" })).status).toBe(200);
    const sixth = await post({ text: "six" });
    expect(sixth.status).toBe(404);
    expect(await sixth.json()).toMatchObject({ ok: false, error: "used_url" });
    const carol = (await control(pair.sandbox, "/sandbox/users/U_CAROL/channels/%23sre/messages", undefined, "GET")).json.messages.map((m: { text: string }) => m.text);
    expect(carol).toEqual(expect.arrayContaining(["one", "five"]));
    expect(carol).not.toContain("two, for everyone");
    expect(carol).not.toContain("two, edited");
    expect(carol).not.toContain("six");
  });

  it("response_url refuses invalid blocks like the Web API", async () => {
    await control(pair.sandbox, "/sandbox/users/U_CAROL/commands", { channel: "#sre", command: "/aisre", text: "bad" });
    const url = seen.commands.at(-1)!.response_url;
    const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "x", blocks: [{ type: "header", text: { type: "plain_text", text: "h".repeat(151) } }] }) });
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ ok: false, error: "invalid_blocks" });
  });
});

describe("trigger_id", () => {
  it("expires after 3 s and works once", async () => {
    const client = pair.app.client;
    // Straight to the user action (the control API would wait for an answer that never comes).
    await pair.sandbox.slack.actions.command("U_ALICE", "#sre", "/aisre", "t1");
    const fresh = seen.commands.at(-1)!.trigger_id;
    const view = { type: "modal", title: { type: "plain_text", text: "Hi" }, blocks: [{ type: "section", text: { type: "mrkdwn", text: "hello" } }] };
    const err = (p: Promise<unknown>) => p.then(() => "ok").catch((e) => (e.code === ErrorCode.PlatformError ? e.data.error : String(e)));
    expect(await err(client.views.open({ trigger_id: fresh, view: view as never }))).toBe("ok");
    expect(await err(client.views.open({ trigger_id: fresh, view: view as never }))).toBe("exchanged_trigger_id");
    expect(await err(client.views.open({ trigger_id: "123.456.abc", view: view as never }))).toBe("invalid_trigger_id");
    await pair.sandbox.slack.actions.command("U_ALICE", "#sre", "/aisre", "t2");
    const stale = seen.commands.at(-1)!.trigger_id;
    await sleep(3100);
    expect(await err(client.views.open({ trigger_id: stale, view: view as never }))).toBe("expired_trigger_id");
  }, 15_000);
});

describe("buttons and selects", () => {
  it("a click reaches the app as block_actions and the updated message comes back", async () => {
    const posted = await control(pair.sandbox, "/sandbox/users/U_ALICE/commands", { channel: "#incidents", command: "/aisre", text: "card" });
    const card = posted.json.messages[0];
    expect(card.is_ephemeral).toBeUndefined();
    const r = await control(pair.sandbox, "/sandbox/users/U_CAROL/clicks", { channel: "#incidents", ts: card.ts, action_id: "approve" });
    expect(r.json.ok).toBe(true);
    expect(r.json.messages).toHaveLength(1);
    expect(r.json.messages[0]).toMatchObject({ ts: card.ts, text: "approved", edited: { user: pair.sandbox.workspace.botUserId } });
    expect(JSON.stringify(r.json.messages[0].blocks)).toContain("rollback approved by <@U_CAROL>");
  });

  it("respond({replace_original}) replaces the clicked message; selects carry the option", async () => {
    const posted = await control(pair.sandbox, "/sandbox/users/U_ALICE/commands", { channel: "#incidents", command: "/aisre", text: "card" });
    const ts = posted.json.messages[0].ts;
    await control(pair.sandbox, "/sandbox/users/U_BOB/clicks", { channel: "#incidents", ts, action_id: "severity", value: "sev1" });
    expect(seen.selects.at(-1)).toBe("sev1");
    const r = await control(pair.sandbox, "/sandbox/users/U_BOB/clicks", { channel: "#incidents", ts, action_id: "dismiss" });
    expect(r.json.messages[0]).toMatchObject({ ts, text: "Dismissed." });
    expect(r.json.messages[0].blocks).toBeUndefined();
  });

  it("clicking something that is not there is a 404", async () => {
    const r = await control(pair.sandbox, "/sandbox/users/U_BOB/clicks", { channel: "#incidents", ts: "1.000001", action_id: "x" });
    expect(r.status).toBe(404);
  });
});

describe("modals", () => {
  it("opens from a command, refuses missing fields, shows app errors, then submits", async () => {
    const opened = await control(pair.sandbox, "/sandbox/users/U_ALICE/commands", { channel: "#incidents", command: "/aisre", text: "postmortem" });
    expect(opened.json.views).toHaveLength(1);
    const view = opened.json.views[0];
    expect(view).toMatchObject({ type: "modal", callback_id: "postmortem", is_open: true });

    const missing = await control(pair.sandbox, `/sandbox/users/U_ALICE/views/${view.id}/submit`, { values: { summary: { text: "" } } });
    expect(missing.json).toMatchObject({ ok: false, errors: { summary: "This field is required.", sev: "This field is required." } });

    const appError = await control(pair.sandbox, `/sandbox/users/U_ALICE/views/${view.id}/submit`, { values: { summary: { text: "bad" }, sev: { pick: "sev2" } } });
    expect(appError.json).toMatchObject({ ok: true, errors: { summary: "Write a bit more" } });

    const done = await control(pair.sandbox, `/sandbox/users/U_ALICE/views/${view.id}/submit`, { values: { summary: "Bad deploy of checkout v42", pick: "sev2", date: "2026-01-31" } });
    expect(done.json.ok).toBe(true);
    expect(done.json.views[0]).toMatchObject({ id: view.id, is_open: false });
    expect(done.json.messages.map((m: { text: string }) => m.text)).toEqual(["Postmortem by <@U_ALICE> (sev2, 2026-01-31): Bad deploy of checkout v42"]);
  });

  it("closing a notify_on_close modal sends view_closed", async () => {
    const opened = await control(pair.sandbox, "/sandbox/users/U_BOB/commands", { channel: "#incidents", command: "/aisre", text: "postmortem" });
    const id = opened.json.views[0].id;
    await control(pair.sandbox, `/sandbox/users/U_BOB/views/${id}/close`);
    expect(seen.closed).toContain(id);
  });
});

describe("messages and mentions", () => {
  it("an @mention gets a threaded reply; message events carry thread_ts", async () => {
    const r = await control(pair.sandbox, "/sandbox/users/U_ALICE/messages", { channel: "#incidents", text: "@aisre what changed in the last hour?" });
    expect(r.json.message).toMatchObject({ user: "U_ALICE", text: `<@${pair.sandbox.workspace.botUserId}> what changed in the last hour?` });
    expect(r.json.messages).toHaveLength(1);
    expect(r.json.messages[0]).toMatchObject({ thread_ts: r.json.message.ts, text: `You asked: <@${pair.sandbox.workspace.botUserId}> what changed in the last hour?` });

    await control(pair.sandbox, "/sandbox/users/U_BOB/messages", { channel: "#incidents", text: "plain reply", thread_ts: r.json.message.ts });
    const reply = seen.messages.find((m) => m.text === "plain reply")!;
    expect(reply).toMatchObject({ thread_ts: r.json.message.ts, user: "U_BOB", channel_type: "channel" });
    // The bot's own posts arrive too (Bolt drops them with ignoreSelf).
    expect(seen.messages.some((m) => m.bot_id)).toBe(false);
  });
});

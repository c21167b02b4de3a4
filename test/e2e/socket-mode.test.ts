import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTION } from "../../blocks/ids.ts";
import { eventually, startTestAisre, type TestAisre } from "../support/harness.ts";

/**
 * The whole product in Socket Mode: Bolt's real SocketModeReceiver calls the sandbox's
 * apps.connections.open with the app-level token, connects to the WebSocket it hands out, gets
 * `hello`, and every slash command, event and click arrives as an envelope it acknowledges by
 * `envelope_id` (the HTTP request URL is not used: the bot's /slack/events is not even served).
 */

let t: TestAisre;
const text = (m: { blocks?: unknown[]; text?: string }) => `${m.text ?? ""} ${JSON.stringify(m.blocks ?? [])}`;

beforeAll(async () => {
  t = await startTestAisre({ env: { SLACK_SOCKET_MODE: "true" } });
}, 240_000);

afterAll(async () => {
  await t?.close();
});

describe("Socket Mode against the sandbox", () => {
  it("is connected and the request URL is not used", async () => {
    const hub = t.aisre.sandbox?.socketMode;
    expect(hub?.connected).toBe(true);
    const res = await fetch(`${t.botUrl}/slack/events`, { method: "POST", body: "{}" });
    expect(res.status).toBe(503);
  });

  it("runs a slash command, a button and an @mention as acknowledged envelopes", async () => {
    const hub = t.aisre.sandbox!.socketMode!;
    const card = (await t.command("U_ALICE", "#incidents", "status checkout")).find((m) => text(m).includes("Share in channel"));
    expect(card).toBeDefined();
    const channel = await t.channelId("incidents");
    await t.click("U_ALICE", channel, card!.ts, ACTION.shareInChannel);
    // A loaded machine may answer after the control API's 5 s: read the channel until it is there.
    await eventually(async () => (await t.history("#incidents")).find((m) => text(m).includes("Shared by")), "the shared status card", 60_000);

    const bot = t.aisre.sandbox!.workspace.botUserId;
    const seen = await t.message("U_BOB", "#sre", `<@${bot}> who is on call for payments?`);
    const reply = await eventually(
      async () => {
        const all = [...seen, ...(await t.history("#sre"))];
        const parent = all.find((m) => String(m.text).includes("who is on call"));
        if (!parent) return undefined;
        const replies = await t.replies("#sre", parent.ts);
        return replies.find((m) => m.bot_id && /payments/i.test(text(m)));
      },
      "the mention's answer in its thread",
      60_000,
    );
    expect(reply).toBeDefined();

    // Each kind went over the socket and was acknowledged (a slow ack is retried, as Slack does).
    const types = new Set(hub.sent.filter((s) => s.acked).map((s) => s.type));
    expect([...types].sort()).toEqual(["events_api", "interactive", "slash_commands"]);
  }, 120_000);
});

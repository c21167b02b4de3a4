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

  it("Slack's disconnect (refresh_requested, warning): Bolt lets the connection go, reconnects, and a command sent meanwhile is not lost", async () => {
    const hub = t.aisre.sandbox!.socketMode!;
    const control = (path: string, body?: unknown) => fetch(`${t.sandboxUrl}${path}`, { method: body === undefined ? "GET" : "POST", headers: { "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    expect((await control("/sandbox/socket/disconnect", { reason: "nope" })).status).toBe(400);
    const seenAsUser = async (channel: string, user: string) => ((await (await fetch(`${t.sandboxUrl}/sandbox/users/${user}/channels/${channel}/messages`)).json()) as { messages: Array<{ ts: string; text?: string; blocks?: unknown[] }> }).messages;

    for (const reason of ["refresh_requested", "warning"] as const) {
      const before = hub.hellos;
      const res = await control("/sandbox/socket/disconnect", { reason });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { connections: number }).connections).toBe(1);
      // Bolt closes the connection it was told to let go (before the sandbox's own close after a warning's 10 s).
      await eventually(async () => (hub.connectionCount === 0 || hub.hellos > before ? true : undefined), `Bolt lets the connection go (${reason})`, 9_000);
      // A command right away, while Bolt is between connections: delivered on its new connection.
      const sentBefore = hub.sent.filter((x) => x.type === "slash_commands" && x.acked).length;
      const channel = await t.channelId("incidents");
      const cards = async () => (await seenAsUser(channel, "U_ALICE")).filter((m) => text(m).includes("Share in channel") && /payments/.test(text(m))).length;
      const cardsBefore = await cards();
      await t.command("U_ALICE", "#incidents", "status payments");
      await eventually(async () => (hub.hellos > before && hub.connectionCount === 1 ? true : undefined), `the new connection (${reason})`, 30_000);
      await eventually(async () => (hub.sent.filter((x) => x.type === "slash_commands" && x.acked).length > sentBefore ? true : undefined), `the command acknowledged (${reason})`, 30_000);
      await eventually(async () => ((await cards()) > cardsBefore ? true : undefined), `the status card after ${reason}`, 60_000).catch(async (e: unknown) => {
        throw new Error(`${String(e)}: ${cardsBefore} before; seen ${JSON.stringify((await seenAsUser(channel, "U_ALICE")).map((m) => text(m).slice(0, 120)))}`);
      });
    }
    const state = (await (await control("/sandbox/socket")).json()) as { connections: number; disconnects: Array<{ reason: string }> };
    expect(state.connections).toBe(1);
    expect(state.disconnects.map((d) => d.reason)).toEqual(["refresh_requested", "warning"]);

    // Still working on the new connection: an @mention is answered in its thread.
    const bot = t.aisre.sandbox!.workspace.botUserId;
    await t.message("U_BOB", "#sre", `<@${bot}> who is on call for checkout after the refresh?`);
    await eventually(
      async () => {
        const parent = (await t.history("#sre")).find((m) => String(m.text).includes("after the refresh"));
        return parent ? (await t.replies("#sre", parent.ts)).find((m) => m.bot_id && /checkout/i.test(text(m))) : undefined;
      },
      "the mention's answer after the refresh",
      60_000,
    );
  }, 180_000);
});

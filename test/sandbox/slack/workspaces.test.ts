import type { AllMiddlewareArgs } from "@slack/bolt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OTHER_TEAM, TEAM } from "../../../src/sandbox/slack/defaults.ts";
import { control, startPair, type Pair } from "./harness.ts";

/**
 * The organization's second workspace (T0OTHER01) owns `#payments-ops`: what people do there reaches
 * a real Bolt app in that workspace's envelope — the Events API's `team_id`, `authorizations` and
 * `event.team`, the slash command's `team_id` / `team_domain`, the interaction's `team` and
 * `user.team_id` — and what the app answers through the response_url is posted in that workspace.
 * The sandbox's own channels keep T0SANDBOX1.
 */

interface Seen {
  kind: string;
  channel: string;
  team: unknown;
  body: Record<string, unknown>;
  context: AllMiddlewareArgs["context"];
}

let pair: Pair;
const seen: Seen[] = [];

beforeAll(async () => {
  pair = await startPair((app) => {
    app.event("app_mention", async ({ body, event, context }) => {
      seen.push({ kind: "app_mention", channel: event.channel, team: (event as { team?: string }).team, body: body as unknown as Record<string, unknown>, context });
    });
    app.command("/aisre", async ({ ack, command, body, context }) => {
      await ack({ response_type: "in_channel", text: `status from ${command.team_id}` });
      seen.push({ kind: "command", channel: command.channel_id, team: command.team_id, body: body as unknown as Record<string, unknown>, context });
    });
    app.action("ack", async ({ ack, body, context }) => {
      await ack();
      const b = body as unknown as { channel?: { id: string }; team?: { id: string } };
      seen.push({ kind: "click", channel: b.channel?.id ?? "", team: b.team?.id, body: body as unknown as Record<string, unknown>, context });
    });
  });
}, 60_000);

afterAll(async () => {
  await pair?.close();
});

const ws = () => pair.sandbox.workspace;

describe("events, commands and clicks carry the workspace of their channel", () => {
  it("#payments-ops belongs to T0OTHER01; #incidents and #sre to T0SANDBOX1 (the page's workspace lists it)", async () => {
    expect(ws().teamOf("#payments-ops")).toBe(OTHER_TEAM.id);
    expect(ws().teamOf("#sre")).toBe(TEAM.id);
    const page = (await (await fetch(`${pair.sandbox.url}/sandbox/workspace?user=U_ALICE`)).json()) as { channels: Array<{ name: string; team: string }> };
    expect(page.channels.find((c) => c.name === "payments-ops")?.team).toBe(OTHER_TEAM.id);
    expect(page.channels.find((c) => c.name === "incidents")?.team).toBe(TEAM.id);
  });

  it("an @mention: the envelope's team_id and authorizations, and event.team, name the channel's workspace", async () => {
    const bot = ws().botUserId;
    for (const channel of ["#payments-ops", "#sre"]) {
      const r = await control(pair.sandbox, "/sandbox/users/U_ALICE/messages", { channel, text: `<@${bot}> hello from ${channel.slice(1)}` });
      expect(r.status).toBe(200);
    }
    const other = seen.find((s) => s.kind === "app_mention" && s.channel === ws().channel("payments-ops")!.id);
    const main = seen.find((s) => s.kind === "app_mention" && s.channel === ws().channel("sre")!.id);
    expect(other?.body).toMatchObject({ team_id: OTHER_TEAM.id, context_team_id: OTHER_TEAM.id, authorizations: [{ team_id: OTHER_TEAM.id, is_bot: true }] });
    expect(other?.team).toBe(OTHER_TEAM.id);
    expect(other?.context.teamId).toBe(OTHER_TEAM.id);
    expect(main?.body).toMatchObject({ team_id: TEAM.id, authorizations: [{ team_id: TEAM.id }] });
    expect(main?.context.teamId).toBe(TEAM.id);
    // The person's message itself is shown as from that workspace.
    const posted = ws()
      .history(ws().channel("payments-ops")!.id, "U_ALICE")
      .find((m) => m.text.includes("hello from payments-ops"));
    expect(posted?.team).toBe(OTHER_TEAM.id);
  });

  it("a slash command: team_id / team_domain of the channel's workspace; the answer is posted in that workspace", async () => {
    const r = await control(pair.sandbox, "/sandbox/users/U_BOB/commands", { channel: "#payments-ops", command: "/aisre", text: "status ledger" });
    expect(r.json.ok).toBe(true);
    const cmd = seen.find((s) => s.kind === "command");
    expect(cmd?.body).toMatchObject({ team_id: OTHER_TEAM.id, team_domain: OTHER_TEAM.domain, channel_name: "payments-ops" });
    expect(cmd?.context.teamId).toBe(OTHER_TEAM.id);
    const answer = ws()
      .history(ws().channel("payments-ops")!.id, "U_BOB")
      .find((m) => m.text === `status from ${OTHER_TEAM.id}`);
    expect(answer?.team).toBe(OTHER_TEAM.id);
  });

  it("a button click: the payload's team and user.team_id are the channel's workspace", async () => {
    const card = ws().post({
      channel: ws().channel("payments-ops")!.id,
      user: ws().botUserId,
      text: "card",
      blocks: [{ type: "actions", block_id: "b1", elements: [{ type: "button", action_id: "ack", text: { type: "plain_text", text: "Ack" }, value: "v" }] }],
    });
    const r = await control(pair.sandbox, "/sandbox/users/U_CAROL/clicks", { channel: "#payments-ops", ts: card.ts, action_id: "ack" });
    expect(r.json.ok).toBe(true);
    const click = seen.find((s) => s.kind === "click");
    expect(click?.team).toBe(OTHER_TEAM.id);
    expect(click?.body).toMatchObject({ team: { id: OTHER_TEAM.id, domain: OTHER_TEAM.domain }, user: { id: "U_CAROL", team_id: OTHER_TEAM.id } });
    expect(click?.context.teamId).toBe(OTHER_TEAM.id);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestAisre, type TestAisre } from "../support/harness.ts";

const blocksText = (m: { blocks?: unknown[]; text?: string }) => `${m.text ?? ""} ${JSON.stringify(m.blocks ?? [])}`;

describe("the product on the sandbox workspace", () => {
  let t: TestAisre;
  beforeAll(async () => {
    t = await startTestAisre();
  });
  afterAll(async () => {
    await t?.close();
  });

  it("answers /aisre help with an ephemeral list of commands", async () => {
    const seen = await t.command("U_BOB", "#sre", "help");
    const help = seen.find((m) => blocksText(m).includes("/aisre incident"));
    expect(help).toBeDefined();
    expect(blocksText(help!)).toContain("/aisre incidents");
  });

  it("gives a helpful usage reply to a wrong subcommand", async () => {
    const seen = await t.command("U_BOB", "#sre", "incidnets");
    expect(seen.map(blocksText).join("\n")).toMatch(/Did you mean `incidents`/);
  });

  it("replies to an @mention in the thread", async () => {
    const botId = t.aisre.sandbox!.workspace.botUserId;
    const seen = await t.message("U_ALICE", "#sre", `<@${botId}> hello there`);
    const reply = seen.find((m) => blocksText(m).includes("hello there"));
    expect(reply).toBeDefined();
    expect(reply!.thread_ts).toBeDefined();
  });

  it("opens one incident thread for a storm, with the card edited in place and buttons that work", async () => {
    const alerts = ["HighErrorRate", "HighLatency", "PodRestarts"].map((name, i) => ({ name, status: "firing", severity: i === 0 ? "critical" : "warning", service: "checkout", summary: `${name} on checkout` }));
    expect((await t.postWebhook("generic", { alerts })).status).toBe(202);
    expect((await t.postWebhook("generic", { alerts: [{ name: "HighErrorRate", status: "firing", severity: "warning", service: "checkout", summary: "again" }] })).status).toBe(202);
    const root = await eventually(async () => (await t.history("#incidents")).find((m) => blocksText(m).includes("What caused it")), "the incident root message");
    const replies = await eventually(async () => {
      const r = await t.replies("#incidents", root.ts);
      return r.some((m) => blocksText(m).includes("What the signals show")) ? r : undefined;
    }, "the digest thread message");
    expect(replies.length).toBeGreaterThan(1);
    expect((await t.history("#incidents")).filter((m) => blocksText(m).includes("What caused it")).length).toBe(1);
    // Message metadata: which incident each post is about, read back as Slack returns it.
    const withMeta = (await t.history("#incidents", { includeAllMetadata: true })).find((m) => m.ts === root.ts)!;
    const meta = withMeta.metadata as { event_type: string; event_payload: { incident_id: string; severity: string; services: string[] } };
    // The root post says opened; once its card is edited (chat.update replaces the metadata) it says updated.
    expect(meta.event_type).toBe(withMeta.edited ? "aisre_incident_updated" : "aisre_incident_opened");
    expect(meta.event_payload).toMatchObject({ incident_id: expect.stringMatching(/^INC-/), severity: expect.stringMatching(/^sev[1-4]$/), services: ["checkout"] });
    expect(root.metadata).toBeUndefined();
    const threadMeta = (await t.replies("#incidents", root.ts, { includeAllMetadata: true })).slice(1).map((m) => m.metadata as typeof meta);
    expect(threadMeta.length).toBeGreaterThan(0);
    for (const m of threadMeta) expect(m).toMatchObject({ event_type: "aisre_incident_updated", event_payload: { incident_id: meta.event_payload.incident_id } });

    const channel = await t.channelId("#incidents");
    await t.click("U_ALICE", channel, root.ts, "incident_acknowledge");
    await eventually(async () => {
      const card = (await t.history("#incidents")).find((m) => m.ts === root.ts);
      return card && blocksText(card).includes("acknowledged") ? card : undefined;
    }, "the card to show acknowledged");

    const list = await t.command("U_CAROL", "#incidents", "incidents");
    expect(list.map(blocksText).join("\n")).toContain("checkout");
  });

  it("refuses malformed and oversize webhooks with a reason", async () => {
    const bad = await t.postWebhook("generic", { alerts: [{ status: "firing" }] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { detail: string }).detail).toContain("alerts[0].name");
    const unknown = await t.postWebhook("nagios", {});
    expect(unknown.status).toBe(404);
    const big = await t.postWebhook("generic", "x".repeat(3 * 1024 * 1024));
    expect(big.status).toBe(413);
  });
});

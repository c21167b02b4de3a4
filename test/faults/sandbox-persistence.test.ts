import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { persistWorkspace } from "../../src/sandbox/slack/persist.ts";
import { SlackWorkspace } from "../../src/sandbox/slack/workspace.ts";

describe("the sandbox Slack workspace across a restart", () => {
  it("keeps channels, messages, threads, edits and metadata in the data folder; new messages come after", () => {
    const file = join(mkdtempSync(join(tmpdir(), "aisre-ws-")), "sandbox", "slack-workspace.json");
    const before = new SlackWorkspace();
    const saved = persistWorkspace(before, file);
    const incidents = before.channel("#incidents")!.id;
    const root = before.post({ channel: incidents, user: before.botUserId, text: "root card", metadata: { event_type: "aisre_outbox", event_payload: { outbox_id: "7" } } });
    const reply = before.post({ channel: incidents, user: "U_ALICE", text: "looking", threadTs: root.ts });
    before.update(incidents, root.ts, { text: "root card (edited)" }, before.botUserId);
    const created = before.createChannel({ name: "inc-42", creator: "U_CAROL", members: ["U_ALICE"] });
    saved.close();

    const after = new SlackWorkspace();
    persistWorkspace(after, file).close();
    expect(after.message(incidents, root.ts)).toMatchObject({ text: "root card (edited)", metadata: { event_payload: { outbox_id: "7" } } });
    expect(after.replies(incidents, root.ts).map((m) => m.ts)).toEqual([reply.ts]);
    expect(after.channel("#inc-42")?.id).toBe(created.id);
    expect(after.isMember(created.id, "U_ALICE")).toBe(true);
    // A later edit finds the message (it failed with message_not_found when the workspace was forgotten).
    expect(after.update(incidents, root.ts, { text: "resolved" }).text).toBe("resolved");
    const next = after.post({ channel: incidents, user: "U_BOB", text: "later" });
    expect(Number(next.ts)).toBeGreaterThan(Number(reply.ts));
  });
});

import { describe, expect, it } from "vitest";
import { keyTimeline, timelineLines } from "../../src/postmortem/timeline.ts";
import { storePerBlock, testDatabases } from "../support/databases.ts";

describe.each(testDatabases())("the brief timeline on $name", ({ open }) => {
  const { store } = storePerBlock(open);

  it("gives the key moments the whole rows give, without the alerts' labels, and leaves out people's messages when asked", async () => {
    const id = `INC-B${Date.now()}`;
    await store.incidents.create({ id, title: "t", severity: "sev2", origin: "alert", services: ["api"] });
    const t0 = Date.parse("2026-11-23T10:00:00Z");
    const at = (s: number) => new Date(t0 + s * 1000).toISOString();
    const labels = { alertname: "HighErrorRate", service: "api", pod: "api-7d9f", extra: "x".repeat(200) };
    await store.timeline.appendMany([
      { incidentId: id, kind: "alert", actor: "alertmanager", text: "HighErrorRate fired on api — first alert", at: at(1), data: { fingerprint: "f1", status: "firing", labels } },
      { incidentId: id, kind: "alert", actor: "alertmanager", text: "HighErrorRate fired on api — again", at: at(2), data: { fingerprint: "f1", status: "firing", labels } },
      { incidentId: id, kind: "message", actor: "U1", text: "looking", at: at(3), data: { ts: "1.1" } },
      { incidentId: id, kind: "status", actor: "U1", text: "Status open → acknowledged", at: at(4), data: { from: "open", to: "acknowledged" } },
      { incidentId: id, kind: "alert", actor: "alertmanager", text: "HighErrorRate resolved on api", at: at(5), data: { fingerprint: "f1", status: "resolved", labels } },
      { incidentId: id, kind: "alert", actor: "alertmanager", text: "HighErrorRate resolved on api", at: at(6), data: { fingerprint: "f1", status: "resolved", labels } },
    ]);
    const brief = await store.timeline.listBrief(id, { messages: false });
    expect(brief.map((e) => e.kind)).not.toContain("message");
    expect(brief[0]?.data).toEqual({ fingerprint: "f1", status: "firing" });
    const whole = await store.timeline.list(id);
    const lines = (entries: typeof whole) => timelineLines(keyTimeline(entries, { maxLines: 120, messages: false }));
    expect(lines(brief)).toEqual(lines(whole));
    expect(lines(brief).length).toBe(4);
  });
});

import { describe, expect, it } from "vitest";
import { keptEnds, keyTimeline, keyTimelineOfKept, timelineLines } from "../../src/postmortem/timeline.ts";
import { storePerBlock, testDatabases } from "../support/databases.ts";

describe.each(testDatabases())("key moments picked by the store on $name", ({ open }) => {
  const { store } = storePerBlock(open);

  const seed = async (id: string, alerts: number) => {
    await store.incidents.create({ id, title: "t", severity: "sev2", origin: "alert", services: ["api"] });
    const t0 = Date.parse("2026-11-23T10:00:00Z");
    let s = 0;
    const at = () => new Date(t0 + s++ * 1000).toISOString();
    const labels = { alertname: "HighErrorRate", service: "api", extra: "x".repeat(200) };
    const entries: Parameters<typeof store.timeline.appendMany>[0] = [];
    for (let i = 0; i < alerts; i++) {
      const fp = `f${i % Math.max(1, Math.floor(alerts / 3))}`;
      entries.push({ incidentId: id, kind: "alert", actor: "alertmanager", text: `Alert${fp} fired on api — same service`, at: at(), data: { fingerprint: fp, status: "firing", labels } });
      if (i % 5 === 0) entries.push({ incidentId: id, kind: "alert", actor: "alertmanager", text: `Alert${fp} resolved on api`, at: at(), data: { fingerprint: fp, status: "resolved", labels } });
      if (i % 7 === 0) entries.push({ incidentId: id, kind: "message", actor: "U1", text: `looking ${i}`, at: at(), data: { ts: `${i}.1` } });
      if (i % 11 === 0) entries.push({ incidentId: id, kind: "status", actor: "U1", text: `Status   open → acknowledged ${i}`, at: at(), data: {} });
    }
    // Without a fingerprint, the alert's first word is its key.
    entries.push({ incidentId: id, kind: "alert", actor: "prometheus", text: "NoFp fired", at: at(), data: { status: "firing" } });
    entries.push({ incidentId: id, kind: "alert", actor: "prometheus", text: "NoFp fired again", at: at(), data: { status: "firing" } });
    await store.timeline.appendMany(entries);
  };

  for (const [alerts, maxLines] of [
    [12, 120],
    [600, 120],
    [600, 30],
  ] as const) {
    it(`gives the key moments the whole timeline gives (${alerts} alert entries, at most ${maxLines} lines)`, async () => {
      const id = `INC-K${alerts}-${maxLines}-${Date.now()}`;
      await seed(id, alerts);
      const whole = timelineLines(keyTimeline(await store.timeline.list(id), { maxLines, messages: false }));
      const picked = await store.timeline.keyEntries(id, { messages: false, ...keptEnds(maxLines) });
      expect(timelineLines(keyTimelineOfKept(picked, { maxLines, messages: false }))).toEqual(whole);
      // The store hands over at most the lines shown, not the timeline.
      expect(picked.head.length).toBeLessThanOrEqual(maxLines);
      expect(picked.tail.length).toBeLessThanOrEqual(maxLines);
    });
  }
});
